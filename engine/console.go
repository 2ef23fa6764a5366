package engine

import (
	"context"
	"net/http"
	"time"

	"github.com/assume-role/assume-role/console"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/stslimits"
	"github.com/aws/aws-sdk-go-v2/aws"
)

// ConsoleRequest asks for an AWS console sign-in URL.
type ConsoleRequest struct {
	// Target is the role to sign in as; nil signs in with the current credentials (the environment
	// first, or SourceProfile), exchanging long-term IAM user keys with GetFederationToken.
	Target        *Request
	SourceProfile string
	Region        string // "" = AWS_REGION, AWS_DEFAULT_REGION, or the target's region
	// Endpoint overrides the federation endpoint ("" = ASSUME_ROLE_FEDERATION_ENDPOINT, else the
	// partition's).
	Endpoint        string
	Destination     string // console URL to land on ("" = the region's console home)
	DurationSeconds int    // console session length, 900-43200 ("" = AWS's default)
}

// ConsoleURL returns a console sign-in URL (a secret, valid 15 minutes).
func (e *Engine) ConsoleURL(ctx context.Context, cr ConsoleRequest) (string, error) {
	if cr.DurationSeconds != 0 {
		if err := stslimits.Duration("--duration", cr.DurationSeconds, 900, 43200); err != nil {
			return "", problem.Wrap(problem.Usage, err, "%s", err.Error())
		}
	}
	region := firstSet(cr.Region, e.getenv("AWS_REGION"), e.getenv("AWS_DEFAULT_REGION"))
	var creds aws.Credentials
	fedToken := false
	if cr.Target != nil {
		res, err := e.Assume(ctx, *cr.Target)
		if err != nil {
			return "", err
		}
		creds, region = res.Credentials, res.Region
	} else {
		var err error
		if creds, err = e.CurrentCredentials(ctx, cr.SourceProfile, region); err != nil {
			return "", err
		}
		if creds.SessionToken == "" {
			name := firstSet(e.getenv("USER"), e.getenv("USERNAME"), "assume-role")
			if creds, err = e.FederationToken(ctx, creds, name, region, cr.DurationSeconds); err != nil {
				return "", err
			}
			fedToken = true
		}
	}
	o := console.Options{Endpoint: firstSet(cr.Endpoint, e.getenv("ASSUME_ROLE_FEDERATION_ENDPOINT")),
		Destination: cr.Destination, Region: region, FederationToken: fedToken,
		HTTPClient: &http.Client{Timeout: 30 * time.Second}}
	if !fedToken && cr.DurationSeconds != 0 {
		o.SessionDuration = time.Duration(cr.DurationSeconds) * time.Second
	}
	if region != "" {
		o.Partition = stslimits.PartitionForRegion(region)
	}
	url, err := console.SigninURL(ctx, creds, o)
	if err != nil {
		return "", problem.Wrap(problem.Network, err, "console sign-in failed: %s", oneLine(err)).
			WithHint("check the federation endpoint (--federation-endpoint) and that the credentials are still valid")
	}
	return url, nil
}
