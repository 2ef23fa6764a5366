package okta

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFormValue(t *testing.T) {
	cases := map[string]string{
		`<form><input type="hidden" name="SAMLResponse" value="PHNhbWw+&#x2b;/="/></form>`:               "PHNhbWw++/=",
		`<FORM><INPUT VALUE='abc&amp;d' NAME=SAMLResponse></FORM>`:                                       "abc&d",
		`<input name="RelayState" value="x"><input name="SAMLResponse" value=" ab ">`:                    "ab",
		`<html><body><p>You do not have permission</p></body></html>`:                                    "",
		`<script>var s = '<input name="SAMLResponse" value="fake">';</script><input name="x" value="y">`: "",
	}
	for doc, want := range cases {
		got, err := FormValue(strings.NewReader(doc), "SAMLResponse")
		if err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", doc, got, err, want)
		}
	}
}

func TestErrorsCarryNoSecrets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/authn":
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"errorCode":"E0000004","errorSummary":"Authentication failed"}`))
		default:
			w.WriteHeader(http.StatusForbidden)
		}
	}))
	defer srv.Close()
	c := &Client{OrgURL: srv.URL}
	_, err := c.Authn(context.Background(), "u", "hunter2-secret")
	if !errors.Is(err, ErrPassword) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("%v", err)
	}
	_, err = c.SAMLResponse(context.Background(), srv.URL+"/home/app", "session-token-secret")
	if !errors.Is(err, ErrAppNotAssigned) || strings.Contains(err.Error(), "session-token") {
		t.Fatalf("%v", err)
	}
	srv.Close()
	_, err = c.SAMLResponse(context.Background(), srv.URL+"/home/app", "session-token-secret")
	if err == nil || strings.Contains(err.Error(), "session-token") {
		t.Fatalf("%v", err)
	}
}
