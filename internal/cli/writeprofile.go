package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/assume-role/assume-role/credfile"
	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/problem"
)

// credentialsPath is the shared credentials file the SDKs read.
func credentialsPath(getenv func(string) string) string {
	return firstNonEmpty(getenv("AWS_SHARED_CREDENTIALS_FILE"), filepath.Join(homeDir(getenv), ".aws", "credentials"))
}

// checkProfileName rejects, before any network call, a name the SDKs would not read back as
// written, and a credentials file that WriteProfile would refuse: read-only, not a regular file,
// too large, or holding long-term keys in that profile today (overwriting the source keys with
// temporary ones would lock the user out once they expire).
func checkProfileName(getenv func(string) string, name string) error {
	path := credentialsPath(getenv)
	err := credfile.CheckTarget(path, name)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, credfile.ErrInvalid):
		return problem.New(problem.Usage, "invalid --write-profile %q: %s", name, strings.TrimPrefix(firstLine(err.Error()), "credfile: invalid profile: ")).
			WithHint("a profile name is letters, digits and %s; the AWS CLI and the SDKs read others differently", credfile.NameSymbols)
	case errors.Is(err, credfile.ErrLongTermKeys):
		return problem.New(problem.Usage, "profile %q in %s holds long-term keys; --write-profile will not overwrite them", name, path).
			WithHint("choose another profile name, e.g. --write-profile %s-role", name)
	}
	return problem.Wrap(problem.Config, err, "cannot write profile %q to %s: %s", name, path, strings.TrimPrefix(firstLine(err.Error()), "credfile: "))
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
