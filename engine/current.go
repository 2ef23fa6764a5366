package engine

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// allowAll is the session policy GetFederationToken needs so that the federated session keeps
// the user's own permissions (the session gets the intersection of both).
const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// CurrentCredentials returns the credentials the SDK's default chain finds (the environment
// first), or those of profile when given.
func (e *Engine) CurrentCredentials(ctx context.Context, profile, region string) (aws.Credentials, error) {
	cfg, err := e.loadConfig(ctx, profile, firstSet(region, e.getenv("AWS_REGION"), e.getenv("AWS_DEFAULT_REGION"), "us-east-1"))
	if err != nil {
		return aws.Credentials{}, err
	}
	c, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return aws.Credentials{}, e.explainSource(err, &Source{Profile: profile, Label: "the current environment"})
	}
	return c, nil
}

// FederationToken exchanges long-term IAM user keys for a GetFederationToken session named name
// (what the console federation endpoint needs), keeping the user's permissions.
func (e *Engine) FederationToken(ctx context.Context, long aws.Credentials, name, region string, seconds int) (aws.Credentials, error) {
	cfg, err := e.loadConfig(ctx, "", firstSet(region, "us-east-1"))
	if err != nil {
		return aws.Credentials{}, err
	}
	client := sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.Credentials = fixed(long)
	})
	in := &sts.GetFederationTokenInput{Name: aws.String(sanitizeName(name)), Policy: aws.String(allowAll)}
	if len(*in.Name) > 32 {
		in.Name = aws.String((*in.Name)[:32])
	}
	if seconds > 0 {
		in.DurationSeconds = aws.Int32(int32(seconds))
	}
	out, err := client.GetFederationToken(ctx, in)
	if err != nil {
		return aws.Credentials{}, e.explain(err, callInfo{op: "GetFederationToken", stsRegion: region})
	}
	c := out.Credentials
	return aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken: aws.ToString(c.SessionToken), CanExpire: true, Expires: aws.ToTime(c.Expiration)}, nil
}
