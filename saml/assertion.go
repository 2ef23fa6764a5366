// Package saml reads the SAML responses that AWS accepts in
// sts:AssumeRoleWithSAML and fetches them from an IdP that follows coinbase
// assume-role's JSON contract (POST a templated JSON body with the user's name
// and password, receive {"saml_response": "<base64>"}).
//
// The package does not verify signatures: AWS does that. It only extracts
// what the tool needs to pick a role and to explain failures: the roles the
// assertion grants, the session duration and name it asks for, its expiry and
// its audiences. Assertions, passwords and IdP response bodies are secrets:
// no error produced here contains them.
package saml

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The attribute names AWS reads from a SAML assertion.
const (
	// AttrRole lists the roles granted, each value "roleArn,providerArn".
	AttrRole = "https://aws.amazon.com/SAML/Attributes/Role"
	// AttrRoleSessionName names the session (2–64 characters).
	AttrRoleSessionName = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
	// AttrSessionDuration caps the session length in seconds.
	AttrSessionDuration = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
)

// MaxAssertionSize is the largest decoded SAML document ParseAssertion
// accepts. STS itself takes at most 100,000 base64 characters.
const MaxAssertionSize = 1 << 20

// Role is one value of the https://aws.amazon.com/SAML/Attributes/Role
// attribute: the role to assume and the SAML provider that vouches for it.
type Role struct {
	RoleARN      string
	PrincipalARN string
}

// Assertion is what the tool needs from a SAML response.
type Assertion struct {
	// Raw is the base64 form sent to STS as SAMLAssertion: the bytes the
	// IdP base64-encoded, or the given XML without surrounding whitespace,
	// in standard padded base64 without line breaks. It is a secret:
	// never log it and never put it in an error.
	Raw string
	// Roles are the roles granted, in document order, without duplicates.
	Roles []Role
	// SessionDuration is the SessionDuration attribute in seconds, 0 if absent.
	SessionDuration int32
	// RoleSessionName is the RoleSessionName attribute, "" if absent.
	RoleSessionName string
	// NotOnOrAfter is the earliest NotOnOrAfter of the SubjectConfirmationData
	// and Conditions elements, the zero time if neither has one.
	NotOnOrAfter time.Time
	// Audiences lists the Audience values, without duplicates.
	Audiences []string
}

// ParseAssertion reads a SAML response given either in base64 (standard
// alphabet, padding optional, whitespace and line breaks ignored) or as raw
// XML (a <samlp:Response> or a bare <saml:Assertion>). Elements are matched
// by local name whatever their namespace prefix. Role values may list the role
// and the provider ARN in either order.
//
// Errors describe what is wrong in terms of the SAML structure and AWS
// attribute names only; they never quote the assertion.
func ParseAssertion(data []byte) (*Assertion, error) {
	doc, raw, err := decodeInput(data)
	if err != nil {
		return nil, err
	}
	a, err := parseXML(doc)
	if err != nil {
		return nil, err
	}
	a.Raw = base64.StdEncoding.EncodeToString(raw)
	return a, nil
}

var errNotSAML = errors.New("the SAML assertion is neither base64 nor XML")

// decodeInput returns the XML document held in data, trimmed for parsing,
// and the bytes to send to STS: exactly the decoded bytes for base64 input,
// the XML without surrounding whitespace for XML input.
func decodeInput(data []byte) (doc, raw []byte, err error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(data), []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return nil, nil, errors.New("the SAML assertion is empty")
	}
	if trimmed[0] == '<' {
		if len(trimmed) > MaxAssertionSize {
			return nil, nil, fmt.Errorf("the SAML assertion is larger than %d bytes", MaxAssertionSize)
		}
		return trimmed, trimmed, nil
	}
	if len(trimmed) > MaxAssertionSize*4/3+4096 {
		return nil, nil, fmt.Errorf("the SAML assertion is larger than %d bytes", MaxAssertionSize)
	}
	compact := make([]byte, 0, len(trimmed))
	for _, c := range trimmed {
		switch c {
		case ' ', '\t', '\r', '\n', '\v', '\f':
		default:
			compact = append(compact, c)
		}
	}
	compact = bytes.TrimRight(compact, "=")
	raw = make([]byte, base64.RawStdEncoding.DecodedLen(len(compact)))
	n, err := base64.RawStdEncoding.Decode(raw, compact)
	if err != nil {
		return nil, nil, errNotSAML
	}
	raw = raw[:n]
	doc = bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(raw), []byte("\xef\xbb\xbf")))
	if len(doc) == 0 || doc[0] != '<' {
		return nil, nil, errors.New("the SAML assertion is base64 but does not decode to XML")
	}
	if len(doc) > MaxAssertionSize {
		return nil, nil, fmt.Errorf("the SAML assertion is larger than %d bytes", MaxAssertionSize)
	}
	return doc, raw, nil
}

// parseXML walks the document's tokens and collects the fields of Assertion.
func parseXML(doc []byte) (*Assertion, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	a := &Assertion{}
	var (
		root, sawAssertion, encrypted bool
		roleValues                    []string
		sawRoleAttr                   bool
		sessionDuration               *string
		sessionName                   *string
	)
	seenAudience := map[string]bool{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, xmlError(err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, errors.New("the SAML assertion contains a DTD, which SAML forbids")
		case xml.StartElement:
			if !root {
				root = true
				if t.Name.Local != "Response" && t.Name.Local != "Assertion" {
					return nil, errors.New("the XML is not a SAML Response or Assertion")
				}
			}
			switch t.Name.Local {
			case "Assertion":
				sawAssertion = true
			case "EncryptedAssertion":
				encrypted = true
			case "SubjectConfirmationData", "Conditions":
				if v, ok := attr(t, "NotOnOrAfter"); ok {
					when, err := parseDateTime(v)
					if err != nil {
						return nil, fmt.Errorf("the SAML assertion's %s NotOnOrAfter is not a valid date-time", t.Name.Local)
					}
					if a.NotOnOrAfter.IsZero() || when.Before(a.NotOnOrAfter) {
						a.NotOnOrAfter = when
					}
				}
			case "Audience":
				text, err := readText(d)
				if err != nil {
					return nil, err
				}
				text = strings.TrimSpace(text)
				if text != "" && !seenAudience[text] {
					seenAudience[text] = true
					a.Audiences = append(a.Audiences, text)
				}
			case "Attribute":
				name, _ := attr(t, "Name")
				values, err := readAttributeValues(d)
				if err != nil {
					return nil, err
				}
				switch name {
				case AttrRole:
					sawRoleAttr = true
					roleValues = append(roleValues, values...)
				case AttrSessionDuration:
					if sessionDuration == nil && len(values) > 0 {
						sessionDuration = &values[0]
					}
				case AttrRoleSessionName:
					if sessionName == nil && len(values) > 0 {
						sessionName = &values[0]
					}
				}
			}
		}
	}
	if !root {
		return nil, errNotSAML
	}
	if !sawAssertion {
		if encrypted {
			return nil, errors.New("the SAML assertion is encrypted: configure the IdP to send AWS an unencrypted assertion")
		}
		return nil, errors.New("the SAML response contains no Assertion")
	}
	if !sawRoleAttr {
		return nil, fmt.Errorf("the SAML assertion has no %s attribute: the IdP grants this user no AWS role", AttrRole)
	}
	seenRole := map[Role]bool{}
	for i, v := range roleValues {
		r, err := parseRoleValue(v)
		if err != nil {
			return nil, fmt.Errorf("the SAML assertion's %s value number %d %w", AttrRole, i+1, err)
		}
		if !seenRole[r] {
			seenRole[r] = true
			a.Roles = append(a.Roles, r)
		}
	}
	if sessionDuration != nil {
		n, err := strconv.ParseInt(strings.TrimSpace(*sessionDuration), 10, 32)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("the SAML assertion's %s attribute is not a positive number of seconds", AttrSessionDuration)
		}
		a.SessionDuration = int32(n)
	}
	if sessionName != nil {
		a.RoleSessionName = strings.TrimSpace(*sessionName)
	}
	return a, nil
}

// xmlError turns a decoder error into one that quotes no document content.
func xmlError(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("the SAML assertion is not well-formed XML (line %d)", se.Line)
	}
	return errors.New("the SAML assertion is not well-formed XML")
}

// attr returns the value of the attribute with the given local name.
func attr(t xml.StartElement, local string) (string, bool) {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// readText consumes tokens up to the end of the current element and returns
// all the character data inside it.
func readText(d *xml.Decoder) (string, error) {
	var b strings.Builder
	for depth := 1; depth > 0; {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return "", errors.New("the SAML assertion is truncated")
			}
			return "", xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			b.Write(t)
		case xml.Directive:
			return "", errors.New("the SAML assertion contains a DTD, which SAML forbids")
		}
	}
	return b.String(), nil
}

// readAttributeValues consumes an Attribute element and returns the text of
// its AttributeValue children.
func readAttributeValues(d *xml.Decoder) ([]string, error) {
	var values []string
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return nil, errors.New("the SAML assertion is truncated")
			}
			return nil, xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			text, err := readText(d)
			if err != nil {
				return nil, err
			}
			if t.Name.Local == "AttributeValue" {
				values = append(values, text)
			}
		case xml.EndElement:
			return values, nil
		case xml.Directive:
			return nil, errors.New("the SAML assertion contains a DTD, which SAML forbids")
		}
	}
}

// parseRoleValue splits "roleArn,providerArn" (either order). Its errors
// complete the sentence "the assertion's Role value number N …".
func parseRoleValue(v string) (Role, error) {
	parts := strings.Split(v, ",")
	if len(parts) != 2 {
		return Role{}, errors.New(`is not a "role ARN,provider ARN" pair`)
	}
	a, b := strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1])
	switch {
	case isRoleARN(a) && isProviderARN(b):
		return Role{RoleARN: a, PrincipalARN: b}, nil
	case isProviderARN(a) && isRoleARN(b):
		return Role{RoleARN: b, PrincipalARN: a}, nil
	}
	return Role{}, errors.New("does not hold one role ARN and one saml-provider ARN")
}

func isRoleARN(s string) bool {
	return strings.HasPrefix(s, "arn:") && strings.Contains(s, ":role/") && utf8.ValidString(s)
}

func isProviderARN(s string) bool {
	return strings.HasPrefix(s, "arn:") && strings.Contains(s, ":saml-provider/") && utf8.ValidString(s)
}

// parseDateTime reads an xs:dateTime; SAML requires UTC, and a value without
// a zone is taken as UTC.
func parseDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	return time.Parse("2006-01-02T15:04:05.999999999", s)
}
