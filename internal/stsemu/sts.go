package stsemu

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

var (
	errChainLimit = errValidation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	errMaxSession = errValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
)

// principal returns the caller as a trust-policy principal.
func (c *caller) principal() principal {
	p := principal{Type: "AWS", Account: c.account()}
	switch {
	case c.sess != nil && c.sess.kind == kindAssumedRole:
		p.ARNs = []string{c.sess.role.ARN, c.sess.arn}
	case c.sess != nil && c.sess.kind == kindFederated:
		p.ARNs = []string{c.sess.arn}
	default:
		p.ARNs = []string{c.user.arn}
	}
	return p
}

// principalARN is the aws:PrincipalArn of the caller.
func (c *caller) principalARN() string {
	if c.sess != nil && c.sess.kind == kindAssumedRole {
		return c.sess.role.ARN
	}
	return c.arn()
}

// baseContext builds the global condition keys for a caller.
func (s *Server) baseContext(c *caller, mfaTime time.Time) map[string][]string {
	now := s.now()
	ctx := map[string][]string{
		"aws:principalarn":     {c.principalARN()},
		"aws:principalaccount": {c.account()},
		"aws:userid":           {c.userID()},
		"aws:securetransport":  {strconv.FormatBool(c.secure)},
		"aws:requestedregion":  {c.region},
		"aws:currenttime":      {awsTime(now)},
		"aws:epochtime":        {strconv.FormatInt(now.Unix(), 10)},
	}
	switch {
	case c.sess == nil || c.sess.kind == kindSessionToken:
		ctx["aws:principaltype"] = []string{"User"}
		ctx["aws:username"] = []string{c.user.Name}
	case c.sess.kind == kindAssumedRole:
		ctx["aws:principaltype"] = []string{"AssumedRole"}
	default:
		ctx["aws:principaltype"] = []string{"FederatedUser"}
	}
	if org := s.principalOrgID(c.account()); org != "" {
		ctx["aws:principalorgid"] = []string{org}
	}
	if c.sess != nil {
		ctx["aws:tokenissuetime"] = []string{awsTime(c.sess.issued)}
	}
	if !mfaTime.IsZero() {
		ctx["aws:multifactorauthpresent"] = []string{"true"}
		ctx["aws:multifactorauthage"] = []string{strconv.FormatInt(int64(now.Sub(mfaTime)/time.Second), 10)}
	} else if c.sess != nil {
		ctx["aws:multifactorauthpresent"] = []string{"false"}
	}
	return ctx
}

// checkMFA validates a one-time code for a device of user and burns it.
// s.mu must be held.
func (s *Server) checkMFA(u *User, serial, code string) bool {
	if u == nil || serial == "" || code == "" {
		return false
	}
	var dev *MFADevice
	for _, d := range u.MFADevices {
		if d.Serial == serial {
			dev = d
		}
	}
	if dev == nil || s.usedCodes[serial][code] {
		return false
	}
	ok := false
	for _, c := range dev.Codes {
		if equalConst(c, code) {
			ok = true
		}
	}
	if !ok && dev.TOTPSecret != "" {
		ok = totpValid(dev.TOTPSecret, code, s.now())
	}
	if !ok {
		return false
	}
	if s.usedCodes[serial] == nil {
		s.usedCodes[serial] = map[string]bool{}
	}
	s.usedCodes[serial][code] = true
	return true
}

func (s *Server) assumeRole(c *caller, p url.Values) (any, *apiError) {
	var v validator
	roleARN, _ := v.str(p, "RoleArn", "roleArn", true, 20, 2048, nil)
	sessName, _ := v.str(p, "RoleSessionName", "roleSessionName", true, 2, 64, reName)
	extID, hasExt := v.str(p, "ExternalId", "externalId", false, 2, 1224, reExternalID)
	serial, code := v.mfa(p)
	srcID, hasSrc := v.str(p, "SourceIdentity", "sourceIdentity", false, 2, 64, reName)
	_, hasDur := p["DurationSeconds"]
	dur := v.duration(p, 900, 43200, 3600)
	tags, transitive, packed, aerr := v.sessionPolicy(p, true)
	if aerr != nil {
		return nil, aerr
	}
	if hasSrc && strings.HasPrefix(strings.ToLower(srcID), "aws:") {
		return nil, errValidation("SourceIdentity must not begin with 'aws:'")
	}
	if !reRoleARN.MatchString(roleARN) {
		return nil, errValidation("Request ARN is invalid")
	}
	denied := errNotAuthorized(c.arn(), "sts:AssumeRole", roleARN)
	role := s.roles[roleARN]
	if role == nil {
		return nil, denied
	}
	mfaTime := time.Time{}
	if c.sess != nil {
		mfaTime = c.sess.mfaTime
	}
	if serial != "" || code != "" {
		if !s.checkMFA(c.user, serial, code) {
			return nil, errMFAFailed
		}
		mfaTime = s.now()
	}
	inherited := ""
	if c.sess != nil {
		inherited = c.sess.sourceIdentity
	}
	if inherited != "" && hasSrc && srcID != inherited {
		return nil, errValidation("SourceIdentity cannot be changed once set in a role chain")
	}
	if inherited != "" {
		srcID = inherited
	}
	ctx := s.baseContext(c, mfaTime)
	ctx["sts:rolesessionname"] = []string{sessName}
	if hasExt {
		ctx["sts:externalid"] = []string{extID}
	}
	if srcID != "" {
		ctx["sts:sourceidentity"] = []string{srcID}
	}
	addTagContext(ctx, tags, transitive)
	req := evalRequest{Action: "sts:AssumeRole", Principal: c.principal(), Context: ctx}
	if !role.policy.allowed(req) {
		return nil, denied
	}
	if len(tags) > 0 || len(transitive) > 0 {
		req.Action = "sts:TagSession"
		if !role.policy.allowed(req) {
			return nil, errNotAuthorized(c.arn(), "sts:TagSession", roleARN)
		}
	}
	if srcID != "" {
		req.Action = "sts:SetSourceIdentity"
		if !role.policy.allowed(req) {
			return nil, errNotAuthorized(c.arn(), "sts:SetSourceIdentity", roleARN)
		}
	}
	if hasDur && dur > role.MaxSessionDuration {
		return nil, errMaxSession
	}
	if c.sess != nil && dur > 3600 {
		return nil, errChainLimit
	}
	sess := s.issue(s.roleSession(role, sessName, mfaTime, srcID), dur)
	return &assumeRoleResult{
		Credentials:      sess.xml(),
		AssumedRoleUser:  xmlAssumedRoleUser{AssumedRoleID: sess.userID, Arn: sess.arn},
		PackedPolicySize: packedPtr(packed),
		SourceIdentity:   srcID,
	}, nil
}

func (s *Server) roleSession(role *Role, sessName string, mfaTime time.Time, srcID string) *session {
	return &session{
		kind:           kindAssumedRole,
		account:        role.account,
		arn:            fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", role.partition, role.account, role.name, sessName),
		userID:         role.RoleID + ":" + sessName,
		role:           role,
		mfaTime:        mfaTime,
		sourceIdentity: srcID,
	}
}

func addTagContext(ctx map[string][]string, tags map[string]string, transitive []string) {
	for k, v := range tags {
		ctx["aws:requesttag/"+strings.ToLower(k)] = []string{v}
		ctx["aws:tagkeys"] = append(ctx["aws:tagkeys"], k)
	}
	if len(transitive) > 0 {
		ctx["sts:transitivetagkeys"] = transitive
	}
}

func packedPtr(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

func (s *Server) getSessionToken(c *caller, p url.Values) (any, *apiError) {
	var v validator
	serial, code := v.mfa(p)
	dur := v.duration(p, 900, 129600, 43200)
	if e := v.err(); e != nil {
		return nil, e
	}
	if c.sess != nil {
		return nil, errAccessDenied("Cannot call GetSessionToken with session credentials")
	}
	var mfaTime time.Time
	if serial != "" || code != "" {
		if !s.checkMFA(c.user, serial, code) {
			return nil, errMFAFailed
		}
		mfaTime = s.now()
	}
	sess := s.issue(&session{
		kind: kindSessionToken, account: c.user.Account, arn: c.user.arn, userID: c.user.UserID,
		user: c.user, mfaTime: mfaTime,
	}, dur)
	return &getSessionTokenResult{Credentials: sess.xml()}, nil
}

func (s *Server) getFederationToken(c *caller, p url.Values) (any, *apiError) {
	var v validator
	name, _ := v.str(p, "Name", "name", true, 2, 32, reName)
	dur := v.duration(p, 900, 129600, 43200)
	_, _, packed, aerr := v.sessionPolicy(p, true)
	if aerr != nil {
		return nil, aerr
	}
	if c.sess != nil {
		return nil, errAccessDenied("Cannot call GetFederationToken with session credentials")
	}
	sess := s.issue(&session{
		kind:    kindFederated,
		account: c.user.Account,
		arn:     fmt.Sprintf("arn:%s:sts::%s:federated-user/%s", s.sc.Partition, c.user.Account, name),
		userID:  c.user.Account + ":" + name,
		user:    c.user,
	}, dur)
	res := &getFederationTokenResult{Credentials: sess.xml(), PackedPolicySize: packedPtr(packed)}
	res.FederatedUser.FederatedUserID = sess.userID
	res.FederatedUser.Arn = sess.arn
	return res, nil
}

// principalOrgID is the organization of an account: organization_ids, else the scenario's
// organization when the account is one of its accounts.
func (s *Server) principalOrgID(account string) string {
	if org := s.sc.OrganizationIDs[account]; org != "" {
		return org
	}
	if o := s.sc.Organization; o != nil && o.byID[account] != nil {
		return o.ID
	}
	return ""
}
