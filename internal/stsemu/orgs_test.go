package stsemu_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/assume-role/assume-role/internal/stsemu"
	"github.com/assume-role/assume-role/internal/stsemu/stsemutest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/smithy-go"
)

func orgClient(t *testing.T, url, key, secret string) *organizations.Client {
	t.Helper()
	return organizations.New(organizations.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		Retryer:      aws.NopRetryer{},
	})
}

func startOrg(t *testing.T, spec stsemu.OrgSpec, adjust func(*stsemu.Scenario)) string {
	t.Helper()
	sc, err := stsemu.LoadScenario(stsemutest.DemoScenario())
	if err != nil {
		t.Fatal(err)
	}
	stsemu.GenerateOrg(sc, spec)
	sc.Users = append(sc.Users, &stsemu.User{Account: spec.MemberID(0), Name: "member",
		AccessKeyID: "AKIAEXAMPLEMEMBER001", SecretAccessKey: "memberEMULATORsecret"})
	if adjust != nil {
		adjust(sc)
	}
	hs := httptest.NewServer(stsemu.New(sc))
	t.Cleanup(hs.Close)
	return hs.URL
}

const (
	aliceKey    = "AKIAEXAMPLEALICE0001"
	aliceSecret = "aliceEMULATORsecretKEYdoNOTuse0000000001"
)

func TestOrganizationsAPI(t *testing.T) {
	ctx := context.Background()
	spec := stsemu.OrgSpec{Accounts: 45, Role: "audit", SuspendEvery: 10}
	url := startOrg(t, spec, nil)
	c := orgClient(t, url, aliceKey, aliceSecret)

	pages, n, suspended := 0, 0, 0
	p := organizations.NewListAccountsPaginator(c, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Accounts) > 20 {
			t.Fatalf("a page of %d accounts", len(out.Accounts))
		}
		pages++
		n += len(out.Accounts)
		for _, a := range out.Accounts {
			if a.Status == types.AccountStatusSuspended {
				suspended++
			}
		}
	}
	if n != 46 || pages != 3 || suspended != 4 {
		t.Fatalf("ListAccounts: %d accounts in %d pages, %d suspended", n, pages, suspended)
	}
	org, err := c.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil || aws.ToString(org.Organization.MasterAccountId) != "111111111111" {
		t.Fatalf("DescribeOrganization: %v %+v", err, org)
	}
	roots, err := c.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil || len(roots.Roots) != 1 {
		t.Fatalf("ListRoots: %v", err)
	}
	root := aws.ToString(roots.Roots[0].Id)
	// Walk the tree: every account is found exactly once under the root.
	seen := map[string]bool{}
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		ap := organizations.NewListAccountsForParentPaginator(c, &organizations.ListAccountsForParentInput{ParentId: aws.String(parent)})
		for ap.HasMorePages() {
			out, err := ap.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range out.Accounts {
				seen[aws.ToString(a.Id)] = true
			}
		}
		op := organizations.NewListOrganizationalUnitsForParentPaginator(c, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
		for op.HasMorePages() {
			out, err := op.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, ou := range out.OrganizationalUnits {
				walk(aws.ToString(ou.Id), depth+1)
			}
		}
	}
	walk(root, 0)
	if len(seen) != 46 {
		t.Fatalf("the OU tree holds %d accounts, want 46", len(seen))
	}
	kids, err := c.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(root), ChildType: types.ChildTypeOrganizationalUnit})
	if err != nil || len(kids.Children) != 3 {
		t.Fatalf("ListChildren: %v %d", err, len(kids.Children))
	}
	par, err := c.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(spec.MemberID(1))})
	if err != nil || len(par.Parents) != 1 || par.Parents[0].Type != types.ParentTypeOrganizationalUnit {
		t.Fatalf("ListParents: %v %+v", err, par)
	}
	acc, err := c.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(spec.MemberID(2))})
	if err != nil || aws.ToString(acc.Account.Name) != "acct-0002" {
		t.Fatalf("DescribeAccount: %v", err)
	}
	tags, err := c.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(spec.MemberID(2))})
	if err != nil || len(tags.Tags) != 2 || aws.ToString(tags.Tags[0].Key) != "env" || aws.ToString(tags.Tags[0].Value) != "prod" {
		t.Fatalf("ListTagsForResource: %v %+v", err, tags)
	}
	_, err = c.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("999999999999")})
	var nf *types.AccountNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("DescribeAccount of an unknown account: %v", err)
	}

	// A member account may not list the organization.
	m := orgClient(t, url, "AKIAEXAMPLEMEMBER001", "memberEMULATORsecret")
	_, err = m.ListAccounts(ctx, &organizations.ListAccountsInput{})
	var ad *types.AccessDeniedException
	if !errors.As(err, &ad) {
		t.Fatalf("a member's ListAccounts: %v", err)
	}
}

func TestOrganizationsThrottling(t *testing.T) {
	url := startOrg(t, stsemu.OrgSpec{Accounts: 5}, func(sc *stsemu.Scenario) { sc.OrgThrottleRPS = 0.001 })
	c := orgClient(t, url, aliceKey, aliceSecret)
	throttled := 0
	for range 5 {
		_, err := c.ListRoots(context.Background(), &organizations.ListRootsInput{})
		var ae smithy.APIError
		if errors.As(err, &ae) {
			if ae.ErrorCode() != "TooManyRequestsException" {
				t.Fatal(err)
			}
			if !retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool() {
				t.Fatalf("the SDK does not see %v as throttling", err)
			}
			throttled++
		}
	}
	if throttled == 0 {
		t.Fatal("no request was throttled at one request per 1000 s")
	}
}
