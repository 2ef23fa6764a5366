package stsemu

import (
	"net/url"
	"strings"
)

// iamTarget resolves the user an IAM read action is about: the named user
// in the caller's account, or the calling user when UserName is absent.
// s.mu must be held.
func (s *Server) iamTarget(c *caller, p url.Values, action string) (*User, *apiError) {
	var v validator
	name, hasName := v.str(p, "UserName", "userName", false, 1, 128, reName)
	if e := v.err(); e != nil {
		return nil, e
	}
	if c.sess != nil && c.sess.kind == kindSessionToken && c.sess.mfaTime.IsZero() {
		// IAM refuses GetSessionToken credentials obtained without MFA.
		return nil, errInvalidToken
	}
	isUser := c.sess == nil || c.sess.kind == kindSessionToken
	if !hasName {
		if !isUser {
			return nil, errValidation("Must specify userName when calling with non-User credentials")
		}
		return c.user, nil
	}
	if c.sess != nil && c.sess.kind == kindFederated {
		return nil, errNotAuthorized(c.arn(), "iam:"+action, "user "+name)
	}
	for _, u := range s.sc.Users {
		if u.Account == c.account() && strings.EqualFold(u.Name, name) {
			return u, nil
		}
	}
	return nil, &apiError{Status: 404, Code: "NoSuchEntity", Message: "The user with name " + name + " cannot be found."}
}

func (s *Server) getUser(c *caller, p url.Values) (any, *apiError) {
	u, aerr := s.iamTarget(c, p, "GetUser")
	if aerr != nil {
		return nil, aerr
	}
	return &getUserResult{User: xmlUser{
		Path: u.Path, UserName: u.Name, UserID: u.UserID, Arn: u.arn, CreateDate: awsTime(u.CreateDate),
	}}, nil
}

func (s *Server) listMFADevices(c *caller, p url.Values) (any, *apiError) {
	u, aerr := s.iamTarget(c, p, "ListMFADevices")
	if aerr != nil {
		return nil, aerr
	}
	res := &listMFADevicesResult{}
	res.MFADevices.Members = []xmlMFADevice{}
	for _, d := range u.MFADevices {
		res.MFADevices.Members = append(res.MFADevices.Members, xmlMFADevice{
			UserName: u.Name, SerialNumber: d.Serial, EnableDate: awsTime(d.EnableDate),
		})
	}
	return res, nil
}
