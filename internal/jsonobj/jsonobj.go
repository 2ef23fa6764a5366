// Package jsonobj reads the fields of a JSON object by name, strictly typed, without reflection.
//
// The front (internal/fastpath) reads four small JSON files on every cached switch: the record,
// its key and two cache entries. With encoding/json that was most of the front's run: decoding
// into a struct first builds a table of the struct's fields and an encoder for each field's type
// (about 1.2 M instructions, more than a whole Go hello world), and even decoding into an empty
// interface, about 100 instructions a byte and the code pages of the decoder and reflect, cost
// 0.1 ms. github.com/valyala/fastjson validates (ValidateBytes, strict: escapes, numbers, no
// trailing data) and parses the same files in a tenth of that.
//
// A Reader hands out typed fields: a field of the wrong type is an error, a missing field or null
// is the zero value (as with encoding/json), names match exactly (encoding/json would also accept
// other cases), and an object naming a field twice is refused (encoding/json would keep the last,
// fastjson the first), as is a string with half a surrogate pair (read differently by each).
//
// Errors name the field, never its value: the objects read here hold secrets.
package jsonobj

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/valyala/fastjson"
)

// ErrSyntax is returned for data that is not exactly one JSON object.
var ErrSyntax = errors.New("not a JSON object")

// ErrTooDeep is returned for data nested deeper than MaxDepth objects and arrays.
var ErrTooDeep = errors.New("JSON nested too deep")

// MaxDepth bounds the nesting of what Parse reads (ours: 3). fastjson's validation wraps its error
// at every level, which makes a deeply nested malformed input cost time quadratic in its depth
// (0.6 s for 3 kB of "[").
const MaxDepth = 32

// ErrSurrogate is returned for a string with an unpaired surrogate escape ("\ud800").
var ErrSurrogate = errors.New("a JSON string holds half a surrogate pair")

// ErrDuplicate is returned for an object that names a field twice.
var ErrDuplicate = errors.New("a JSON object names a field twice")

// Reader reads the fields of one object. The first error sticks: after it every getter returns
// the zero value, and Err reports it. Readers of nested objects share their root's error.
type Reader struct {
	obj *fastjson.Object // nil: an absent object, read as empty
	err *error
}

// Parse reads data, which must hold one JSON object and nothing else but white space.
func Parse(data []byte) (*Reader, error) {
	// fastjson's errors quote the data: they are never passed on.
	if err := prescan(data); err != nil {
		return nil, err
	}
	if fastjson.ValidateBytes(data) != nil {
		return nil, ErrSyntax
	}
	var p fastjson.Parser // a new one each time: what it returns lives in its buffers
	v, err := p.ParseBytes(data)
	if err != nil {
		return nil, ErrSyntax
	}
	obj, err := v.Object()
	if err != nil {
		return nil, ErrSyntax
	}
	if duplicates(obj) {
		return nil, ErrDuplicate
	}
	return &Reader{obj: obj, err: new(error)}, nil
}

// prescan refuses, in one pass before fastjson validates, what its validation lets pass or handles
// badly: nesting deeper than MaxDepth (ErrTooDeep), a raw control character in a string, which
// JSON forbids (ErrSyntax, as encoding/json says), and a \u escape of half a surrogate pair
// without its other half (ErrSurrogate: encoding/json reads it as U+FFFD, fastjson differently, so
// neither reading is trusted). data need not be valid: what prescan passes, validation checks.
func prescan(data []byte) error {
	depth, in := 0, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case !in && (c == '[' || c == '{'):
			if depth++; depth > MaxDepth {
				return ErrTooDeep
			}
		case !in && (c == ']' || c == '}'):
			depth--
		case c == '"':
			in = !in
		case !in:
		case c < 0x20:
			return ErrSyntax
		case c == '\\' && i+1 < len(data) && data[i+1] == 'u':
			r := hex4(data, i+2)
			switch {
			case r >= 0xdc00 && r <= 0xdfff:
				return ErrSurrogate
			case r >= 0xd800 && r <= 0xdbff:
				if i+11 >= len(data) || data[i+6] != '\\' || data[i+7] != 'u' {
					return ErrSurrogate
				}
				if lo := hex4(data, i+8); lo < 0xdc00 || lo > 0xdfff {
					return ErrSurrogate
				}
				i += 11
			default:
				i += 5
			}
		case c == '\\':
			i++ // the escaped character, a quote perhaps
		}
	}
	return nil
}

// hex4 is the value of the four hexadecimal digits at data[i:], or -1.
func hex4(data []byte, i int) int {
	if i+4 > len(data) {
		return -1
	}
	v := 0
	for _, c := range data[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | int(c-'A'+10)
		default:
			return -1
		}
	}
	return v
}

// duplicates reports whether obj, or an object in it, names a field twice. Small objects (all of
// ours) are checked pairwise, larger ones with a set, so that a huge object costs linear time.
func duplicates(obj *fastjson.Object) bool {
	dup := false
	var names []string
	var set map[string]bool
	if obj.Len() > 16 {
		set = make(map[string]bool, obj.Len())
	}
	obj.Visit(func(key []byte, v *fastjson.Value) {
		if dup {
			return
		}
		switch {
		case set != nil:
			dup = set[string(key)]
			set[string(key)] = true
		case slices.Contains(names, string(key)):
			dup = true
		default:
			names = append(names, string(key))
		}
		dup = dup || duplicatesIn(v)
	})
	return dup
}

func duplicatesIn(v *fastjson.Value) bool {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		return duplicates(o)
	case fastjson.TypeArray:
		a, _ := v.Array()
		for _, e := range a {
			if duplicatesIn(e) {
				return true
			}
		}
	}
	return false
}

// Err is the first error of a getter on this object or on one nested in it, or nil.
func (r *Reader) Err() error { return *r.err }

func (r *Reader) fail(name, want string) {
	if *r.err == nil {
		*r.err = fmt.Errorf("field %q is not %s", name, want)
	}
}

// get returns the field's value, or nil when it is absent or null, or after an error.
func (r *Reader) get(name string) *fastjson.Value {
	if *r.err != nil || r.obj == nil {
		return nil
	}
	v := r.obj.Get(name)
	if v == nil || v.Type() == fastjson.TypeNull {
		return nil
	}
	return v
}

// field returns the field converted by conv; an absent or null field is the zero value, and a
// field conv refuses is an error naming the field and what it should be (never its value).
func field[T any](r *Reader, name, want string, conv func(*fastjson.Value) (T, error)) T {
	var zero T
	v := r.get(name)
	if v == nil {
		return zero
	}
	x, err := conv(v)
	if err != nil {
		r.fail(name, want)
		return zero
	}
	return x
}

func str(v *fastjson.Value) (string, error) {
	b, err := v.StringBytes()
	return string(b), err
}

// String returns a string field.
func (r *Reader) String(name string) string { return field(r, name, "a string", str) }

// Bool returns a boolean field.
func (r *Reader) Bool(name string) bool { return field(r, name, "a boolean", (*fastjson.Value).Bool) }

// Int returns an integer field: a JSON number with no fraction or exponent that fits in an int64.
func (r *Reader) Int(name string) int64 { return field(r, name, "an integer", (*fastjson.Value).Int64) }

// SmallInt is Int for an int field: values outside ±2^31 are an error on every platform.
func (r *Reader) SmallInt(name string) int {
	n := r.Int(name)
	if n > math.MaxInt32 || n < math.MinInt32 {
		r.fail(name, "a small integer")
		return 0
	}
	return int(n)
}

// Time returns a time field written as encoding/json writes a time.Time (RFC 3339, with or
// without fractional seconds).
func (r *Reader) Time(name string) time.Time {
	return field(r, name, "an RFC 3339 time", func(v *fastjson.Value) (time.Time, error) {
		s, err := str(v)
		if err != nil {
			return time.Time{}, err
		}
		return time.Parse(time.RFC3339Nano, s)
	})
}

// Object returns an object field; an absent or null field reads as an empty object.
func (r *Reader) Object(name string) *Reader {
	return &Reader{obj: field(r, name, "an object", (*fastjson.Value).Object), err: r.err}
}

// Objects returns an array-of-objects field, one Reader per element.
func (r *Reader) Objects(name string) []*Reader {
	return field(r, name, "an array of objects", func(v *fastjson.Value) ([]*Reader, error) {
		a, err := v.Array()
		if err != nil {
			return nil, err
		}
		out := make([]*Reader, 0, len(a))
		for _, e := range a {
			o, err := e.Object()
			if err != nil {
				return nil, err
			}
			out = append(out, &Reader{obj: o, err: r.err})
		}
		return out, nil
	})
}
