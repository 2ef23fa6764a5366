package stsemu

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
)

var ctx = context.Background()

func assume(t *testing.T, c *sts.Client, in *sts.AssumeRoleInput) *sts.AssumeRoleOutput {
	t.Helper()
	out, err := c.AssumeRole(ctx, in)
	if err != nil {
		t.Fatalf("AssumeRole %s: %v", aws.ToString(in.RoleArn), err)
	}
	return out
}

func TestGetCallerIdentityUser(t *testing.T) {
	e := newEnv(t, nil)
	out, err := e.sts(alice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Arn != "arn:aws:iam::111111111111:user/alice" || *out.Account != "111111111111" || !strings.HasPrefix(*out.UserId, "AIDA") {
		t.Fatalf("unexpected identity %s %s %s", *out.Arn, *out.Account, *out.UserId)
	}
	out, err = e.sts(bob).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Arn != "arn:aws:iam::111111111111:user/engineers/bob" {
		t.Fatalf("bob ARN = %s", *out.Arn)
	}
}

func TestAssumeRoleAndIdentity(t *testing.T) {
	e := newEnv(t, nil)
	out := assume(t, e.sts(alice), &sts.AssumeRoleInput{RoleArn: aws.String(prodRead), RoleSessionName: aws.String("s1")})
	c := out.Credentials
	if !regexp.MustCompile(`^ASIA[A-Z0-9]{16}$`).MatchString(*c.AccessKeyId) || len(*c.SecretAccessKey) != 40 || len(*c.SessionToken) < 100 {
		t.Fatalf("bad credential shapes: %q len(secret)=%d len(token)=%d", *c.AccessKeyId, len(*c.SecretAccessKey), len(*c.SessionToken))
	}
	if !c.Expiration.Equal(epoch.Add(time.Hour)) {
		t.Fatalf("expiration = %v, want %v", c.Expiration, epoch.Add(time.Hour))
	}
	if *out.AssumedRoleUser.Arn != "arn:aws:sts::222222222222:assumed-role/read/s1" ||
		!regexp.MustCompile(`^AROA[A-Z0-9]{16}:s1$`).MatchString(*out.AssumedRoleUser.AssumedRoleId) {
		t.Fatalf("assumed role user = %s %s", *out.AssumedRoleUser.Arn, *out.AssumedRoleUser.AssumedRoleId)
	}
	//lint:ignore SA1019 real STS still sends PackedPolicySize, so the emulator does too
	if out.PackedPolicySize != nil || out.SourceIdentity != nil {
		t.Fatalf("unexpected optional fields")
	}
	id, err := e.sts(fromSTS(c)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *id.Arn != *out.AssumedRoleUser.Arn || *id.UserId != *out.AssumedRoleUser.AssumedRoleId || *id.Account != "222222222222" {
		t.Fatalf("identity %s %s %s", *id.Arn, *id.UserId, *id.Account)
	}
	// AssumedRoleId is stable per role.
	out2 := assume(t, e.sts(alice), &sts.AssumeRoleInput{RoleArn: aws.String(prodRead), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(43200)})
	if *out2.AssumedRoleUser.AssumedRoleId != *out.AssumedRoleUser.AssumedRoleId {
		t.Fatal("role ID not stable")
	}
	if !out2.Credentials.Expiration.Equal(epoch.Add(12 * time.Hour)) {
		t.Fatalf("expiration = %v", out2.Credentials.Expiration)
	}
	// Paths and leading-zero accounts.
	out3 := assume(t, e.sts(alice), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::012345678901:role/ops/deploy"), RoleSessionName: aws.String("dep")})
	if *out3.AssumedRoleUser.Arn != "arn:aws:sts::012345678901:assumed-role/deploy/dep" {
		t.Fatalf("deploy ARN %s", *out3.AssumedRoleUser.Arn)
	}
}

func TestRoleChaining(t *testing.T) {
	e := newEnv(t, nil)
	hop1 := assume(t, e.sts(alice), &sts.AssumeRoleInput{RoleArn: aws.String(prodRead), RoleSessionName: aws.String("hop1")})
	hop1c := e.sts(fromSTS(hop1.Credentials))
	hop2 := assume(t, hop1c, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::333333333333:role/chain"), RoleSessionName: aws.String("hop2")})
	if *hop2.AssumedRoleUser.Arn != "arn:aws:sts::333333333333:assumed-role/chain/hop2" {
		t.Fatalf("hop2 ARN %s", *hop2.AssumedRoleUser.Arn)
	}
	_, err := hop1c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::333333333333:role/chain"), RoleSessionName: aws.String("sx"), DurationSeconds: aws.Int32(3601)})
	wantErr(t, err, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	// The chain role does not trust alice directly, nor another account's read sessions.
	_, err = e.sts(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::333333333333:role/chain"), RoleSessionName: aws.String("sx")})
	wantErr(t, err, "AccessDenied", "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::333333333333:role/chain")
	hop1b := assume(t, e.sts(alice), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::333333333333:role/read"), RoleSessionName: aws.String("hop1")})
	_, err = e.sts(fromSTS(hop1b.Credentials)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::333333333333:role/chain"), RoleSessionName: aws.String("sx")})
	wantErr(t, err, "AccessDenied", "User: arn:aws:sts::333333333333:assumed-role/read/hop1 is not authorized")
	// A GetSessionToken session counts as temporary credentials too.
	gst, err := e.sts(alice).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.sts(fromSTS(gst.Credentials)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(prodRead), RoleSessionName: aws.String("sx"), DurationSeconds: aws.Int32(7200)})
	wantErr(t, err, "ValidationError", "1 hour session limit")
	assume(t, e.sts(fromSTS(gst.Credentials)), &sts.AssumeRoleInput{RoleArn: aws.String(prodRead), RoleSessionName: aws.String("sx"), DurationSeconds: aws.Int32(3600)})
	// GetSessionToken with session credentials is refused.
	_, err = e.sts(fromSTS(gst.Credentials)).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	wantErr(t, err, "AccessDenied", "session credentials")
}

func TestMaxSessionDuration(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.sts(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/ops/deploy"), RoleSessionName: aws.String("sx"), DurationSeconds: aws.Int32(7201)})
	wantErr(t, err, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	assume(t, e.sts(alice), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/ops/deploy"), RoleSessionName: aws.String("sx"), DurationSeconds: aws.Int32(7200)})
	_, err = e.sts(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(prodRead), RoleSessionName: aws.String("sx"), DurationSeconds: aws.Int32(43201)})
	wantErr(t, err, "ValidationError", "less than or equal to 43200")
}

func TestUntrustedAndMissingRoles(t *testing.T) {
	e := newEnv(t, nil)
	for _, arn := range []string{"arn:aws:iam::222222222222:role/nope", "arn:aws:iam::222222222222:role/deny-all", "arn:aws:iam::222222222222:role/web-read"} {
		_, err := e.sts(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("sx")})
		wantErr(t, err, "AccessDenied", "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole on resource: "+arn)
	}
}

func TestExternalID(t *testing.T) {
	e := newEnv(t, nil)
	role := aws.String("arn:aws:iam::222222222222:role/ext")
	assume(t, e.sts(alice), &sts.AssumeRoleInput{RoleArn: role, RoleSessionName: aws.String("sx"), ExternalId: aws.String("ext-123")})
	_, err := e.sts(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role, RoleSessionName: aws.String("sx")})
	wantErr(t, err, "AccessDenied", "not authorized")
	_, err = e.sts(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role, RoleSessionName: aws.String("sx"), ExternalId: aws.String("ext-999")})
	wantErr(t, err, "AccessDenied", "not authorized")
}

func TestMFA(t *testing.T) {
	e := newEnv(t, nil)
	admin := &sts.AssumeRoleInput{RoleArn: aws.String(prodAdmin), RoleSessionName: aws.String("sx")}
	_, err := e.sts(alice).AssumeRole(ctx, admin)
	wantErr(t, err, "AccessDenied", "not authorized to perform: sts:AssumeRole")

	withCode := func(code string) *sts.AssumeRoleInput {
		in := *admin
		in.SerialNumber, in.TokenCode = aws.String(aliceMFA), aws.String(code)
		return &in
	}
	assume(t, e.sts(alice), withCode("123456"))
	_, err = e.sts(alice).AssumeRole(ctx, withCode("123456"))
	wantErr(t, err, "AccessDenied", "MultiFactorAuthentication failed, unable to validate MFA code")
	_, err = e.sts(alice).AssumeRole(ctx, withCode("000000"))
	wantErr(t, err, "AccessDenied", "MultiFactorAuthentication failed")
	// A serial that is not the caller's.
	_, err = e.sts(bob).AssumeRole(ctx, withCode("123457"))
	wantErr(t, err, "AccessDenied", "MultiFactorAuthentication failed")

	// GetSessionToken with MFA; roles assumed with it inherit MFA.
	gst, err := e.sts(alice).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(aliceMFA), TokenCode: aws.String("123457"), DurationSeconds: aws.Int32(43200)})
	if err != nil {
		t.Fatal(err)
	}
	if !gst.Credentials.Expiration.Equal(epoch.Add(12 * time.Hour)) {
		t.Fatalf("GST expiration %v", gst.Credentials.Expiration)
	}
	gc := e.sts(fromSTS(gst.Credentials))
	id, err := gc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != "arn:aws:iam::111111111111:user/alice" {
		t.Fatalf("GST identity: %v %v", id, err)
	}
	hop := assume(t, gc, admin)
	// MFA carries over to a chained role too (mfa-fresh needs age < 300 s).
	fresh := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/mfa-fresh"), RoleSessionName: aws.String("sx")}
	assume(t, gc, fresh)
	e.clock.Advance(10 * time.Minute)
	_, err = gc.AssumeRole(ctx, fresh)
	wantErr(t, err, "AccessDenied", "not authorized")
	_ = hop

	// Without MFA the session token does not satisfy the admin role.
	plain, err := e.sts(alice).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.sts(fromSTS(plain.Credentials)).AssumeRole(ctx, admin)
	wantErr(t, err, "AccessDenied", "not authorized")
	_, err = e.sts(alice).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(aliceMFA), TokenCode: aws.String("123457")})
	wantErr(t, err, "AccessDenied", "MultiFactorAuthentication failed")
}

func TestTOTP(t *testing.T) {
	e := newEnv(t, nil)
	code, err := TOTP("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", epoch)
	if err != nil {
		t.Fatal(err)
	}
	in := &sts.GetSessionTokenInput{SerialNumber: aws.String(aliceMFA), TokenCode: aws.String(code)}
	if _, err := e.sts(alice).GetSessionToken(ctx, in); err != nil {
		t.Fatal(err)
	}
	_, err = e.sts(alice).GetSessionToken(ctx, in)
	wantErr(t, err, "AccessDenied", "MultiFactorAuthentication failed")
}

func TestSignatureAndKeys(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.sts(aws.Credentials{AccessKeyID: aliceKey, SecretAccessKey: strings.Repeat("x", 40)}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantErr(t, err, "SignatureDoesNotMatch", "")
	_, err = e.sts(aws.Credentials{AccessKeyID: "AKIAEMULATORUNKNOWN1", SecretAccessKey: aliceSecret}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantErr(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
	_, err = e.sts(aws.Credentials{AccessKeyID: carolKey, SecretAccessKey: carolSecret}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantErr(t, err, "InvalidClientTokenId", "")
	// Temporary credentials need their session token.
	out := assume(t, e.sts(alice), &sts.AssumeRoleInput{RoleArn: aws.String(prodRead), RoleSessionName: aws.String("sx")})
	c := fromSTS(out.Credentials)
	c.SessionToken = ""
	_, err = e.sts(c).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantErr(t, err, "InvalidClientTokenId", "")
	// Unsigned STS call.
	_, err = e.anon().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantErr(t, err, "MissingAuthenticationToken", "")
}

func TestExpiredCredentials(t *testing.T) {
	e := newEnv(t, nil)
	out := assume(t, e.sts(alice), &sts.AssumeRoleInput{RoleArn: aws.String(prodRead), RoleSessionName: aws.String("sx"), DurationSeconds: aws.Int32(900)})
	c := e.sts(fromSTS(out.Credentials))
	e.clock.Advance(899 * time.Second)
	if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantErr(t, err, "ExpiredToken", "The security token included in the request is expired")
}

func TestCredentialLifetimeOverride(t *testing.T) {
	e := newEnv(t, func(sc *Scenario) { sc.CredentialLifetimeSeconds = 3 })
	out := assume(t, e.sts(alice), &sts.AssumeRoleInput{RoleArn: aws.String(prodRead), RoleSessionName: aws.String("sx"), DurationSeconds: aws.Int32(43200)})
	if !out.Credentials.Expiration.Equal(epoch.Add(3 * time.Second)) {
		t.Fatalf("expiration %v", out.Credentials.Expiration)
	}
	e.clock.Advance(3 * time.Second)
	_, err := e.sts(fromSTS(out.Credentials)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantErr(t, err, "ExpiredToken", "")
}

func TestDisabledRegion(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.stsRegion("ap-east-1", alice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantErr(t, err, "RegionDisabledException", "STS is not activated in this region for account:111111111111")
	if _, err := e.stsRegion("eu-west-1", alice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if l := e.srv.Log(); l[len(l)-1].Region != "eu-west-1" {
		t.Fatalf("region not recorded: %+v", l[len(l)-1])
	}
}

func TestThrottlingRetried(t *testing.T) {
	e := newEnv(t, func(sc *Scenario) { sc.ThrottleFirstN = 2 })
	if _, err := e.sts(alice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("SDK did not retry through throttling: %v", err)
	}
	var codes []string
	for _, l := range e.srv.Log() {
		codes = append(codes, l.ErrorCode)
	}
	if fmt.Sprint(codes) != "[Throttling Throttling ]" {
		t.Fatalf("log codes %q", codes)
	}
}

func TestTagsAndSourceIdentity(t *testing.T) {
	e := newEnv(t, func(sc *Scenario) {
		trust := func(actions string) []byte {
			return []byte(`{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/tagger"},"Action":` + actions + `}}`)
		}
		sc.Roles = append(sc.Roles,
			&Role{ARN: "arn:aws:iam::222222222222:role/si-ok", TrustPolicy: trust(`["sts:AssumeRole","sts:SetSourceIdentity"]`)},
			&Role{ARN: "arn:aws:iam::222222222222:role/si-no", TrustPolicy: trust(`"sts:AssumeRole"`)})
	})
	tags := []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}}
	_, err := e.sts(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(prodRead), RoleSessionName: aws.String("sx"), Tags: tags})
	wantErr(t, err, "AccessDenied", "sts:TagSession")
	_, err = e.sts(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(prodRead), RoleSessionName: aws.String("sx"), SourceIdentity: aws.String("alice")})
	wantErr(t, err, "AccessDenied", "sts:SetSourceIdentity")
	out := assume(t, e.sts(alice), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/tagger"), RoleSessionName: aws.String("sx"),
		Tags: tags, TransitiveTagKeys: []string{"team"}, SourceIdentity: aws.String("alice")})
	//lint:ignore SA1019 real STS still sends PackedPolicySize, so the emulator does too
	packed := out.PackedPolicySize
	if aws.ToString(out.SourceIdentity) != "alice" || packed == nil {
		t.Fatalf("SourceIdentity %v PackedPolicySize %v", out.SourceIdentity, packed)
	}
	c := e.sts(fromSTS(out.Credentials))
	hop := assume(t, c, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/si-ok"), RoleSessionName: aws.String("sy")})
	if aws.ToString(hop.SourceIdentity) != "alice" {
		t.Fatalf("source identity not persisted: %v", hop.SourceIdentity)
	}
	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/si-no"), RoleSessionName: aws.String("sy")})
	wantErr(t, err, "AccessDenied", "sts:SetSourceIdentity")
}

func TestAssumeRoleValidation(t *testing.T) {
	e := newEnv(t, nil)
	manyARNs := make([]types.PolicyDescriptorType, 11)
	for i := range manyARNs {
		manyARNs[i].Arn = aws.String(fmt.Sprintf("arn:aws:iam::aws:policy/P%d", i))
	}
	cases := []struct {
		name      string
		in        sts.AssumeRoleInput
		code, msg string
	}{
		{"short session name", sts.AssumeRoleInput{RoleSessionName: aws.String("a")}, "ValidationError", "roleSessionName"},
		{"bad session name", sts.AssumeRoleInput{RoleSessionName: aws.String("a b")}, "ValidationError", "regular expression"},
		{"short duration", sts.AssumeRoleInput{DurationSeconds: aws.Int32(899)}, "ValidationError", "greater than or equal to 900"},
		{"bad arn", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::12345:role/xxxxxxx")}, "ValidationError", "Request ARN is invalid"},
		{"short external id", sts.AssumeRoleInput{ExternalId: aws.String("e")}, "ValidationError", "externalId"},
		{"bad serial", sts.AssumeRoleInput{SerialNumber: aws.String("short"), TokenCode: aws.String("123456")}, "ValidationError", "serialNumber"},
		{"bad token code", sts.AssumeRoleInput{SerialNumber: aws.String(aliceMFA), TokenCode: aws.String("12345x")}, "ValidationError", "tokenCode"},
		{"aws: source identity", sts.AssumeRoleInput{SourceIdentity: aws.String("aws:me")}, "ValidationError", "aws:"},
		{"malformed policy", sts.AssumeRoleInput{Policy: aws.String("{nope")}, "MalformedPolicyDocument", ""},
		{"large policy", sts.AssumeRoleInput{Policy: aws.String(`{"x":"` + strings.Repeat("a", 2100) + `"}`)}, "PackedPolicyTooLarge", ""},
		{"too many policy arns", sts.AssumeRoleInput{PolicyArns: manyARNs}, "ValidationError", "policyArns"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.RoleArn == nil {
				in.RoleArn = aws.String(prodRead)
			}
			if in.RoleSessionName == nil {
				in.RoleSessionName = aws.String("ok")
			}
			_, err := e.sts(alice).AssumeRole(ctx, &in)
			wantErr(t, err, tc.code, tc.msg)
			if strings.Contains(err.Error(), "12345x") {
				t.Fatal("token code echoed in error")
			}
		})
	}
}

func TestGetFederationToken(t *testing.T) {
	e := newEnv(t, nil)
	out, err := e.sts(alice).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("fed-alice")})
	if err != nil {
		t.Fatal(err)
	}
	if *out.FederatedUser.Arn != "arn:aws:sts::111111111111:federated-user/fed-alice" || *out.FederatedUser.FederatedUserId != "111111111111:fed-alice" {
		t.Fatalf("federated user %s %s", *out.FederatedUser.Arn, *out.FederatedUser.FederatedUserId)
	}
	if !out.Credentials.Expiration.Equal(epoch.Add(12 * time.Hour)) {
		t.Fatalf("expiration %v", out.Credentials.Expiration)
	}
	fc := e.sts(fromSTS(out.Credentials))
	id, err := fc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != *out.FederatedUser.Arn {
		t.Fatalf("identity %v %v", id, err)
	}
	_, err = fc.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("again")})
	wantErr(t, err, "AccessDenied", "")
	_, err = fc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(prodRead), RoleSessionName: aws.String("sx"), DurationSeconds: aws.Int32(7200)})
	wantErr(t, err, "ValidationError", "role chaining")
	_, err = e.sts(alice).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("x")})
	wantErr(t, err, "ValidationError", "name")
}
