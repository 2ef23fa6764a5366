package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/stslimits"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

var errNoTTY = errors.New("no terminal to prompt on")

const defaultMFASessionSeconds = 43200

// getSessionToken exchanges long-term keys for an MFA session (cached by the decorator, one per
// user's keys).
func (e *Engine) getSessionToken(ctx context.Context, p *Plan, h *Hop, parent *cache.Entry) (*cache.Entry, error) {
	static := fixed(entryCredentials(parent))
	client, err := e.stsClient(ctx, p, static)
	if err != nil {
		return nil, err
	}
	ident, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, e.explain(err, callInfo{op: "GetCallerIdentity", stsRegion: p.STSRegionOrRegion()})
	}
	serial, err := e.mfaSerial(ctx, p, h, static)
	if err != nil {
		return nil, err
	}
	code, err := e.mfaCode(ctx, serial, p.takeToken(), h.mfaProcess)
	if err != nil {
		return nil, err
	}
	out, err := client.GetSessionToken(ctx, &sts.GetSessionTokenInput{
		DurationSeconds: aws.Int32(int32(h.DurationSeconds)), SerialNumber: aws.String(serial), TokenCode: aws.String(code),
	})
	if err != nil {
		return nil, e.explain(err, callInfo{op: "GetSessionToken", caller: aws.ToString(ident.Arn), mfa: true, stsRegion: p.STSRegionOrRegion()})
	}
	c := out.Credentials
	return &cache.Entry{
		Kind: cache.KindSession, MFA: true,
		AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken: aws.ToString(c.SessionToken), Expiration: aws.ToTime(c.Expiration),
		Label:     fmt.Sprintf("MFA session of %s (%s)", aws.ToString(ident.Arn), serial),
		AccountID: aws.ToString(ident.Account), Arn: aws.ToString(ident.Arn), Created: e.now(),
	}, nil
}

// mfaSerial finds the MFA device: flag or profile, Prowler's --mfa prompt, or coinbase's discovery
// through iam:GetUser and iam:ListMFADevices.
func (e *Engine) mfaSerial(ctx context.Context, p *Plan, h *Hop, creds aws.CredentialsProvider) (string, error) {
	if h.MFASerial != "" {
		return h.MFASerial, nil
	}
	if p.req.AskMFASerial {
		if !e.prompt.CanPrompt() {
			return "", problem.New(problem.MFA, "--mfa needs a terminal to ask for the MFA device ARN").
				WithHint("pass --serial-number ARN and --token-code CODE instead")
		}
		s, err := e.prompt.Ask("MFA device ARN: ", "")
		if err != nil {
			return "", problem.Wrap(problem.Interrupted, err, "no MFA device given")
		}
		s = strings.TrimSpace(s)
		if err := stslimits.SerialNumber("MFA device ARN", s); err != nil {
			return "", problem.Wrap(problem.Usage, err, "%s", err.Error())
		}
		h.MFASerial = s
		return s, nil
	}
	client, err := e.iamClient(ctx, p, creds)
	if err != nil {
		return "", err
	}
	user := e.getenv("AWS_USERNAME")
	if user == "" {
		out, err := client.GetUser(ctx, &iam.GetUserInput{})
		if err != nil {
			return "", e.explain(err, callInfo{op: "iam:GetUser", stsRegion: p.STSRegionOrRegion()}).
				WithHint("set mfa_serial in the profile, pass --serial-number, or set AWS_USERNAME")
		}
		user = aws.ToString(out.User.UserName)
	}
	list, err := client.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String(user)})
	if err != nil {
		return "", e.explain(err, callInfo{op: "iam:ListMFADevices", stsRegion: p.STSRegionOrRegion()}).
			WithHint("set mfa_serial in the profile or pass --serial-number")
	}
	var serials []string
	for _, d := range list.MFADevices {
		serials = append(serials, aws.ToString(d.SerialNumber))
	}
	switch {
	case len(serials) == 0:
		return "", problem.New(problem.MFA, "IAM user %s has no MFA device", user).
			WithHint("assign an MFA device to the user, or pass --serial-number")
	case len(serials) == 1:
		h.MFASerial = serials[0]
	case e.prompt.CanPrompt():
		i, err := e.prompt.Choose("Which MFA device?", serials)
		if err != nil {
			return "", problem.Wrap(problem.Interrupted, err, "no MFA device chosen")
		}
		h.MFASerial = serials[i]
	default:
		return "", problem.New(problem.MFA, "IAM user %s has %d MFA devices: %s", user, len(serials), strings.Join(serials, ", ")).
			WithHint("choose one with --serial-number or mfa_serial in the profile")
	}
	e.debugf("MFA device %s", h.MFASerial)
	return h.MFASerial, nil
}

// mfaCode returns the code given, one from the profile's mfa_process, or one typed at the terminal.
func (e *Engine) mfaCode(ctx context.Context, serial, given, process string) (string, error) {
	if given != "" {
		// A code is accepted once: one given with the request is sent at most once by this engine,
		// even when a long-running provider re-assumes the role later.
		if _, dup := e.usedCodes.LoadOrStore(given, true); !dup {
			return given, nil
		}
	}
	if process != "" {
		out, err := e.mfaProc(ctx, process)
		if err != nil {
			return "", problem.Wrap(problem.MFA, err, "mfa_process failed: %s", oneLine(err)).
				WithHint("run the profile's mfa_process command by hand to check it prints a 6-digit code")
		}
		code := strings.TrimSpace(out)
		if stslimits.TokenCode("mfa_process", code) != nil {
			return "", problem.New(problem.MFA, "mfa_process did not print a 6-digit MFA code").
				WithHint("the command must print only the code on stdout")
		}
		return code, nil
	}
	if !e.prompt.CanPrompt() {
		return "", problem.New(problem.MFA, "an MFA code is needed for %s and there is no terminal to ask on", serial).
			WithHint("pass the code as the MFA_TOKEN argument or --token-code, or set mfa_process in the profile")
	}
	// Another assume-role waiting for the same credentials tells its user why it waits.
	cache.Announce(ctx, "its MFA prompt")
	defer cache.Announce(ctx, "")
	for attempt := 0; attempt < 3; attempt++ {
		code, err := e.prompt.Ask(fmt.Sprintf("Enter MFA code for %s: ", serial), "")
		if err != nil {
			return "", problem.Wrap(problem.Interrupted, err, "no MFA code given")
		}
		code = strings.TrimSpace(code)
		if stslimits.TokenCode("code", code) == nil {
			return code, nil
		}
		fmt.Fprintln(e.warn, "assume-role: an MFA code is exactly 6 digits")
	}
	return "", problem.New(problem.MFA, "no valid MFA code entered")
}

// runShell runs an mfa_process command through sh -c, stdin and stderr passed through.
func runShell(ctx context.Context, command string) (string, error) {
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	cmd.Stdin, cmd.Stderr = os.Stdin, os.Stderr
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("exit status %s", strconv.Itoa(ee.ExitCode()))
		}
		return "", err
	}
	return string(out), nil
}
