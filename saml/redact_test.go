package saml_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/assume-role/assume-role/saml"
)

// Issue 14, defect 11: an IdP that echoes the request (so the password, JSON-escaped) in its
// error message never gets it printed: only a short allow-listed phrase is.
func TestIdPErrorBodyNeverEchoed(t *testing.T) {
	const password = `pa"ss\wörd<&>` + "\t!"
	escaped, _ := json.Marshal(password)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		status := http.StatusUnauthorized
		if strings.HasSuffix(r.URL.Path, "/500") {
			status = http.StatusInternalServerError
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		msg := "invalid username or password in request " + string(body)
		if strings.HasSuffix(r.URL.Path, "/unknown") {
			msg = "frobnicated " + string(body)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"message": msg, "error": map[string]string{"message": msg}})
	}))
	defer srv.Close()
	for _, path := range []string{"/401", "/500", "/unknown"} {
		req := saml.IdPRequest{URL: srv.URL + path, Username: "alice", Password: password}
		_, err := saml.FetchAssertion(context.Background(), srv.Client(), req)
		if err == nil {
			t.Fatal("no error")
		}
		msg := err.Error()
		t.Logf("%s: %s", path, msg)
		for _, leak := range []string{password, string(escaped), strings.Trim(string(escaped), `"`), `pa\"ss`, "ss\\\\w", "alice", "request"} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s: error %q shows %q from the IdP's body", path, msg, leak)
			}
		}
		if path != "/unknown" && !strings.Contains(msg, `the IdP says "invalid username or password"`) {
			t.Errorf("%s: error %q lacks the allow-listed reason", path, msg)
		}
	}
}
