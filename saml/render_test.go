package saml

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

var trickyPasswords = []string{
	"plain",
	"",
	`quote"inside`,
	`back\slash`,
	`escaped\"quote`,
	`"}, "admin": true, "x": "`,
	`$saml_user`,
	`${saml_password}`,
	"new\nline\r\ttab",
	"nul\x00byte\x1f",
	"ünïcödé 密码",
	"emoji 🔑🙂",
	"</script><script>alert(1)</script>",
	"\u2028\u2029",
	`\`,
	`\\"`,
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestRenderBodyDefaultTemplate(t *testing.T) {
	for _, pw := range trickyPasswords {
		for _, user := range []string{"jane@example.com", `ja"ne\`, pw} {
			body, err := RenderBody(DefaultTemplate, user, pw)
			if err != nil {
				t.Fatalf("RenderBody(%q): %v", pw, err)
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("rendered body is not JSON for %q: %v", pw, err)
			}
			if k := keys(got); !reflect.DeepEqual(k, []string{"email", "password", "service"}) {
				t.Errorf("keys = %q for password %q: injection", k, pw)
			}
			if got["password"] != pw || got["email"] != user || got["service"] != "aws" {
				t.Errorf("round trip failed for %q/%q: %#v", user, pw, got)
			}
		}
	}
}

func TestRenderBodyPlaceholderForms(t *testing.T) {
	const user, pw = `u"ser`, `p\a"ss`
	tests := []struct {
		name     string
		template string
		want     any
	}{
		{"braced in string", `{"u": "${saml_user}", "p": "${saml_password}"}`,
			map[string]any{"u": user, "p": pw}},
		{"outside quotes", `{"u": $saml_user, "p": ${saml_password}, "list": [$saml_password,$saml_user]}`,
			map[string]any{"u": user, "p": pw, "list": []any{pw, user}}},
		{"embedded in text", `{"auth": "user=$saml_user;pass=${saml_password}!"}`,
			map[string]any{"auth": "user=" + user + ";pass=" + pw + "!"}},
		{"after an escaped quote", `{"p": "\"$saml_password\"", "q": "\\$saml_user"}`,
			map[string]any{"p": `"` + pw + `"`, "q": `\` + user}},
		{"in a key", `{"$saml_user": 1}`, map[string]any{user: 1.0}},
		{"longer identifier is not a placeholder", `{"u": "$saml_username", "p": "$saml_password_x"}`,
			map[string]any{"u": "$saml_username", "p": "$saml_password_x"}},
		{"no placeholder", `{"static": true}`, map[string]any{"static": true}},
		{"top-level string", `$saml_password`, pw},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := RenderBody(tt.template, user, pw)
			if err != nil {
				t.Fatal(err)
			}
			var got any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestRenderBodyErrors(t *testing.T) {
	const pw = "hunter2-SECRET"
	for _, tmpl := range []string{
		`{"p": "$saml_password"`,
		`{"p": $saml_password,}`,
		`{'p': '$saml_password'}`,
		`p=$saml_password`,
		``,
		`{"p": "$saml_password"} trailing`,
	} {
		_, err := RenderBody(tmpl, "user", pw)
		if err == nil {
			t.Errorf("template %q accepted", tmpl)
			continue
		}
		if !strings.Contains(err.Error(), "not valid JSON") {
			t.Errorf("template %q: error %q", tmpl, err)
		}
		if strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error leaks the password: %q", err)
		}
	}
	if _, err := RenderBody(DefaultTemplate, "user", "bad\xffutf8"); err == nil || strings.Contains(err.Error(), "bad") {
		t.Errorf("invalid UTF-8 password: %v", err)
	}
	if _, err := RenderBody(DefaultTemplate, "bad\xff", "pw"); err == nil {
		t.Error("invalid UTF-8 user accepted")
	}
}

func FuzzRenderBody(f *testing.F) {
	f.Add(DefaultTemplate, "user", `p"w`)
	f.Add(`{"u": $saml_user, "p": ${saml_password}}`, `\`, "\n")
	f.Add(`["\"$saml_password"]`, "", `\"`)
	f.Fuzz(func(t *testing.T, template, user, pw string) {
		body, err := RenderBody(template, user, pw)
		if err != nil {
			if len(pw) >= 4 && strings.Contains(err.Error(), pw) {
				t.Fatalf("error leaks the password: %q", err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("invalid JSON %q", body)
		}
		if !utf8.ValidString(pw) || !utf8.ValidString(user) {
			t.Fatal("invalid UTF-8 accepted")
		}
		// With the password substituted by a marker, the structure is the
		// same as with the real password: no value can change it.
		marker, err := RenderBody(template, "u", "p")
		if err != nil {
			t.Fatalf("marker render failed: %v", err)
		}
		if shape(t, body) != shape(t, marker) {
			t.Fatalf("structure depends on the values: %s vs %s", shape(t, body), shape(t, marker))
		}
	})
}

// shape describes a JSON document's token structure with every string
// (key or value) replaced by "s".
func shape(t *testing.T, doc []byte) string {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var b strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return b.String()
		}
		if err != nil {
			t.Fatalf("tokenizing %q: %v", doc, err)
		}
		switch tok := tok.(type) {
		case string:
			b.WriteString("s ")
		default:
			fmt.Fprintf(&b, "%v ", tok)
		}
	}
}
