package saml

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// fakeIdP answers every request with a fixed status and body, without any network.
type fakeIdP struct {
	status int
	body   []byte
}

func (f fakeIdP) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: f.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(f.body)), Request: r}, nil
}

// FuzzIdPResponse feeds arbitrary IdP answers (status and body) to FetchAssertion: the error is
// one printable line of bounded length that never contains the password.
func FuzzIdPResponse(f *testing.F) {
	f.Add(200, []byte(`{"saml_response": "PHNhbWxwOlJlc3BvbnNlLz4="}`))
	f.Add(401, []byte(`{"message": "wrong password pw\"<9>é secret"}`))
	f.Add(401, []byte(`{"error": {"message": "bad"}}`))
	f.Add(500, []byte(`{"error_description": "line1\nline2\u001b[2J"}`))
	f.Add(302, []byte(`<html>`))
	f.Add(200, []byte(`{"saml_response": 5}`))
	const password = `pw"<9>é secret`
	quoted := strconv.Quote(password)
	quoted = quoted[1 : len(quoted)-1]
	je, _ := json.Marshal(password)
	jsonEscaped := string(je[1 : len(je)-1])
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 || status/100 == 3 || len(body) > 64<<10 {
			return
		}
		hc := &http.Client{Transport: fakeIdP{status, body}}
		a, err := FetchAssertion(context.Background(), hc, IdPRequest{URL: "https://idp.example/saml", Username: "jane", Password: password})
		if err == nil {
			if a == nil || a.Raw == "" {
				t.Fatal("no assertion and no error")
			}
			return
		}
		msg := err.Error()
		if strings.Contains(msg, password) || strings.Contains(msg, quoted) || strings.Contains(msg, jsonEscaped) {
			t.Fatalf("the password is in the error: %q", msg)
		}
		if len(msg) > 600 {
			t.Fatalf("error of %d bytes", len(msg))
		}
		for _, r := range msg {
			if !unicode.IsPrint(r) {
				t.Fatalf("unprintable %q in the error %q", r, msg)
			}
		}
	})
}
