// Package console turns temporary AWS credentials into an AWS Management
// Console sign-in URL through the AWS federation endpoint: it exchanges the
// credentials for a sign-in token (Action=getSigninToken) and builds the
// Action=login URL that opens the console.
//
// The credentials and the sign-in token are secrets: the returned URL holds
// the token (valid for 15 minutes), and no error produced here contains the
// secret key, the session token or the sign-in token.
package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// DefaultIssuer is the Issuer used when Options.Issuer is empty.
const DefaultIssuer = "assume-role"

// Bounds of Options.SessionDuration when it is set.
const (
	MinSessionDuration = 900 * time.Second
	MaxSessionDuration = 43200 * time.Second
)

// maxResponse bounds what SigninURL reads from the federation endpoint.
const maxResponse = 1 << 20

// ErrLongTermCredentials is wrapped by SigninURL's error when the credentials
// have no session token.
var ErrLongTermCredentials = errors.New("long-term credentials (no session token) cannot sign in to the console: get temporary credentials with GetFederationToken first")

// Options tunes SigninURL. The zero value signs in to the commercial
// partition's console home page.
type Options struct {
	// Endpoint is the federation endpoint. Default: the Partition's, see
	// PartitionEndpoint.
	Endpoint string
	// Destination is the console URL to open after sign-in. Default: the
	// Partition's console home page; with Region set, that region's console
	// (https://REGION.console.aws.amazon.com/console/home?region=REGION in
	// the commercial partition, CONSOLE/console/home?region=REGION in others).
	Destination string
	// Issuer names who built the link. Default: DefaultIssuer.
	Issuer string
	// SessionDuration is the console session length, 900 s to 43200 s
	// (whole seconds); 0 omits it and AWS applies its default (the
	// credentials' remaining life, at most 12 hours; 1 hour for role-chained
	// sessions). It must be 0 for GetFederationToken credentials.
	SessionDuration time.Duration
	// FederationToken says the credentials came from GetFederationToken.
	FederationToken bool
	// HTTPClient makes the getSigninToken request; nil means a zero
	// http.Client. Redirects are never followed.
	HTTPClient *http.Client
	// Partition is "aws" (default), "aws-us-gov" or "aws-cn" and selects the
	// default Endpoint and Destination. When empty it is inferred from Region
	// ("us-gov-*" and "cn-*").
	Partition string
	// Region, when set, makes the default Destination that region's console.
	Region string
}

// PartitionEndpoint returns the federation endpoint and the console URL of an
// AWS partition; "" means "aws". Partitions without a known console return
// two empty strings.
func PartitionEndpoint(partition string) (federation, console string) {
	switch partition {
	case "", "aws":
		return "https://signin.aws.amazon.com/federation", "https://console.aws.amazon.com/"
	case "aws-us-gov":
		return "https://signin.amazonaws-us-gov.com/federation", "https://console.amazonaws-us-gov.com/"
	case "aws-cn":
		return "https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn/"
	}
	return "", ""
}

// SigninURL exchanges creds for a console sign-in token at the federation
// endpoint and returns the login URL. The URL is a secret for as long as the
// token is valid (15 minutes). Options are validated before any request.
func SigninURL(ctx context.Context, creds aws.Credentials, o Options) (string, error) {
	endpoint, destination, err := o.resolve()
	if err != nil {
		return "", err
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		return "", errors.New("no credentials to sign in to the console with")
	}
	if creds.SessionToken == "" {
		return "", ErrLongTermCredentials
	}
	session, err := json.Marshal(struct {
		ID    string `json:"sessionId"`
		Key   string `json:"sessionKey"`
		Token string `json:"sessionToken"`
	}{creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken})
	if err != nil {
		return "", errors.New("the credentials cannot be encoded as JSON")
	}
	secrets := secretForms(string(session), creds.SecretAccessKey, creds.SessionToken)

	q := endpoint.Query()
	q.Set("Action", "getSigninToken")
	if o.SessionDuration != 0 {
		q.Set("SessionDuration", strconv.FormatInt(int64(o.SessionDuration/time.Second), 10))
	}
	q.Set("Session", string(session))
	tokenURL := *endpoint
	tokenURL.RawQuery = q.Encode()
	where := displayURL(endpoint)

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, tokenURL.String(), nil)
	if err != nil {
		return "", fmt.Errorf("building the sign-in token request for %s", where)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client(o.HTTPClient).Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the URL, which holds the credentials
		}
		return "", scrubbed(fmt.Sprintf("requesting a console sign-in token from %s", where), err, secrets)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return "", scrubbed(fmt.Sprintf("reading the answer of %s", where), err, secrets)
	}
	if resp.StatusCode != http.StatusOK {
		hint := ""
		if resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusForbidden {
			hint = ": the credentials may be expired, or SessionDuration too long for them (role-chained sessions allow at most 1 hour)"
		}
		return "", fmt.Errorf("the federation endpoint %s answered %d %s%s",
			where, resp.StatusCode, http.StatusText(resp.StatusCode), hint)
	}
	if len(body) > maxResponse {
		return "", fmt.Errorf("the federation endpoint %s answered more than %d bytes", where, maxResponse)
	}
	var answer struct {
		SigninToken *string
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return "", fmt.Errorf("the federation endpoint %s did not answer the expected JSON", where)
	}
	if answer.SigninToken == nil || *answer.SigninToken == "" {
		return "", fmt.Errorf("the federation endpoint %s answered no SigninToken", where)
	}

	login := url.Values{}
	login.Set("Action", "login")
	login.Set("Issuer", o.issuer())
	login.Set("Destination", destination)
	login.Set("SigninToken", *answer.SigninToken)
	loginURL := *endpoint
	lq := endpoint.Query()
	for k, v := range login {
		lq[k] = v
	}
	loginURL.RawQuery = lq.Encode()
	return loginURL.String(), nil
}

// resolve validates o and returns the endpoint and destination to use.
func (o Options) resolve() (*url.URL, string, error) {
	if o.SessionDuration != 0 {
		if o.FederationToken {
			return nil, "", errors.New("SessionDuration must be omitted for GetFederationToken credentials: their console session lasts as long as the credentials")
		}
		if o.SessionDuration < MinSessionDuration || o.SessionDuration > MaxSessionDuration {
			return nil, "", fmt.Errorf("console SessionDuration %v is out of range: it must be between %v and %v",
				o.SessionDuration, MinSessionDuration, MaxSessionDuration)
		}
		if o.SessionDuration%time.Second != 0 {
			return nil, "", fmt.Errorf("console SessionDuration %v is not a whole number of seconds", o.SessionDuration)
		}
	}
	if o.Region != "" && !validRegion(o.Region) {
		return nil, "", fmt.Errorf("%q is not a valid AWS region name", o.Region)
	}
	partition := o.Partition
	if partition == "" {
		switch {
		case strings.HasPrefix(o.Region, "us-gov-"):
			partition = "aws-us-gov"
		case strings.HasPrefix(o.Region, "cn-"):
			partition = "aws-cn"
		}
	}
	federation, consoleURL := PartitionEndpoint(partition)

	rawEndpoint := o.Endpoint
	if rawEndpoint == "" {
		if federation == "" {
			return nil, "", fmt.Errorf("no console federation endpoint is known for partition %q: set the endpoint explicitly", partition)
		}
		rawEndpoint = federation
	}
	endpoint, err := url.Parse(rawEndpoint)
	if err != nil || endpoint.Host == "" {
		return nil, "", errors.New("the federation endpoint is not an absolute URL")
	}
	endpoint.Fragment = ""
	switch strings.ToLower(endpoint.Scheme) {
	case "https":
	case "http":
		if !isLoopback(endpoint.Hostname()) {
			return nil, "", fmt.Errorf("refusing to send credentials over plain http to %s: the federation endpoint must use https", endpoint.Host)
		}
	default:
		return nil, "", fmt.Errorf("the federation endpoint scheme %q is not https", endpoint.Scheme)
	}

	destination := o.Destination
	if destination == "" {
		if consoleURL == "" {
			return nil, "", fmt.Errorf("no console URL is known for partition %q: set the destination explicitly", partition)
		}
		destination = consoleURL
		if o.Region != "" {
			if partition == "" || partition == "aws" {
				destination = "https://" + o.Region + ".console.aws.amazon.com/"
			}
			destination += "console/home?region=" + o.Region
		}
	} else if d, err := url.Parse(destination); err != nil || !d.IsAbs() || (d.Scheme != "https" && d.Scheme != "http") {
		return nil, "", errors.New("the console destination is not an absolute http(s) URL")
	}
	return endpoint, destination, nil
}

func (o Options) issuer() string {
	if o.Issuer == "" {
		return DefaultIssuer
	}
	return o.Issuer
}

// validRegion accepts region names such as us-east-1 or cn-northwest-1.
func validRegion(r string) bool {
	if len(r) > 32 || r[0] == '-' || r[len(r)-1] == '-' {
		return false
	}
	for _, c := range r {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
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

// client returns a copy of hc that never follows redirects: a redirect of the
// getSigninToken request is reported as a failed status.
func client(hc *http.Client) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// secretForms lists the secrets and their URL- and JSON-escaped forms,
// longest first so that a whole session document is replaced before its parts.
func secretForms(secrets ...string) []string {
	var forms []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		j, _ := json.Marshal(s)
		forms = append(forms, s, url.QueryEscape(s), string(j[1:len(j)-1]))
	}
	sort.Slice(forms, func(i, k int) bool { return len(forms[i]) > len(forms[k]) })
	return forms
}

// scrubbed builds "prefix: err", wrapping err unless its text holds one of the
// secrets, in which case those are replaced and err is not kept.
func scrubbed(prefix string, err error, secrets []string) error {
	msg := err.Error()
	clean := msg
	for _, s := range secrets {
		if s != "" {
			clean = strings.ReplaceAll(clean, s, "[redacted]")
		}
	}
	if clean == msg {
		return fmt.Errorf("%s: %w", prefix, err)
	}
	return fmt.Errorf("%s: %s", prefix, clean)
}
