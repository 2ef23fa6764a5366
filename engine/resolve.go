package engine

import (
	"context"
	"fmt"
	"github.com/assume-role/assume-role/internal/credout"
	"github.com/assume-role/assume-role/internal/safefile"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/assume-role/assume-role/accounts"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/stslimits"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// The environment variables that carry a shell's source across switches. A switch exports them; the
// next switch in the same shell starts from that source again instead of from the credentials the
// first one exported.
const (
	// EnvSource is the shell's own source: "profile:NAME", "env" (keys that the switch replaced) or
	// "default-chain".
	EnvSource = credout.EnvSource
	// EnvExportedKey is the access key ID of the credentials a switch exported (not a secret).
	EnvExportedKey = credout.EnvExportedKey
)

// ownExports reports whether the environment's credentials are the ones a previous switch exported.
func (e *Engine) ownExports() bool {
	k := e.getenv("AWS_ACCESS_KEY_ID")
	return k != "" && k == e.getenv(EnvExportedKey)
}

// envKeys returns the keys in the environment, unless a previous switch exported them.
func (e *Engine) envKeys() *aws.Credentials {
	id, secret := e.getenv("AWS_ACCESS_KEY_ID"), e.getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" || e.ownExports() {
		return nil
	}
	return &aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: e.getenv("AWS_SESSION_TOKEN"), Source: "environment"}
}

// sourceProfileName picks the profile whose credentials are the source when the request names none
// with -p, in this order: --source-profile, AWS_PROFILE_ASSUME_ROLE, the source recorded by a
// previous switch in this shell, keys in the environment (name ""), AWS_PROFILE,
// AWS_DEFAULT_PROFILE, [default] when it exists, else the default chain (name "").
func (e *Engine) sourceProfileName(ctx context.Context, explicit string) (name, from string, err error) {
	if explicit != "" {
		return explicit, "--source-profile", nil
	}
	if v := e.getenv("AWS_PROFILE_ASSUME_ROLE"); v != "" {
		return v, "AWS_PROFILE_ASSUME_ROLE", nil
	}
	if e.ownExports() {
		// A switch unsets AWS_PROFILE: one set since then is the user's choice.
		for _, v := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"} {
			if n := e.getenv(v); n != "" {
				return n, v, nil
			}
		}
		rec := e.getenv(EnvSource)
		if name, ok := strings.CutPrefix(rec, "profile:"); ok && name != "" {
			return name, EnvSource + " (the source of this shell's earlier switch)", nil
		}
		return "", "", problem.New(problem.NoCredentials, "this shell holds credentials exported by an earlier switch, and the source they came from (%s) is no longer here", orUnknown(rec)).
			WithHint("run `assume-role --unset` and export your source credentials again, or name the source with --source-profile NAME")
	}
	if e.getenv("AWS_ACCESS_KEY_ID") != "" && e.getenv("AWS_SECRET_ACCESS_KEY") != "" {
		if e.getenv(EnvExportedKey) == "" && e.getenv("AWS_SESSION_TOKEN") != "" && e.getenv("AWS_ACCOUNT_ROLE") != "" && e.getenv("AWS_ACCOUNT_ID") != "" {
			// Exports of an earlier switch that did not record their source: never guess it.
			return "", "", problem.New(problem.NoCredentials, "this shell holds credentials exported by an earlier switch (AWS_ACCOUNT_ROLE=%s) that do not say which source they came from", e.getenv("AWS_ACCOUNT_ROLE")).
				WithHint("run `assume-role --unset` first, or name the source with --source-profile NAME")
		}
		return "", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", nil
	}
	for _, v := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"} {
		if n := e.getenv(v); n != "" {
			return n, v, nil
		}
	}
	if _, ok, err := e.loadProfile(ctx, "default"); err != nil {
		return "", "", err
	} else if ok {
		return "default", "the default profile", nil
	}
	return "", "nothing configured: the default credential chain", nil
}

// ambient is the shell's own source, recorded in the exports (EnvSource) so that the next switch in
// the same shell starts from it: never a secret, only a profile name or a kind.
func (e *Engine) ambient(ctx context.Context) (string, error) {
	if e.ownExports() && e.getenv(EnvSource) != "" && e.getenv("AWS_PROFILE") == "" && e.getenv("AWS_DEFAULT_PROFILE") == "" {
		return e.getenv(EnvSource), nil
	}
	name, _, err := e.sourceProfileName(ctx, "")
	switch {
	case err != nil:
		return "", nil // the request's own source decides whether this is an error
	case name != "":
		return "profile:" + name, nil
	case e.envKeys() != nil:
		return "env", nil
	}
	return "default-chain", nil
}

// mustProfile loads a profile that was asked for by name.
func (e *Engine) mustProfile(ctx context.Context, name, from string) (*config.SharedConfig, error) {
	sc, ok, err := e.loadProfile(ctx, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		cf, crf := e.sharedFiles()
		return nil, problem.New(problem.Config, "profile %q (from %s) is not in %s or %s", name, from, cf[0], crf[0]).
			WithHint("check the name, or list profiles with: aws configure list-profiles")
	}
	return sc, nil
}

// profileFile names the file that defines a profile, for doctor.
func (e *Engine) profileFile(name string) string {
	cf, crf := e.sharedFiles()
	for i, path := range append(cf, crf...) {
		if f, err := e.readShared(path, i < len(cf)); err == nil && f.hasProfile(name) {
			return path
		}
	}
	return ""
}

// credentialSource is the source of a profile with credential_source.
func (e *Engine) credentialSource(sc *config.SharedConfig) (Source, error) {
	s := Source{Kind: SourceCredentialSource, Profile: sc.Profile, Origin: "credential_source of [" + profileSection(sc.Profile) + "]",
		File: e.profileFile(sc.Profile), CredentialSource: sc.CredentialSource}
	switch sc.CredentialSource {
	case "Environment":
		c := e.envKeys()
		if c == nil {
			return s, problem.New(problem.NoCredentials, "profile %q takes its keys from the environment (credential_source = Environment), and there are none", sc.Profile).
				WithHint("export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use another profile")
		}
		s.Kind, s.AccessKeyID, s.LongTerm, s.static = SourceKeys, c.AccessKeyID, c.SessionToken == "", c
		s.Label, s.descriptor = "environment credentials "+c.AccessKeyID, "key:"+c.AccessKeyID
	case "Ec2InstanceMetadata":
		s.Label, s.descriptor = "the EC2 instance role", "imds"
	case "EcsContainer":
		uri := e.containerURI()
		if uri == "" {
			return s, problem.New(problem.NoCredentials, "profile %q uses credential_source = EcsContainer, and neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set", sc.Profile).
				WithHint("run it in a container with a task role, or use another profile")
		}
		s.Label, s.descriptor = "the container's credentials endpoint", "container:"+uri
	default:
		return s, problem.New(problem.Config, "profile %q has credential_source = %q", sc.Profile, sc.CredentialSource).
			WithHint("credential_source is Environment, Ec2InstanceMetadata or EcsContainer")
	}
	return s, nil
}

func (e *Engine) containerURI() string {
	if rel := e.getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); rel != "" {
		return "http://169.254.170.2" + rel
	}
	return e.getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
}

// credentialSourceRetrieve gets the credentials of an instance or container credential_source.
func (e *Engine) credentialSourceRetrieve(ctx context.Context, p *Plan) (aws.Credentials, error) {
	if p.Source.CredentialSource == "EcsContainer" {
		token := e.getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")
		if f := e.getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); f != "" {
			b, err := readSmallFile(f, 16<<10)
			if err != nil {
				return aws.Credentials{}, err
			}
			token = strings.TrimSpace(string(b))
		}
		prov := endpointcreds.New(e.containerURI(), func(o *endpointcreds.Options) {
			o.HTTPClient = e.http
			o.AuthorizationToken = token
		})
		return prov.Retrieve(ctx)
	}
	prov := ec2rolecreds.New(func(o *ec2rolecreds.Options) {
		o.Client = imds.New(imds.Options{HTTPClient: &http.Client{Timeout: time.Second}, Retryer: aws.NopRetryer{}})
	})
	return prov.Retrieve(ctx)
}

// readSmallFile reads a regular file of at most max bytes.
func readSmallFile(path string, max int64) ([]byte, error) {
	return safefile.Read(path, max)
}

// accountsPath is the alias file: ACCOUNTS_FILE, else ~/.aws/accounts.
func (e *Engine) accountsPath() string {
	if p := e.getenv("ACCOUNTS_FILE"); p != "" {
		return p
	}
	return filepath.Join(e.home(), ".aws", "accounts")
}

// home is the user's home directory, from the engine's environment.
func (e *Engine) home() string {
	if h := e.getenv("HOME"); h != "" {
		return h
	}
	return e.getenv("USERPROFILE")
}

// accountName is the alias of an account in the alias file, else "".
func (e *Engine) accountName(id string) string {
	if a, err := accounts.Load(e.accountsPath()); err == nil {
		return a.NameFor(id)
	}
	return ""
}

// resolveAccountRole turns coinbase's ACCOUNT (alias or ID) and ROLE into a role ARN in the
// partition of the region, prompting for missing values on a terminal with coinbase's defaults.
func (e *Engine) resolveAccountRole(req *Request) error {
	if req.Account == "" && req.Role == "" && !req.AskTarget {
		return nil
	}
	if req.RoleARN != "" {
		return problem.New(problem.Usage, "give either ACCOUNT ROLE or -R/--role, not both")
	}
	account, role := req.Account, req.Role
	if account == "" || role == "" {
		if !e.prompt.CanPrompt() {
			return problem.New(problem.Usage, "no role to assume").
				WithHint("give ACCOUNT ROLE (alias or 12-digit ID, and role name), -R/--role ARN or -p/--profile NAME")
		}
		var err error
		if account == "" {
			if account, err = e.prompt.Ask("Assume Into Account [default]: ", "default"); err != nil {
				return problem.Wrap(problem.Interrupted, err, "no account given")
			}
		}
		if role == "" {
			if role, err = e.prompt.Ask("Assume Into Role [read]: ", "read"); err != nil {
				return problem.Wrap(problem.Interrupted, err, "no role given")
			}
		}
	}
	al, err := accounts.Load(e.accountsPath())
	if err != nil {
		return problem.Wrap(problem.Config, err, "%s", err.Error()).WithHint("fix the JSON in %s (alias: \"123456789012\")", e.accountsPath())
	}
	id, name, err := al.Resolve(strings.TrimSpace(account))
	if err != nil {
		return problem.Wrap(problem.Usage, err, "%s", err.Error()).
			WithHint("use a 12-digit account ID or an alias defined in %s", e.accountsPath())
	}
	role = strings.TrimPrefix(strings.TrimSpace(role), "/")
	region := firstSet(req.Region, e.getenv("AWS_REGION"), e.getenv("AWS_DEFAULT_REGION"))
	arn := fmt.Sprintf("arn:%s:iam::%s:role/%s", stslimits.PartitionForRegion(region), id, role)
	// ROLE is checked as the ARN it becomes, so it accepts exactly the paths -R accepts.
	if _, _, _, err := stslimits.RoleARN("ROLE", arn); err != nil || role == "" {
		err := stslimits.RoleName("ROLE", role)
		if err == nil {
			err = fmt.Errorf("invalid ROLE %q: a role path is printable ASCII without spaces (ops/deploy)", role)
		}
		return problem.Wrap(problem.Usage, err, "%s", err.Error())
	}
	req.RoleARN = arn
	req.AccountName = name
	req.Account, req.Role, req.AskTarget = "", "", false
	return nil
}

// planRegion resolves the region in coinbase's order: argument, AWS_REGION, AWS_DEFAULT_REGION, the
// target profile's region, the source profile's region, a prompt on a terminal, us-east-1.
func (e *Engine) planRegion(ctx context.Context, p *Plan) error {
	cands := []struct{ v, from string }{
		{p.req.Region, "--region"},
		{e.getenv("AWS_REGION"), "AWS_REGION"},
		{e.getenv("AWS_DEFAULT_REGION"), "AWS_DEFAULT_REGION"},
	}
	for _, name := range []string{p.req.Profile, p.sdkProfile, p.Source.Profile} {
		if name == "" {
			continue
		}
		if sc, ok, _ := e.loadProfile(ctx, name); ok {
			cands = append(cands, struct{ v, from string }{sc.Region, "region of [" + profileSection(name) + "]"})
		}
	}
	for _, c := range cands {
		if c.v == "" {
			continue
		}
		if err := stslimits.Region(c.from, c.v); err != nil {
			return problem.Wrap(problem.Config, err, "%s", err.Error())
		}
		p.Region, p.RegionFrom = c.v, c.from
		break
	}
	if p.Region == "" {
		if !p.req.NoRegionPrompt && e.prompt.CanPrompt() {
			r, err := e.prompt.Ask("AWS region [us-east-1]: ", "us-east-1")
			if err != nil {
				return problem.Wrap(problem.Interrupted, err, "no region given")
			}
			r = strings.TrimSpace(r)
			if err := stslimits.Region("region", r); err != nil {
				return problem.Wrap(problem.Usage, err, "%s", err.Error())
			}
			p.Region, p.RegionFrom = r, "asked"
		} else {
			p.Region, p.RegionFrom = "us-east-1", "default"
		}
	}
	p.STSRegion = firstSet(p.req.STSRegion, p.Region)
	return nil
}

// defaultDurationFromEnv is coinbase's AWS_ROLE_SESSION_TIMEOUT, used when neither the flag nor the
// profile sets a duration.
func (e *Engine) defaultDurationFromEnv() (int, error) {
	v := e.getenv("AWS_ROLE_SESSION_TIMEOUT")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, problem.New(problem.Usage, "AWS_ROLE_SESSION_TIMEOUT=%q is not a number of seconds", v)
	}
	if err := stslimits.Duration("AWS_ROLE_SESSION_TIMEOUT", n, stslimits.MinDuration, stslimits.MaxRoleDuration); err != nil {
		return 0, problem.Wrap(problem.Usage, err, "%s", err.Error())
	}
	return n, nil
}

// checkHopLimits validates what profiles contributed to the hops (flags are validated with the
// request): a profile's duration_seconds, external_id and role_session_name get the same checks.
func checkHopLimits(hops []Hop) error {
	for _, h := range hops {
		where := "[" + profileSection(h.Profile) + "]"
		if h.Profile == "" {
			continue
		}
		if err := checkRawDuration(h.rawDuration, where); err != nil {
			return err
		}
		if h.DurationFrom != "" && strings.HasPrefix(h.DurationFrom, "duration_seconds") {
			if err := stslimits.Duration("duration_seconds of "+where, h.DurationSeconds, stslimits.MinDuration, stslimits.MaxRoleDuration); err != nil {
				return problem.Wrap(problem.Config, err, "%s", err.Error())
			}
		}
		if h.ExternalID != "" {
			if err := stslimits.ExternalID("external_id of "+where, h.ExternalID); err != nil {
				return problem.Wrap(problem.Config, err, "%s", err.Error())
			}
		}
		if strings.HasPrefix(h.SessionNameFrom, "role_session_name") {
			if err := stslimits.SessionName("role_session_name of "+where, h.SessionName); err != nil {
				return problem.Wrap(problem.Config, err, "%s", err.Error())
			}
		}
		if h.MFASerial != "" {
			if err := stslimits.SerialNumber("mfa_serial of "+where, h.MFASerial); err != nil {
				return problem.Wrap(problem.Config, err, "%s", err.Error())
			}
		}
		if h.RoleARN != "" {
			if _, _, _, err := stslimits.RoleARN("role_arn of "+where, h.RoleARN); err != nil {
				return problem.Wrap(problem.Config, err, "%s", err.Error())
			}
		}
	}
	return nil
}

func tagsField(tags []stslimits.Tag) string {
	s := make([]string, 0, len(tags))
	for _, t := range tags {
		s = append(s, t.Key+"="+t.Value)
	}
	sort.Strings(s)
	return strings.Join(s, "\x00")
}

func sortedCopy(v []string) []string {
	out := append([]string(nil), v...)
	sort.Strings(out)
	return out
}
