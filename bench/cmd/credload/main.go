// Command credload is a load benchmark of the credential server (package credserver, what
// `assume-role exec --server` and `serve` run): it starts one server on 127.0.0.1 with a cached
// provider (as the CLI does: the engine's provider caches, so a request costs no STS call), then
// for each concurrency level runs that many keep-alive clients for a fixed time and prints the
// requests per second, the latency percentiles, and the server's heap before and after; finally
// it opens slow clients (stalled and trickled headers, idle connections) and reports how long the
// server keeps them. The heap is measured (after a GC) before each level, at its end with the
// clients' connections still open, and once they are closed. Clients and server share the machine's cores, as they would in real use.
//
// Usage:
//
//	go run ./bench/cmd/credload [-c 1,50,500] [-d 5s] [-slow 20]
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/assume-role/assume-role/credserver"
	"github.com/aws/aws-sdk-go-v2/aws"
)

// provider returns fixed temporary credentials; wrapped in aws.CredentialsCache as the CLI's is.
type provider struct{}

func (provider) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "ASIABENCHEXAMPLE0001", SecretAccessKey: "benchmark-secret-not-real",
		SessionToken: strings.Repeat("T", 800), CanExpire: true, Expires: time.Now().Add(time.Hour), AccountID: "222222222222"}, nil
}

func main() {
	levels := flag.String("c", "1,50,500", "concurrency levels (comma-separated)")
	dur := flag.Duration("d", 5*time.Second, "duration of each level")
	slow := flag.Int("slow", 20, "slow clients of each kind")
	flag.Parse()

	srv, err := credserver.New(aws.NewCredentialsCache(provider{}), credserver.Options{})
	check(err)
	check(srv.Start())
	defer srv.Close()
	url, token := srv.URL(), srv.Token()
	fmt.Printf("credential server load benchmark: %s, GOMAXPROCS %d, %s per level, client timeout %s\n",
		url, runtime.GOMAXPROCS(0), *dur, credserver.DefaultClientTimeout)
	fmt.Printf("%-12s %10s %10s %12s %10s %10s %8s %11s %11s %11s\n", "clients", "requests", "req/s", "req/CPU-s", "p50", "p99", "errors", "heap before", "open conns", "after")
	for _, f := range strings.Split(*levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		check(err)
		runLevel(url, token, n, *dur)
	}
	slowClients(strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/"), *slow)
}

// rawClient sends credential requests on one keep-alive connection with the least client-side
// work (a prebuilt request, a minimal response parser), so that the figures measure the server.
type rawClient struct {
	c   net.Conn
	r   *bufio.Reader
	req []byte
}

func (rc *rawClient) do() error {
	if _, err := rc.c.Write(rc.req); err != nil {
		return err
	}
	status, length := 0, -1
	for first := true; ; first = false {
		line, err := rc.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if first {
			if len(line) < 12 {
				return errors.New("bad status line")
			}
			status, _ = strconv.Atoi(string(line[9:12]))
			continue
		}
		if len(line) <= 2 {
			break
		}
		if len(line) > 16 && strings.EqualFold(string(line[:15]), "content-length:") {
			length, _ = strconv.Atoi(strings.TrimSpace(string(line[15:])))
		}
	}
	if length < 0 {
		return errors.New("no Content-Length")
	}
	if _, err := rc.r.Discard(length); err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("status %d", status)
	}
	return nil
}

func runLevel(url, token string, clients int, d time.Duration) {
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/")
	req := []byte("GET / HTTP/1.1\r\nHost: " + addr + "\r\nAuthorization: " + token + "\r\nUser-Agent: credload\r\n\r\n")
	before := heapMB()
	cpu0 := cpuTime()
	var ok, failed atomic.Int64
	lat := make([][]time.Duration, clients)
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rc *rawClient
			defer func() {
				if rc != nil {
					rc.c.Close()
				}
			}()
			for time.Now().Before(stop) {
				if rc == nil {
					c, err := net.Dial("tcp", addr)
					if err != nil {
						failed.Add(1)
						time.Sleep(10 * time.Millisecond)
						continue
					}
					rc = &rawClient{c: c, r: bufio.NewReaderSize(c, 4096), req: req}
				}
				t0 := time.Now()
				if err := rc.do(); err != nil {
					failed.Add(1)
					rc.c.Close()
					rc = nil
					continue
				}
				ok.Add(1)
				if len(lat[i]) < 200000 {
					lat[i] = append(lat[i], time.Since(t0))
				}
			}
		}()
	}
	wg.Wait()
	cpu := cpuTime() - cpu0
	during := heapMB()
	time.Sleep(200 * time.Millisecond) // the server sees the clients' connections close
	all := slices.Concat(lat...)
	slices.Sort(all)
	pct := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[min(len(all)-1, int(p*float64(len(all))))].Round(time.Microsecond)
	}
	fmt.Printf("%-12d %10d %10.0f %12.0f %10s %10s %8d %9.1fMB %9.1fMB %9.1fMB\n", clients, ok.Load(),
		float64(ok.Load())/d.Seconds(), float64(ok.Load())/cpu.Seconds(), pct(0.50), pct(0.99), failed.Load(), before, during, heapMB())
}

// slowClients opens n connections of each slow kind and reports when the server closed them.
func slowClients(addr string, n int) {
	kinds := []struct {
		name string
		send func(net.Conn)
	}{
		{"stalled headers", func(c net.Conn) { io.WriteString(c, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n") }},
		{"trickled headers", func(c net.Conn) {
			for {
				if _, err := io.WriteString(c, "X"); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}},
		{"idle connection", func(net.Conn) {}},
	}
	fmt.Printf("\n%-18s %8s %14s %14s\n", "slow clients", "count", "closed after", "still open")
	for _, k := range kinds {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var worst time.Duration
		open := 0
		for range n {
			c, err := net.Dial("tcp", addr)
			check(err)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				t0 := time.Now()
				go k.send(c)
				c.SetReadDeadline(t0.Add(30 * time.Second))
				_, err := io.Copy(io.Discard, c)
				mu.Lock()
				defer mu.Unlock()
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					open++
					return
				}
				worst = max(worst, time.Since(t0))
			}()
		}
		wg.Wait()
		fmt.Printf("%-18s %8d %14s %14d\n", k.name, n, worst.Round(10*time.Millisecond), open)
	}
}

// cpuTime is the process's user+system CPU time (clients and server together).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse) / (1 << 20)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "credload:", err)
		os.Exit(1)
	}
}
