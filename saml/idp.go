package saml

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// DefaultTemplate is coinbase assume-role's default
// SAML_IDP_REQUEST_BODY_TEMPLATE; FetchAssertion uses it when
// IdPRequest.Template is empty.
const DefaultTemplate = `{"service": "aws", "email": "$saml_user", "password": "$saml_password"}`

// maxIdPResponse bounds what FetchAssertion reads from the IdP.
const maxIdPResponse = 4 << 20

// ErrInsecureIdP is wrapped by FetchAssertion's error when it refuses to send
// the password over plain http to a host that is not loopback.
var ErrInsecureIdP = errors.New("refusing to send the password over plain http to an IdP that is not on this machine")

// ErrIdPRejected is wrapped by FetchAssertion's error when the IdP answers
// 401 or 403: the username or password is wrong.
var ErrIdPRejected = errors.New("the IdP rejected the sign-in")

// IdPRequest describes one sign-in at an IdP that speaks coinbase
// assume-role's contract: POST a JSON body, receive {"saml_response": …}.
type IdPRequest struct {
	// URL is the IdP's endpoint (SAML_IDP_ASSERTION_URL).
	URL string
	// Template is the JSON request body with $saml_user and $saml_password
	// placeholders (SAML_IDP_REQUEST_BODY_TEMPLATE); "" means DefaultTemplate.
	Template string
	// Username is substituted for $saml_user.
	Username string
	// Password is substituted for $saml_password. It is never logged or
	// echoed.
	Password string
	// AllowInsecure permits plain http to hosts other than loopback
	// (--allow-insecure-idp).
	AllowInsecure bool
}

// FetchAssertion signs in at the IdP and parses the SAML assertion it returns.
// It POSTs RenderBody(Template, Username, Password) with JSON content type and
// accept headers through hc (nil means a zero http.Client, whose redirect
// policy is kept), bounded by ctx. Plain http is refused, also on redirects,
// unless the host is loopback or AllowInsecure is set; a redirect that would
// resend the body (307/308) to another host is refused.
//
// Errors never contain the password, the request body or any of the response
// body: for a failed status they may name a reason in our own words, chosen
// from a short allow-list by the words of the IdP's JSON "message" or "error"
// (IdPs echo the request, and so the password, in their errors).
func FetchAssertion(ctx context.Context, hc *http.Client, r IdPRequest) (*Assertion, error) {
	u, err := checkIdPURL(r.URL, r.AllowInsecure)
	if err != nil {
		return nil, err
	}
	where := displayURL(u)
	template := r.Template
	if template == "" {
		template = DefaultTemplate
	}
	body, err := RenderBody(template, r.Username, r.Password)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("building the request to the IdP at %s: %w", where, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")

	resp, err := idpClient(hc, r.AllowInsecure).Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("contacting the IdP at %s: %w", where, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxIdPResponse+1))
	if err != nil {
		return nil, fmt.Errorf("reading the answer of the IdP at %s: %w", where, err)
	}
	if len(data) > maxIdPResponse {
		return nil, fmt.Errorf("the IdP at %s answered more than %d bytes", where, maxIdPResponse)
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		says := ""
		if m := idpMessage(data); m != "" {
			says = fmt.Sprintf(" (the IdP says %q)", m)
		}
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			return nil, fmt.Errorf("%w (%d): check your username and password%s", ErrIdPRejected, resp.StatusCode, says)
		}
		return nil, fmt.Errorf("the IdP at %s answered %d %s%s",
			where, resp.StatusCode, http.StatusText(resp.StatusCode), says)
	}

	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("the IdP's response is not a JSON object (from %s)", where)
	}
	var samlResponse string
	if raw, ok := fields["saml_response"]; ok {
		if err := json.Unmarshal(raw, &samlResponse); err != nil {
			samlResponse = ""
		}
	}
	if strings.TrimSpace(samlResponse) == "" {
		return nil, fmt.Errorf("the IdP's response has no saml_response (from %s)", where)
	}
	a, err := ParseAssertion([]byte(samlResponse))
	if err != nil {
		return nil, fmt.Errorf("the IdP's saml_response is unusable: %w", err)
	}
	return a, nil
}

// checkIdPURL parses raw and applies the transport policy.
func checkIdPURL(raw string, allowInsecure bool) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, errors.New("no IdP URL is configured (SAML_IDP_ASSERTION_URL)")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, errors.New("the IdP URL is not an absolute http(s) URL")
	}
	if err := allowedTarget(u, allowInsecure); err != nil {
		return nil, err
	}
	return u, nil
}

// allowedTarget enforces https, or http to loopback, or http anywhere when
// allowInsecure.
func allowedTarget(u *url.URL, allowInsecure bool) error {
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if allowInsecure || isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%w (%s): use an https URL, or allow it with --allow-insecure-idp", ErrInsecureIdP, u.Host)
	default:
		return fmt.Errorf("the IdP URL scheme %q is not http or https", u.Scheme)
	}
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// displayURL is the URL without credentials, query or fragment.
func displayURL(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return v.String()
}

// idpClient returns a copy of hc whose redirect policy also applies
// allowedTarget and refuses to resend the body to another host.
func idpClient(hc *http.Client, allowInsecure bool) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	}
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := allowedTarget(req.URL, allowInsecure); err != nil {
			return fmt.Errorf("refusing the IdP's redirect: %w", err)
		}
		if req.Response != nil && len(via) > 0 &&
			(req.Response.StatusCode == http.StatusTemporaryRedirect || req.Response.StatusCode == http.StatusPermanentRedirect) &&
			!strings.EqualFold(req.URL.Host, via[0].URL.Host) {
			return fmt.Errorf("refusing the IdP's redirect to another host (%s): it would resend the password", req.URL.Host)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}

// idpReasons are the only words of an IdP's error message ever shown: the
// first phrase whose keywords the message contains is printed, in our words.
// The message itself never is: IdPs echo the request, and so the password,
// JSON-escaped or otherwise transformed, in their errors.
var idpReasons = []struct {
	keywords []string // all present, in lower case
	phrase   string
}{
	{[]string{"locked"}, "account locked"},
	{[]string{"disabled"}, "account disabled"},
	{[]string{"suspended"}, "account suspended"},
	{[]string{"password", "expired"}, "password expired"},
	{[]string{"mfa"}, "multi-factor authentication required"},
	{[]string{"factor"}, "multi-factor authentication required"},
	{[]string{"too many"}, "too many attempts"},
	{[]string{"rate limit"}, "too many attempts"},
	{[]string{"invalid username or password"}, "invalid username or password"},
	{[]string{"invalid credentials"}, "invalid username or password"},
	{[]string{"incorrect"}, "invalid username or password"},
	{[]string{"authentication failed"}, "invalid username or password"},
	{[]string{"not found"}, "unknown user"},
	{[]string{"unavailable"}, "unavailable"},
	{[]string{"maintenance"}, "unavailable"},
	{[]string{"timeout"}, "timed out"},
	{[]string{"timed out"}, "timed out"},
}

// idpMessage returns the allow-listed phrase (idpReasons) matching a JSON
// error body's "message", "error" or "error_description", or "" when there is
// none. Nothing of the body is ever returned.
func idpMessage(body []byte) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return ""
	}
	var msgs []string
	for _, key := range []string{"message", "error", "error_description"} {
		raw, ok := fields[key]
		if !ok {
			continue
		}
		var msg string
		var nested struct {
			Message string `json:"message"`
		}
		switch {
		case json.Unmarshal(raw, &msg) == nil:
		case json.Unmarshal(raw, &nested) == nil:
			msg = nested.Message
		}
		msgs = append(msgs, strings.ToLower(msg))
	}
	for _, r := range idpReasons {
		for _, m := range msgs {
			if containsAll(m, r.keywords) {
				return r.phrase
			}
		}
	}
	return ""
}

func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// RenderBody substitutes user for $saml_user / ${saml_user} and password for
// $saml_password / ${saml_password} in a JSON template. Each value is
// JSON-string-escaped: inside a JSON string literal ("$saml_password") the
// escaped text is inserted without quotes, elsewhere a complete JSON string is
// inserted. A bare placeholder followed by a letter, digit or underscore
// ($saml_username) is not a placeholder, as in the shell. The template must
// render to valid JSON; the error never shows the password.
func RenderBody(template, user, password string) ([]byte, error) {
	if !utf8.ValidString(user) {
		return nil, errors.New("the SAML username is not valid UTF-8")
	}
	if !utf8.ValidString(password) {
		return nil, errors.New("the SAML password is not valid UTF-8")
	}
	if !json.Valid(render(template, "", "")) {
		return nil, errors.New("the IdP request body template (SAML_IDP_REQUEST_BODY_TEMPLATE) is not valid JSON")
	}
	out := render(template, user, password)
	if !json.Valid(out) {
		// Unreachable when escaping is right; kept as a last line of defence.
		return nil, errors.New("the IdP request body template did not render to valid JSON")
	}
	return out, nil
}

// render performs the substitution without validating the result.
func render(template, user, password string) []byte {
	var b bytes.Buffer
	inString := false
	for i := 0; i < len(template); {
		c := template[i]
		switch {
		case inString && c == '\\':
			end := min(i+2, len(template))
			b.WriteString(template[i:end])
			i = end
			continue
		case c == '"':
			inString = !inString
		case c == '$':
			if value, n, ok := placeholder(template[i:], user, password); ok {
				enc, _ := json.Marshal(value) // a valid UTF-8 string always marshals
				if inString {
					enc = enc[1 : len(enc)-1]
				}
				b.Write(enc)
				i += n
				continue
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.Bytes()
}

// placeholder reports whether s starts with a placeholder, its value and its
// length.
func placeholder(s, user, password string) (string, int, bool) {
	for _, p := range []struct{ name, value string }{
		{"saml_password", password},
		{"saml_user", user},
	} {
		if braced := "${" + p.name + "}"; strings.HasPrefix(s, braced) {
			return p.value, len(braced), true
		}
		bare := "$" + p.name
		if strings.HasPrefix(s, bare) && (len(s) == len(bare) || !isIdentByte(s[len(bare)])) {
			return p.value, len(bare), true
		}
	}
	return "", 0, false
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
