package policy

import (
	"fmt"
	"strings"
)

// StackSetOptions make CloudFormation produce a service-managed StackSet that deploys the role to
// every account of some organizational units.
type StackSetOptions struct {
	// OrganizationalUnits are the OU IDs (ou-… or the root r-…) to deploy to.
	OrganizationalUnits []string
	// Region is where the stack instances run (IAM is global: one region is enough).
	Region string
	// DelegatedAdmin deploys from a delegated administrator account (CallAs: DELEGATED_ADMIN).
	DelegatedAdmin bool
}

// ManagementAccountNote explains what StackSets leave out.
const ManagementAccountNote = "a service-managed StackSet never deploys to the organization's management account: " +
	"create the role there with the plain stack"

// cfnBinder turns the variable parts into template parameters.
type cfnBinder struct {
	params obj // parameter declarations, in order
}

func (c *cfnBinder) param(name string, decl obj) {
	c.params = append(c.params, kv{name, decl})
}

func (c *cfnBinder) roots(accounts []string) any {
	if len(accounts) == 1 {
		c.param("TrustedAccountId", obj{{"Type", "String"}, {"Description", "the account trusted to assume the role (its root principal)"},
			{"AllowedPattern", "^[0-9]{12}$"}, {"Default", accounts[0]}})
		return map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::${TrustedAccountId}:root"}
	}
	out := make([]any, len(accounts))
	for i, a := range accounts {
		out[i] = map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::" + a + ":root"}
	}
	return out
}

func (c *cfnBinder) principals(p []string) any {
	if len(p) == 1 {
		c.param("TrustedPrincipalArn", obj{{"Type", "String"}, {"Description", "the principal ARN or glob allowed to assume the role (aws:PrincipalArn)"}, {"Default", p[0]}})
		return map[string]any{"Ref": "TrustedPrincipalArn"}
	}
	c.param("TrustedPrincipalArns", obj{{"Type", "CommaDelimitedList"}, {"Description", "the principal ARNs or globs allowed to assume the role (aws:PrincipalArn)"}, {"Default", strings.Join(p, ",")}})
	return map[string]any{"Ref": "TrustedPrincipalArns"}
}

func (c *cfnBinder) externalID(id string) any {
	c.param("ExternalId", obj{{"Type", "String"}, {"Description", "the external ID callers must send (sts:ExternalId)"},
		{"MinLength", 2}, {"MaxLength", 1224}, {"AllowedPattern", `^[\w+=,.@:/-]*$`}, {"Default", id}})
	return map[string]any{"Ref": "ExternalId"}
}

func (c *cfnBinder) orgID(id string) any {
	c.param("OrgId", obj{{"Type", "String"}, {"Description", "the organization callers must belong to (aws:PrincipalOrgID)"},
		{"AllowedPattern", "^o-[a-z0-9]{10,32}$"}, {"Default", id}})
	return map[string]any{"Ref": "OrgId"}
}

// CloudFormation returns a CloudFormation template (JSON) that creates the role, with parameters for
// its variable parts and the role ARN as an output; with ss, a StackSet template that deploys that
// template to every account of some organizational units. s must be normalized, with a RoleName.
func CloudFormation(s *Spec, ss *StackSetOptions) ([]byte, error) {
	if s.RoleName == "" {
		return nil, usage("policy cloudformation needs --role-name")
	}
	role, params := roleTemplate(s)
	if ss == nil {
		return render(role)
	}
	if len(ss.OrganizationalUnits) == 0 {
		return nil, usage("--stackset needs --ou: the organizational units (ou-… or the root r-…) to deploy to")
	}
	for _, ou := range ss.OrganizationalUnits {
		if !patterns().reOU.MatchString(ou) {
			return nil, usage("--ou %q is not an organizational unit or root ID (ou-xxxx-xxxxxxxx, r-xxxx)", ou)
		}
	}
	if ss.Region == "" {
		ss.Region = "us-east-1"
	}
	body, err := render(role)
	if err != nil {
		return nil, err
	}
	outer := obj{{"OrganizationalUnitIds", obj{{"Type", "CommaDelimitedList"}, {"Description", "the organizational units (or the root) to deploy the role to"},
		{"Default", strings.Join(ss.OrganizationalUnits, ",")}}}}
	var pass []any
	for _, p := range params {
		outer = append(outer, p)
		val := any(map[string]any{"Ref": p.k})
		if p.v.(obj).get("Type") == "CommaDelimitedList" {
			val = map[string]any{"Fn::Join": []any{",", map[string]any{"Ref": p.k}}}
		}
		pass = append(pass, obj{{"ParameterKey", p.k}, {"ParameterValue", val}})
	}
	props := obj{
		{"StackSetName", "assume-role-" + s.RoleName},
		{"Description", "the " + s.RoleName + " role in every account of the organizational units; " + ManagementAccountNote},
		{"PermissionModel", "SERVICE_MANAGED"},
		{"AutoDeployment", obj{{"Enabled", true}, {"RetainStacksOnAccountRemoval", false}}},
		{"Capabilities", []string{"CAPABILITY_NAMED_IAM"}},
		{"ManagedExecution", obj{{"Active", true}}},
		{"OperationPreferences", obj{{"FailureToleranceCount", 0}, {"MaxConcurrentCount", 10}}},
	}
	if ss.DelegatedAdmin {
		props = append(props, kv{"CallAs", "DELEGATED_ADMIN"})
	}
	props = append(props,
		kv{"StackInstancesGroup", []any{obj{
			{"DeploymentTargets", obj{{"OrganizationalUnitIds", map[string]any{"Ref": "OrganizationalUnitIds"}}}},
			{"Regions", []string{ss.Region}},
		}}},
		kv{"Parameters", pass},
		kv{"TemplateBody", string(body)},
	)
	tmpl := obj{
		{"AWSTemplateFormatVersion", "2010-09-09"},
		{"Description", fmt.Sprintf("StackSet: the IAM role %s in every account of the organizational units (generated by assume-role)", s.RoleName)},
		{"Metadata", obj{{"Note", ManagementAccountNote}}},
		{"Parameters", outer},
		{"Resources", obj{{"StackSet", obj{{"Type", "AWS::CloudFormation::StackSet"}, {"Properties", props}}}}},
	}
	return render(tmpl)
}

// roleTemplate is the single-account template and its parameter declarations.
func roleTemplate(s *Spec) (obj, obj) {
	b := &cfnBinder{}
	b.param("RoleName", obj{{"Type", "String"}, {"Description", "the role's name"}, {"Default", s.RoleName}})
	trust := trustTree(s, b)
	props := obj{{"RoleName", map[string]any{"Ref": "RoleName"}}, {"Path", s.RolePath}, {"AssumeRolePolicyDocument", trust}}
	dur := s.MaxSessionDuration
	if dur == 0 {
		dur = 3600
	}
	b.param("MaxSessionDuration", obj{{"Type", "Number"}, {"Description", "the longest session, in seconds"},
		{"MinValue", 3600}, {"MaxValue", 43200}, {"Default", dur}})
	props = append(props, kv{"MaxSessionDuration", map[string]any{"Ref": "MaxSessionDuration"}})
	if len(s.ManagedPolicyARNs) > 0 {
		b.param("ManagedPolicyArns", obj{{"Type", "CommaDelimitedList"}, {"Description", "managed policies attached to the role"},
			{"Default", strings.Join(s.ManagedPolicyARNs, ",")}})
		props = append(props, kv{"ManagedPolicyArns", map[string]any{"Ref": "ManagedPolicyArns"}})
	}
	tmpl := obj{
		{"AWSTemplateFormatVersion", "2010-09-09"},
		{"Description", fmt.Sprintf("The IAM role %s and who may assume it (generated by assume-role)", s.RoleName)},
		{"Parameters", b.params},
		{"Resources", obj{{"Role", obj{{"Type", "AWS::IAM::Role"}, {"Properties", props}}}}},
		{"Outputs", obj{
			{"RoleArn", obj{{"Description", "the role's ARN"}, {"Value", map[string]any{"Fn::GetAtt": []string{"Role", "Arn"}}}}},
			{"RoleName", obj{{"Description", "the role's name"}, {"Value", map[string]any{"Ref": "Role"}}}},
		}},
	}
	return tmpl, b.params
}
