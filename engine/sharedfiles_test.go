package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
)

// Large shared files are handed to the SDK reduced to a profile's sections: every profile must load
// exactly as from the whole files.
func TestReducedSharedFilesLoadLikeWholeFiles(t *testing.T) {
	dir := t.TempDir()
	var cfg, creds strings.Builder
	cfg.WriteString("# preamble comment\n[default]\nregion = eu-west-1\n\n")
	cfg.WriteString("[profile target]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = mid ; inline\nregion = us-west-2\n\n")
	cfg.WriteString("[profile mid]\nrole_arn = arn:aws:iam::333333333333:role/hop\nsource_profile = base\nmfa_serial = arn:aws:iam::111111111111:mfa/alice\n\n")
	cfg.WriteString("[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n")
	cfg.WriteString("[profile sso]\nsso_session = corp\nsso_account_id = 444444444444\nsso_role_name = Dev\nservices = local\n\n")
	cfg.WriteString("[services local]\nsts =\n  endpoint_url = http://127.0.0.1:1\n\n")
	cfg.WriteString("[profile  spaced ]\nregion = ap-south-1\n\n")
	cfg.WriteString("[profile loop1]\nrole_arn = arn:aws:iam::222222222222:role/a\nsource_profile = loop2\n[profile loop2]\nrole_arn = arn:aws:iam::222222222222:role/b\nsource_profile = loop1\n")
	creds.WriteString("[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = basesecret\n\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = defsecret\n")
	for i := 0; cfg.Len() < 2*reduceAbove; i++ {
		fmt.Fprintf(&cfg, "[profile p%d]\nregion = us-east-1\nrole_arn = arn:aws:iam::222222222222:role/r%d\nsource_profile = base\n\n", i, i)
		fmt.Fprintf(&creds, "[c%d]\naws_access_key_id = AKIA%016d\naws_secret_access_key = %s\n\n", i, i, strings.Repeat("s", 40))
	}
	cfg.WriteString("[profile target]\noutput = json\n") // a duplicate section, merged by the SDK
	cfgPath, credPath := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(credPath, []byte(creds.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AWS_CONFIG_FILE": cfgPath, "AWS_SHARED_CREDENTIALS_FILE": credPath, "HOME": dir}
	e := New(Options{Getenv: func(k string) string { return env[k] }})
	for _, name := range []string{"default", "target", "mid", "base", "sso", "spaced", "loop1", "p7", "c3", "missing"} {
		want, werr := config.LoadSharedConfigProfile(context.Background(), name, func(o *config.LoadSharedConfigOptions) {
			o.ConfigFiles, o.CredentialsFiles = []string{cfgPath}, []string{credPath}
		})
		cf, crf, done, err := e.profileFiles(name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(cf[0], "/proc/self/fd/") && runtime.GOOS == "linux" {
			t.Errorf("%s: the config file was not reduced", name)
		}
		got, gerr := config.LoadSharedConfigProfile(context.Background(), name, func(o *config.LoadSharedConfigOptions) {
			o.ConfigFiles, o.CredentialsFiles = cf, crf
		})
		done()
		if (werr == nil) != (gerr == nil) {
			t.Errorf("%s: error %v from the whole files, %v reduced", name, werr, gerr)
			continue
		}
		// Source file names differ (the reduced copies live in memory); compare the rest.
		if !reflect.DeepEqual(strip(want), strip(got)) {
			t.Errorf("%s: reduced files load\n%+v\nwant\n%+v", name, strip(got), strip(want))
		}
	}
	if f := e.profileFile("target"); f != cfgPath {
		t.Errorf("profileFile(target) = %q", f)
	}
	if v := e.profileKey("mid", "mfa_serial"); v != "arn:aws:iam::111111111111:mfa/alice" {
		t.Errorf("profileKey(mid, mfa_serial) = %q", v)
	}
}

// strip clears the fields that name the files a profile came from.
func strip(sc config.SharedConfig) config.SharedConfig {
	sc.Credentials.Source = ""
	if sc.Source != nil {
		s := strip(*sc.Source)
		sc.Source = &s
	}
	return sc
}
