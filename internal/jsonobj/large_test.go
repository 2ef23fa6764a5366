package jsonobj

import (
	"errors"
	"strings"
	"testing"
)

// Large and deep inputs parse (or are refused) correctly and cheaply: the duplicate check uses a set
// beyond a few names (20,000 names cost milliseconds, not the second a pairwise check took), and
// nesting is bounded before fastjson validates (its errors made 3 kB of "[" cost 0.6 s).
func TestLargeInputs(t *testing.T) {
	for name, c := range map[string]struct {
		json string
		want error
	}{
		"a name twice":        {`{"a":1,"a":1,"c":1}`, ErrDuplicate},
		"20,000 names":        {"{" + strings.Repeat(`"a":1,`, 20000) + `"b":1}`, ErrDuplicate},
		"backslashes":         {`{"a":"` + strings.Repeat(`\\\"`, 20000) + `"}`, nil},
		"deep objects":        {strings.Repeat(`{"a":`, MaxDepth) + "1" + strings.Repeat("}", MaxDepth), nil},
		"too deep":            {strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1), ErrTooDeep},
		"deep, malformed":     {strings.Repeat(`[`, 3000), ErrTooDeep},
		"brackets in strings": {`{"a":"` + strings.Repeat(`[{\"`, 100) + `"}`, nil},
		"20,000 objects":      {`{"a":[` + strings.Repeat(`{"b":1},`, 20000) + `{}]}`, nil},
	} {
		if _, err := Parse([]byte(c.json)); !errors.Is(err, c.want) {
			t.Errorf("%s: Parse = %v, want %v", name, err, c.want)
		}
	}
	var distinct strings.Builder
	distinct.WriteString("{")
	for i := 0; i < 1000; i++ {
		distinct.WriteString(`"k` + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676)) + `":1,`)
	}
	distinct.WriteString(`"end":1}`)
	if _, err := Parse([]byte(distinct.String())); err != nil {
		t.Errorf("1,000 distinct names: %v", err)
	}
}
