// Command assume-role assumes AWS IAM roles and hands the temporary credentials to shells and
// programs. See the README for usage; the work happens in internal/cli and the engine package.
package main

import (
	"context"
	"os"
	"runtime/debug"

	"github.com/assume-role/assume-role/internal/cli"
)

// version is set with -ldflags "-X main.version=v1.2.3"; otherwise it comes from build info.
var version = ""

func main() {
	if version == "" {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			version = bi.Main.Version
		}
	}
	if version != "" {
		cli.Version = version
	}
	ctx, stop := cli.NotifySignals(context.Background())
	code := cli.Main(ctx, os.Args[1:], cli.System())
	stop()
	os.Exit(code)
}
