package cli

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestHintFlagsClassifyEveryFlag: a new flag must be classified, so that the terminal hint neither
// leaks it (a secret) nor silently drops it (a setting that selects the credentials).
func TestHintFlagsClassifyEveryFlag(t *testing.T) {
	sio, _, _ := testIO(nil)
	root := NewRootCmd(sio)
	root.InitDefaultHelpFlag()
	root.InitDefaultVersionFlag()
	check := func(f *pflag.Flag) {
		if _, ok := hintFlags[f.Name]; !ok {
			t.Errorf("flag --%s is not in hintFlags: decide whether the terminal hint may repeat it", f.Name)
		}
	}
	root.Flags().VisitAll(check)
	root.PersistentFlags().VisitAll(check)
}

func TestCommandLineLeavesOutMFACodes(t *testing.T) {
	cases := []struct{ args, want string }{
		{"prod read 123456", "prod read"},
		{"prod read 123456 eu-west-1", "prod read eu-west-1"},
		{"prod read eu-west-1", "prod read eu-west-1"},
		{"--token-code 123456 -R arn:aws:iam::1:role/r -I ext -o json --debug --refresh", "--external-id ext --role arn:aws:iam::1:role/r"},
		{"--token-code=654321 --tags a=b --tags c=d prod read", "--tags a=b --tags c=d prod read"},
	}
	for _, c := range cases {
		sio, _, _ := testIO(nil)
		root := NewRootCmd(sio)
		if err := root.ParseFlags(strings.Fields(c.args)); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(commandLine(root), " "); got != c.want {
			t.Errorf("%s: %q, want %q", c.args, got, c.want)
		}
	}
}
