package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
)

// processOutputPrefix starts the SDK's error for output that is not JSON; the output follows it,
// whole, secret included.
const processOutputPrefix = "parse failed of process output: "

// processMessages are the SDK's fixed error texts about a credential_process's output, which
// quote nothing the process printed, and what they mean.
var processMessages = map[string]string{
	"wrong version in process output (not 1)":              "printed JSON whose Version is not 1",
	"missing AccessKeyId in process output":                "printed JSON without AccessKeyId",
	"missing SecretAccessKey in process output":            "printed JSON without SecretAccessKey",
	"failed to prepare command: command must not be empty": "is empty",
}

// processProblem explains a failed credential_process by the shape of the failure only: the SDK's
// own error text quotes everything the process printed when it is not valid JSON, and that output
// usually holds a secret key. label names the profile ("" when unknown). It returns nil for errors
// that do not come from a credential_process.
func processProblem(err error, label string) *problem.Problem {
	var pe *processcreds.ProviderError
	if !errors.As(err, &pe) {
		return nil
	}
	what := "the credential_process"
	if label != "" {
		what += " of " + label
	}
	hint := `it must print Version 1 JSON on stdout: {"Version": 1, "AccessKeyId": …, "SecretAccessKey": …, "SessionToken": …, "Expiration": "RFC 3339 time"}; run it by hand to check (its output holds secrets)`
	var (
		exit   *exec.ExitError
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		tm     *time.ParseError
	)
	inner := pe.Err
	switch {
	case inner == nil:
		return problem.Wrap(problem.NoCredentials, err, "%s failed", what).WithHint("%s", hint)
	case errors.Is(inner, context.DeadlineExceeded):
		return problem.Wrap(problem.NoCredentials, err, "%s did not finish in time", what).
			WithHint("run the command by hand to see where it waits (a prompt must use /dev/tty)")
	case errors.As(inner, &exit):
		return problem.Wrap(problem.NoCredentials, err, "%s exited with status %d", what, exit.ExitCode()).
			WithHint("run the profile's credential_process command by hand to see why")
	case errors.As(inner, &tm):
		return problem.Wrap(problem.NoCredentials, err, "%s printed an Expiration that is not an RFC 3339 time", what).WithHint("%s", hint)
	case errors.As(inner, &typ):
		field := typ.Field
		if field == "" {
			field = "the output"
		}
		return problem.Wrap(problem.NoCredentials, err, "%s printed JSON in which %s has the wrong type", what, field).WithHint("%s", hint)
	case strings.HasPrefix(inner.Error(), processOutputPrefix):
		n := outputLength(inner)
		switch {
		case n == 0:
			return problem.Wrap(problem.NoCredentials, err, "%s printed nothing on stdout", what).WithHint("%s", hint)
		case errors.As(inner, &syntax) && n > 0:
			return problem.Wrap(problem.NoCredentials, err, "%s printed output that is not valid JSON (%d bytes, error at byte %d)", what, n, syntax.Offset).WithHint("%s", hint)
		case errors.As(inner, &syntax):
			return problem.Wrap(problem.NoCredentials, err, "%s printed output that is not valid JSON", what).WithHint("%s", hint)
		case n > 0:
			return problem.Wrap(problem.NoCredentials, err, "%s printed JSON that does not have the Version 1 format (%d bytes)", what, n).WithHint("%s", hint)
		}
		return problem.Wrap(problem.NoCredentials, err, "%s printed JSON that does not have the Version 1 format", what).WithHint("%s", hint)
	}
	if m, ok := processMessages[inner.Error()]; ok {
		return problem.Wrap(problem.NoCredentials, err, "%s %s", what, m).WithHint("%s", hint)
	}
	return problem.Wrap(problem.NoCredentials, err, "%s failed", what).
		WithHint("run the profile's credential_process command by hand to see why")
}

// processLabel names the profile whose credential_process src runs: the plan's source is always
// the profile of the chain that has it.
func processLabel(src *Source) string {
	if src.Profile != "" {
		return fmt.Sprintf("profile %q", src.Profile)
	}
	return src.Label
}

// outputLength is the length of the output quoted in the SDK's "parse failed of process output:
// <output>, error: <cause>" message, or -1 when the message has another form.
func outputLength(inner error) int {
	cause := errors.Unwrap(inner)
	if cause == nil {
		return -1
	}
	msg, tail := inner.Error(), ", error: "+cause.Error()
	if !strings.HasSuffix(msg, tail) || len(msg) < len(processOutputPrefix)+len(tail) {
		return -1
	}
	return len(msg) - len(processOutputPrefix) - len(tail)
}
