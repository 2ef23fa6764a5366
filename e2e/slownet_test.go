package e2e

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// slowServer is a loopback endpoint that accepts connections and then either never answers
// (stall) or sends its response one byte at a time, slowly (trickle).
func slowServer(t *testing.T, trickle bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() { close(done); ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				// Read the request headers, then stall or trickle until the client gives up.
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				if !trickle {
					<-done
					return
				}
				resp := "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n<AssumeRoleResponse>"
				for i := 0; ; i++ {
					b := byte(' ')
					if i < len(resp) {
						b = resp[i]
					}
					if _, err := c.Write([]byte{b}); err != nil {
						return
					}
					select {
					case <-done:
						return
					case <-time.After(50 * time.Millisecond):
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestSlowNetworkBounded: an STS endpoint that never answers, and one that trickles its answer,
// fail with one error line and exit 8 within the configured bounds (set small here through the
// documented override), with none of the SDK's own log lines.
func TestSlowNetworkBounded(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trickle bool
		how     string // flag or environment
	}{
		{"stall", false, "env"},
		{"trickle", true, "flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, nil)
			url := slowServer(t, tc.trickle)
			env := map[string]string{"AWS_ENDPOINT_URL_STS": url}
			args := []string{"-o", "env", "-R", "arn:aws:iam::222222222222:role/read"}
			if tc.how == "env" {
				env["ASSUME_ROLE_TIMEOUTS"] = "connect=1s,first-byte=300ms,total=1s"
			} else {
				args = append([]string{"--timeouts", "first-byte=300ms,total=1s"}, args...)
			}
			r := w.failEnv(env, 8, "did not answer in time", args...)
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if len(lines) > 2 || !strings.HasPrefix(lines[0], "assume-role: error: ") {
				t.Fatalf("want one error line and a hint, got:\n%s", r.stderr)
			}
			if strings.Contains(r.stderr, "WARN") || strings.Contains(r.stderr, "operation error") {
				t.Fatalf("SDK output leaked:\n%s", r.stderr)
			}
		})
	}
}

// TestTimeoutsRefused: a bad --timeouts value is a usage error before any call.
func TestTimeoutsRefused(t *testing.T) {
	w := newWorld(t, nil)
	for _, v := range []string{"total=abc", "connect=0s", "speed=1s", "total"} {
		w.fail(2, "timeouts", "--timeouts", v, "-o", "env", "-R", "arn:aws:iam::222222222222:role/read")
	}
	if n := len(w.calls()); n != 0 {
		t.Fatalf("%d calls sent", n)
	}
}
