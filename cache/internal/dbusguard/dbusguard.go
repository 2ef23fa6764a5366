// Package dbusguard stops github.com/99designs/keyring from running
// dbus-launch at program start.
//
// On Linux, keyring's package initialisers connect to the D-Bus session bus
// to see whether secret-service and kwallet are usable. When no session bus
// can be found, godbus falls back to running dbus-launch, which starts a new
// dbus-daemon that is never stopped: every run of a program linking keyring
// then costs a process spawn and leaks a daemon (99designs/keyring#103,
// cli/cli#7582). A bus started that way holds no secret service anyway.
//
// This package's initialiser runs before keyring's (Go initialises packages
// in import-path order among those whose imports are ready, and this package
// imports only what godbus imports too, while its path sorts before
// github.com/godbus/dbus). When godbus would autolaunch, it points
// DBUS_SESSION_BUS_ADDRESS at an unsupported transport so that the probe
// fails at once without I/O; Restore, called from the cache package's
// initialiser (which runs after keyring's), puts the variable back exactly as
// it was, so child processes never see the placeholder.
package dbusguard
