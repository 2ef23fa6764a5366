package engine

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/assume-role/assume-role/internal/testidp"
	oktaidp "github.com/assume-role/assume-role/internal/testidp/okta"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/saml"
)

func oktaRequest(role string) Request {
	return Request{RoleARN: role, SAML: &SAMLSource{Password: "pw", IdP: &IdPSource{Vendor: "okta"}}}
}

// The engine reads the Okta settings only through Getenv; a second role of the same assertion costs
// no Okta call.
func TestOktaLibrarySignInReusesAssertion(t *testing.T) {
	f := newFedEnv(t)
	ok := oktaidp.New(oktaidp.Options{Users: []oktaidp.User{{Name: "dev", Password: "pw"}}, Roles: oktaRoles()})
	srv := httptest.NewServer(ok)
	t.Cleanup(srv.Close)
	f.env["OKTA_ORG_URL"], f.env["OKTA_APP_URL"], f.env["OKTA_USERNAME"] = srv.URL, srv.URL+oktaidp.AppPath, "dev"
	e := f.engine(nil)
	res, err := e.Assume(context.Background(), oktaRequest("arn:aws:iam::222222222222:role/saml-read"))
	if err != nil || res.AccountID != "222222222222" || res.Cached {
		t.Fatalf("%+v %v", res, err)
	}
	calls := ok.Calls("")
	res, err = e.Assume(context.Background(), oktaRequest("arn:aws:iam::333333333333:role/saml-read"))
	if err != nil || res.AccountID != "333333333333" {
		t.Fatalf("%+v %v", res, err)
	}
	if ok.Calls("") != calls {
		t.Fatalf("the second role called Okta %d times", ok.Calls("")-calls)
	}
}

// Cancelling while a push waits for approval stops the polling with Interrupted.
func TestOktaPushPollingStopsOnCancel(t *testing.T) {
	f := newFedEnv(t)
	ok := oktaidp.New(oktaidp.Options{Users: []oktaidp.User{{Name: "dev", Password: "pw",
		Factors: []oktaidp.Factor{{ID: "opf1", Type: "push", Provider: "OKTA", Waits: 1 << 30}}}}, Roles: oktaRoles()})
	srv := httptest.NewServer(ok)
	t.Cleanup(srv.Close)
	f.env["OKTA_ORG_URL"], f.env["OKTA_APP_URL"], f.env["OKTA_USERNAME"] = srv.URL, srv.URL+oktaidp.AppPath, "dev"
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for ok.Calls("verify") < 2 {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	_, err := f.engine(nil).Assume(ctx, oktaRequest("arn:aws:iam::222222222222:role/saml-read"))
	if p := problem.As(err); p == nil || p.Kind != problem.Interrupted {
		t.Fatalf("got %v, want Interrupted", err)
	}
	if !strings.Contains(f.warn.String(), "waiting for approval") {
		t.Fatalf("warnings: %q", f.warn.String())
	}
}

func oktaRoles() []saml.Role {
	return append(testidp.EmulatorRoles("222222222222", "saml-read"), testidp.EmulatorRoles("333333333333", "saml-read")...)
}
