package stsemu

import (
	"net/url"
	"sort"
	"time"
)

// accessKey is a long-term key made by iam:CreateAccessKey (a scenario user's own key lives in
// the User).
type accessKey struct {
	user    *User
	id      string
	secret  string
	created time.Time
}

type xmlAccessKey struct {
	UserName        string `xml:"UserName"`
	AccessKeyID     string `xml:"AccessKeyId"`
	Status          string `xml:"Status"`
	SecretAccessKey string `xml:"SecretAccessKey,omitempty"`
	CreateDate      string `xml:"CreateDate"`
}

type createAccessKeyResult struct {
	AccessKey xmlAccessKey `xml:"AccessKey"`
}

type listAccessKeysResult struct {
	AccessKeyMetadata struct {
		Members []xmlAccessKey `xml:"member"`
	} `xml:"AccessKeyMetadata"`
	IsTruncated bool `xml:"IsTruncated"`
}

// userKeys lists a user's active keys, oldest first. s.mu must be held.
func (s *Server) userKeys(u *User) []xmlAccessKey {
	var out []xmlAccessKey
	if s.usersByKey[u.AccessKeyID] == u {
		status := "Active"
		if u.Disabled {
			status = "Inactive"
		}
		out = append(out, xmlAccessKey{UserName: u.Name, AccessKeyID: u.AccessKeyID, Status: status, CreateDate: awsTime(u.CreateDate)})
	}
	var extra []*accessKey
	for _, k := range s.extraKeys {
		if k.user == u {
			extra = append(extra, k)
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i].created.Before(extra[j].created) })
	for _, k := range extra {
		out = append(out, xmlAccessKey{UserName: u.Name, AccessKeyID: k.id, Status: "Active", CreateDate: awsTime(k.created)})
	}
	return out
}

// iamKeyTarget is the user a key action is about; temporary credentials may not manage keys
// without a UserName (as IAM).
func (s *Server) iamKeyTarget(c *caller, p url.Values, action string) (*User, *apiError) {
	if c.sess != nil && c.sess.kind == kindAssumedRole && p.Get("UserName") == "" {
		return nil, errValidation("Must specify userName when calling with non-User credentials")
	}
	return s.iamTarget(c, p, action)
}

func (s *Server) createAccessKey(c *caller, p url.Values) (any, *apiError) {
	u, aerr := s.iamKeyTarget(c, p, "CreateAccessKey")
	if aerr != nil {
		return nil, aerr
	}
	if len(s.userKeys(u)) >= 2 {
		return nil, &apiError{Status: 409, Code: "LimitExceeded", Message: "Cannot exceed quota for AccessKeysPerUser: 2"}
	}
	k := &accessKey{user: u, id: "AKIAEMULATOR" + randString(alnumUpper, 8), secret: randString(secretAlph, 40), created: s.now()}
	s.extraKeys[k.id] = k
	return &createAccessKeyResult{AccessKey: xmlAccessKey{UserName: u.Name, AccessKeyID: k.id, Status: "Active",
		SecretAccessKey: k.secret, CreateDate: awsTime(k.created)}}, nil
}

func (s *Server) deleteAccessKey(c *caller, p url.Values) (any, *apiError) {
	u, aerr := s.iamKeyTarget(c, p, "DeleteAccessKey")
	if aerr != nil {
		return nil, aerr
	}
	id := p.Get("AccessKeyId")
	if k := s.extraKeys[id]; k != nil && k.user == u {
		delete(s.extraKeys, id)
		return &struct{}{}, nil
	}
	if u.AccessKeyID == id && s.usersByKey[id] == u {
		delete(s.usersByKey, id)
		return &struct{}{}, nil
	}
	return nil, &apiError{Status: 404, Code: "NoSuchEntity", Message: "The Access Key with id " + id + " cannot be found."}
}

func (s *Server) listAccessKeys(c *caller, p url.Values) (any, *apiError) {
	u, aerr := s.iamKeyTarget(c, p, "ListAccessKeys")
	if aerr != nil {
		return nil, aerr
	}
	res := &listAccessKeysResult{}
	res.AccessKeyMetadata.Members = s.userKeys(u)
	return res, nil
}
