package stsemu

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The emulator parses SAML 2.0 Responses but does NOT verify their XML
// signatures: any well-formed assertion naming a known provider is trusted.

const (
	samlSigninURL    = "https://signin.aws.amazon.com/saml"
	samlRoleAttr     = "https://aws.amazon.com/SAML/Attributes/Role"
	samlSessionAttr  = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
	samlDurationAttr = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
)

type samlResponse struct {
	Issuer    string `xml:"Issuer"`
	Assertion struct {
		Issuer  string `xml:"Issuer"`
		Subject struct {
			NameID struct {
				Value  string `xml:",chardata"`
				Format string `xml:"Format,attr"`
			} `xml:"NameID"`
			Confirmation struct {
				Data struct {
					NotOnOrAfter string `xml:"NotOnOrAfter,attr"`
					Recipient    string `xml:"Recipient,attr"`
				} `xml:"SubjectConfirmationData"`
			} `xml:"SubjectConfirmation"`
		} `xml:"Subject"`
		Conditions struct {
			NotBefore    string   `xml:"NotBefore,attr"`
			NotOnOrAfter string   `xml:"NotOnOrAfter,attr"`
			Audiences    []string `xml:"AudienceRestriction>Audience"`
		} `xml:"Conditions"`
		Authn struct {
			SessionNotOnOrAfter string `xml:"SessionNotOnOrAfter,attr"`
		} `xml:"AuthnStatement"`
		Attributes []struct {
			Name   string   `xml:"Name,attr"`
			Values []string `xml:"AttributeValue"`
		} `xml:"AttributeStatement>Attribute"`
	} `xml:"Assertion"`
}

func (r *samlResponse) attr(name string) []string {
	for _, a := range r.Assertion.Attributes {
		if a.Name == name {
			return a.Values
		}
	}
	return nil
}

// SAMLAssertionOptions describes an assertion for MintSAMLAssertion.
type SAMLAssertionOptions struct {
	// Issuer is the IdP entity ID; default "https://idp.emulator.example/saml".
	Issuer string
	// Subject is the NameID; default "user@example.com".
	Subject string
	// SubjectFormat is the NameID Format; default transient.
	SubjectFormat string
	// Audience defaults to https://signin.aws.amazon.com/saml.
	Audience string
	// Recipient defaults to https://signin.aws.amazon.com/saml.
	Recipient string
	// Roles are Role attribute values, "roleArn,providerArn".
	Roles []string
	// RoleSessionName is the RoleSessionName attribute (omitted when empty).
	RoleSessionName string
	// SessionDuration is the SessionDuration attribute in seconds (omitted when 0).
	SessionDuration int
	// NotOnOrAfter is the assertion expiry; default now + 5 minutes.
	NotOnOrAfter time.Time
	// SessionNotOnOrAfter, when set, caps the session lifetime.
	SessionNotOnOrAfter time.Time
}

// MintSAMLAssertion returns a base64 SAML 2.0 Response (unsigned) that the
// emulator's AssumeRoleWithSAML accepts.
func MintSAMLAssertion(o SAMLAssertionOptions) string {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&o.Issuer, "https://idp.emulator.example/saml")
	def(&o.Subject, "user@example.com")
	def(&o.SubjectFormat, "urn:oasis:names:tc:SAML:2.0:nameid-format:transient")
	def(&o.Audience, samlSigninURL)
	def(&o.Recipient, samlSigninURL)
	if o.NotOnOrAfter.IsZero() {
		o.NotOnOrAfter = time.Now().Add(5 * time.Minute)
	}
	e := html.EscapeString
	var b bytes.Buffer
	b.WriteString(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Version="2.0">`)
	fmt.Fprintf(&b, `<saml:Issuer>%s</saml:Issuer><saml:Assertion Version="2.0"><saml:Issuer>%s</saml:Issuer>`, e(o.Issuer), e(o.Issuer))
	fmt.Fprintf(&b, `<saml:Subject><saml:NameID Format="%s">%s</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="%s" Recipient="%s"/></saml:SubjectConfirmation></saml:Subject>`,
		e(o.SubjectFormat), e(o.Subject), awsTime(o.NotOnOrAfter), e(o.Recipient))
	fmt.Fprintf(&b, `<saml:Conditions NotOnOrAfter="%s"><saml:AudienceRestriction><saml:Audience>%s</saml:Audience></saml:AudienceRestriction></saml:Conditions>`,
		awsTime(o.NotOnOrAfter), e(o.Audience))
	b.WriteString(`<saml:AuthnStatement`)
	if !o.SessionNotOnOrAfter.IsZero() {
		fmt.Fprintf(&b, ` SessionNotOnOrAfter="%s"`, awsTime(o.SessionNotOnOrAfter))
	}
	b.WriteString(`/><saml:AttributeStatement>`)
	attr := func(name string, vals ...string) {
		fmt.Fprintf(&b, `<saml:Attribute Name="%s">`, e(name))
		for _, v := range vals {
			fmt.Fprintf(&b, `<saml:AttributeValue>%s</saml:AttributeValue>`, e(v))
		}
		b.WriteString(`</saml:Attribute>`)
	}
	attr(samlRoleAttr, o.Roles...)
	if o.RoleSessionName != "" {
		attr(samlSessionAttr, o.RoleSessionName)
	}
	if o.SessionDuration > 0 {
		attr(samlDurationAttr, strconv.Itoa(o.SessionDuration))
	}
	b.WriteString(`</saml:AttributeStatement></saml:Assertion></samlp:Response>`)
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

func parseSAMLTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func (s *Server) assumeRoleWithSAML(p url.Values, secure bool) (any, *apiError) {
	var v validator
	roleARN, _ := v.str(p, "RoleArn", "roleArn", true, 20, 2048, nil)
	provARN, _ := v.str(p, "PrincipalArn", "principalArn", true, 20, 2048, nil)
	assertion := p.Get("SAMLAssertion")
	if _, ok := p["SAMLAssertion"]; !ok {
		v.add(nil, "sAMLAssertion", "must not be null")
	} else if len(assertion) < 4 || len(assertion) > 100000 {
		v.addSecret("sAMLAssertion", "must have length between 4 and 100000")
	}
	_, hasDur := p["DurationSeconds"]
	dur := v.duration(p, 900, 43200, 3600)
	_, _, packed, aerr := v.sessionPolicy(p, false)
	if aerr != nil {
		return nil, aerr
	}
	if !reRoleARN.MatchString(roleARN) || !reSAMLARN.MatchString(provARN) {
		return nil, errValidation("Request ARN is invalid")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(assertion), ""))
	if err != nil {
		return nil, errInvalidIdentity("Invalid base64 SAMLResponse")
	}
	var resp samlResponse
	if err := xml.Unmarshal(raw, &resp); err != nil {
		return nil, errInvalidIdentity("Invalid SAML response: not a well-formed SAML 2.0 Response")
	}
	var prov *SAMLProvider
	for _, sp := range s.sc.SAMLProviders {
		if sp.ARN == provARN {
			prov = sp
		}
	}
	role := s.roles[roleARN]
	if prov == nil || (role != nil && arnAccount(prov.ARN) != role.account) {
		return nil, errInvalidIdentity("Specified provider doesn't exist")
	}
	now := s.now()
	for _, ts := range []string{resp.Assertion.Conditions.NotOnOrAfter, resp.Assertion.Subject.Confirmation.Data.NotOnOrAfter} {
		if t, ok := parseSAMLTime(ts); ok && !now.Before(t) {
			return nil, &apiError{Status: 400, Code: "ExpiredTokenException", Message: "Token must not be expired: the SAML assertion's NotOnOrAfter has passed"}
		}
	}
	if t, ok := parseSAMLTime(resp.Assertion.Conditions.NotBefore); ok && now.Add(5*time.Minute).Before(t) {
		return nil, errInvalidIdentity("The SAML assertion is not yet valid")
	}
	okAud := false
	for _, a := range resp.Assertion.Conditions.Audiences {
		if a == samlSigninURL || slices.Contains(prov.Audiences, a) {
			okAud = true
		}
	}
	if !okAud {
		return nil, errInvalidIdentity("The SAML assertion's Audience does not match")
	}
	denied := errAccessDenied("Not authorized to perform sts:AssumeRoleWithSAML")
	granted := false
	for _, val := range resp.attr(samlRoleAttr) {
		a, b, _ := strings.Cut(strings.TrimSpace(val), ",")
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		if (a == roleARN && b == provARN) || (a == provARN && b == roleARN) {
			granted = true
		}
	}
	if !granted || role == nil {
		return nil, denied
	}
	names := resp.attr(samlSessionAttr)
	if len(names) == 0 {
		return nil, errInvalidIdentity("RoleSessionName is required in AuthnResponse")
	}
	sessName := strings.TrimSpace(names[0])
	if len(sessName) < 2 || len(sessName) > 64 || !reName.MatchString(sessName) {
		return nil, errInvalidIdentity("RoleSessionName in AuthnResponse must be 2-64 characters of [\\w+=,.@-]")
	}
	issuer := resp.Assertion.Issuer
	if issuer == "" {
		issuer = resp.Issuer
	}
	recipient := resp.Assertion.Subject.Confirmation.Data.Recipient
	if recipient == "" {
		recipient = samlSigninURL
	}
	subType := resp.Assertion.Subject.NameID.Format
	if i := strings.LastIndex(subType, ":"); i >= 0 && strings.HasPrefix(subType, "urn:oasis:names:tc:SAML:2.0:nameid-format:") {
		subType = subType[i+1:]
	}
	provName := provARN[strings.LastIndex(provARN, "/")+1:]
	nq := sha1.Sum([]byte(issuer + role.account + "/" + provName))
	nameQualifier := base64.StdEncoding.EncodeToString(nq[:])
	subject := strings.TrimSpace(resp.Assertion.Subject.NameID.Value)
	ctx := map[string][]string{
		"aws:securetransport":   {strconv.FormatBool(secure)},
		"aws:federatedprovider": {prov.ARN},
		"sts:rolesessionname":   {sessName},
		"saml:aud":              {recipient},
		"saml:iss":              {issuer},
		"saml:sub":              {subject},
		"saml:sub_type":         {subType},
		"saml:namequalifier":    {nameQualifier},
	}
	req := evalRequest{Action: "sts:AssumeRoleWithSAML", Principal: principal{Type: "Federated", ARNs: []string{prov.ARN}}, Context: ctx}
	if !role.policy.allowed(req) {
		return nil, denied
	}
	if !hasDur {
		dur = 3600
	}
	if attr := resp.attr(samlDurationAttr); len(attr) > 0 {
		if n, err := strconv.Atoi(strings.TrimSpace(attr[0])); err == nil && n >= 900 {
			if !hasDur || n < dur {
				dur = n
			}
		}
	}
	if dur > role.MaxSessionDuration {
		if hasDur {
			return nil, errMaxSession
		}
		dur = role.MaxSessionDuration
	}
	if t, ok := parseSAMLTime(resp.Assertion.Authn.SessionNotOnOrAfter); ok {
		if left := int(t.Sub(now) / time.Second); left < dur {
			dur = max(left, 1)
		}
	}
	sess := s.issue(s.roleSession(role, sessName, time.Time{}, ""), dur)
	return &assumeRoleWithSAMLResult{
		Credentials:      sess.xml(),
		AssumedRoleUser:  xmlAssumedRoleUser{AssumedRoleID: sess.userID, Arn: sess.arn},
		PackedPolicySize: packedPtr(packed),
		Subject:          subject,
		SubjectType:      subType,
		Issuer:           issuer,
		Audience:         recipient,
		NameQualifier:    nameQualifier,
	}, nil
}
