//go:build !unix

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
)

// runEngine runs the engine as a child with this process's streams and exits with its status
// (Windows has no exec); interrupts reach the child through the console, so this process only
// waits for it.
func runEngine(engine string, argv, env []string) error {
	cmd := exec.Command(engine, argv[1:]...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	signal.Ignore(os.Interrupt)
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		os.Exit(exit.ExitCode())
	}
	if err != nil {
		return fmt.Errorf("cannot run the engine %s: %v", engine, err)
	}
	os.Exit(0)
	return nil
}
