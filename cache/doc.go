// Package cache keeps temporary AWS credentials (GetSessionToken sessions and
// assumed-role credentials) across processes, so that one MFA prompt serves a
// whole working day in every terminal and a cached assume-role call costs
// little more than starting a process.
//
// A [Cache] maps a [Key] (everything that changes the result of an STS call)
// to an [Entry] (the credentials plus non-secret metadata). The hit path of
// [Cache.GetOrFetch] is one small read and a JSON decode, with no lock and no
// directory scan. On a miss it takes an exclusive cross-process lock for the
// key (a flock(2) on <Dir>/locks/<id>.lock), looks again, and only then calls
// the fetch function, so concurrent processes asking for the same key make a
// single STS call and at most one MFA prompt between them. Entries that are
// corrupt, truncated, of another version, foreign or not protected as they
// should be are never trusted: they count as misses and are replaced.
//
// # Backends and their threat models
//
// file (the default on Linux and the BSDs): one JSON file per entry in
// <Dir>/creds, mode 0600 in a 0700 directory owned by the user. Like
// ~/.aws/cli/cache, the secrets are protected by Unix permissions only: any
// process running as the same user, root, and anyone holding a backup or the
// disk can read them in clear text until they expire.
//
// keychain (the default on macOS): items in the user's login keychain,
// encrypted at rest and unlocked with the login session. Other applications
// need the user's consent to read them; processes that impersonate this
// binary, and the user at the keyboard, can. Items are not synchronised to
// iCloud.
//
// wincred (the default on Windows): the Windows Credential Manager, encrypted
// with DPAPI under the user's logon credentials. Any process running as the
// same user can read the items; other users and offline disks cannot.
//
// secret-service: a collection named "assume-role" in the freedesktop Secret
// Service (GNOME Keyring, KeePassXC, ...), encrypted at rest with the
// collection's password. While the collection is unlocked any process of the
// same user that can talk to the session D-Bus can read it.
//
// kwallet: the folder "assume-role" of the KDE wallet, encrypted at rest with
// the wallet's password. While the wallet is open any process of the same user
// on the session D-Bus can ask for the items.
//
// pass: entries under "assume-role/" in the pass(1) password store, encrypted
// with the user's GPG key. Readable by whoever can use that key (gpg-agent
// caches the passphrase), so by the user's processes while the agent is
// unlocked.
//
// keyctl: the Linux kernel key retention service, in a keyring named
// "assume-role" linked to the user keyring. Secrets live in kernel memory
// only (never on disk; they vanish at reboot) and are readable by processes
// of the same user and by root.
//
// encrypted-file: one JOSE-encrypted file per entry (PBES2 + AES-256-GCM) in
// <Dir>/keyring, keyed by a passphrase from [Options.Passphrase]. At rest the
// secrets are as safe as the passphrase; a process of the same user can still
// read the passphrase where it comes from (prompt, environment) or the memory
// of a running assume-role.
//
// none: nothing is stored; every call fetches new credentials.
//
// Whatever the backend, lock files (empty, no secrets) live in <Dir>/locks,
// and cache keys are SHA-256 digests, so file names and keyring item names
// reveal nothing about the roles or accounts involved.
package cache
