package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/assume-role/assume-role/problem"
	"github.com/aws/smithy-go"
)

// TestExplainFailureClasses covers the classes the emulator cannot produce (clock skew, root,
// expired tokens, opt-in regions, SCP denies) from AWS's own codes and messages.
func TestExplainFailureClasses(t *testing.T) {
	e := &Engine{}
	api := func(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }
	plan := func(region string, ext string) *Plan {
		return &Plan{Region: region, Hops: []Hop{{Kind: HopAssumeRole, RoleARN: "arn:aws:iam::222222222222:role/r", ExternalID: ext}}}
	}
	cases := []struct {
		name  string
		err   error
		p     *Plan
		skew  int
		class string
		code  int
	}{
		{"signature expired", api("SignatureDoesNotMatch", "Signature expired: 20260101T000000Z is now earlier than 20260101T001500Z"), plan("us-east-1", ""), 0, ClassClockSkew, 4},
		{"signature wrong, clock far off", api("SignatureDoesNotMatch", "The request signature we calculated does not match"), plan("us-east-1", ""), -1200, ClassClockSkew, 4},
		{"signature wrong", api("SignatureDoesNotMatch", "The request signature we calculated does not match"), plan("us-east-1", ""), 2, ClassWrongSecret, 4},
		{"expired token", api("ExpiredToken", "The security token included in the request is expired"), plan("us-east-1", ""), 0, ClassExpiredToken, 4},
		{"root", api("AccessDenied", "Roles may not be assumed by root accounts"), plan("us-east-1", ""), 0, ClassRootUser, 5},
		{"invalid key in an opt-in region", api("InvalidClientTokenId", "The security token included in the request is invalid."), plan("me-south-1", ""), 0, ClassRegionDisabled, 8},
		{"invalid key", api("InvalidClientTokenId", "The security token included in the request is invalid."), plan("eu-west-1", ""), 0, ClassInvalidKey, 4},
		{"chaining cap", api("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."), plan("us-east-1", ""), 0, ClassChainingCap, 7},
		{"SCP deny", api("AccessDenied", "User: arn:aws:iam::111111111111:user/a is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/r with an explicit deny in a service control policy"), plan("us-east-1", ""), 0, ClassExplicitDeny, 5},
		{"plain denial", api("AccessDenied", "User: arn:aws:iam::111111111111:user/a is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/r"), plan("us-east-1", "x-1"), 0, ClassNotTrusted, 5},
		{"no credentials", problem.New(problem.NoCredentials, "no credentials"), plan("us-east-1", ""), 0, ClassNoCredentials, 4},
		{"unknown", errors.New("boom"), plan("us-east-1", ""), 0, ClassOther, 1},
	}
	for _, c := range cases {
		r := &OnlineReport{Report: &Report{Plan: c.p}, ClockSkewSeconds: c.skew}
		f := e.explainFailure(c.err, c.p, r)
		if f.Class != c.class || f.ExitCode != c.code {
			t.Errorf("%s: class %s exit %d, want %s %d (%+v)", c.name, f.Class, f.ExitCode, c.class, c.code, f.Causes)
		}
	}
	// A sent external ID ranks "differs" after MFA, and says whether one was sent.
	r := &OnlineReport{Report: &Report{Plan: plan("us-east-1", "x-1")}}
	f := e.explainFailure(api("AccessDenied", "denied"), r.Plan, r)
	var classes []string
	for _, c := range f.Causes {
		classes = append(classes, c.Class)
	}
	if strings.Join(classes, ",") != "not-trusted,mfa-required,external-id,caller-lacks-permission" || !strings.Contains(f.Causes[2].Reason, "sent (3 characters) differs") {
		t.Errorf("causes %+v", f.Causes)
	}
}
