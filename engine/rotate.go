package engine

import (
	"context"
	"time"

	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Rotation reports a key rotation (key IDs only).
type Rotation struct {
	Profile  string
	OldKeyID string
	NewKeyID string
	User     string // the IAM user's ARN
}

// RotateKeys replaces the long-term keys stored for profile, as aws-vault's rotate does: it
// creates a new access key with the current one (iam:CreateAccessKey), waits until the new key
// works (sts:GetCallerIdentity as the same user), saves it with save, and only then deletes the
// old key with the new one (iam:DeleteAccessKey). If the new key cannot be verified or saved it
// is deleted again and the old key stays in place.
func (e *Engine) RotateKeys(ctx context.Context, profile string, save func(aws.Credentials) error) (*Rotation, error) {
	if e.keys == nil {
		return nil, problem.New(problem.Usage, "no key store: rotate works on keys stored with assume-role add")
	}
	if _, ok := e.keys.Stored(profile); !ok {
		return nil, problem.New(problem.Usage, "profile %q has no keys in the keyring", profile).
			WithHint("store them first with: assume-role add %s (rotate replaces keys kept in the keyring)", profile)
	}
	p, err := e.Resolve(ctx, Request{Profile: profile, NoRegionPrompt: true})
	if err != nil {
		return nil, err
	}
	old, err := e.sourceKeys(ctx, &p.Source)
	if err != nil {
		return nil, err
	}
	info := callInfo{}
	ic, err := e.iamClient(ctx, p, fixed(old))
	if err != nil {
		return nil, err
	}
	sc, err := e.stsClient(ctx, p, fixed(old))
	if err != nil {
		return nil, err
	}
	me, err := sc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, e.explain(err, info)
	}
	out, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	if err != nil {
		return nil, problem.Wrap(problem.AccessDenied, err, "iam:CreateAccessKey for profile %q failed: %s", profile, describe(err)).
			WithHint("the user needs iam:CreateAccessKey and iam:DeleteAccessKey on itself, and at most one other access key")
	}
	nk := aws.Credentials{AccessKeyID: aws.ToString(out.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(out.AccessKey.SecretAccessKey), Source: "keyring"}
	rot := &Rotation{Profile: profile, OldKeyID: old.AccessKeyID, NewKeyID: nk.AccessKeyID, User: aws.ToString(me.Arn)}
	undo := func(cause error) error {
		_, derr := ic.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(nk.AccessKeyID)})
		if derr != nil {
			return problem.Wrap(problem.Internal, cause, "%s; deleting the new key %s failed too (%s): delete it in the IAM console", describe(cause), nk.AccessKeyID, describe(derr))
		}
		return cause
	}
	// A new IAM key takes a few seconds to work everywhere.
	nsc, err := e.stsClient(ctx, p, fixed(nk))
	if err != nil {
		return nil, undo(err)
	}
	var verr error
	for wait := 500 * time.Millisecond; ; wait *= 2 {
		var id *sts.GetCallerIdentityOutput
		if id, verr = nsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); verr == nil {
			if aws.ToString(id.Arn) != rot.User {
				verr = problem.New(problem.Internal, "the new key belongs to %s, not %s", aws.ToString(id.Arn), rot.User)
			}
			break
		}
		if wait > 8*time.Second || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	if verr != nil {
		return nil, undo(problem.Wrap(problem.NoCredentials, verr, "the new key %s does not work: %s; it was deleted and the old key kept", nk.AccessKeyID, describe(verr)))
	}
	if err := save(nk); err != nil {
		return nil, undo(problem.Wrap(problem.Config, err, "cannot store the new key of profile %q: %s; it was deleted and the old key kept", profile, describe(err)))
	}
	nic, err := e.iamClient(ctx, p, fixed(nk))
	if err == nil {
		_, err = nic.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(old.AccessKeyID)})
	}
	if err != nil {
		return rot, problem.Wrap(problem.AccessDenied, err, "the new key %s is stored, but deleting the old key %s failed: %s", nk.AccessKeyID, old.AccessKeyID, describe(err)).
			WithHint("delete %s in the IAM console", old.AccessKeyID)
	}
	return rot, nil
}
