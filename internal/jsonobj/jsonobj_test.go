package jsonobj

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestFields(t *testing.T) {
	r, err := Parse([]byte(` {"s":"a\"b\u00e9","n":-42,"b":true,"t":"2026-12-03T05:00:00.5Z","o":{"x":"y"},"a":[{"k":1},{"k":2}],"z":null,"p":"\ud83d\ude00\u00e9\\u"} `))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.String("s"); got != "a\"b\u00e9" {
		t.Errorf("String = %q", got)
	}
	if got := r.String("p"); got != "\U0001F600\u00e9\\u" {
		t.Errorf("String with a surrogate pair = %q", got)
	}
	if got := r.Int("n"); got != -42 {
		t.Errorf("Int = %d", got)
	}
	if !r.Bool("b") {
		t.Error("Bool = false")
	}
	if got, want := r.Time("t"), time.Date(2026, 12, 3, 5, 0, 0, 5e8, time.UTC); !got.Equal(want) {
		t.Errorf("Time = %v", got)
	}
	if got := r.Object("o").String("x"); got != "y" {
		t.Errorf("Object.String = %q", got)
	}
	if a := r.Objects("a"); len(a) != 2 || a[0].Int("k") != 1 || a[1].Int("k") != 2 {
		t.Errorf("Objects = %v", a)
	}
	// Absent and null fields are zero values; an absent object reads as empty.
	if r.String("z") != "" || r.String("missing") != "" || r.Int("missing") != 0 || r.Object("missing").String("x") != "" ||
		r.Objects("missing") != nil || !r.Time("z").IsZero() {
		t.Error("absent or null fields are not zero")
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestWrongTypesAreErrors(t *testing.T) {
	for _, c := range []struct {
		json string
		read func(*Reader)
	}{
		{`{"f":1}`, func(r *Reader) { r.String("f") }},
		{`{"f":"1"}`, func(r *Reader) { r.Int("f") }},
		{`{"f":1.5}`, func(r *Reader) { r.Int("f") }},
		{`{"f":1e3}`, func(r *Reader) { r.Int("f") }},
		{`{"f":99999999999999999999}`, func(r *Reader) { r.Int("f") }},
		{`{"f":4294967296}`, func(r *Reader) { r.SmallInt("f") }},
		{`{"f":"true"}`, func(r *Reader) { r.Bool("f") }},
		{`{"f":"yesterday SECRET"}`, func(r *Reader) { r.Time("f") }},
		{`{"f":""}`, func(r *Reader) { r.Time("f") }},
		{`{"f":1}`, func(r *Reader) { r.Time("f") }},
		{`{"f":-1.0}`, func(r *Reader) { r.Int("f") }},
		{`{"f":[]}`, func(r *Reader) { r.Object("f") }},
		{`{"f":{}}`, func(r *Reader) { r.Objects("f") }},
		{`{"f":[1]}`, func(r *Reader) { r.Objects("f") }},
		{`{"o":{"f":1}}`, func(r *Reader) { r.Object("o").String("f") }}, // nested errors reach the root
	} {
		r, err := Parse([]byte(c.json))
		if err != nil {
			t.Fatalf("%s: %v", c.json, err)
		}
		c.read(r)
		if r.Err() == nil {
			t.Errorf("%s: no error", c.json)
		} else if strings.Contains(r.Err().Error(), "SECRET") {
			t.Errorf("%s: the error quotes the value: %v", c.json, r.Err())
		}
		// The first error sticks: later reads return zero values.
		if r.String("f") != "" || r.Bool("f") {
			t.Errorf("%s: a read after the error returned a value", c.json)
		}
	}
}

func TestOnlyOneObject(t *testing.T) {
	for _, s := range []string{``, `[]`, `"s"`, `{}{}`, `{} x`, `{"a":1`, `{"a":"SECRET\q"}`, `{"a":NaN}`, `{"a":01}`, `{"a":1.}`,
		`{"a":"x","a":"SECRET"}`, `{"o":{"a":1,"a":2}}`, `{"l":[{"a":1,"a":2}]}`, `{"a\u0062":1,"ab":2}`,
		`{"a":"\ud800\u0041"}`, `{"a":"\udc00x"}`, `{"a":"x\ud800"}`, `{"a":"\ud800\ud800"}`} {
		if _, err := Parse([]byte(s)); err == nil {
			t.Errorf("Parse(%q) succeeded", s)
		} else if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("Parse(%q): the error quotes the data", s)
		}
	}
}

// Differential fuzzing against encoding/json: whatever Parse accepts is one valid JSON object whose
// string, integer and boolean fields read as encoding/json reads them (strings compared where the
// input is valid UTF-8: encoding/json replaces invalid bytes, fastjson keeps them); whatever it
// refuses as a syntax error (small enough to be within fastjson's nesting limit) encoding/json
// refuses too, or it is not an object.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":"b"}`, `{"a":1,"b":true,"c":null,"d":[{"e":"f"}],"g":{"h":-1.5e3}}`,
		`{"a":"\u00e9\ud83d\ude00\n\"\\/"}`, `{"a":"x","a":"y"}`, "{\"a\":\"\x01\"}", `{"a":01}`, `[]`, `{"a":NaN}`,
		`{"a":"\ud800\u0041"}`, `{"a":"\udc00"}`, `{"a":"\ud800"}`, `{"a\u0062":1,"ab":2}`,
		`{"Version":1,"AccessKeyId":"ASIA","Expiration":"2026-12-03T05:00:00Z","MFA":true}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		jerr := dec.Decode(&m)
		if jerr == nil && dec.More() {
			jerr = errors.New("trailing data")
		}
		if jerr == nil && !json.Valid(data) {
			jerr = errors.New("not valid")
		}
		if err == nil {
			if jerr != nil || m == nil {
				t.Fatalf("Parse accepted what encoding/json refuses as an object: %q (%v)", data, jerr)
			}
			if !utf8.Valid(data) {
				return // encoding/json replaced the invalid bytes, in names and values
			}
			for k, v := range m {
				switch v := v.(type) {
				case string:
					if got := r.String(k); got != v {
						t.Fatalf("field %q: Parse read %q, encoding/json %q", k, got, v)
					}
				case bool:
					if got := r.Bool(k); got != v {
						t.Fatalf("field %q: Parse read %v, encoding/json %v", k, got, v)
					}
				case json.Number:
					if n, perr := strconv.ParseInt(string(v), 10, 64); perr == nil {
						if got := r.Int(k); got != n {
							t.Fatalf("field %q: Parse read %d, encoding/json %d", k, got, n)
						}
					}
				}
				if err := r.Err(); err != nil {
					t.Fatalf("field %q: %v", k, err)
				}
			}
			return
		}
		if errors.Is(err, ErrSyntax) && len(data) < 600 && jerr == nil && m != nil {
			t.Fatalf("Parse refused a JSON object encoding/json reads: %q", data)
		}
	})
}
