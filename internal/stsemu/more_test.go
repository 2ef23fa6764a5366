package stsemu

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestIAMGetUserAndMFADevices(t *testing.T) {
	e := newEnv(t, nil)
	ic := e.iam(alice)
	u, err := ic.GetUser(ctx, &iam.GetUserInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *u.User.UserName != "alice" || *u.User.Arn != "arn:aws:iam::111111111111:user/alice" || *u.User.Path != "/" ||
		!strings.HasPrefix(*u.User.UserId, "AIDA") || u.User.CreateDate == nil || u.User.CreateDate.IsZero() {
		t.Fatalf("GetUser = %+v", u.User)
	}
	u, err = ic.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")})
	if err != nil || *u.User.Path != "/engineers/" {
		t.Fatalf("GetUser bob: %v %v", u, err)
	}
	_, err = ic.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
	wantErr(t, err, "NoSuchEntity", "nobody")

	m, err := ic.ListMFADevices(ctx, &iam.ListMFADevicesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.MFADevices) != 1 || *m.MFADevices[0].SerialNumber != aliceMFA || *m.MFADevices[0].UserName != "alice" || m.MFADevices[0].EnableDate == nil {
		t.Fatalf("ListMFADevices = %+v", m.MFADevices)
	}
	m, err = ic.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("bob")})
	if err != nil || len(m.MFADevices) != 0 {
		t.Fatalf("bob devices: %+v %v", m, err)
	}
	if l := e.srv.Log(); l[0].Service != "iam" || l[0].Action != "GetUser" || l[0].CallerARN != "arn:aws:iam::111111111111:user/alice" {
		t.Fatalf("log entry %+v", l[0])
	}

	// Role sessions must name the user; session tokens need MFA for IAM.
	out := assume(t, e.sts(alice), &sts.AssumeRoleInput{RoleArn: aws.String(prodRead), RoleSessionName: aws.String("sx")})
	_, err = e.iam(fromSTS(out.Credentials)).GetUser(ctx, &iam.GetUserInput{})
	wantErr(t, err, "ValidationError", "Must specify userName")
	plain, err := e.sts(alice).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.iam(fromSTS(plain.Credentials)).GetUser(ctx, &iam.GetUserInput{})
	wantErr(t, err, "InvalidClientTokenId", "")
	withMFA, err := e.sts(alice).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(aliceMFA), TokenCode: aws.String("123470")})
	if err != nil {
		t.Fatal(err)
	}
	u, err = e.iam(fromSTS(withMFA.Credentials)).GetUser(ctx, &iam.GetUserInput{})
	if err != nil || *u.User.UserName != "alice" {
		t.Fatalf("GetUser with MFA session: %v %v", u, err)
	}
}

func samlOpts(roles ...string) SAMLAssertionOptions {
	return SAMLAssertionOptions{
		Subject: "alice@example.com", Roles: roles, RoleSessionName: "alice@example.com",
		NotOnOrAfter: epoch.Add(5 * time.Minute),
	}
}

func TestAssumeRoleWithSAML(t *testing.T) {
	e := newEnv(t, nil)
	role := "arn:aws:iam::222222222222:role/saml-read"
	o := samlOpts(role+","+samlProv, samlProv+",arn:aws:iam::222222222222:role/saml-admin")
	o.SessionDuration = 7200
	out, err := e.anon().AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(role), PrincipalArn: aws.String(samlProv), SAMLAssertion: aws.String(MintSAMLAssertion(o))})
	if err != nil {
		t.Fatal(err)
	}
	if *out.AssumedRoleUser.Arn != "arn:aws:sts::222222222222:assumed-role/saml-read/alice@example.com" || *out.Subject != "alice@example.com" ||
		*out.SubjectType != "transient" || *out.Issuer != "https://idp.emulator.example/saml" || *out.Audience != "https://signin.aws.amazon.com/saml" || *out.NameQualifier == "" {
		t.Fatalf("SAML output %+v %+v", out, out.AssumedRoleUser)
	}
	if !out.Credentials.Expiration.Equal(epoch.Add(2 * time.Hour)) {
		t.Fatalf("SessionDuration not applied: %v", out.Credentials.Expiration)
	}
	// Second role, providerArn first in the attribute value.
	_, err = e.anon().AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/saml-admin"), PrincipalArn: aws.String(samlProv), SAMLAssertion: aws.String(MintSAMLAssertion(o))})
	if err != nil {
		t.Fatal(err)
	}
	// Not granted by the assertion.
	ng := samlOpts("arn:aws:iam::222222222222:role/saml-admin," + samlProv)
	_, err = e.anon().AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(role), PrincipalArn: aws.String(samlProv), SAMLAssertion: aws.String(MintSAMLAssertion(ng))})
	wantErr(t, err, "AccessDenied", "sts:AssumeRoleWithSAML")
	// Expired.
	ex := samlOpts(role + "," + samlProv)
	ex.NotOnOrAfter = epoch.Add(-time.Second)
	_, err = e.anon().AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(role), PrincipalArn: aws.String(samlProv), SAMLAssertion: aws.String(MintSAMLAssertion(ex))})
	wantErr(t, err, "ExpiredTokenException", "expired")
	// Wrong audience.
	aud := samlOpts(role + "," + samlProv)
	aud.Audience = "urn:other"
	_, err = e.anon().AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(role), PrincipalArn: aws.String(samlProv), SAMLAssertion: aws.String(MintSAMLAssertion(aud))})
	wantErr(t, err, "InvalidIdentityToken", "Audience")
	// Unknown provider.
	other := "arn:aws:iam::222222222222:saml-provider/unknown"
	_, err = e.anon().AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(role), PrincipalArn: aws.String(other), SAMLAssertion: aws.String(MintSAMLAssertion(samlOpts(role + "," + other)))})
	wantErr(t, err, "InvalidIdentityToken", "provider")
	// Garbage.
	_, err = e.anon().AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(role), PrincipalArn: aws.String(samlProv), SAMLAssertion: aws.String("!!!!not base64")})
	wantErr(t, err, "InvalidIdentityToken", "base64")
}

func webToken(claims map[string]any) string {
	base := map[string]any{"iss": oidcIssuer, "aud": "emulator-client", "sub": "repo:assume-role/assume-role:ref:refs/heads/main", "exp": epoch.Add(time.Hour).Unix()}
	for k, v := range claims {
		base[k] = v
	}
	return MintWebIdentityToken(oidcSecret, base)
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	e := newEnv(t, nil)
	role := aws.String("arn:aws:iam::222222222222:role/web-read")
	in := func(tok string) *sts.AssumeRoleWithWebIdentityInput {
		return &sts.AssumeRoleWithWebIdentityInput{RoleArn: role, RoleSessionName: aws.String("ci"), WebIdentityToken: aws.String(tok)}
	}
	out, err := e.anon().AssumeRoleWithWebIdentity(ctx, in(webToken(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if *out.AssumedRoleUser.Arn != "arn:aws:sts::222222222222:assumed-role/web-read/ci" || *out.Audience != "emulator-client" ||
		*out.Provider != oidcIssuer || !strings.HasPrefix(*out.SubjectFromWebIdentityToken, "repo:assume-role/") {
		t.Fatalf("web identity output %+v", out)
	}
	if _, err := e.sts(fromSTS(out.Credentials)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = e.anon().AssumeRoleWithWebIdentity(ctx, in(webToken(map[string]any{"aud": "someone-else"})))
	wantErr(t, err, "InvalidIdentityToken", "audience")
	// Accepted audience, but the trust policy wants emulator-client.
	_, err = e.anon().AssumeRoleWithWebIdentity(ctx, in(webToken(map[string]any{"aud": "sts.amazonaws.com"})))
	wantErr(t, err, "AccessDenied", "")
	_, err = e.anon().AssumeRoleWithWebIdentity(ctx, in(webToken(map[string]any{"sub": "repo:other/x"})))
	wantErr(t, err, "AccessDenied", "")
	_, err = e.anon().AssumeRoleWithWebIdentity(ctx, in(webToken(map[string]any{"exp": epoch.Add(-time.Second).Unix()})))
	wantErr(t, err, "ExpiredTokenException", "")
	_, err = e.anon().AssumeRoleWithWebIdentity(ctx, in(webToken(map[string]any{"iss": "https://evil.example"})))
	wantErr(t, err, "InvalidIdentityToken", "No OpenIDConnect provider")
	forged := MintWebIdentityToken("wrong-secret", map[string]any{"iss": oidcIssuer, "aud": "emulator-client", "sub": "repo:assume-role/x", "exp": epoch.Add(time.Hour).Unix()})
	_, err = e.anon().AssumeRoleWithWebIdentity(ctx, in(forged))
	wantErr(t, err, "InvalidIdentityToken", "signature")
}

func federationGet(t *testing.T, e *env, q url.Values) *http.Response {
	t.Helper()
	c := e.ts.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(e.ts.URL + "/federation?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func sessionJSON(c aws.Credentials) string {
	b, _ := json.Marshal(map[string]string{"sessionId": c.AccessKeyID, "sessionKey": c.SecretAccessKey, "sessionToken": c.SessionToken})
	return string(b)
}

func TestFederationEndpoint(t *testing.T) {
	e := newEnv(t, nil)
	out := assume(t, e.sts(alice), &sts.AssumeRoleInput{RoleArn: aws.String(prodRead), RoleSessionName: aws.String("console")})
	rc := fromSTS(out.Credentials)
	resp := federationGet(t, e, url.Values{"Action": {"getSigninToken"}, "SessionDuration": {"3600"}, "Session": {sessionJSON(rc)}})
	var tok struct{ SigninToken string }
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&tok) != nil || tok.SigninToken == "" {
		t.Fatalf("getSigninToken status %d token %q", resp.StatusCode, tok.SigninToken)
	}
	dest := "https://console.aws.amazon.com/"
	resp = federationGet(t, e, url.Values{"Action": {"login"}, "Issuer": {"test"}, "Destination": {dest}, "SigninToken": {tok.SigninToken}})
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != dest {
		t.Fatalf("login status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	e.clock.Advance(16 * time.Minute)
	resp = federationGet(t, e, url.Values{"Action": {"login"}, "Destination": {dest}, "SigninToken": {tok.SigninToken}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("expired sign-in token accepted: %d", resp.StatusCode)
	}

	bad := rc
	bad.SecretAccessKey = strings.Repeat("z", 40)
	fed, err := e.sts(alice).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("console")})
	if err != nil {
		t.Fatal(err)
	}
	gst, err := e.sts(alice).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		q    url.Values
		want int
	}{
		"federation token":                   {url.Values{"Action": {"getSigninToken"}, "Session": {sessionJSON(fromSTS(fed.Credentials))}}, 200},
		"federation token + SessionDuration": {url.Values{"Action": {"getSigninToken"}, "SessionDuration": {"3600"}, "Session": {sessionJSON(fromSTS(fed.Credentials))}}, 400},
		"session token":                      {url.Values{"Action": {"getSigninToken"}, "Session": {sessionJSON(fromSTS(gst.Credentials))}}, 400},
		"wrong key":                          {url.Values{"Action": {"getSigninToken"}, "Session": {sessionJSON(bad)}}, 400},
		"long-term key":                      {url.Values{"Action": {"getSigninToken"}, "Session": {sessionJSON(alice)}}, 400},
		"duration out of range":              {url.Values{"Action": {"getSigninToken"}, "SessionDuration": {"60"}, "Session": {sessionJSON(rc)}}, 400},
	} {
		if got := federationGet(t, e, tc.q).StatusCode; got != tc.want {
			t.Errorf("%s: status %d, want %d", name, got, tc.want)
		}
	}
	// Expired role credentials are refused (role session lasted 1 h).
	e.clock.Advance(time.Hour)
	if got := federationGet(t, e, url.Values{"Action": {"getSigninToken"}, "Session": {sessionJSON(rc)}}).StatusCode; got != 400 {
		t.Fatalf("expired session accepted: %d", got)
	}
}

func TestLogHasNoSecrets(t *testing.T) {
	var sink bytes.Buffer
	sc, err := LoadScenario(demoPath)
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{t: epoch}
	e := &env{t: t, clock: clk, srv: New(sc, WithClock(clk.Now), WithLogger(&sink))}
	e.ts = newTestServer(t, e.srv)

	var secrets []string
	add := func(c aws.Credentials) { secrets = append(secrets, c.SecretAccessKey, c.SessionToken) }
	secrets = append(secrets, aliceSecret, "123460", "123461")
	gst, err := e.sts(alice).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(aliceMFA), TokenCode: aws.String("123460")})
	if err != nil {
		t.Fatal(err)
	}
	add(fromSTS(gst.Credentials))
	out := assume(t, e.sts(fromSTS(gst.Credentials)), &sts.AssumeRoleInput{RoleArn: aws.String(prodAdmin), RoleSessionName: aws.String("sx")})
	add(fromSTS(out.Credentials))
	out = assume(t, e.sts(alice), &sts.AssumeRoleInput{RoleArn: aws.String(prodAdmin), RoleSessionName: aws.String("sx"), SerialNumber: aws.String(aliceMFA), TokenCode: aws.String("123461")})
	add(fromSTS(out.Credentials))
	assertion := MintSAMLAssertion(samlOpts("arn:aws:iam::222222222222:role/saml-read," + samlProv))
	saml, err := e.anon().AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/saml-read"), PrincipalArn: aws.String(samlProv), SAMLAssertion: aws.String(assertion)})
	if err != nil {
		t.Fatal(err)
	}
	add(fromSTS(saml.Credentials))
	jwt := webToken(nil)
	web, err := e.anon().AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/web-read"), RoleSessionName: aws.String("ci"), WebIdentityToken: aws.String(jwt)})
	if err != nil {
		t.Fatal(err)
	}
	add(fromSTS(web.Credentials))
	resp := federationGet(t, e, url.Values{"Action": {"getSigninToken"}, "Session": {sessionJSON(fromSTS(out.Credentials))}})
	var tok struct{ SigninToken string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.SigninToken == "" {
		t.Fatalf("no sign-in token: %v", err)
	}
	federationGet(t, e, url.Values{"Action": {"login"}, "Destination": {"https://console.aws.amazon.com/"}, "SigninToken": {tok.SigninToken}})
	secrets = append(secrets, assertion, jwt, tok.SigninToken)
	// A failing call with a wrong secret must not leak either.
	_, err = e.sts(aws.Credentials{AccessKeyID: aliceKey, SecretAccessKey: "wrongwrongwrongwrongwrongwrongwrongwrong"}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantErr(t, err, "SignatureDoesNotMatch", "")
	secrets = append(secrets, "wrongwrongwrongwrongwrongwrongwrongwrong")

	hr, err := http.Get(e.ts.URL + "/_emu/log")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(hr.Body)
	hr.Body.Close()
	var entries []LogEntry
	if err := json.Unmarshal(body, &entries); err != nil || len(entries) != 8 {
		t.Fatalf("log: %d entries, err %v", len(entries), err)
	}
	if !strings.Contains(string(body), "<redacted>") {
		t.Fatal("nothing redacted")
	}
	for _, dump := range []string{string(body), sink.String()} {
		for _, s := range secrets {
			if strings.Contains(dump, s) {
				t.Fatalf("log contains a secret (%d chars)", len(s))
			}
		}
	}
	if n := strings.Count(sink.String(), "\n"); n != 8 {
		t.Fatalf("logger wrote %d lines", n)
	}
	// reset-log empties it.
	if r, err := http.Post(e.ts.URL+"/_emu/reset-log", "", nil); err != nil || r.StatusCode != 200 {
		t.Fatalf("reset-log: %v", err)
	}
	if len(e.srv.Log()) != 0 {
		t.Fatal("log not reset")
	}
}

func TestPresignedAndGetRequests(t *testing.T) {
	e := newEnv(t, nil)
	emptyHash := sha256.Sum256(nil)
	signer := v4.NewSigner()
	// Presigned query form.
	req, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	signed, _, err := signer.PresignHTTP(ctx, alice, req, hex.EncodeToString(emptyHash[:]), "sts", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(signed)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`) ||
		!strings.Contains(string(body), "user/alice") {
		t.Fatalf("presigned: %d %s", resp.StatusCode, body)
	}
	// Tampered presigned URL.
	resp, err = http.Get(strings.Replace(signed, "GetCallerIdentity", "GetSessionToken", 1))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(body), "<Code>SignatureDoesNotMatch</Code>") || !strings.Contains(string(body), "<Type>Sender</Type>") {
		t.Fatalf("tampered: %d %s", resp.StatusCode, body)
	}
	// GET with header auth under a path prefix.
	req, _ = http.NewRequest(http.MethodGet, e.ts.URL+"/some/prefix/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	if err := signer.SignHTTP(ctx, bob, req, hex.EncodeToString(emptyHash[:]), "sts", "us-west-2", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "user/engineers/bob") {
		t.Fatalf("GET: %d %s", resp.StatusCode, body)
	}
}

func TestControlEndpoints(t *testing.T) {
	e := newEnv(t, nil)
	r, err := http.Get(e.ts.URL + "/_emu/health")
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("health: %v", err)
	}
	r.Body.Close()
	r, err = http.Get(e.ts.URL + "/_emu/log")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if strings.TrimSpace(string(b)) != "[]" {
		t.Fatalf("empty log = %s", b)
	}
}
