//go:build unix

package main

import (
	"fmt"
	"syscall"
)

// runEngine replaces this process with the engine; it returns only on failure.
func runEngine(engine string, argv, env []string) error {
	err := syscall.Exec(engine, argv, env)
	return fmt.Errorf("cannot run the engine %s: %v", engine, err)
}
