package cache

import (
	"encoding/json"
	"errors"

	"github.com/assume-role/assume-role/cache/filestore"
)

// Remember stores a small, non-secret fact under name, such as the caller ARN an access key
// belongs to, so that later processes need not ask STS again. Facts live in <Dir>/meta as 0600
// files whatever the credential backend; backend none remembers nothing. Never pass secrets.
func (c *Cache) Remember(name, value string) error {
	s := c.metaStore()
	if s == nil {
		return nil
	}
	data, err := json.Marshal(metaRecord{Name: name, Value: value})
	if err != nil {
		return err
	}
	c.observe(Event{Kind: EventWrite, Path: filestore.MetaPath(c.dir, name)})
	return s.Put(metaID(name), data)
}

// Recall returns what Remember stored under name.
func (c *Cache) Recall(name string) (string, bool) {
	s := c.metaStore()
	if s == nil {
		return "", false
	}
	data, err := s.Get(metaID(name))
	switch {
	case errors.Is(err, filestore.ErrNotFound):
		c.observe(Event{Kind: EventRecall, Path: filestore.MetaPath(c.dir, name)})
		return "", false
	case err != nil:
		c.observe(Event{Kind: EventUnsure, Path: filestore.MetaPath(c.dir, name)})
		return "", false
	}
	c.observe(Event{Kind: EventRecall, Path: filestore.MetaPath(c.dir, name), SHA256: sum(data)})
	var r metaRecord
	if json.Unmarshal(data, &r) != nil || r.Name != name {
		return "", false // foreign or corrupt: ignore
	}
	return r.Value, true
}

type metaRecord struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// metaID is the id of the fact named name in <Dir>/meta (its file is filestore.MetaPath).
func metaID(name string) string { return filestore.MetaID(name) }

func (c *Cache) metaStore() *fileStore {
	if c.lockDir == "" || c.dir == "" { // backend none
		return nil
	}
	s, err := newFileStore(filestore.MetaDir(c.dir), c.uid)
	if err != nil {
		return nil
	}
	return s
}
