// Package resttest starts a real Parley node (embedded store in a temporary
// directory, the production handler on a loopback listener) and calls its REST
// API the way an app server does, for end-to-end tests.
package resttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlite"
	"github.com/parleyim/parley/usersig"
)

// Test app identity.
const (
	SDKAppID = 1400000001
	Key      = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	Admin    = "administrator"
)

// Server is a running node under test.
type Server struct {
	T    testing.TB
	URL  string
	Node *server.Node
	App  *app.App
	sig  string
}

// Option adjusts the test app before the node starts.
type Option func(*app.App)

// Start runs a node with one app (SDKAppID, Key, Admin), no rate limits
// unless an option sets them, and the custom fields Test/XXXX/YYYY declared.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return StartNode(t, server.Options{}, opts...)
}

// StartNode is Start with node options (gateway timing, retention).
func StartNode(t testing.TB, nodeOpts server.Options, opts ...Option) *Server {
	t.Helper()
	return StartLogged(t, slog.New(slog.NewTextHandler(io.Discard, nil)), nodeOpts, opts...)
}

// StartLogged is StartNode with the node logging to logger, for tests of
// what the server logs.
func StartLogged(t testing.TB, logger *slog.Logger, nodeOpts server.Options, opts ...Option) *Server {
	t.Helper()
	a := testApp(opts)
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return serve(t, st, logger, nodeOpts, a)
}

// StartOn is Start on a store the caller opened (and closes, after the
// test's cleanups registered later have run: storetest.Engines' stores).
func StartOn(t testing.TB, st store.Store, opts ...Option) *Server {
	t.Helper()
	return serve(t, st, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Options{}, testApp(opts))
}

func serve(t testing.TB, st store.Store, logger *slog.Logger, nodeOpts server.Options, a *app.App) *Server {
	t.Helper()
	node, err := server.New(context.Background(), st, []*app.App{a}, logger, nodeOpts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(node.Handler)
	t.Cleanup(hs.Close)
	sig, err := usersig.Generate(SDKAppID, Key, Admin, 86400, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &Server{T: t, URL: hs.URL, Node: node, App: a, sig: sig}
}

// testApp is the test app with opts applied.
func testApp(opts []Option) *app.App {
	a := app.New(SDKAppID, Key, Admin)
	a.RateLimits = map[string]float64{}
	a.ProfileCustomFields = []string{"Test"}
	a.FriendCustomFields = []string{"Test", "XXXX", "YYYY"}
	for _, o := range opts {
		o(a)
	}
	return a
}

// WebSocketURL is the gateway's address for the test app.
func (s *Server) WebSocketURL() string {
	return "ws" + strings.TrimPrefix(s.URL, "http") + fmt.Sprintf("/v1/ws?sdkappid=%d", SDKAppID)
}

// UserSig mints a UserSig for user, valid for an hour.
func (s *Server) UserSig(user string) string {
	sig, err := usersig.Generate(SDKAppID, Key, user, 3600, time.Now())
	if err != nil {
		s.T.Fatal(err)
	}
	return sig
}

// Query returns the standard query string for the admin.
func (s *Server) Query() url.Values {
	return url.Values{
		"sdkappid":    {fmt.Sprint(SDKAppID)},
		"identifier":  {Admin},
		"usersig":     {s.sig},
		"random":      {"12345"},
		"contenttype": {"json"},
	}
}

// Raw posts body to /v4/api with query q and returns the decoded JSON
// object and the HTTP status.
func (s *Server) Raw(api string, q url.Values, body []byte) (map[string]any, int) {
	s.T.Helper()
	resp, err := http.Post(s.URL+"/v4/"+api+"?"+q.Encode(), "application/json", bytes.NewReader(body))
	if err != nil {
		s.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		s.T.Fatal(err)
	}
	var out map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		s.T.Fatalf("%s: response is not a JSON object: %v: %s", api, err, raw)
	}
	return out, resp.StatusCode
}

// Call posts body (any JSON-marshalable value, or a string of JSON) as the
// admin and returns the decoded response. Numbers decode as json.Number so
// tests can tell integers from strings.
func (s *Server) Call(api string, body any) map[string]any {
	s.T.Helper()
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			s.T.Fatal(err)
		}
	}
	out, status := s.Raw(api, s.Query(), b)
	if status != http.StatusOK {
		s.T.Fatalf("%s: HTTP %d", api, status)
	}
	return out
}

// MustOK calls and fails the test unless the top-level result is OK/0.
func (s *Server) MustOK(api string, body any) map[string]any {
	s.T.Helper()
	out := s.Call(api, body)
	if out["ActionStatus"] != "OK" || Code(out) != 0 {
		s.T.Fatalf("%s: want OK, got %v", api, out)
	}
	return out
}

// Import creates accounts.
func (s *Server) Import(users ...string) {
	s.T.Helper()
	s.MustOK("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": users})
}

// Code returns the response's ErrorCode as an int.
func Code(resp map[string]any) int { return Int(resp["ErrorCode"]) }

// Int converts a json.Number (or float64) to int; other values give -1.
func Int(v any) int {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		if err != nil {
			return -1
		}
		return int(i)
	case float64:
		return int(n)
	}
	return -1
}

// Items returns resp[key] as a list of objects.
func Items(resp map[string]any, key string) []map[string]any {
	raw, _ := resp[key].([]any)
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i], _ = r.(map[string]any)
	}
	return out
}

// ResultCodes maps each item's To_Account (or UserID) to its ResultCode.
func ResultCodes(resp map[string]any, key string) map[string]int {
	out := map[string]int{}
	for _, it := range Items(resp, key) {
		id, _ := it["To_Account"].(string)
		if id == "" {
			id, _ = it["UserID"].(string)
		}
		out[id] = Int(it["ResultCode"])
	}
	return out
}
