package stsemu

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// MintWebIdentityToken returns an HS256-signed JWT with the given claims, as
// accepted by AssumeRoleWithWebIdentity for an OIDC provider whose
// hs256_secret is secret. Typical claims: iss (the provider's issuer URL),
// aud, sub, exp (Unix seconds).
func MintWebIdentityToken(secret string, claims map[string]any) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	payload, err := json.Marshal(claims)
	if err != nil {
		panic("stsemu: MintWebIdentityToken: claims are not JSON-encodable: " + err.Error())
	}
	signing := header + "." + enc.EncodeToString(payload)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(m.Sum(nil))
}

func errInvalidIdentity(msg string) *apiError {
	return &apiError{Status: 400, Code: "InvalidIdentityToken", Message: msg}
}

// issuerKey is the issuer as IAM writes it in condition keys and provider
// ARNs: without scheme and trailing slash.
func issuerKey(iss string) string {
	return strings.TrimSuffix(strings.TrimPrefix(iss, "https://"), "/")
}

func arnAccount(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

func (s *Server) assumeRoleWithWebIdentity(p url.Values, secure bool) (any, *apiError) {
	var v validator
	roleARN, _ := v.str(p, "RoleArn", "roleArn", true, 20, 2048, nil)
	sessName, _ := v.str(p, "RoleSessionName", "roleSessionName", true, 2, 64, reName)
	token := p.Get("WebIdentityToken")
	if _, ok := p["WebIdentityToken"]; !ok {
		v.add(nil, "webIdentityToken", "must not be null")
	} else if len(token) < 4 || len(token) > 20000 {
		v.addSecret("webIdentityToken", "must have length between 4 and 20000")
	}
	_, hasDur := p["DurationSeconds"]
	dur := v.duration(p, 900, 43200, 3600)
	_, _, packed, aerr := v.sessionPolicy(p, false)
	if aerr != nil {
		return nil, aerr
	}
	if !reRoleARN.MatchString(roleARN) {
		return nil, errValidation("Request ARN is invalid")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errInvalidIdentity("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
	}
	var header struct {
		Alg string `json:"alg"`
	}
	var claims map[string]any
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	pb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	if err1 != nil || err2 != nil || json.Unmarshal(hb, &header) != nil || json.Unmarshal(pb, &claims) != nil {
		return nil, errInvalidIdentity("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
	}
	iss, _ := claims["iss"].(string)
	role := s.roles[roleARN]
	var prov *OIDCProvider
	for _, op := range s.sc.OIDCProviders {
		if issuerKey(op.Issuer) == issuerKey(iss) && (role == nil || arnAccount(op.ARN) == role.account) {
			prov = op
			break
		}
	}
	if prov == nil {
		return nil, errInvalidIdentity("No OpenIDConnect provider found in your account for " + iss)
	}
	if header.Alg != "HS256" {
		return nil, errInvalidIdentity("Unsupported token signature algorithm " + header.Alg)
	}
	m := hmac.New(sha256.New, []byte(prov.HS256Secret))
	m.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, m.Sum(nil)) {
		return nil, errInvalidIdentity("The web identity token signature could not be verified")
	}
	exp, ok := claims["exp"].(float64)
	if !ok {
		return nil, errInvalidIdentity("The web identity token has no exp claim")
	}
	now := s.now()
	if now.Unix() >= int64(exp) {
		return nil, &apiError{Status: 400, Code: "ExpiredTokenException",
			Message: fmt.Sprintf("Token expired: current date/time %d must be before the expiration date/time %d", now.Unix(), int64(exp))}
	}
	aud := ""
	switch a := claims["aud"].(type) {
	case string:
		if containsStr(prov.Audiences, a) {
			aud = a
		}
	case []any:
		for _, x := range a {
			if xs, ok := x.(string); ok && containsStr(prov.Audiences, xs) {
				aud = xs
				break
			}
		}
	}
	if aud == "" {
		return nil, errInvalidIdentity("Incorrect token audience")
	}
	sub, _ := claims["sub"].(string)
	denied := errAccessDenied("Not authorized to perform sts:AssumeRoleWithWebIdentity")
	if role == nil {
		return nil, denied
	}
	host := issuerKey(prov.Issuer)
	ctx := map[string][]string{
		"aws:securetransport":          {fmt.Sprint(secure)},
		"aws:federatedprovider":        {prov.ARN},
		"sts:rolesessionname":          {sessName},
		strings.ToLower(host + ":aud"): {aud},
		strings.ToLower(host + ":sub"): {sub},
	}
	if azp, ok := claims["azp"].(string); ok {
		ctx[strings.ToLower(host+":azp")] = []string{azp}
	}
	req := evalRequest{Action: "sts:AssumeRoleWithWebIdentity", Principal: principal{Type: "Federated", ARNs: []string{prov.ARN, host}}, Context: ctx}
	if !role.policy.allowed(req) {
		return nil, denied
	}
	if hasDur && dur > role.MaxSessionDuration {
		return nil, errMaxSession
	}
	sess := s.issue(s.roleSession(role, sessName, time.Time{}, ""), dur)
	return &assumeRoleWithWebIdentityResult{
		Credentials:                 sess.xml(),
		SubjectFromWebIdentityToken: sub,
		AssumedRoleUser:             xmlAssumedRoleUser{AssumedRoleID: sess.userID, Arn: sess.arn},
		PackedPolicySize:            packedPtr(packed),
		Provider:                    iss,
		Audience:                    aud,
	}, nil
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
