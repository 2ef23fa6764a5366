package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// Regression tests for the identity issue: the credentials handed out are always the requested
// identity's, and every flag and profile setting reaches STS or the command is refused.

// TestProfileWithTargetIsAChain: -p ROLE_PROFILE with an explicit target makes the profile's role
// the source of the target (Prowler's -p with -R), and the labels name what was assumed. Before, the
// target was dropped and the profile's role returned under the target's labels.
func TestProfileWithTargetIsAChain(t *testing.T) {
	w := newWorld(t, nil)
	w.write(".aws/config", "[profile prodread]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = default\n")
	r := w.ok("-p", "prodread", "-R", "arn:aws:iam::222222222222:role/chain", "-o", "bash")
	env := exportsOf(t, w, r.stdout)
	if env["AWS_ACCOUNT_ROLE"] != "chain" {
		t.Fatalf("labels: %v", env)
	}
	c := w.lastCall("AssumeRole")
	if c.Params["RoleArn"] != "arn:aws:iam::222222222222:role/chain" || c.CallerARN != "arn:aws:sts::222222222222:assumed-role/read/alice" {
		t.Fatalf("final call %+v; calls %v", c, w.calls())
	}
	// The identity the exported credentials belong to is the target's.
	who := w.runEnv(env, "whoami", "--json")
	if !strings.Contains(who.stdout, "assumed-role/chain/") {
		t.Fatalf("whoami: %s", who)
	}
	// Two sources are refused.
	w.fail(2, "both name a source", "-p", "prodread", "--source-profile", "default", "-R", "arn:aws:iam::222222222222:role/chain")
}

// TestCredentialSourceProfilesSendEverySetting: profiles whose last hop the SDK used to perform
// (credential_source) now send the flags and the profile's own settings.
func TestCredentialSourceProfilesSendEverySetting(t *testing.T) {
	w := newWorld(t, nil)
	w.write(".aws/config", `[profile envsrc]
role_arn = arn:aws:iam::222222222222:role/tagger
credential_source = Environment
role_session_name = from-profile
duration_seconds = 1800
`)
	keys := map[string]string{"AWS_ACCESS_KEY_ID": aliceKey, "AWS_SECRET_ACCESS_KEY": aliceSecret}
	r := w.runEnv(keys, "-p", "envsrc", "-o", "json")
	if r.code != 0 {
		t.Fatal(r)
	}
	c := w.lastCall("AssumeRole")
	if c.Params["RoleSessionName"] != "from-profile" || c.Params["DurationSeconds"] != "1800" || c.CallerARN != aliceARN {
		t.Fatalf("profile settings not sent: %+v", c)
	}
	r = w.runEnv(keys, "-p", "envsrc", "-o", "json", "-T", "2000", "--role-session-name", "flagname",
		"--tags", "team=infra", "--transitive-tag-keys", "team", "--source-identity", "alice-src",
		"--policy-arns", "arn:aws:iam::aws:policy/ReadOnlyAccess")
	if r.code != 0 {
		t.Fatal(r)
	}
	c = w.lastCall("AssumeRole")
	for k, want := range map[string]string{"RoleSessionName": "flagname", "DurationSeconds": "2000",
		"Tags.member.1.Key": "team", "Tags.member.1.Value": "infra", "TransitiveTagKeys.member.1": "team",
		"SourceIdentity": "alice-src", "PolicyArns.member.1.arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"} {
		if c.Params[k] != want {
			t.Errorf("%s = %q, want %q (params %v)", k, c.Params[k], want, c.Params)
		}
	}
}

// TestWebIdentityProfileSendsSettings: a web_identity_token_file profile sends -T and the session
// name, and refuses what AssumeRoleWithWebIdentity cannot take.
func TestWebIdentityProfileSendsSettings(t *testing.T) {
	w := newWorld(t, nil)
	file := webToken(t, w, nil)
	w.write(".aws/config", fmt.Sprintf("[profile ci]\nrole_arn = %s\nweb_identity_token_file = %s\nrole_session_name = ci-profile\nregion = us-east-1\n", webReadRole, file))
	r := w.detached("", nil, "-p", "ci", "-T", "900", "-o", "json")
	c := w.lastCall("AssumeRoleWithWebIdentity")
	if r.code != 0 || c.Params["DurationSeconds"] != "900" || c.Params["RoleSessionName"] != "ci-profile" {
		t.Fatalf("%s %v", r, c.Params)
	}
	for _, args := range [][]string{{"--external-id", "ext-1"}, {"--tags", "a=b"}, {"--source-identity", "me1"}} {
		w.fail(2, args[0]+" cannot be used with web identity", append([]string{"-p", "ci"}, args...)...)
	}
}

// TestSourceSurvivesSwitches: the second switch in a shell starts from the same source as the
// first, not from [default] (the first switch unsets AWS_PROFILE and overwrites the keys).
func TestSourceSurvivesSwitches(t *testing.T) {
	w := newWorld(t, nil)
	// [default] is bob; the shell's source is alice's bastion profile.
	w.write(".aws/credentials", fmt.Sprintf("[default]\naws_access_key_id = AKIAEMULATORBOB00001\naws_secret_access_key = bobEMULATORsecretKEYdoNOTuse000000000002\n\n[bastion]\naws_access_key_id = %s\naws_secret_access_key = %s\n", aliceKey, aliceSecret))
	script := fmt.Sprintf(`export AWS_PROFILE=bastion
eval "$(%[1]s prod read -o bash)" || exit 1
%[1]s staging read -o bash >/dev/null || exit 1
eval "$(%[1]s staging read -o bash)" || exit 1
`, binary)
	env := evalIn(t, "bash", script, w.environ(nil))
	for _, e := range w.srv.Log() {
		if e.Action == "AssumeRole" && e.CallerARN != aliceARN {
			t.Fatalf("a switch was signed by %s, not the shell's source alice", e.CallerARN)
		}
	}
	if env["AWS_ACCOUNT_ID"] != "333333333333" || env["ASSUME_ROLE_SOURCE"] != "profile:bastion" {
		t.Fatalf("env %v", env)
	}
	// AWS_PROFILE set after a switch is the user's new choice: it wins over the recorded source.
	w.srv.ResetLog()
	script = fmt.Sprintf(`export AWS_PROFILE=bastion
eval "$(%[1]s prod read -o bash)" || exit 1
export AWS_PROFILE=default
eval "$(%[1]s staging read -o bash)" || exit 1
`, binary)
	env = evalIn(t, "bash", script, w.environ(nil))
	if c := w.lastCall("AssumeRole"); !strings.Contains(c.CallerARN, "user/engineers/bob") || env["ASSUME_ROLE_SOURCE"] != "profile:default" {
		t.Fatalf("after export AWS_PROFILE=default: signed by %s, source %q", c.CallerARN, env["ASSUME_ROLE_SOURCE"])
	}
	// When the shell's source was keys in the environment that the switch replaced, the next switch
	// refuses instead of guessing.
	w2 := newWorld(t, nil)
	w2.write(".aws/credentials", "")
	script = fmt.Sprintf(`export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s
eval "$(%[3]s prod read -o bash)" || exit 1
%[3]s staging read -o bash 2>&1 >/dev/null; echo "EXIT=$?"
`, aliceKey, aliceSecret, binary)
	out := runProcess(t, w2.environ(nil), w2.home, "", "bash", "-c", script)
	if !strings.Contains(out.stdout, "EXIT=4") || !strings.Contains(out.stdout, "no longer here") {
		t.Fatalf("second switch: %s", out)
	}
}

// TestOneMFASessionPerUser: an alias switch with a code, then -p PROFILE with mfa_serial in the
// profile, for the same user: the cached MFA session serves both (no second code).
func TestOneMFASessionPerUser(t *testing.T) {
	w := newWorld(t, nil)
	w.write(".aws/config", fmt.Sprintf("[profile prod-admin]\nrole_arn = arn:aws:iam::222222222222:role/admin\nmfa_serial = %s\nsource_profile = default\n", aliceMFA))
	w.ok("prod", "read", "123456", "-o", "bash")
	w.ok("-p", "prod-admin", "-o", "bash") // no terminal, no code: must use the cached session
	if n := w.count("GetSessionToken"); n != 1 {
		t.Fatalf("GetSessionToken %d times: %v", n, w.calls())
	}
	if c := w.lastCall("AssumeRole"); c.Params["RoleArn"] != "arn:aws:iam::222222222222:role/admin" || c.ErrorCode != "" {
		t.Fatalf("admin call %+v", c)
	}
}

// TestRoleEntriesKeyedBySourceKeys: a profile name that now points to other keys does not get the
// old keys' cached role.
func TestRoleEntriesKeyedBySourceKeys(t *testing.T) {
	w := newWorld(t, nil)
	w.write(".aws/config", "[profile p]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = base\n")
	w.write(".aws/credentials", fmt.Sprintf("[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n", aliceKey, aliceSecret))
	w.ok("-p", "p", "-o", "json")
	w.write(".aws/credentials", "[base]\naws_access_key_id = AKIAEMULATORBOB00001\naws_secret_access_key = bobEMULATORsecretKEYdoNOTuse000000000002\n")
	w.ok("-p", "p", "-o", "json")
	if c := w.lastCall("AssumeRole"); w.count("AssumeRole") != 2 || !strings.Contains(c.CallerARN, "user/engineers/bob") {
		t.Fatalf("calls %v, last %+v", w.calls(), c)
	}
}
