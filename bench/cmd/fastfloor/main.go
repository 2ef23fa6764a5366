// Command fastfloor measures the floor of a cached switch served without the AWS SDK: it links
// only the cache, shellenv and accounts packages (no SDK, no cobra) and does the local work such
// a fast path must do, so bench/run can put its start-up cost next to a Go hello world and the
// real binary. It is a measuring prototype, not part of the product, and its cache key is its own
// (the engine's keys are being redesigned); see bench/README.md.
//
//	fastfloor prime ACCOUNT ROLE < credential-process-json   store an entry under fastfloor's key
//	fastfloor ACCOUNT ROLE                                   print bash exports from that entry
//
// A run reads the environment, ~/.aws/accounts, the shared config and credentials files (the
// source profile's access key ID and region: what a key computed without the SDK needs), one
// remembered fact of the cache's meta store, computes the role key, looks the entry up (file
// backend: owner and mode checks, expiry margin) and renders ten exports. A miss exits 3: the
// real fast path would hand over to the full engine there.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/assume-role/assume-role/accounts"
	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/shellenv"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	prime := len(args) > 0 && args[0] == "prime"
	if prime {
		args = args[1:]
	}
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: fastfloor [prime] ACCOUNT ROLE")
		return 2
	}
	home := os.Getenv("HOME")
	acctFile := envOr("ACCOUNTS_FILE", filepath.Join(home, ".aws", "accounts"))
	al, err := accounts.Load(acctFile)
	if err != nil {
		return fail(err)
	}
	id, name, err := al.Resolve(args[0])
	if err != nil {
		return fail(err)
	}
	profile := envOr("AWS_PROFILE_ASSUME_ROLE", "default")
	creds, err := iniSection(envOr("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials")), profile)
	if err != nil {
		return fail(err)
	}
	confSection := "profile " + profile
	if profile == "default" {
		confSection = "default"
	}
	conf, err := iniSection(envOr("AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config")), confSection)
	if err != nil {
		return fail(err)
	}
	region := envOr("AWS_REGION", envOr("AWS_DEFAULT_REGION", conf["region"]))
	if region == "" {
		region = "us-east-1"
	}
	c, err := cache.Open(cache.Options{Backend: os.Getenv("ASSUME_ROLE_CACHE_BACKEND"), Dir: os.Getenv("ASSUME_ROLE_CACHE_DIR")})
	if err != nil {
		return fail(err)
	}
	source := "key:" + creds["aws_access_key_id"]
	sessionName, _ := c.Recall("identity:" + source)
	roleARN := "arn:aws:iam::" + id + ":role/" + args[1]
	key := cache.Key{Kind: "fastfloor-role", Fields: map[string]string{
		"source": source, "role": roleARN, "session_name": sessionName, "duration": "3600",
		"mfa_serial": conf["mfa_serial"], "region": region,
	}}
	if prime {
		var in struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration string }
		if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
			return fail(err)
		}
		exp, err := time.Parse(time.RFC3339, in.Expiration)
		if err != nil {
			return fail(err)
		}
		err = c.Put(key, &cache.Entry{AccessKeyID: in.AccessKeyId, SecretAccessKey: in.SecretAccessKey,
			SessionToken: in.SessionToken, Expiration: exp, Kind: cache.KindRole, AccountID: id})
		if err != nil {
			return fail(err)
		}
		return 0
	}
	e, ok := c.Lookup(key)
	if !ok {
		fmt.Fprintln(os.Stderr, "fastfloor: cache miss (the full engine would take over here)")
		return 3
	}
	exp := e.Expiration.UTC().Format(time.RFC3339)
	vars := []shellenv.Var{
		{Name: "AWS_ACCESS_KEY_ID", Value: e.AccessKeyID}, {Name: "AWS_SECRET_ACCESS_KEY", Value: e.SecretAccessKey},
		{Name: "AWS_SESSION_TOKEN", Value: e.SessionToken}, {Name: "AWS_SECURITY_TOKEN", Value: e.SessionToken},
		{Name: "AWS_CREDENTIAL_EXPIRATION", Value: exp}, {Name: "AWS_REGION", Value: region},
		{Name: "AWS_DEFAULT_REGION", Value: region}, {Name: "AWS_ACCOUNT_ID", Value: id},
		{Name: "AWS_ACCOUNT_NAME", Value: name}, {Name: "AWS_ACCOUNT_ROLE", Value: args[1]},
	}
	w := bufio.NewWriter(os.Stdout)
	if err := shellenv.Render(w, shellenv.Bash, vars, []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}); err != nil {
		return fail(err)
	}
	if err := w.Flush(); err != nil {
		return fail(err)
	}
	return 0
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "fastfloor: error:", err)
	return 1
}

// iniSection returns the keys of one section of an AWS shared config or credentials file (the
// subset of the format a fast path needs: [section], key = value, # and ; comments).
func iniSection(path, section string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return map[string]string{}, nil
		}
		return nil, err
	}
	out := map[string]string{}
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			in = strings.TrimSpace(strings.Trim(line, "[]")) == section
		case in:
			if k, v, ok := strings.Cut(line, "="); ok {
				out[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	return out, nil
}
