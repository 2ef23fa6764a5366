package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestPolicyCommands: bad input fails with exit 2 before anything is printed; good input prints the
// documents.
func TestPolicyCommands(t *testing.T) {
	cases := []struct {
		args []string
		code int
		out  string // on stdout (code 0) or stderr
	}{
		{[]string{"policy", "trust", "--from-account", "1234"}, 2, `"1234" is not a 12-digit account ID`},
		{[]string{"policy", "trust"}, 2, "say who may assume the role"},
		{[]string{"policy", "trust", "--principal", "arn:aws:iam::*:role/x"}, 2, "names no literal account"},
		{[]string{"policy", "trust", "--oidc-provider", "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com", "--oidc-aud", "sts.amazonaws.com"}, 2, "needs --oidc-aud and --oidc-sub"},
		{[]string{"policy", "caller", "--account", "222222222222"}, 2, "--role-name is required"},
		{[]string{"policy", "cloudformation", "--role-name", "R", "--from-account", "111111111111", "--ou", "ou-ab12-cdefghij"}, 2, "need --stackset"},
		{[]string{"policy", "cloudformation", "--role-name", "R", "--from-account", "111111111111", "--stackset", "--ou", "bogus"}, 2, "not an organizational unit"},
		{[]string{"policy", "profile", "--role-name", "R", "--account", "222222222222", "--require-mfa"}, 2, "--mfa-serial"},
		{[]string{"policy", "profile", "--role-name", "R", "--account", "222222222222", "--name", "222222222222=prod", "--format", "accounts"}, 0, `"prod": "222222222222"`},
		{[]string{"policy", "trust", "--from-account", "111111111111", "--external-id", "x-1"}, 0, `"sts:ExternalId": "x-1"`},
		{[]string{"doctor", "--trust-policy", "/nonexistent/trust.json", "--as", "arn:aws:iam::111111111111:user/a"}, 2, "cannot read the trust policy"},
		{[]string{"doctor", "--as", "arn:aws:iam::111111111111:user/a"}, 2, "go together"},
	}
	for _, c := range cases {
		sio, out, errb := testIO(nil)
		code := Main(context.Background(), c.args, sio)
		where := out.String()
		if c.code != 0 {
			where = errb.String()
			if out.Len() > 0 {
				t.Errorf("%v: stdout %q on failure", c.args, out)
			}
		}
		if code != c.code || !strings.Contains(where, c.out) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q", c.args, code, out, errb, c.code, c.out)
		}
	}
}

// TestDoctorTrustPolicyJSON: --json prints the decision, also for a refusal (exit 5).
func TestDoctorTrustPolicyJSON(t *testing.T) {
	sio, out, errb := testIO(nil)
	sio.In = strings.NewReader(`{"Version":"2012-10-17","Statement":[{"Sid":"Ext","Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x-1"}}}]}`)
	code := Main(context.Background(), []string{"doctor", "--trust-policy", "-", "--as", "arn:aws:iam::111111111111:user/a", "--json"}, sio)
	var d struct {
		Allowed bool
		Action  string
		Reasons []string
	}
	if err := json.Unmarshal(out.Bytes(), &d); err != nil || code != 5 || d.Allowed || d.Action != "sts:AssumeRole" || len(d.Reasons) != 1 ||
		!strings.Contains(d.Reasons[0], "no sts:ExternalId") || !strings.Contains(errb.String(), "assume-role: error: the trust policy refuses") {
		t.Fatalf("exit %d %+v %v\n%s", code, d, err, errb)
	}
}

// TestStackSetNamesTheManagementStack: --stackset prints, on stderr, the command for the stack the
// management account needs (StackSets skip it).
func TestStackSetNamesTheManagementStack(t *testing.T) {
	sio, out, errb := testIO(nil)
	code := Main(context.Background(), []string{"policy", "cloudformation", "--role-name", "R", "--from-account", "111111111111",
		"--stackset", "--ou", "ou-ab12-cdefghij", "--delegated-admin", "--allow-tags"}, sio)
	want := "create the role there with the plain stack: assume-role policy cloudformation --allow-tags --from-account 111111111111 --role-name R\n"
	if code != 0 || !strings.Contains(out.String(), `"PermissionModel": "SERVICE_MANAGED"`) || !strings.HasSuffix(errb.String(), want) {
		t.Fatalf("exit %d\nstderr %q\nwant suffix %q", code, errb, want)
	}
}
