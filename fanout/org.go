package fanout

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// OrgAPI is the part of the AWS Organizations client that listing uses.
type OrgAPI interface {
	DescribeOrganization(context.Context, *organizations.DescribeOrganizationInput, ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error)
	ListAccounts(context.Context, *organizations.ListAccountsInput, ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error)
	ListAccountsForParent(context.Context, *organizations.ListAccountsForParentInput, ...func(*organizations.Options)) (*organizations.ListAccountsForParentOutput, error)
	ListOrganizationalUnitsForParent(context.Context, *organizations.ListOrganizationalUnitsForParentInput, ...func(*organizations.Options)) (*organizations.ListOrganizationalUnitsForParentOutput, error)
	ListTagsForResource(context.Context, *organizations.ListTagsForResourceInput, ...func(*organizations.Options)) (*organizations.ListTagsForResourceOutput, error)
}

// OrgQuery says which accounts of the organization to select.
type OrgQuery struct {
	All       bool              // every account (ListAccounts)
	OUs       []string          // accounts under these OUs, recursively
	Tags      map[string]string // keep accounts with all of these tags
	Role      string            // the role name (with path) assumed in every account
	Partition string
}

// ListError is a failure to list the accounts: the run has no targets at all.
type ListError struct{ Err error }

func (e *ListError) Error() string {
	return "cannot list the organization's accounts: " + e.Err.Error()
}
func (e *ListError) Unwrap() error { return e.Err }

// ListOrg lists the selected accounts of the organization as targets: the management account and
// accounts that are not ACTIVE are returned as skipped, with the reason.
func ListOrg(ctx context.Context, api OrgAPI, q OrgQuery) ([]Target, error) {
	org, err := retry(ctx, func() (*organizations.DescribeOrganizationOutput, error) {
		return api.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	})
	if err != nil {
		return nil, &ListError{err}
	}
	mgmt := aws.ToString(org.Organization.MasterAccountId)
	var out []Target
	add := func(a types.Account, ouPath string) {
		t := Target{AccountID: aws.ToString(a.Id), AccountName: aws.ToString(a.Name), OUPath: ouPath}
		if q.Role != "" {
			t.RoleARN = RoleARN(q.Partition, t.AccountID, q.Role)
		}
		switch {
		case t.AccountID == mgmt:
			t.Skipped = "management account (roles there are not for fan-out; select it with --accounts)"
		case a.Status != types.AccountStatusActive:
			t.Skipped = "account status " + string(a.Status)
		}
		out = append(out, t)
	}
	if q.All {
		p := organizations.NewListAccountsPaginator(api, &organizations.ListAccountsInput{})
		for p.HasMorePages() {
			page, err := retry(ctx, func() (*organizations.ListAccountsOutput, error) { return p.NextPage(ctx) })
			if err != nil {
				return nil, &ListError{err}
			}
			for _, a := range page.Accounts {
				add(a, "")
			}
		}
	}
	for _, ou := range q.OUs {
		if err := walkOU(ctx, api, ou, ou, add); err != nil {
			return nil, &ListError{err}
		}
	}
	if len(q.Tags) > 0 {
		kept := out[:0]
		for _, t := range out {
			ok, err := hasTags(ctx, api, t.AccountID, q.Tags)
			if err != nil {
				return nil, &ListError{err}
			}
			if ok {
				kept = append(kept, t)
			}
		}
		out = kept
	}
	return out, nil
}

// walkOU adds the accounts under parent and, recursively, under its child OUs.
func walkOU(ctx context.Context, api OrgAPI, parent, ouPath string, add func(types.Account, string)) error {
	ap := organizations.NewListAccountsForParentPaginator(api, &organizations.ListAccountsForParentInput{ParentId: aws.String(parent)})
	for ap.HasMorePages() {
		page, err := retry(ctx, func() (*organizations.ListAccountsForParentOutput, error) { return ap.NextPage(ctx) })
		if err != nil {
			return err
		}
		for _, a := range page.Accounts {
			add(a, ouPath)
		}
	}
	op := organizations.NewListOrganizationalUnitsForParentPaginator(api, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
	for op.HasMorePages() {
		page, err := retry(ctx, func() (*organizations.ListOrganizationalUnitsForParentOutput, error) { return op.NextPage(ctx) })
		if err != nil {
			return err
		}
		for _, ou := range page.OrganizationalUnits {
			if err := walkOU(ctx, api, aws.ToString(ou.Id), ouPath+"/"+aws.ToString(ou.Name), add); err != nil {
				return err
			}
		}
	}
	return nil
}

func hasTags(ctx context.Context, api OrgAPI, id string, want map[string]string) (bool, error) {
	got := map[string]string{}
	var token *string
	for {
		out, err := retry(ctx, func() (*organizations.ListTagsForResourceOutput, error) {
			return api.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(id), NextToken: token})
		})
		if err != nil {
			return false, err
		}
		for _, t := range out.Tags {
			got[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	for k, v := range want {
		if got[k] != v {
			return false, nil
		}
	}
	return true, nil
}

// ParseTags reads KEY=VALUE flags.
func ParseTags(flags []string) (map[string]string, error) {
	m := map[string]string{}
	for _, f := range flags {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--tag %q is not KEY=VALUE", f)
		}
		m[k] = v
	}
	return m, nil
}
