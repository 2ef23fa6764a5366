package cache

import (
	"context"
	"os"
	"strconv"
	"strings"
)

// A key's lock file says which process holds the lock and what it is doing, so that another
// process waiting for the same key can tell its user (Options.Waiting) instead of waiting
// silently. It holds a process ID and a few words, never a secret.

type holderKey struct{}

// holding returns ctx recording that the lock at path is held too (fetches nest: a role's fetch
// makes the MFA session it needs).
func holding(ctx context.Context, path string) context.Context {
	held, _ := ctx.Value(holderKey{}).([]string)
	return context.WithValue(ctx, holderKey{}, append(held[:len(held):len(held)], path))
}

// Announce records, in every lock held for the fetch running with ctx (the context GetOrFetch
// passes to fetch), what this process is doing, e.g. "its MFA prompt"; "" clears it. Outside a
// fetch it does nothing.
func Announce(ctx context.Context, activity string) {
	held, _ := ctx.Value(holderKey{}).([]string)
	for _, path := range held {
		writeHolder(path, activity)
	}
}

// writeHolder writes "PID ACTIVITY" into the lock file at path (never following a symlink).
func writeHolder(path, activity string) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC|openNoFollow, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	line := strconv.Itoa(os.Getpid())
	if activity != "" {
		line += " " + activity
	}
	_, _ = f.WriteString(line + "\n")
}

// clearHolder empties the lock file at path before its lock is released.
func clearHolder(path string) {
	if f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC|openNoFollow, 0o600); err == nil {
		f.Close()
	}
}

// waitingMessage describes the holder of the lock at path for a waiting user.
func waitingMessage(path string) string {
	var pid, activity string
	if f, err := os.OpenFile(path, os.O_RDONLY|openNoFollow, 0); err == nil {
		buf := make([]byte, 200)
		n, _ := f.Read(buf)
		f.Close()
		line, _, _ := strings.Cut(string(buf[:n]), "\n")
		pid, activity, _ = strings.Cut(line, " ")
		if _, err := strconv.Atoi(pid); err != nil {
			pid, activity = "", ""
		}
		activity = printable(activity)
	}
	who := "another assume-role"
	if pid != "" {
		who += " (pid " + pid + ")"
	}
	if activity != "" {
		return "waiting for " + who + " to finish " + activity + "… (Ctrl-C to stop)"
	}
	return "waiting for " + who + " using the same credentials… (Ctrl-C to stop)"
}

// printable keeps letters, digits, spaces and basic punctuation of s, at most 60 characters.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 60 {
			break
		}
		if r == ' ' || r == '-' || r == '_' || r == '.' || r == '/' || r == ':' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}
