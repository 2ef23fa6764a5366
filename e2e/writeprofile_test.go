package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
)

// profileRegion is the region each consumer reads for profile name from the world's files: the
// AWS CLI v2, boto3 and the Go SDK.
func profileRegion(t *testing.T, w *world, name string) map[string]string {
	t.Helper()
	got := map[string]string{}
	env := w.environ(map[string]string{"AWS_REGION": "", "AWS_DEFAULT_REGION": ""})
	if _, err := exec.LookPath("/usr/bin/aws"); err == nil {
		cmd := exec.Command("/usr/bin/aws", "configure", "get", "region", "--profile", name)
		cmd.Env = env
		out, _ := cmd.Output()
		got["aws"] = strings.TrimSpace(string(out))
	} else {
		requireTool(t, "aws-cli-v2-at-/usr/bin/aws")
	}
	cmd := exec.Command("python3", "-c", `import boto3, sys; print(boto3.Session(profile_name=sys.argv[1]).region_name)`, name)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3: %v %s", err, out)
	}
	got["boto3"] = strings.TrimSpace(string(out))
	sc, err := config.LoadSharedConfigProfile(context.Background(), name, func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles = []string{filepath.Join(w.home, ".aws", "config")}
		o.CredentialsFiles = []string{filepath.Join(w.home, ".aws", "credentials")}
	})
	if err != nil {
		t.Fatalf("Go SDK: %v", err)
	}
	got["go"] = sc.Region
	return got
}

func TestWriteProfileWritesRegion(t *testing.T) {
	w := newWorld(t, nil)
	// A region of [profile wp] in the config file is overridden: every consumer reads the
	// credentials file's keys over the config file's.
	cfg := "# mine\n[default]\nregion = us-east-1\noutput = json\n\n[profile wp]\nregion = ap-south-1\noutput = text\n"
	cfgPath := w.write(".aws/config", cfg)
	if r := w.run("prod", "read", "--region", "eu-north-1", "--write-profile", "wp"); r.code != 0 {
		t.Fatal(r)
	}
	for who, region := range profileRegion(t, w, "wp") {
		if region != "eu-north-1" {
			t.Errorf("%s reads region %q for profile wp, want eu-north-1", who, region)
		}
	}
	// Written again with another region (AWS_REGION): replaced, not repeated.
	if r := w.runEnv(map[string]string{"AWS_REGION": "sa-east-1"}, "prod", "read", "--write-profile", "wp"); r.code != 0 {
		t.Fatal(r)
	}
	for who, region := range profileRegion(t, w, "wp") {
		if region != "sa-east-1" {
			t.Errorf("%s reads region %q for profile wp, want sa-east-1", who, region)
		}
	}
	b, _ := os.ReadFile(filepath.Join(w.home, ".aws", "credentials"))
	if n := strings.Count(string(b), "region = "); n != 1 {
		t.Fatalf("%d region lines:\n%s", n, b)
	}
	if got, _ := os.ReadFile(cfgPath); string(got) != cfg {
		t.Fatalf("the config file changed:\n%s", got)
	}
}
