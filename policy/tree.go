package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// obj is a JSON object that keeps its keys in order, so generated documents read like the ones
// people write (Sid, Effect, Principal, Action, Condition).
type obj []kv

type kv struct {
	k string
	v any
}

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// get returns the value of key k.
func (o obj) get(k string) any {
	for _, e := range o {
		if e.k == k {
			return e.v
		}
	}
	return nil
}

// render prints v as indented JSON without HTML escaping, ending in a newline.
func render(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// hclExpr is a Terraform expression written as is.
type hclExpr string

// writeHCL renders v as an HCL expression at the given indent (two spaces a level).
func writeHCL(b *strings.Builder, v any, indent int) {
	pad := strings.Repeat("  ", indent)
	switch t := v.(type) {
	case hclExpr:
		b.WriteString(string(t))
	case string:
		b.WriteString(hclString(t))
	case bool:
		fmt.Fprint(b, t)
	case int:
		fmt.Fprint(b, t)
	case []string:
		b.WriteByte('[')
		for i, s := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(hclString(s))
		}
		b.WriteByte(']')
	case []any:
		b.WriteString("[\n")
		for _, e := range t {
			b.WriteString(pad + "  ")
			writeHCL(b, e, indent+1)
			b.WriteString(",\n")
		}
		b.WriteString(pad + "]")
	case obj:
		b.WriteString("{\n")
		for _, e := range t {
			b.WriteString(pad + "  " + hclKey(e.k) + " = ")
			writeHCL(b, e.v, indent+1)
			b.WriteString("\n")
		}
		b.WriteString(pad + "}")
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := obj{}
		for _, k := range keys {
			o = append(o, kv{k, t[k]})
		}
		writeHCL(b, o, indent)
	default:
		panic(fmt.Sprintf("policy: no HCL form for %T", v))
	}
}

// hclKey is an object key: a bare identifier when it is one, else a quoted string.
func hclKey(k string) string {
	for i, r := range k {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && (r >= '0' && r <= '9' || r == '-')) {
			return hclString(k)
		}
	}
	return k
}

// hclString quotes s as an HCL template that expands to s: JSON escaping plus ${ and %{ escaped.
func hclString(s string) string {
	b, _ := json.Marshal(s)
	q := string(b)
	q = strings.ReplaceAll(q, "${", "$${")
	q = strings.ReplaceAll(q, "%{", "%%{")
	return q
}
