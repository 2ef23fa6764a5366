package engine

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/assume-role/assume-role/problem"
)

// deniedAction matches AWS's AccessDenied message, "User: <caller> is not authorized to perform:
// <action> on resource: <resource>", sometimes followed by a reason ("with an explicit deny in a
// service control policy", "because no identity-based policy allows …").
// Compiled on first use: only a refusal needs it, and package initialisers of ours do no work
// (issue 13).
var deniedAction = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^User: (\S+) is not authorized to perform: (\S+) on resource: (\S+)(.*)$`)
})

// assumeRoleDenied explains an AccessDenied answer to AssumeRole. AWS's message is kept (it names
// the caller, the action and the role, nothing secret) unless it says exactly what our message
// says; the hint follows the action that was denied.
func assumeRoleDenied(err error, c callInfo, who, msg string) *problem.Problem {
	action, rest := "", ""
	if m := deniedAction().FindStringSubmatch(firstLineOf(msg)); m != nil {
		action, rest = m[2], strings.TrimSpace(m[4])
	}
	what := fmt.Sprintf("%s may not assume %s", orUnknown(who), c.role)
	switch {
	case strings.EqualFold(action, "sts:TagSession"):
		return problem.Wrap(problem.AccessDenied, err, "%s with session tags: AWS said AccessDenied: %s", what, msg).
			WithHint("--tags and --transitive-tag-keys need sts:TagSession: allow it for %s in the role's trust policy (next to sts:AssumeRole), or leave those flags out", orUnknown(who))
	case strings.EqualFold(action, "sts:SetSourceIdentity"):
		return problem.Wrap(problem.AccessDenied, err, "%s with a source identity: AWS said AccessDenied: %s", what, msg).
			WithHint("--source-identity needs sts:SetSourceIdentity: allow it for %s in the role's trust policy (next to sts:AssumeRole; a source identity set earlier in a role chain needs it too), or leave --source-identity out", orUnknown(who))
	}
	var causes []string
	causes = append(causes, fmt.Sprintf("the role's trust policy does not trust %s", orUnknown(who)))
	if c.externalID {
		causes = append(causes, "the external ID sent differs from the one the role requires")
	} else {
		causes = append(causes, "the role requires an external ID (none was sent: --external-id)")
	}
	if !c.mfa {
		causes = append(causes, "the role requires MFA (none was used: pass a code, --serial-number or set mfa_serial)")
	}
	causes = append(causes, "the caller lacks sts:AssumeRole on the role")
	p := problem.Wrap(problem.AccessDenied, err, "%s", what)
	if action == "" || !strings.EqualFold(action, "sts:AssumeRole") || rest != "" {
		// Not the plain message our sentence repeats: AWS's own words say more.
		p.Msg += ": AWS said AccessDenied: " + firstLineOf(msg)
	}
	return p.WithHint("usual causes: %s", strings.Join(causes, "; "))
}
