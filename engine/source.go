package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"gopkg.in/ini.v1"
)

// source is the identity credentials come from before the final AssumeRole.
type source struct {
	profile    string               // profile name given to the SDK ("" = SDK default chain)
	shared     *config.SharedConfig // that profile's settings, when it exists
	descriptor string               // identifies the source in cache keys; never a secret
	static     *aws.Credentials     // set when the source is static keys we can read without I/O
	label      string               // human description for messages
}

// longTerm reports whether the source is long-term IAM user keys (the only credentials that can
// call GetSessionToken and whose AssumeRole sessions may last beyond one hour).
func (s *source) longTerm() bool { return s.static != nil && s.static.SessionToken == "" }

func (e *Engine) sharedFiles() (cfgFiles, credFiles []string) {
	home, _ := os.UserHomeDir()
	if home == "" {
		home = e.getenv("HOME")
	}
	cfgFile := e.getenv("AWS_CONFIG_FILE")
	if cfgFile == "" {
		cfgFile = filepath.Join(home, ".aws", "config")
	}
	credFile := e.getenv("AWS_SHARED_CREDENTIALS_FILE")
	if credFile == "" {
		credFile = filepath.Join(home, ".aws", "credentials")
	}
	return []string{cfgFile}, []string{credFile}
}

// loadProfile reads one profile of the shared config and credentials files. ok is false when the
// profile does not exist.
func (e *Engine) loadProfile(ctx context.Context, name string) (*config.SharedConfig, bool, error) {
	cf, crf := e.sharedFiles()
	sc, err := config.LoadSharedConfigProfile(ctx, name, func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles, o.CredentialsFiles = cf, crf
	})
	if missingProfile(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, e.configProblem(err, name)
	}
	return &sc, true, nil
}

// profileKey reads a key the SDK does not model (mfa_process) from a profile of the config file.
func (e *Engine) profileKey(profile, key string) string {
	cf, crf := e.sharedFiles()
	for _, f := range append(cf, crf...) {
		file, err := ini.LoadSources(ini.LoadOptions{Loose: true, Insensitive: false}, f)
		if err != nil {
			continue
		}
		for _, sec := range []string{"profile " + profile, profile} {
			if s, err := file.GetSection(sec); err == nil && s.HasKey(key) {
				return s.Key(key).String()
			}
		}
	}
	return ""
}

// ownExports reports whether the environment's credentials were exported by assume-role itself;
// those are the result of a previous switch and are not used as the source of the next one.
func (e *Engine) ownExports() bool {
	return e.getenv("AWS_ACCESS_KEY_ID") != "" && e.getenv("AWS_SESSION_TOKEN") != "" &&
		e.getenv("AWS_ACCOUNT_ROLE") != "" && e.getenv("AWS_ACCOUNT_ID") != ""
}

// resolveSource decides where the source credentials come from, cheaply (files and environment
// only, no network): this runs on the cached hot path to build the cache key.
func (e *Engine) resolveSource(ctx context.Context, profile string) (*source, error) {
	envKey := e.getenv("AWS_ACCESS_KEY_ID")
	if profile == "" && envKey != "" && e.getenv("AWS_SECRET_ACCESS_KEY") != "" {
		if !e.ownExports() {
			c := aws.Credentials{AccessKeyID: envKey, SecretAccessKey: e.getenv("AWS_SECRET_ACCESS_KEY"),
				SessionToken: e.getenv("AWS_SESSION_TOKEN"), Source: "environment"}
			return &source{descriptor: "env:" + envKey, static: &c, label: "environment credentials " + envKey}, nil
		}
		// A previous switch's exports: start again from the configured profile.
		profile = e.getenv("AWS_PROFILE")
		if profile == "" {
			profile = "default"
		}
		e.debugf("ignoring credentials exported by a previous assume-role; source profile %q", profile)
	}
	explicit := profile != ""
	name := profile
	if name == "" {
		name = e.getenv("AWS_PROFILE")
		if name == "" {
			name = e.getenv("AWS_DEFAULT_PROFILE")
		}
		explicit = name != ""
		if name == "" {
			name = "default"
		}
	}
	if !explicit && e.getenv("AWS_WEB_IDENTITY_TOKEN_FILE") != "" {
		return &source{descriptor: "web-identity:" + e.getenv("AWS_ROLE_ARN"), label: "web identity token"}, nil
	}
	sc, ok, err := e.loadProfile(ctx, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		if explicit {
			cf, crf := e.sharedFiles()
			return nil, problem.New(problem.Config, "profile %q is not in %s or %s", name, cf[0], crf[0]).
				WithHint("create it (aws configure --profile %s) or pick another with --source-profile", name)
		}
		return &source{descriptor: "default-chain", label: "the default credential chain"}, nil
	}
	if err := checkRoleProfile(sc); err != nil {
		return nil, err
	}
	src := &source{profile: name, shared: sc, label: fmt.Sprintf("profile %q", name)}
	if sc.Credentials.HasKeys() && sc.RoleARN == "" {
		c := sc.Credentials
		src.static = &c
		src.descriptor = "key:" + c.AccessKeyID
		return src, nil
	}
	src.descriptor = "profile:" + name + ":" + profileFingerprint(sc)
	return src, nil
}

// checkRoleProfile rejects, as the AWS CLI does, a profile that names a role but no source: the
// Go SDK would silently fall back to the instance metadata service.
func checkRoleProfile(sc *config.SharedConfig) error {
	for p := sc; p != nil; p = p.Source {
		if p.RoleARN != "" && p.SourceProfileName == "" && p.CredentialSource == "" && p.WebIdentityTokenFile == "" {
			return problem.New(problem.Config, "profile %q has role_arn but neither source_profile nor credential_source", p.Profile).
				WithHint("add source_profile = NAME (or credential_source = Environment|Ec2InstanceMetadata|EcsContainer) to [profile %s]", p.Profile)
		}
	}
	return nil
}

// profileFingerprint summarises the settings of a profile chain that change which credentials it
// yields, so a cache entry made from an edited profile is not reused.
func profileFingerprint(sc *config.SharedConfig) string {
	h := sha256.New()
	for p := sc; p != nil; p = p.Source {
		fmt.Fprintf(h, "%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n", p.Profile, p.RoleARN, p.SourceProfileName,
			p.CredentialSource, p.CredentialProcess, p.WebIdentityTokenFile, p.ExternalID, p.MFASerial,
			p.RoleSessionName, p.SSOStartURL+p.SSOAccountID+p.SSORoleName+p.SSOSessionName, p.Credentials.AccessKeyID)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// loadConfig builds the SDK configuration for a source profile (or the default chain).
func (e *Engine) loadConfig(ctx context.Context, profile, region string) (aws.Config, error) {
	cf, crf := e.sharedFiles()
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithHTTPClient(e.http),
		config.WithSharedConfigFiles(cf),
		config.WithSharedCredentialsFiles(crf),
		// Throttling and transient errors are retried with backoff, but an unreachable endpoint
		// fails within about two seconds instead of minutes.
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 4
				o.MaxBackoff = time.Second
			})
		}),
		config.WithLogConfigurationWarnings(false),
		// Fail fast where there is no instance metadata service (a laptop), keep working on EC2.
		config.WithEC2RoleCredentialOptions(func(o *ec2rolecreds.Options) {
			o.Client = imds.New(imds.Options{
				HTTPClient: &http.Client{Timeout: time.Second},
				Retryer:    aws.NopRetryer{},
			})
		}),
		config.WithAssumeRoleCredentialOptions(func(o *stscreds.AssumeRoleOptions) {
			if o.RoleSessionName == "" {
				o.RoleSessionName = e.fallbackSessionName()
			}
			if o.Duration == 0 {
				o.Duration = time.Hour
			}
			serial := o.SerialNumber
			o.TokenProvider = func() (string, error) {
				return e.mfaCode(ctx, aws.ToString(serial), "", e.profileKey(profile, "mfa_process"))
			}
		}),
	}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	if e.debug != nil {
		opts = append(opts, config.WithAPIOptions(e.debugMiddleware()))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		if missingProfile(err) {
			return cfg, problem.Wrap(problem.Config, err, "profile %q does not exist", profile).
				WithHint("list profiles with: aws configure list-profiles")
		}
		return cfg, e.configProblem(err, profile)
	}
	return cfg, nil
}

// fallbackSessionName names sessions the SDK creates for intermediate hops of a profile chain.
func (e *Engine) fallbackSessionName() string {
	u := e.getenv("USER")
	if u == "" {
		u = e.getenv("USERNAME")
	}
	if u == "" {
		return "assume-role"
	}
	return sanitizeName("assume-role-" + u)
}

func oneLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
