package webapp

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, h http.Handler, method, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Result()
}

// The committed bundle is whole: index.html names a script and a stylesheet
// that the bundle holds, served with their types and cached for good.
func TestBundleServesIndexAndItsAssets(t *testing.T) {
	h := Handler("/app/")
	resp := get(t, h, "GET", "/app/")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("/app/: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Fatalf("index.html Cache-Control %q, want no-cache (a new release shows at once)", cc)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("index.html CSP %q", csp)
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]+\.(?:js|css))"`).FindAllStringSubmatch(string(body), -1)
	if len(refs) != 2 {
		t.Fatalf("index.html names %d assets, want a script and a stylesheet:\n%s", len(refs), body)
	}
	for _, ref := range refs {
		r := get(t, h, "GET", "/app/"+ref[1])
		want := "text/javascript; charset=utf-8"
		if strings.HasSuffix(ref[1], ".css") {
			want = "text/css; charset=utf-8"
		}
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != want {
			t.Fatalf("%s: %d %q, want 200 %q", ref[1], r.StatusCode, r.Header.Get("Content-Type"), want)
		}
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Fatalf("%s Cache-Control %q, want immutable (its name is its hash)", ref[1], cc)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("%s: no nosniff", ref[1])
		}
	}
}

// Only the bundle's files answer: no listing, no path out of it, no other
// method; an unchanged file revalidates with 304.
func TestHandlerServesOnlyTheBundlesFiles(t *testing.T) {
	bundle := fstest.MapFS{
		"index.html":          {Data: []byte("<!doctype html>")},
		"app-ABCDEFGH.js":     {Data: []byte("console.log(1)")},
		"sub/inner.css":       {Data: []byte("a{}")},
		"notes.secret":        {Data: []byte("not a web file")},
		"sub/more/icon.svg":   {Data: []byte("<svg/>")},
		"sub/more/readme.txt": {Data: []byte("text")},
	}
	h := handlerFor(bundle, "/app/")
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/app/", 200},
		{"HEAD", "/app/", 200},
		{"GET", "/app/index.html", 200},
		{"GET", "/app/app-ABCDEFGH.js", 200},
		{"GET", "/app/sub/inner.css", 200},
		{"GET", "/app/sub/", 404},         // a directory: no listing
		{"GET", "/app/sub", 404},          // nor its name
		{"GET", "/app/notes.secret", 404}, // not a type the app serves
		{"GET", "/app/../webapp.go", 404},
		{"GET", "/app/%2e%2e/webapp.go", 404},
		{"GET", "/app/sub/../index.html", 404}, // names are matched as they are, never resolved
		{"GET", "/elsewhere/index.html", 404},
		{"POST", "/app/", 405},
		{"PUT", "/app/index.html", 405},
	} {
		if r := get(t, h, tc.method, tc.path); r.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, r.StatusCode, tc.status)
		}
	}
	first := get(t, h, "GET", "/app/sub/inner.css")
	if first.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("unhashed asset Cache-Control %q, want no-cache", first.Header.Get("Cache-Control"))
	}
	again := get(t, h, "GET", "/app/sub/inner.css", "If-None-Match", first.Header.Get("ETag"))
	if again.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation with the ETag: %d, want 304", again.StatusCode)
	}
}

// Every file of the committed bundle has a served type: an asset the build
// adds without one would silently 404.
func TestEveryBundledFileHasAType(t *testing.T) {
	err := fs.WalkDir(Bundle(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if _, ok := contentTypes[name[strings.LastIndex(name, "."):]]; !ok {
			t.Errorf("bundle/%s: no content type for it", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
