package saml

import (
	"fmt"
	"strings"
)

// RoleChoiceError reports that ChooseRole could not pick exactly one role.
// Its message lists the candidate role ARNs so the user can pick one.
type RoleChoiceError struct {
	// Want is what the caller asked for ("" when nothing was asked).
	Want string
	// Matches are the role ARNs that matched Want when it was ambiguous.
	Matches []string
	// Available are all the role ARNs the assertion grants.
	Available []string
}

// Error implements error.
func (e *RoleChoiceError) Error() string {
	switch {
	case len(e.Available) == 0:
		return "the SAML assertion grants no AWS role"
	case len(e.Matches) > 1:
		return fmt.Sprintf("role %q is ambiguous in the SAML assertion; it matches: %s",
			e.Want, strings.Join(e.Matches, ", "))
	case e.Want == "":
		return fmt.Sprintf("the SAML assertion grants %d roles; choose one of: %s",
			len(e.Available), strings.Join(e.Available, ", "))
	default:
		return fmt.Sprintf("the SAML assertion grants no role matching %q; available: %s",
			e.Want, strings.Join(e.Available, ", "))
	}
}

// ChooseRole picks the role the user asked for. want may be a full role ARN,
// a role name (with or without its path), "account/role" (12-digit account
// ID, then the role name or path/name), or "" which is valid only when the
// assertion grants exactly one role. Names are matched case-insensitively, as
// IAM does; an exact-case match wins over others. Anything else than exactly
// one match returns a *RoleChoiceError.
func (a *Assertion) ChooseRole(want string) (Role, error) {
	want = strings.TrimSpace(want)
	available := make([]string, len(a.Roles))
	for i, r := range a.Roles {
		available[i] = r.RoleARN
	}
	fail := func(matches []Role) (Role, error) {
		e := &RoleChoiceError{Want: want, Available: available}
		if len(matches) > 1 {
			for _, m := range matches {
				e.Matches = append(e.Matches, m.RoleARN)
			}
		}
		return Role{}, e
	}
	if len(a.Roles) == 0 {
		return fail(nil)
	}
	if want == "" {
		if len(a.Roles) == 1 {
			return a.Roles[0], nil
		}
		return fail(nil)
	}
	var folded, exact []Role
	for _, r := range a.Roles {
		f, e := matchRole(r.RoleARN, want)
		if f {
			folded = append(folded, r)
		}
		if e {
			exact = append(exact, r)
		}
	}
	switch {
	case len(exact) == 1:
		return exact[0], nil
	case len(exact) > 1:
		return fail(exact)
	case len(folded) == 1:
		return folded[0], nil
	default:
		return fail(folded)
	}
}

// matchRole reports whether roleARN matches want case-insensitively and
// exactly.
func matchRole(roleARN, want string) (folded, exact bool) {
	eq := func(a, b string) {
		if strings.EqualFold(a, b) {
			folded = true
			if a == b {
				exact = true
			}
		}
	}
	if strings.HasPrefix(want, "arn:") {
		if roleARN == want {
			return true, true
		}
		return false, false
	}
	account, pathName, name, ok := splitRoleARN(roleARN)
	if !ok {
		return false, false
	}
	if acct, rest, found := strings.Cut(want, "/"); found && isAccountID(acct) {
		if acct != account {
			return false, false
		}
		want = rest
	}
	eq(name, want)
	eq(pathName, want)
	return folded, exact
}

// splitRoleARN splits arn:PARTITION:iam::ACCOUNT:role/PATH/NAME.
func splitRoleARN(arn string) (account, pathName, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || !strings.HasPrefix(parts[5], "role/") {
		return "", "", "", false
	}
	pathName = strings.TrimPrefix(parts[5], "role/")
	name = pathName[strings.LastIndex(pathName, "/")+1:]
	return parts[4], pathName, name, true
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
