package saml

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestChooseRole(t *testing.T) {
	p1 := "arn:aws:iam::111111111111:saml-provider/Okta"
	p2 := "arn:aws:iam::222222222222:saml-provider/Okta"
	a := &Assertion{Roles: []Role{
		{RoleARN: "arn:aws:iam::111111111111:role/Admin", PrincipalARN: p1},
		{RoleARN: "arn:aws:iam::222222222222:role/Admin", PrincipalARN: p2},
		{RoleARN: "arn:aws:iam::222222222222:role/team/ReadOnly", PrincipalARN: p2},
		{RoleARN: "arn:aws:iam::222222222222:role/Deploy", PrincipalARN: p2},
		{RoleARN: "arn:aws:iam::111111111111:role/deploy", PrincipalARN: p1},
		{RoleARN: "arn:aws-us-gov:iam::333333333333:role/Gov", PrincipalARN: "arn:aws-us-gov:iam::333333333333:saml-provider/Okta"},
	}}
	all := make([]string, len(a.Roles))
	for i, r := range a.Roles {
		all[i] = r.RoleARN
	}
	tests := []struct {
		want        string
		role        string   // expected RoleARN, "" for an error
		matches     []string // expected RoleChoiceError.Matches
		errContains string
	}{
		{want: "arn:aws:iam::222222222222:role/Admin", role: "arn:aws:iam::222222222222:role/Admin"},
		{want: "arn:aws:iam::222222222222:role/team/ReadOnly", role: "arn:aws:iam::222222222222:role/team/ReadOnly"},
		{want: " arn:aws:iam::222222222222:role/Deploy ", role: "arn:aws:iam::222222222222:role/Deploy"},
		{want: "arn:aws:iam::999999999999:role/Admin", errContains: "no role matching"},
		{want: "arn:aws:iam::222222222222:role/admin", errContains: "no role matching"}, // ARNs match exactly
		{want: "ReadOnly", role: "arn:aws:iam::222222222222:role/team/ReadOnly"},
		{want: "team/ReadOnly", role: "arn:aws:iam::222222222222:role/team/ReadOnly"},
		{want: "readonly", role: "arn:aws:iam::222222222222:role/team/ReadOnly"},
		{want: "Gov", role: "arn:aws-us-gov:iam::333333333333:role/Gov"},
		{want: "Admin", matches: []string{"arn:aws:iam::111111111111:role/Admin", "arn:aws:iam::222222222222:role/Admin"}, errContains: "ambiguous"},
		{want: "ADMIN", matches: []string{"arn:aws:iam::111111111111:role/Admin", "arn:aws:iam::222222222222:role/Admin"}, errContains: "ambiguous"},
		{want: "Deploy", role: "arn:aws:iam::222222222222:role/Deploy"}, // exact case beats folded
		{want: "deploy", role: "arn:aws:iam::111111111111:role/deploy"},
		{want: "DEPLOY", matches: []string{"arn:aws:iam::222222222222:role/Deploy", "arn:aws:iam::111111111111:role/deploy"}, errContains: "ambiguous"},
		{want: "111111111111/Admin", role: "arn:aws:iam::111111111111:role/Admin"},
		{want: "222222222222/Admin", role: "arn:aws:iam::222222222222:role/Admin"},
		{want: "222222222222/team/ReadOnly", role: "arn:aws:iam::222222222222:role/team/ReadOnly"},
		{want: "222222222222/ReadOnly", role: "arn:aws:iam::222222222222:role/team/ReadOnly"},
		{want: "111111111111/ReadOnly", errContains: "no role matching \"111111111111/ReadOnly\""},
		{want: "Nope", errContains: "available: " + strings.Join(all, ", ")},
		{want: "", errContains: "grants 6 roles; choose one of: " + strings.Join(all, ", ")},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got, err := a.ChooseRole(tt.want)
			if tt.role != "" {
				if err != nil {
					t.Fatalf("error: %v", err)
				}
				if got.RoleARN != tt.role {
					t.Fatalf("got %s, want %s", got.RoleARN, tt.role)
				}
				for _, r := range a.Roles {
					if r.RoleARN == got.RoleARN && r != got {
						t.Fatalf("principal not carried: %#v", got)
					}
				}
				return
			}
			var rce *RoleChoiceError
			if !errors.As(err, &rce) {
				t.Fatalf("error %v (%T) is not a *RoleChoiceError", err, err)
			}
			if got != (Role{}) {
				t.Errorf("non-zero role with error: %#v", got)
			}
			if !strings.Contains(err.Error(), tt.errContains) {
				t.Errorf("error %q does not contain %q", err, tt.errContains)
			}
			if !reflect.DeepEqual(rce.Matches, tt.matches) {
				t.Errorf("Matches = %q, want %q", rce.Matches, tt.matches)
			}
			if !reflect.DeepEqual(rce.Available, all) {
				t.Errorf("Available = %q", rce.Available)
			}
		})
	}
}

func TestChooseRoleSingleAndNone(t *testing.T) {
	one := &Assertion{Roles: []Role{{RoleARN: "arn:aws:iam::1:role/Only", PrincipalARN: "arn:aws:iam::1:saml-provider/P"}}}
	if r, err := one.ChooseRole(""); err != nil || r.RoleARN != "arn:aws:iam::1:role/Only" {
		t.Errorf("ChooseRole(\"\") = %v, %v", r, err)
	}
	if _, err := one.ChooseRole("Other"); err == nil {
		t.Error("ChooseRole(Other) succeeded")
	}
	none := &Assertion{}
	_, err := none.ChooseRole("")
	var rce *RoleChoiceError
	if !errors.As(err, &rce) || !strings.Contains(err.Error(), "grants no AWS role") {
		t.Errorf("ChooseRole on no roles: %v", err)
	}
}
