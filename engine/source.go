package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
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
	"github.com/aws/smithy-go/middleware"
	"gopkg.in/ini.v1"
)

func (e *Engine) sharedFiles() (cfgFiles, credFiles []string) {
	home := e.home()
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
	cf, crf, done, err := e.profileFiles(name)
	if err != nil {
		return nil, false, err
	}
	defer done()
	var sc config.SharedConfig
	err = e.sdkParse(func() (err error) {
		sc, err = config.LoadSharedConfigProfile(ctx, name, func(o *config.LoadSharedConfigOptions) {
			o.ConfigFiles, o.CredentialsFiles = cf, crf
		})
		return err
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
	for i, path := range append(cf, crf...) {
		sf, err := e.readShared(path, i < len(cf))
		if err != nil || sf.data == nil {
			continue
		}
		file, err := ini.LoadSources(ini.LoadOptions{Loose: true, Insensitive: false}, sf.reduce(map[string]bool{profile: true}))
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
	cf, crf, done, err := e.profileFiles(profile)
	if err != nil {
		return aws.Config{}, err
	}
	defer done()
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
		// The SDK's own log lines (WARN …) go to --debug only; failures are our one-line errors.
		config.WithLogger(sdkLogger{e}),
		config.WithAPIOptions([]func(*middleware.Stack) error{deadlineMiddleware(e.timeout.Total)}),
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
				return e.mfaCode(ctx, aws.ToString(serial), "", e.profileKey(firstSet(profile, e.getenv("AWS_PROFILE"), e.getenv("AWS_DEFAULT_PROFILE"), "default"), "mfa_process"))
			}
		}),
	}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	if e.debug != nil {
		opts = append(opts, config.WithAPIOptions(e.debugMiddleware()))
	}
	if e.apiOptions != nil {
		opts = append(opts, config.WithAPIOptions(e.apiOptions))
	}
	var cfg aws.Config
	err = e.sdkParse(func() (err error) {
		cfg, err = config.LoadDefaultConfig(ctx, opts...)
		return err
	})
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

// InputFiles are the files whose contents a resolution may depend on besides the cache: the
// shared config and credentials files and the accounts file (the paths this engine's
// environment names, whether they exist or not).
func (e *Engine) InputFiles() []string {
	cf, crf := e.sharedFiles()
	return append(append(cf, crf...), e.accountsPath())
}
