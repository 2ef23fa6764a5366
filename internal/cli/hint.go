package cli

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// hintFlags classifies the flags of the main command for the command line that the terminal hint
// repeats ("to use them in this shell run: eval …"): true repeats the flag with its value, false
// leaves it out. Left out are secrets (the MFA code, single-use anyway: the repeated command finds
// the cached credentials) and flags that should not run twice. A flag missing here is left out;
// a test requires every flag to be classified.
var hintFlags = map[string]bool{
	"role": true, "profile": true, "source-profile": true, "region": true, "sts-endpoint-region": true,
	"session-duration": true, "external-id": true, "role-session-name": true, "policy": true,
	"policy-arns": true, "tags": true, "transitive-tag-keys": true, "source-identity": true,
	"serial-number": true, "mfa": true, "mfa-session-duration": true, "mfa-on-assume": true,
	"strict-duration": true, "no-cache": true, "cache-backend": true, "cache-margin": true,
	"no-input": true, "saml-assertion": true, "allow-insecure-idp": true, "web-identity-token-file": true,
	"timeouts": true,

	"token-code":    false, // a secret
	"output":        false, // the eval picks the shell's format
	"debug":         false,
	"refresh":       false, // would fetch new credentials again
	"write-profile": false, // done already
	"unset":         false,
	"help":          false,
	"version":       false,
}

// commandLine rebuilds the arguments the user gave for the hint (flags first, then positional
// arguments), keeping only the flags hintFlags allows and leaving out the MFA_TOKEN argument.
func commandLine(cmd *cobra.Command) []string {
	var out []string
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if !hintFlags[f.Name] {
			return
		}
		if f.Value.Type() == "bool" {
			out = append(out, "--"+f.Name)
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				out = append(out, "--"+f.Name, v)
			}
			return
		}
		out = append(out, "--"+f.Name, f.Value.String())
	})
	pos, err := parsePositional(cmd.Flags().Args())
	if err != nil {
		return out // not reached: the command line was parsed before the switch succeeded
	}
	for _, a := range []string{pos.account, pos.role, pos.region} {
		if a != "" {
			out = append(out, a)
		}
	}
	return out
}
