//go:build !unix

package main

import "os"

// maxRSSKiB is unknown on this platform.
func maxRSSKiB(*os.ProcessState) int64 { return 0 }

// minorFaults is unknown on this platform.
func minorFaults(*os.ProcessState) int64 { return 0 }

// selfMaxRSSKiB is unknown on this platform.
func selfMaxRSSKiB() int64 { return 0 }
