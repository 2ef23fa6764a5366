package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/assume-role/assume-role/internal/stsemu"
)

// orgWorld is a world whose emulator also serves a generated organization (management account
// 111111111111, alice's), with the role audit in every member account.
func orgWorld(t *testing.T, spec stsemu.OrgSpec, adjust func(*stsemu.Scenario)) *world {
	t.Helper()
	if spec.Role == "" {
		spec.Role = "audit"
	}
	w := newWorld(t, func(sc *stsemu.Scenario) {
		stsemu.GenerateOrg(sc, spec)
		if adjust != nil {
			adjust(sc)
		}
	})
	w.env["AWS_ENDPOINT_URL_ORGANIZATIONS"] = w.url
	return w
}

type planLine struct {
	AccountID   string `json:"account_id"`
	AccountName string `json:"account_name"`
	OUPath      string `json:"ou_path"`
	RoleARN     string `json:"role_arn"`
	Profile     string `json:"profile"`
	Region      string `json:"region"`
	Skipped     string `json:"skipped"`
}

func planOf(t *testing.T, out string) []planLine {
	t.Helper()
	var ls []planLine
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var l planLine
		decodeJSON(t, line, &l)
		ls = append(ls, l)
	}
	return ls
}

func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var m map[string]any
		decodeJSON(t, sc.Text(), &m)
		out = append(out, m)
	}
	return out
}

func (w *world) stsCalls() int {
	n := 0
	for _, e := range w.srv.Log() {
		if e.Service == "sts" || e.Service == "iam" {
			n++
		}
	}
	return n
}

func TestFanoutPlanSelection(t *testing.T) {
	spec := stsemu.OrgSpec{Accounts: 45, SuspendEvery: 10}
	w := orgWorld(t, spec, nil)

	all := planOf(t, w.ok("fanout", "--org", "--role", "audit", "--plan").stdout)
	if len(all) != 46 {
		t.Fatalf("--org planned %d targets, want 46", len(all))
	}
	skipped := map[string]string{}
	for i, l := range all {
		if i > 0 && all[i-1].AccountID >= l.AccountID {
			t.Fatalf("plan not sorted: %s after %s", l.AccountID, all[i-1].AccountID)
		}
		if l.Skipped != "" {
			skipped[l.AccountID] = l.Skipped
		} else if l.RoleARN != "arn:aws:iam::"+l.AccountID+":role/audit" || l.Region != "us-east-1" || l.AccountName == "" {
			t.Fatalf("plan line %+v", l)
		}
	}
	if !strings.Contains(skipped["111111111111"], "management account") || !strings.Contains(skipped[spec.MemberID(9)], "SUSPENDED") || len(skipped) != 5 {
		t.Fatalf("skipped: %v", skipped)
	}
	if n := w.stsCalls(); n != 0 {
		t.Fatalf("--plan made %d STS/IAM calls", n)
	}

	// --ou: recursive, with the OU path; --tag filters; --exclude takes IDs, names and globs.
	ou := planOf(t, w.ok("fanout", "--ou", "ou-emu0-00000001", "--role", "audit", "--plan").stdout)
	if len(ou) == 0 || len(ou) >= 46 {
		t.Fatalf("--ou selected %d accounts", len(ou))
	}
	deep := false
	for _, l := range ou {
		if !strings.HasPrefix(l.OUPath, "ou-emu0-00000001") {
			t.Fatalf("--ou line without its OU path: %+v", l)
		}
		deep = deep || strings.Count(l.OUPath, "/") > 0
	}
	if !deep {
		t.Fatalf("--ou did not descend into child OUs: %+v", ou)
	}
	prod := planOf(t, w.ok("fanout", "--tag", "env=prod", "--role", "audit", "--plan", "--exclude", "acct-000*", "--exclude", spec.MemberID(10)).stdout)
	for _, l := range prod {
		var n int
		fmt.Sscanf(l.AccountName, "acct-%d", &n)
		if l.AccountID == "111111111111" || n%2 != 0 || n < 12 {
			t.Fatalf("--tag env=prod with excludes kept %+v", l)
		}
	}
	if len(prod) != 17 { // even members 12..44
		t.Fatalf("--tag env=prod kept %d accounts, want 17", len(prod))
	}

	// --accounts: IDs, aliases, role ARNs, @FILE with comments; de-duplicated.
	file := w.write("targets.txt", "# the prod account twice\nprod\n222222222222 # again\narn:aws:iam::333333333333:role/ops/deploy\n\n")
	acc := planOf(t, w.ok("fanout", "--accounts", "012345678901,staging", "--accounts", "@"+file, "--role", "read", "--plan").stdout)
	got := []string{}
	for _, l := range acc {
		got = append(got, l.RoleARN+"|"+l.AccountName)
	}
	want := []string{"arn:aws:iam::012345678901:role/read|zero", "arn:aws:iam::222222222222:role/read|prod",
		"arn:aws:iam::333333333333:role/ops/deploy|numeric", "arn:aws:iam::333333333333:role/read|staging"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("--accounts plan:\n got %v\nwant %v", got, want)
	}
	aliases := planOf(t, w.ok("fanout", "--all-aliases", "--role", "read", "--plan").stdout)
	if len(aliases) != 3 { // prod, staging/numeric (one account), zero, and the evil alias of prod
		t.Fatalf("--all-aliases: %+v", aliases)
	}

	// --profiles: each resolved as -p would.
	w.write(".aws/config", "[profile p-prod]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = default\nregion = eu-west-1\n[profile p-ops]\nrole_arn = arn:aws:iam::222222222222:role/ops/deploy\nsource_profile = default\n[profile other]\nregion = us-west-2\n")
	pr := planOf(t, w.ok("fanout", "--profiles", "p-*", "--plan").stdout)
	if len(pr) != 2 || pr[0].Profile != "p-ops" || pr[1].Profile != "p-prod" || pr[1].Region != "eu-west-1" || pr[1].RoleARN != "arn:aws:iam::222222222222:role/read" {
		t.Fatalf("--profiles plan: %+v", pr)
	}

	// Bad input fails before any network call.
	w.srv.ResetLog()
	w.fail(2, "--shard", "fanout", "--org", "--role", "audit", "--shard", "4/3", "--plan")
	w.fail(2, "no role to assume", "fanout", "--org", "--plan")
	w.fail(2, "no accounts selected", "fanout", "--role", "audit")
	w.fail(2, "--max-errors", "fanout", "--org", "--role", "audit", "--max-errors", "x")
	if n := len(w.srv.Log()); n != 0 {
		t.Fatalf("bad input made %d calls", n)
	}
}

func TestFanoutShards(t *testing.T) {
	w := orgWorld(t, stsemu.OrgSpec{Accounts: 60}, nil)
	full := planOf(t, w.ok("fanout", "--org", "--role", "audit", "--plan").stdout)
	seen := map[string]int{}
	for i := 1; i <= 4; i++ {
		part := planOf(t, w.ok("fanout", "--org", "--role", "audit", "--plan", "--shard", fmt.Sprintf("%d/4", i)).stdout)
		again := planOf(t, w.ok("fanout", "--org", "--role", "audit", "--plan", "--shard", fmt.Sprintf("%d/4", i)).stdout)
		if fmt.Sprint(part) != fmt.Sprint(again) {
			t.Fatalf("shard %d/4 differs between runs", i)
		}
		if len(part) == 0 {
			t.Fatalf("shard %d/4 is empty", i)
		}
		for _, l := range part {
			seen[l.AccountID]++
		}
	}
	if len(seen) != len(full) {
		t.Fatalf("the shards hold %d targets, the full plan %d", len(seen), len(full))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s is in %d shards", id, n)
		}
	}
}

func TestFanoutPartialFailureEventsOutputDir(t *testing.T) {
	spec := stsemu.OrgSpec{Accounts: 12, NoRoleEvery: 4}
	w := orgWorld(t, spec, nil)
	out := filepath.Join(w.home, "out")
	events := filepath.Join(w.home, "events.jsonl")
	r := w.run("fanout", "--org", "--role", "audit", "--output-dir", out, "--events", events, "--",
		"sh", "-c", `echo "id=$AWS_ACCOUNT_ID name=$AWS_ACCOUNT_NAME role=$AWS_ACCOUNT_ROLE region=$AWS_REGION arg={account_id}/{account_name}/{role}/{region}/{output_dir}"; echo err >&2; test "$AWS_ACCOUNT_ID" != `+spec.MemberID(0))
	if r.code != 10 {
		t.Fatalf("want exit 10 (some failed): %s", r)
	}
	// 3 accounts without the role, 1 failing command.
	if !strings.Contains(r.stderr, "13 targets: 8 succeeded, 4 failed, 1 skipped, 0 not started") {
		t.Fatalf("summary: %s", r.stderr)
	}
	for _, i := range []int{3, 7, 11} {
		if !strings.Contains(r.stderr, spec.MemberID(i)) || !strings.Contains(r.stderr, "AccessDenied") {
			t.Fatalf("summary lacks the denied account %s: %s", spec.MemberID(i), r.stderr)
		}
	}
	if !strings.Contains(r.stderr, spec.MemberID(0)) || !strings.Contains(r.stderr, "exit code 1") {
		t.Fatalf("summary lacks the failed command: %s", r.stderr)
	}
	id := spec.MemberID(1)
	b, err := os.ReadFile(filepath.Join(out, id, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("id=%s name=acct-0001 role=audit region=us-east-1 arg=%s/acct-0001/audit/us-east-1/%s\n", id, id, filepath.Join(out, id))
	if string(b) != want {
		t.Fatalf("stdout file:\n got %q\nwant %q", b, want)
	}
	if b, _ := os.ReadFile(filepath.Join(out, id, "stderr")); string(b) != "err\n" {
		t.Fatalf("stderr file: %q", b)
	}
	var res map[string]any
	b, _ = os.ReadFile(filepath.Join(out, spec.MemberID(0), "result.json"))
	decodeJSON(t, string(b), &res)
	if res["status"] != "failed" || res["exit_code"] != float64(1) {
		t.Fatalf("result.json of the failed command: %s", b)
	}
	b, _ = os.ReadFile(filepath.Join(out, id, "result.json"))
	decodeJSON(t, string(b), &res)
	if res["status"] != "succeeded" || res["exit_code"] != float64(0) {
		t.Fatalf("result.json: %s", b)
	}
	evb, _ := os.ReadFile(events)
	states := map[string]int{}
	for _, ev := range jsonLines(t, string(evb)) {
		states[ev["state"].(string)]++
		if ev["state"] == "failed" && ev["account_id"] == spec.MemberID(3) && ev["error_code"] != "AccessDenied" {
			t.Fatalf("failed event without the AWS error code: %v", ev)
		}
	}
	if states["planned"] != 12 || states["skipped"] != 1 || states["succeeded"] != 8 || states["failed"] != 4 || states["running"] != 9 {
		t.Fatalf("events: %v", states)
	}
	// Without --output-dir, lines are prefixed with the account name.
	r = w.run("fanout", "--accounts", spec.MemberID(1)+","+spec.MemberID(2), "--role", "audit", "--", "sh", "-c", "echo out; echo err >&2")
	if r.code != 0 || !strings.Contains(r.stdout, "["+spec.MemberID(1)+"] out\n") || !strings.Contains(r.stderr, "["+spec.MemberID(2)+"] err\n") {
		t.Fatalf("prefixed output: %s", r)
	}
}

func TestFanoutMaxErrors(t *testing.T) {
	spec := stsemu.OrgSpec{Accounts: 20, NoRoleEvery: 1} // no account has the role
	w := orgWorld(t, spec, nil)
	r := w.run("fanout", "--org", "--role", "audit", "--parallel", "1", "--max-errors", "3", "--", "true")
	if r.code != 11 || !strings.Contains(r.stderr, "3 failed") || !strings.Contains(r.stderr, "17 not started") || !strings.Contains(r.stderr, "stopped at --max-errors") {
		t.Fatalf("want exit 11 after 3 failures: %s", r)
	}
	r = w.run("fanout", "--org", "--role", "audit", "--parallel", "1", "--max-errors", "10%", "--", "true")
	if r.code != 11 || !strings.Contains(r.stderr, "2 failed") {
		t.Fatalf("want exit 11 after 10%% of 20: %s", r)
	}
}

func TestFanoutMFAOnceForManyTargets(t *testing.T) {
	w := orgWorld(t, stsemu.OrgSpec{Accounts: 10}, nil)
	r := w.run("fanout", "--org", "--role", "audit", "--serial-number", aliceMFA, "--token-code", "123456", "-o", "json")
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	if n := w.count("GetSessionToken"); n != 1 {
		t.Fatalf("%d GetSessionToken calls for 10 targets, want 1: %v", n, w.calls())
	}
	if n := w.count("GetCallerIdentity"); n > 1 {
		t.Fatalf("%d GetCallerIdentity calls, want at most 1", n)
	}
	if n := w.count("AssumeRole"); n != 10 {
		t.Fatalf("%d AssumeRole calls, want 10", n)
	}
	for _, e := range w.srv.Log() {
		if e.Action == "AssumeRole" && e.Params["RoleSessionName"] != "alice" {
			t.Fatalf("session name %q", e.Params["RoleSessionName"])
		}
	}
	lines := jsonLines(t, r.stdout)
	if len(lines) != 10 {
		t.Fatalf("%d JSON lines", len(lines))
	}
	c := lines[0]["Credentials"].(map[string]any)
	if !strings.HasPrefix(c["AccessKeyId"].(string), "ASIA") || c["SessionToken"] == "" || c["Expiration"] == "" || lines[0]["role_arn"] == "" {
		t.Fatalf("json line: %v", lines[0])
	}
	// credential-process: the MFA session is cached, so no new code is needed.
	r = w.run("fanout", "--org", "--role", "audit", "--serial-number", aliceMFA, "-o", "credential-process", "--refresh")
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	lines = jsonLines(t, r.stdout)
	if len(lines) != 10 || lines[0]["Version"] != float64(1) || lines[0]["AccessKeyId"] == "" {
		t.Fatalf("credential-process lines: %v", r.stdout)
	}
	if n := w.count("GetSessionToken"); n != 1 {
		t.Fatalf("the second run made a new MFA session (%d)", n)
	}
}

func TestFanoutRefreshesLongChildren(t *testing.T) {
	w := orgWorld(t, stsemu.OrgSpec{Accounts: 2}, func(sc *stsemu.Scenario) { sc.RoleCredentialLifetimeSeconds = 2 })
	// Each child outlives several 2-second role sessions and keeps calling STS with fresh ones.
	script := fmt.Sprintf(`for i in 1 2 3; do %s whoami >/dev/null || exit 9; sleep 3; done; echo done`, binary)
	r := w.run("fanout", "--org", "--role", "audit", "--cache-margin", "1s", "--", "sh", "-c", script)
	if r.code != 0 || strings.Count(r.stdout, "done") != 2 {
		t.Fatalf("%s", r)
	}
	if n := w.count("AssumeRole"); n < 6 {
		t.Fatalf("%d AssumeRole calls: the children's credentials were not refreshed", n)
	}
	for _, e := range w.srv.Log() {
		if e.ErrorCode == "ExpiredToken" {
			t.Fatalf("a child used expired credentials: %v", w.calls())
		}
	}
}

func TestFanoutSurvivesThrottling(t *testing.T) {
	w := orgWorld(t, stsemu.OrgSpec{Accounts: 25}, func(sc *stsemu.Scenario) { sc.ThrottleRPS = 5; sc.OrgThrottleRPS = 1 })
	r := w.run("fanout", "--org", "--role", "audit", "--sts-rps", "100", "--org-rps", "100", "--parallel", "16", "-o", "json")
	if r.code != 0 || len(jsonLines(t, r.stdout)) != 25 {
		t.Fatalf("%s", r)
	}
	throttled := 0
	for _, e := range w.srv.Log() {
		if e.ErrorCode == "Throttling" || e.ErrorCode == "TooManyRequestsException" {
			throttled++
		}
	}
	if throttled == 0 {
		t.Fatal("the emulator throttled nothing: the test proves nothing")
	}
}

func TestFanoutListingFailure(t *testing.T) {
	w := orgWorld(t, stsemu.OrgSpec{Accounts: 3, Management: "222222222222"}, func(sc *stsemu.Scenario) {
		sc.Organization.Accounts = append(sc.Organization.Accounts, &stsemu.OrgAccount{ID: "111111111111", Name: "bastion"})
	})
	r := w.fail(12, "AccessDeniedException", "fanout", "--org", "--role", "audit", "--", "true")
	if !strings.Contains(r.stderr, "--org-profile") || w.count("AssumeRole") != 0 {
		t.Fatalf("%s", r)
	}
	// --org-profile: list with a role in the management account.
	w.write(".aws/config", "[profile mgmt]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = default\n")
	plan := planOf(t, w.ok("fanout", "--org", "--org-profile", "mgmt", "--role", "audit", "--plan").stdout)
	if len(plan) != 5 || plan[4].AccountID != "222222222222" || plan[4].Skipped == "" || plan[0].Skipped != "" {
		t.Fatalf("--org-profile plan: %+v", plan)
	}
}

func TestFanoutCtrlC(t *testing.T) {
	w := orgWorld(t, stsemu.OrgSpec{Accounts: 6}, nil)
	out := filepath.Join(w.home, "out")
	events := filepath.Join(w.home, "events.jsonl")
	cmd := exec.Command(binary, "fanout", "--org", "--role", "audit", "--parallel", "2", "--output-dir", out, "--events", events,
		"--", "sh", "-c", `trap 'echo got-int; exit 3' INT; echo started; while :; do sleep 0.1; done`)
	cmd.Env, cmd.Dir = w.environ(nil), w.home
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(events)
		if strings.Count(string(b), `"running"`) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the children did not start: %s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Wait until both children have installed their trap.
	for {
		ids := []string{}
		entries, _ := os.ReadDir(out)
		for _, e := range entries {
			if b, _ := os.ReadFile(filepath.Join(out, e.Name(), "stdout")); strings.Contains(string(b), "started") {
				ids = append(ids, e.Name())
			}
		}
		if len(ids) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the children did not print")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code != 130 || !strings.Contains(stderr.String(), "interrupted") || !strings.Contains(stderr.String(), "2 failed") || !strings.Contains(stderr.String(), "4 not started") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var got []string
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if b, _ := os.ReadFile(filepath.Join(out, e.Name(), "stdout")); strings.Contains(string(b), "got-int") {
			got = append(got, e.Name())
		}
	}
	sort.Strings(got)
	if len(got) != 2 {
		t.Fatalf("the signal reached %d children: %v", len(got), got)
	}
	_ = json.Valid
}

// On a terminal: one confirmation, then one MFA prompt for every account.
func TestFanoutTerminalConfirmAndOneMFAPrompt(t *testing.T) {
	w := orgWorld(t, stsemu.OrgSpec{Accounts: 5}, nil)
	s := startPTY(t, w, nil, false, "fanout", "--org", "--role", "audit", "--serial-number", aliceMFA, "-o", "json")
	s.expect("print credentials in 5 accounts")
	s.send("y")
	s.expect("Enter MFA code for " + aliceMFA)
	s.send("123456")
	stdout, code := s.wait()
	screen := s.Screen()
	if code != 0 {
		t.Fatalf("exit %d: %s", code, screen)
	}
	if strings.Count(screen, "Enter MFA code") != 1 || w.count("GetSessionToken") != 1 || w.count("AssumeRole") != 5 {
		t.Fatalf("prompts or calls: %s\n%v", screen, w.calls())
	}
	if n := len(jsonLines(t, stdout)); n != 5 {
		t.Fatalf("%d credential lines", n)
	}
	// Refused: no answer means no.
	s = startPTY(t, w, nil, false, "fanout", "--org", "--role", "audit", "-o", "json")
	s.expect("[y/N]")
	s.send("")
	if _, code := s.wait(); code != 130 || !strings.Contains(s.Screen(), "not confirmed") {
		t.Fatalf("exit %d: %s", code, s.Screen())
	}
	// Credentials are not printed on a terminal unless asked for.
	s = startPTY(t, w, nil, true, "fanout", "--org", "--role", "audit", "--yes")
	if _, code := s.wait(); code != 2 || !strings.Contains(s.Screen(), "refusing to print credentials") {
		t.Fatalf("exit %d: %s", code, s.Screen())
	}
}
