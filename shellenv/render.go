package shellenv

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Var is one environment variable to set.
type Var struct {
	Name  string
	Value string
}

// ErrInvalidName reports a variable name that is not ^[A-Za-z_][A-Za-z0-9_]*$,
// or a name given twice.
var ErrInvalidName = errors.New("invalid environment variable name")

// ErrInvalidValue reports a value the target format cannot carry (a NUL byte;
// a newline or carriage return in the env format; invalid UTF-8 for
// PowerShell). Errors wrapping it name the variable, never the value.
var ErrInvalidValue = errors.New("invalid environment variable value")

// validName is ^[A-Za-z_][A-Za-z0-9_]*$ (no regular expression: nothing to compile at start-up).
func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// Render writes statements that set each variable of set, in order, and then
// unset each name of unset, in order, in the syntax of sh:
//
//	bash, zsh:   export NAME='value'              unset -v NAME
//	fish:        set -gx NAME 'value';            if set -q -g NAME; set -e -g NAME; end;
//	powershell:  $Env:NAME = 'value'              Remove-Item Env:NAME -ErrorAction SilentlyContinue
//	env:         NAME=value                       (unset names are omitted)
//
// Each statement is one line ending in a newline (a bash, zsh or fish value
// may itself span lines), and evaluating the output exits with status 0 in
// bash, zsh and fish even when a name to unset was not set. Fish erases only
// global variables, so a universal variable survives in other sessions.
//
// Render validates everything before writing anything: it returns an error
// wrapping ErrInvalidName for a name that is invalid or appears twice (in set
// or unset together), and one wrapping ErrInvalidValue for an unrepresentable
// value. Values never appear in errors.
func Render(w io.Writer, sh Shell, set []Var, unset []string) error {
	if err := validate(sh, set, unset); err != nil {
		return err
	}
	// Concatenation rather than fmt: the front renders this on every cached switch.
	var b strings.Builder
	for _, v := range set {
		switch sh {
		case Fish:
			b.WriteString("set -gx " + v.Name + " " + quoteFish(v.Value) + ";\n")
		case PowerShell:
			b.WriteString("$Env:" + v.Name + " = " + quotePowerShell(v.Value) + "\n")
		case Env:
			b.WriteString(v.Name + "=" + v.Value + "\n")
		default:
			b.WriteString("export " + v.Name + "=" + quotePOSIX(v.Value) + "\n")
		}
	}
	for _, name := range unset {
		switch sh {
		case Fish:
			b.WriteString("if set -q -g " + name + "; set -e -g " + name + "; end;\n")
		case PowerShell:
			b.WriteString("Remove-Item Env:" + name + " -ErrorAction SilentlyContinue\n")
		case Env:
		default:
			b.WriteString("unset -v " + name + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func validate(sh Shell, set []Var, unset []string) error {
	switch sh {
	case Bash, Zsh, Fish, PowerShell, Env:
	default:
		return fmt.Errorf("unknown shell %q: choose one of %s", string(sh), shellChoices)
	}
	seen := make(map[string]bool, len(set)+len(unset))
	checkName := func(name string) error {
		if !validName(name) {
			return fmt.Errorf("%w %q: must match ^[A-Za-z_][A-Za-z0-9_]*$", ErrInvalidName, name)
		}
		if seen[name] {
			return fmt.Errorf("%w %q: given more than once", ErrInvalidName, name)
		}
		seen[name] = true
		return nil
	}
	for _, v := range set {
		if err := checkName(v.Name); err != nil {
			return err
		}
		if err := checkValue(sh, v); err != nil {
			return err
		}
	}
	for _, name := range unset {
		if err := checkName(name); err != nil {
			return err
		}
	}
	return nil
}

func checkValue(sh Shell, v Var) error {
	switch {
	case strings.IndexByte(v.Value, 0) >= 0:
		return fmt.Errorf("%w: %s contains a NUL byte", ErrInvalidValue, v.Name)
	case sh == Env && strings.ContainsAny(v.Value, "\r\n"):
		return fmt.Errorf("%w: %s contains a line break, which the env format cannot carry", ErrInvalidValue, v.Name)
	case sh == PowerShell && !utf8.ValidString(v.Value):
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalidValue, v.Name)
	}
	return nil
}
