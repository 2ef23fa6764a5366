package engine

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/assume-role/assume-role/internal/safefile"
	"github.com/assume-role/assume-role/problem"
)

// MaxSharedFileSize caps the shared config and credentials files: larger ones are refused
// (problem.Config), as are FIFOs, devices and other non-regular files, which would hang or
// exhaust memory.
const MaxSharedFileSize = 128 << 20

// sharedFile is one shared config or credentials file, read once per version (size and
// modification time) and indexed by section, so that a profile is parsed from its own sections
// only: a 46 MB credentials file costs one read and one scan, not a full INI parse per lookup.
type sharedFile struct {
	path     string
	config   bool // the config file ([profile NAME] sections), else the credentials file
	size     int64
	mtime    time.Time
	data     []byte // nil when the file does not exist
	preamble span   // the lines before the first section
	sections []section
}

type span struct{ start, end int }

type section struct {
	name    string // the profile it belongs to, or "" for any other section (sso-session, services…)
	span    span   // header line to the next header
	sources []string
}

// sharedFilesState memoises the files for an Engine (a credential server keeps one for hours:
// a changed file is read again).
type sharedFilesState struct {
	mu    sync.Mutex
	files map[string]*sharedFile
}

// readShared returns the indexed file at path, reading it again when it changed.
func (e *Engine) readShared(path string, config bool) (*sharedFile, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &sharedFile{path: path, config: config}, nil
	}
	if err != nil {
		return nil, sharedFileProblem(err)
	}
	e.shared.mu.Lock()
	defer e.shared.mu.Unlock()
	if f := e.shared.files[path]; f != nil && f.size == fi.Size() && f.mtime.Equal(fi.ModTime()) && f.config == config {
		return f, nil
	}
	data, err := safefile.Read(path, MaxSharedFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return &sharedFile{path: path, config: config}, nil
	}
	if err != nil {
		return nil, sharedFileProblem(err)
	}
	f := indexShared(path, config, data)
	f.size, f.mtime = fi.Size(), fi.ModTime()
	if e.shared.files == nil {
		e.shared.files = map[string]*sharedFile{}
	}
	e.shared.files[path] = f
	return f, nil
}

func sharedFileProblem(err error) *problem.Problem {
	p := problem.Wrap(problem.Config, err, "%s", err.Error())
	if errors.Is(err, safefile.ErrTooLarge) {
		return p.WithHint("the AWS config and credentials files are limited to %s", safefile.Size(MaxSharedFileSize))
	}
	return p.WithHint("AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE must name regular files")
}

// indexShared finds the sections of data with a line scan: a line whose first non-blank character
// is '[' starts a section, as in the SDK's parser.
func indexShared(path string, config bool, data []byte) *sharedFile {
	f := &sharedFile{path: path, config: config, data: data}
	cur := -1
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		next := len(data)
		if end >= 0 {
			next = off + end + 1
		}
		line := bytes.TrimSpace(data[off:next])
		if len(line) > 0 && line[0] == '[' {
			if cur >= 0 {
				f.sections[cur].span.end = off
			} else {
				f.preamble = span{0, off}
			}
			name := string(line[1:])
			if i := strings.LastIndexByte(name, ']'); i >= 0 {
				name = name[:i]
			}
			f.sections = append(f.sections, section{name: profileOf(strings.TrimSpace(name), config), span: span{off, len(data)}})
			cur = len(f.sections) - 1
		} else if cur >= 0 && len(line) > 0 && f.sections[cur].name != "" {
			if k, v, ok := bytes.Cut(line, []byte("=")); ok && strings.EqualFold(string(bytes.TrimSpace(k)), "source_profile") {
				v = bytes.TrimSpace(v)
				f.sections[cur].sources = append(f.sections[cur].sources, string(v))
				if i := bytes.IndexAny(v, "#;"); i > 0 {
					f.sections[cur].sources = append(f.sections[cur].sources, string(bytes.TrimSpace(v[:i])))
				}
			}
		}
		off = next
	}
	if cur < 0 {
		f.preamble = span{0, len(data)}
	}
	return f
}

// profileOf names the profile a section holds: in the config file "default" or "profile NAME",
// in the credentials file any name. Other config sections (sso-session, services) yield "".
func profileOf(name string, config bool) string {
	if !config {
		return name
	}
	if name == "default" {
		return name
	}
	if fields := strings.Fields(name); len(fields) == 2 && fields[0] == "profile" {
		return fields[1]
	}
	return ""
}

// reduce returns the file's content restricted to the preamble, every non-profile section, and
// the sections of the named profiles and of the profiles they name as source_profile
// (transitively, across both files: closure is updated in place).
func (f *sharedFile) reduce(closure map[string]bool) []byte {
	var b bytes.Buffer
	b.Write(f.data[f.preamble.start:f.preamble.end])
	for _, s := range f.sections {
		if s.name == "" || closure[s.name] {
			b.Write(f.data[s.span.start:s.span.end])
			if s.span.end > 0 && f.data[s.span.end-1] != '\n' {
				b.WriteByte('\n')
			}
		}
	}
	return b.Bytes()
}

// closure returns name and every profile reachable from it through source_profile in files.
func closure(files []*sharedFile, name string) map[string]bool {
	set := map[string]bool{name: true}
	for changed := true; changed; {
		changed = false
		for _, f := range files {
			for _, s := range f.sections {
				if s.name == "" || !set[s.name] {
					continue
				}
				for _, src := range s.sources {
					if !set[src] {
						set[src], changed = true, true
					}
				}
			}
		}
	}
	return set
}

// hasProfile reports whether the file has a section for profile name.
func (f *sharedFile) hasProfile(name string) bool {
	for _, s := range f.sections {
		if s.name == name {
			return true
		}
	}
	return false
}

// reduceAbove is the size from which a shared file is handed to the SDK reduced to the profile
// being loaded: smaller files are read whole, exactly as the SDK always does.
const reduceAbove = 1 << 20

// profileFiles returns the shared files to give the SDK for loading profile name: each large file
// reduced, in memory, to what that profile needs (see reduce), else the files themselves. done
// releases the in-memory copies. Special and oversized files are refused.
func (e *Engine) profileFiles(name string) (cf, crf []string, done func(), err error) {
	cfPaths, crfPaths := e.sharedFiles()
	var files []*sharedFile
	for i, paths := range [][]string{cfPaths, crfPaths} {
		for _, p := range paths {
			f, err := e.readShared(p, i == 0)
			if err != nil {
				return nil, nil, nil, err
			}
			files = append(files, f)
		}
	}
	var closers []func()
	done = func() {
		for _, c := range closers {
			c()
		}
	}
	var set map[string]bool
	for _, f := range files {
		path := f.path
		if name != "" && len(f.data) > reduceAbove {
			if set == nil {
				set = closure(files, name)
			}
			if p, c, ok := memFile("assume-role-shared", f.reduce(set)); ok {
				path = p
				closers = append(closers, c)
			}
		}
		if f.config {
			cf = append(cf, path)
		} else {
			crf = append(crf, path)
		}
	}
	return cf, crf, done, nil
}
