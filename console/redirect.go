package console

import (
	"errors"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// RedirectPrefix starts the name of the folders RedirectPage creates.
const RedirectPrefix = "assume-role-console-"

// RedirectLifetime is how long a sign-in URL works, after which its page is
// useless and removed by the next RedirectPage call.
const RedirectLifetime = 15 * time.Minute

// RedirectPage writes a page that sends the browser to signinURL into a new
// 0600 file, in a new 0700 folder under dir (os.TempDir() when empty), and
// returns its path. A browser launcher given that path (instead of the URL)
// keeps the sign-in token off every command line, which other local users can
// read. Pages older than RedirectLifetime, left by earlier calls, are removed.
func RedirectPage(dir, signinURL string) (string, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	removeStalePages(dir)
	folder, err := os.MkdirTemp(dir, RedirectPrefix+"*")
	if err != nil {
		return "", err
	}
	// The page: an immediate redirect that sends no referrer.
	u := html.EscapeString(signinURL)
	page := `<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0; url=` + u + `">
<title>AWS console sign-in</title></head>
<body><p><a href="` + u + `" rel="noreferrer">Continue to the AWS console</a></p></body></html>
`
	path := filepath.Join(folder, "signin.html")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		_ = os.RemoveAll(folder)
		return "", err
	}
	_, err = f.WriteString(page)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.RemoveAll(folder)
		return "", err
	}
	return path, nil
}

// removeStalePages removes this user's page folders older than
// RedirectLifetime. Only real folders (never symbolic links) are removed.
func removeStalePages(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), RedirectPrefix) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		fi, err := os.Lstat(p)
		if err != nil || !fi.IsDir() || !ownedByMe(fi) || time.Since(fi.ModTime()) < RedirectLifetime {
			continue
		}
		if err := os.Remove(filepath.Join(p, "signin.html")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		_ = os.Remove(p)
	}
}
