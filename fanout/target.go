// Package fanout runs one command, or hands out credentials, across many accounts: it selects
// targets (account IDs, aliases, profiles, an AWS Organizations listing), plans them without any STS
// call, shards them deterministically, and runs them through one engine with bounded parallelism,
// shared rate limits, one MFA session for all targets and refreshing per-target credentials.
//
// Memory is a small record per target: results stream to writers (events, output files), and
// nothing of a target is kept after it finishes but its line of the summary when it failed.
package fanout

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/assume-role/assume-role/problem"
)

// Target is one account (and role) to run in. Skipped targets carry the reason and are never run.
type Target struct {
	AccountID   string `json:"account_id"`
	AccountName string `json:"account_name,omitempty"`
	OUPath      string `json:"ou_path,omitempty"`
	RoleARN     string `json:"role_arn,omitempty"`
	// Profile is set for targets selected with --profiles: the profile is resolved as -p would.
	Profile string `json:"profile,omitempty"`
	Region  string `json:"region,omitempty"`
	// SSORole is set for targets selected with --sso-accounts: the access portal's role (permission
	// set) in the account is the source, and RoleARN, when set, is assumed with it.
	SSORole string `json:"sso_role,omitempty"`
	Skipped string `json:"skipped,omitempty"`
}

// Key identifies a target for de-duplication, sorting and sharding: the profile, else the role ARN,
// else the account.
func (t *Target) Key() string {
	switch {
	case t.Profile != "":
		return "profile:" + t.Profile
	case t.SSORole != "":
		return "sso:" + t.AccountID + "/" + t.SSORole + "|" + t.RoleARN
	case t.RoleARN != "":
		return t.RoleARN
	}
	return t.AccountID
}

// Name is how the target is shown: the account name, else the profile, else the ID.
func (t *Target) Name() string {
	for _, s := range []string{t.AccountName, t.Profile, t.AccountID} {
		if s != "" {
			return s
		}
	}
	return "?"
}

// RoleName returns the role's name (with its path) from the role ARN.
func (t *Target) RoleName() string {
	_, r, ok := strings.Cut(t.RoleARN, ":role/")
	if !ok {
		return t.SSORole
	}
	return r
}

// Shard is I/N: keep the targets whose key hashes to I-1 modulo N. The same targets give the same
// shards on every machine and at every time, the N shards are disjoint and together complete, and
// adding or removing an account moves no other account to another shard.
type Shard struct{ I, N int }

// ParseShard reads "I/N" with 1 <= I <= N.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return Shard{}, problem.New(problem.Usage, "--shard %q is not I/N with 1 <= I <= N", s).
			WithHint("for example --shard 2/4 runs the second quarter; Kubernetes indexes start at 0: --shard $((JOB_COMPLETION_INDEX+1))/N")
	}
	return Shard{I: i, N: n}, nil
}

// Keep reports whether t belongs to the shard (every target does without a shard).
func (s Shard) Keep(t *Target) bool {
	if s.N <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(t.Key()))
	return int(h.Sum64()%uint64(s.N)) == s.I-1
}

// Finish de-duplicates (first occurrence wins, but a runnable target beats a skipped one), sorts by
// account ID then key, drops excluded targets and keeps the shard.
func Finish(ts []Target, exclude []string, shard Shard) ([]Target, error) {
	for _, pat := range exclude {
		if _, err := path.Match(pat, ""); err != nil {
			return nil, problem.New(problem.Usage, "--exclude %q is not a valid pattern", pat).
				WithHint("use an account ID, an alias, a profile or a glob such as 'sandbox-*'")
		}
	}
	seen := map[string]int{}
	var out []Target
	for _, t := range ts {
		k := t.Key()
		if i, ok := seen[k]; ok {
			if out[i].Skipped != "" && t.Skipped == "" {
				out[i] = t
			}
			continue
		}
		seen[k] = len(out)
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].AccountID != out[j].AccountID {
			return out[i].AccountID < out[j].AccountID
		}
		return out[i].Key() < out[j].Key()
	})
	kept := out[:0]
	for _, t := range out {
		if excluded(&t, exclude) || !shard.Keep(&t) {
			continue
		}
		kept = append(kept, t)
	}
	return kept, nil
}

func excluded(t *Target, patterns []string) bool {
	for _, p := range patterns {
		for _, v := range []string{t.AccountID, t.AccountName, t.Profile, t.RoleARN} {
			if v == "" {
				continue
			}
			if ok, _ := path.Match(p, v); ok || p == v {
				return true
			}
		}
	}
	return false
}

// WritePlan writes one JSON line per target.
func WritePlan(w interface{ Write([]byte) (int, error) }, ts []Target) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range ts {
		if err := enc.Encode(&ts[i]); err != nil {
			return err
		}
	}
	return nil
}

// RoleARN builds the ARN of role (a name, with its path) in account.
func RoleARN(partition, account, role string) string {
	if partition == "" {
		partition = "aws"
	}
	role = strings.TrimPrefix(role, "/")
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, role)
}
