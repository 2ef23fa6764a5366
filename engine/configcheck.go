package engine

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/stslimits"
	"gopkg.in/ini.v1"
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
	return problem.Wrap(problem.Config, fmt.Errorf("%v", r), "the AWS SDK cannot parse %s", strings.Join(append(cf, crf...), " or ")).
		WithHint("check the files' syntax, e.g. with: aws configure list")
}

// loneQuote finds the first line of the ini file at path whose property value is a single quote
// character, as the SDK's tokenizer sees it.
func loneQuote(path string) (line int, key string, ok bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, "", false
	}
	for n, l := range strings.Split(string(data), "\n") { // as the SDK splits
		if k, ok := loneQuoteLine(l); ok {
			return n + 1, k, true
		}
	}
	return 0, "", false
}

// loneQuoteLine mirrors the SDK's ini tokenizer (config/internal/ini): it reports whether the
// line is a property or sub-property whose value is `"` or `'`, which the SDK's unquoting of
// legacy values slices out of range.
func loneQuoteLine(line string) (key string, ok bool) {
	if strings.TrimSpace(line) == "" {
		return "", false
	}
	if t := strings.TrimLeft(line, " \t"); strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";") {
		return "", false
	}
	if t := strings.TrimSpace(cutAny(line, "#", ";")); strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") {
		return "", false
	}
	var k, v string
	var found bool
	if line[0] != ' ' && line[0] != '\t' {
		k, v, found = splitProperty(strings.TrimRight(cutAny(line, " #", " ;", "\t#", "\t;"), " \t"))
	} else {
		k, v, found = splitProperty(strings.TrimLeft(line, " \t")) // sub-property: comments included
	}
	return k, found && (v == `"` || v == "'")
}

// cutAny cuts s at the first occurrence of each separator in turn.
func cutAny(s string, seps ...string) string {
	for _, sep := range seps {
		s, _, _ = strings.Cut(s, sep)
	}
	return s
}

// splitProperty splits "key = value" or the legacy "key: value", as the SDK does.
func splitProperty(s string) (key, value string, ok bool) {
	sep := "="
	if eq, colon := strings.Index(s, "="), strings.Index(s, ":"); eq == -1 || colon != -1 && colon < eq {
		sep = ":"
	}
	k, v, ok := strings.Cut(s, sep)
	return strings.TrimSpace(k), strings.TrimSpace(v), ok
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

// configKey reads a key of a profile from the config file only (not the credentials file, which
// may be large and holds keys, not settings): the raw text of duration_seconds, endpoint_url.
func (e *Engine) configKey(profile, key string) string {
	cf, _ := e.sharedFiles()
	sec := "profile " + profile
	if profile == "default" {
		sec = "default"
	}
	for _, f := range cf {
		file, err := ini.LoadSources(ini.LoadOptions{Loose: true, Insensitive: false}, f)
		if err != nil {
			continue
		}
		if s, err := file.GetSection(sec); err == nil && s.HasKey(key) {
			return s.Key(key).String()
		}
	}
	return ""
}

// stsEndpointID is the STS endpoint URL set for the plan's clients, for the cache keys: the
// environment's (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL), else the SDK profile's endpoint_url;
// "" for the SDK's default endpoint of the region (already in the key).
func (e *Engine) stsEndpointID(p *Plan) string {
	if p.stsEndpoint == nil {
		id := e.readSTSEndpointID(p)
		p.stsEndpoint = &id
	}
	return *p.stsEndpoint
}

func (e *Engine) readSTSEndpointID(p *Plan) string {
	if e.getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") == "true" {
		return ""
	}
	if u := e.endpointFor("STS"); u != "" {
		return u
	}
	prof := firstSet(p.sdkProfile, e.getenv("AWS_PROFILE"), "default")
	if e.configKey(prof, "ignore_configured_endpoint_urls") == "true" {
		return ""
	}
	return e.configKey(prof, "endpoint_url")
}
