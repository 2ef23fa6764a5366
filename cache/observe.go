package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// EventKind says what an Event reports.
type EventKind int

// The kinds of Event.
const (
	// EventLookup: an entry was looked up (ID, Margin, Hit).
	EventLookup EventKind = iota + 1
	// EventRecall: a remembered fact was read (Path, and SHA256 of what was read, "" when absent).
	EventRecall
	// EventWrite: an entry or a fact was written or deleted.
	EventWrite
	// EventUnsure: something was read whose outcome an observer cannot replay (an unreadable fact).
	EventUnsure
)

// Event is what Options.Observe is told. It never holds a secret: ids are digests, paths are
// the cache's own files.
type Event struct {
	Kind   EventKind
	ID     string
	Margin time.Duration
	Hit    bool
	Path   string
	SHA256 string
}

func (c *Cache) observe(ev Event) {
	if c.observer != nil {
		c.observer(ev)
	}
}

func sum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// Dir is the cache's base directory ("" for backend none).
func (c *Cache) Dir() string { return c.dir }

// Margin is the expiry margin of Lookup and GetOrFetch.
func (c *Cache) Margin() time.Duration { return c.margin }
