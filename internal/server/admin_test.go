package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/internal/store/sqlite"
	"github.com/parleyim/parley/usersig"
)

func newNode(t *testing.T, logger *slog.Logger, o server.Options) (*server.Node, error) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return server.New(context.Background(), st, []*app.App{app.New(resttest.SDKAppID, resttest.Key, resttest.Admin)}, logger, o)
}

// served is a node running Node.Serve on a loopback listener.
type served struct {
	public, admin string // base URLs; admin empty without an admin listener
	logs          *resttest.LogSink
	stop          func() error // cancels Serve and returns its result
}

func serve(t *testing.T, o server.Options) *served {
	t.Helper()
	logs := &resttest.LogSink{}
	node, err := newNode(t, slog.New(slog.NewJSONHandler(logs, nil)), o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- node.Serve(ctx, ln) }()
	s := &served{public: "http://" + ln.Addr().String(), logs: logs}
	var once sync.Once
	var result error
	s.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(15 * time.Second):
				result = errors.New("Serve did not return")
			}
		})
		return result
	}
	t.Cleanup(func() { s.stop() })
	if o.AdminListen != "" {
		// Serve opens the admin listener and logs where.
		deadline := time.Now().Add(5 * time.Second)
		for s.admin == "" {
			if r := logs.Record("parley admin listening"); r != nil {
				s.admin = "http://" + r["addr"].(string)
			} else if time.Now().After(deadline) {
				t.Fatal("no admin listener logged")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return s
}

func status(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// With an admin listener, /metrics (and pprof when enabled) answer there and
// not on the public listener, which still serves the API.
func TestAdminListenerServesMetricsAndPprof(t *testing.T) {
	s := serve(t, server.Options{AdminListen: "127.0.0.1:0", Pprof: true})
	if code, body := status(t, s.admin+"/metrics"); code != 200 || !strings.Contains(body, "parley_gateway_sessions ") ||
		!strings.Contains(body, "parley_store_commit_duration_seconds_bucket") {
		t.Fatalf("admin /metrics: %d\n%.300s", code, body)
	}
	if code, body := status(t, s.admin+"/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
		t.Fatalf("admin pprof: %d %.200s", code, body)
	}
	if code, _ := status(t, s.admin+"/debug/pprof/cmdline"); code != 200 {
		t.Fatalf("admin pprof cmdline: %d", code)
	}
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/cmdline"} {
		if code, _ := status(t, s.public+path); code != 404 {
			t.Fatalf("public %s: %d, want 404", path, code)
		}
	}
	if code, _ := status(t, s.public+"/healthz"); code != 200 {
		t.Fatalf("public /healthz: %d", code)
	}
	if code, _ := status(t, s.admin+"/v4/im_open_login_svc/account_check"); code != 404 {
		t.Fatalf("the REST API on the admin listener: %d", code)
	}
	if err := s.stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	// Both listeners are down.
	for _, base := range []string{s.public, s.admin} {
		if _, err := http.Get(base + "/metrics"); err == nil {
			t.Fatalf("%s still answers after Serve returned", base)
		}
	}
}

func TestPprofOnlyWhenEnabled(t *testing.T) {
	s := serve(t, server.Options{AdminListen: "127.0.0.1:0"})
	if code, _ := status(t, s.admin+"/metrics"); code != 200 {
		t.Fatalf("admin /metrics: %d", code)
	}
	if code, _ := status(t, s.admin+"/debug/pprof/"); code != 404 {
		t.Fatalf("pprof without Pprof: %d, want 404", code)
	}
}

// Without an admin listener /metrics stays on the public one, and pprof is
// refused: it would have to be public.
func TestNoAdminListener(t *testing.T) {
	s := serve(t, server.Options{})
	if code, _ := status(t, s.public+"/metrics"); code != 200 {
		t.Fatalf("public /metrics without an admin listener: %d", code)
	}
	if code, _ := status(t, s.public+"/debug/pprof/"); code != 404 {
		t.Fatalf("public pprof: %d", code)
	}
	if _, err := newNode(t, slog.Default(), server.Options{Pprof: true}); err == nil || !strings.Contains(err.Error(), "pprof needs an admin listener") {
		t.Fatalf("Pprof without AdminListen: %v", err)
	}
	for _, bad := range []float64{-0.1, 1.5} {
		if _, err := newNode(t, slog.Default(), server.Options{RequestLogSample: &bad}); err == nil {
			t.Fatalf("RequestLogSample %v accepted", bad)
		}
	}
}

// An admin address that cannot be bound fails Serve before anything is
// served.
func TestAdminListenerBindFailure(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	node, err := newNode(t, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Options{AdminListen: taken.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := node.Serve(context.Background(), ln); err == nil || !strings.Contains(err.Error(), "admin listener") {
		t.Fatalf("Serve with a taken admin address: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("the public listener serves after the admin one failed")
	}
}

// Draining logs the sessions open and how long the drain took.
func TestShutdownIsLogged(t *testing.T) {
	s := serve(t, server.Options{})
	nc, _, _, err := ws.Dial(context.Background(), "ws"+strings.TrimPrefix(s.public, "http")+fmt.Sprintf("/v1/ws?sdkappid=%d", resttest.SDKAppID))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sig, _ := usersig.Generate(resttest.SDKAppID, resttest.Key, "alice", 3600, time.Now())
	login, _ := json.Marshal(map[string]any{"v": 1, "id": "1", "op": "login", "data": map[string]any{"userID": "alice", "userSig": sig, "platform": "Web"}})
	if err := wsutil.WriteClientText(nc, login); err != nil {
		t.Fatal(err)
	}
	if _, err := wsutil.ReadServerText(nc); err != nil {
		t.Fatal(err)
	}
	if err := s.stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	down, stopped := s.logs.Record("parley shutting down"), s.logs.Record("parley stopped")
	if down == nil || stopped == nil || down["sessions"] != 1.0 || stopped["sessions"] != 1.0 || stopped["level"] != "INFO" {
		t.Fatalf("shutdown lines %v, %v", down, stopped)
	}
	if d, ok := stopped["drain_ms"].(float64); !ok || d < 0 {
		t.Fatalf("drain_ms %v", stopped["drain_ms"])
	}
}
