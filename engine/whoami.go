package engine

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Identity is the caller's identity as STS reports it.
type Identity struct {
	Account, Arn, UserID string
}

// WhoAmI calls GetCallerIdentity with the credentials the SDK's default chain finds (the
// environment first: what a previous switch exported), or those of profile when given.
func (e *Engine) WhoAmI(ctx context.Context, profile, region string) (*Identity, error) {
	if region == "" {
		region = firstSet(e.getenv("AWS_REGION"), e.getenv("AWS_DEFAULT_REGION"), "us-east-1")
	}
	cfg, err := e.loadConfig(ctx, profile, region)
	if err != nil {
		return nil, err
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, e.explainSource(err, &Source{Profile: profile, Label: "the current environment"})
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, e.explain(err, callInfo{op: "GetCallerIdentity", stsRegion: region, temporary: true})
	}
	return &Identity{Account: aws.ToString(out.Account), Arn: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId)}, nil
}

func firstSet(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
