// Package stsemutest starts the STS emulator with the demo scenario for tests and benchmarks. It
// is imported only by test code, so the product binary never links it.
package stsemutest

import (
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/assume-role/assume-role/internal/stsemu"
)

// DemoScenario is the path of testdata/emulator/demo.json, wherever the caller's package lives.
func DemoScenario() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "emulator", "demo.json")
}

// Start serves the demo scenario, after adjust (may be nil) changed it, on 127.0.0.1 until the
// test ends, and returns the server (for its request log) and its base URL.
func Start(tb testing.TB, adjust func(*stsemu.Scenario)) (*stsemu.Server, string) {
	tb.Helper()
	sc, err := stsemu.LoadScenario(DemoScenario())
	if err != nil {
		tb.Fatal(err)
	}
	if adjust != nil {
		adjust(sc)
	}
	srv := stsemu.New(sc)
	hs := httptest.NewServer(srv) // binds 127.0.0.1
	tb.Cleanup(hs.Close)
	return srv, hs.URL
}
