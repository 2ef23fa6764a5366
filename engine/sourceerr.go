package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"gopkg.in/ini.v1"
)

// rawProfile is one profile as written in the shared files (the SDK's SharedConfig drops keys it
// finds incomplete, such as an empty aws_access_key_id, which is what a message must name).
type rawProfile struct {
	keys  map[string]string // lower-case key → value; the credentials file's values win, as in the SDK
	files map[string]string // key → the file it came from
}

// rawProfiles reads the shared config and credentials files as the SDK merges them: profile
// name → keys. ssoSessions holds the names of the [sso-session NAME] sections. A file larger than
// reduceAbove is parsed only as far as profile of (and its source_profile chain) needs.
func (e *Engine) rawProfiles(of string) (profiles map[string]*rawProfile, ssoSessions map[string]bool) {
	profiles, ssoSessions = map[string]*rawProfile{}, map[string]bool{}
	cf, crf := e.sharedFiles()
	var all []*sharedFile
	for i, path := range append(cf, crf...) {
		if sf, err := e.readShared(path, i < len(cf)); err == nil {
			all = append(all, sf)
		}
	}
	var set map[string]bool
	add := func(name, file string, sec *ini.Section) {
		p := profiles[name]
		if p == nil {
			p = &rawProfile{keys: map[string]string{}, files: map[string]string{}}
			profiles[name] = p
		}
		for _, k := range sec.Keys() {
			key := strings.ToLower(strings.TrimSpace(k.Name()))
			p.keys[key], p.files[key] = strings.TrimSpace(k.Value()), file
		}
	}
	load := func(file string, isConfig bool) {
		sf, err := e.readShared(file, isConfig)
		if err != nil || sf.data == nil {
			return
		}
		data := sf.data
		if len(data) > reduceAbove {
			if set == nil {
				set = closure(all, of)
			}
			data = sf.reduce(set)
		}
		f, err := ini.LoadSources(ini.LoadOptions{Loose: true, Insensitive: false}, data)
		if err != nil {
			return
		}
		for _, sec := range f.Sections() {
			name := strings.TrimSpace(sec.Name())
			switch {
			case name == ini.DefaultSection:
			case !isConfig:
				add(name, file, sec)
			case name == "default":
				add(name, file, sec)
			case strings.HasPrefix(name, "profile "):
				add(strings.TrimSpace(strings.TrimPrefix(name, "profile ")), file, sec)
			case strings.HasPrefix(name, "sso-session "):
				ssoSessions[strings.TrimSpace(strings.TrimPrefix(name, "sso-session "))] = true
			}
		}
	}
	for _, f := range cf {
		load(f, true)
	}
	for _, f := range crf {
		load(f, false)
	}
	return profiles, ssoSessions
}

func (p *rawProfile) hasKeys() bool {
	return p != nil && p.keys["aws_access_key_id"] != "" && p.keys["aws_secret_access_key"] != ""
}

// otherSource reports whether the profile gets credentials some other way than static keys.
func (p *rawProfile) otherSource() bool {
	for _, k := range []string{"source_profile", "credential_source", "credential_process", "web_identity_token_file",
		"sso_session", "sso_start_url", "sso_account_id"} {
		if p.keys[k] != "" {
			return true
		}
	}
	return false
}

// incompleteKeys explains a profile whose static keys are written but empty or half there, or
// returns nil.
func incompleteKeys(name string, p *rawProfile, referrer string) *problem.Problem {
	if p == nil || p.hasKeys() {
		return nil
	}
	_, hasID := p.keys["aws_access_key_id"]
	_, hasSecret := p.keys["aws_secret_access_key"]
	if !hasID && !hasSecret {
		return nil
	}
	which, file := "aws_access_key_id", p.files["aws_access_key_id"]
	state := "is empty"
	switch {
	case !hasID:
		state, file = "is missing", p.files["aws_secret_access_key"]
	case p.keys["aws_access_key_id"] != "" && !hasSecret:
		which, state = "aws_secret_access_key", "is missing"
	case p.keys["aws_access_key_id"] != "":
		which, file = "aws_secret_access_key", p.files["aws_secret_access_key"]
	}
	of := ""
	if referrer != "" {
		of = fmt.Sprintf(" (the source_profile of %q)", referrer)
	}
	return problem.New(problem.NoCredentials, "%s of profile %q%s %s in %s", which, name, of, state, file).
		WithHint("put an IAM user's keys there (aws configure --profile %s), or make source_profile name a profile with credentials", name)
}

// sourceChain follows source_profile from name as the SDK does. It returns the profiles visited
// and, when the chain is broken, the problem: a cycle, a missing profile, or a profile without
// credentials at the end.
func (e *Engine) sourceChain(name string) ([]string, *problem.Problem) {
	profiles, _ := e.rawProfiles(name)
	var path []string
	seen := map[string]bool{}
	for cur := name; ; {
		p := profiles[cur]
		if p == nil {
			if len(path) == 0 {
				return path, nil // reported by whoever asked for the profile
			}
			cf, crf := e.sharedFiles()
			prev := path[len(path)-1]
			return path, problem.New(problem.Config, "profile %q names source_profile %q, which is not in %s or %s", prev, cur, cf[0], crf[0]).
				WithHint("create [profile %s], or correct source_profile in [profile %s]", cur, prev)
		}
		if seen[cur] {
			if p.hasKeys() {
				return append(path, cur), nil // a role profile may take its own keys as its source
			}
			return append(path, cur), problem.New(problem.Config, "the source_profile settings form a cycle: %s", strings.Join(append(path, cur), " → ")).
				WithHint("end the chain at a profile with credentials (aws_access_key_id and aws_secret_access_key, credential_process, SSO or credential_source)")
		}
		seen[cur] = true
		path = append(path, cur)
		if len(path) > 1 && p.hasKeys() {
			return path, nil
		}
		next := p.keys["source_profile"]
		if next == "" {
			if len(path) > 1 && !p.otherSource() {
				if ip := incompleteKeys(cur, p, path[len(path)-2]); ip != nil {
					return path, ip
				}
				return path, problem.New(problem.NoCredentials, "profile %q (the source_profile of %q) has no credentials", cur, path[len(path)-2]).
					WithHint("add aws_access_key_id and aws_secret_access_key (aws configure --profile %s), credential_process or SSO settings to it, or make source_profile name a profile with credentials", cur)
			}
			return path, nil
		}
		cur = next
	}
}

// missingProfile reports whether err says that the profile asked for does not exist (and not
// that a source_profile it names does not).
func missingProfile(err error) bool {
	var are config.SharedConfigAssumeRoleError
	var nf config.SharedConfigProfileNotExistError
	return !errors.As(err, &are) && errors.As(err, &nf)
}

// configProblem explains an error of the SDK's shared-config loading for profile.
func (e *Engine) configProblem(err error, profile string) *problem.Problem {
	if p := problem.As(err); p != nil {
		return p
	}
	cf, crf := e.sharedFiles()
	var are config.SharedConfigAssumeRoleError
	var arn config.CredentialRequiresARNError
	var le config.SharedConfigLoadError
	switch {
	case errors.As(err, &are):
		if _, p := e.sourceChain(profile); p != nil {
			return withCause(p, err)
		}
		for _, name := range []string{are.Profile, profile} {
			if _, p := e.sourceChain(name); p != nil {
				return withCause(p, err)
			}
		}
		return problem.Wrap(problem.NoCredentials, err, "profile %q, the source_profile of the profile assuming %s, has no usable credentials", are.Profile, are.RoleARN).
			WithHint("add keys, credential_process or SSO settings to [profile %s], or make source_profile name a profile with credentials", are.Profile)
	case errors.As(err, &arn):
		return problem.Wrap(problem.Config, err, "profile %q has %s but no role_arn", arn.Profile, arn.Type).
			WithHint("add role_arn = arn:aws:iam::ACCOUNT:role/NAME to [profile %s], or remove %s", arn.Profile, arn.Type)
	case errors.As(err, &le):
		return problem.Wrap(problem.Config, err, "cannot read %s: %s", le.Filename, describe(le.Err)).
			WithHint("fix the file's INI syntax, or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE elsewhere")
	}
	if _, p := e.sourceChain(profile); p != nil {
		return withCause(p, err)
	}
	if p := incompleteKeys(profile, e.rawRoot(profile), ""); p != nil {
		return withCause(p, err)
	}
	if p := e.profileSettingsProblem(profile); p != nil {
		return withCause(p, err)
	}
	return problem.Wrap(problem.Config, err, "cannot read profile %q: %s", profile, describe(err)).
		WithHint("check %s and %s", cf[0], crf[0])
}

// profileSettingsProblem finds, along the source_profile chain of name, the settings the SDK
// refuses without a typed error: several credential sources in one profile, an sso_session
// without its [sso-session] section.
func (e *Engine) profileSettingsProblem(name string) *problem.Problem {
	if name == "" {
		name = "default"
	}
	profiles, sessions := e.rawProfiles(name)
	path, _ := e.sourceChain(name)
	for _, n := range path {
		p := profiles[n]
		if p == nil {
			continue
		}
		var set []string
		for _, k := range []string{"source_profile", "credential_source", "credential_process", "web_identity_token_file"} {
			if p.keys[k] != "" {
				set = append(set, k)
			}
		}
		if len(set) > 1 {
			return problem.New(problem.Config, "profile %q sets %s: a profile has one source of credentials", n, strings.Join(set, " and ")).
				WithHint("keep one of them in [profile %s]", n)
		}
		if s := p.keys["sso_session"]; s != "" && !sessions[s] {
			return problem.New(problem.Config, "profile %q names sso_session %q, but there is no [sso-session %s] section", n, s, s).
				WithHint("add the section (aws configure sso-session), or correct sso_session")
		}
	}
	return nil
}

func withCause(p *problem.Problem, err error) *problem.Problem {
	if p.Err == nil {
		p.Err = err
	}
	return p
}

// sourceProblem explains a failure of the SDK to produce a source's credentials (a profile
// chain it resolves, SSO, web identity, credential_source), or returns nil for the cases
// explainSource handles itself (credential_process, instance metadata, anything unknown).
func (e *Engine) sourceProblem(err error, src *Source) *problem.Problem {
	if errors.Is(err, context.Canceled) {
		return problem.Wrap(problem.Interrupted, err, "interrupted")
	}
	name, chain := e.sourceProfiles(src)
	root := ""
	if len(chain) > 0 {
		root = chain[len(chain)-1].Profile
	}
	var empty *credentials.StaticCredentialsEmptyError
	if errors.As(err, &empty) {
		for _, sc := range chain {
			if strings.EqualFold(sc.CredentialSource, "Environment") {
				return problem.Wrap(problem.NoCredentials, err, "profile %q takes its source credentials from the environment (credential_source = Environment), but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set", sc.Profile).
					WithHint("export the keys first, or use source_profile instead of credential_source in [profile %s]", sc.Profile)
			}
		}
		return problem.Wrap(problem.NoCredentials, err, "the static credentials of %s are empty", src.Label).
			WithHint("set aws_access_key_id and aws_secret_access_key (aws configure), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	if p := e.ssoProblem(err, chain); p != nil {
		return p
	}
	for _, sc := range chain {
		if f := sc.WebIdentityTokenFile; f != "" {
			if _, rerr := readSmallFile(f, 4*maxWebIdentityToken); rerr != nil {
				return problem.Wrap(problem.NoCredentials, err, "cannot read the web identity token file %s of profile %q: %s", f, sc.Profile, rootCause(rerr)).
					WithHint("check web_identity_token_file in [profile %s]; the platform (EKS, CI) usually writes that file", sc.Profile)
			}
		}
	}
	d := dissect(err)
	if d.service == "STS" && d.op != "" && (d.code != "" || unreachable(err)) {
		// A hop of a profile chain that the SDK performs.
		hop := hopFor(chain, d.message)
		c := callInfo{op: d.op, stsRegion: "the profile's region"}
		if hop != nil {
			c.role, c.externalID, c.mfa = hop.RoleARN, hop.ExternalID != "", hop.MFASerial != ""
		}
		p := e.explain(err, c)
		where := src.Label
		if root != "" {
			where = fmt.Sprintf("profile %q", root)
		}
		if hop != nil && hop.Profile != name {
			where = fmt.Sprintf("profile %q (in the source_profile chain of %q)", hop.Profile, name)
		} else if hop != nil {
			where = fmt.Sprintf("profile %q", hop.Profile)
		}
		if p.Kind == problem.Internal {
			p.Kind = problem.NoCredentials
		}
		p.Msg = where + ": " + p.Msg
		return p
	}
	if r := e.rawRoot(root); r != nil && !r.otherSource() {
		if p := incompleteKeys(root, r, ""); p != nil {
			return withCause(p, err)
		}
	}
	return nil
}

// sourceProfiles returns the name of the profile a source starts from and its source_profile
// chain as the SDK read it (requested profile first). Both are empty for the default chain
// without a default profile.
func (e *Engine) sourceProfiles(src *Source) (string, []*config.SharedConfig) {
	name := src.Profile
	var sc *config.SharedConfig
	if name == "" {
		name = firstSet(e.getenv("AWS_PROFILE"), e.getenv("AWS_DEFAULT_PROFILE"), "default")
	}
	if sc == nil {
		if loaded, ok, err := e.loadProfile(context.Background(), name); err == nil && ok {
			sc = loaded
		}
	}
	var chain []*config.SharedConfig
	for p := sc; p != nil && len(chain) < 32; p = p.Source {
		chain = append(chain, p)
	}
	return name, chain
}

func (e *Engine) rawRoot(name string) *rawProfile {
	if name == "" {
		return nil
	}
	profiles, _ := e.rawProfiles(name)
	return profiles[name]
}

// hopFor finds the profile of a chain whose role AWS's message names, else the profile closest to
// the source credentials that assumes a role (the SDK performs the hops from there up).
func hopFor(chain []*config.SharedConfig, msg string) *config.SharedConfig {
	if m := deniedAction().FindStringSubmatch(firstLineOf(msg)); m != nil {
		for _, sc := range chain {
			if sc.RoleARN == m[3] {
				return sc
			}
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		if chain[i].RoleARN != "" {
			return chain[i]
		}
	}
	return nil
}

// ssoProblem explains the failures of a source whose credentials come from IAM Identity Center
// (SSO): only an answer that the session is over means "sign in again"; a portal that cannot be
// reached is a network problem, and the session may well still be valid.
func (e *Engine) ssoProblem(err error, chain []*config.SharedConfig) *problem.Problem {
	var root *config.SharedConfig
	if len(chain) > 0 {
		root = chain[len(chain)-1]
	}
	d := dissect(err)
	var invalid *ssocreds.InvalidTokenError
	fromSSO := d.service == "SSO" || d.service == "SSO OIDC" || errors.As(err, &invalid)
	if root == nil || root.SSOStartURL == "" && root.SSOSessionName == "" && root.SSOAccountID == "" {
		if !fromSSO {
			return nil
		}
	} else if !fromSSO && (d.service != "" || unreachable(err)) {
		return nil // a later hop (STS) failed, not the SSO sign-in
	}
	profile := "PROFILE"
	if root != nil {
		profile = root.Profile
	}
	login := fmt.Sprintf("run: assume-role sso login --profile %s (or aws sso login --profile %s)", profile, profile)
	switch {
	case errors.As(err, &invalid), d.code == "UnauthorizedException", d.status == 401:
		return problem.Wrap(problem.NoCredentials, err, "the SSO session of profile %q has expired or was never started", profile).WithHint("%s", login)
	case unreachable(err):
		portal := "the SSO portal"
		if d.service == "SSO OIDC" {
			portal = "the SSO sign-in service (SSO OIDC)"
		}
		if d.endpoint != "" {
			portal += " at " + d.endpoint
		}
		return problem.Wrap(problem.Network, err, "cannot reach %s: %s", portal, networkReason(err)).
			WithHint("check your network and proxy (HTTPS_PROXY) or AWS_ENDPOINT_URL_SSO; the SSO session of profile %s may still be valid", profile)
	case d.code == "ForbiddenException" || d.code == "ResourceNotFoundException" || d.code == "AccessDeniedException":
		account, role := "", ""
		if root != nil {
			account, role = root.SSOAccountID, root.SSORoleName
		}
		return problem.Wrap(problem.AccessDenied, err, "the SSO portal refused role %s in account %s: %s: %s", role, account, d.code, firstLineOf(d.message)).
			WithHint("check sso_account_id and sso_role_name of profile %s, or ask for the permission set in IAM Identity Center", profile)
	case d.code == "TooManyRequestsException":
		return problem.Wrap(problem.Network, err, "the SSO portal is throttling requests: %s", firstLineOf(d.message)).
			WithHint("wait a little and run again")
	case d.code != "":
		return problem.Wrap(problem.NoCredentials, err, "the SSO portal refused the sign-in of profile %q: %s: %s", profile, d.code, firstLineOf(d.message)).
			WithHint("%s", login)
	}
	// No answer from a portal: the token cache is missing, unreadable or expired.
	return problem.Wrap(problem.NoCredentials, err, "the SSO session of profile %q has expired or was never started", profile).WithHint("%s", login)
}
