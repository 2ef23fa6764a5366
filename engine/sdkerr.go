package engine

// Every error of the AWS SDK that reaches a user is translated here or in explain.go: explain
// (calls we make), explainSource (the SDK producing source credentials: profile chains, SSO,
// web identity, credential_source) and configProblem (the shared config files). The SDK's own
// text ("operation error STS: AssumeRole, https response error StatusCode: 403, RequestID: …",
// "failed to refresh cached credentials, …", "failed to load assume role …, <nil>") is never
// shown: users see what failed, AWS's error code and message where they help, and what to do.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// sdkError is an SDK error taken apart.
type sdkError struct {
	service, op   string // "STS", "AssumeRole": the call that failed (*smithy.OperationError)
	code, message string // AWS's error code and message (smithy.APIError); "" when none came back
	status        int    // HTTP status of AWS's answer (*awshttp.ResponseError); 0 when none came back
	requestID     string
	endpoint      string // scheme://host the request went to, when it could not be sent
}

func dissect(err error) sdkError {
	var d sdkError
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		d.service, d.op = oe.ServiceID, oe.OperationName
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		d.code, d.message = ae.ErrorCode(), ae.ErrorMessage()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		d.requestID = re.RequestID
		if re.Response != nil {
			d.status = re.Response.StatusCode
		}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			d.endpoint = u.Scheme + "://" + u.Host
		}
	}
	return d
}

// unreachable reports whether err is a failure to get any answer from an endpoint (connection
// refused, no such host, timeout, TLS), as opposed to an answer saying no.
func unreachable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return false
	}
	// Not net.Error: *fs.PathError satisfies it too.
	var ue *url.Error
	var se *smithyhttp.RequestSendError
	var oe *net.OpError
	var dns *net.DNSError
	if errors.As(err, &ue) || errors.As(err, &se) || errors.As(err, &oe) || errors.As(err, &dns) ||
		errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode != 0 {
		return false // an answer, if not one the SDK could read
	}
	var ma *retry.MaxAttemptsError
	return errors.As(err, &ma)
}

// networkReason says in a few words why an endpoint could not be reached.
func networkReason(err error) string {
	var dns *net.DNSError
	var errno syscall.Errno
	var ne net.Error
	switch {
	case errors.As(err, &dns):
		return "cannot resolve " + dns.Name
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return "no answer in time"
	case errors.As(err, &errno):
		return errno.Error()
	}
	return rootCause(err)
}

// describe renders any error in one line without the SDK's layers of wrapping: a Problem's
// message, AWS's code and message, why an endpoint was unreachable, or the innermost cause.
func describe(err error) string {
	if err == nil {
		return ""
	}
	if p := problem.As(err); p != nil {
		return p.Msg
	}
	d := dissect(err)
	switch {
	case d.code != "" && d.message != "":
		return d.code + ": " + firstLineOf(d.message)
	case d.code != "":
		return d.code
	case d.status != 0:
		return fmt.Sprintf("HTTP status %d", d.status)
	case unreachable(err):
		if d.endpoint != "" {
			return "cannot reach " + d.endpoint + ": " + networkReason(err)
		}
		return networkReason(err)
	}
	var empty *credentials.StaticCredentialsEmptyError
	if errors.As(err, &empty) {
		return "the credentials are empty"
	}
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return flatten(err.Error())
		}
		err = u
	}
}

// flatten joins the lines of a message (the SDK's INI errors span several).
func flatten(s string) string { return strings.Join(strings.Fields(s), " ") }

func firstLineOf(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' || s[i] == '\r' {
			return s[:i]
		}
	}
	return s
}
