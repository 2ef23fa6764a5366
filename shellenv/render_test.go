package shellenv

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	set := []Var{{"AWS_ACCOUNT_NAME", "it's"}, {"AWS_ACCOUNT_ROLE", `a\b`}, {"EMPTY", ""}}
	unset := []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}
	tests := []struct {
		sh   Shell
		want string
	}{
		{Bash, `export AWS_ACCOUNT_NAME='it'\''s'
export AWS_ACCOUNT_ROLE='a\b'
export EMPTY=''
unset -v AWS_PROFILE
unset -v AWS_DEFAULT_PROFILE
`},
		{Zsh, `export AWS_ACCOUNT_NAME='it'\''s'
export AWS_ACCOUNT_ROLE='a\b'
export EMPTY=''
unset -v AWS_PROFILE
unset -v AWS_DEFAULT_PROFILE
`},
		{Fish, `set -gx AWS_ACCOUNT_NAME 'it\'s';
set -gx AWS_ACCOUNT_ROLE 'a\\b';
set -gx EMPTY '';
if set -q -g AWS_PROFILE; set -e -g AWS_PROFILE; end;
if set -q -g AWS_DEFAULT_PROFILE; set -e -g AWS_DEFAULT_PROFILE; end;
`},
		{PowerShell, `$Env:AWS_ACCOUNT_NAME = 'it''s'
$Env:AWS_ACCOUNT_ROLE = 'a\b'
$Env:EMPTY = ''
Remove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue
Remove-Item Env:AWS_DEFAULT_PROFILE -ErrorAction SilentlyContinue
`},
		{Env, `AWS_ACCOUNT_NAME=it's
AWS_ACCOUNT_ROLE=a\b
EMPTY=
`},
	}
	for _, tt := range tests {
		t.Run(string(tt.sh), func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, tt.sh, set, unset); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), tt.want)
			}
		})
	}
}

func TestRenderPowerShellNonASCII(t *testing.T) {
	var b bytes.Buffer
	if err := Render(&b, PowerShell, []Var{{"N", "prod’; calc; ‘\r\n"}}, nil); err != nil {
		t.Fatal(err)
	}
	want := "$Env:N = ('prod' + [char]0x2019 + '; calc; ' + [char]0x2018 + [char]0x000D + [char]0x000A)\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestRenderEmpty(t *testing.T) {
	for _, sh := range []Shell{Bash, Zsh, Fish, PowerShell, Env} {
		var b bytes.Buffer
		if err := Render(&b, sh, nil, nil); err != nil || b.Len() != 0 {
			t.Errorf("%s: Render(nil, nil) wrote %q, %v; want nothing", sh, b.String(), err)
		}
	}
	var b bytes.Buffer
	if err := Render(&b, Env, nil, []string{"A"}); err != nil || b.Len() != 0 {
		t.Errorf("env: unset wrote %q, %v; want nothing", b.String(), err)
	}
}

func TestRenderErrors(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG" // must never show up in an error
	tests := []struct {
		name  string
		sh    Shell
		set   []Var
		unset []string
		want  error
	}{
		{"empty name", Bash, []Var{{"", "x"}}, nil, ErrInvalidName},
		{"leading digit", Bash, []Var{{"1A", "x"}}, nil, ErrInvalidName},
		{"dash", Fish, []Var{{"A-B", "x"}}, nil, ErrInvalidName},
		{"space", Zsh, []Var{{"A B", "x"}}, nil, ErrInvalidName},
		{"equals", Env, []Var{{"A=B", "x"}}, nil, ErrInvalidName},
		{"substitution", Bash, []Var{{"A$(id)", "x"}}, nil, ErrInvalidName},
		{"newline", PowerShell, []Var{{"A\n", "x"}}, nil, ErrInvalidName},
		{"non-ascii", Bash, []Var{{"É", "x"}}, nil, ErrInvalidName},
		{"bad unset name", Bash, nil, []string{"A;rm"}, ErrInvalidName},
		{"duplicate set", Bash, []Var{{"A", "1"}, {"A", "2"}}, nil, ErrInvalidName},
		{"set and unset", Fish, []Var{{"A", "1"}}, []string{"A"}, ErrInvalidName},
		{"duplicate unset", Bash, nil, []string{"A", "A"}, ErrInvalidName},
		{"NUL bash", Bash, []Var{{"S", secret + "\x00"}}, nil, ErrInvalidValue},
		{"NUL fish", Fish, []Var{{"S", "\x00" + secret}}, nil, ErrInvalidValue},
		{"NUL powershell", PowerShell, []Var{{"S", secret + "\x00"}}, nil, ErrInvalidValue},
		{"NUL env", Env, []Var{{"S", secret + "\x00"}}, nil, ErrInvalidValue},
		{"env newline", Env, []Var{{"S", secret + "\nX=1"}}, nil, ErrInvalidValue},
		{"env CR", Env, []Var{{"S", secret + "\r"}}, nil, ErrInvalidValue},
		{"powershell invalid UTF-8", PowerShell, []Var{{"S", secret + "\xff"}}, nil, ErrInvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			// A valid first variable proves nothing is written before validation fails.
			set := append([]Var{{"OK", "fine"}}, tt.set...)
			err := Render(&b, tt.sh, set, tt.unset)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Render error = %v, want %v", err, tt.want)
			}
			if b.Len() != 0 {
				t.Errorf("Render wrote %q before failing", b.String())
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q leaks the value", err)
			}
		})
	}
}

func TestRenderAcceptsNewlineOutsideEnv(t *testing.T) {
	for _, sh := range []Shell{Bash, Zsh, Fish, PowerShell} {
		if err := Render(&bytes.Buffer{}, sh, []Var{{"A", "a\r\nb"}}, nil); err != nil {
			t.Errorf("%s: %v", sh, err)
		}
	}
	if err := Render(&bytes.Buffer{}, Bash, []Var{{"A", "\xff"}}, nil); err != nil {
		t.Errorf("bash must carry arbitrary bytes: %v", err)
	}
}

func TestRenderUnknownShell(t *testing.T) {
	var b bytes.Buffer
	if err := Render(&b, Shell("tcsh"), []Var{{"A", "1"}}, nil); err == nil || b.Len() != 0 {
		t.Errorf("Render(tcsh) = %v, wrote %q; want an error and nothing written", err, b.String())
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRenderWriteError(t *testing.T) {
	if err := Render(failWriter{}, Bash, []Var{{"A", "1"}}, nil); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Render to a failing writer = %v, want the write error", err)
	}
}
