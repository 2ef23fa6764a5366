//go:build !linux

package dbusguard

// Restore does nothing: keyring probes D-Bus only on Linux.
func Restore() {}
