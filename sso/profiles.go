package sso

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/gofrs/flock"
	"gopkg.in/ini.v1"
)

// ManagedMarker starts the comment line that follows the header of every profile written by
// UpdateProfiles; only sections carrying it (for the same session) are ever changed or pruned.
const ManagedMarker = "# managed by assume-role sso profiles:"

// GenProfile is one [profile NAME] section to generate.
type GenProfile struct {
	Name      string
	AccountID string
	RoleName  string
	Region    string
}

// ProfileName is the generated name for a role: PREFIX + account name (or ID) + "-" + role, with
// characters other than letters, digits, '.', '_' and '-' replaced by '-'.
func ProfileName(prefix string, a Account, role string) string {
	base := a.Name
	if base == "" {
		base = a.ID
	}
	re := unsafeChars()
	return prefix + strings.Trim(re.ReplaceAllString(strings.ToLower(base), "-"), "-") + "-" + re.ReplaceAllString(role, "-")
}

// unsafeChars is compiled on first use (nothing runs at start-up).
var unsafeChars = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9._-]+`) })

// ProfilesFor lists a profile for every role of a listing.
func ProfilesFor(l *Listing, prefix, region string) []GenProfile {
	var out []GenProfile
	for _, a := range l.Accounts {
		for _, r := range a.Roles {
			out = append(out, GenProfile{Name: ProfileName(prefix, a, r), AccountID: a.ID, RoleName: r, Region: region})
		}
	}
	return out
}

// ProfileChanges reports what UpdateProfiles did.
type ProfileChanges struct {
	Added, Updated, Unchanged, Removed []string
	// Skipped are wanted names that exist as hand-written profiles (left alone).
	Skipped []string
}

type section struct {
	name       string
	start, end int // line indexes [start, end)
	managedBy  string
}

// UpdateProfiles writes a [profile NAME] section with sso_session, sso_account_id,
// sso_role_name and region for every wanted profile of the sso-session session, into the config
// file at path. Sections it wrote before (marked with ManagedMarker and the session's name) are
// rewritten in place; new ones are appended; with prune, its own sections for the session that
// are no longer wanted are removed. Every other byte of the file is kept: hand-written profiles
// are never changed, even when a wanted name collides with one (it is skipped). The file is
// replaced atomically (0600 for a new file, the old mode otherwise) under a lock on path+".lock".
func UpdateProfiles(path, session string, want []GenProfile, prune bool) (*ProfileChanges, error) {
	if session == "" || strings.ContainsAny(session, "\r\n") {
		return nil, errors.New("profiles are generated for an sso-session")
	}
	for _, p := range want {
		if p.Name == "" || strings.ContainsAny(p.Name+p.AccountID+p.RoleName+p.Region, "[]\r\n;#=") || strings.TrimSpace(p.Name) != p.Name {
			return nil, fmt.Errorf("invalid generated profile name %q", p.Name)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	lock := flock.New(path+".lock", flock.SetPermissions(0o600))
	if err := lock.Lock(); err != nil {
		return nil, err
	}
	defer func() { _ = lock.Unlock() }()
	data, err := os.ReadFile(path)
	mode := fs.FileMode(0o600)
	if err == nil {
		if fi, err := os.Stat(path); err == nil {
			mode = fi.Mode().Perm()
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	out, ch, err := renderProfiles(data, session, want, prune)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(out, data) {
		return ch, nil
	}
	if _, err := ini.LoadSources(ini.LoadOptions{Loose: true, AllowPythonMultilineValues: true}, out); err != nil {
		return nil, fmt.Errorf("the updated file would not parse: %w", err)
	}
	if err := writeAtomic(path, out); err != nil {
		return nil, err
	}
	return ch, os.Chmod(path, mode)
}

func renderProfiles(data []byte, session string, want []GenProfile, prune bool) ([]byte, *ProfileChanges, error) {
	eol := "\n"
	if bytes.Contains(data, []byte("\r\n")) {
		eol = "\r\n"
	}
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	var secs []*section
	for i, l := range lines {
		t := strings.TrimRight(l, "\r\n")
		if strings.HasPrefix(t, "[") && strings.Contains(t, "]") {
			if n := len(secs); n > 0 {
				secs[n-1].end = i
			}
			name := strings.TrimSpace(t[1:strings.LastIndex(t, "]")])
			s := &section{name: name, start: i, end: len(lines)}
			if i+1 < len(lines) {
				if m, ok := strings.CutPrefix(strings.TrimRight(lines[i+1], "\r\n"), ManagedMarker); ok {
					s.managedBy = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(m), "sso-session"))
				}
			}
			secs = append(secs, s)
		}
	}
	byName := map[string]*section{}
	for _, s := range secs {
		if _, dup := byName[s.name]; dup && s.managedBy != "" {
			return nil, nil, fmt.Errorf("section [%s] appears more than once", s.name)
		}
		byName[s.name] = s
	}
	block := func(p GenProfile) []string {
		b := []string{"[profile " + p.Name + "]" + eol, ManagedMarker + " sso-session " + session + eol,
			"sso_session = " + session + eol, "sso_account_id = " + p.AccountID + eol, "sso_role_name = " + p.RoleName + eol}
		if p.Region != "" {
			b = append(b, "region = "+p.Region+eol)
		}
		return b
	}
	ch := &ProfileChanges{}
	replace := map[int][]string{} // section start -> new lines (nil: removed)
	wanted := map[string]bool{}
	var appendLines []string
	for _, p := range want {
		wanted["profile "+p.Name] = true
		s := byName["profile "+p.Name]
		switch {
		case s == nil:
			if len(appendLines) == 0 && len(lines) > 0 {
				last := strings.TrimRight(lines[len(lines)-1], "\r\n")
				if !strings.HasSuffix(lines[len(lines)-1], "\n") {
					appendLines = append(appendLines, eol)
				}
				if strings.TrimSpace(last) != "" {
					appendLines = append(appendLines, eol)
				}
			} else if len(appendLines) > 0 {
				appendLines = append(appendLines, eol)
			}
			appendLines = append(appendLines, block(p)...)
			ch.Added = append(ch.Added, p.Name)
		case s.managedBy != session:
			ch.Skipped = append(ch.Skipped, p.Name)
		default:
			nb := block(p)
			// Keep the blank lines and comments that trail the section (they separate it from
			// the next one).
			end := s.end
			for end > s.start+1 && isBlankOrComment(lines[end-1]) && !strings.HasPrefix(lines[end-1], ManagedMarker) {
				end--
			}
			nb = append(nb, lines[end:s.end]...)
			if strings.Join(nb, "") == strings.Join(lines[s.start:s.end], "") {
				ch.Unchanged = append(ch.Unchanged, p.Name)
			} else {
				ch.Updated = append(ch.Updated, p.Name)
			}
			replace[s.start] = nb
		}
	}
	if prune {
		for _, s := range secs {
			if s.managedBy == session && !wanted[s.name] {
				// Comments after the section may introduce the next one: keep them.
				end := s.end
				for end > s.start+1 && isBlankOrComment(lines[end-1]) && !strings.HasPrefix(lines[end-1], ManagedMarker) {
					end--
				}
				for end < s.end && strings.TrimSpace(lines[end]) == "" {
					end++
				}
				replace[s.start] = lines[end:s.end]
				ch.Removed = append(ch.Removed, strings.TrimPrefix(s.name, "profile "))
			}
		}
	}
	var b strings.Builder
	for i := 0; i < len(lines); {
		if nb, ok := replace[i]; ok {
			for _, l := range nb {
				b.WriteString(l)
			}
			s := sectionAt(secs, i)
			i = s.end
			continue
		}
		b.WriteString(lines[i])
		i++
	}
	for _, l := range appendLines {
		b.WriteString(l)
	}
	sort.Strings(ch.Removed)
	return []byte(b.String()), ch, nil
}

func sectionAt(secs []*section, start int) *section {
	for _, s := range secs {
		if s.start == start {
			return s
		}
	}
	return nil
}

func isBlankOrComment(l string) bool {
	t := strings.TrimSpace(l)
	return t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";")
}
