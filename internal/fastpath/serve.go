package fastpath

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/assume-role/assume-role/cache/filestore"
	"github.com/assume-role/assume-role/shellenv"
)

// Front is a run as the front executable sees it.
type Front struct {
	Input
	Stdout, Stderr io.Writer
	Now            time.Time
}

// Serve answers the run from its record when every dependency is as recorded. served reports
// whether it did; then code is the exit status. When it did not, nothing was written to Stdout
// (and, unless ASSUME_ROLE_FAST_PATH=explain, to Stderr) and the caller hands the run to the
// engine.
func Serve(f *Front) (served bool, code int) {
	getenv := Getenv(f.Environ)
	mode := Mode(getenv)
	if mode == ModeOff {
		return false, 0
	}
	explain := func(format string, args ...any) {
		if mode == ModeExplain {
			fmt.Fprintf(f.Stderr, "assume-role: fast path: "+format+"\n", args...)
		}
	}
	out, why := f.answer(getenv)
	if out == nil {
		explain("not served: %s", why)
		return false, 0
	}
	if why != "" { // to the shell function's file
		if err := shellenv.WriteCodeFile(why, out); err != nil {
			explain("not served: the shell function's file cannot be written")
			return false, 0 // the engine will say what is wrong
		}
	} else if _, err := f.Stdout.Write(out); err != nil {
		fmt.Fprintf(f.Stderr, "assume-role: error: cannot write the credentials: %v\n", err)
		return true, 1
	}
	explain("served from the cache")
	return true, 0
}

// answer returns what to print, and where: why is the shell function's file, or "" for stdout.
// When out is nil, why says why there is no answer.
func (f *Front) answer(getenv func(string) string) (out []byte, why string) {
	dir, err := CacheDir(getenv)
	if err != nil {
		return nil, "no cache directory"
	}
	v, err := filestore.NewView(dir)
	if err != nil {
		return nil, "the cache directory is not safe to use"
	}
	s, err := v.Store(dirName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "no record yet"
	}
	if err != nil {
		return nil, "the records' folder is not safe to use"
	}
	key, err := readKey(s)
	if err != nil {
		return nil, "no record yet"
	}
	digest, err := f.Digest(key)
	if err != nil {
		return nil, err.Error()
	}
	rec, err := load(s, digest)
	if err != nil {
		return nil, "no record of a run with these arguments and this environment"
	}
	e, why := rec.verify(v, f.Now)
	if e == nil {
		return nil, why
	}
	var b bytes.Buffer
	if err := rec.render(&b, e); err != nil {
		return nil, "the record cannot be rendered"
	}
	if rec.CodeFile {
		path := getenv(shellenv.CodeFileEnvVar)
		if path == "" {
			return nil, "the shell function's file is not named"
		}
		return b.Bytes(), path
	}
	return b.Bytes(), ""
}
