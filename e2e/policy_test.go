package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/assume-role/assume-role/internal/stsemu"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestPolicyCloudFormationDeploysInMoto deploys the generated stack of Prowler's scan role into
// moto's CloudFormation, and reads the role back through moto's IAM API: the trust policy, the
// MaxSessionDuration are what the flags asked for, and RoleArn is output.
func TestPolicyCloudFormationDeploysInMoto(t *testing.T) {
	m := startMoto(t)
	w := newWorld(t, nil)
	tmpl := w.ok("policy", "cloudformation", "--role-name", "ProwlerScan", "--from-account", "111111111111",
		"--principal", "arn:aws:iam::111111111111:role/prowler*", "--external-id", "prowler-ext-1",
		"--max-session-duration", "7200", "--managed-policy", "arn:aws:iam::aws:policy/SecurityAudit").stdout

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	creds := credentials.StaticCredentialsProvider{Value: aws.Credentials{AccessKeyID: "AKIAEXAMPLEMOTOANY01", SecretAccessKey: "anyEXAMPLEsecretMOTOaccepts000000000000"}}
	cfn := cloudformation.New(cloudformation.Options{Region: "us-east-1", BaseEndpoint: aws.String(m.url), Credentials: creds, Retryer: aws.NopRetryer{}})
	if _, err := cfn.CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName: aws.String("prowler-role"), TemplateBody: aws.String(tmpl),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityNamedIam},
	}); err != nil {
		t.Fatalf("CreateStack: %v\n%s", err, m.output())
	}
	var stack cfntypes.Stack
	for {
		out, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("prowler-role")})
		if err != nil {
			t.Fatalf("DescribeStacks: %v", err)
		}
		stack = out.Stacks[0]
		if !strings.HasSuffix(string(stack.StackStatus), "_IN_PROGRESS") {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("stack still %s", stack.StackStatus)
		case <-time.After(100 * time.Millisecond):
		}
	}
	if stack.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("stack status %s: %s\n%s", stack.StackStatus, aws.ToString(stack.StackStatusReason), m.output())
	}
	var roleARN string
	for _, o := range stack.Outputs {
		if aws.ToString(o.OutputKey) == "RoleArn" {
			roleARN = aws.ToString(o.OutputValue)
		}
	}
	if !strings.HasSuffix(roleARN, ":role/ProwlerScan") {
		t.Fatalf("output RoleArn = %q, want …:role/ProwlerScan", roleARN)
	}

	ic := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(m.url), Credentials: creds, Retryer: aws.NopRetryer{}})
	role, err := ic.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("ProwlerScan")})
	if err != nil {
		t.Fatalf("GetRole: %v", err)
	}
	if aws.ToString(role.Role.Arn) != roleARN || aws.ToInt32(role.Role.MaxSessionDuration) != 7200 {
		t.Errorf("role %s MaxSessionDuration %d, want %s 7200", aws.ToString(role.Role.Arn), aws.ToInt32(role.Role.MaxSessionDuration), roleARN)
	}
	doc, err := url.QueryUnescape(aws.ToString(role.Role.AssumeRolePolicyDocument))
	if err != nil {
		t.Fatal(err)
	}
	var trust struct {
		Statement []struct {
			Principal map[string]any
			Action    any
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(doc), &trust); err != nil {
		t.Fatalf("trust policy from IAM is not JSON: %v\n%s", err, doc)
	}
	if len(trust.Statement) != 1 {
		t.Fatalf("trust policy: %s", doc)
	}
	st := trust.Statement[0]
	if st.Principal["AWS"] != "arn:aws:iam::111111111111:root" || st.Action != "sts:AssumeRole" ||
		st.Condition["StringEquals"]["sts:ExternalId"] != "prowler-ext-1" ||
		st.Condition["StringLike"]["aws:PrincipalArn"] != "arn:aws:iam::111111111111:role/prowler*" {
		t.Errorf("trust policy in IAM = %s", doc)
	}
	// The StackSet form: moto's CloudFormation has no AWS::CloudFormation::StackSet resource, so its
	// properties go to CreateStackSet (as CloudFormation would), with the outer parameters' defaults.
	ssTmpl := w.ok("policy", "cloudformation", "--role-name", "ProwlerScan", "--from-account", "111111111111",
		"--principal", "arn:aws:iam::111111111111:role/prowler*", "--external-id", "prowler-ext-1",
		"--stackset", "--ou", "ou-ab12-cdefghij").stdout
	var ss struct {
		Parameters map[string]struct{ Default any }
		Resources  struct {
			StackSet struct {
				Properties struct {
					StackSetName, PermissionModel, TemplateBody string
					Capabilities                                []cfntypes.Capability
					AutoDeployment                              struct{ Enabled, RetainStacksOnAccountRemoval bool }
					Parameters                                  []struct{ ParameterKey string }
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(ssTmpl), &ss); err != nil {
		t.Fatal(err)
	}
	pr := ss.Resources.StackSet.Properties
	in := &cloudformation.CreateStackSetInput{StackSetName: aws.String(pr.StackSetName), TemplateBody: aws.String(pr.TemplateBody),
		PermissionModel: cfntypes.PermissionModels(pr.PermissionModel), Capabilities: pr.Capabilities,
		AutoDeployment: &cfntypes.AutoDeployment{Enabled: aws.Bool(pr.AutoDeployment.Enabled), RetainStacksOnAccountRemoval: aws.Bool(pr.AutoDeployment.RetainStacksOnAccountRemoval)}}
	for _, p := range pr.Parameters {
		def, ok := ss.Parameters[p.ParameterKey]
		if !ok {
			t.Fatalf("the StackSet passes %s, which the template does not declare", p.ParameterKey)
		}
		in.Parameters = append(in.Parameters, cfntypes.Parameter{ParameterKey: aws.String(p.ParameterKey), ParameterValue: aws.String(fmt.Sprint(def.Default))})
	}
	if _, err := cfn.CreateStackSet(ctx, in); err != nil {
		t.Fatalf("CreateStackSet: %v\n%s", err, m.output())
	}
	if out, err := cfn.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: aws.String(pr.StackSetName)}); err != nil ||
		out.StackSet.PermissionModel != cfntypes.PermissionModelsServiceManaged || len(out.StackSet.Parameters) != len(pr.Parameters) {
		t.Fatalf("DescribeStackSet: %v %+v", err, out)
	}

	// moto's CloudFormation ignores ManagedPolicyArns (its IAM role resource does not read it), so
	// the attachment is checked in the template only (policy package tests).
}

// TestPolicyRoundTrip: the trust policy `policy trust` prints, loaded into the emulator, admits the
// profile `policy profile` prints from the same flags, and refuses the same switch without the
// external ID (exit 5); doctor --trust-policy agrees and names the missing key.
func TestPolicyRoundTrip(t *testing.T) {
	flags := []string{"--role-name", "ProwlerScan", "--from-account", "111111111111",
		"--principal", "arn:aws:iam::111111111111:user/alice", "--external-id", "prowler-ext-1", "--session-name-pattern", "prowler-*"}
	gen := newWorld(t, nil)
	trust := gen.ok(append([]string{"policy", "trust"}, flags...)...).stdout
	w := newWorld(t, func(sc *stsemu.Scenario) {
		sc.Roles = append(sc.Roles, &stsemu.Role{ARN: "arn:aws:iam::222222222222:role/ProwlerScan", TrustPolicy: json.RawMessage(trust)})
	})
	profiles := w.ok(append([]string{"policy", "profile", "--account", "222222222222"}, flags...)...).stdout
	if !strings.Contains(profiles, "[profile ProwlerScan-222222222222]") || !strings.Contains(profiles, "external_id = prowler-ext-1") {
		t.Fatalf("profiles:\n%s", profiles)
	}
	w.write(".aws/config", profiles)
	j := parseCLIJSON(t, w.ok("-p", "ProwlerScan-222222222222", "-o", "json").stdout)
	if !strings.HasPrefix(j.AssumedRoleUser.Arn, "arn:aws:sts::222222222222:assumed-role/ProwlerScan/prowler-") {
		t.Errorf("assumed %s", j.AssumedRoleUser.Arn)
	}
	w.fail(5, "may not assume", "-R", "arn:aws:iam::222222222222:role/ProwlerScan", "--role-session-name", "prowler-1", "--no-cache")

	policyFile := w.write("trust.json", trust)
	r := w.fail(5, "the trust policy refuses sts:AssumeRole", "doctor", "--trust-policy", policyFile, "--as", "arn:aws:iam::111111111111:user/alice", "--role-session-name", "prowler-1")
	if !strings.Contains(r.stderr, "the request has no sts:ExternalId (--external-id)") {
		t.Errorf("doctor --trust-policy without the external ID:\n%s", r)
	}
	r = w.ok("doctor", "--trust-policy", policyFile, "--as", "arn:aws:iam::111111111111:user/alice", "-I", "prowler-ext-1", "--role-session-name", "prowler-1")
	if !strings.Contains(r.stdout, `allowed: arn:aws:iam::111111111111:user/alice may call sts:AssumeRole: statement "AssumeRole" allows it`) {
		t.Errorf("doctor --trust-policy:\n%s", r)
	}
	w.fail(5, "refuses", "doctor", "--trust-policy", policyFile, "--as", "arn:aws:iam::111111111111:user/engineers/bob", "-I", "prowler-ext-1", "--role-session-name", "prowler-1")
	w.fail(2, "go together", "doctor", "--trust-policy", policyFile)
}

// TestPolicyFanoutFile: `policy profile --format fanout` prints the role ARNs and the fanout command
// line that assumes them with the external ID; fanout runs it in every account.
func TestPolicyFanoutFile(t *testing.T) {
	w := newWorld(t, nil)
	out := w.ok("policy", "profile", "--role-name", "ext", "--from-account", "111111111111", "--external-id", "ext-123",
		"--account", "222222222222", "--account", "333333333333", "--format", "fanout").stdout
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || lines[1] != "arn:aws:iam::222222222222:role/ext" || lines[2] != "arn:aws:iam::333333333333:role/ext" {
		t.Fatalf("fanout file:\n%s", out)
	}
	file := w.write("accounts.txt", out)
	_, cmdline, ok := strings.Cut(lines[0], "run: ")
	if !ok || !strings.HasSuffix(cmdline, " -- CMD") {
		t.Fatalf("no command line in %q", lines[0])
	}
	args := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(cmdline, "assume-role "), " -- CMD"))
	for i, a := range args {
		if a == "@FILE" {
			args[i] = "@" + file
		}
	}
	r := w.ok(append(args, "--", "sh", "-c", "echo $AWS_ACCOUNT_ID")...)
	for _, acct := range []string{"222222222222", "333333333333"} {
		if !strings.Contains(r.stdout, acct) {
			t.Errorf("fanout output lacks %s:\n%s", acct, r)
		}
	}
}
