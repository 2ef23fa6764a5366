package cli

import (
	"fmt"
	"strings"

	"github.com/assume-role/assume-role/policy"
	"github.com/assume-role/assume-role/problem"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// specFlags are the flags that fill a policy.Spec, shared by the policy subcommands.
type specFlags struct{ s policy.Spec }

func (f *specFlags) register(fs *pflag.FlagSet) {
	s := &f.s
	fs.StringVar(&s.Partition, "partition", "aws", "ARN partition (aws, aws-cn, aws-us-gov)")
	fs.StringVar(&s.RoleName, "role-name", "", "name of the role")
	fs.StringVar(&s.RolePath, "role-path", "/", "IAM path of the role")
	fs.StringSliceVar(&s.Accounts, "account", nil, "account the role lives in (repeatable; caller policy and profiles)")
	fs.StringSliceVar(&s.FromAccounts, "from-account", nil, "trust this account (its root principal; repeatable)")
	fs.StringSliceVar(&s.Principals, "principal", nil, "trust this principal ARN or glob, checked with aws:PrincipalArn (repeatable)")
	fs.StringVar(&s.ExternalID, "external-id", "", "require this sts:ExternalId")
	fs.BoolVar(&s.RequireMFA, "require-mfa", false, "require MFA (aws:MultiFactorAuthPresent)")
	fs.IntVar(&s.MFAMaxAge, "mfa-max-age", 0, "require MFA at most SECONDS old (aws:MultiFactorAuthAge)")
	fs.StringVar(&s.OrgID, "org-id", "", "require the caller's organization (aws:PrincipalOrgID)")
	fs.BoolVar(&s.SecureTransport, "secure-transport", false, "require TLS (aws:SecureTransport)")
	fs.StringVar(&s.SessionNamePattern, "session-name-pattern", "", "require session names matching this glob (sts:RoleSessionName)")
	fs.BoolVar(&s.AllowTags, "allow-tags", false, "allow session tags (sts:TagSession)")
	fs.BoolVar(&s.AllowSourceIdentity, "allow-source-identity", false, "allow a source identity (sts:SetSourceIdentity)")
	fs.StringVar(&s.SAMLProvider, "saml-provider", "", "trust this SAML provider ARN (sts:AssumeRoleWithSAML)")
	fs.StringVar(&s.SAMLAudience, "saml-audience", "", "required SAML:aud (default "+policy.DefaultSAMLAudience+")")
	fs.StringVar(&s.OIDCProvider, "oidc-provider", "", "trust this OIDC provider ARN (sts:AssumeRoleWithWebIdentity)")
	fs.StringSliceVar(&s.OIDCSub, "oidc-sub", nil, "required token sub, a glob (repeatable)")
	fs.StringVar(&s.OIDCAud, "oidc-aud", "", "required token aud")
	fs.IntVar(&s.MaxSessionDuration, "max-session-duration", 0, "the role's MaxSessionDuration in seconds (3600–43200)")
	fs.StringSliceVar(&s.ManagedPolicyARNs, "managed-policy", nil, "attach this managed policy ARN (repeatable)")
}

func newPolicyCmd(sio *IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Generate the roles to assume: trust and caller policies, CloudFormation, Terraform, profiles",
		Long: `Generates, from one set of flags, the IAM role that assume-role assumes and everything around it:
the role's trust policy, the identity policy of the callers, a CloudFormation stack or StackSet, a
Terraform module, and the ~/.aws/config profiles that assume the role. Nothing is sent to AWS.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newPolicyTrustCmd(sio), newPolicyCallerCmd(sio), newPolicyCloudFormationCmd(sio),
		newPolicyTerraformCmd(sio), newPolicyProfileCmd(sio))
	return cmd
}

func newPolicyTrustCmd(sio *IO) *cobra.Command {
	var f specFlags
	cmd := &cobra.Command{
		Use:   "trust",
		Short: "Print a role trust policy (who may assume the role)",
		Example: `  # Prowler's scan role: the auditing account, one role in it, an external ID
  assume-role policy trust --from-account 111111111111 \
    --principal 'arn:aws:iam::111111111111:role/prowler*' --external-id 7c0c3b2a
  # GitHub Actions
  assume-role policy trust --oidc-provider arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com \
    --oidc-aud sts.amazonaws.com --oidc-sub 'repo:OWNER/REPO:ref:refs/heads/main'`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := f.s.Normalize(); err != nil {
				return err
			}
			b, err := policy.Trust(&f.s)
			if err != nil {
				return err
			}
			_, err = sio.Out.Write(b)
			return err
		},
	}
	f.register(cmd.Flags())
	return cmd
}

func newPolicyCallerCmd(sio *IO) *cobra.Command {
	var f specFlags
	cmd := &cobra.Command{
		Use:   "caller",
		Short: "Print the identity policy that lets the source side assume the role",
		Long: `Prints the identity policy to attach to the users or roles that assume the role: sts:AssumeRole (and
sts:TagSession / sts:SetSourceIdentity with --allow-tags / --allow-source-identity) on exactly the role
in each --account.`,
		Example: `  assume-role policy caller --role-name ProwlerScan --account 222222222222 --account 333333333333`,
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := f.s.NormalizeRole(); err != nil {
				return err
			}
			b, err := policy.Caller(&f.s)
			if err != nil {
				return err
			}
			_, err = sio.Out.Write(b)
			return err
		},
	}
	f.register(cmd.Flags())
	return cmd
}

func newPolicyCloudFormationCmd(sio *IO) *cobra.Command {
	var f specFlags
	var stackset bool
	var ss policy.StackSetOptions
	cmd := &cobra.Command{
		Use:   "cloudformation",
		Short: "Print a CloudFormation template (JSON) that creates the role, or a StackSet for an organization",
		Long: `Prints a CloudFormation template that creates the role: parameters for its variable parts (role name,
trusted account and principal, external ID, organization, MaxSessionDuration, managed policies) and the
role's ARN as the output RoleArn. With --stackset, a template for a service-managed StackSet that deploys
that stack to every account of the --ou organizational units, also to accounts added later.

A StackSet never deploys to the management account: create the role there with the plain stack.`,
		Example: `  assume-role policy cloudformation --role-name ProwlerScan --from-account 111111111111 \
    --principal 'arn:aws:iam::111111111111:role/prowler*' --external-id 7c0c3b2a \
    --managed-policy arn:aws:iam::aws:policy/SecurityAudit > prowler-role.json
  aws cloudformation deploy --template-file prowler-role.json --stack-name prowler-role --capabilities CAPABILITY_NAMED_IAM`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := f.s.Normalize(); err != nil {
				return err
			}
			var opts *policy.StackSetOptions
			if stackset {
				opts = &ss
			} else if len(ss.OrganizationalUnits) > 0 || ss.DelegatedAdmin {
				return problem.New(problem.Usage, "--ou and --delegated-admin need --stackset")
			}
			b, err := policy.CloudFormation(&f.s, opts)
			if err != nil {
				return err
			}
			if _, err := sio.Out.Write(b); err != nil {
				return err
			}
			if stackset {
				fmt.Fprintf(sio.Err, "assume-role: hint: %s: assume-role policy cloudformation %s\n", policy.ManagementAccountNote, plainStackArgs(c))
			}
			return nil
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().BoolVar(&stackset, "stackset", false, "print a service-managed StackSet for organizational units")
	cmd.Flags().StringSliceVar(&ss.OrganizationalUnits, "ou", nil, "deploy to this organizational unit or root ID (repeatable; --stackset)")
	cmd.Flags().StringVar(&ss.Region, "stackset-region", "us-east-1", "region of the stack instances (--stackset)")
	cmd.Flags().BoolVar(&ss.DelegatedAdmin, "delegated-admin", false, "deploy from a delegated administrator account: CallAs DELEGATED_ADMIN (--stackset)")
	return cmd
}

func newPolicyTerraformCmd(sio *IO) *cobra.Command {
	var f specFlags
	cmd := &cobra.Command{
		Use:   "terraform",
		Short: "Print a Terraform module (aws_iam_role + aws_iam_role_policy_attachment) that creates the role",
		Long: `Prints a Terraform module: the aws_iam_role with its trust policy, one aws_iam_role_policy_attachment per
managed policy, variables role_name, max_session_duration, managed_policy_arns (and trusted_account_ids,
trusted_principal_arns, external_id, org_id when the trust policy uses them), outputs role_arn and role_name.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := f.s.Normalize(); err != nil {
				return err
			}
			b, err := policy.Terraform(&f.s)
			if err != nil {
				return err
			}
			_, err = sio.Out.Write(b)
			return err
		},
	}
	f.register(cmd.Flags())
	return cmd
}

func newPolicyProfileCmd(sio *IO) *cobra.Command {
	var f specFlags
	var o policy.ProfileOptions
	var names []string
	var format string
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Print the ~/.aws/config profiles (or ~/.aws/accounts aliases) that assume the generated role",
		Long: `Prints, for each --account, a ~/.aws/config profile that assumes the role with what its trust policy
requires (external_id, mfa_serial, a role_session_name matching --session-name-pattern), from the same
flags as the other policy commands. --format accounts prints the ~/.aws/accounts aliases of the
accounts named with --name ACCOUNT=ALIAS instead; --format fanout the role ARNs for
assume-role fanout --accounts @FILE, after the command line that assumes them.`,
		Example: `  assume-role policy profile --role-name ProwlerScan --external-id 7c0c3b2a --account 222222222222 >> ~/.aws/config`,
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := f.s.NormalizeRole(); err != nil {
				return err
			}
			o.Names = map[string]string{}
			for _, n := range names {
				acct, alias, ok := strings.Cut(n, "=")
				if !ok || acct == "" || alias == "" {
					return problem.New(problem.Usage, "--name %q: want ACCOUNT=NAME", n)
				}
				o.Names[acct] = alias
			}
			var b []byte
			var err error
			switch format {
			case "config":
				b, err = policy.Profiles(&f.s, o)
			case "accounts":
				b, err = policy.AccountsFile(&f.s, o.Names)
			case "fanout":
				b, err = policy.FanoutAccounts(&f.s, o)
			default:
				return problem.New(problem.Usage, "--format %q: want config, accounts or fanout", format)
			}
			if err != nil {
				return err
			}
			_, err = sio.Out.Write(b)
			return err
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().StringVar(&o.SourceProfile, "source-profile", "default", "profile whose credentials assume the role")
	cmd.Flags().StringVar(&o.MFASerial, "mfa-serial", "", "the caller's MFA device (needed with --require-mfa)")
	cmd.Flags().StringVar(&o.Region, "region", "", "region written into each profile")
	cmd.Flags().StringVar(&o.SessionName, "session-name", "", "role_session_name (default: from --session-name-pattern)")
	cmd.Flags().StringSliceVar(&names, "name", nil, "name the profile of an account: ACCOUNT=NAME (repeatable)")
	cmd.Flags().StringVar(&format, "format", "config", "config (~/.aws/config profiles), accounts (~/.aws/accounts aliases) or fanout (a file for fanout --accounts @FILE)")
	return cmd
}

// plainStackArgs repeats the flags of a --stackset command line without the StackSet's own: the
// stack for the management account.
func plainStackArgs(c *cobra.Command) string {
	var args []string
	c.Flags().Visit(func(fl *pflag.Flag) {
		switch fl.Name {
		case "stackset", "ou", "stackset-region", "delegated-admin":
			return
		}
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				args = append(args, "--"+fl.Name, v)
			}
			return
		}
		if fl.Value.Type() == "bool" {
			if fl.Value.String() == "true" {
				args = append(args, "--"+fl.Name)
			}
			return
		}
		args = append(args, "--"+fl.Name, fl.Value.String())
	})
	return shellQuoteArgs(args)
}
