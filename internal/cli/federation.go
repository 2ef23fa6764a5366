package cli

import "github.com/spf13/pflag"

// federationFlags select SAML or web identity sign-in (issue 4).
type federationFlags struct{}

func (f *federationFlags) register(fs *pflag.FlagSet) {}

// apply fills tg.req.SAML or tg.req.WebIdentityTokenFile; federated reports whether one is used.
func (f *federationFlags) apply(sio *IO, tg *target, pos positional) (federated bool, err error) {
	return false, nil
}
