package stsemu

import (
	"encoding/json"
	"fmt"
)

// OrgSpec describes a generated organization (see GenerateOrg).
type OrgSpec struct {
	// Accounts is the number of member accounts, besides the management account.
	Accounts int
	// Management is the management account's ID; default 111111111111 (the demo's bastion, whose
	// users then list the organization).
	Management string
	// Role, when set, is created in every member account, trusting the management account's root:
	// arn:aws:iam::ID:role/<Role>.
	Role string
	// Depth and Width shape the OU tree: Width OUs under the root, Width under each of those, Depth
	// levels in all (default 2 and 3). Accounts are spread round-robin over the root and every OU.
	Depth, Width int
	// SuspendEvery makes every Nth member account SUSPENDED (0: none).
	SuspendEvery int
	// NoRoleEvery leaves the role out of every Nth member account, so assuming it there is denied.
	NoRoleEvery int
	// FirstID is the first member account ID as a number; default 200000000000.
	FirstID int
}

// MemberID returns the ID of the i-th generated member account (0-based).
func (sp OrgSpec) MemberID(i int) string {
	first := sp.FirstID
	if first == 0 {
		first = 200000000000
	}
	return fmt.Sprintf("%012d", first+i)
}

// GenerateOrg adds an organization of spec.Accounts member accounts in nested OUs to sc (replacing
// any organization it had), each with the role spec.Role unless NoRoleEvery excludes it. Member i is
// named acct-NNNN and tagged env=prod (even i) or env=dev (odd i) and team=t<i%3>.
func GenerateOrg(sc *Scenario, spec OrgSpec) {
	if spec.Management == "" {
		spec.Management = "111111111111"
	}
	if spec.Depth == 0 {
		spec.Depth = 2
	}
	if spec.Width == 0 {
		spec.Width = 3
	}
	o := &Organization{ManagementAccount: spec.Management, RootID: "r-emu0"}
	parents := []string{o.RootID}
	level := []string{o.RootID}
	n := 0
	for d := 0; d < spec.Depth; d++ {
		var next []string
		for _, p := range level {
			for w := 0; w < spec.Width; w++ {
				n++
				id := fmt.Sprintf("ou-emu0-%08d", n)
				o.OUs = append(o.OUs, &OrgUnit{ID: id, Name: fmt.Sprintf("ou%d", n), Parent: p})
				next = append(next, id)
			}
		}
		parents = append(parents, next...)
		level = next
	}
	mgmtName := "management"
	if name, ok := sc.Accounts[spec.Management]; ok {
		mgmtName = name
	}
	o.Accounts = append(o.Accounts, &OrgAccount{ID: spec.Management, Name: mgmtName})
	if sc.Accounts == nil {
		sc.Accounts = map[string]string{}
	}
	trust := json.RawMessage(fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}`, spec.Management))
	for i := 0; i < spec.Accounts; i++ {
		id := spec.MemberID(i)
		a := &OrgAccount{ID: id, Name: fmt.Sprintf("acct-%04d", i), Parent: parents[i%len(parents)],
			Tags: map[string]string{"env": map[bool]string{true: "prod", false: "dev"}[i%2 == 0], "team": fmt.Sprintf("t%d", i%3)}}
		if spec.SuspendEvery > 0 && i%spec.SuspendEvery == spec.SuspendEvery-1 {
			a.Status = "SUSPENDED"
		}
		o.Accounts = append(o.Accounts, a)
		sc.Accounts[id] = a.Name
		if spec.Role != "" && (spec.NoRoleEvery == 0 || i%spec.NoRoleEvery != spec.NoRoleEvery-1) {
			sc.Roles = append(sc.Roles, &Role{ARN: "arn:aws:iam::" + id + ":role/" + spec.Role, MaxSessionDuration: 43200, TrustPolicy: trust})
		}
	}
	sc.Organization = o
}
