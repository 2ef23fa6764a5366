package stsemu

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	sigAlgorithm = "AWS4-HMAC-SHA256"
	amzDateFmt   = "20060102T150405Z"
)

// sigInfo is what a request's SigV4 signature claims.
type sigInfo struct {
	AccessKeyID   string
	Date          string // yyyymmdd from the scope
	Region        string
	Service       string
	SignedHeaders []string
	Signature     string
	Time          time.Time
	SecurityToken string
	Presigned     bool
}

var (
	errIncomplete = &apiError{Status: 400, Code: "IncompleteSignature",
		Message: "Authorization header requires 'Credential', 'Signature', 'SignedHeaders' and a valid 'X-Amz-Date' or 'Date'."}
	errInvalidToken = &apiError{Status: 403, Code: "InvalidClientTokenId",
		Message: "The security token included in the request is invalid."}
	errSignature = &apiError{Status: 403, Code: "SignatureDoesNotMatch",
		Message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
	errExpiredToken = &apiError{Status: 403, Code: "ExpiredToken",
		Message: "The security token included in the request is expired"}
	errMissingAuth = &apiError{Status: 403, Code: "MissingAuthenticationToken",
		Message: "Request is missing Authentication Token"}
)

// parseSig extracts the SigV4 claims of a request, from the Authorization
// header or from presigned query parameters. It returns (nil, nil) when the
// request is not signed at all.
func parseSig(r *http.Request) (*sigInfo, *apiError) {
	q := r.URL.Query()
	var info sigInfo
	var cred, date string
	if auth := r.Header.Get("Authorization"); auth != "" {
		alg, rest, _ := strings.Cut(auth, " ")
		if alg != sigAlgorithm {
			return nil, errIncomplete
		}
		for _, part := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			switch k {
			case "Credential":
				cred = v
			case "SignedHeaders":
				info.SignedHeaders = strings.Split(v, ";")
			case "Signature":
				info.Signature = v
			}
		}
		date = r.Header.Get("X-Amz-Date")
		if date == "" {
			if d, err := http.ParseTime(r.Header.Get("Date")); err == nil {
				date = d.UTC().Format(amzDateFmt)
			}
		}
		info.SecurityToken = r.Header.Get("X-Amz-Security-Token")
	} else if q.Get("X-Amz-Algorithm") != "" {
		if q.Get("X-Amz-Algorithm") != sigAlgorithm {
			return nil, errIncomplete
		}
		info.Presigned = true
		cred = q.Get("X-Amz-Credential")
		info.SignedHeaders = strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
		info.Signature = q.Get("X-Amz-Signature")
		date = q.Get("X-Amz-Date")
		info.SecurityToken = q.Get("X-Amz-Security-Token")
	} else {
		return nil, nil
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || info.Signature == "" || len(info.SignedHeaders) == 0 {
		return nil, errIncomplete
	}
	t, err := time.Parse(amzDateFmt, date)
	if err != nil {
		return nil, errIncomplete
	}
	info.AccessKeyID, info.Date, info.Region, info.Service = parts[0], parts[1], parts[2], parts[3]
	info.Time = t
	return &info, nil
}

// verifySig recomputes the request signature with aws-sdk-go-v2's signer on
// a reconstruction of the request (same method, path, query, signed headers,
// body hash and time) and compares it in constant time.
func verifySig(r *http.Request, body []byte, info *sigInfo, secret string) bool {
	if info.Time.Format("20060102") != info.Date {
		return false
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	q := r.URL.Query()
	if info.Presigned {
		for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"} {
			q.Del(k)
		}
	}
	u := &url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: q.Encode()}
	req := &http.Request{Method: r.Method, URL: u, Host: r.Host, Header: http.Header{}}
	for _, h := range info.SignedHeaders {
		switch h {
		case "host":
			continue
		case "content-length":
			req.ContentLength = int64(len(body))
			continue
		}
		vals := r.Header.Values(h)
		if len(vals) == 0 {
			return false
		}
		req.Header[textproto.CanonicalMIMEHeaderKey(h)] = vals
	}
	creds := aws.Credentials{AccessKeyID: info.AccessKeyID, SecretAccessKey: secret, SessionToken: info.SecurityToken}
	sum := sha256.Sum256(body)
	hashes := []string{hex.EncodeToString(sum[:])}
	signer := v4.NewSigner()
	if info.Presigned {
		hashes = append(hashes, "UNSIGNED-PAYLOAD")
		for _, ph := range hashes {
			signed, _, err := signer.PresignHTTP(context.Background(), creds, req, ph, info.Service, info.Region, info.Time,
				func(o *v4.SignerOptions) { o.DisableHeaderHoisting = true })
			if err != nil {
				return false
			}
			su, err := url.Parse(signed)
			if err == nil && equalConst(su.Query().Get("X-Amz-Signature"), info.Signature) {
				return true
			}
		}
		return false
	}
	if err := signer.SignHTTP(context.Background(), creds, req, hashes[0], info.Service, info.Region, info.Time,
		func(o *v4.SignerOptions) { o.DisableSessionToken = true }); err != nil {
		return false
	}
	got := req.Header.Get("Authorization")
	_, sig, ok := strings.Cut(got, "Signature=")
	return ok && equalConst(sig, info.Signature)
}

func equalConst(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
