package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/assume-role/assume-role/internal/stsemu"
)

// ssoFanoutWorld: a portal with four accounts, three of which give the role Reader, and a role
// audit in those three that trusts its own account.
func ssoFanoutWorld(t *testing.T, adjust func(*stsemu.Scenario)) *world {
	t.Helper()
	w := newWorld(t, func(sc *stsemu.Scenario) {
		sc.SSO = &stsemu.SSOConfig{StartURL: ssoStart, UserName: "carol@example.com", Assignments: []stsemu.SSOAssignment{
			{AccountID: "222222222222", AccountName: "prod", Roles: []string{"Reader", "Admin"}},
			{AccountID: "333333333333", AccountName: "staging", Roles: []string{"Reader"}},
			{AccountID: "444444444444", AccountName: "sandbox", Roles: []string{"Admin"}},
			{AccountID: "555555555555", AccountName: "dev", Roles: []string{"Reader"}},
		}}
		for _, a := range []string{"222222222222", "333333333333", "555555555555"} {
			sc.Roles = append(sc.Roles, &stsemu.Role{ARN: "arn:aws:iam::" + a + ":role/audit", MaxSessionDuration: 3600,
				TrustPolicy: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + a + `:root"},"Action":"sts:AssumeRole"}]}`)})
		}
		if adjust != nil {
			adjust(sc)
		}
	})
	w.env["AWS_ENDPOINT_URL_SSO_OIDC"] = w.url
	w.env["AWS_ENDPOINT_URL_SSO"] = w.url
	w.write(".aws/config", ssoConfig)
	return w
}

type ssoPlanLine struct {
	AccountID   string `json:"account_id"`
	AccountName string `json:"account_name"`
	SSORole     string `json:"sso_role"`
	RoleARN     string `json:"role_arn"`
	Skipped     string `json:"skipped"`
}

func ssoPlanOf(t *testing.T, out string) []ssoPlanLine {
	t.Helper()
	var ls []ssoPlanLine
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line != "" {
			var l ssoPlanLine
			decodeJSON(t, line, &l)
			ls = append(ls, l)
		}
	}
	return ls
}

func TestFanoutSSOAccountsPlan(t *testing.T) {
	w := ssoFanoutWorld(t, nil)
	// Not signed in: the error says how, and nothing is listed; bad input fails before any call.
	w.fail(4, "not signed in to sso-session corp", "fanout", "--sso-accounts", "--sso-session", "corp", "--role", "Reader", "--plan")
	w.fail(2, "--sso-accounts needs --role", "fanout", "--sso-accounts", "--plan")
	w.fail(2, "--assume-role goes with --sso-accounts", "fanout", "--org", "--role", "audit", "--assume-role", "x", "--plan")
	w.fail(2, "with --sso-accounts it is the access portal's role name", "fanout", "--sso-accounts", "--role", "a/b", "--plan")
	if len(w.calls()) != 0 {
		t.Fatalf("calls before sign-in: %v", w.calls())
	}
	stop := w.approve()
	w.ok("sso", "login")
	stop()

	r := w.ok("fanout", "--sso-accounts", "--sso-session", "corp", "--role", "Reader", "--plan")
	plan := ssoPlanOf(t, r.stdout)
	if len(plan) != 4 || plan[0].AccountName != "prod" {
		t.Fatalf("plan: %s", r.stdout)
	}
	for _, l := range plan {
		if l.SSORole != "Reader" || l.RoleARN != "" {
			t.Fatalf("plan line %+v", l)
		}
		if (l.AccountID == "444444444444") != strings.Contains(l.Skipped, "no role Reader here (roles: Admin)") {
			t.Fatalf("plan line %+v", l)
		}
	}
	if w.count("GetRoleCredentials") != 0 || w.stsCalls() != 0 {
		t.Fatalf("--plan got credentials: %v", w.calls())
	}
	// The listing is cached (the portal's 20 requests/s are shared); -p selects the session of a
	// profile; --exclude and --shard narrow it as any selection.
	n := w.srv.SSOStats().Requests
	r = w.ok("fanout", "--sso-accounts", "-p", "dev", "--role", "Reader", "--exclude", "staging", "--plan")
	if got := ssoPlanOf(t, r.stdout); len(got) != 3 || strings.Contains(r.stdout, "333333333333") || w.srv.SSOStats().Requests != n {
		t.Fatalf("plan with -p and --exclude (%d portal requests): %s", w.srv.SSOStats().Requests-n, r.stdout)
	}
	total := 0
	for i := 1; i <= 2; i++ {
		total += len(ssoPlanOf(t, w.ok("fanout", "--sso-accounts", "--role", "Reader", "--shard", fmt.Sprintf("%d/2", i), "--plan").stdout))
	}
	if total != 4 {
		t.Fatalf("shards hold %d targets", total)
	}
	// --refresh asks the portal again.
	w.ok("fanout", "--sso-accounts", "--role", "Reader", "--plan", "--refresh")
	if w.srv.SSOStats().Requests == n {
		t.Fatal("--refresh did not list again")
	}
}

func TestFanoutSSOAccountsRun(t *testing.T) {
	w := ssoFanoutWorld(t, nil)
	stop := w.approve()
	w.ok("sso", "login", "--sso-session", "corp")
	stop()
	auths := w.srv.SSOStats().Authorizations
	w.srv.ResetLog()
	// --sso-login with a valid token: no sign-in, no prompt.
	r := w.run("fanout", "--sso-accounts", "--role", "Reader", "--sso-login", "--", binary, "whoami")
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	for _, a := range []string{"222222222222", "333333333333", "555555555555"} {
		if !strings.Contains(r.stdout, "Arn:     arn:aws:sts::"+a+":assumed-role/AWSReservedSSO_Reader_") {
			t.Fatalf("no Reader identity in %s: %s", a, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "444444444444") || !strings.Contains(r.stderr, "444444444444") || !strings.Contains(r.stderr, "no role Reader here") {
		t.Fatalf("the account without the role: %s", r)
	}
	if w.srv.SSOStats().Authorizations != auths || w.count("CreateToken") != 0 || w.count("StartDeviceAuthorization") != 0 {
		t.Fatalf("a valid token led to a sign-in: %s", r.stderr)
	}
	if n := w.count("GetRoleCredentials"); n != 3 {
		t.Fatalf("%d GetRoleCredentials calls: %v", n, w.calls())
	}

	// --assume-role: each account's portal role assumes audit there.
	r = w.run("fanout", "--sso-accounts", "--role", "Reader", "--assume-role", "audit", "--", binary, "whoami")
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	for _, a := range []string{"222222222222", "333333333333", "555555555555"} {
		if !strings.Contains(r.stdout, "Arn:     arn:aws:sts::"+a+":assumed-role/audit/") {
			t.Fatalf("no audit identity in %s: %s", a, r.stdout)
		}
	}
	for _, e := range w.srv.Log() {
		if e.Action == "AssumeRole" && !strings.Contains(e.CallerARN, "AWSReservedSSO_Reader_") {
			t.Fatalf("AssumeRole signed by %s", e.CallerARN)
		}
	}
}

// TestFanoutSSOAccountsRefreshes: a child that outlives its portal credentials gets new ones from
// the fan-out's credential endpoint (GetRoleCredentials again), never expired ones.
func TestFanoutSSOAccountsRefreshes(t *testing.T) {
	// 4-second credentials handed out with at least 2 s left: a loaded machine has 2 s to use them.
	w := ssoFanoutWorld(t, func(sc *stsemu.Scenario) { sc.RoleCredentialLifetimeSeconds = 4 })
	stop := w.approve()
	w.ok("sso", "login")
	stop()
	w.srv.ResetLog()
	script := fmt.Sprintf(`for i in 1 2 3; do %s whoami >/dev/null || exit 9; sleep 5; done; echo done`, binary)
	r := w.run("fanout", "--sso-accounts", "--role", "Admin", "--exclude", "sandbox", "--cache-margin", "2s", "--", "sh", "-c", script)
	if r.code != 0 || strings.Count(r.stdout, "done") != 1 {
		t.Fatalf("%s", r)
	}
	if n := w.count("GetRoleCredentials"); n < 3 {
		t.Fatalf("%d GetRoleCredentials calls: the child's credentials were not refreshed", n)
	}
	for _, e := range w.srv.Log() {
		if e.ErrorCode == "ExpiredToken" {
			t.Fatalf("a child used expired credentials: %v", w.calls())
		}
	}
}
