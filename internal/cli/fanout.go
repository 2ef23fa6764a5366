package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/assume-role/assume-role/accounts"
	"github.com/assume-role/assume-role/fanout"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/shellenv"
	"github.com/assume-role/assume-role/stslimits"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Exit codes of fanout, besides the usual ones for failures before any target runs.
const (
	exitSomeFailed   = 10 // some targets failed
	exitMaxErrors    = 11 // stopped at --max-errors
	exitCannotList   = 12 // the accounts could not be listed
	confirmThreshold = 20 // selections larger than this ask for confirmation on a terminal
)

type fanoutFlags struct {
	accounts   []string
	allAliases bool
	profiles   string
	org        bool
	orgProfile string
	ous, tags  []string
	exclude    []string
	ssoAccts   bool
	assumeRole string
	plan, yes  bool
	shard      string
	parallel   int
	stsRPS     float64
	orgRPS     float64
	maxErrors  string
	outputDir  string
	events     string
	format     string
	samlRoles  string
}

func newFanoutCmd(sio *IO) *cobra.Command {
	var t targetFlags
	var f fanoutFlags
	cmd := &cobra.Command{
		Use:   "fanout [SELECTION] [flags] [-- COMMAND [ARGS...]]",
		Short: "Run a command, or hand out credentials, in every selected account",
		Long: `Assumes --role in every selected account and runs COMMAND once per account, in parallel, or without
COMMAND prints one JSON line of credentials per account.

Selection (combined, de-duplicated, sorted by account ID): --accounts, --all-aliases, --profiles, --org,
--ou, --tag, --sso-accounts, minus --exclude; or --saml-roles [GLOB]: the roles one SAML assertion grants
(--idp onelogin|okta, the saml scheme or --saml-assertion), with one sign-in. --plan prints the targets as JSON
lines without calling STS; --shard I/N keeps
a deterministic, disjoint 1/N of them.

Each command gets AWS_ACCOUNT_ID, AWS_ACCOUNT_NAME, AWS_ACCOUNT_ROLE, AWS_REGION and refreshing credentials
from a local endpoint (as exec --server), and {account_id} {account_name} {role} {region} {output_dir} are
replaced in its arguments. One MFA prompt and one MFA session serve every account.

Exit codes: 0 every target succeeded; 10 some failed; 11 stopped at --max-errors; 12 the accounts could not
be listed; 130 interrupted.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			t.debug, _ = c.Flags().GetBool("debug")
			var command []string
			// --saml-roles GLOB: the flag's value is optional, so its glob comes as an argument.
			dash := c.ArgsLenAtDash()
			if f.samlRoles == "*" && len(args) > 0 && dash != 0 {
				f.samlRoles, args = args[0], args[1:]
				if dash > 0 {
					dash--
				}
			}
			if dash >= 0 {
				if dash > 0 {
					return problem.New(problem.Usage, "fanout takes no positional arguments before --").
						WithHint("select accounts with --accounts, --org, --ou or --profiles")
				}
				command = args
				if len(command) == 0 {
					return problem.New(problem.Usage, "no command after --")
				}
			} else if len(args) > 0 {
				return problem.New(problem.Usage, "unexpected argument %q", args[0]).
					WithHint("put the command after --: assume-role fanout --org --role audit -- aws sts get-caller-identity")
			}
			if len(command) == 0 && sio.StdoutIsTTY && !c.Flags().Changed("output") && !f.plan {
				return problem.New(problem.Usage, "refusing to print credentials for every account on a terminal").
					WithHint("give -o json or -o credential-process to print them anyway, or redirect stdout")
			}
			return runFanout(c.Context(), sio, &t, &f, command)
		},
	}
	t.register(cmd.Flags())
	fs := cmd.Flags()
	fs.Lookup("role").Usage = "role name (with its path) assumed in every selected account"
	fs.StringSliceVar(&f.accounts, "accounts", nil, "account IDs, aliases or role ARNs (comma-separated or repeated); @FILE reads one per line")
	fs.BoolVar(&f.allAliases, "all-aliases", false, "every account of ~/.aws/accounts")
	fs.StringVar(&f.profiles, "profiles", "", "profiles of ~/.aws/config matching GLOB, each resolved as -p would")
	fs.BoolVar(&f.org, "org", false, "every ACTIVE account of the organization (AWS Organizations ListAccounts)")
	fs.StringVar(&f.orgProfile, "org-profile", "", "profile to list the organization with (default: the source identity)")
	fs.StringArrayVar(&f.ous, "ou", nil, "accounts under this OU, recursively (repeatable)")
	fs.StringArrayVar(&f.tags, "tag", nil, "keep organization accounts with this tag KEY=VALUE (repeatable; implies --org without --ou)")
	fs.BoolVar(&f.ssoAccts, "sso-accounts", false, "every account of the IAM Identity Center session (--sso-session or -p): --role is the portal role, the source")
	fs.StringVar(&f.assumeRole, "assume-role", "", "with --sso-accounts: then assume this role name (with its path) in each account")
	fs.StringArrayVar(&f.exclude, "exclude", nil, "drop accounts matching ID, alias, profile or GLOB (repeatable)")
	fs.BoolVar(&f.plan, "plan", false, "print the targets as JSON lines and exit, without calling STS")
	fs.StringVar(&f.shard, "shard", "", "keep the I-th of N deterministic, disjoint shards of the targets (I/N, 1-based)")
	fs.BoolVarP(&f.yes, "yes", "y", false, "do not ask for confirmation")
	fs.IntVar(&f.parallel, "parallel", 8, "targets in flight at once")
	fs.Float64Var(&f.stsRPS, "sts-rps", fanout.DefaultSTSRPS, "STS requests per second, shared by all targets")
	fs.Float64Var(&f.orgRPS, "org-rps", fanout.DefaultOrgRPS, "AWS Organizations requests per second")
	fs.StringVar(&f.maxErrors, "max-errors", "", "stop starting targets once N (or P% of them) failed")
	fs.StringVar(&f.outputDir, "output-dir", "", "write DIR/<account_id>/stdout, stderr and result.json")
	fs.StringVar(&f.events, "events", "", "write one JSON line per state change to FILE (- for stdout)")
	fs.StringVarP(&f.format, "output", "o", "json", "credentials format without a command: json or credential-process")
	fs.StringVar(&f.samlRoles, "saml-roles", "", "the roles one SAML assertion grants (--idp, the saml scheme or --saml-assertion), those matching GLOB if given; one sign-in")
	fs.Lookup("saml-roles").NoOptDefVal = "*"
	registerCompletions(cmd, sio)
	return cmd
}

func runFanout(ctx context.Context, sio *IO, t *targetFlags, f *fanoutFlags, command []string) error {
	// Everything that can be checked locally is, before any network call.
	if f.parallel < 1 || f.parallel > 1000 {
		return problem.New(problem.Usage, "--parallel must be 1-1000")
	}
	if f.stsRPS <= 0 || f.orgRPS <= 0 {
		return problem.New(problem.Usage, "--sts-rps and --org-rps must be positive")
	}
	if f.format != "json" && f.format != "credential-process" {
		return problem.New(problem.Usage, "-o %q: fanout prints json or credential-process", f.format)
	}
	if t.noCache {
		return problem.New(problem.Usage, "fanout needs the credential cache: one MFA session serves every account through it").
			WithHint("drop --no-cache (use --refresh to ignore cached role credentials)")
	}
	if t.mfaOnAssume {
		return problem.New(problem.Usage, "--mfa-on-assume needs an MFA code per role: fanout shares one MFA session instead").
			WithHint("drop --mfa-on-assume; children get refreshing credentials, so the one-hour cap does not end a long job")
	}
	maxN, maxPct, err := parseMaxErrors(f.maxErrors)
	if err != nil {
		return err
	}
	var shard fanout.Shard
	if f.shard != "" {
		if shard, err = fanout.ParseShard(f.shard); err != nil {
			return err
		}
	}
	tagFilter, err := fanout.ParseTags(f.tags)
	if err != nil {
		return problem.Wrap(problem.Usage, err, "%s", err.Error())
	}
	useOrg := f.org || len(f.ous) > 0 || len(tagFilter) > 0
	if f.samlRoles != "" {
		if len(f.accounts) > 0 || f.allAliases || f.profiles != "" || useOrg || f.ssoAccts || t.role != "" {
			return problem.New(problem.Usage, "--saml-roles selects the roles of the SAML assertion: it takes no --role, --accounts, --all-aliases, --profiles, --org, --ou, --tag or --sso-accounts").
				WithHint("filter the roles with a glob: --saml-roles 'prod*' (role name, account ID or alias)")
		}
		if _, err := path.Match(f.samlRoles, ""); err != nil {
			return problem.New(problem.Usage, "--saml-roles %q is not a valid pattern", f.samlRoles)
		}
	}
	if len(f.accounts) == 0 && !f.allAliases && f.profiles == "" && !useOrg && !f.ssoAccts && f.samlRoles == "" {
		return problem.New(problem.Usage, "no accounts selected").
			WithHint("select with --accounts, --all-aliases, --profiles, --org, --ou, --tag, --sso-accounts or --saml-roles")
	}
	var ssoSel *ssoFanout
	if f.ssoAccts {
		if len(f.accounts) > 0 || f.allAliases || useOrg {
			return problem.New(problem.Usage, "--sso-accounts does not go with --accounts, --all-aliases, --org, --ou or --tag: --role means the portal role there").
				WithHint("narrow the portal's accounts with --exclude or --shard")
		}
		if ssoSel, err = prepareSSOFanout(sio, t, t.role, f.assumeRole); err != nil {
			return err
		}
		t.role = ""
	} else if f.assumeRole != "" {
		return problem.New(problem.Usage, "--assume-role goes with --sso-accounts").
			WithHint("elsewhere --role is the role assumed in every account")
	}
	role := strings.TrimPrefix(t.role, "/")
	if strings.HasPrefix(role, "arn:") {
		return problem.New(problem.Usage, "--role takes a role name (with its path), not an ARN, in fanout").
			WithHint("list full role ARNs with --accounts instead")
	}
	needsRole := len(f.accounts) > 0 || f.allAliases || useOrg
	if needsRole && role == "" && !allARNs(f.accounts) {
		return problem.New(problem.Usage, "no role to assume in the selected accounts").
			WithHint("give --role NAME, e.g. --role OrganizationAccountAccessRole")
	}
	if role != "" {
		if _, _, _, err := stslimits.RoleARN("--role", fanout.RoleARN("aws", "123456789012", role)); err != nil {
			return problem.Wrap(problem.Usage, err, "%s", err.Error())
		}
	}
	t.role = "" // the base request has no role: each target sets its own
	base, err := t.build(sio, nil)
	if err != nil {
		return err
	}
	base.req.AskTarget, base.req.Account, base.req.Role = false, "", ""
	base.req.NoRegionPrompt = true
	var events io.Writer
	if f.events != "" {
		if f.events == "-" {
			events = sio.Out
		} else {
			fh, err := os.OpenFile(f.events, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
			if err != nil {
				return problem.Wrap(problem.Usage, err, "cannot write --events %s: %s", f.events, err.Error())
			}
			defer fh.Close()
			events = fh
		}
	}

	limits := fanout.NewLimiters(f.stsRPS, f.orgRPS)
	eng, err := t.engineWith(sio, limits.APIOptions())
	if err != nil {
		return err
	}

	// Selection.
	var targets []fanout.Target
	partition := "aws"
	accts, _ := accounts.Load(accountsPath(sio.Getenv)) // a missing file: no aliases
	if accts == nil {
		accts, _ = accounts.Parse([]byte("{}"))
	}
	entries, err := expandAccountArgs(f.accounts)
	if err != nil {
		return err
	}
	for _, e := range entries {
		tg, err := accountTarget(accts, e, role, partition)
		if err != nil {
			return err
		}
		targets = append(targets, tg)
	}
	if f.samlRoles != "" {
		listed, err := samlRoleTargets(ctx, eng, &base.req, f.samlRoles, f.exclude)
		if err != nil {
			return err
		}
		targets = append(targets, listed...)
	}
	if f.allAliases {
		for _, name := range accts.Names() {
			id, _ := accts.Lookup(name)
			targets = append(targets, fanout.Target{AccountID: id, AccountName: name, RoleARN: fanout.RoleARN(partition, id, role)})
		}
	}
	if f.profiles != "" {
		if _, err := path.Match(f.profiles, ""); err != nil {
			return problem.New(problem.Usage, "--profiles %q is not a valid pattern", f.profiles)
		}
		n := 0
		for _, name := range profileNames(sio, "") {
			if ok, _ := path.Match(f.profiles, name); !ok {
				continue
			}
			n++
			req := base.req
			req.Profile = name
			p, err := eng.Resolve(ctx, req)
			if err != nil {
				return err
			}
			targets = append(targets, fanout.Target{Profile: name, AccountID: p.AccountID, AccountName: firstNonEmpty(p.AccountName, name), RoleARN: p.RoleARN, Region: p.Region})
		}
		if n == 0 {
			return problem.New(problem.Config, "no profile matches --profiles %q", f.profiles).
				WithHint("list profiles with: aws configure list-profiles")
		}
	}
	if useOrg {
		client, err := eng.OrganizationsClient(ctx, firstNonEmpty(f.orgProfile, t.sourceProfile, t.profile), "")
		var listed []fanout.Target
		if err == nil {
			listed, err = fanout.ListOrg(ctx, client, fanout.OrgQuery{All: f.org || len(f.ous) == 0, OUs: f.ous, Tags: tagFilter, Role: role, Partition: partition})
		}
		if err != nil {
			if p, code, ok := interruption(ctx, err); ok {
				printError(sio.Err, p)
				return &exitError{code: code}
			}
			p := toProblem(err)
			msg := p.Msg
			if code := fanout.ErrorCode(err); code != "" && !strings.Contains(msg, code) {
				msg = code + ": " + msg
			}
			if !strings.HasPrefix(msg, "cannot list") {
				msg = "cannot list the organization's accounts: " + msg
			}
			hint := p.Hint
			if fanout.ErrorCode(err) == "AccessDeniedException" || hint == "" {
				hint = "list with the management account (or a delegated administrator): --org-profile NAME"
			}
			printError(sio.Err, &problem.Problem{Msg: msg, Hint: hint})
			return &exitError{code: exitCannotList}
		}
		for i := range listed {
			if n := accts.NameFor(listed[i].AccountID); n != "" && listed[i].AccountName == "" {
				listed[i].AccountName = n
			}
		}
		targets = append(targets, listed...)
	}
	if ssoSel != nil {
		listed, err := ssoSel.targets(ctx, sio, t, accts, partition)
		if err != nil {
			if p, code, ok := interruption(ctx, err); ok {
				printError(sio.Err, p)
				return &exitError{code: code}
			}
			if p := problem.As(err); p == nil || p.Kind != problem.NoCredentials {
				p := toProblem(err)
				printError(sio.Err, &problem.Problem{Msg: "cannot list the access portal's accounts: " + p.Msg, Hint: p.Hint})
				return &exitError{code: exitCannotList}
			}
			return err
		}
		targets = append(targets, listed...)
	}
	targets, err = fanout.Finish(targets, f.exclude, shard)
	if err != nil {
		return err
	}
	// The region of role targets: as a single assume would resolve it (no prompt).
	region := ""
	for i := range targets {
		tg := &targets[i]
		if tg.Profile != "" || tg.Skipped != "" || tg.Region != "" {
			continue
		}
		if region == "" {
			req := base.req
			req.RoleARN = tg.RoleARN
			if tg.SSORole != "" {
				req = fanout.Request(base.req, ssoSel.src, tg)
			}
			p, err := eng.Resolve(ctx, req)
			if err != nil {
				return err
			}
			region = p.Region
		}
		tg.Region = region
	}
	if f.plan {
		return fanout.WritePlan(sio.Out, targets)
	}
	runnable := 0
	for _, tg := range targets {
		if tg.Skipped == "" {
			runnable++
		}
	}
	if !f.yes && (useOrg || f.ssoAccts || runnable > confirmThreshold) && sio.Prompter != nil && sio.Prompter.CanPrompt() && !t.noInput && sio.Getenv("ASSUME_ROLE_NO_INPUT") == "" {
		what := "run the command"
		if len(command) == 0 {
			what = "print credentials"
		}
		ans, err := sio.Prompter.Ask(fmt.Sprintf("assume-role: %s in %d accounts (--plan lists them)? [y/N] ", what, runnable), "n")
		if err != nil {
			return err
		}
		if a := strings.ToLower(strings.TrimSpace(ans)); a != "y" && a != "yes" {
			return problem.New(problem.Interrupted, "not confirmed: nothing was run")
		}
	}
	var progress io.Writer
	if fh, ok := sio.Err.(*os.File); ok && term.IsTerminal(int(fh.Fd())) && events != sio.Out {
		progress = sio.Err
	}
	sum, err := fanout.Run(ctx, targets, fanout.Options{
		Engine: eng, Base: base.req, Parallel: f.parallel, MaxErrors: maxN, MaxErrorsPercent: maxPct,
		Command: command, Format: f.format, OutputDir: f.outputDir,
		Stdout: sio.Out, Stderr: sio.Err, Events: events, Progress: progress,
		Margin: t.margin(sio), Now: sio.Now, SSO: ssoSource(ssoSel),
		Env: func(tg *fanout.Target, url, token string) []string {
			vars := []shellenv.Var{
				{Name: "AWS_ACCOUNT_ID", Value: tg.AccountID},
				{Name: "AWS_ACCOUNT_NAME", Value: tg.Name()},
				{Name: "AWS_ACCOUNT_ROLE", Value: tg.RoleName()},
			}
			if tg.Region != "" {
				vars = append(vars, shellenv.Var{Name: "AWS_REGION", Value: tg.Region}, shellenv.Var{Name: "AWS_DEFAULT_REGION", Value: tg.Region})
			}
			vars = append(vars,
				shellenv.Var{Name: "AWS_CONTAINER_CREDENTIALS_FULL_URI", Value: url},
				shellenv.Var{Name: "AWS_CONTAINER_AUTHORIZATION_TOKEN", Value: token})
			return childEnv(sio.Environ(), append(vars, endpointOnlyVars()...))
		},
	})
	if err != nil {
		return err
	}
	fanout.WriteSummary(sio.Err, sum)
	switch {
	case sum.Interrupted:
		code := problem.Interrupted.ExitCode()
		if _, c, ok := interruption(ctx, context.Canceled); ok {
			code = c // 130 for SIGINT, 143 for SIGTERM
		}
		return &exitError{code: code}
	case sum.Stopped:
		return &exitError{code: exitMaxErrors}
	case sum.Failed > 0:
		return &exitError{code: exitSomeFailed}
	}
	return nil
}

func allARNs(entries []string) bool {
	if len(entries) == 0 {
		return false
	}
	for _, e := range entries {
		if !strings.HasPrefix(e, "arn:") {
			return false
		}
	}
	return true
}

// expandAccountArgs reads @FILE entries: one account ID, alias or role ARN per line, # comments.
func expandAccountArgs(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		a = strings.TrimSpace(a)
		if !strings.HasPrefix(a, "@") {
			if a != "" {
				out = append(out, a)
			}
			continue
		}
		name := strings.TrimPrefix(a, "@")
		fh, err := os.Open(name)
		if err != nil {
			return nil, problem.Wrap(problem.Usage, err, "cannot read --accounts file %s", name).
				WithHint("one account ID, alias or role ARN per line; # starts a comment")
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			line, _, _ := strings.Cut(sc.Text(), "#")
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			return nil, problem.Wrap(problem.Usage, err, "cannot read --accounts file %s", name)
		}
	}
	return out, nil
}

func accountTarget(accts *accounts.Accounts, entry, role, partition string) (fanout.Target, error) {
	if strings.HasPrefix(entry, "arn:") {
		_, account, _, err := stslimits.RoleARN("--accounts", entry)
		if err != nil {
			return fanout.Target{}, problem.Wrap(problem.Usage, err, "%s", err.Error())
		}
		return fanout.Target{AccountID: account, AccountName: accts.NameFor(account), RoleARN: entry}, nil
	}
	id, name, err := accts.Resolve(entry)
	if err != nil {
		return fanout.Target{}, problem.New(problem.Usage, "--accounts %q is neither a 12-digit account ID nor an alias of the accounts file", entry).
			WithHint("list aliases in ~/.aws/accounts (or ACCOUNTS_FILE)")
	}
	if name == id {
		name = ""
	}
	return fanout.Target{AccountID: id, AccountName: name, RoleARN: fanout.RoleARN(partition, id, role)}, nil
}

// parseMaxErrors reads N or P%.
func parseMaxErrors(v string) (int, float64, error) {
	if v == "" {
		return 0, 0, nil
	}
	if p, ok := strings.CutSuffix(v, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 || f > 100 {
			return 0, 0, problem.New(problem.Usage, "--max-errors %q: a percentage is 0-100%%", v)
		}
		return 0, f, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, 0, problem.New(problem.Usage, "--max-errors %q is not a positive number or a percentage like 10%%", v)
	}
	return n, 0, nil
}
