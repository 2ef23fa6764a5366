package credserver

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// Slow or stalled clients are cut off after ClientTimeout: one that stops in the middle of its
// headers, one that trickles them, and an idle keep-alive connection.
func TestSlowClientsCutOff(t *testing.T) {
	srv := startServer(t, &fakeProvider{}, Options{ClientTimeout: 100 * time.Millisecond})
	addr := strings.TrimSuffix(strings.TrimPrefix(srv.URL(), "http://"), "/")
	for name, send := range map[string]func(net.Conn){
		"stalled headers": func(c net.Conn) { io.WriteString(c, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n") },
		"trickled headers": func(c net.Conn) {
			for i := 0; i < 1000; i++ {
				if _, err := io.WriteString(c, "X"); err != nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		},
		"idle": func(net.Conn) {},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			go send(c)
			// Generous bound: the test fails only if the server never closes the connection.
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			_, err = io.ReadAll(c)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatal("the server kept the connection of a slow client open")
			}
		})
	}
}
