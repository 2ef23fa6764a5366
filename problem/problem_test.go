package problem

import (
	"errors"
	"fmt"
	"testing"
)

func TestExitCodes(t *testing.T) {
	seen := map[int]Kind{}
	for k := Internal; k <= Interrupted; k++ {
		code := k.ExitCode()
		if other, dup := seen[code]; dup {
			t.Fatalf("kinds %d and %d share exit code %d", other, k, code)
		}
		seen[code] = k
	}
	wrapped := fmt.Errorf("context: %w", New(AccessDenied, "denied").WithHint("fix it"))
	if ExitCode(wrapped) != 5 || ExitCode(errors.New("x")) != 1 || ExitCode(nil) != 0 {
		t.Fatal("ExitCode mapping")
	}
	p := As(wrapped)
	if p == nil || p.Hint != "fix it" || p.Error() != "denied" {
		t.Fatalf("As = %+v", p)
	}
	cause := errors.New("cause")
	if !errors.Is(Wrap(Network, cause, "x"), cause) {
		t.Fatal("Wrap loses the cause")
	}
}
