package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/assume-role/assume-role/internal/stsemu"
)

// TestDoctorOnlineNamesTheCause runs doctor --online against the emulator for refusals of every
// class and checks the class it names first, its exit code, and a word of its explanation.
func TestDoctorOnlineNamesTheCause(t *testing.T) {
	trust := map[string]string{
		"ext":      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-123"}}}]}`,
		"admin":    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`,
		"deny-all": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:*"}]}`,
		"org":      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-aaaaaaaaaa"}}}]}`,
		"chain":    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/read"},"Action":"sts:AssumeRole"}]}`,
	}
	const role = "arn:aws:iam::222222222222:role/"
	cases := []struct {
		name        string
		args        []string
		credentials string // replaces ~/.aws/credentials
		trust       string // key of trust: passed as --trust-policy
		orgs        bool   // add role org (trust["org"]) and put 111111111111 in organization o-bbbbbbbbbb
		class       string
		code        int
		says        string
	}{
		{name: "not trusted", args: []string{"-R", role + "chain"}, class: "not-trusted", code: 5, says: "does not trust arn:aws:iam::111111111111:user/alice"},
		{name: "not trusted, with the trust policy", args: []string{"-R", role + "chain"}, trust: "chain", class: "not-trusted", code: 5, says: "is not arn:aws:iam::222222222222:role/read"},
		{name: "external ID missing", args: []string{"-R", role + "ext"}, trust: "ext", class: "external-id", code: 5, says: "none was sent"},
		{name: "external ID different", args: []string{"-R", role + "ext", "-I", "wrong-1"}, trust: "ext", class: "external-id", code: 5, says: "sent (7 characters) differs"},
		{name: "MFA required", args: []string{"-R", role + "admin"}, trust: "admin", class: "mfa-required", code: 5, says: "aws:MultiFactorAuthPresent"},
		{name: "another organization", args: []string{"-R", role + "org", "--org-id", "o-bbbbbbbbbb"}, trust: "org", orgs: true, class: "not-trusted", code: 5, says: `aws:PrincipalOrgID "o-bbbbbbbbbb"`},
		{name: "MFA code refused", args: []string{"-R", role + "admin", "--serial-number", "arn:aws:iam::111111111111:mfa/alice", "--token-code", "000000"}, class: "mfa-code-refused", code: 6, says: "refused"},
		{name: "explicit deny", args: []string{"-R", role + "deny-all"}, trust: "deny-all", class: "explicit-deny", code: 5, says: "denies sts:AssumeRole"},
		{name: "tags not allowed", args: []string{"prod", "read", "--tags", "team=audit"}, class: "tags-not-allowed", code: 5, says: "sts:TagSession"},
		{name: "source identity not allowed", args: []string{"prod", "read", "--source-identity", "alice"}, class: "source-identity-not-allowed", code: 5, says: "sts:SetSourceIdentity"},
		{name: "duration over MaxSessionDuration", args: []string{"-R", role + "ops/deploy", "-T", "10800"}, class: "duration-over-max", code: 7, says: "MaxSessionDuration"},
		{name: "region disabled", args: []string{"prod", "read", "--region", "ap-east-1"}, class: "region-disabled", code: 8, says: "ap-east-1"},
		{name: "deactivated key", args: []string{"prod", "read"}, class: "invalid-source-key", code: 4, says: "deactivated",
			credentials: "[default]\naws_access_key_id = AKIAEMULATORCAROL001\naws_secret_access_key = carolEMULATORsecretKEYdoNOTuse0000000003\n"},
		{name: "wrong secret", args: []string{"prod", "read"}, class: "wrong-secret", code: 4, says: "secret access key",
			credentials: "[default]\naws_access_key_id = AKIAEXAMPLEALICE0001\naws_secret_access_key = wrongEMULATORsecretKEYdoNOTuse0000000001\n"},
		{name: "no credentials", args: []string{"prod", "read"}, class: "no-credentials", code: 4, says: "no usable source credentials", credentials: "# none\n"},
	}
	if len(cases) < 10 {
		t.Fatal("fewer than 10 refusal scenarios")
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var adjust func(*stsemu.Scenario)
			if tc.orgs {
				adjust = func(sc *stsemu.Scenario) {
					sc.Roles = append(sc.Roles, &stsemu.Role{ARN: role + "org", TrustPolicy: json.RawMessage(trust["org"])})
					sc.OrganizationIDs = map[string]string{"111111111111": "o-bbbbbbbbbb"}
				}
			}
			w := newWorld(t, adjust)
			if tc.credentials != "" {
				w.write(".aws/credentials", tc.credentials)
			}
			args := append([]string{"doctor", "--online"}, tc.args...)
			if tc.trust != "" {
				args = append(args, "--trust-policy", w.write("trust.json", trust[tc.trust]))
			}
			r := w.run(append(args, "--json")...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r)
			}
			var rep struct {
				Failure *struct {
					Class    string
					ExitCode int `json:"exit_code"`
					Causes   []struct{ Class, Reason, Next string }
				}
			}
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Failure == nil {
				t.Fatalf("no failure in the report: %v\n%s", err, r)
			}
			f := rep.Failure
			if f.Class != tc.class || f.ExitCode != tc.code || f.Causes[0].Class != tc.class || !strings.Contains(f.Causes[0].Reason, tc.says) {
				t.Errorf("failure %+v, want class %s exit %d saying %q", f, tc.class, tc.code, tc.says)
			}
			if !strings.HasPrefix(r.stderr, "assume-role: error: doctor: "+tc.class+": ") {
				t.Errorf("stderr %q", r.stderr)
			}
			// The text form names the same cause.
			txt := w.run(args...)
			if txt.code != tc.code || !strings.Contains(txt.stdout, "result:   "+tc.class) || !strings.Contains(txt.stdout, "cause 1:  "+tc.class) {
				t.Errorf("text report:\n%s", txt)
			}
		})
	}
}

// TestDoctorOnlineOK: a switch that works is probed at 900 s and at the requested duration, the
// caller is named, and nothing is cached.
func TestDoctorOnlineOK(t *testing.T) {
	w := newWorld(t, nil)
	r := w.ok("doctor", "--online", "-R", "arn:aws:iam::222222222222:role/ops/deploy", "-T", "7200")
	for _, want := range []string{
		"caller:   arn:aws:iam::111111111111:user/alice",
		"probe:    GetCallerIdentity: ok",
		"probe:    AssumeRole arn:aws:iam::222222222222:role/ops/deploy (900 s): ok",
		"probe:    AssumeRole arn:aws:iam::222222222222:role/ops/deploy (7200 s): ok",
		"clock:    in step with AWS's",
		"result:   ok: the switch would succeed",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q in\n%s", want, r.stdout)
		}
	}
	if n := w.count("AssumeRole"); n != 2 {
		t.Errorf("%d AssumeRole calls, want 2", n)
	}
	w.ok("-R", "arn:aws:iam::222222222222:role/ops/deploy", "-o", "json")
	if n := w.count("AssumeRole"); n != 3 {
		t.Errorf("the switch after doctor made %d AssumeRole calls in all, want 3 (doctor caches nothing)", n)
	}
}

// TestDoctorOnlineClockSkew: the skew comes from the Date of AWS's answer. A loopback proxy in front
// of the emulator stamps its answers 20 minutes ahead, as a far-off clock would look.
func TestDoctorOnlineClockSkew(t *testing.T) {
	w := newWorld(t, nil)
	target, err := url.Parse(w.url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(r *http.Response) error {
		r.Header.Set("Date", time.Now().Add(20*time.Minute).UTC().Format(http.TimeFormat))
		return nil
	}
	ps := httptest.NewServer(proxy)
	t.Cleanup(ps.Close)
	w.env["AWS_ENDPOINT_URL_STS"] = ps.URL
	r := w.ok("doctor", "--online", "prod", "read", "--json")
	var rep struct {
		Skew int `json:"clock_skew_seconds"`
	}
	decodeJSON(t, r.stdout, &rep)
	if rep.Skew < 1190 || rep.Skew > 1210 {
		t.Errorf("clock_skew_seconds = %d, want about 1200", rep.Skew)
	}
	if txt := w.ok("doctor", "--online", "prod", "read").stdout; !strings.Contains(txt, " s behind AWS's: too far, signatures may be refused") {
		t.Errorf("text report:\n%s", txt)
	}
}
