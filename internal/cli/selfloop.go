package cli

import (
	"path/filepath"
	"strings"
)

// selfCommand implements engine.Options.SelfCommand: whether a credential_process command line
// runs this program to obtain credentials through a source profile, and the source it names
// (--source-profile; "" when it names none). Only plain command lines are understood (a program
// and quoted words, as botocore splits them); anything else is reported as not ours, and a loop
// through it is still caught by the marker (engine.ResolvingEnvVar).
func (sio *IO) selfCommand(command string) (string, bool) {
	words, ok := splitCommand(command)
	if !ok || len(words) == 0 || !sio.isSelf(words[0]) {
		return "", false
	}
	root := NewRootCmd(sio)
	cmd, rest, err := root.Find(words[1:])
	if err != nil {
		return "", false
	}
	switch cmd.Name() {
	case "credential-process", "exec", "serve":
	default:
		if cmd != root {
			return "", false // version, whoami, cache…: no source resolved the usual way
		}
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return "", false
	}
	fs := cmd.Flags()
	for _, name := range []string{"profile", "saml-assertion", "web-identity-token-file", "unset", "version", "help"} {
		if f := fs.Lookup(name); f != nil && f.Changed {
			return "", false // another source (a profile's own chain, SAML, OIDC) or no credentials
		}
	}
	if strings.EqualFold(strings.TrimSpace(sio.Getenv("AWS_ASSUME_ROLE_AUTH_SCHEME")), "saml") {
		return "", false
	}
	src, _ := fs.GetString("source-profile")
	return src, true
}

// isSelf reports whether program names this binary: its path, or the name assume-role.
func (sio *IO) isSelf(program string) bool {
	base := strings.TrimSuffix(filepath.Base(program), ".exe")
	if base == "assume-role" {
		return true
	}
	if sio.Executable == "" || !filepath.IsAbs(program) {
		return false
	}
	a, errA := filepath.EvalSymlinks(program)
	b, errB := filepath.EvalSymlinks(sio.Executable)
	return errA == nil && errB == nil && a == b
}

// splitCommand splits a command line into words as a POSIX shell would, for the plain forms only:
// words separated by blanks, single quotes, double quotes and backslashes. ok is false for
// anything a shell would expand or interpret (variables, substitutions, globs, redirections,
// pipes, lists, assignments before the program).
func splitCommand(s string) (words []string, ok bool) {
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, false
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				switch s[i] {
				case '$', '`':
					return nil, false
				case '\\':
					if i+1 < len(s) && strings.IndexByte("$`\"\\", s[i+1]) >= 0 {
						i++
					}
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, false
			}
			inWord = true
		case c == '\\':
			if i+1 >= len(s) {
				return nil, false
			}
			i++
			cur.WriteByte(s[i])
			inWord = true
		case strings.IndexByte("|&;<>()$`*?[{}#", c) >= 0:
			return nil, false
		case c == '=' && len(words) == 0:
			return nil, false // VAR=value before the program changes its environment
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, true
}
