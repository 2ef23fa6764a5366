// Package fastpath serves a repeated cache hit without the engine.
//
// The engine links the AWS SDK, whose package initialisers alone make a process start about twice
// as slow as a Go "hello world". So assume-role is two executables: a small front
// (cmd/assume-role, which links this package, cache/filestore, credout and shellenv only) and the
// engine (cmd/assume-role-engine, everything else), installed side by side. The front answers a
// run from a record when it can and otherwise execs the engine with the same arguments,
// environment and file descriptors.
//
// A record is written by the engine, never by the front, after a run that it served from the
// cache without a prompt, without a message on stderr, without writing to the cache and with
// flags and an environment it knows to be covered. It says: "a run with exactly these inputs
// handed over cache entry E, rendered this way". Its name is a keyed digest (HMAC-SHA-256, with a
// random key kept beside the records) of every input that can change what a run resolves:
//
//   - the arguments, byte for byte;
//   - every environment variable named AWS_* or ASSUME_ROLE_* and the few others the engine reads
//     (HOME, XDG_CACHE_HOME, SHELL, …: see Covered), with their values;
//   - which of stdin, stdout and stderr are terminals, and whether the shell function asked for
//     its code in a file;
//   - the effective user and the engine executable's identity (device, inode, size, modification
//     time), so that installing another engine invalidates every record.
//
// Inside, the record lists what else the run depended on, and the front checks each again: the
// files the engine read (shared config and credentials files, ~/.aws/accounts, the key index, the
// cache's remembered facts) by SHA-256 of their contents or their absence, and every cache lookup
// the engine made with its outcome (hit or miss, at the margin it used). The entry handed over
// must still be a hit, through cache/filestore's checks (owner, mode, no symbolic link, key id
// inside the entry, expiry margin). Any difference, doubt or error is a miss and the engine runs:
// the front has no error path of its own that could leak a secret or hand out other credentials,
// and since the engine's resolution depends on nothing else, the engine would hand over the same
// entry. Before keeping a record the engine renders it the way the front will and compares the
// bytes with what it just printed.
//
// ASSUME_ROLE_FAST_PATH=off disables the front's answers; =explain makes both executables say on
// stderr why a run was or was not served or recorded.
package fastpath
