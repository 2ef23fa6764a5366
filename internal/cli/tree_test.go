package cli

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestPartialTree(t *testing.T) {
	for _, c := range []struct {
		args    []string
		only    string
		partial bool
	}{
		{[]string{"prod", "read"}, "", true},
		{[]string{"prod", "read", "-o", "bash"}, "", true},
		{[]string{"version"}, "version", true},
		{[]string{"credential-process", "prod", "read"}, "credential-process", true},
		{[]string{"exec", "prod", "--", "aws", "-h"}, "exec", true},
		{[]string{"whoami", "--debug"}, "whoami", true},
		{nil, "", false},
		{[]string{"--debug", "whoami"}, "", false},
		{[]string{"-p", "prod"}, "", false},
		{[]string{"prod", "-h"}, "", false},
		{[]string{"whoami", "--help"}, "", false},
		{[]string{"help", "whoami"}, "", false},
		{[]string{"completion", "bash"}, "", false},
		{[]string{"shell-init", "bash"}, "", false},
		{[]string{"__complete", "pr"}, "", false},
	} {
		only, partial := partialTree(c.args)
		if only != c.only || partial != c.partial {
			t.Errorf("%q: got %q %v, want %q %v", c.args, only, partial, c.only, c.partial)
		}
	}
}

// TestPartialTreeBehavesLikeTheFullTree: for arguments that get a partial tree, the result
// (exit error, stdout, stderr) is the full tree's.
func TestPartialTreeBehavesLikeTheFullTree(t *testing.T) {
	env := map[string]string{"HOME": t.TempDir(), "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1",
		"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read", "AWS_CREDENTIAL_EXPIRATION": "2026-11-21T06:47:00Z"}
	for _, args := range [][]string{
		{"version"}, {"version", "extra"}, {"prompt"}, {"prompt", "--bogus"},
		{"prod", "read", "--bogus"}, {"prod", "read", "-T", "12"}, {"a", "b", "c", "d", "e"}, {"nope", "read"},
		{"whoami", "--bogus"}, {"cache", "--bogus"}, {"cache", "list", "extra"}, {"cache", "nosuch"},
		{"credential-process", "--bogus"}, {"console", "--bogus"}, {"serve", "--bogus"}, {"exec", "--bogus"},
		{"exec", "prod", "read"}, {"prod", "read", "--unset"},
	} {
		if _, partial := partialTree(args); !partial {
			t.Fatalf("%q: not a partial tree", args)
		}
		run := func(full bool) (string, string, string) {
			sio, out, errb := testIO(env)
			var root = newRootCmd(sio, args)
			if full {
				root = NewRootCmd(sio)
			}
			root.SetArgs(args)
			root.SetIn(sio.In)
			root.SetOut(sio.Out)
			root.SetErr(sio.Err)
			err := root.ExecuteContext(context.Background())
			msg := ""
			if err != nil {
				msg = err.Error()
				var child *exitError
				if errors.As(err, &child) {
					msg = "exit"
				}
			}
			return msg, out.String(), errb.String()
		}
		pe, po, pr := run(false)
		fe, fo, fr := run(true)
		if pe != fe || po != fo || pr != fr {
			t.Errorf("%q:\npartial: err %q out %q stderr %q\nfull:    err %q out %q stderr %q", args, pe, po, pr, fe, fo, fr)
		}
	}
	// The full tree still has every subcommand, shell-init and completion included.
	sio, _, _ := testIO(nil)
	var names []string
	for _, c := range NewRootCmd(sio).Commands() {
		names = append(names, c.Name())
	}
	for _, sc := range subcommands() {
		if !slices.Contains(names, sc.name) {
			t.Errorf("full tree lacks %s: %v", sc.name, names)
		}
	}
	if !slices.Contains(names, "shell-init") || len(names) != len(subcommands())+1 {
		t.Errorf("full tree: %s", strings.Join(names, " "))
	}
}
