package cli

import (
	"os"

	"github.com/assume-role/assume-role/shellenv"
)

// endpointOnlyVars are set for the programs served by the credential endpoint (exec --server,
// serve): they make the endpoint the only credential source an SDK can find. Every SDK reads the
// shared files before the container endpoint: [default]'s keys, credential_process, role_arn
// with source_profile, SSO or login session (botocore, the AWS CLI, the JS SDK v3 and the Go SDK
// alike); botocore then also reads ~/.boto and /etc/boto.cfg (or BOTO_CONFIG). Empty files hide
// them all. Region comes from AWS_REGION / AWS_DEFAULT_REGION, which are set as well; other
// settings of the config file (output, ca_bundle, endpoint_url, retry_mode, s3 …) are hidden with
// the credentials, so they must be given through their environment variables (README).
func endpointOnlyVars() []shellenv.Var {
	return []shellenv.Var{
		{Name: "AWS_CONFIG_FILE", Value: os.DevNull},
		{Name: "AWS_SHARED_CREDENTIALS_FILE", Value: os.DevNull},
		{Name: "BOTO_CONFIG", Value: os.DevNull},
	}
}

// foreignCredentialVars are credential sources some SDK reads from the environment besides
// AWS_ACCESS_KEY_ID and friends, all before the container endpoint. They are removed from an
// exec child's environment and unset by serve's output.
var foreignCredentialVars = []string{
	// The container endpoint's own variants, which win over FULL_URI and AUTHORIZATION_TOKEN.
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	// Web identity from the environment.
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
	// botocore: the EC2 CLI tools' credentials file.
	"AWS_CREDENTIAL_FILE",
	// Legacy names: Java SDK v1 and Ruby (AWS_*), JS SDK v2 and Ruby (AMAZON_*).
	"AWS_ACCESS_KEY", "AWS_SECRET_KEY",
	"AMAZON_ACCESS_KEY_ID", "AMAZON_SECRET_ACCESS_KEY", "AMAZON_SESSION_TOKEN",
}
