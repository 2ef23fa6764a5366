package fanout

import (
	"testing"

	"github.com/assume-role/assume-role/engine"
)

func TestSSOTargetRequestAndKey(t *testing.T) {
	base := engine.Request{Profile: "p", SourceProfile: "s", Region: "eu-west-1"}
	tg := Target{AccountID: "222222222222", AccountName: "prod", SSORole: "Reader"}
	req := Request(base, engine.SSOSource{Session: "corp"}, &tg)
	if req.SSO == nil || *req.SSO != (engine.SSOSource{Session: "corp", Account: "222222222222", Role: "Reader"}) ||
		req.Profile != "" || req.SourceProfile != "" || req.RoleARN != "" || req.AccountName != "prod" {
		t.Fatalf("request %+v", req)
	}
	if tg.RoleName() != "Reader" {
		t.Fatalf("role name %q", tg.RoleName())
	}
	tg2 := tg
	tg2.RoleARN = RoleARN("aws", tg.AccountID, "audit")
	if req := Request(base, engine.SSOSource{Profile: "dev"}, &tg2); req.RoleARN != tg2.RoleARN || req.SSO.Profile != "dev" || tg2.RoleName() != "audit" {
		t.Fatalf("request %+v", req)
	}
	// The portal role and the assumed role are part of the key: no de-duplication across them,
	// and never with a plain role target of the same account.
	plain := Target{AccountID: tg.AccountID, RoleARN: tg2.RoleARN}
	if tg.Key() == tg2.Key() || tg2.Key() == plain.Key() {
		t.Fatalf("keys %q %q %q", tg.Key(), tg2.Key(), plain.Key())
	}
	// Other targets are unchanged.
	if req := Request(base, engine.SSOSource{Session: "corp"}, &plain); req.SSO != nil || req.RoleARN != plain.RoleARN || req.Profile != "p" {
		t.Fatalf("request %+v", req)
	}
}
