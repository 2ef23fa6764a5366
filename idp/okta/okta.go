// Package okta signs in at Okta as pyokta-aws and other Okta AWS CLIs do: POST /api/v1/authn
// with the user name and password; on MFA_REQUIRED a factor is verified (a TOTP code, or an Okta
// Verify push polled until approved, rejected or timed out) at /api/v1/authn/factors/{id}/verify;
// the session token then opens the AWS app's embed link (?onetimetoken=…), whose HTML form holds
// the SAMLResponse, read with an HTML parser.
//
// Errors never contain the password, a state or session token or an MFA code.
package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// Keys are the configuration names (Okta's: org_url, app_url, username); each is also read from
// OKTA_<NAME>.
var Keys = []string{"org_url", "app_url", "username", "mfa_process"}

// Factor types this client can verify.
const (
	FactorTOTP = "token:software:totp"
	FactorPush = "push"
)

// Failure classes, for errors.Is.
var (
	ErrPassword        = errors.New("the username or password was refused by Okta")
	ErrLocked          = errors.New("the Okta account is locked")
	ErrCode            = errors.New("the MFA code was refused by Okta")
	ErrPushRejected    = errors.New("the Okta Verify push was rejected")
	ErrPushTimeout     = errors.New("the Okta Verify push was not answered in time")
	ErrAppNotAssigned  = errors.New("no SAML response from Okta for app_url: the app is not assigned to you or app_url is not its embed link")
	ErrNoFactor        = errors.New("none of your Okta factors can be used here (TOTP or Okta Verify push)")
	ErrServer          = errors.New("the Okta sign-in failed")
	ErrPasswordExpired = errors.New("the Okta password has expired")
)

// Error is a failed step.
type Error struct {
	Class   error
	Status  int    // HTTP status, 0 when not from HTTP
	Message string // Okta's errorSummary or status (never a secret)
}

func (e *Error) Error() string {
	switch {
	case e.Message != "" && e.Status != 0:
		return fmt.Sprintf("%s (HTTP %d: %s)", e.Class, e.Status, e.Message)
	case e.Message != "":
		return fmt.Sprintf("%s (%s)", e.Class, e.Message)
	}
	return e.Class.Error()
}

func (e *Error) Unwrap() error { return e.Class }

// Client talks to one Okta org.
type Client struct {
	OrgURL string // https://example.okta.com
	HTTP   *http.Client
}

// Factor is an MFA factor offered on MFA_REQUIRED.
type Factor struct {
	ID         string `json:"id"`
	FactorType string `json:"factorType"`
	Provider   string `json:"provider"`
}

// Supported reports whether this client can verify the factor.
func (f Factor) Supported() bool { return f.FactorType == FactorTOTP || f.FactorType == FactorPush }

// Label names the factor for a picker: "Okta Verify push", "Google Authenticator code".
func (f Factor) Label() string {
	switch f.FactorType {
	case FactorPush:
		return "Okta Verify push"
	case FactorTOTP:
		if strings.EqualFold(f.Provider, "GOOGLE") {
			return "Google Authenticator code"
		}
		return "Okta Verify code"
	}
	return f.FactorType + " (" + f.Provider + ")"
}

// Transaction is the state of an authentication transaction.
type Transaction struct {
	Status       string // SUCCESS, MFA_REQUIRED, MFA_CHALLENGE, LOCKED_OUT, …
	FactorResult string // WAITING, REJECTED, TIMEOUT (push)
	SessionToken string
	StateToken   string
	Factors      []Factor
}

type transaction struct {
	Status       string `json:"status"`
	FactorResult string `json:"factorResult"`
	SessionToken string `json:"sessionToken"`
	StateToken   string `json:"stateToken"`
	Embedded     struct {
		Factors []Factor `json:"factors"`
	} `json:"_embedded"`
}

// Authn starts the transaction with the user name and password.
func (c *Client) Authn(ctx context.Context, username, password string) (*Transaction, error) {
	return c.call(ctx, "/api/v1/authn", map[string]string{"username": username, "password": password}, ErrPassword)
}

// Verify verifies a factor: with a code for TOTP, without for push (the first call sends the push,
// later calls poll it).
func (c *Client) Verify(ctx context.Context, f Factor, stateToken, passCode string) (*Transaction, error) {
	body := map[string]string{"stateToken": stateToken}
	if passCode != "" {
		body["passCode"] = passCode
	}
	return c.call(ctx, "/api/v1/authn/factors/"+url.PathEscape(f.ID)+"/verify", body, ErrCode)
}

func (c *Client) call(ctx context.Context, path string, body any, unauthorized error) (*Transaction, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.OrgURL, "/")+path, bytes.NewReader(b))
	if err != nil {
		return nil, errors.New("bad Okta org_url")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("contacting Okta at %s: %w", req.URL.Host, unwrapURL(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("reading Okta's answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Code    string `json:"errorCode"`
			Summary string `json:"errorSummary"`
		}
		_ = json.Unmarshal(raw, &e)
		msg := strings.Join(strings.Fields(e.Summary), " ")
		if len(msg) > 160 {
			msg = msg[:160] + "…"
		}
		class := ErrServer
		switch {
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || e.Code == "E0000068" || e.Code == "E0000004":
			class = unauthorized
		}
		return nil, &Error{Class: class, Status: resp.StatusCode, Message: msg}
	}
	var t transaction
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, &Error{Class: ErrServer, Status: resp.StatusCode, Message: "the answer is not JSON"}
	}
	tx := &Transaction{Status: t.Status, FactorResult: t.FactorResult, SessionToken: t.SessionToken,
		StateToken: t.StateToken, Factors: t.Embedded.Factors}
	switch tx.Status {
	case "LOCKED_OUT":
		return nil, &Error{Class: ErrLocked, Message: tx.Status}
	case "PASSWORD_EXPIRED":
		return nil, &Error{Class: ErrPasswordExpired, Message: tx.Status}
	}
	switch tx.FactorResult {
	case "REJECTED":
		return nil, &Error{Class: ErrPushRejected}
	case "TIMEOUT":
		return nil, &Error{Class: ErrPushTimeout}
	}
	return tx, nil
}

func (c *Client) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// SAMLResponse opens the app's embed link with the session token and returns the base64
// SAMLResponse of the page's form.
func (c *Client) SAMLResponse(ctx context.Context, appURL, sessionToken string) (string, error) {
	u, err := url.Parse(appURL)
	if err != nil {
		return "", errors.New("bad Okta app_url")
	}
	q := u.Query()
	q.Set("onetimetoken", sessionToken)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", errors.New("bad Okta app_url")
	}
	req.Header.Set("Accept", "text/html")
	resp, err := c.client().Do(req)
	if err != nil {
		return "", fmt.Errorf("contacting Okta at %s: %w", u.Host, unwrapURL(err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusUnauthorized:
		return "", &Error{Class: ErrAppNotAssigned, Status: resp.StatusCode}
	case resp.StatusCode != http.StatusOK:
		return "", &Error{Class: ErrServer, Status: resp.StatusCode}
	}
	v, err := FormValue(io.LimitReader(resp.Body, 4<<20), "SAMLResponse")
	if err != nil {
		return "", fmt.Errorf("reading the app's page: %w", err)
	}
	if v == "" {
		return "", &Error{Class: ErrAppNotAssigned, Status: resp.StatusCode}
	}
	return v, nil
}

// FormValue returns the value of the first <input name=NAME> of an HTML document ("" when
// there is none).
func FormValue(r io.Reader, name string) (string, error) {
	z := html.NewTokenizer(r)
	for {
		switch z.Next() {
		case html.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				return "", nil
			}
			return "", z.Err()
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			if t.Data != "input" {
				continue
			}
			var n, v string
			for _, a := range t.Attr {
				switch strings.ToLower(a.Key) {
				case "name":
					n = a.Val
				case "value":
					v = a.Val
				}
			}
			if n == name {
				return strings.TrimSpace(v), nil
			}
		}
	}
}

func unwrapURL(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return ue.Unwrap()
	}
	return err
}
