package shellenv

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The decoders below model how each shell reads back one word produced by
// Quote. They are strict: anything outside quotes other than the escapes the
// encoder emits is an error, so a decoded round trip proves no character of
// the value ever reached the shell unquoted.

// decodePOSIX reads a word made of '…' segments and \x escapes (bash, zsh).
func decodePOSIX(q string) (string, error) {
	if q == "" {
		return "", errors.New("empty word: the value would vanish")
	}
	var b strings.Builder
	for i := 0; i < len(q); {
		switch q[i] {
		case '\'':
			j := strings.IndexByte(q[i+1:], '\'')
			if j < 0 {
				return "", fmt.Errorf("unterminated single quote at %d", i)
			}
			b.WriteString(q[i+1 : i+1+j])
			i += j + 2
		case '\\':
			if i+1 >= len(q) || q[i+1] == '\n' {
				return "", fmt.Errorf("dangling backslash at %d", i)
			}
			b.WriteByte(q[i+1])
			i += 2
		default:
			return "", fmt.Errorf("unquoted byte %q at %d", q[i], i)
		}
	}
	return b.String(), nil
}

// decodeFish reads a word made of fish '…' segments, inside which \\ and \'
// are the only escapes and any other backslash is literal.
func decodeFish(q string) (string, error) {
	if q == "" {
		return "", errors.New("empty word: the value would vanish")
	}
	var b strings.Builder
	i := 0
	for i < len(q) {
		if q[i] != '\'' {
			return "", fmt.Errorf("unquoted byte %q at %d", q[i], i)
		}
		i++
		for {
			if i >= len(q) {
				return "", errors.New("unterminated single quote")
			}
			c := q[i]
			if c == '\'' {
				i++
				break
			}
			if c == '\\' && i+1 < len(q) && (q[i+1] == '\\' || q[i+1] == '\'') {
				b.WriteByte(q[i+1])
				i += 2
				continue
			}
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

// isPSQuote reports the characters PowerShell's tokenizer treats as a single
// quote: ' and the typographic ‘ ’ ‚ ‛.
func isPSQuote(r rune) bool {
	return r == '\'' || r == '\u2018' || r == '\u2019' || r == '\u201A' || r == '\u201B'
}

// decodePowerShell reads either one single-quoted string or a parenthesised
// sum of single-quoted strings and [char]0xHHHH casts, and returns the string
// PowerShell would build (UTF-16, converted back to UTF-8).
func decodePowerShell(q string) (string, error) {
	p := &psParser{s: q}
	var units []uint16
	if strings.HasPrefix(q, "(") {
		p.i = 1
		for {
			u, err := p.part()
			if err != nil {
				return "", err
			}
			units = append(units, u...)
			if p.eat(" + ") {
				continue
			}
			if !p.eat(")") {
				return "", fmt.Errorf("expected \" + \" or \")\" at %d", p.i)
			}
			break
		}
	} else {
		u, err := p.literal()
		if err != nil {
			return "", err
		}
		units = u
	}
	if p.i != len(q) {
		return "", fmt.Errorf("trailing text at %d", p.i)
	}
	return string(utf16.Decode(units)), nil
}

type psParser struct {
	s string
	i int
}

func (p *psParser) eat(tok string) bool {
	if strings.HasPrefix(p.s[p.i:], tok) {
		p.i += len(tok)
		return true
	}
	return false
}

func (p *psParser) part() ([]uint16, error) {
	if !p.eat("[char]0x") {
		return p.literal()
	}
	start := p.i
	for p.i < len(p.s) && strings.IndexByte("0123456789ABCDEFabcdef", p.s[p.i]) >= 0 {
		p.i++
	}
	var v uint32
	if p.i == start || p.i-start > 4 {
		return nil, fmt.Errorf("bad [char] hex at %d", start)
	}
	if _, err := fmt.Sscanf(p.s[start:p.i], "%x", &v); err != nil {
		return nil, err
	}
	return []uint16{uint16(v)}, nil
}

// literal follows PowerShell's tokenizer: a single-quoted string ends at a
// quote character unless another quote character follows, which is then
// taken literally.
func (p *psParser) literal() ([]uint16, error) {
	r, n := utf8.DecodeRuneInString(p.s[p.i:])
	if !isPSQuote(r) {
		return nil, fmt.Errorf("expected a quote at %d", p.i)
	}
	p.i += n
	var out []rune
	for {
		if p.i >= len(p.s) {
			return nil, errors.New("unterminated single quote")
		}
		r, n := utf8.DecodeRuneInString(p.s[p.i:])
		p.i += n
		if isPSQuote(r) {
			r2, n2 := utf8.DecodeRuneInString(p.s[p.i:])
			if p.i >= len(p.s) || !isPSQuote(r2) {
				return utf16.Encode(out), nil
			}
			p.i += n2
			r = r2
		}
		out = append(out, r)
	}
}
