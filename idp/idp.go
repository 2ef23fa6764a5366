// Package idp holds what the direct identity provider sign-ins (packages onelogin and okta) share:
// their configuration file and environment variables, the check of the URLs a password is sent
// to, and the small state file remembering the last MFA device chosen.
//
// Every function takes the environment as a getenv function: nothing here reads the process
// environment by itself.
package idp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"gopkg.in/ini.v1"
)

// ErrInsecureURL is returned by CheckURL for plain http to a host that is not loopback.
var ErrInsecureURL = errors.New("plain http is only allowed to a loopback address")

// ConfigDir is the user's configuration folder for assume-role: $XDG_CONFIG_HOME/assume-role or
// ~/.config/assume-role (Linux, BSD), ~/Library/Application Support/assume-role (macOS),
// %APPDATA%\assume-role (Windows).
func ConfigDir(getenv func(string) string) string {
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	switch runtime.GOOS {
	case "windows":
		if d := getenv("APPDATA"); d != "" {
			return filepath.Join(d, "assume-role")
		}
	case "darwin":
		if d := getenv("XDG_CONFIG_HOME"); d != "" {
			return filepath.Join(d, "assume-role")
		}
		return filepath.Join(home, "Library", "Application Support", "assume-role")
	}
	if d := getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "assume-role")
	}
	return filepath.Join(home, ".config", "assume-role")
}

// Settings are a vendor's configuration values by their lower-case names (client_id, …).
type Settings map[string]string

// Loaded is a vendor's configuration and where each value came from.
type Loaded struct {
	Settings Settings
	Path     string            // the configuration file (which may not exist)
	Origin   map[string]string // name → "VAR" or the file path
	Warning  string            // the file was ignored: why (no secret)
}

// Load reads the vendor's file ConfigDir/<vendor>.conf (lines "name = value"; a file readable by
// others is ignored with a warning, since it may hold a client secret) and then the environment
// variables PREFIX_NAME (upper case), which win. Only names in keys are read.
func Load(getenv func(string) string, vendor, prefix string, keys []string) (*Loaded, error) {
	l := &Loaded{Settings: Settings{}, Origin: map[string]string{},
		Path: filepath.Join(ConfigDir(getenv), vendor+".conf")}
	st, err := os.Stat(l.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("cannot read %s: %w", l.Path, unwrapPath(err))
	case runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0:
		l.Warning = fmt.Sprintf("ignoring %s: it is readable by other users (mode %04o); run chmod 600 %s", l.Path, st.Mode().Perm(), l.Path)
	default:
		f, err := ini.LoadSources(ini.LoadOptions{Insensitive: true, IgnoreInlineComment: true}, l.Path)
		if err != nil {
			return nil, fmt.Errorf("cannot parse %s: expected lines name = value", l.Path)
		}
		sec := f.Section("")
		for _, k := range keys {
			if v := strings.TrimSpace(sec.Key(k).String()); v != "" {
				l.Settings[k], l.Origin[k] = v, l.Path
			}
		}
		for _, s := range f.Sections() {
			if !strings.EqualFold(s.Name(), ini.DefaultSection) {
				return nil, fmt.Errorf("%s: sections are not used; put name = value lines at the top", l.Path)
			}
		}
	}
	for _, k := range keys {
		name := prefix + "_" + strings.ToUpper(k)
		if v := strings.TrimSpace(getenv(name)); v != "" {
			l.Settings[k], l.Origin[k] = v, name
		}
	}
	return l, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// CheckURL accepts an absolute https URL, or http to a loopback host (a test double, a local
// proxy); name is what the user set (for the message).
func CheckURL(name, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("%s is not an absolute https URL", name)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return u, nil
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		if strings.EqualFold(host, "localhost") || (ip != nil && ip.IsLoopback()) {
			return u, nil
		}
		return nil, fmt.Errorf("%s %s: %w", name, u.Host, ErrInsecureURL)
	}
	return nil, fmt.Errorf("%s has scheme %q; use https", name, u.Scheme)
}

// State is what is remembered between runs: per vendor, the last MFA device chosen and the last
// user name. It holds no secret.
type State map[string]VendorState

// VendorState is one vendor's remembered choices.
type VendorState struct {
	Username  string `json:"username,omitempty"`
	MFADevice string `json:"mfa_device,omitempty"`
}

// StatePath is the state file: ConfigDir/idp-state.json.
func StatePath(getenv func(string) string) string {
	return filepath.Join(ConfigDir(getenv), "idp-state.json")
}

// LoadState reads the state file; a missing or unreadable file is an empty state.
func LoadState(path string) State {
	s := State{}
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &s) != nil {
		return State{}
	}
	return s
}

// Save writes the state atomically (0600 in a 0700 folder).
func (s State) Save(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".idp-state-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
