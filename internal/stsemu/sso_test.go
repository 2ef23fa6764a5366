package stsemu

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const startURL = "https://emulator.awsapps.com/start"

func ssoEnv(t *testing.T) *env {
	return newEnv(t, func(sc *Scenario) {
		sc.SSO = &SSOConfig{StartURL: startURL, GeneratedAccounts: 30,
			Assignments: []SSOAssignment{{AccountID: "222222222222", AccountName: "prod", Roles: []string{"Reader"}}}}
	})
}

func (e *env) oidc() *ssooidc.Client {
	return ssooidc.New(ssooidc.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.ts.URL), HTTPClient: e.ts.Client(), Retryer: aws.NopRetryer{}})
}

func (e *env) portal() *sso.Client {
	return sso.New(sso.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.ts.URL), HTTPClient: e.ts.Client(), Retryer: aws.NopRetryer{}})
}

func TestSSODeviceFlowAndPortal(t *testing.T) {
	e := ssoEnv(t)
	ctx := context.Background()
	oc := e.oidc()
	reg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("t"), ClientType: aws.String("public")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String("https://other/start")})
	wantErr(t, err, "InvalidRequestException", "")
	da, err := oc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(startURL)})
	if err != nil {
		t.Fatal(err)
	}
	in := &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: da.DeviceCode}
	_, err = oc.CreateToken(ctx, in)
	wantErr(t, err, "AuthorizationPendingException", "")
	_, err = oc.CreateToken(ctx, in)
	wantErr(t, err, "SlowDownException", "")
	if p := e.srv.PendingSSO(); len(p) != 1 || p[0].ID != *da.UserCode {
		t.Fatalf("pending = %v", p)
	}
	if err := e.srv.ApproveSSO(ctx, *da.UserCode); err != nil {
		t.Fatal(err)
	}
	tok, err := oc.CreateToken(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	_, err = oc.CreateToken(ctx, in)
	wantErr(t, err, "InvalidGrantException", "")

	pc := e.portal()
	_, err = pc.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: aws.String("nope")})
	wantErr(t, err, "UnauthorizedException", "")
	n := 0
	p := sso.NewListAccountsPaginator(pc, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.AccountList)
	}
	if n != 31 {
		t.Fatalf("accounts = %d", n)
	}
	roles, err := pc.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: tok.AccessToken, AccountId: aws.String("222222222222")})
	if err != nil || len(roles.RoleList) != 1 || *roles.RoleList[0].RoleName != "Reader" {
		t.Fatalf("roles %v %v", roles, err)
	}
	rc, err := pc.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String("222222222222"), RoleName: aws.String("Reader")})
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.sts(aws.Credentials{AccessKeyID: *rc.RoleCredentials.AccessKeyId, SecretAccessKey: *rc.RoleCredentials.SecretAccessKey, SessionToken: *rc.RoleCredentials.SessionToken}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *id.Account != "222222222222" {
		t.Fatalf("identity %v %v", id, err)
	}
	_, err = pc.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken, AccountId: aws.String("222222222222"), RoleName: aws.String("Admin")})
	wantErr(t, err, "ForbiddenException", "")

	// Refresh tokens rotate.
	rin := &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String("refresh_token"), RefreshToken: tok.RefreshToken}
	if _, err := oc.CreateToken(ctx, rin); err != nil {
		t.Fatal(err)
	}
	_, err = oc.CreateToken(ctx, rin)
	wantErr(t, err, "InvalidGrantException", "")

	if _, err := pc.Logout(ctx, &sso.LogoutInput{AccessToken: tok.AccessToken}); err != nil {
		t.Fatal(err)
	}
	_, err = pc.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	wantErr(t, err, "UnauthorizedException", "")
}

func TestSSORateLimit(t *testing.T) {
	e := ssoEnv(t)
	st := e.srv.sso()
	ok, throttled := 0, 0
	for range 50 { // far faster than 20/s: the bucket empties
		st.mu.Lock()
		if st.admit(20) {
			ok++
		} else {
			throttled++
		}
		st.mu.Unlock()
	}
	if ok < 20 || ok > 22 || throttled == 0 {
		t.Fatalf("ok=%d throttled=%d", ok, throttled)
	}
	_, err := e.portal().ListAccounts(context.Background(), &sso.ListAccountsInput{AccessToken: aws.String("x")})
	wantErr(t, err, "TooManyRequestsException", "")
}

func TestSSOAuthorizationCodePKCE(t *testing.T) {
	e := ssoEnv(t)
	ctx := context.Background()
	got := make(chan url.Values, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.URL.Query() }))
	defer cb.Close()
	redirect := cb.URL + "/oauth/callback"
	oc := e.oidc()
	reg, err := oc.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("t"), ClientType: aws.String("public"),
		GrantTypes: []string{"authorization_code", "refresh_token"}, RedirectUris: []string{"http://127.0.0.1/oauth/callback"}, IssuerUrl: aws.String(startURL)})
	if err != nil {
		t.Fatal(err)
	}
	verifier := "verifier-0123456789-0123456789-0123456789-0123456789"
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {*reg.ClientId}, "redirect_uri": {redirect}, "state": {"st4te"},
		"code_challenge_method": {"S256"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "scopes": {"sso:account:access"}}
	resp, err := e.ts.Client().Get(e.ts.URL + "/authorize?" + q.Encode())
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("authorize: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := e.srv.ApproveSSO(ctx, "st4te"); err != nil {
		t.Fatal(err)
	}
	cbq := <-got
	if cbq.Get("state") != "st4te" || cbq.Get("code") == "" {
		t.Fatalf("callback %v", cbq)
	}
	in := &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String("authorization_code"),
		Code: aws.String(cbq.Get("code")), RedirectUri: aws.String(redirect), CodeVerifier: aws.String("wrong-verifier-0123456789-0123456789-012345")}
	_, err = oc.CreateToken(ctx, in)
	wantErr(t, err, "InvalidGrantException", "")
	in.CodeVerifier = aws.String(verifier)
	// The wrong verifier did not consume the code in AWS either; here it must still work.
	if _, err := oc.CreateToken(ctx, in); err != nil {
		t.Fatal(err)
	}
	if s := e.srv.SSOStats(); s.Authorizations != 1 || s.TokensIssued["authorization_code"] != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestIAMAccessKeyRotation(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	ic := e.iam(alice)
	out, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	nk := aws.Credentials{AccessKeyID: *out.AccessKey.AccessKeyId, SecretAccessKey: *out.AccessKey.SecretAccessKey}
	_, err = ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	wantErr(t, err, "LimitExceeded", "")
	if _, err := e.sts(nk).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.iam(nk).DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(aliceKey)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.sts(alice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantErr(t, err, "InvalidClientTokenId", "")
	keys, err := e.iam(nk).ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if err != nil || len(keys.AccessKeyMetadata) != 1 || *keys.AccessKeyMetadata[0].AccessKeyId != nk.AccessKeyID {
		t.Fatalf("keys %v %v", keys, err)
	}
}
