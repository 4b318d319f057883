package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/postgres"
	"github.com/parleyim/parley/internal/store/sqlite"
	"github.com/parleyim/parley/internal/store/storetest"
	"github.com/parleyim/parley/internal/webhook"
	"github.com/parleyim/parley/usersig"
)

const (
	appA  = 1400000001
	appB  = 1400000002
	key   = "0123456789abcdef0123456789abcdef"
	admin = "administrator"
	token = "callback-token"
)

// callback is one request the receiver got.
type callback struct {
	Query url.Values
	Body  map[string]any
	Raw   []byte
}

// receiver is an app server on loopback: it records every callback and
// answers what answer says (status 200 and {"ErrorCode":0} by default).
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu     sync.Mutex
	got    []callback
	answer func(cmd string, body map[string]any) (status int, resp string)
	// hang, when set, makes every call with that command wait until the
	// test ends (a receiver that never answers).
	hang    map[string]bool
	release chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, hang: map[string]bool{}, release: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(func() {
		close(r.release)
		r.srv.CloseClientConnections()
		r.srv.Close()
	})
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	_ = dec.Decode(&body)
	cmd := req.URL.Query().Get("CallbackCommand")
	r.mu.Lock()
	r.got = append(r.got, callback{Query: req.URL.Query(), Body: body, Raw: b})
	hang, answer := r.hang[cmd], r.answer
	r.mu.Unlock()
	if hang {
		select {
		case <-r.release:
		case <-req.Context().Done():
		}
		return
	}
	status, resp := http.StatusOK, `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}`
	if answer != nil {
		status, resp = answer(cmd, body)
	}
	w.WriteHeader(status)
	io.WriteString(w, resp)
}

func (r *receiver) setAnswer(f func(cmd string, body map[string]any) (int, string)) {
	r.mu.Lock()
	r.answer = f
	r.mu.Unlock()
}

func (r *receiver) setHang(cmd string, on bool) {
	r.mu.Lock()
	r.hang[cmd] = on
	r.mu.Unlock()
}

// all is every callback received so far (a copy: more may arrive).
func (r *receiver) all() []callback {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// of returns the callbacks of command received so far.
func (r *receiver) of(cmd string) []callback {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []callback
	for _, c := range r.got {
		if c.Query.Get("CallbackCommand") == cmd {
			out = append(out, c)
		}
	}
	return out
}

// wait waits until n callbacks of command arrived (after-callbacks are
// asynchronous) and returns them; it fails the test after a generous bound.
func (r *receiver) wait(cmd string, n int) []callback {
	r.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := r.of(cmd)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%d %s callbacks after 15 s, want %d", len(got), cmd, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// node is a Parley node serving on loopback with its outbox running.
type node struct {
	t    *testing.T
	base string
	stop func()
	// srv and apps reach the domain services for changes no door serves
	// yet (a client's group join and quit).
	srv  *server.Node
	apps map[uint64]*app.App
}

// storeSpec opens the store of a test: SQLite in a directory, or with
// PARLEY_TEST_POSTGRES a fresh PostgreSQL database; reopening the same
// spec reopens the same data (restart tests).
type storeSpec struct{ path, dsn string }

func newStoreSpec(t *testing.T) storeSpec {
	if postgresWanted() {
		return storeSpec{dsn: storetest.FreshPostgres(t)}
	}
	return storeSpec{path: filepath.Join(t.TempDir(), "parley.db")}
}

func (s storeSpec) open(t *testing.T) store.Store {
	t.Helper()
	var st store.Store
	var err error
	if s.dsn != "" {
		st, err = postgres.Open(context.Background(), s.dsn, 8)
	} else {
		st, err = sqlite.Open(context.Background(), s.path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// startNode serves apps A and B with the webhooks given; the outbox
// retries fast so tests see retries within their bounds.
func startNode(t *testing.T, spec storeSpec, hooks map[store.AppID]webhook.Config) *node {
	t.Helper()
	st := spec.open(t)
	a, b := app.New(appA, key, admin), app.New(appB, key, admin)
	for _, x := range []*app.App{a, b} {
		x.RateLimits = map[string]float64{}
		x.ClientRateLimits.Set("messages", 0)
		x.ClientRateLimits.Set("friend_requests", 0)
		x.ClientRateLimits.Set("writes", 0)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	n, err := server.New(context.Background(), st, []*app.App{a, b}, logger, server.Options{Webhooks: hooks,
		Outbox: outbox.Options{Poll: 50 * time.Millisecond, MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
			HandlerTimeout: 5 * time.Second, MaxAttempts: 100}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Serve(ctx, ln) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Error("Serve did not return")
			}
			st.Close()
		})
	}
	t.Cleanup(stop)
	return &node{t: t, base: "http://" + ln.Addr().String(), stop: stop, srv: n, apps: map[uint64]*app.App{appA: a, appB: b}}
}

// rest calls a REST API of app as its admin.
func (n *node) rest(sdkappid uint64, api string, body any) map[string]any {
	n.t.Helper()
	sig, _ := usersig.Generate(sdkappid, key, admin, 3600, time.Now())
	b, _ := json.Marshal(body)
	u := fmt.Sprintf("%s/v4/%s?sdkappid=%d&identifier=%s&usersig=%s&random=1&contenttype=json", n.base, api, sdkappid, admin, sig)
	resp, err := http.Post(u, "application/json", bytes.NewReader(b))
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return out
}

func code(resp map[string]any) int {
	f, _ := resp["ErrorCode"].(float64)
	return int(f)
}

func (n *node) mustOK(sdkappid uint64, api string, body any) map[string]any {
	n.t.Helper()
	out := n.rest(sdkappid, api, body)
	if code(out) != 0 {
		n.t.Fatalf("%s: %v", api, out)
	}
	return out
}

func text(s string) []any {
	return []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": s}}}
}

// client is a logged-in client session.
type client struct {
	t  *testing.T
	nc net.Conn
	id int
}

func (n *node) login(sdkappid uint64, user, platform string) *client {
	n.t.Helper()
	nc, _, _, err := ws.Dial(context.Background(), "ws"+strings.TrimPrefix(n.base, "http")+fmt.Sprintf("/v1/ws?sdkappid=%d", sdkappid))
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(func() { nc.Close() })
	c := &client{t: n.t, nc: nc}
	sig, _ := usersig.Generate(sdkappid, key, user, 3600, time.Now())
	if out := c.op("login", map[string]any{"userID": user, "userSig": sig, "platform": platform}); out["code"] != nil && out["code"] != 0.0 {
		n.t.Fatalf("login: %v", out)
	}
	return c
}

// op sends one request and returns its answer, skipping pushes.
func (c *client) op(op string, data any) map[string]any {
	c.t.Helper()
	c.id++
	id := fmt.Sprint(c.id)
	req, _ := json.Marshal(map[string]any{"v": 1, "id": id, "op": op, "data": data})
	if err := wsutil.WriteClientText(c.nc, req); err != nil {
		c.t.Fatal(err)
	}
	for {
		c.nc.SetReadDeadline(time.Now().Add(15 * time.Second))
		b, err := wsutil.ReadServerText(c.nc)
		if err != nil {
			c.t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(b, &m)
		if m["id"] == id {
			return m
		}
	}
}

func errCode(answer map[string]any) int {
	f, _ := answer["code"].(float64)
	return int(f)
}

// postgresWanted: the tests run on PostgreSQL when PARLEY_TEST_POSTGRES is
// set (FreshPostgres skips otherwise), on SQLite by default.
func postgresWanted() bool { return os.Getenv("PARLEY_TEST_POSTGRES") != "" }
