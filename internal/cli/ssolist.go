package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

var fmtFprintf = func(w io.Writer, format string, a ...any) { fmt.Fprintf(w, format, a...) }

func newSSOListCmds(sio *IO, f *ssoFlags) []*cobra.Command { return nil }
