// Package webapp serves Parley's web chat app: the files web/app's build
// (web/app/build.mjs) writes into bundle/, embedded in the binary so that
// `parley serve` needs no Node and no file next to it. The bundle is
// committed; CI rebuilds it from web/app and fails when the two differ.
package webapp

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"
)

//go:embed all:bundle
var embedded embed.FS

// Bundle is the built app: index.html and the assets it names.
func Bundle() fs.FS {
	sub, err := fs.Sub(embedded, "bundle")
	if err != nil {
		panic(err) // the embed pattern above guarantees the directory
	}
	return sub
}

// hashedName matches the names esbuild gives the assets ("app-5XJ2M3QK.js"):
// their content never changes under one name, so browsers may keep them.
var hashedName = regexp.MustCompile(`-[A-Z0-9]{8}\.[a-z0-9]+$`)

// contentTypes are the types of what the bundle holds; a file of another
// kind is not served (the bundle is ours: an unknown extension is a bug).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".json": "application/json",
	".map":  "application/json",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".txt":  "text/plain; charset=utf-8",
}

// csp lets the app load only its own scripts and styles; images of
// messages are sent by URL, so any http(s) image may show; connect-src
// covers the socket and a UserSig endpoint of the operator's choosing.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: http: https:; " +
	"connect-src 'self' ws: wss: http: https:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

type file struct {
	body        []byte
	contentType string
	etag        string
	immutable   bool
}

// Handler serves the bundle under prefix ("/app/"): prefix itself is
// index.html, every other path is exactly one file of the bundle or 404.
// There is no directory listing and no path outside the bundle: a request
// path is looked up in a table of the bundle's files, made once, and never
// reaches a file system. Hashed assets are cached for a year; index.html and
// the other files are revalidated (ETag) so a new release shows at once.
func Handler(prefix string) http.Handler {
	return handlerFor(Bundle(), prefix)
}

func handlerFor(bundle fs.FS, prefix string) http.Handler {
	files := map[string]*file{}
	_ = fs.WalkDir(bundle, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(name)]
		if !ok {
			return nil
		}
		body, err := fs.ReadFile(bundle, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		files[name] = &file{body: body, contentType: ct, etag: `"` + hex.EncodeToString(sum[:12]) + `"`,
			immutable: hashedName.MatchString(name)}
		return nil
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok {
			http.NotFound(w, r)
			return
		}
		if name == "" {
			name = "index.html"
		}
		f := files[name]
		if f == nil {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.contentType)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("ETag", f.etag)
		if f.immutable {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		if f.contentType == contentTypes[".html"] {
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Frame-Options", "DENY")
		}
		// ServeContent answers If-None-Match with 304, ranges and HEAD.
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
	})
}
