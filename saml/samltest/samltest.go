// Package samltest builds unsigned SAML responses for tests and the demo. It
// lives apart from package saml so that the product binary does not link it.
//
// The output is shaped for moto's AssumeRoleWithSAML emulation as well as for
// saml.ParseAssertion: one samlp:Response holding one saml:Assertion with one
// AttributeStatement, and always at least two attributes (Role and
// RoleSessionName). moto reads only the first role of a single-valued Role
// attribute in role-first order, so give it one role and leave
// ProviderFirst unset.
package samltest

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	"github.com/assume-role/assume-role/saml"
)

// TestAssertionOptions describes the assertion BuildTestAssertion makes.
type TestAssertionOptions struct {
	// Roles become the values of the Role attribute.
	Roles []saml.Role
	// ProviderFirst writes each value as "providerArn,roleArn" instead of
	// "roleArn,providerArn".
	ProviderFirst bool
	// Audience defaults to "https://signin.aws.amazon.com/saml".
	Audience string
	// NotOnOrAfter is written on SubjectConfirmationData and Conditions;
	// the zero time omits it.
	NotOnOrAfter time.Time
	// IssueInstant defaults to NotOnOrAfter minus one hour, or
	// 2000-01-01T00:00:00Z when NotOnOrAfter is zero.
	IssueInstant time.Time
	// SessionDuration in seconds; 0 omits the attribute.
	SessionDuration int32
	// RoleSessionName defaults to Subject.
	RoleSessionName string
	// Subject is the NameID; it defaults to "user@example.com".
	Subject string
	// Issuer defaults to "https://idp.example.test/saml".
	Issuer string
}

// BuildTestAssertion returns the base64 of an unsigned SAML 2.0 Response
// built from opts.
func BuildTestAssertion(opts TestAssertionOptions) string {
	return base64.StdEncoding.EncodeToString([]byte(BuildTestXML(opts)))
}

// BuildTestXML returns the XML that BuildTestAssertion encodes.
func BuildTestXML(opts TestAssertionOptions) string {
	if opts.Audience == "" {
		opts.Audience = "https://signin.aws.amazon.com/saml"
	}
	if opts.Subject == "" {
		opts.Subject = "user@example.com"
	}
	if opts.RoleSessionName == "" {
		opts.RoleSessionName = opts.Subject
	}
	if opts.Issuer == "" {
		opts.Issuer = "https://idp.example.test/saml"
	}
	if opts.IssueInstant.IsZero() {
		if opts.NotOnOrAfter.IsZero() {
			opts.IssueInstant = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		} else {
			opts.IssueInstant = opts.NotOnOrAfter.Add(-time.Hour)
		}
	}
	instant := opts.IssueInstant.UTC().Format(time.RFC3339)
	notOnOrAfter := ""
	if !opts.NotOnOrAfter.IsZero() {
		notOnOrAfter = fmt.Sprintf(` NotOnOrAfter="%s"`, opts.NotOnOrAfter.UTC().Format(time.RFC3339))
	}

	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w(`<?xml version="1.0" encoding="UTF-8"?>`)
	w(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"`)
	w(` ID="_response" Version="2.0" IssueInstant="%s" Destination="https://signin.aws.amazon.com/saml">`, instant)
	w(`<saml:Issuer>%s</saml:Issuer>`, esc(opts.Issuer))
	w(`<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>`)
	w(`<saml:Assertion ID="_assertion" Version="2.0" IssueInstant="%s">`, instant)
	w(`<saml:Issuer>%s</saml:Issuer>`, esc(opts.Issuer))
	w(`<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">%s</saml:NameID>`, esc(opts.Subject))
	w(`<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">`)
	w(`<saml:SubjectConfirmationData%s Recipient="https://signin.aws.amazon.com/saml"/>`, notOnOrAfter)
	w(`</saml:SubjectConfirmation></saml:Subject>`)
	w(`<saml:Conditions NotBefore="%s"%s>`, instant, notOnOrAfter)
	w(`<saml:AudienceRestriction><saml:Audience>%s</saml:Audience></saml:AudienceRestriction>`, esc(opts.Audience))
	w(`</saml:Conditions>`)
	w(`<saml:AuthnStatement AuthnInstant="%s"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`, instant)
	w(`<saml:AttributeStatement>`)
	w(`<saml:Attribute Name="%s">`, saml.AttrRole)
	for _, r := range opts.Roles {
		v := r.RoleARN + "," + r.PrincipalARN
		if opts.ProviderFirst {
			v = r.PrincipalARN + "," + r.RoleARN
		}
		w(`<saml:AttributeValue>%s</saml:AttributeValue>`, esc(v))
	}
	w(`</saml:Attribute>`)
	w(`<saml:Attribute Name="%s"><saml:AttributeValue>%s</saml:AttributeValue></saml:Attribute>`,
		saml.AttrRoleSessionName, esc(opts.RoleSessionName))
	if opts.SessionDuration != 0 {
		w(`<saml:Attribute Name="%s"><saml:AttributeValue>%d</saml:AttributeValue></saml:Attribute>`,
			saml.AttrSessionDuration, opts.SessionDuration)
	}
	w(`</saml:AttributeStatement></saml:Assertion></samlp:Response>`)
	return b.String()
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
