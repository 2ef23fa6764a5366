// Package bench holds assume-role's benchmarks: Go benchmarks of the hot path (hotpath_test.go,
// run with `go test -run x -bench . ./bench/`) and, in bench/run, a whole-process comparison
// with the AWS CLI on the local STS emulator. It has no code of its own; see README.md.
package bench
