package engine

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
)

// OrganizationsClient returns an AWS Organizations client signed with the credentials of profile
// ("" = the source identity the SDK's default chain finds: the environment, then [default]),
// through the engine's HTTP client and AWS_ENDPOINT_URL_ORGANIZATIONS (or AWS_ENDPOINT_URL). A
// profile with a role is assumed by the SDK, with its MFA prompt going through the engine's.
// Organizations is a global service: region only picks the signing region (default us-east-1).
func (e *Engine) OrganizationsClient(ctx context.Context, profile, region string) (*organizations.Client, error) {
	if region == "" {
		region = "us-east-1"
	}
	cfg, err := e.loadConfig(ctx, profile, region)
	if err != nil {
		return nil, err
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		label := "the source identity"
		if profile != "" {
			label = "profile " + profile
		}
		return nil, e.explainSource(err, &Source{Profile: profile, Label: label})
	}
	return organizations.NewFromConfig(cfg, func(o *organizations.Options) {
		if u := e.endpointFor("ORGANIZATIONS"); u != "" {
			o.BaseEndpoint = aws.String(u)
		}
	}), nil
}
