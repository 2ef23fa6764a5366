//go:build linux

package cache

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
