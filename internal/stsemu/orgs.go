package stsemu

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Organization is the AWS Organizations view of a scenario: a management account, one root, nested
// organizational units and member accounts with their status and tags. The emulator answers the
// Organizations JSON 1.1 API (X-Amz-Target: AWSOrganizationsV20161128.*) for it; clients reach it
// through AWS_ENDPOINT_URL_ORGANIZATIONS.
type Organization struct {
	// ID is the organization ID (o-…); default "o-emulator01".
	ID string `json:"id,omitempty"`
	// ManagementAccount is the 12-digit ID of the management account, which may call every API.
	ManagementAccount string `json:"management_account"`
	// DelegatedAdmins are member accounts that may call the read APIs too.
	DelegatedAdmins []string `json:"delegated_admins,omitempty"`
	// RootID is the root's ID (r-…); default "r-emu0".
	RootID string `json:"root_id,omitempty"`
	// OUs are the organizational units; Parent is the root ID or another OU's ID.
	OUs []*OrgUnit `json:"ous,omitempty"`
	// Accounts are every account of the organization, the management account included.
	Accounts []*OrgAccount `json:"accounts"`

	byID   map[string]*OrgAccount
	ous    map[string]*OrgUnit
	kids   map[string][]string // parent ID -> child account IDs, in order
	kidOUs map[string][]string // parent ID -> child OU IDs, in order
}

// OrgUnit is an organizational unit.
type OrgUnit struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Parent string `json:"parent"`
}

// OrgAccount is an account of the organization.
type OrgAccount struct {
	ID     string            `json:"id"`
	Name   string            `json:"name"`
	Email  string            `json:"email,omitempty"`
	Status string            `json:"status,omitempty"` // ACTIVE (default), SUSPENDED, PENDING_CLOSURE
	Parent string            `json:"parent,omitempty"` // root (default) or an OU ID
	Tags   map[string]string `json:"tags,omitempty"`
}

func (o *Organization) validate() []error {
	var errs []error
	bad := func(f string, a ...any) { errs = append(errs, fmt.Errorf("organization: "+f, a...)) }
	if o.ID == "" {
		o.ID = "o-emulator01"
	}
	if o.RootID == "" {
		o.RootID = "r-emu0"
	}
	if !reAccount.MatchString(o.ManagementAccount) {
		bad("management_account %q is not a 12-digit account ID", o.ManagementAccount)
	}
	o.ous = map[string]*OrgUnit{}
	o.kidOUs = map[string][]string{}
	for _, u := range o.OUs {
		if u == nil || !strings.HasPrefix(u.ID, "ou-") || o.ous[u.ID] != nil {
			bad("ous: missing, duplicate or invalid OU ID (ou-…)")
			continue
		}
		o.ous[u.ID] = u
	}
	for _, u := range o.OUs {
		if u == nil {
			continue
		}
		if u.Parent == "" {
			u.Parent = o.RootID
		}
		if u.Parent != o.RootID && o.ous[u.Parent] == nil {
			bad("OU %s: unknown parent %s", u.ID, u.Parent)
		}
		o.kidOUs[u.Parent] = append(o.kidOUs[u.Parent], u.ID)
	}
	o.byID = map[string]*OrgAccount{}
	o.kids = map[string][]string{}
	for _, a := range o.Accounts {
		if a == nil || !reAccount.MatchString(a.ID) || o.byID[a.ID] != nil {
			bad("accounts: missing, duplicate or invalid account ID")
			continue
		}
		if a.Status == "" {
			a.Status = "ACTIVE"
		}
		if a.Parent == "" {
			a.Parent = o.RootID
		}
		if a.Email == "" {
			a.Email = a.ID + "@example.com"
		}
		if a.Parent != o.RootID && o.ous[a.Parent] == nil {
			bad("account %s: unknown parent %s", a.ID, a.Parent)
		}
		o.byID[a.ID] = a
		o.kids[a.Parent] = append(o.kids[a.Parent], a.ID)
	}
	if o.byID[o.ManagementAccount] == nil {
		bad("the management account %s is not among the accounts", o.ManagementAccount)
	}
	return errs
}

const orgsTargetPrefix = "AWSOrganizationsV20161128."

// orgsPageSize is the most results a page holds (ListAccounts' maximum).
const orgsPageSize = 20

func orgsError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.Header().Set("X-Amzn-RequestId", newRequestID())
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Code, "Message": e.Message})
}

// serveOrganizations answers one Organizations JSON 1.1 request.
func (s *Server) serveOrganizations(w http.ResponseWriter, r *http.Request) {
	action := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), orgsTargetPrefix)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	entry := LogEntry{Time: s.now(), Service: "organizations", Action: action}
	fail := func(e *apiError) {
		entry.ErrorCode = e.Code
		s.record(entry)
		orgsError(w, e)
	}
	if err != nil || len(body) > maxBody {
		fail(&apiError{Status: 400, Code: "InvalidInputException", Message: "The request body is too large or unreadable."})
		return
	}
	if s.orgLimiter != nil && !s.orgLimiter.Allow() {
		fail(&apiError{Status: 400, Code: "TooManyRequestsException", Message: "AWS Organizations can't complete your request because another request is already in progress. Try again later."})
		return
	}
	var in map[string]any
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			fail(&apiError{Status: 400, Code: "SerializationException", Message: "The request body is not valid JSON."})
			return
		}
	}
	entry.Params = map[string]string{}
	for k, v := range in {
		entry.Params[k] = fmt.Sprint(v)
	}
	out, aerr := s.handleOrganizations(r, body, action, in, &entry)
	if aerr != nil {
		fail(aerr)
		return
	}
	s.record(entry)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", newRequestID())
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(out)
}

func (s *Server) handleOrganizations(r *http.Request, body []byte, action string, in map[string]any, entry *LogEntry) (any, *apiError) {
	sig, aerr := parseSig(r)
	if aerr != nil {
		return nil, aerr
	}
	if sig == nil {
		return nil, errMissingAuth
	}
	entry.AccessKeyID, entry.Region = sig.AccessKeyID, sig.Region
	s.mu.Lock()
	c, aerr := s.authenticate(r, body, sig)
	s.mu.Unlock()
	if aerr != nil {
		return nil, aerr
	}
	entry.CallerARN = c.arn()
	o := s.sc.Organization
	if o == nil {
		return nil, &apiError{Status: 400, Code: "AWSOrganizationsNotInUseException", Message: "Your account is not a member of an organization."}
	}
	if o.byID[c.account()] == nil {
		return nil, &apiError{Status: 400, Code: "AWSOrganizationsNotInUseException", Message: "Your account is not a member of an organization."}
	}
	admin := c.account() == o.ManagementAccount
	for _, d := range o.DelegatedAdmins {
		admin = admin || d == c.account()
	}
	if !admin && action != "DescribeOrganization" {
		return nil, &apiError{Status: 400, Code: "AccessDeniedException", Message: "You don't have permissions to access this resource."}
	}
	str := func(k string) string { v, _ := in[k].(string); return v }
	max := orgsPageSize
	if v, ok := in["MaxResults"].(float64); ok && v >= 1 && int(v) < max {
		max = int(v)
	}
	switch action {
	case "DescribeOrganization":
		return map[string]any{"Organization": map[string]any{
			"Id": o.ID, "Arn": o.arn("organization", ""), "FeatureSet": "ALL",
			"MasterAccountId": o.ManagementAccount, "MasterAccountArn": o.accountARN(o.ManagementAccount),
			"MasterAccountEmail": o.byID[o.ManagementAccount].Email,
		}}, nil
	case "ListAccounts":
		ids := make([]string, 0, len(o.Accounts))
		for _, a := range o.Accounts {
			ids = append(ids, a.ID)
		}
		return o.accountPage(ids, str("NextToken"), max, "Accounts")
	case "ListAccountsForParent":
		p := str("ParentId")
		if !o.parentExists(p) {
			return nil, &apiError{Status: 400, Code: "ParentNotFoundException", Message: "We can't find a root or OU with the ParentId that you specified."}
		}
		return o.accountPage(o.kids[p], str("NextToken"), max, "Accounts")
	case "ListRoots":
		return map[string]any{"Roots": []any{map[string]any{"Id": o.RootID, "Arn": o.arn("root", o.RootID), "Name": "Root", "PolicyTypes": []any{}}}}, nil
	case "ListOrganizationalUnitsForParent":
		p := str("ParentId")
		if !o.parentExists(p) {
			return nil, &apiError{Status: 400, Code: "ParentNotFoundException", Message: "We can't find a root or OU with the ParentId that you specified."}
		}
		page, next, aerr := paginate(o.kidOUs[p], str("NextToken"), max)
		if aerr != nil {
			return nil, aerr
		}
		list := []any{}
		for _, id := range page {
			list = append(list, map[string]any{"Id": id, "Arn": o.arn("ou", id), "Name": o.ous[id].Name})
		}
		return withNext(map[string]any{"OrganizationalUnits": list}, next), nil
	case "ListChildren":
		p := str("ParentId")
		if !o.parentExists(p) {
			return nil, &apiError{Status: 400, Code: "ParentNotFoundException", Message: "We can't find a root or OU with the ParentId that you specified."}
		}
		var ids []string
		typ := str("ChildType")
		switch typ {
		case "ACCOUNT":
			ids = o.kids[p]
		case "ORGANIZATIONAL_UNIT":
			ids = o.kidOUs[p]
		default:
			return nil, &apiError{Status: 400, Code: "InvalidInputException", Message: "ChildType must be ACCOUNT or ORGANIZATIONAL_UNIT."}
		}
		page, next, aerr := paginate(ids, str("NextToken"), max)
		if aerr != nil {
			return nil, aerr
		}
		list := []any{}
		for _, id := range page {
			list = append(list, map[string]any{"Id": id, "Type": typ})
		}
		return withNext(map[string]any{"Children": list}, next), nil
	case "ListParents":
		id := str("ChildId")
		parent := ""
		if a := o.byID[id]; a != nil {
			parent = a.Parent
		} else if u := o.ous[id]; u != nil {
			parent = u.Parent
		} else {
			return nil, &apiError{Status: 400, Code: "ChildNotFoundException", Message: "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified."}
		}
		typ := "ORGANIZATIONAL_UNIT"
		if parent == o.RootID {
			typ = "ROOT"
		}
		return map[string]any{"Parents": []any{map[string]any{"Id": parent, "Type": typ}}}, nil
	case "DescribeAccount":
		a := o.byID[str("AccountId")]
		if a == nil {
			return nil, &apiError{Status: 400, Code: "AccountNotFoundException", Message: "You specified an account that doesn't exist."}
		}
		return map[string]any{"Account": o.account(a)}, nil
	case "ListTagsForResource":
		a := o.byID[str("ResourceId")]
		if a == nil {
			return nil, &apiError{Status: 400, Code: "TargetNotFoundException", Message: "We can't find a root, OU, account, or policy with the TargetId that you specified."}
		}
		keys := make([]string, 0, len(a.Tags))
		for k := range a.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		page, next, aerr := paginate(keys, str("NextToken"), max)
		if aerr != nil {
			return nil, aerr
		}
		list := []any{}
		for _, k := range page {
			list = append(list, map[string]any{"Key": k, "Value": a.Tags[k]})
		}
		return withNext(map[string]any{"Tags": list}, next), nil
	}
	return nil, &apiError{Status: 400, Code: "UnknownOperationException", Message: "The emulator does not implement Organizations " + action}
}

func (o *Organization) parentExists(id string) bool { return id == o.RootID || o.ous[id] != nil }

func (o *Organization) arn(kind, id string) string {
	if kind == "organization" {
		return "arn:aws:organizations::" + o.ManagementAccount + ":organization/" + o.ID
	}
	return "arn:aws:organizations::" + o.ManagementAccount + ":" + kind + "/" + o.ID + "/" + id
}

func (o *Organization) accountARN(id string) string { return o.arn("account", id) }

var orgJoined = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func (o *Organization) account(a *OrgAccount) map[string]any {
	return map[string]any{"Id": a.ID, "Arn": o.accountARN(a.ID), "Email": a.Email, "Name": a.Name,
		"Status": a.Status, "JoinedMethod": "CREATED", "JoinedTimestamp": orgJoined.Unix()}
}

func (o *Organization) accountPage(ids []string, token string, max int, field string) (any, *apiError) {
	page, next, aerr := paginate(ids, token, max)
	if aerr != nil {
		return nil, aerr
	}
	list := make([]any, 0, len(page))
	for _, id := range page {
		list = append(list, o.account(o.byID[id]))
	}
	return withNext(map[string]any{field: list}, next), nil
}

func withNext(m map[string]any, next string) map[string]any {
	if next != "" {
		m["NextToken"] = next
	}
	return m
}

// paginate returns one page of ids from the offset the opaque token encodes.
func paginate(ids []string, token string, max int) ([]string, string, *apiError) {
	off := 0
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "off:"))
		if err != nil || err2 != nil || n < 0 || n > len(ids) {
			return nil, "", &apiError{Status: 400, Code: "InvalidInputException", Message: "The NextToken is not valid."}
		}
		off = n
	}
	end := min(off+max, len(ids))
	next := ""
	if end < len(ids) {
		next = base64.RawURLEncoding.EncodeToString([]byte("off:" + strconv.Itoa(end)))
	}
	return ids[off:end], next, nil
}
