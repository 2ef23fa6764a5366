package engine

import (
	"testing"
	"time"
)

func TestParseTimeouts(t *testing.T) {
	got, err := ParseTimeouts(" total=2s , connect=100ms")
	if err != nil || got != (Timeouts{Connect: 100 * time.Millisecond, FirstByte: DefaultTimeouts.FirstByte, Total: 2 * time.Second}) {
		t.Fatalf("%v %v", got, err)
	}
	if got, _ := ParseTimeouts(DefaultTimeouts.String()); got != DefaultTimeouts {
		t.Fatalf("round trip: %v", got)
	}
	for _, bad := range []string{"", "total", "total=", "total=0", "total=2h", "speed=1s", "total=1s,,"} {
		if _, err := ParseTimeouts(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestLoneQuoteLine(t *testing.T) {
	for line, want := range map[string]bool{
		`region = "`: true, `region='`: true, `region = "  # note`: true, `  nested = "`: true, `region: "`: true,
		`region = ""`: false, `region = "x`: false, `# region = "`: false, `[profile "]`: false, `region = " #"`: true, ``: false,
	} {
		if _, got := loneQuoteLine(line); got != want {
			t.Errorf("%q: %v, want %v", line, got, want)
		}
	}
}
