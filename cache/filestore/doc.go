// Package filestore is the file backend of the credential cache (package
// cache) and what a reader of it needs: the [Entry] and [Key] types, the
// encoding of stored entries, the directory and file checks, and a read-only
// [Lookup] and [View]. It imports only the standard library and its JSON reader
// (internal/jsonobj, on github.com/valyala/fastjson), so that a small program
// (the front, cmd/assume-role) can read a cached entry, with every check
// package cache makes, without linking the keyring libraries, file locking or
// the AWS SDK. Package cache re-exports its types.
//
// Entries live in <dir>/creds, one JSON file per entry named by the entry id
// (the SHA-256 of the key), mode 0600 in a 0700 directory owned by the user;
// see package cache for the threat model.
package filestore
