package saml

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustParse(t *testing.T, data []byte) *Assertion {
	t.Helper()
	a, err := ParseAssertion(data)
	if err != nil {
		t.Fatalf("ParseAssertion: %v", err)
	}
	return a
}

var oktaRoles = []Role{
	{RoleARN: "arn:aws:iam::111111111111:role/Admin", PrincipalARN: "arn:aws:iam::111111111111:saml-provider/Okta"},
	{RoleARN: "arn:aws:iam::222222222222:role/Admin", PrincipalARN: "arn:aws:iam::222222222222:saml-provider/Okta"},
	{RoleARN: "arn:aws:iam::222222222222:role/team/ReadOnly", PrincipalARN: "arn:aws:iam::222222222222:saml-provider/Okta"},
}

func TestParseAssertionOktaXML(t *testing.T) {
	xmlDoc := readFixture(t, "okta_response.xml")
	a := mustParse(t, xmlDoc)
	if !reflect.DeepEqual(a.Roles, oktaRoles) {
		t.Errorf("Roles = %#v, want %#v", a.Roles, oktaRoles)
	}
	if a.SessionDuration != 28800 {
		t.Errorf("SessionDuration = %d, want 28800", a.SessionDuration)
	}
	if a.RoleSessionName != "jane@example.com" {
		t.Errorf("RoleSessionName = %q", a.RoleSessionName)
	}
	// SubjectConfirmationData (10:05) is earlier than Conditions (10:10).
	want := time.Date(2026, 11, 21, 10, 5, 0, 123e6, time.UTC)
	if !a.NotOnOrAfter.Equal(want) {
		t.Errorf("NotOnOrAfter = %v, want %v", a.NotOnOrAfter, want)
	}
	if got := []string{"urn:amazon:webservices", "https://signin.aws.amazon.com/saml"}; !reflect.DeepEqual(a.Audiences, got) {
		t.Errorf("Audiences = %q, want %q", a.Audiences, got)
	}
	// Raw is the base64 of the document, which is what STS wants.
	raw, err := base64.StdEncoding.DecodeString(a.Raw)
	if err != nil {
		t.Fatalf("Raw is not base64: %v", err)
	}
	if !bytes.Equal(raw, bytes.TrimSpace(xmlDoc)) {
		t.Error("Raw does not decode to the input document")
	}
}

func TestParseAssertionBase64WithLineBreaks(t *testing.T) {
	b64 := readFixture(t, "okta_response.b64")
	if !bytes.Contains(b64, []byte("\n")) {
		t.Fatal("fixture should be wrapped")
	}
	a := mustParse(t, b64)
	xmlDoc := readFixture(t, "okta_response.xml")
	fromXML := mustParse(t, xmlDoc)
	// Raw holds exactly the bytes the base64 encoded, trailing newline included.
	if want := base64.StdEncoding.EncodeToString(xmlDoc); a.Raw != want {
		t.Error("Raw is not the base64 of the exact decoded bytes")
	}
	fromXML.Raw = a.Raw
	if !reflect.DeepEqual(a, fromXML) {
		t.Errorf("base64 and XML parse differently:\n%#v\n%#v", a, fromXML)
	}
	if strings.ContainsAny(a.Raw, " \r\n") {
		t.Error("Raw keeps whitespace")
	}

	// Unpadded, CRLF-wrapped and indented forms give the same result.
	compact := strings.Join(strings.Fields(string(b64)), "")
	variants := map[string]string{
		"unpadded": strings.TrimRight(compact, "="),
		"crlf":     strings.ReplaceAll(string(b64), "\n", "\r\n"),
		"spaces":   "  " + strings.ReplaceAll(string(b64), "\n", " \t") + "\n\n",
	}
	for name, v := range variants {
		got, err := ParseAssertion([]byte(v))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got.Raw != a.Raw || !reflect.DeepEqual(got.Roles, a.Roles) {
			t.Errorf("%s: differs from the wrapped form", name)
		}
	}
}

func TestParseAssertionBareAssertionDefaultNamespace(t *testing.T) {
	a := mustParse(t, readFixture(t, "bare_assertion.xml"))
	want := []Role{{RoleARN: "arn:aws:iam::333333333333:role/ADFS-Dev", PrincipalARN: "arn:aws:iam::333333333333:saml-provider/ADFS"}}
	if !reflect.DeepEqual(a.Roles, want) {
		t.Errorf("Roles = %#v", a.Roles)
	}
	if a.SessionDuration != 0 {
		t.Errorf("SessionDuration = %d, want 0 when absent", a.SessionDuration)
	}
	if a.RoleSessionName != "jdoe" {
		t.Errorf("RoleSessionName = %q", a.RoleSessionName)
	}
	if want := time.Date(2026, 11, 21, 11, 0, 0, 0, time.UTC); !a.NotOnOrAfter.Equal(want) {
		t.Errorf("NotOnOrAfter = %v", a.NotOnOrAfter)
	}
}

func TestParseAssertionMinimal(t *testing.T) {
	doc := `<Response><Assertion><Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">` +
		`<AttributeValue>arn:aws:iam::1:role/R,arn:aws:iam::1:saml-provider/P</AttributeValue>` +
		`<AttributeValue>arn:aws:iam::1:saml-provider/P,arn:aws:iam::1:role/R</AttributeValue>` + // duplicate, other order
		`</Attribute></Assertion></Response>`
	a := mustParse(t, []byte(doc))
	if len(a.Roles) != 1 {
		t.Errorf("duplicates not removed: %#v", a.Roles)
	}
	if !a.NotOnOrAfter.IsZero() || a.RoleSessionName != "" || a.Audiences != nil {
		t.Errorf("absent fields not zero: %#v", a)
	}
}

func TestParseAssertionErrors(t *testing.T) {
	okta := readFixture(t, "okta_response.xml")
	oktaB64 := []byte(base64.StdEncoding.EncodeToString(okta))
	tests := []struct {
		name  string
		input []byte
		want  string
	}{
		{"empty", nil, "empty"},
		{"blank", []byte(" \n\t"), "empty"},
		{"garbage", []byte("hello, world!"), "neither base64 nor XML"},
		{"base64 of text", []byte(base64.StdEncoding.EncodeToString([]byte("not xml at all"))), "does not decode to XML"},
		{"truncated XML", okta[:len(okta)/2], "not well-formed XML"},
		{"truncated base64", oktaB64[:len(oktaB64)/2], "XML"},
		{"not SAML", []byte("<html><body>Sign in</body></html>"), "not a SAML Response"},
		{"response without assertion", []byte(`<samlp:Response xmlns:samlp="urn:x"/>`), "contains no Assertion"},
		{"encrypted", readFixture(t, "encrypted.xml"), "encrypted"},
		{"no roles", readFixture(t, "no_roles.xml"), "has no https://aws.amazon.com/SAML/Attributes/Role attribute"},
		{"bad role value", readFixture(t, "bad_role.xml"), "Role value number 2"},
		{"bad duration", readFixture(t, "bad_duration.xml"), "SessionDuration attribute is not a positive number"},
		{"doctype", readFixture(t, "doctype.xml"), "DTD"},
		{"bad date", []byte(`<Assertion><Conditions NotOnOrAfter="SECRET-tomorrow"/></Assertion>`), "Conditions NotOnOrAfter is not a valid date-time"},
		{"unknown entity", []byte(`<Assertion>&SECRET;</Assertion>`), "not well-formed XML"},
		{"latin1", []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><Assertion/>`), "not well-formed XML"},
		{"too large", append([]byte("<Assertion>"), bytes.Repeat([]byte("x"), MaxAssertionSize)...), "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseAssertion(tt.input)
			if err == nil {
				t.Fatalf("no error, got %#v", a)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			for _, secret := range []string{"SECRET", "arn:", "jane", "lol", "Sign in"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q quotes assertion content %q", err, secret)
				}
			}
		})
	}
}

// FuzzParseAssertion starts from small seeds only: the fuzzer minimises every new interesting
// input, at a cost that grows with its size, and with the 4 KB Okta fixtures (which the unit tests
// cover) a short CI run spent its whole budget minimising one input. Inputs over 16 KB (the
// parser's cost is linear) are not explored.
func FuzzParseAssertion(f *testing.F) {
	for _, name := range []string{"bare_assertion.xml", "encrypted.xml", "no_roles.xml", "bad_role.xml", "doctype.xml"} {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte(base64.StdEncoding.EncodeToString(readFixture(f, "bad_role.xml"))))
	f.Add([]byte("<"))
	f.Add([]byte("PA=="))
	f.Add([]byte(`<Assertion><Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><AttributeValue>a,b</AttributeValue></Attribute></Assertion>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 16<<10 {
			return
		}
		a, err := ParseAssertion(data)
		if err != nil {
			if a != nil {
				t.Fatal("non-nil assertion with an error")
			}
			return
		}
		if len(a.Roles) == 0 && a.Roles != nil {
			t.Fatal("empty non-nil roles")
		}
		if _, err := base64.StdEncoding.DecodeString(a.Raw); err != nil {
			t.Fatalf("Raw is not base64: %v", err)
		}
		for _, r := range a.Roles {
			if !strings.Contains(r.RoleARN, ":role/") || !strings.Contains(r.PrincipalARN, ":saml-provider/") {
				t.Fatalf("bad role %#v", r)
			}
		}
		_, _ = a.ChooseRole("")
		_, _ = a.ChooseRole("123456789012/x")
	})
}
