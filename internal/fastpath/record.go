package fastpath

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/assume-role/assume-role/cache/filestore"
	"github.com/assume-role/assume-role/internal/credout"
	"github.com/assume-role/assume-role/internal/jsonobj"
	"github.com/assume-role/assume-role/internal/safefile"
)

// recordVersion changes every digest and invalidates every record when the format or the
// meaning of a record changes.
const recordVersion = 1

// keyID is the name, in the records' folder, of the random key of the digests.
const keyID = "0000000000000000000000000000000000000000000000000000000000000000"

// maxRecords bounds the records kept; the oldest go first.
const maxRecords = 200

// maxDependency bounds the size of a file a record may depend on: larger ones are not recorded
// (hashing them would cost more than the fast path saves).
const maxDependency = 16 << 20

// Record says that a run with the inputs of Digest handed over the cache entry Entry, rendered
// as Format with Facts, and lists what else that depended on.
type Record struct {
	V       int       `json:"v"`
	Digest  string    `json:"digest"`
	Files   []FileDep `json:"files"`
	Lookups []Lookup  `json:"lookups"`
	Entry   string    `json:"entry"`
	// Margin is the expiry margin the run used for Entry.
	Margin   time.Duration `json:"margin"`
	Format   string        `json:"format"`
	CodeFile bool          `json:"code_file"` // written to the shell function's file, not stdout
	Facts    Facts         `json:"facts"`
}

// FileDep is a file the run read: the SHA-256 of its contents, or "" when it did not exist.
type FileDep struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256,omitempty"`
}

// Lookup is a cache lookup of the run and its outcome.
type Lookup struct {
	ID     string        `json:"id"`
	Margin time.Duration `json:"margin"`
	Hit    bool          `json:"hit"`
}

// Facts are the non-secret parts of what the run rendered, besides the entry's credentials and
// its assumed-role ARN and ID.
type Facts struct {
	AccountID    string `json:"account_id,omitempty"`
	RoleName     string `json:"role_name,omitempty"`
	Region       string `json:"region,omitempty"`
	Ambient      string `json:"ambient,omitempty"`
	AccountLabel string `json:"account_label,omitempty"` // AWS_ACCOUNT_NAME
	RoleLabel    string `json:"role_label,omitempty"`    // AWS_ACCOUNT_ROLE
}

// Dir is the folder of the records in the cache directory dir.
func Dir(cacheDir string) string { return filepath.Join(cacheDir, dirName) }

// dirName is the name of the records' folder in the cache directory.
const dirName = "fast"

// CacheDir is the cache directory the environment names: ASSUME_ROLE_CACHE_DIR, else the
// cache's default.
func CacheDir(getenv func(string) string) (string, error) {
	if d := getenv("ASSUME_ROLE_CACHE_DIR"); d != "" {
		return d, nil
	}
	return filestore.DefaultDir()
}

// render renders the record with entry e, as the run did.
func (r *Record) render(w io.Writer, e *filestore.Entry) error {
	res := &credout.Result{
		Credentials: credout.Credentials{AccessKeyID: e.AccessKeyID, SecretAccessKey: e.SecretAccessKey,
			SessionToken: e.SessionToken, CanExpire: !e.Expiration.IsZero(), Expires: e.Expiration, AccountID: e.AccountID},
		AssumedRoleARN: e.Arn, AssumedRoleID: e.AssumedRoleID, AccountID: r.Facts.AccountID,
		RoleName: r.Facts.RoleName, Region: r.Facts.Region, Ambient: r.Facts.Ambient,
	}
	return credout.Render(w, r.Format, res, r.Facts.AccountLabel, r.Facts.RoleLabel)
}

// store opens the records' folder of cacheDir.
func store(cacheDir string) (*filestore.Store, error) {
	return filestore.New(Dir(cacheDir), os.Geteuid())
}

// readKey returns the digests' key, or an error when there is none.
func readKey(s *filestore.Store) ([]byte, error) {
	data, err := s.Get(keyID)
	if err != nil {
		return nil, err
	}
	k, err := jsonobj.Parse(data)
	if err != nil {
		return nil, errors.New("the fast path's key is malformed")
	}
	key, err := hex.DecodeString(k.String("key"))
	if err != nil || k.Err() != nil || len(key) != 32 {
		return nil, errors.New("the fast path's key is malformed")
	}
	return key, nil
}

// ensureKey returns the digests' key, making one when there is none.
func ensureKey(s *filestore.Store) ([]byte, error) {
	if key, err := readKey(s); err == nil {
		return key, nil
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := s.Put(keyID, []byte(`{"key":"`+hex.EncodeToString(key)+`"}`)); err != nil {
		return nil, err
	}
	// Another engine may have written its own key at the same moment: use what is there, so that
	// the record is found (a record under a lost key is merely never found).
	return readKey(s)
}

// load reads the record named digest.
func load(s *filestore.Store, digest string) (*Record, error) {
	data, err := s.Get(digest)
	if err != nil {
		return nil, err
	}
	r, err := decodeRecord(data)
	if err != nil {
		return nil, err
	}
	if r.V != recordVersion || r.Digest != digest {
		return nil, errors.New("the record is of another version or belongs to other inputs")
	}
	return r, nil
}

// decodeRecord reads a record as json.Marshal wrote it. It reads field by field (jsonobj)
// because decoding into the struct with encoding/json would cost more than the rest of the front's
// run; TestRecordRoundTrip keeps the two in step.
func decodeRecord(data []byte) (*Record, error) {
	o, err := jsonobj.Parse(data)
	if err != nil {
		return nil, errors.New("the record is not a JSON object")
	}
	r := &Record{V: o.SmallInt("v"), Digest: o.String("digest"), Entry: o.String("entry"),
		Margin: time.Duration(o.Int("margin")), Format: o.String("format"), CodeFile: o.Bool("code_file")}
	for _, f := range o.Objects("files") {
		r.Files = append(r.Files, FileDep{Path: f.String("path"), SHA256: f.String("sha256")})
	}
	for _, l := range o.Objects("lookups") {
		r.Lookups = append(r.Lookups, Lookup{ID: l.String("id"), Margin: time.Duration(l.Int("margin")), Hit: l.Bool("hit")})
	}
	f := o.Object("facts")
	r.Facts = Facts{AccountID: f.String("account_id"), RoleName: f.String("role_name"), Region: f.String("region"),
		Ambient: f.String("ambient"), AccountLabel: f.String("account_label"), RoleLabel: f.String("role_label")}
	if err := o.Err(); err != nil {
		return nil, fmt.Errorf("the record is malformed: %w", err)
	}
	return r, nil
}

// verify checks the record's dependencies at now, reading the cache through v, and returns the
// entry to hand over, or why not.
func (r *Record) verify(v *filestore.View, now time.Time) (*filestore.Entry, string) {
	for _, f := range r.Files {
		sum, err := HashFile(f.Path)
		switch {
		case err != nil:
			return nil, fmt.Sprintf("%s cannot be read as before", f.Path)
		case sum != f.SHA256:
			return nil, fmt.Sprintf("%s changed", f.Path)
		}
	}
	for _, l := range r.Lookups {
		if _, hit := v.Lookup(l.ID, l.Margin, now); hit != l.Hit {
			return nil, "the cache holds other entries than before"
		}
	}
	e, hit := v.Lookup(r.Entry, r.Margin, now)
	if !hit {
		return nil, "the cached credentials expired or are gone"
	}
	return e, ""
}

// HashFile returns the hex SHA-256 of the regular file at path, or "" when it does not exist.
// Anything else (a folder, a FIFO, a file over 16 MiB, an I/O error) is an error; the null device
// reads as an empty file, as the engine reads it. The file is hashed as it is read, through a
// buffer the size of the file up to 32 KiB (io.Copy's own would be 32 KiB for every small file).
func HashFile(path string) (string, error) {
	f, fi, err := safefile.Open(path, maxDependency)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, min(max(fi.Size(), 0), 32<<10)+1)
	n, err := io.CopyBuffer(h, io.LimitReader(f, maxDependency+1), buf)
	if err != nil {
		return "", err
	}
	if n > maxDependency {
		return "", fmt.Errorf("%s grew beyond %d bytes", path, maxDependency)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Save keeps rec as the record of in, after checking that the front would render exactly
// printed from it now. It replaces any record of the same inputs and prunes old ones.
func Save(cacheDir string, in *Input, rec *Record, printed []byte, now time.Time) error {
	s, err := store(cacheDir)
	if err != nil {
		return err
	}
	key, err := ensureKey(s)
	if err != nil {
		return err
	}
	digest, err := in.Digest(key)
	if err != nil {
		return err
	}
	rec.V, rec.Digest = recordVersion, digest
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	// Check the record as the front will read it back, not as it is in memory: whatever the
	// encoding changes (invalid UTF-8 in a label, say) must not change what the front prints.
	stored, err := decodeRecord(data)
	if err != nil {
		return err
	}
	v, err := filestore.NewView(cacheDir)
	if err != nil {
		return err
	}
	e, why := stored.verify(v, now)
	if e == nil {
		return fmt.Errorf("its dependencies changed during the run (%s)", why)
	}
	var b bytes.Buffer
	if err := stored.render(&b, e); err != nil {
		return err
	}
	if !bytes.Equal(b.Bytes(), printed) {
		return errors.New("the front would not print the same bytes")
	}
	if old, err := s.Get(digest); err == nil && bytes.Equal(old, data) {
		return nil // the same record is there: no write, no fsync
	}
	if err := s.Put(digest, data); err != nil {
		return err
	}
	prune(s, Dir(cacheDir), digest)
	return nil
}

// prune keeps the newest maxRecords records (and always keep) in the records' folder dir.
func prune(s *filestore.Store, dir, keep string) {
	ids, err := s.IDs()
	if err != nil || len(ids) <= maxRecords+1 {
		return
	}
	type rec struct {
		id    string
		mtime time.Time
	}
	var recs []rec
	for _, id := range ids {
		if id == keyID || id == keep {
			continue
		}
		if fi, err := os.Stat(filepath.Join(dir, id+".json")); err == nil {
			recs = append(recs, rec{id, fi.ModTime()})
		}
	}
	slices.SortFunc(recs, func(a, b rec) int { return b.mtime.Compare(a.mtime) })
	for _, r := range recs[min(len(recs), maxRecords-1):] {
		_ = s.Delete(r.id)
	}
}

// Clear removes every record and the key, e.g. with `assume-role cache clear`.
func Clear(cacheDir string) (int, error) {
	s, err := store(cacheDir)
	if err != nil {
		return 0, err
	}
	ids, err := s.IDs()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if err := s.Delete(id); err != nil {
			return n, err
		}
		if id != keyID {
			n++
		}
	}
	return n, nil
}
