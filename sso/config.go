// Package sso signs in to AWS IAM Identity Center (SSO) and uses its access portal: the OAuth
// authorization code grant with PKCE or the device authorization grant, tokens kept in the AWS
// CLI's cache (~/.aws/sso/cache/<sha1>.json, same fields) so both tools share one sign-in, one
// sign-in at a time per session across processes, and the portal's account and role listing
// under its 20 requests per second limit.
//
// The package reads the environment only through Env.Getenv and talks to AWS through the SDK's
// ssooidc and sso clients, whose endpoints follow AWS_ENDPOINT_URL_SSO_OIDC and
// AWS_ENDPOINT_URL_SSO (then AWS_ENDPOINT_URL).
package sso

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/assume-role/assume-role/problem"
	"gopkg.in/ini.v1"
)

// Session is where to sign in: an [sso-session NAME] of the config file, or the start URL of a
// legacy SSO profile (sso_start_url in the profile itself).
type Session struct {
	// Name is the sso-session name; empty for a legacy profile.
	Name     string
	StartURL string
	Region   string
	Scopes   []string
	// Profile, AccountID and RoleName are set when the session was found through a profile.
	Profile   string
	AccountID string
	RoleName  string
}

// CacheKey is what the AWS CLI hashes to name the token file: the session name, or the start
// URL of a legacy profile.
func (s *Session) CacheKey() string {
	if s.Name != "" {
		return s.Name
	}
	return s.StartURL
}

// Label names the session in messages.
func (s *Session) Label() string {
	if s.Name != "" {
		return "sso-session " + s.Name
	}
	return "start URL " + s.StartURL
}

// ConfigPath is the shared config file: AWS_CONFIG_FILE, else ~/.aws/config.
func ConfigPath(getenv func(string) string) string {
	if p := getenv("AWS_CONFIG_FILE"); p != "" {
		return p
	}
	return filepath.Join(home(getenv), ".aws", "config")
}

func home(getenv func(string) string) string {
	if h := getenv("HOME"); h != "" {
		return h
	}
	return getenv("USERPROFILE")
}

// TokenPath is the AWS CLI's token file for a cache key.
func TokenPath(getenv func(string) string, key string) string {
	sum := sha1.Sum([]byte(key))
	return filepath.Join(home(getenv), ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json")
}

// ErrNotSSO is returned (wrapped in a problem) when a profile has no SSO settings.
var ErrNotSSO = errors.New("not an SSO profile")

// ResolveSession finds the session of --sso-session NAME or --profile NAME (at most one may be
// set). With neither, the only [sso-session] of the config file is used.
func ResolveSession(getenv func(string) string, sessionName, profile string) (*Session, error) {
	path := ConfigPath(getenv)
	f, err := ini.LoadSources(ini.LoadOptions{Loose: true, Insensitive: false, AllowPythonMultilineValues: true}, path)
	if err != nil {
		return nil, problem.Wrap(problem.Config, err, "cannot read %s: %s", path, firstLine(err.Error()))
	}
	switch {
	case sessionName != "" && profile != "":
		return nil, problem.New(problem.Usage, "--sso-session and --profile are mutually exclusive")
	case profile != "":
		sec, err := f.GetSection("profile " + profile)
		if err != nil && profile == "default" {
			sec, err = f.GetSection("default")
		}
		if err != nil {
			return nil, problem.New(problem.Config, "profile %q does not exist in %s", profile, path).
				WithHint("list profiles with: aws configure list-profiles")
		}
		var s *Session
		if name := sec.Key("sso_session").String(); name != "" {
			if s, err = sessionSection(f, path, name); err != nil {
				return nil, err
			}
		} else if u := sec.Key("sso_start_url").String(); u != "" {
			s = &Session{StartURL: u, Region: sec.Key("sso_region").String()}
			if s.Region == "" {
				return nil, problem.New(problem.Config, "profile %q has sso_start_url but no sso_region", profile)
			}
		} else {
			return nil, problem.Wrap(problem.Config, ErrNotSSO, "profile %q is not an SSO profile (no sso_session or sso_start_url)", profile).
				WithHint("add sso_session = NAME to [profile %s], or use --sso-session NAME", profile)
		}
		s.Profile, s.AccountID, s.RoleName = profile, sec.Key("sso_account_id").String(), sec.Key("sso_role_name").String()
		return s, nil
	case sessionName != "":
		return sessionSection(f, path, sessionName)
	}
	var names []string
	for _, sec := range f.Sections() {
		if n, ok := strings.CutPrefix(sec.Name(), "sso-session "); ok {
			names = append(names, strings.TrimSpace(n))
		}
	}
	sort.Strings(names)
	if len(names) == 1 {
		return sessionSection(f, path, names[0])
	}
	if len(names) == 0 {
		return nil, problem.New(problem.Usage, "no [sso-session] in %s", path).
			WithHint("add [sso-session NAME] with sso_start_url and sso_region (aws configure sso-session does it), or pass --profile NAME")
	}
	return nil, problem.New(problem.Usage, "%s has %d sso-sessions; say which", path, len(names)).
		WithHint("pass --sso-session %s (or one of %s)", names[0], strings.Join(names, ", "))
}

func sessionSection(f *ini.File, path, name string) (*Session, error) {
	sec, err := f.GetSection("sso-session " + name)
	if err != nil {
		return nil, problem.New(problem.Config, "sso-session %q does not exist in %s", name, path).
			WithHint("add [sso-session %s] with sso_start_url and sso_region", name)
	}
	s := &Session{Name: name, StartURL: sec.Key("sso_start_url").String(), Region: sec.Key("sso_region").String()}
	if s.StartURL == "" || s.Region == "" {
		return nil, problem.New(problem.Config, "sso-session %q needs sso_start_url and sso_region", name)
	}
	if u, err := url.Parse(s.StartURL); err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, problem.New(problem.Config, "sso_start_url %q of sso-session %q is not an https URL", s.StartURL, name)
	}
	for _, sc := range strings.Split(sec.Key("sso_registration_scopes").String(), ",") {
		if sc = strings.TrimSpace(sc); sc != "" {
			s.Scopes = append(s.Scopes, sc)
		}
	}
	return s, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
