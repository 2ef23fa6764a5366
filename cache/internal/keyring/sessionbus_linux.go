//go:build linux

package keyring

import (
	"errors"
	"os"
	"strconv"
)

// errNoSessionBus is returned when opening a D-Bus backend without a session bus.
var errNoSessionBus = errors.New("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset and /run/user/UID has no bus)")

// checkSessionBus fails when godbus would find no session bus and fall back to running
// dbus-launch, which starts a dbus-daemon that is never stopped and holds no secret service
// anyway (99designs/keyring#103, cli/cli#7582). The rules are godbus's own discovery rules.
func checkSessionBus() error {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return nil
	}
	dir := "/run/user/" + strconv.Itoa(os.Getuid())
	for _, f := range []string{"/bus", "/dbus-session"} {
		if _, err := os.Stat(dir + f); err == nil {
			return nil
		}
	}
	return errNoSessionBus
}
