package cache

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A process waiting for a key held by another says what the holder announced, and stops as soon
// as its context ends.
func TestWaitingSaysWhatTheHolderDoes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	holder, err := Open(Options{Backend: BackendFile, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	msgs := make(chan string, 4)
	waiter, err := Open(Options{Backend: BackendFile, Dir: dir, Waiting: func(m string) { msgs <- m }})
	if err != nil {
		t.Fatal(err)
	}
	k := Key{Kind: KindRole, Fields: map[string]string{"role": "r"}}
	announced, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, _, err := holder.GetOrFetch(t.Context(), k, func(ctx context.Context) (*Entry, error) {
			Announce(ctx, "its MFA prompt\x1b[2J")
			close(announced)
			<-release
			return nil, errors.New("no code")
		})
		done <- err
	}()
	<-announced
	ctx, cancel := context.WithCancel(t.Context())
	werr := make(chan error, 1)
	go func() {
		_, _, err := waiter.GetOrFetch(ctx, k, func(context.Context) (*Entry, error) {
			return testEntry("AKIAWAITER", time.Now().Add(time.Hour)), nil
		})
		werr <- err
	}()
	m := <-msgs
	if !strings.HasPrefix(m, "waiting for another assume-role (pid ") || !strings.HasSuffix(m, " to finish its MFA prompt2J… (Ctrl-C to stop)") {
		t.Fatalf("message %q", m)
	}
	cancel()
	if err := <-werr; !errors.Is(err, context.Canceled) {
		t.Fatalf("waiter: %v", err)
	}
	close(release)
	<-done
}
