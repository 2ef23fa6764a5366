package shellenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPromptFunctionMatchesPromptSegment evaluates assume_role_prompt in real
// bash, zsh and fish and compares its output with PromptSegment, which is what
// `assume-role prompt` prints. Expirations lie 30 s past a whole minute from
// now, so that a run taking up to half a minute cannot cross a minute
// boundary; the expected segment is computed before and after the shell runs
// and the output must equal one of them (they differ only if the run crossed
// a boundary anyway).
func TestPromptFunctionMatchesPromptSegment(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	const layout = "2006-01-02T15:04:05Z07:00"
	at := func(d time.Duration) string { return time.Now().UTC().Add(d + 30*time.Second).Format(layout) }
	plus2 := time.FixedZone("", 2*3600)
	type env map[string]string
	cases := []struct {
		name string
		env  env
	}{
		{"future", env{"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read", "AWS_CREDENTIAL_EXPIRATION": at(47 * time.Minute)}},
		{"hours", env{"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read", "AWS_CREDENTIAL_EXPIRATION": at(2*time.Hour + 5*time.Minute)}},
		{"twelve hours", env{"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read", "AWS_CREDENTIAL_EXPIRATION": at(11*time.Hour + 59*time.Minute)}},
		{"under a minute", env{"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read", "AWS_CREDENTIAL_EXPIRATION": at(0)}},
		{"expired", env{"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read", "AWS_CREDENTIAL_EXPIRATION": at(-10 * time.Minute)}},
		{"expired long ago", env{"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read", "AWS_CREDENTIAL_EXPIRATION": "1999-12-31T23:59:59Z"}},
		{"missing expiration", env{"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read"}},
		{"session expiration fallback", env{"AWS_ACCOUNT_ID": "123456789012", "AWS_ACCOUNT_ROLE": "read", "AWS_SESSION_EXPIRATION": at(20 * time.Minute)}},
		{"bad then good", env{"AWS_ACCOUNT_NAME": "prod", "AWS_CREDENTIAL_EXPIRATION": "soon", "AWS_SESSION_EXPIRATION": at(3 * time.Minute)}},
		{"offset and fraction", env{"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read",
			"AWS_CREDENTIAL_EXPIRATION": time.Now().In(plus2).Add(90*time.Minute + 30*time.Second).Format("2006-01-02T15:04:05.123Z07:00")}},
		{"negative offset", env{"AWS_ACCOUNT_NAME": "prod", "AWS_CREDENTIAL_EXPIRATION": time.Now().In(time.FixedZone("", -(9*3600 + 30*60))).Add(5*time.Hour + 30*time.Second).Format(layout)}},
		{"leap day", env{"AWS_ACCOUNT_NAME": "prod", "AWS_CREDENTIAL_EXPIRATION": "2028-02-29T12:00:00Z"}},
		{"no such day", env{"AWS_ACCOUNT_NAME": "prod", "AWS_CREDENTIAL_EXPIRATION": "2027-02-29T12:00:00Z"}},
		{"hour out of range", env{"AWS_ACCOUNT_NAME": "prod", "AWS_CREDENTIAL_EXPIRATION": "2099-01-01T24:00:00Z"}},
		{"lower-case z", env{"AWS_ACCOUNT_NAME": "prod", "AWS_CREDENTIAL_EXPIRATION": "2099-01-01T10:00:00z"}},
		{"trailing junk", env{"AWS_ACCOUNT_NAME": "prod", "AWS_CREDENTIAL_EXPIRATION": "2099-01-01T10:00:00Z; rm -rf ~"}},
		{"octal-looking fields", env{"AWS_ACCOUNT_NAME": "prod", "AWS_CREDENTIAL_EXPIRATION": "2099-08-09T08:09:08Z"}},
		{"role only", env{"AWS_ACCOUNT_ROLE": "ops/deploy"}},
		{"account id only", env{"AWS_ACCOUNT_ID": "012345678901"}},
		{"nothing", env{"AWS_CREDENTIAL_EXPIRATION": at(time.Hour)}},
		{"hostile account", env{"AWS_ACCOUNT_NAME": "$(touch PWNED)`touch PWNED`;touch PWNED|x&y>z<w'\"\\%F{red}%~\x1b[31m\n\t*?[a]{b,c}!#~", "AWS_ACCOUNT_ROLE": "r$((1+1))", "AWS_CREDENTIAL_EXPIRATION": at(5 * time.Minute)}},
		{"hostile expiration", env{"AWS_ACCOUNT_NAME": "prod", "AWS_CREDENTIAL_EXPIRATION": "$(touch PWNED)"}},
		{"unicode", env{"AWS_ACCOUNT_NAME": "prod-é-本番", "AWS_ACCOUNT_ROLE": "leitura"}},
		{"not utf-8", env{"AWS_ACCOUNT_NAME": "a\xffb", "AWS_ACCOUNT_ROLE": "read"}},
	}
	for _, d := range dialects {
		t.Run(string(d.sh), func(t *testing.T) {
			dir := t.TempDir()
			fn := filepath.Join(dir, "prompt.sh")
			writeFile(t, fn, PromptFunction(d.sh), 0o644)
			src := ". \"$AR_FN\"\n"
			if d.sh == Fish {
				src = "source $AR_FN\n"
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					vars := []string{"AR_FN=" + fn}
					for k, v := range c.env {
						vars = append(vars, k+"="+v)
					}
					getenv := func(k string) string { return c.env[k] }
					before := PromptSegment(getenv, time.Now())
					records, stderr := d.run(t, dir, "C.UTF-8", src+PromptFuncName+"\n"+d.status(), vars...)
					after := PromptSegment(getenv, time.Now())
					if len(records) != 1 {
						t.Fatalf("want one record, got %q (stderr %q)", records, stderr)
					}
					out, status := splitStatus(records[0])
					if status != "0" || stderr != "" {
						t.Errorf("status %s, stderr %q", status, stderr)
					}
					want := before
					if want != "" {
						want += "\n"
					}
					if out != want && (after == "" || out != after+"\n") {
						t.Errorf("%s printed %q, assume-role prompt prints %q", PromptFuncName, out, want)
					}
					if _, err := os.Stat(filepath.Join(dir, "PWNED")); err == nil {
						t.Fatal("variable content was executed")
					}
				})
			}
		})
	}
}

// splitStatus splits "<output>status=N" into the output and N.
func splitStatus(rec string) (out, status string) {
	i := strings.LastIndex(rec, "status=")
	if i < 0 {
		return rec, "?"
	}
	return rec[:i], rec[i+len("status="):]
}

// TestPromptFunctionDefinedForEveryShell: each shell with integration gets the
// function, named as documented; env gets none.
func TestPromptFunctionDefinedForEveryShell(t *testing.T) {
	for _, sh := range []Shell{Bash, Zsh, Fish, PowerShell} {
		code := PromptFunction(sh)
		if !strings.Contains(code, "function "+PromptFuncName) && !strings.Contains(code, PromptFuncName+"() {") {
			t.Errorf("%s: no %s function in %q", sh, PromptFuncName, code)
		}
		if strings.Contains(code, "eval") || strings.Contains(code, "Invoke-Expression") {
			t.Errorf("%s: the prompt function must not evaluate anything", sh)
		}
	}
	if got := PromptFunction(Env); got != "" {
		t.Errorf("env: got %q, want no function", got)
	}
}
