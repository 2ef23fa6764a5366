package e2e

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/assume-role/assume-role/internal/stsemu"
	"github.com/assume-role/assume-role/internal/testidp"

	oktaidp "github.com/assume-role/assume-role/internal/testidp/okta"
	olidp "github.com/assume-role/assume-role/internal/testidp/onelogin"
)

// fanout --saml-roles: the roles of one OneLogin assertion, planned and run with one sign-in.
func TestFanoutSAMLRolesOneLogin(t *testing.T) {
	iw := newOneLoginWorld(t)
	iw.samlFile(samlUser, olPassword)
	iw.write(".aws/accounts", `{"prod": "222222222222"}`)
	// --plan lists the assertion's roles (one sign-in, no STS call).
	r := iw.ok(nil, "fanout", "--saml-roles", "--plan")
	plan := planOf(t, r.stdout)
	var arns []string
	for _, l := range plan {
		arns = append(arns, l.RoleARN)
	}
	want := []string{"arn:aws:iam::222222222222:role/saml-admin", "arn:aws:iam::222222222222:role/saml-read", "arn:aws:iam::333333333333:role/saml-read"}
	if strings.Join(arns, " ") != strings.Join(want, " ") || plan[0].AccountName != "prod" {
		t.Fatalf("plan: %s", r.stdout)
	}
	if n := iw.ol.Calls("/api/2/saml_assertion"); n != 1 {
		t.Fatalf("--plan: %d sign-ins", n)
	}
	if n := iw.stsCalls(); n != 0 {
		t.Fatalf("--plan called STS %d times: %v", n, iw.calls())
	}
	// A glob on the role name, then one on the account alias.
	r = iw.ok(nil, "fanout", "--saml-roles", "saml-read", "--plan")
	if p := planOf(t, r.stdout); len(p) != 2 || p[0].RoleARN != want[1] || p[1].RoleARN != want[2] {
		t.Fatalf("glob saml-read: %s", r.stdout)
	}
	r = iw.ok(nil, "fanout", "--saml-roles", "pro*", "--exclude", "*admin*", "--plan")
	if p := planOf(t, r.stdout); len(p) != 1 || p[0].RoleARN != want[1] {
		t.Fatalf("glob pro* minus admin: %s", r.stdout)
	}
	r = iw.run(nil, "fanout", "--saml-roles", "nothing*", "--plan")
	wantFailure(t, r, 2, "no role of the SAML assertion matches", olPassword)
}

// A run over every role of one assertion signs in at the IdP once, whatever the number of
// targets, and each command runs with its role's identity.
func TestFanoutSAMLRolesOneSignIn(t *testing.T) {
	for _, vendor := range []string{"onelogin", "okta"} {
		t.Run(vendor, func(t *testing.T) {
			var iw *idpWorld
			if vendor == "onelogin" {
				iw = newOneLoginWorld(t, olidp.User{Name: samlUser, Password: olPassword, Devices: []olidp.Device{{ID: "1111", Type: "Google Authenticator", Code: "111111"}}})
				iw.samlFile(samlUser, olPassword)
			} else {
				iw = newOktaWorld(t, oktaidp.User{Name: samlUser, Password: oktaPassword, Factors: []oktaidp.Factor{{ID: "totp1", Type: "token:software:totp", Provider: "GOOGLE", Code: "654321"}}})
				iw.samlFile(samlUser, oktaPassword)
			}
			script := fmt.Sprintf(`%s whoami`, binary)
			r := iw.run(nil, "fanout", "--saml-roles", "--token-code", map[string]string{"onelogin": "111111", "okta": "654321"}[vendor], "--", "sh", "-c", script)
			if r.code != 0 {
				t.Fatalf("%s", r)
			}
			for _, want := range []string{"222222222222:assumed-role/saml-read", "222222222222:assumed-role/saml-admin", "333333333333:assumed-role/saml-read"} {
				if !strings.Contains(r.stdout, want) {
					t.Fatalf("no command ran as %s: %s", want, r)
				}
			}
			if vendor == "onelogin" {
				if n := iw.ol.Calls("/api/2/saml_assertion"); n != 1 {
					t.Fatalf("%d OneLogin sign-ins, want 1", n)
				}
				if n := iw.ol.Calls("/api/2/saml_assertion/verify_factor"); n != 1 {
					t.Fatalf("%d MFA verifications, want 1", n)
				}
			} else if n := iw.okta.Calls("/api/v1/authn"); n != 1 {
				t.Fatalf("%d Okta sign-ins, want 1", n)
			}
			if n := iw.count("AssumeRoleWithSAML"); n != 3 {
				t.Fatalf("%d AssumeRoleWithSAML, want 3: %v", n, iw.calls())
			}
			for _, s := range []string{olPassword, oktaPassword} {
				if strings.Contains(r.stdout+r.stderr, s) {
					t.Fatal("a password was printed")
				}
			}
		})
	}
}

func TestFanoutSAMLRolesUsage(t *testing.T) {
	iw := newOneLoginWorld(t)
	r := iw.run(nil, "fanout", "--saml-roles", "--role", "audit", "--plan")
	wantFailure(t, r, 2, "--saml-roles selects the roles of the SAML assertion")
	r = iw.run(map[string]string{"AWS_ASSUME_ROLE_AUTH_SCHEME": ""}, "fanout", "--saml-roles", "--plan")
	wantFailure(t, r, 2, "--saml-roles needs a SAML sign-in")
	if n := iw.idpCalls(); n != 0 {
		t.Fatalf("%d IdP calls before failing on usage", n)
	}
}

// A OneLogin world whose role credentials last 2 s and whose assertions 45 s (reused from the
// cache for their first 15 s only, as a real one for its first minutes): the child's first call
// falls well inside those 15 s even on a loaded machine, its call after 17 s always outside.
func shortLivedOneLoginWorld(t *testing.T, users ...olidp.User) *idpWorld {
	t.Helper()
	w := newWorld(t, func(sc *stsemu.Scenario) { sc.RoleCredentialLifetimeSeconds = 2 })
	ol := olidp.New(olidp.Options{ClientID: olClientID, ClientSecret: olClientSecret, Subdomain: "acme", AppID: "123456",
		Users: users, Roles: emulatorRoles(), Validity: 45 * time.Second})
	srv := httptest.NewServer(ol)
	t.Cleanup(srv.Close)
	return &idpWorld{world: w, ol: ol, env: map[string]string{
		"AWS_ASSUME_ROLE_AUTH_SCHEME": "onelogin", "ONELOGIN_CLIENT_ID": olClientID, "ONELOGIN_CLIENT_SECRET": olClientSecret,
		"ONELOGIN_API_URL": srv.URL, "ONELOGIN_SUBDOMAIN": "acme", "ONELOGIN_APP_ID": "123456",
		"ONELOGIN_USERNAME": samlUser, "AWS_REGION": "us-east-1",
	}}
}

// A child outliving its role credentials after the assertion is too old: without MFA (password in
// ~/.saml/credentials) the refresh signs in again unattended; with MFA it fails with one clear
// line for that target, and nothing is asked.
func TestFanoutSAMLRolesRefresh(t *testing.T) {
	script := fmt.Sprintf(`%s whoami >/dev/null || exit 9; sleep 17; %s whoami || exit 8`, binary, binary)
	t.Run("no-mfa", func(t *testing.T) {
		t.Parallel()
		iw := shortLivedOneLoginWorld(t, olidp.User{Name: samlUser, Password: olPassword})
		iw.samlFile(samlUser, olPassword)
		r := iw.run(nil, "fanout", "--saml-roles", "333333333333", "--cache-margin", "1s", "--", "sh", "-c", script)
		if r.code != 0 || !strings.Contains(r.stdout, "333333333333:assumed-role/saml-read") {
			t.Fatalf("%s", r)
		}
		if n := iw.ol.Calls("/api/2/saml_assertion"); n < 2 {
			t.Fatalf("%d sign-ins, want 2 or more (the first, then the refresh)", n)
		}
	})
	t.Run("mfa", func(t *testing.T) {
		t.Parallel()
		iw := shortLivedOneLoginWorld(t, olidp.User{Name: samlUser, Password: olPassword, Devices: []olidp.Device{{ID: "1111", Type: "Google Authenticator", Code: "111111"}}})
		iw.samlFile(samlUser, olPassword)
		r := iw.run(nil, "fanout", "--saml-roles", "333333333333", "--token-code", "111111", "--cache-margin", "1s", "--", "sh", "-c", script)
		if r.code != 10 || !strings.Contains(r.stderr, "the SAML assertion expired and signing in again needs an MFA code") || !strings.Contains(r.stderr, "exit code 8") {
			t.Fatalf("want the refresh to fail clearly: %s", r)
		}
		if n := iw.ol.Calls("/api/2/saml_assertion"); n != 1 {
			t.Fatalf("%d sign-ins, want 1", n)
		}
	})
}

// coinbase's scheme (no assertion cache): one IdP request for every role; --saml-assertion FILE:
// none at all.
func TestFanoutSAMLRolesCoinbaseAndFile(t *testing.T) {
	fw := newFedWorld(t, testidp.Options{})
	r := fw.samlRun(nil, "fanout", "--saml-roles", "-o", "json")
	if r.code != 0 || len(jsonLines(t, r.stdout)) != 3 {
		t.Fatalf("%s", r)
	}
	if n := fw.idp.Requests(); n != 1 {
		t.Fatalf("%d IdP requests, want 1", n)
	}
	if n := fw.count("AssumeRoleWithSAML"); n != 3 {
		t.Fatalf("%d AssumeRoleWithSAML, want 3", n)
	}

	file := fw.write("assertion.b64", mintAssertion(emulatorRoles(), nil))
	r = fw.detached("", map[string]string{"AWS_REGION": "us-east-1"}, "fanout", "--saml-roles=saml-admin", "--saml-assertion", file, "-o", "json")
	lines := jsonLines(t, r.stdout)
	if r.code != 0 || len(lines) != 1 || lines[0]["role_arn"] != "arn:aws:iam::222222222222:role/saml-admin" {
		t.Fatalf("%s", r)
	}
}

// On a terminal: one password prompt and one MFA prompt for every role of the assertion.
func TestFanoutSAMLRolesPromptsOnce(t *testing.T) {
	iw := newOneLoginWorld(t, olidp.User{Name: samlUser, Password: olPassword, Devices: []olidp.Device{{ID: "2222", Type: "Google Authenticator", Code: "222222"}}})
	s := startPTY(t, iw.world, iw.env, false, "fanout", "--saml-roles", "--", "sh", "-c", "echo ran-$AWS_ACCOUNT_ID-$AWS_ACCOUNT_ROLE")
	s.expect("OneLogin password for " + samlUser + ": ")
	s.send(olPassword)
	s.expect("Enter MFA code for Google Authenticator: ")
	s.send("222222")
	out, code := s.wait()
	screen := s.Screen()
	if code != 0 || strings.Count(out, "ran-") != 3 || strings.Count(screen, "password for") != 1 || strings.Count(screen, "Enter MFA code") != 1 {
		t.Fatalf("exit %d, stdout %q, screen:\n%s", code, out, screen)
	}
	if strings.Contains(screen, olPassword) {
		t.Fatal("the password was echoed")
	}
	if n := iw.ol.Calls("/api/2/saml_assertion"); n != 1 {
		t.Fatalf("%d sign-ins, want 1", n)
	}
}
