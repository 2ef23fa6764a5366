package engine

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// config returns the SDK configuration of the plan's source, loaded once.
func (e *Engine) config(ctx context.Context, p *plan) (aws.Config, error) {
	if p.cfg != nil {
		return *p.cfg, nil
	}
	cfg, err := e.loadConfig(ctx, p.src.profile, p.region)
	if err != nil {
		return cfg, err
	}
	p.cfg = &cfg
	return cfg, nil
}

// stsClient returns an STS client signing with creds and sending to the plan's STS region. The
// endpoint follows the SDK's standard settings (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL,
// endpoint_url in the profile).
func (e *Engine) stsClient(ctx context.Context, p *plan, creds aws.CredentialsProvider) (*sts.Client, error) {
	cfg, err := e.config(ctx, p)
	if err != nil {
		return nil, err
	}
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.Region = p.stsRegion
		o.Credentials = creds
	}), nil
}

// iamClient returns an IAM client signing with creds (AWS_ENDPOINT_URL_IAM applies).
func (e *Engine) iamClient(ctx context.Context, p *plan, creds aws.CredentialsProvider) (*iam.Client, error) {
	cfg, err := e.config(ctx, p)
	if err != nil {
		return nil, err
	}
	return iam.NewFromConfig(cfg, func(o *iam.Options) {
		o.Credentials = creds
	}), nil
}
