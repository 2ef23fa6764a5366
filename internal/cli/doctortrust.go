package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/assume-role/assume-role/policy"
	"github.com/assume-role/assume-role/problem"
	"github.com/spf13/pflag"
)

// trustEvalFlags are doctor's flags for evaluating a trust policy locally.
type trustEvalFlags struct {
	file, as string
	mfaAge   int
	orgID    string
	insecure bool
	context  []string
}

func (f *trustEvalFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.file, "trust-policy", "", "evaluate this trust policy file (JSON, - for stdin) locally, like STS, for --as")
	fs.StringVar(&f.as, "as", "", "the caller to evaluate --trust-policy for: user, role, assumed-role session, root or identity provider ARN")
	fs.IntVar(&f.mfaAge, "mfa-age", 0, "with --trust-policy --mfa: seconds since the MFA sign-in")
	fs.StringVar(&f.orgID, "org-id", "", "with --trust-policy: the caller's organization ID (aws:PrincipalOrgID)")
	fs.BoolVar(&f.insecure, "insecure-transport", false, "with --trust-policy: evaluate as if sent without TLS (aws:SecureTransport false)")
	fs.StringArrayVar(&f.context, "context", nil, "with --trust-policy: a further condition key KEY=VALUE (repeatable), e.g. token.actions.githubusercontent.com:sub=repo:o/r:ref:refs/heads/main")
}

func (f *trustEvalFlags) active() bool { return f.file != "" || f.as != "" }

// stray names a flag that means something only with --trust-policy, when given without it.
func (f *trustEvalFlags) stray(online bool) error {
	if f.active() {
		return nil
	}
	if online && f.orgID != "" {
		return problem.New(problem.Usage, "--org-id needs --trust-policy FILE (with --online: the role's trust policy)")
	}
	for name, set := range map[string]bool{"--mfa-age": f.mfaAge != 0, "--org-id": f.orgID != "", "--insecure-transport": f.insecure, "--context": len(f.context) > 0} {
		if set {
			return problem.New(problem.Usage, "%s needs --trust-policy FILE --as PRINCIPAL_ARN", name)
		}
	}
	return nil
}

// run evaluates the trust policy and prints the decision; a refusal is an AccessDenied problem (5).
func (f *trustEvalFlags) run(sio *IO, t *targetFlags, args []string, asJSON bool) error {
	if f.file == "" || f.as == "" {
		return problem.New(problem.Usage, "--trust-policy and --as go together").
			WithHint("assume-role doctor --trust-policy trust.json --as arn:aws:iam::111111111111:user/alice")
	}
	if len(args) > 0 {
		return problem.New(problem.Usage, "--trust-policy takes no target arguments")
	}
	var b []byte
	var err error
	if f.file == "-" {
		b, err = readAllLimited(sio.In)
	} else {
		b, err = os.ReadFile(f.file)
	}
	if err != nil {
		return problem.Wrap(problem.Usage, err, "cannot read the trust policy %s", f.file)
	}
	req := policy.Request{
		Principal: f.as, ExternalID: t.externalID, MFA: t.mfa || t.serial != "" || t.token != "" || f.mfaAge > 0,
		MFAAge: f.mfaAge, OrgID: f.orgID, Insecure: f.insecure, SessionName: t.sessionName,
		Tags: len(t.tags) > 0 || len(t.transitive) > 0, SourceIdentity: t.sourceIdentity != "",
		Context: map[string][]string{},
	}
	for _, kv := range f.context {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return problem.New(problem.Usage, "--context %q: want KEY=VALUE", kv)
		}
		req.Context[k] = append(req.Context[k], v)
	}
	d, err := policy.Evaluate(b, req)
	if err != nil {
		if p := problem.As(err); p != nil {
			return p
		}
		return problem.Wrap(problem.Usage, err, "the trust policy %s is invalid: %v", f.file, err)
	}
	// --json prints the decision either way (scripts read it and the exit code); otherwise a
	// refusal is only the error line, with the reasons.
	if asJSON {
		if err := writeJSON(sio.Out, d); err != nil {
			return err
		}
	} else if d.Allowed {
		fmt.Fprintf(sio.Out, "allowed: %s may call %s: statement %q allows it\n", f.as, d.Action, d.Statement)
	}
	if d.Allowed {
		return nil
	}
	msg := fmt.Sprintf("the trust policy refuses %s to %s: ", d.Action, f.as)
	if d.Explicit {
		msg += fmt.Sprintf("statement %q denies it explicitly", d.Statement)
	} else {
		msg += "no statement allows it: " + strings.Join(d.Reasons, "; ")
	}
	return &problem.Problem{Kind: problem.AccessDenied, Msg: msg, Hint: refusalHint(d)}
}

func refusalHint(d *policy.Decision) string {
	switch {
	case d.Explicit:
		return "an explicit Deny wins over every Allow: change the condition of statement " + d.Statement
	case d.Action == "sts:TagSession":
		return "session tags need sts:TagSession next to sts:AssumeRole in the trust policy"
	case d.Action == "sts:SetSourceIdentity":
		return "a source identity needs sts:SetSourceIdentity next to sts:AssumeRole in the trust policy"
	}
	return "pass what the condition asks for, or generate a policy that trusts the caller (assume-role policy trust)"
}

// readAllLimited reads a policy from r, at most 1 MiB.
func readAllLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1<<20+1))
	if err == nil && len(b) > 1<<20 {
		return nil, fmt.Errorf("more than 1 MiB")
	}
	return b, err
}
