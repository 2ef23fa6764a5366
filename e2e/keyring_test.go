package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// keyringEnv stores keys in the encrypted-file keyring (the one every CI machine has).
var keyringEnv = map[string]string{"ASSUME_ROLE_KEYRING_BACKEND": "encrypted-file", "ASSUME_ROLE_CACHE_PASSPHRASE": "e2e-keyring-passphrase"}

func TestKeyringAddUseRotateRemove(t *testing.T) {
	w := newWorld(t, nil)
	for k, v := range keyringEnv {
		w.env[k] = v
	}
	w.write(".aws/credentials", "") // no plaintext keys anywhere
	w.write(".aws/config", "# mine\n[profile prod-read]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = bastion\n")

	// Bad input fails before anything is stored.
	w.failEnv(map[string]string{"AWS_ACCESS_KEY_ID": "ASIAEXAMPLE000000001", "AWS_SECRET_ACCESS_KEY": aliceSecret}, 2, "not a long-term access key ID", "add", "bastion", "--env")
	w.fail(2, "no terminal to ask for the access key", "add", "bastion")

	r := w.runEnv(map[string]string{"AWS_ACCESS_KEY_ID": aliceKey, "AWS_SECRET_ACCESS_KEY": aliceSecret}, "add", "bastion", "--env")
	if r.code != 0 || strings.Contains(r.stderr, aliceSecret) || !strings.Contains(r.stderr, "stored key "+aliceKey+" for profile bastion in the encrypted-file keyring") {
		t.Fatal(r)
	}
	cfg, _ := os.ReadFile(filepath.Join(w.home, ".aws", "config"))
	if !strings.HasPrefix(string(cfg), "# mine\n[profile prod-read]\n") || !strings.HasSuffix(string(cfg), "\n[profile bastion]\ncredential_process = "+binary+" credential-process -p bastion\n") {
		t.Fatalf("config: %q", cfg)
	}
	// The secret is in the encrypted keyring only: not in any file in clear.
	filepath.Walk(w.home, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), aliceSecret) {
				t.Errorf("%s holds the secret in clear", p)
			}
		}
		return nil
	})

	// The stored keys are the source of a role profile and of --source-profile.
	r = w.ok("-p", "prod-read", "-o", "json")
	if e := w.lastCall("AssumeRole"); e.AccessKeyID != aliceKey {
		t.Fatalf("AssumeRole signed with %s", e.AccessKeyID)
	}
	w.ok("--source-profile", "bastion", "prod", "read", "-o", "json", "--no-cache")
	r = w.ok("doctor", "-p", "prod-read")
	if !strings.Contains(r.stdout+r.stderr, "in the keyring") {
		t.Fatalf("doctor does not say where the keys are: %s", r)
	}
	r = w.ok("list")
	if !strings.Contains(r.stdout, "keyring (encrypted-file) "+aliceKey) {
		t.Fatal(r)
	}
	// Other tools get the keys through the credential_process line add wrote.
	if _, err := os.Stat("/usr/bin/aws"); err == nil || os.Getenv("CI") == "true" {
		r = runProcess(t, w.environ(noEgress), w.home, "", "/usr/bin/aws", "sts", "get-caller-identity", "--profile", "bastion", "--endpoint-url", w.url, "--region", "us-east-1")
		if r.code != 0 || !strings.Contains(r.stdout, aliceARN) {
			t.Fatalf("aws: %s", r)
		}
	}

	// rotate: a new key, verified, stored; the old one deleted in IAM.
	w.srv.ResetLog()
	r = w.ok("rotate", "bastion")
	if got := w.calls(); strings.Join(got, ",") != "GetCallerIdentity,CreateAccessKey,GetCallerIdentity,DeleteAccessKey" {
		t.Fatalf("rotation calls %v", got)
	}
	newKey := w.lastCall("DeleteAccessKey").AccessKeyID
	if newKey == aliceKey || !strings.Contains(r.stderr, newKey+" replaced "+aliceKey) {
		t.Fatal(r)
	}
	w.ok("-p", "prod-read", "--refresh", "-o", "json")
	if e := w.lastCall("AssumeRole"); e.AccessKeyID != newKey {
		t.Fatalf("after rotation AssumeRole signed with %s, want %s", e.AccessKeyID, newKey)
	}
	// The old key is gone in IAM.
	w.failEnv(map[string]string{"AWS_ACCESS_KEY_ID": aliceKey, "AWS_SECRET_ACCESS_KEY": aliceSecret}, 4, "", "prod", "read", "--no-cache", "-o", "json")

	w.ok("remove", "bastion")
	r = w.ok("list")
	if strings.Contains(r.stdout, "keyring") {
		t.Fatal(r)
	}
	w.fail(4, `profile "bastion" (the source_profile of "prod-read") has no credentials`, "-p", "prod-read", "--refresh", "-o", "json")
	cfg, _ = os.ReadFile(filepath.Join(w.home, ".aws", "config"))
	if string(cfg) != "# mine\n[profile prod-read]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = bastion\n\n[profile bastion]\n" {
		t.Fatalf("config after remove: %q", cfg)
	}
}

// TestKeyringAddPrompts: add asks for the key on the terminal, the secret without echo.
func TestKeyringAddPrompts(t *testing.T) {
	w := newWorld(t, nil)
	for k, v := range keyringEnv {
		w.env[k] = v
	}
	s := startPTY(t, w, nil, false, "add", "ops")
	s.expect("Access key ID: ")
	s.send(aliceKey)
	s.expect("Secret access key: ")
	s.send(aliceSecret)
	_, code := s.wait()
	if code != 0 || strings.Contains(s.Screen(), aliceSecret) || !strings.Contains(s.Screen(), "stored key "+aliceKey+" for profile ops") {
		t.Fatalf("exit %d, screen:\n%s", code, s.Screen())
	}
	// -p ops alone exports the stored keys (a credential_process output for other tools).
	r := w.ok("credential-process", "-p", "ops")
	if !strings.Contains(r.stdout, `"AccessKeyId": "`+aliceKey) && !strings.Contains(r.stdout, `"AccessKeyId":"`+aliceKey) {
		t.Fatal(r)
	}
}
