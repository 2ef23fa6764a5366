// Package problem defines the errors users see: one line saying what failed, an optional hint
// saying what to do, and a stable exit code per kind. The engine returns them; the CLI prints them
// with ExitCode. Nothing in a Problem may contain secret material.
package problem

import (
	"errors"
	"fmt"
)

// Kind classifies a failure; each kind has a documented exit code.
type Kind int

// Kinds, with their exit codes.
const (
	Internal      Kind = iota // 1: unexpected failure
	Usage                     // 2: bad flags, arguments or values
	Config                    // 3: bad configuration file, profile or alias file
	NoCredentials             // 4: no usable source credentials (missing, invalid, expired)
	AccessDenied              // 5: STS refused the role (trust policy, external ID, MFA)
	MFA                       // 6: MFA needed or the code was refused
	Limit                     // 7: STS limits: session duration caps, policy size
	Network                   // 8: endpoint unreachable, timeouts, throttling, region disabled
	Interrupted               // 130: cancelled by the user
)

// ExitCode returns the process exit code for a kind.
func (k Kind) ExitCode() int {
	switch k {
	case Usage:
		return 2
	case Config:
		return 3
	case NoCredentials:
		return 4
	case AccessDenied:
		return 5
	case MFA:
		return 6
	case Limit:
		return 7
	case Network:
		return 8
	case Interrupted:
		return 130
	default:
		return 1
	}
}

// Problem is a user-facing error.
type Problem struct {
	Kind Kind
	Msg  string // what failed, one line
	Hint string // what to do, one line, may be empty
	Err  error  // the cause, for errors.Is/As; its text is not shown to users
}

func (p *Problem) Error() string { return p.Msg }

// Unwrap returns the cause.
func (p *Problem) Unwrap() error { return p.Err }

// New makes a problem with a formatted message.
func New(k Kind, format string, args ...any) *Problem {
	return &Problem{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// Wrap makes a problem that keeps err as its cause.
func Wrap(k Kind, err error, format string, args ...any) *Problem {
	return &Problem{Kind: k, Msg: fmt.Sprintf(format, args...), Err: err}
}

// WithHint sets the hint and returns p.
func (p *Problem) WithHint(format string, args ...any) *Problem {
	p.Hint = fmt.Sprintf(format, args...)
	return p
}

// As returns the Problem in err's chain, or nil.
func As(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	return nil
}

// ExitCode maps any error to an exit code: a Problem's kind, 1 otherwise, 0 for nil.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	if p := As(err); p != nil {
		return p.Kind.ExitCode()
	}
	return 1
}
