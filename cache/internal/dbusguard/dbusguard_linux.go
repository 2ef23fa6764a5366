//go:build linux

package dbusguard

import (
	"os"
	"strconv"
)

const (
	envName     = "DBUS_SESSION_BUS_ADDRESS"
	placeholder = "disabled:" // not a transport godbus knows: Dial fails without I/O
)

var (
	guarded     bool   // the placeholder is set
	orig        string // the variable's value before
	origPresent bool   // whether it was set at all
)

func init() { guard() }

// guard sets the placeholder when godbus would otherwise run dbus-launch:
// no usable address in the environment and no bus socket or address file in
// /run/user/<uid> (godbus's own discovery rules).
func guard() {
	orig, origPresent = os.LookupEnv(envName)
	if orig != "" && orig != "autolaunch:" {
		return
	}
	dir := "/run/user/" + strconv.Itoa(os.Getuid())
	for _, f := range []string{"/bus", "/dbus-session"} {
		if _, err := os.Stat(dir + f); !os.IsNotExist(err) {
			return
		}
	}
	if os.Setenv(envName, placeholder) == nil {
		guarded = true
	}
}

// Restore undoes what the initialiser did, if anything. It is idempotent.
func Restore() {
	if !guarded {
		return
	}
	guarded = false
	if os.Getenv(envName) != placeholder {
		return // someone else changed it since; leave theirs
	}
	if origPresent {
		os.Setenv(envName, orig)
	} else {
		os.Unsetenv(envName)
	}
}
