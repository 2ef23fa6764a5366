package stsemu

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

var (
	reName       = regexp.MustCompile(`^[\w+=,.@-]*$`)
	reExternalID = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
	reSerial     = regexp.MustCompile(`^[\w+=/:,.@-]*$`)
	reTokenCode  = regexp.MustCompile(`^[0-9]{6}$`)
	reTagKey     = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
	reTagValue   = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

// validator accumulates AWS-style constraint violations.
type validator struct {
	msgs []string
}

func (v *validator) add(value *string, field, constraint string) {
	val := "null"
	if value != nil {
		val = "'" + *value + "'"
	}
	v.msgs = append(v.msgs, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: Member %s", val, field, constraint))
}

// addSecret records a violation without echoing the value.
func (v *validator) addSecret(field, constraint string) {
	v.msgs = append(v.msgs, fmt.Sprintf("Value at '%s' failed to satisfy constraint: Member %s", field, constraint))
}

func (v *validator) err() *apiError {
	if len(v.msgs) == 0 {
		return nil
	}
	noun := "error"
	if len(v.msgs) > 1 {
		noun = "errors"
	}
	return errValidation(fmt.Sprintf("%d validation %s detected: %s", len(v.msgs), noun, strings.Join(v.msgs, "; ")))
}

// str validates an optional or required string parameter.
func (v *validator) str(p url.Values, name, field string, required bool, minLen, maxLen int, re *regexp.Regexp) (string, bool) {
	if _, ok := p[name]; !ok {
		if required {
			v.add(nil, field, "must not be null")
		}
		return "", false
	}
	s := p.Get(name)
	if len(s) < minLen {
		v.add(&s, field, fmt.Sprintf("must have length greater than or equal to %d", minLen))
	} else if len(s) > maxLen {
		v.add(&s, field, fmt.Sprintf("must have length less than or equal to %d", maxLen))
	} else if re != nil && !re.MatchString(s) {
		v.add(&s, field, "must satisfy regular expression pattern: "+strings.Trim(re.String(), "^$"))
	}
	return s, true
}

// duration validates DurationSeconds; returns def when absent.
func (v *validator) duration(p url.Values, lo, hi, def int) int {
	if _, ok := p["DurationSeconds"]; !ok {
		return def
	}
	s := p.Get("DurationSeconds")
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		v.add(&s, "durationSeconds", "must be an integer")
	case n < lo:
		v.add(&s, "durationSeconds", fmt.Sprintf("must have value greater than or equal to %d", lo))
	case n > hi:
		v.add(&s, "durationSeconds", fmt.Sprintf("must have value less than or equal to %d", hi))
	}
	return n
}

// mfa validates SerialNumber and TokenCode (never echoing the code).
func (v *validator) mfa(p url.Values) (serial, code string) {
	serial, _ = v.str(p, "SerialNumber", "serialNumber", false, 9, 256, reSerial)
	if _, ok := p["TokenCode"]; ok {
		code = p.Get("TokenCode")
		if !reTokenCode.MatchString(code) {
			v.addSecret("tokenCode", "must satisfy regular expression pattern: [\\d]*")
		}
	}
	return serial, code
}

// member collects list parameters like "Tags.member.1.Key".
func members(p url.Values, prefix string) []map[string]string {
	var out []map[string]string
	for i := 1; ; i++ {
		pre := fmt.Sprintf("%s.member.%d", prefix, i)
		m := map[string]string{}
		for k, vs := range p {
			if k == pre {
				m[""] = vs[0]
			} else if rest, ok := strings.CutPrefix(k, pre+"."); ok {
				m[rest] = vs[0]
			}
		}
		if len(m) == 0 {
			return out
		}
		out = append(out, m)
	}
}

// sessionPolicy validates Policy, PolicyArns, Tags and TransitiveTagKeys.
// It returns the tags and the packed policy size (0 when nothing was passed).
func (v *validator) sessionPolicy(p url.Values, withTags bool) (tags map[string]string, transitive []string, packed int, aerr *apiError) {
	policy, hasPolicy := v.str(p, "Policy", "policy", false, 1, 100000, nil)
	arns := members(p, "PolicyArns")
	if len(arns) > 10 {
		v.add(nil, "policyArns", "must have length less than or equal to 10")
	}
	for _, a := range arns {
		if s := a["arn"]; len(s) < 20 || len(s) > 2048 {
			v.add(&s, "policyArns.member.arn", "must have length greater than or equal to 20")
		}
	}
	if withTags {
		tl := members(p, "Tags")
		if len(tl) > 50 {
			v.add(nil, "tags", "must have length less than or equal to 50")
		}
		tags = map[string]string{}
		for _, t := range tl {
			k, val := t["Key"], t["Value"]
			if len(k) < 1 || len(k) > 128 || !reTagKey.MatchString(k) {
				v.add(&k, "tags.member.key", "must have length less than or equal to 128 and satisfy pattern [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+")
			}
			if len(val) > 256 || !reTagValue.MatchString(val) {
				v.add(&val, "tags.member.value", "must have length less than or equal to 256 and satisfy pattern [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*")
			}
			tags[k] = val
		}
		for _, t := range members(p, "TransitiveTagKeys") {
			transitive = append(transitive, t[""])
		}
		if len(transitive) > 50 {
			v.add(nil, "transitiveTagKeys", "must have length less than or equal to 50")
		}
	}
	if e := v.err(); e != nil {
		return nil, nil, 0, e
	}
	if hasPolicy {
		if !json.Valid([]byte(policy)) {
			return nil, nil, 0, &apiError{Status: 400, Code: "MalformedPolicyDocument", Message: "The policy is not in the valid JSON format."}
		}
	}
	size := len(policy)
	for _, a := range arns {
		size += len(a["arn"])
	}
	for k, val := range tags {
		size += len(k) + len(val)
	}
	if size > 2048 {
		return nil, nil, 0, &apiError{Status: 400, Code: "PackedPolicyTooLarge",
			Message: fmt.Sprintf("Packed policy consumes %d%% of allotted space, please use smaller policy for assuming role.", size*100/2048)}
	}
	if hasPolicy || len(arns) > 0 || len(tags) > 0 {
		packed = size*100/2048 + 1
	}
	return tags, transitive, packed, nil
}
