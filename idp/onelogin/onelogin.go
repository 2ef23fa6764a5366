// Package onelogin signs in at OneLogin's API as OneLogin's own AWS CLI does: an OAuth2
// client-credentials token (POST /auth/oauth2/v2/token), then POST /api/2/saml_assertion with the
// user's name and password, and, when MFA is required, POST /api/2/saml_assertion/verify_factor
// with the chosen device and its code. The result is the base64 SAMLResponse for AWS.
//
// Errors never contain the password, the client secret, the access token or an MFA code.
package onelogin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Keys are the configuration names, OneLogin's own (as in onelogin-aws-cli's configuration); each
// is also read from ONELOGIN_<NAME>.
var Keys = []string{"client_id", "client_secret", "region", "api_url", "subdomain", "app_id", "ip", "username", "mfa_process"}

// APIURL is the API base URL of a region ("us" or "eu").
func APIURL(region string) (string, error) {
	switch strings.ToLower(region) {
	case "", "us":
		return "https://api.us.onelogin.com", nil
	case "eu":
		return "https://api.eu.onelogin.com", nil
	}
	return "", fmt.Errorf("region %q is not us or eu", region)
}

// Failure classes, for errors.Is.
var (
	ErrClientCredentials = errors.New("OneLogin refused the API credentials (client_id, client_secret)")
	ErrPassword          = errors.New("OneLogin refused the username or password")
	ErrLocked            = errors.New("the OneLogin account is locked")
	ErrCode              = errors.New("OneLogin refused the MFA code")
	ErrAppNotAssigned    = errors.New("the OneLogin app is not assigned to this user or does not exist")
	ErrServer            = errors.New("OneLogin failed")
)

// Error is an answer of the API that is not a success.
type Error struct {
	Class   error  // one of the Err… values
	Status  int    // HTTP status
	Message string // OneLogin's message, shortened (never a secret we sent)
}

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s (HTTP %d)", e.Class, e.Status)
	}
	return fmt.Sprintf("%s (HTTP %d: %s)", e.Class, e.Status, e.Message)
}

func (e *Error) Unwrap() error { return e.Class }

// Client talks to one OneLogin API.
type Client struct {
	BaseURL string // e.g. https://api.us.onelogin.com
	HTTP    *http.Client
	token   string
}

// Device is an MFA device offered for the sign-in.
type Device struct {
	ID   string `json:"device_id"`
	Type string `json:"device_type"`
}

// UnmarshalJSON accepts device_id as a number or a string.
func (d *Device) UnmarshalJSON(b []byte) error {
	var raw struct {
		ID   json.RawMessage `json:"device_id"`
		Type string          `json:"device_type"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	d.ID, d.Type = strings.Trim(string(raw.ID), `"`), raw.Type
	return nil
}

// Assertion is the answer of saml_assertion: either the SAML response, or an MFA challenge.
type Assertion struct {
	SAML       string   // base64 SAMLResponse, when no MFA is required
	StateToken string   // MFA: the token for verify_factor
	Devices    []Device // MFA: the devices to choose from
}

// AssertionRequest is the body of saml_assertion.
type AssertionRequest struct {
	UsernameOrEmail string `json:"username_or_email"`
	Password        string `json:"password"`
	AppID           string `json:"app_id"`
	Subdomain       string `json:"subdomain"`
	IPAddress       string `json:"ip_address,omitempty"`
}

// Authenticate gets an access token with the API credentials.
func (c *Client) Authenticate(ctx context.Context, clientID, clientSecret string) error {
	var out struct {
		AccessToken string `json:"access_token"`
	}
	hdr := map[string]string{"Authorization": "client_id:" + clientID + ", client_secret:" + clientSecret}
	status, msg, err := c.post(ctx, "/auth/oauth2/v2/token", hdr, map[string]string{"grant_type": "client_credentials"}, &out)
	if err != nil {
		return err
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusBadRequest || status == http.StatusForbidden:
		return &Error{Class: ErrClientCredentials, Status: status, Message: msg}
	case status != http.StatusOK:
		return &Error{Class: ErrServer, Status: status, Message: msg}
	case out.AccessToken == "":
		return &Error{Class: ErrServer, Status: status, Message: "no access_token in the answer"}
	}
	c.token = out.AccessToken
	return nil
}

// SAMLAssertion asks for the assertion of an app.
func (c *Client) SAMLAssertion(ctx context.Context, r AssertionRequest) (*Assertion, error) {
	var out struct {
		Data       json.RawMessage `json:"data"`
		StateToken string          `json:"state_token"`
		Devices    []Device        `json:"devices"`
	}
	status, msg, err := c.post(ctx, "/api/2/saml_assertion", c.bearer(), r, &out)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, classify(status, msg, ErrPassword)
	}
	if out.StateToken != "" {
		if len(out.Devices) == 0 {
			return nil, &Error{Class: ErrServer, Status: status, Message: "MFA is required but no device is registered"}
		}
		return &Assertion{StateToken: out.StateToken, Devices: out.Devices}, nil
	}
	var data string
	if json.Unmarshal(out.Data, &data) != nil || data == "" {
		return nil, &Error{Class: ErrServer, Status: status, Message: "no SAML assertion in the answer"}
	}
	return &Assertion{SAML: data}, nil
}

// VerifyRequest is the body of verify_factor.
type VerifyRequest struct {
	AppID      string `json:"app_id"`
	DeviceID   string `json:"device_id"`
	StateToken string `json:"state_token"`
	OTPToken   string `json:"otp_token,omitempty"`
}

// VerifyFactor sends the MFA code and returns the SAML response.
func (c *Client) VerifyFactor(ctx context.Context, r VerifyRequest) (string, error) {
	var out struct {
		Data json.RawMessage `json:"data"`
	}
	status, msg, err := c.post(ctx, "/api/2/saml_assertion/verify_factor", c.bearer(), r, &out)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", classify(status, msg, ErrCode)
	}
	var data string
	if json.Unmarshal(out.Data, &data) != nil || data == "" {
		return "", &Error{Class: ErrCode, Status: status, Message: firstNonEmpty(msg, "no SAML assertion in the answer")}
	}
	return data, nil
}

func (c *Client) bearer() map[string]string {
	return map[string]string{"Authorization": "Bearer " + c.token}
}

// classify turns a refusal into an Error; unauthorized is the class of a plain 401.
func classify(status int, msg string, unauthorized error) *Error {
	low := strings.ToLower(msg)
	e := &Error{Status: status, Message: msg}
	switch {
	case strings.Contains(low, "lock"):
		e.Class = ErrLocked
	case strings.Contains(low, "app") || status == http.StatusNotFound:
		e.Class = ErrAppNotAssigned
	case status == http.StatusUnauthorized || status == http.StatusBadRequest || status == http.StatusForbidden:
		e.Class = unauthorized
	default:
		e.Class = ErrServer
	}
	return e
}

// post sends a JSON body and decodes a JSON answer; msg is OneLogin's message on failure.
func (c *Client) post(ctx context.Context, path string, hdr map[string]string, body, out any) (status int, msg string, err error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.BaseURL, "/")+path, bytes.NewReader(b))
	if err != nil {
		return 0, "", fmt.Errorf("bad OneLogin API URL")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	client := c.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("contacting OneLogin at %s: %w", req.URL.Host, unwrapURL(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, "", fmt.Errorf("reading OneLogin's answer: %w", err)
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, out); err != nil {
			return 0, "", &Error{Class: ErrServer, Status: resp.StatusCode, Message: "the answer is not JSON"}
		}
		return resp.StatusCode, "", nil
	}
	return resp.StatusCode, apiMessage(raw), nil
}

// apiMessage extracts OneLogin's error message (v2: {"message": …}; v1: {"status": {"message": …}}).
func apiMessage(raw []byte) string {
	var v struct {
		Message any `json:"message"`
		Status  struct {
			Message string `json:"message"`
		} `json:"status"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(raw, &v)
	msg := v.Status.Message
	if s, ok := v.Message.(string); ok && s != "" {
		msg = s
	}
	msg = firstNonEmpty(msg, v.Description)
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > 160 {
		msg = msg[:160] + "…"
	}
	return msg
}

func unwrapURL(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return ue.Unwrap()
	}
	return err
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
