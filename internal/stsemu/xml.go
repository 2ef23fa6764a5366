package stsemu

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"time"
)

const (
	nsSTS = "https://sts.amazonaws.com/doc/2011-06-15/"
	nsIAM = "https://iam.amazonaws.com/doc/2010-05-08/"
)

// apiError is an AWS query-protocol error response.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errValidation(msg string) *apiError {
	return &apiError{Status: 400, Code: "ValidationError", Message: msg}
}

func errAccessDenied(msg string) *apiError {
	return &apiError{Status: 403, Code: "AccessDenied", Message: msg}
}

func errNotAuthorized(caller, action, resource string) *apiError {
	return errAccessDenied("User: " + caller + " is not authorized to perform: " + action + " on resource: " + resource)
}

var errMFAFailed = errAccessDenied("MultiFactorAuthentication failed, unable to validate MFA code")

// awsTime formats a timestamp the way STS and IAM do.
func awsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func writeXMLResult(w http.ResponseWriter, ns, action, reqID string, result any) {
	var b bytes.Buffer
	b.WriteString(`<` + action + `Response xmlns="` + ns + `">`)
	enc := xml.NewEncoder(&b)
	if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
		writeXMLError(w, ns, reqID, &apiError{Status: 500, Code: "InternalFailure", Message: "response encoding failed"})
		return
	}
	b.WriteString(`<ResponseMetadata><RequestId>` + reqID + `</RequestId></ResponseMetadata></` + action + `Response>`)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", reqID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
}

func writeXMLError(w http.ResponseWriter, ns, reqID string, e *apiError) {
	type errBody struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	type errResp struct {
		XMLName   xml.Name
		Error     errBody `xml:"Error"`
		RequestID string  `xml:"RequestId"`
	}
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	out, _ := xml.Marshal(errResp{
		XMLName:   xml.Name{Space: ns, Local: "ErrorResponse"},
		Error:     errBody{Type: typ, Code: e.Code, Message: e.Message},
		RequestID: reqID,
	})
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", reqID)
	w.WriteHeader(e.Status)
	_, _ = w.Write(out)
}

// Response shapes (field order matters only for readability; the SDKs
// match by element name).

type xmlCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type xmlAssumedRoleUser struct {
	AssumedRoleID string `xml:"AssumedRoleId"`
	Arn           string `xml:"Arn"`
}

type assumeRoleResult struct {
	Credentials      xmlCredentials     `xml:"Credentials"`
	AssumedRoleUser  xmlAssumedRoleUser `xml:"AssumedRoleUser"`
	PackedPolicySize *int               `xml:"PackedPolicySize,omitempty"`
	SourceIdentity   string             `xml:"SourceIdentity,omitempty"`
}

type assumeRoleWithSAMLResult struct {
	Credentials      xmlCredentials     `xml:"Credentials"`
	AssumedRoleUser  xmlAssumedRoleUser `xml:"AssumedRoleUser"`
	PackedPolicySize *int               `xml:"PackedPolicySize,omitempty"`
	Subject          string             `xml:"Subject"`
	SubjectType      string             `xml:"SubjectType"`
	Issuer           string             `xml:"Issuer"`
	Audience         string             `xml:"Audience"`
	NameQualifier    string             `xml:"NameQualifier"`
	SourceIdentity   string             `xml:"SourceIdentity,omitempty"`
}

type assumeRoleWithWebIdentityResult struct {
	Credentials                 xmlCredentials     `xml:"Credentials"`
	SubjectFromWebIdentityToken string             `xml:"SubjectFromWebIdentityToken"`
	AssumedRoleUser             xmlAssumedRoleUser `xml:"AssumedRoleUser"`
	PackedPolicySize            *int               `xml:"PackedPolicySize,omitempty"`
	Provider                    string             `xml:"Provider"`
	Audience                    string             `xml:"Audience"`
	SourceIdentity              string             `xml:"SourceIdentity,omitempty"`
}

type getSessionTokenResult struct {
	Credentials xmlCredentials `xml:"Credentials"`
}

type getFederationTokenResult struct {
	Credentials   xmlCredentials `xml:"Credentials"`
	FederatedUser struct {
		FederatedUserID string `xml:"FederatedUserId"`
		Arn             string `xml:"Arn"`
	} `xml:"FederatedUser"`
	PackedPolicySize *int `xml:"PackedPolicySize,omitempty"`
}

type getCallerIdentityResult struct {
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
	Arn     string `xml:"Arn"`
}

type xmlUser struct {
	Path       string `xml:"Path"`
	UserName   string `xml:"UserName"`
	UserID     string `xml:"UserId"`
	Arn        string `xml:"Arn"`
	CreateDate string `xml:"CreateDate"`
}

type getUserResult struct {
	User xmlUser `xml:"User"`
}

type xmlMFADevice struct {
	UserName     string `xml:"UserName"`
	SerialNumber string `xml:"SerialNumber"`
	EnableDate   string `xml:"EnableDate"`
}

type listMFADevicesResult struct {
	MFADevices struct {
		Members []xmlMFADevice `xml:"member"`
	} `xml:"MFADevices"`
	IsTruncated bool `xml:"IsTruncated"`
}
