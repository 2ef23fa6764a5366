package cli

import (
	"testing"

	"github.com/assume-role/assume-role/fanout"
)

func TestSAMLGlob(t *testing.T) {
	tg := fanout.Target{AccountID: "222222222222", AccountName: "prod", RoleARN: "arn:aws:iam::222222222222:role/team/saml-read"}
	for glob, want := range map[string]bool{
		"team/saml-*": true, "team/*": true, "2222*": true, "pro?": true, "prod": true,
		"arn:aws:iam::222222222222:role/team/saml-read": true, "saml-read": true, "staging": false, "3*": false,
	} {
		if got := samlGlob(glob, &tg); got != want {
			t.Errorf("samlGlob(%q) = %v, want %v", glob, got, want)
		}
	}
}
