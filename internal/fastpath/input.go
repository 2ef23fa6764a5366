package fastpath

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/assume-role/assume-role/shellenv"
	"golang.org/x/term"
)

// EnvMode names the variable that turns the fast path off ("off") or makes it explain itself
// ("explain"). It is not an input of the digest.
const EnvMode = "ASSUME_ROLE_FAST_PATH"

// Modes of EnvMode.
const (
	ModeOn      = ""
	ModeOff     = "off"
	ModeExplain = "explain"
)

// Mode returns the mode the environment asks for; an unknown value is ModeOff.
func Mode(getenv func(string) string) string {
	switch v := getenv(EnvMode); v {
	case "", "on":
		return ModeOn
	case ModeExplain:
		return ModeExplain
	default:
		return ModeOff
	}
}

// EngineName is the engine executable's base name (".exe" is added on Windows).
const EngineName = "assume-role-engine"

// FrontName is the front executable's base name.
const FrontName = "assume-role"

// extraNames are the variables outside the AWS_ and ASSUME_ROLE_ prefixes that the engine, the
// SDK or the cache read: where the home, the cache and the shared files are, which shell.
var extraNames = []string{
	"ACCOUNTS_FILE", "APPDATA", "HOME", "LOCALAPPDATA", "SHELL", "TMPDIR", "USERPROFILE",
	"XDG_CACHE_HOME", "XDG_CONFIG_HOME",
}

// Covered reports whether the digest covers the environment variable name: the engine may read
// it in a run that is recorded. shellenv.CodeFileEnvVar (a fresh path on every call of the shell
// function) and EnvMode are not inputs; whether the former is set is.
func Covered(name string) bool {
	if name == shellenv.CodeFileEnvVar || name == EnvMode {
		return false
	}
	return strings.HasPrefix(name, "AWS_") || strings.HasPrefix(name, "ASSUME_ROLE_") || slices.Contains(extraNames, name)
}

// Input is what decides a run, as either executable sees it.
type Input struct {
	Args    []string // without the program name
	Environ []string // NAME=VALUE, as os.Environ
	TTY     [3]bool  // stdin, stdout, stderr are terminals
	// Engine is the path of the engine executable (for the front, the one next to it; for the
	// engine, itself).
	Engine string
}

// Digest returns the hex HMAC-SHA-256 of the input under key: the name of its record.
func (in *Input) Digest(key []byte) (string, error) {
	env, err := in.covered()
	if err != nil {
		return "", err
	}
	id, err := fileIdentity(in.Engine)
	if err != nil {
		return "", fmt.Errorf("the engine %s: %w", in.Engine, err)
	}
	h := hmac.New(sha256.New, key)
	field(h, "assume-role fast path v"+strconv.Itoa(recordVersion))
	field(h, strconv.Itoa(len(in.Args)))
	for _, a := range in.Args {
		field(h, a)
	}
	field(h, strconv.Itoa(len(env)))
	for _, kv := range env {
		field(h, kv)
	}
	_, codeFile := lookup(in.Environ, shellenv.CodeFileEnvVar)
	b := strconv.FormatBool
	field(h, "tty="+b(in.TTY[0])+","+b(in.TTY[1])+","+b(in.TTY[2])+" codefile="+b(codeFile)+" euid="+strconv.Itoa(os.Geteuid()))
	field(h, id)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// field writes s length-prefixed, so that no two sequences of fields hash alike.
func field(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// errDuplicate: a covered variable appears twice in the environment; which one a reader sees
// depends on the reader.
var errDuplicate = errors.New("the environment names a variable twice")

// covered returns the covered NAME=VALUE entries, sorted.
func (in *Input) covered() ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, kv := range in.Environ {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || !Covered(name) {
			continue
		}
		if seen[name] {
			return nil, fmt.Errorf("%w (%s)", errDuplicate, name)
		}
		seen[name] = true
		out = append(out, kv)
	}
	slices.Sort(out)
	return out, nil
}

// lookup returns the value of name in environ.
func lookup(environ []string, name string) (string, bool) {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}

// Getenv returns a getenv function over environ.
func Getenv(environ []string) func(string) string {
	return func(name string) string {
		v, _ := lookup(environ, name)
		return v
	}
}

// Terminals tells which of stdin, stdout and stderr are terminals, as both executables see it.
func Terminals() [3]bool {
	return [3]bool{term.IsTerminal(int(os.Stdin.Fd())), term.IsTerminal(int(os.Stdout.Fd())), term.IsTerminal(int(os.Stderr.Fd()))}
}
