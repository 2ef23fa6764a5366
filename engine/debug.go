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

// secretParams are request or response fields whose values never reach the trace.
var secretParams = map[string]bool{
	"TokenCode": true, "SAMLAssertion": true, "WebIdentityToken": true, "SecretAccessKey": true,
	"SessionToken": true, "Password": true, "ProviderId": false,
}

func (e *Engine) debugf(format string, args ...any) {
	if e.debug == nil {
		return
	}
	fmt.Fprintf(e.debug, "assume-role: debug: "+format+"\n", args...)
}

// redactParams renders an operation input as key=value pairs with secrets replaced.
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
		if secretParams[k] {
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

// debugMiddleware traces each AWS call: operation, redacted parameters, endpoint, status, time.
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
					u := *req.URL
					u.RawQuery = ""
					e.debugf("-> %s %s (signing region %s)", req.Method, u.String(), awsmiddleware.GetRegion(ctx))
				}
				start := time.Now()
				out, md, err := next.HandleFinalize(ctx, in)
				status := 0
				if resp, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok {
					status = resp.StatusCode
				}
				if err != nil {
					e.debugf("<- %d error %s after %s", status, errorCodeOrKind(err), time.Since(start).Round(time.Microsecond))
				} else {
					e.debugf("<- %d after %s", status, time.Since(start).Round(time.Microsecond))
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
