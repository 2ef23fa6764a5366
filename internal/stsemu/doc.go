// Package stsemu is an AWS STS + IAM emulator for tests, benchmarks and
// demos: one http.Handler that speaks the AWS query protocol (form-encoded
// requests, XML responses with the real namespaces) well enough that
// aws-sdk-go-v2, the AWS CLI and botocore work against it unmodified when
// pointed at it with an endpoint override.
//
// It verifies SigV4 signatures (with aws-sdk-go-v2's own signer on a
// reconstruction of each request), issues temporary credentials that can
// sign further calls (role chaining), evaluates role trust policies
// (principals, actions, a useful subset of condition operators and keys),
// enforces STS's duration limits and MFA rules, and implements
// GetCallerIdentity, AssumeRole, GetSessionToken, GetFederationToken,
// AssumeRoleWithSAML, AssumeRoleWithWebIdentity, iam:GetUser,
// iam:ListMFADevices and the console federation endpoint (/federation).
// SAML assertions are parsed but their XML signatures are not verified.
//
// The simulated world is a Scenario (JSON, see Scenario and
// testdata/emulator/README.md). Every request is recorded in a log with
// secrets redacted (Server.Log, GET /_emu/log).
package stsemu
