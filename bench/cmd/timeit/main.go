// Command timeit measures the whole-process wall time and peak memory of a command, and turns a
// set of such measurements into the benchmark report that bench/run prints.
//
// Usage:
//
//	timeit run -name NAME [-n 200] [-warmup 3] [-expect TEXT] -out FILE.json -- COMMAND [ARG...]
//	timeit pair -baseline NAME [-n 200] [-warmup 3] -dir DIR -- NAME LABEL EXPECT CMD [ARG...] [--- NAME LABEL EXPECT CMD...]...
//	timeit report [-meta key=value ...] [-note text ...] [-json FILE] FILE.json...
//
// run starts COMMAND warmup+n times with os/exec (stdin /dev/null, stdout and stderr to temporary
// files), timing each from Start to Wait, and fails on the first run that exits non-zero or whose
// stdout lacks TEXT. The child gets timeit's own environment, so the caller controls it (bench/run
// uses env -i). Peak memory is the child's ru_maxrss from wait4, in KiB; on Linux it covers the
// child's waited-for descendants too, so a shell pipeline reports its largest process.
//
// pair measures several commands in the same rounds: each round runs every command once, in an
// order that rotates from round to round (A B C, B C A, C A B, ...), so that a change of load on
// a shared machine hits all of them alike. Besides each command's own statistics it records, per
// round, the command's wall time divided by the baseline's, and writes DIR/NAME.json per command.
//
// report reads every *.json measurement in DIR, prints one table with the comparisons and targets
// of bench/run, and writes the same as JSON.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: timeit run|pair|report [flags]")
		return 2
	}
	var err error
	switch args[0] {
	case "run":
		err = runCmd(args[1:], stdout, stderr)
	case "pair":
		err = pairCmd(args[1:], stdout, stderr)
	case "report":
		err = reportCmd(args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "timeit: error: unknown subcommand %q (want run, pair or report)\n", args[0])
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "timeit: error: %v\n", err)
		return 1
	}
	return 0
}
