package engine

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/stslimits"
)

// sdkParse runs f, a call that makes the AWS SDK parse the shared config and credentials files,
// turning a crash of the SDK's parser (it panics on a value that is a lone quote) into a
// configuration error naming the file and line.
func (e *Engine) sdkParse(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = e.unparsable(r)
		}
	}()
	return f()
}

// unparsable explains a panic of the SDK's ini parser.
func (e *Engine) unparsable(r any) *problem.Problem {
	cf, crf := e.sharedFiles()
	for _, path := range append(cf, crf...) {
		if line, key, ok := loneQuote(path); ok {
			return problem.New(problem.Config, "%s line %d: the value of %s is a lone quote, which the AWS SDK cannot read", path, line, clip(key, 40)).
				WithHint("remove the quote or write the whole value between quotes")
		}
	}
	return problem.Wrap(problem.Config, fmt.Errorf("%v", r), "the AWS SDK cannot read %s", strings.Join(append(cf, crf...), " or ")).
		WithHint("check the files' syntax, e.g. with: aws configure list")
}

// loneQuote finds the first property line of the ini file at path whose value is a single quote
// character, as the SDK's tokenizer sees it (comments after " #" or " ;" removed).
func loneQuote(path string) (line int, key string, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if k, _, ok := loneQuoteLine(sc.Text()); ok {
			return n, k, true
		}
	}
	return 0, "", false
}

// loneQuoteLine reports whether an ini line is a property whose value is `"` or `'`.
func loneQuoteLine(s string) (key, value string, ok bool) {
	if s == "" || s[0] == ' ' || s[0] == '\t' {
		return "", "", false
	}
	k, v, found := strings.Cut(s, "=")
	if !found {
		return "", "", false
	}
	for _, c := range []string{" #", " ;", "\t#", "\t;"} {
		if i := strings.Index(v, c); i >= 0 {
			v = v[:i]
		}
	}
	v = strings.Trim(v, " \t\r")
	return strings.TrimSpace(k), v, v == `"` || v == "'"
}

// checkRawDuration validates a profile's duration_seconds as written: the SDK reads a value that
// is not a number, or overflows, as zero or ignores it.
func checkRawDuration(raw, where string) error {
	if raw == "" {
		return nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < stslimits.MinDuration || n > stslimits.MaxRoleDuration {
		return problem.New(problem.Config, "invalid duration_seconds of %s %q: must be a whole number of seconds between %d and %d",
			where, clip(raw, 40), stslimits.MinDuration, stslimits.MaxRoleDuration).
			WithHint("fix duration_seconds in %s", where)
	}
	return nil
}
