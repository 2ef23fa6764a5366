//go:build linux

package cache

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNoDBusLaunchAtStartup guards against 99designs/keyring#103: linking
// keyring must not make every process run dbus-launch (and leak a
// dbus-daemon) when there is no session bus, and the environment seen by the
// program (and its children) must be left as it was.
func TestNoDBusLaunchAtStartup(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	log := filepath.Join(t.TempDir(), "dbus-launch.log")
	fake := "#!/bin/sh\necho called >> '" + log + "'\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, env, want string
	}{
		{"unset", "", `false ""`},
		{"autolaunch", "DBUS_SESSION_BUS_ADDRESS=autolaunch:", `true "autolaunch:"`},
		{"empty", "DBUS_SESSION_BUS_ADDRESS=", `true ""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), exe)
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") && !strings.HasPrefix(kv, "PATH=") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			cmd.Env = append(cmd.Env, helperEnv+"=env", "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			if tc.env != "" {
				cmd.Env = append(cmd.Env, tc.env)
			}
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("child: %v", err)
			}
			if got := strings.TrimSpace(string(out)); got != tc.want {
				t.Errorf("child saw DBUS_SESSION_BUS_ADDRESS %s, want %s", got, tc.want)
			}
			if data, err := os.ReadFile(log); err == nil {
				t.Errorf("dbus-launch was run at startup: %q", data)
			}
		})
	}
}

// TestNoDBusConnectionAtStartup: with a session bus available, starting a
// program that links the keyring backends must not connect to it (upstream
// keyring connected in init on every run); only opening a D-Bus backend may.
func TestNoDBusConnectionAtStartup(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "bus")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
			accepted <- struct{}{}
		}
	}()
	cmd := exec.CommandContext(t.Context(), exe)
	cmd.Env = append(os.Environ(), helperEnv+"=env", "DBUS_SESSION_BUS_ADDRESS=unix:path="+sock)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	select {
	case <-accepted:
		t.Fatal("the program connected to the D-Bus session bus at start-up")
	case <-time.After(50 * time.Millisecond):
	}

	// Opening the backend is what connects (and fails here: this is no D-Bus server).
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+sock)
	if _, err := openKeyringStore(BackendSecretService, "assume-role-test", t.TempDir(), os.Getuid(), nil); err == nil {
		t.Fatal("opening secret-service against a fake bus succeeded")
	}
	select {
	case <-accepted:
	case <-time.After(5 * time.Second):
		t.Fatal("opening the secret-service backend did not reach the session bus")
	}
}

// TestDBusBackendWithoutBus: opening a D-Bus backend with no session bus is a
// clear error, and never runs dbus-launch.
func TestDBusBackendWithoutBus(t *testing.T) {
	if _, err := os.Stat(fmt.Sprintf("/run/user/%d/bus", os.Getuid())); err == nil {
		t.Skip("this user has a session bus in /run/user")
	}
	bin := t.TempDir()
	log := filepath.Join(t.TempDir(), "dbus-launch.log")
	fake := "#!/bin/sh\necho called >> '" + log + "'\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	for _, b := range []string{BackendSecretService, BackendKWallet} {
		_, err := openKeyringStore(b, "assume-role-test", t.TempDir(), os.Getuid(), nil)
		if err == nil || !strings.Contains(err.Error(), "no D-Bus session bus") {
			t.Errorf("%s without a bus: got %v, want the no-session-bus error", b, err)
		}
	}
	if data, err := os.ReadFile(log); err == nil {
		t.Errorf("dbus-launch was run: %q", data)
	}
}
