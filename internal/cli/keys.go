package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"
	"gopkg.in/ini.v1"
)

// keyStore is the engine's view of the keys stored with `assume-role add`: the index (no
// secrets, no keyring access) says which profiles have keys; the keyring is opened only when a
// secret is needed.
type keyStore struct {
	sio  *IO
	once sync.Once
	idx  map[string]cache.KeyInfo
}

func newKeyStore(sio *IO) *keyStore { return &keyStore{sio: sio} }

func (k *keyStore) index() map[string]cache.KeyInfo {
	k.once.Do(func() {
		k.idx, _ = cache.ReadKeyIndex(k.sio.Getenv("ASSUME_ROLE_CACHE_DIR")) // unreadable: no stored keys
	})
	return k.idx
}

func (k *keyStore) Stored(profile string) (string, bool) {
	in, ok := k.index()[profile]
	return in.AccessKeyID, ok
}

func (k *keyStore) Keys(_ context.Context, profile string) (aws.Credentials, error) {
	in := k.index()[profile]
	s, err := openKeyStore(k.sio, in.Backend)
	if err != nil {
		return aws.Credentials{}, err
	}
	sk, err := s.Get(profile)
	if err != nil {
		return aws.Credentials{}, err
	}
	return aws.Credentials{AccessKeyID: sk.AccessKeyID, SecretAccessKey: sk.SecretAccessKey, Source: "keyring"}, nil
}

// keyringBackendName is the backend `add` stores keys in: --keyring-backend,
// ASSUME_ROLE_KEYRING_BACKEND, ASSUME_ROLE_CACHE_BACKEND when it names a keyring, else the
// platform's keyring.
func keyringBackendName(sio *IO, flag string) string {
	if b := firstNonEmpty(flag, sio.Getenv("ASSUME_ROLE_KEYRING_BACKEND")); b != "" {
		return b
	}
	if b := sio.Getenv("ASSUME_ROLE_CACHE_BACKEND"); b != "" {
		if _, err := cache.KeyringBackend(b); err == nil {
			return b
		}
	}
	return ""
}

func openKeyStore(sio *IO, backend string) (*cache.KeyStore, error) {
	o := cache.Options{Backend: backend, Dir: sio.Getenv("ASSUME_ROLE_CACHE_DIR")}
	if pass := sio.Getenv("ASSUME_ROLE_CACHE_PASSPHRASE"); pass != "" {
		o.Passphrase = func() (string, error) { return pass, nil }
	} else if sio.Prompter != nil && sio.Prompter.CanPrompt() {
		o.Passphrase = func() (string, error) { return sio.Prompter.Secret("Keyring passphrase: ") }
	}
	s, err := cache.OpenKeyStore(o)
	if err != nil {
		return nil, problem.Wrap(problem.Config, err, "cannot open the keyring: %s", firstLine(err.Error())).
			WithHint("choose a backend with --keyring-backend or ASSUME_ROLE_KEYRING_BACKEND (encrypted-file works everywhere, with ASSUME_ROLE_CACHE_PASSPHRASE)")
	}
	return s, nil
}

// The key patterns are compiled on first use (nothing runs at start-up).
var (
	reKeyID  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^AKIA[A-Z0-9]{12,124}$`) })
	reSecret = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9+/=]{16,128}$`) })
)

func newKeyCmds(sio *IO) []*cobra.Command {
	var backend string
	var fromEnv bool
	add := &cobra.Command{
		Use:   "add PROFILE",
		Short: "Store an IAM user's long-term access key for PROFILE in the OS keyring (instead of ~/.aws/credentials)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			profile := args[0]
			if err := checkKeyProfileName(profile); err != nil {
				return err
			}
			id, secret, err := readNewKeys(sio, fromEnv)
			if err != nil {
				return err
			}
			s, err := openKeyStore(sio, keyringBackendName(sio, backend))
			if err != nil {
				return err
			}
			if err := s.Put(cache.StoredKeys{Profile: profile, AccessKeyID: id, SecretAccessKey: secret, Added: sio.Now()}); err != nil {
				return problem.Wrap(problem.Config, err, "cannot store the keys: %s", firstLine(err.Error()))
			}
			if err := ensureConfigProfile(sio, profile); err != nil {
				return err
			}
			sioSay(sio, "stored key %s for profile %s in the %s keyring", id, profile, s.Backend())
			if path, ok := plaintextKeys(sio, profile); ok {
				sioSay(sio, "warning: [%s] in %s still holds plaintext keys; the keyring's are used now: delete them from the file", profile, path)
			}
			return nil
		},
	}
	add.Flags().StringVar(&backend, "keyring-backend", "", "keyring backend (env ASSUME_ROLE_KEYRING_BACKEND; default: the OS keyring)")
	add.Flags().BoolVar(&fromEnv, "env", false, "read the key from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead of asking")

	remove := &cobra.Command{
		Use: "remove PROFILE", Short: "Delete the keys stored for PROFILE from the keyring", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			ks := newKeyStore(sio)
			if _, ok := ks.Stored(args[0]); !ok {
				return problem.New(problem.Usage, "profile %q has no keys in the keyring", args[0]).WithHint("see assume-role list")
			}
			s, err := openKeyStore(sio, ks.index()[args[0]].Backend)
			if err != nil {
				return err
			}
			if err := s.Delete(args[0]); err != nil {
				return problem.Wrap(problem.Config, err, "cannot delete the keys: %s", firstLine(err.Error()))
			}
			sioSay(sio, "deleted the keys of profile %s from the %s keyring (the IAM key itself still exists)", args[0], s.Backend())
			return dropCredentialProcessLine(sio, args[0])
		},
	}

	list := &cobra.Command{
		Use: "list", Short: "List profiles, where their credentials live, and cached sessions (never secrets)", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return listProfiles(sio) },
	}

	rotate := &cobra.Command{
		Use: "rotate PROFILE", Short: "Replace PROFILE's stored access key: create a new key, verify it, store it, delete the old one", Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			profile := args[0]
			ks := newKeyStore(sio)
			in, ok := ks.index()[profile]
			if !ok {
				return problem.New(problem.Usage, "profile %q has no keys in the keyring", profile).
					WithHint("store them first with: assume-role add %s", profile)
			}
			eng := engine.New(engine.Options{Getenv: sio.Getenv, Now: sio.Now, HTTPClient: sio.HTTPClient, Warn: sio.Err, Keys: ks, Prompter: sio.Prompter})
			rot, err := eng.RotateKeys(c.Context(), profile, func(nk aws.Credentials) error {
				s, err := openKeyStore(sio, in.Backend)
				if err != nil {
					return err
				}
				return s.Put(cache.StoredKeys{Profile: profile, AccessKeyID: nk.AccessKeyID, SecretAccessKey: nk.SecretAccessKey, Added: sio.Now()})
			})
			if rot != nil {
				sioSay(sio, "rotated the key of profile %s (%s): %s replaced %s", profile, rot.User, rot.NewKeyID, rot.OldKeyID)
			}
			return err
		},
	}
	return []*cobra.Command{add, remove, list, rotate}
}

func checkKeyProfileName(name string) error {
	if strings.TrimSpace(name) == "" || strings.ContainsAny(name, "[]\r\n") || strings.TrimSpace(name) != name {
		return problem.New(problem.Usage, "invalid profile name %q: a profile name has no brackets, line breaks or surrounding spaces", name)
	}
	return nil
}

// readNewKeys reads the key from the environment (--env) or the terminal; the secret is never
// echoed or printed.
func readNewKeys(sio *IO, fromEnv bool) (id, secret string, err error) {
	if fromEnv {
		id, secret = sio.Getenv("AWS_ACCESS_KEY_ID"), sio.Getenv("AWS_SECRET_ACCESS_KEY")
		if id == "" || secret == "" {
			return "", "", problem.New(problem.Usage, "--env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
		}
		if sio.Getenv("AWS_SESSION_TOKEN") != "" {
			return "", "", problem.New(problem.Usage, "the environment holds temporary credentials (AWS_SESSION_TOKEN): add stores an IAM user's long-term key")
		}
	} else {
		if sio.Prompter == nil || !sio.Prompter.CanPrompt() || sio.Getenv("ASSUME_ROLE_NO_INPUT") != "" {
			return "", "", problem.New(problem.Usage, "no terminal to ask for the access key").
				WithHint("run it in a terminal, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and pass --env")
		}
		if id, err = sio.Prompter.Ask("Access key ID: ", ""); err != nil {
			return "", "", problem.Wrap(problem.Interrupted, err, "no access key given")
		}
		if secret, err = sio.Prompter.Secret("Secret access key: "); err != nil {
			return "", "", problem.Wrap(problem.Interrupted, err, "no secret access key given")
		}
	}
	id, secret = strings.TrimSpace(id), strings.TrimSpace(secret)
	if !reKeyID().MatchString(id) {
		return "", "", problem.New(problem.Usage, "%q is not a long-term access key ID (AKIA followed by letters and digits)", id)
	}
	if !reSecret().MatchString(secret) {
		return "", "", problem.New(problem.Usage, "the secret access key is not 16-128 characters of [A-Za-z0-9+/=]")
	}
	return id, secret, nil
}

// ensureConfigProfile makes [profile NAME] of the config file say where its keys are, as
// aws-vault does: credential_process = assume-role credential-process -p NAME. The AWS CLI, the
// SDKs and role profiles naming it as source_profile then all get the keys from the keyring
// (assume-role itself reads them directly). A missing section is appended; an existing one gets
// the line right after its header, unless it already has credentials settings. Every other byte
// of the file is kept.
func ensureConfigProfile(sio *IO, profile string) error {
	cfg := firstNonEmpty(sio.Getenv("AWS_CONFIG_FILE"), filepath.Join(homeDir(sio.Getenv), ".aws", "config"))
	header := "[profile " + profile + "]"
	if profile == "default" {
		header = "[default]"
	}
	exe := firstNonEmpty(sio.Executable, "assume-role")
	line := "credential_process = " + shellQuoteArgs([]string{exe, "credential-process", "-p", profile})
	data, err := os.ReadFile(cfg)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return problem.Wrap(problem.Config, err, "cannot read %s", cfg)
	}
	eol := "\n"
	if strings.Contains(string(data), "\r\n") {
		eol = "\r\n"
	}
	lines := strings.SplitAfter(string(data), "\n")
	var out strings.Builder
	found := false
	for i, l := range lines {
		out.WriteString(l)
		if found || strings.TrimSpace(l) != header {
			continue
		}
		found = true
		// The section's keys, up to the next header.
		for _, k := range lines[i+1:] {
			t := strings.TrimSpace(k)
			if strings.HasPrefix(t, "[") {
				break
			}
			name, _, _ := strings.Cut(t, "=")
			switch strings.TrimSpace(name) {
			case "credential_process", "aws_access_key_id", "role_arn", "sso_session", "sso_start_url", "credential_source":
				if !strings.Contains(t, "credential-process -p "+profile) {
					sioSay(sio, "warning: %s in %s has %s: other tools keep using that, not the keyring", header, cfg, strings.TrimSpace(name))
				}
				return nil
			}
		}
		if !strings.HasSuffix(l, "\n") {
			out.WriteString(eol)
		}
		out.WriteString(line + eol)
	}
	if !found {
		if len(data) > 0 && !strings.HasSuffix(string(data), "\n") {
			out.WriteString(eol)
		}
		if len(data) > 0 {
			out.WriteString(eol)
		}
		out.WriteString(header + eol + line + eol)
	}
	if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
		return problem.Wrap(problem.Config, err, "cannot create %s", filepath.Dir(cfg))
	}
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(cfg); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(cfg), ".config-*")
	if err != nil {
		return problem.Wrap(problem.Config, err, "cannot write %s", cfg)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(out.String())
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), cfg)
	}
	if err != nil {
		return problem.Wrap(problem.Config, err, "cannot write %s", cfg)
	}
	sioSay(sio, "%s of %s now gets its keys from the keyring (credential_process)", header, cfg)
	return nil
}

// dropCredentialProcessLine removes the line ensureConfigProfile wrote for profile (and nothing
// else): without keys in the keyring it would only fail.
func dropCredentialProcessLine(sio *IO, profile string) error {
	cfg := firstNonEmpty(sio.Getenv("AWS_CONFIG_FILE"), filepath.Join(homeDir(sio.Getenv), ".aws", "config"))
	data, err := os.ReadFile(cfg)
	if err != nil {
		return nil
	}
	header := "[profile " + profile + "]"
	if profile == "default" {
		header = "[default]"
	}
	suffix := " credential-process -p " + profile
	var out strings.Builder
	in, dropped := false, false
	for _, l := range strings.SplitAfter(string(data), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			in = t == header
		}
		if in && strings.HasPrefix(t, "credential_process = ") && strings.HasSuffix(t, suffix) {
			dropped = true
			continue
		}
		out.WriteString(l)
	}
	if !dropped {
		return nil
	}
	fi, err := os.Stat(cfg)
	if err != nil {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(cfg), ".config-*")
	if err != nil {
		return problem.Wrap(problem.Config, err, "cannot write %s", cfg)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(out.String())
	if err == nil {
		err = tmp.Chmod(fi.Mode().Perm())
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), cfg)
	}
	if err != nil {
		return problem.Wrap(problem.Config, err, "cannot write %s", cfg)
	}
	sioSay(sio, "removed the keyring's credential_process line from %s of %s", header, cfg)
	return nil
}

// plaintextKeys tells whether the credentials file holds keys for the profile.
func plaintextKeys(sio *IO, profile string) (string, bool) {
	path := credentialsPath(sio.Getenv)
	f, err := ini.LoadSources(ini.LoadOptions{Loose: true}, path)
	if err != nil {
		return "", false
	}
	s, err := f.GetSection(profile)
	return path, err == nil && s.HasKey("aws_access_key_id")
}

// listProfiles prints every profile of the shared files with where its credentials live, then
// the number of cached sessions.
func listProfiles(sio *IO) error {
	type row struct{ profile, creds string }
	rows := map[string]*row{}
	get := func(p string) *row {
		if rows[p] == nil {
			rows[p] = &row{profile: p}
		}
		return rows[p]
	}
	cfg := firstNonEmpty(sio.Getenv("AWS_CONFIG_FILE"), filepath.Join(homeDir(sio.Getenv), ".aws", "config"))
	if f, err := ini.LoadSources(ini.LoadOptions{Loose: true}, cfg); err == nil {
		for _, s := range f.Sections() {
			name, ok := strings.CutPrefix(s.Name(), "profile ")
			if !ok && s.Name() != "default" {
				continue
			}
			r := get(strings.TrimSpace(name))
			switch {
			case s.HasKey("sso_session") || s.HasKey("sso_start_url"):
				r.creds = "sso " + s.Key("sso_account_id").String() + " " + s.Key("sso_role_name").String()
			case s.HasKey("role_arn"):
				r.creds = "role " + s.Key("role_arn").String()
			case s.HasKey("credential_process"):
				r.creds = "credential_process"
			case s.HasKey("aws_access_key_id"):
				r.creds = "config file " + s.Key("aws_access_key_id").String()
			}
		}
	}
	if f, err := ini.LoadSources(ini.LoadOptions{Loose: true}, credentialsPath(sio.Getenv)); err == nil {
		for _, s := range f.Sections() {
			if s.Name() != ini.DefaultSection && s.HasKey("aws_access_key_id") {
				kind := "credentials file "
				if s.HasKey("aws_session_token") {
					kind = "credentials file (temporary) "
				}
				get(s.Name()).creds = kind + s.Key("aws_access_key_id").String()
			}
		}
	}
	idx, err := cache.ReadKeyIndex(sio.Getenv("ASSUME_ROLE_CACHE_DIR"))
	if err != nil {
		return problem.Wrap(problem.Config, err, "%s", err.Error())
	}
	for p, in := range idx {
		get(p).creds = "keyring (" + in.Backend + ") " + in.AccessKeyID
	}
	names := make([]string, 0, len(rows))
	for n := range rows {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(sio.Out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tCREDENTIALS")
	for _, n := range names {
		fmt.Fprintf(tw, "%s\t%s\n", n, firstNonEmpty(rows[n].creds, "-"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var t targetFlags
	if c, err := t.openCache(sio); err == nil {
		if infos, err := c.List(); err == nil {
			live := 0
			for _, in := range infos {
				if in.Expiration.After(sio.Now()) {
					live++
				}
			}
			sioSay(sio, "%d cached sessions and role credentials (%d still valid) in the %s cache; see assume-role cache list", len(infos), live, c.Backend())
		}
	}
	return nil
}
