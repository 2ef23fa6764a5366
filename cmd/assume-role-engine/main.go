// Command assume-role-engine is the full assume-role command line: everything the small front
// (cmd/assume-role) does not answer itself is handed here with exec, same arguments, same
// environment, same file descriptors. It is installed next to the front and not meant to be run
// by name. See the README; the work happens in internal/cli and the engine package.
package main

import (
	"context"
	"os"

	"github.com/assume-role/assume-role/internal/buildinfo"
	"github.com/assume-role/assume-role/internal/cli"
)

// version is set with -ldflags "-X main.version=v1.2.3" (make build sets `git describe`);
// otherwise it comes from the build information.
var version = ""

func main() {
	cli.Version = buildinfo.Version(version)
	ctx, stop := cli.NotifySignals(context.Background())
	code := cli.Main(ctx, os.Args[1:], cli.System())
	stop()
	os.Exit(code)
}
