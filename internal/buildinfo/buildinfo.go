// Package buildinfo names the version of a build, for both executables.
package buildinfo

import "runtime/debug"

// Version returns set (what -ldflags "-X main.version=…" set) when it is not empty, else the
// module version `go install …@v1.2.3` records, else the VCS revision `go build` records in a
// checkout ("devel+0123456789ab", "+dirty" when modified), else "dev".
func Version(set string) string {
	if set != "" {
		return set
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
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
		return "dev"
	}
	return "devel+" + rev[:min(len(rev), 12)] + dirty
}
