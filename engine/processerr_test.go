package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
)

// sdkParseError builds the error the SDK's process provider returns for output it cannot decode.
func sdkParseError(out string) error {
	var resp processcreds.CredentialProcessResponse
	err := json.Unmarshal([]byte(out), &resp)
	if err == nil {
		panic("valid output: " + out)
	}
	return &processcreds.ProviderError{Err: fmt.Errorf("parse failed of process output: %s, error: %w", out, err)}
}

func TestProcessProblemNeverQuotesTheOutput(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRET"
	exitErr := exec.Command("sh", "-c", "exit 3").Run()
	cases := []struct {
		err  error
		want string
	}{
		{sdkParseError(`{"Version": 1, "SecretAccessKey": "` + secret + `", x`), `printed output that is not valid JSON (75 bytes, error at byte 75)`},
		{sdkParseError(``), "printed nothing on stdout"},
		{sdkParseError(`{"Version": "1", "SecretAccessKey": "` + secret + `"}`), "printed JSON in which Version has the wrong type"},
		{sdkParseError(`{"Version": 1, "SecretAccessKey": "` + secret + `", "Expiration": "` + secret + `"}`), "printed an Expiration that is not an RFC 3339 time"},
		{sdkParseError(`{"Version": 1, "SecretAccessKey": "` + secret + `", "Expiration": 1}`), "printed JSON that does not have the Version 1 format"},
		{&processcreds.ProviderError{Err: errors.New("wrong version in process output (not 1)")}, "printed JSON whose Version is not 1"},
		{&processcreds.ProviderError{Err: errors.New("missing SecretAccessKey in process output")}, "printed JSON without SecretAccessKey"},
		{&processcreds.ProviderError{Err: fmt.Errorf("error in credential_process: %w", exitErr)}, "exited with status 3"},
		{&processcreds.ProviderError{Err: errors.New("something new: " + secret)}, `the credential_process of profile "p" failed`},
		// Wrapped the way the SDK's credentials cache and a role chain wrap it.
		{fmt.Errorf("failed to refresh cached credentials, %w", sdkParseError(secret)), "printed output that is not valid JSON"},
	}
	for _, c := range cases {
		p := processProblem(c.err, `profile "p"`)
		if p == nil || p.Kind != problem.NoCredentials || !strings.Contains(p.Msg, c.want) ||
			strings.Contains(p.Msg+p.Hint, "SECRET") || strings.Contains(p.Msg, "\n") {
			t.Errorf("%v: got %+v, want %q without the output", c.err, p, c.want)
		}
	}
	if p := processProblem(errors.New("no EC2 IMDS role found"), ""); p != nil {
		t.Errorf("a non-process error: %+v", p)
	}
	// explain (any call) and explainSource both use it.
	e := New(Options{Getenv: func(string) string { return "" }})
	if p := e.explain(sdkParseError(secret), callInfo{op: "AssumeRole"}); strings.Contains(p.Msg, "SECRET") {
		t.Errorf("explain quotes the output: %s", p.Msg)
	}
}
