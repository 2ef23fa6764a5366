package credfile

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// line is one line of the file: its text, the line ending that followed it
// ("\n", "\r\n", or "" for a last line without one) and its 1-based number in
// the original file (0 for new lines).
type line struct {
	text, eol string
	num       int
}

func splitLines(data []byte) ([]line, error) {
	var lines []line
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		l := line{num: len(lines) + 1}
		if i < 0 {
			l.text, data = string(data), nil
		} else {
			l.text, l.eol, data = string(data[:i]), "\n", data[i+1:]
			if strings.HasSuffix(l.text, "\r") {
				l.text, l.eol = l.text[:len(l.text)-1], "\r\n"
			}
		}
		if strings.ContainsRune(l.text, '\r') {
			// Python reads a lone CR as a line break; Go parsers do not.
			return nil, fmt.Errorf("line %d contains a carriage return that does not end a line", len(lines)+1)
		}
		lines = append(lines, l)
	}
	return lines, nil
}

// headerName returns the section name of a header line as botocore's
// configparser reads it: the text between the first '[' and the last ']' of
// the stripped line. indented reports leading whitespace, which configparser
// may read as a continuation line instead of a header.
func headerName(text string, first bool) (name string, indented, ok bool) {
	if first {
		text = strings.TrimPrefix(text, "\uFEFF")
	}
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, "[") {
		return "", false, false
	}
	end := strings.LastIndexByte(t, ']')
	if end < 2 {
		return "", false, false
	}
	return t[1:end], isIndented(text), true
}

// isIndented reports leading whitespace, which makes configparser treat a line
// after a key as a continuation of that key's value.
func isIndented(text string) bool {
	return text != "" && strings.TrimLeftFunc(text, unicode.IsSpace) != text
}

func isComment(text string) bool {
	t := strings.TrimSpace(text)
	return strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";")
}

// keyName returns the lower-cased option name of a key line (text before the
// first '=' or ':'), as configparser reads it.
func keyName(text string) string {
	if i := strings.IndexAny(text, "=:"); i >= 0 {
		text = text[:i]
	}
	return strings.ToLower(strings.TrimSpace(text))
}

// render returns data with profile name's credentials replaced by p's, or a
// new [name] section appended. It is a pure function of its inputs.
func render(data []byte, name string, p Profile) ([]byte, error) {
	lines, err := splitLines(data)
	if err != nil {
		return nil, err
	}
	eol := "\n"
	for _, l := range lines {
		if l.eol != "" {
			eol = l.eol
			break
		}
	}
	finalNewline := len(lines) == 0 || lines[len(lines)-1].eol != ""

	// Find the section and every header after it.
	var matches []int
	next := -1 // index of the first header after the (first) match
	for i, l := range lines {
		if isComment(l.text) {
			continue
		}
		hn, indented, ok := headerName(l.text, i == 0)
		if !ok {
			continue
		}
		if len(matches) == 1 && next < 0 {
			next = i
			if indented {
				return nil, fmt.Errorf("line %d: indented section header %q right after profile %q; botocore reads it as part of that profile", i+1, strings.TrimSpace(l.text), name)
			}
		}
		switch {
		case hn == name:
			if indented {
				return nil, fmt.Errorf("line %d: section header of profile %q is indented; botocore may not read it as a header: fix the file by hand", i+1, name)
			}
			matches = append(matches, i)
		case strings.TrimSpace(hn) == name:
			return nil, fmt.Errorf("line %d: section header %q is profile %q to the Go SDK but %q to botocore: fix the file by hand", i+1, strings.TrimSpace(l.text), name, hn)
		}
	}
	if len(matches) > 1 {
		nums := make([]string, len(matches))
		for i, m := range matches {
			nums[i] = fmt.Sprint(m + 1)
		}
		return nil, fmt.Errorf("profile %q appears more than once (lines %s): merge or remove the duplicates by hand", name, strings.Join(nums, ", "))
	}

	block := blockLines(p, eol)
	var out []line
	if len(matches) == 0 {
		out = append(out, lines...)
		if len(out) > 0 {
			if out[len(out)-1].eol == "" {
				out[len(out)-1].eol = eol
			}
			if strings.TrimSpace(out[len(out)-1].text) != "" {
				out = append(out, line{text: "", eol: eol})
			}
		}
		out = append(out, line{text: "[" + name + "]", eol: eol})
		out = append(out, block...)
	} else {
		hdr := matches[0]
		end := len(lines)
		if next >= 0 {
			end = next
		}
		owned := map[string]bool{
			KeyAccessKeyID: true, KeySecretAccessKey: true, KeySessionToken: true,
			KeySecurityToken: true, KeyExpires: true, KeyRegion: p.Region != "",
		}
		out = append(out, lines[:hdr+1]...)
		insertAt := -1 // index in out where block goes
		removing := false
		for _, l := range lines[hdr+1 : end] {
			t := strings.TrimSpace(l.text)
			drop := false
			switch {
			case t == "":
				removing = false
			case isComment(l.text):
				removing = false
				drop = strings.HasPrefix(t, marker)
			case isIndented(l.text):
				drop = removing // continuation of the previous key
			default:
				removing = owned[keyName(l.text)]
				drop = removing
			}
			if drop {
				if insertAt < 0 {
					insertAt = len(out)
				}
				continue
			}
			out = append(out, l)
		}
		if insertAt < 0 {
			insertAt = hdr + 1
		}
		out = slices.Insert(out, insertAt, block...)
		out = append(out, lines[end:]...)

		// configparser reads an indented line after our block (blank and
		// comment lines in between notwithstanding) as part of our last value.
		for j := insertAt + len(block); j < len(out); j++ {
			t := out[j].text
			if strings.TrimSpace(t) == "" || isComment(t) {
				continue
			}
			if isIndented(t) {
				return nil, fmt.Errorf("line %d: botocore would read this indented line as part of profile %q's credentials: fix the file by hand", out[j].num, name)
			}
			break
		}
	}

	// Only the last line may lack a line ending, and only if the file's did.
	for i := range out[:len(out)-1] {
		if out[i].eol == "" {
			out[i].eol = eol
		}
	}
	if finalNewline {
		if out[len(out)-1].eol == "" {
			out[len(out)-1].eol = eol
		}
	} else {
		out[len(out)-1].eol = ""
	}

	var b bytes.Buffer
	for _, l := range out {
		b.WriteString(l.text)
		b.WriteString(l.eol)
	}
	return b.Bytes(), nil
}

// blockLines returns the marker comment and key lines written for p.
func blockLines(p Profile, eol string) []line {
	comment := marker
	if !p.Expiration.IsZero() {
		comment += ", expires " + formatTime(p.Expiration)
	}
	ls := []line{{text: comment, eol: eol}}
	for _, kv := range entries(p) {
		ls = append(ls, line{text: kv[0] + " = " + kv[1], eol: eol})
	}
	return ls
}
