package engine

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// config returns the SDK configuration for the plan's clients (endpoints, CA bundle, retries),
// loaded once.
func (e *Engine) config(ctx context.Context, p *Plan) (aws.Config, error) {
	if p.cfg != nil {
		return *p.cfg, nil
	}
	cfg, err := e.loadConfig(ctx, p.sdkProfile, p.Region)
	if err != nil {
		return cfg, err
	}
	p.cfg = &cfg
	return cfg, nil
}

// stsClient returns an STS client signing with creds and sending to the plan's STS region. The
// endpoint follows the SDK's standard settings (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL,
// endpoint_url in the profile), read from the engine's environment.
func (e *Engine) stsClient(ctx context.Context, p *Plan, creds aws.CredentialsProvider) (*sts.Client, error) {
	cfg, err := e.config(ctx, p)
	if err != nil {
		return nil, err
	}
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.Region = p.STSRegionOrRegion()
		o.Credentials = creds
		if u := e.endpointFor("STS"); u != "" {
			o.BaseEndpoint = aws.String(u)
		}
	}), nil
}

// iamClient returns an IAM client signing with creds (AWS_ENDPOINT_URL_IAM applies).
func (e *Engine) iamClient(ctx context.Context, p *Plan, creds aws.CredentialsProvider) (*iam.Client, error) {
	cfg, err := e.config(ctx, p)
	if err != nil {
		return nil, err
	}
	return iam.NewFromConfig(cfg, func(o *iam.Options) {
		o.Credentials = creds
		if u := e.endpointFor("IAM"); u != "" {
			o.BaseEndpoint = aws.String(u)
		}
	}), nil
}

// endpointFor is the endpoint the engine's environment sets for a service (AWS_ENDPOINT_URL_<ID>,
// then AWS_ENDPOINT_URL), so a program that injects its environment reaches the same endpoints as
// the CLI. "" leaves the SDK's own resolution (profile endpoint_url, services sections) in place.
func (e *Engine) endpointFor(service string) string {
	if e.getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") == "true" {
		return ""
	}
	return firstSet(e.getenv("AWS_ENDPOINT_URL_"+service), e.getenv("AWS_ENDPOINT_URL"))
}
