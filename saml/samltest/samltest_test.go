package samltest

import (
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/assume-role/assume-role/saml"
)

func TestBuildTestAssertionRoundTrip(t *testing.T) {
	roles := []saml.Role{
		{RoleARN: "arn:aws:iam::123456789012:role/Dev", PrincipalARN: "arn:aws:iam::123456789012:saml-provider/IdP"},
		{RoleARN: "arn:aws:iam::210987654321:role/path/Ops", PrincipalARN: "arn:aws:iam::210987654321:saml-provider/IdP"},
	}
	exp := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, providerFirst := range []bool{false, true} {
		opts := TestAssertionOptions{
			Roles:           roles,
			ProviderFirst:   providerFirst,
			Audience:        "urn:amazon:webservices",
			NotOnOrAfter:    exp,
			SessionDuration: 7200,
			RoleSessionName: "jane<&>",
			Subject:         "jane@example.com",
		}
		b64 := BuildTestAssertion(opts)
		a, err := saml.ParseAssertion([]byte(b64))
		if err != nil {
			t.Fatal(err)
		}
		if a.Raw != b64 {
			t.Error("Raw differs from the built base64")
		}
		if !reflect.DeepEqual(a.Roles, roles) {
			t.Errorf("Roles = %#v", a.Roles)
		}
		if a.SessionDuration != 7200 || a.RoleSessionName != "jane<&>" || !a.NotOnOrAfter.Equal(exp) ||
			!reflect.DeepEqual(a.Audiences, []string{"urn:amazon:webservices"}) {
			t.Errorf("assertion = %#v", a)
		}
		raw, _ := base64.StdEncoding.DecodeString(b64)
		first := strings.Index(string(raw), "role/Dev")
		provider := strings.Index(string(raw), "saml-provider/IdP")
		if (first < provider) == providerFirst {
			t.Errorf("ProviderFirst=%v not honoured", providerFirst)
		}
	}
}

func TestBuildTestAssertionDefaults(t *testing.T) {
	xml := BuildTestXML(TestAssertionOptions{Roles: []saml.Role{{RoleARN: "arn:aws:iam::1:role/R", PrincipalARN: "arn:aws:iam::1:saml-provider/P"}}})
	for _, want := range []string{
		"<saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified\">user@example.com</saml:NameID>",
		"<saml:Audience>https://signin.aws.amazon.com/saml</saml:Audience>",
		"IssueInstant=\"2000-01-01T00:00:00Z\"",
	} {
		if !strings.Contains(xml, want) {
			t.Errorf("XML lacks %s", want)
		}
	}
	if strings.Contains(xml, "NotOnOrAfter") || strings.Contains(xml, saml.AttrSessionDuration) {
		t.Error("zero fields were written")
	}
	a, err := saml.ParseAssertion([]byte(xml))
	if err != nil {
		t.Fatal(err)
	}
	if a.RoleSessionName != "user@example.com" || a.SessionDuration != 0 || !a.NotOnOrAfter.IsZero() {
		t.Errorf("assertion = %#v", a)
	}
}
