package tty

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadLineCtrlC(t *testing.T) {
	for _, in := range []string{"\x03", "12\x0334\n", "\x03\n"} {
		if s, err := readLine(strings.NewReader(in)); !errors.Is(err, ErrInterrupted) {
			t.Errorf("readLine(%q) = %q, %v; want ErrInterrupted", in, s, err)
		}
	}
	if s, err := readLine(strings.NewReader("123456\r\n")); err != nil || s != "123456" {
		t.Errorf("readLine = %q, %v", s, err)
	}
}

func TestReadSecretEditing(t *testing.T) {
	cases := []struct {
		in, want string
		err      error
	}{
		{"hunter2\r", "hunter2", nil},
		{"hunter3\x7f2\r", "hunter2", nil},
		{"garbage\x15pässword\x08\x08d\n", "pässwod", nil}, // Ctrl-U clears; backspace removes a whole rune
		{"secret\x03more\r", "", ErrInterrupted},
		{"\x03", "", ErrInterrupted},
		{"\x04", "", io.EOF},
		{"", "", io.EOF},
	}
	for _, c := range cases {
		got, err := readSecret(strings.NewReader(c.in))
		if got != c.want || !errors.Is(err, c.err) && err != c.err {
			t.Errorf("readSecret(%q) = %q, %v; want %q, %v", c.in, got, err, c.want, c.err)
		}
	}
}

func secretErr(s string, err error) error {
	if err == nil && s != "" {
		return errors.New("Secret returned the text typed around Ctrl-C")
	}
	return err
}
