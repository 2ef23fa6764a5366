package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// shownParams are the operation parameters whose values the --debug trace may show: names of
// roles, users, devices and accounts, and session settings. Every other parameter (TokenCode,
// SAMLAssertion, WebIdentityToken, the SSO AccessToken, client secrets, refresh tokens, and any
// parameter an SDK update adds) is shown by name only, as Name=<redacted>. The trace shows no
// header at all (Authorization, X-Amz-Security-Token, x-amz-sso_bearer_token) and no response body.
var shownParams = map[string]bool{
	// STS
	"RoleArn": true, "RoleSessionName": true, "DurationSeconds": true, "ExternalId": true,
	"SerialNumber": true, "PolicyArns": true, "Tags": true, "TransitiveTagKeys": true,
	"SourceIdentity": true, "PrincipalArn": true, "ProviderId": true, "Name": true,
	// Session policies grant permissions; they are not secrets, and MalformedPolicyDocument is
	// hard to debug without them.
	"Policy": true,
	// IAM (MFA device discovery)
	"UserName": true, "MaxItems": true,
	// IAM Identity Center (SSO GetRoleCredentials)
	"AccountId": true, "RoleName": true,
}

func (e *Engine) debugf(format string, args ...any) {
	if e.debug == nil {
		return
	}
	fmt.Fprintf(e.debug, "assume-role: debug: "+format+"\n", args...)
}

// redactParams renders an operation input as key=value pairs, the values of parameters not in
// shownParams replaced by <redacted>.
func redactParams(in any) string {
	b, err := json.Marshal(in)
	if err != nil {
		return "(unprintable)"
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return "(unprintable)"
	}
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if v != nil {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v := m[k]
		if !shownParams[k] {
			v = "<redacted>"
		}
		var vb strings.Builder
		enc := json.NewEncoder(&vb)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		parts = append(parts, k+"="+strings.TrimSpace(vb.String()))
	}
	return strings.Join(parts, " ")
}

// debugMiddleware traces each AWS call: operation, parameters (see shownParams), endpoint,
// signing region, status, error code, time and request ID.
func (e *Engine) debugMiddleware() []func(*middleware.Stack) error {
	return []func(*middleware.Stack) error{func(st *middleware.Stack) error {
		err := st.Initialize.Add(middleware.InitializeMiddlewareFunc("AssumeRoleDebugParams",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				e.debugf("%s.%s %s", awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), redactParams(in.Parameters))
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
		if err != nil {
			return err
		}
		return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("AssumeRoleDebugHTTP",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					// Scheme, host and path only: no user info, query or header.
					e.debugf("-> %s %s://%s%s (signing region %s)", req.Method, req.URL.Scheme, req.URL.Host, req.URL.EscapedPath(), awsmiddleware.GetRegion(ctx))
				}
				start := time.Now()
				out, md, err := next.HandleFinalize(ctx, in)
				status := 0
				if resp, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok {
					status = resp.StatusCode
				}
				id := ""
				if rid, ok := awsmiddleware.GetRequestIDMetadata(md); ok && rid != "" {
					id = " request-id " + rid
				}
				if err != nil {
					e.debugf("<- %d error %s after %s%s", status, errorCodeOrKind(err), time.Since(start).Round(time.Microsecond), id)
				} else {
					e.debugf("<- %d after %s%s", status, time.Since(start).Round(time.Microsecond), id)
				}
				return out, md, err
			}), middleware.After)
	}}
}

func errorCodeOrKind(err error) string {
	if c := apiCode(err); c != "" {
		return c
	}
	return fmt.Sprintf("%T", err)
}
