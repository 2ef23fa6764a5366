// Command assume-role assumes AWS IAM roles and hands the temporary credentials to shells and
// programs. See the README for usage; the work happens in internal/cli and the engine package.
package main

import (
	"context"
	"os"
	"runtime/debug"

	"github.com/assume-role/assume-role/internal/cli"
)

// version is set with -ldflags "-X main.version=v1.2.3" (make build sets `git describe`);
// otherwise it comes from the build information.
var version = ""

func main() {
	if version == "" {
		version = buildVersion()
	}
	if version != "" {
		cli.Version = version
	}
	ctx, stop := cli.NotifySignals(context.Background())
	code := cli.Main(ctx, os.Args[1:], cli.System())
	stop()
	os.Exit(code)
}

// buildVersion is the module version `go install …@v1.2.3` records, else the VCS revision
// `go build` records in a checkout ("devel+0123456789ab", "+dirty" when modified), else "".
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return "devel+" + rev[:min(len(rev), 12)] + dirty
}
