package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/assume-role/assume-role/credfile"
	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/problem"
	"gopkg.in/ini.v1"
)

// credentialsPath is the shared credentials file the SDKs read.
func credentialsPath(getenv func(string) string) string {
	return firstNonEmpty(getenv("AWS_SHARED_CREDENTIALS_FILE"), filepath.Join(homeDir(getenv), ".aws", "credentials"))
}

// checkProfileName rejects, before any network call, a name that cannot be a section header or
// that holds long-term keys today (overwriting the source keys with temporary ones would lock the
// user out once they expire).
func checkProfileName(getenv func(string) string, name string) error {
	if strings.TrimSpace(name) == "" || strings.ContainsAny(name, "[]\r\n") || strings.TrimSpace(name) != name {
		return problem.New(problem.Usage, "invalid --write-profile %q: a profile name has no brackets, line breaks or surrounding spaces", name)
	}
	path := credentialsPath(getenv)
	f, err := ini.LoadSources(ini.LoadOptions{Loose: true}, path)
	if err != nil {
		return nil // missing or unreadable: WriteProfile reports real problems
	}
	if s, err := f.GetSection(name); err == nil && s.HasKey("aws_access_key_id") && !s.HasKey("aws_session_token") {
		return problem.New(problem.Usage, "profile %q in %s holds long-term keys; --write-profile will not overwrite them", name, path).
			WithHint("choose another profile name, e.g. --write-profile %s-role", name)
	}
	return nil
}

// writeProfile stores res as a profile of the shared credentials file.
func writeProfile(sio *IO, name string, res *engine.Result) error {
	path := credentialsPath(sio.Getenv)
	// The region goes into the same section: the AWS CLI, botocore and the Go SDK all merge the
	// credentials file's keys over the config file's [profile NAME], region included.
	p := credfile.Profile{AccessKeyID: res.Credentials.AccessKeyID, SecretAccessKey: res.Credentials.SecretAccessKey,
		SessionToken: res.Credentials.SessionToken, Region: res.Region}
	if res.Credentials.CanExpire {
		p.Expiration = res.Credentials.Expires
	}
	if err := credfile.WriteProfile(path, name, p); err != nil {
		return problem.Wrap(problem.Config, err, "cannot write profile %q to %s: %s", name, path, firstLine(err.Error()))
	}
	fmt.Fprintf(sio.Err, "assume-role: wrote profile %s to %s", name, path)
	if p.Expiration.IsZero() {
		fmt.Fprintln(sio.Err)
	} else {
		fmt.Fprintf(sio.Err, " (expires %s)\n", p.Expiration.Local().Format(time.RFC3339))
	}
	return nil
}
