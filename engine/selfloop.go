package engine

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/config"
)

// ResolvingEnvVar marks the environment of the processes the AWS SDK starts for a source's
// credential_process with the profiles being resolved, as a JSON list of "PID:PROFILE" entries
// (the PID of the assume-role that is resolving PROFILE). An assume-role started, directly or
// through any script, by such a process refuses to resolve one of those profiles again: it would
// start the same process once more, without end. The variable names no secret. Programs that
// exec hands credentials to do not inherit it.
const ResolvingEnvVar = "ASSUME_ROLE_RESOLVING"

// maxSelfHops bounds the static search for a loop through credential_process commands.
const maxSelfHops = 8

type predictingKey struct{}

// guardSelfLoop refuses a source whose credentials come from a credential_process that runs
// assume-role, when that run would resolve its own source through the same credential_process:
// recognised from the configuration (Options.SelfCommand) before anything runs, or from the
// marker a parent assume-role left in the environment. Otherwise it marks the environment of the
// process the SDK is about to start (Options.Setenv). Files and environment only, no network.
func (e *Engine) guardSelfLoop(ctx context.Context, name string, sc *config.SharedConfig) error {
	root := processRoot(sc)
	if root == nil || ctx.Value(predictingKey{}) != nil {
		return nil
	}
	if slices.Contains(e.ancestorsResolving(), root.Profile) {
		return selfLoopError(root.Profile, name)
	}
	if e.selfCommand != nil {
		seen := map[string]bool{root.Profile: true}
		cur := root
		for range maxSelfHops {
			srcName, ok := e.selfCommand(cur.CredentialProcess)
			if !ok {
				break // not assume-role, or one we cannot predict: the marker catches a loop
			}
			if srcName == "" {
				srcName = e.getenv("AWS_PROFILE_ASSUME_ROLE") // as plan() does for that run
			}
			nextName, _, err := e.sourceProfileName(context.WithValue(ctx, predictingKey{}, true), srcName)
			if err != nil || nextName == "" {
				break // that run fails on its own, or uses no profile
			}
			nextSC, ok, err := e.loadProfile(ctx, nextName)
			if err != nil || !ok {
				break
			}
			nextRoot := processRoot(nextSC)
			if nextRoot == nil {
				break
			}
			if seen[nextRoot.Profile] {
				return selfLoopError(cur.Profile, nextName)
			}
			seen[nextRoot.Profile], cur = true, nextRoot
		}
	}
	e.markResolving(root.Profile)
	return nil
}

// processRoot returns the profile of sc's source_profile chain whose credential_process the SDK
// runs, or nil when the chain gets its credentials otherwise (the SDK's order: keys,
// credential_source, web identity, SSO, then credential_process).
func processRoot(sc *config.SharedConfig) *config.SharedConfig {
	p := sc
	for i := 0; p.Source != nil && i < 64; i++ {
		p = p.Source
	}
	if p.CredentialProcess == "" || p.Credentials.HasKeys() || p.CredentialSource != "" || p.WebIdentityTokenFile != "" ||
		p.SSOStartURL != "" || p.SSOSessionName != "" || p.SSOAccountID != "" || p.SSORoleName != "" {
		return nil
	}
	return p
}

func selfLoopError(processProfile, sourceProfile string) error {
	return problem.New(problem.Config, "profile %q runs assume-role as its credential_process, which would take its source credentials from profile %q again: a loop",
		processProfile, sourceProfile).
		WithHint("name the source in that credential_process line (--source-profile NAME) or set AWS_PROFILE_ASSUME_ROLE=NAME, NAME being a profile with your own credentials")
}

// ancestorsResolving returns the profiles that other assume-role processes above this one are
// resolving through a credential_process (this process's own entries left out).
func (e *Engine) ancestorsResolving() []string {
	self := strconv.Itoa(os.Getpid()) + ":"
	var out []string
	for _, ent := range e.resolvingEntries() {
		if pid, profile, ok := strings.Cut(ent, ":"); ok && pid != "" && !strings.HasPrefix(ent, self) {
			out = append(out, profile)
		}
	}
	return out
}

func (e *Engine) resolvingEntries() []string {
	var entries []string
	if v := e.getenv(ResolvingEnvVar); v != "" {
		_ = json.Unmarshal([]byte(v), &entries) // a garbled marker counts as none
	}
	return entries
}

// markResolving adds PID:profile to the marker in the environment the SDK's processes inherit.
func (e *Engine) markResolving(profile string) {
	if e.setenv == nil {
		return
	}
	entries := e.resolvingEntries()
	ent := strconv.Itoa(os.Getpid()) + ":" + profile
	if slices.Contains(entries, ent) {
		return
	}
	b, err := json.Marshal(append(entries, ent))
	if err == nil {
		_ = e.setenv(ResolvingEnvVar, string(b))
	}
}
