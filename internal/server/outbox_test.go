package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/usersig"
)

// recording is a consumer that keeps what it is given.
type recording struct {
	mu      sync.Mutex
	entries []store.OutboxEntry
	fail    bool
}

func (r *recording) deliver(_ context.Context, e store.OutboxEntry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return fmt.Errorf("consumer down")
	}
	r.entries = append(r.entries, e)
	return nil
}

func (r *recording) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.entries {
		k := e.Kind
		if e.Kind == outbox.KindStateChanged {
			var s outbox.StateChange
			json.Unmarshal(e.Payload, &s)
			k += ":" + s.Info.Action + "/" + s.Info.Reason
		}
		out = append(out, k)
	}
	return out
}

func restCall(t *testing.T, base, api string, body any) map[string]any {
	t.Helper()
	sig, _ := usersig.Generate(resttest.SDKAppID, resttest.Key, resttest.Admin, 3600, time.Now())
	b, _ := json.Marshal(body)
	url := fmt.Sprintf("%s/v4/%s?sdkappid=%d&identifier=%s&usersig=%s&random=1&contenttype=json", base, api, resttest.SDKAppID, resttest.Admin, sig)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return out
}

// startWithConsumer serves a node whose outbox has rec as consumer of
// messages and state changes; stop cancels Serve and waits for it.
func startWithConsumer(t *testing.T, rec *recording) (base string, logs *resttest.LogSink, stop func()) {
	t.Helper()
	reg := &outbox.Consumers{}
	if err := reg.Register(outbox.Consumer{Name: "rec", Kinds: []string{outbox.KindMessageSent, outbox.KindStateChanged}, Deliver: rec.deliver}); err != nil {
		t.Fatal(err)
	}
	logs = &resttest.LogSink{}
	node, err := newNode(t, slog.New(slog.NewJSONHandler(logs, nil)), server.Options{Consumers: reg,
		Outbox: outbox.Options{MinBackoff: time.Hour}})
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
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Serve: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Error("Serve did not return")
			}
		})
	}
	t.Cleanup(stop)
	return "http://" + ln.Addr().String(), logs, stop
}

func login(t *testing.T, base, user string) net.Conn {
	t.Helper()
	nc, _, _, err := ws.Dial(context.Background(), "ws"+strings.TrimPrefix(base, "http")+fmt.Sprintf("/v1/ws?sdkappid=%d", resttest.SDKAppID))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	sig, _ := usersig.Generate(resttest.SDKAppID, resttest.Key, user, 3600, time.Now())
	req, _ := json.Marshal(map[string]any{"v": 1, "id": "1", "op": "login", "data": map[string]any{"userID": user, "userSig": sig, "platform": "Web"}})
	if err := wsutil.WriteClientText(nc, req); err != nil {
		t.Fatal(err)
	}
	if _, err := wsutil.ReadServerText(nc); err != nil {
		t.Fatal(err)
	}
	return nc
}

// A node dispatches committed entries to its consumer while it serves, and
// on shutdown it records the sessions it closes and flushes the outbox
// before Serve returns, logging what it did.
func TestShutdownFlushesTheOutbox(t *testing.T) {
	rec := &recording{}
	base, logs, stop := startWithConsumer(t, rec)
	restCall(t, base, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob"}})
	login(t, base, "alice")
	login(t, base, "alice") // the same platform again: the first is kicked
	bob := login(t, base, "bob")
	logout, _ := json.Marshal(map[string]any{"v": 1, "id": "2", "op": "logout"})
	if err := wsutil.WriteClientText(bob, logout); err != nil {
		t.Fatal(err)
	}
	if _, err := wsutil.ReadServerText(bob); err != nil {
		t.Fatal(err)
	}
	if out := restCall(t, base, "openim/sendmsg", map[string]any{"From_Account": "bob", "To_Account": "alice", "MsgRandom": 1,
		"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "hi"}}}}); resttest.Int(out["ErrorCode"]) != 0 {
		t.Fatalf("send: %v", out)
	}
	stop()
	got := strings.Join(rec.kinds(), " ")
	for _, want := range []string{"state.changed:Login/Register", "state.changed:Logout/Kicked", "state.changed:Logout/Unregister",
		outbox.KindMessageSent, "state.changed:Disconnect/LinkClose"} {
		if !strings.Contains(got, want) {
			t.Fatalf("consumer got %q, want %s among them (the disconnect only the shutdown flush delivers)", got, want)
		}
	}
	r := logs.Record("outbox flushed")
	if r == nil || r["left_for_next_start"] != 0.0 || r["dispatched_since_start"] != 7.0 {
		t.Fatalf("flush log %v", r)
	}
}

// What the consumer cannot take stays for the next start, and the log
// says how much.
func TestShutdownLeavesUndeliveredEntries(t *testing.T) {
	rec := &recording{fail: true}
	base, logs, stop := startWithConsumer(t, rec)
	restCall(t, base, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob"}})
	for i := range 3 {
		if out := restCall(t, base, "openim/sendmsg", map[string]any{"From_Account": "bob", "To_Account": "alice", "MsgRandom": i,
			"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "hi"}}}}); resttest.Int(out["ErrorCode"]) != 0 {
			t.Fatalf("send: %v", out)
		}
	}
	stop()
	r := logs.Record("outbox flushed")
	if r == nil || r["left_for_next_start"] != 3.0 || r["dispatched"] != 0.0 {
		t.Fatalf("flush log %v, want 3 left and none dispatched", r)
	}
}
