package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlite"
	"github.com/parleyim/parley/internal/store/sqlstore"
)

// A connection's sends do not wait for each other's commit: sent one after
// another while the store's writer is busy, all of them are queued for its
// next commit, also those that arrive while the worker waits for it. They
// are still answered in request order, stored with ascending seqs in that
// order and delivered in it, and a request of another op sent behind them
// runs once they are answered (it sees them).
func TestSendsOfOneConnectionShareTheNextCommit(t *testing.T) {
	st, _, alice, bob := queuedSendsSetup(t)
	release := holdWriter(t, st)

	const n = 8
	for i := range n {
		b, _ := json.Marshal(map[string]any{"v": 1, "id": fmt.Sprintf("s%d", i), "op": "msg.send",
			"data": map[string]any{"to": "bob", "random": i, "clientMsgID": fmt.Sprintf("k%d", i), "body": text(fmt.Sprint(i))}})
		alice.sendRaw(string(b))
		// Apart: each arrives while the worker already waits for the
		// writer, which must not keep it from beginning the next.
		time.Sleep(5 * time.Millisecond)
	}
	alice.sendRaw(`{"v":1,"id":"h","op":"msg.history","data":{"userID":"bob","count":20}}`)
	deadline := time.Now().Add(5 * time.Second)
	for st.QueuedWrites() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d sends queued for the writer: each waits for the one before", st.QueuedWrites(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if f, ok := alice.nextFrame(50 * time.Millisecond); ok {
		t.Fatalf("answered before the commit: %v", f)
	}
	release()

	for i := range n {
		f := alice.frame()
		if f["id"] != fmt.Sprintf("s%d", i) || f["code"].(float64) != 0 {
			t.Fatalf("answer %d: %v", i, f)
		}
		m := f["data"].(map[string]any)["message"].(map[string]any)
		if m["seq"].(float64) != float64(i+1) {
			t.Fatalf("send %d took seq %v, want %d", i, m["seq"], i+1)
		}
	}
	f := alice.frame()
	if f["id"] != "h" {
		t.Fatalf("after the sends' answers: %v", f)
	}
	if msgs := f["data"].(map[string]any)["messages"].([]any); len(msgs) != n {
		t.Fatalf("history behind the sends holds %d messages, want %d", len(msgs), n)
	}
	for i := range n {
		d := bob.push("msg.new")["data"].(map[string]any)
		if d["seq"].(float64) != float64(i+1) || bodyText(t, d) != fmt.Sprint(i) {
			t.Fatalf("push %d: %v", i, d)
		}
	}
}

// A connection that goes away with sends queued: each of them is either
// stored and delivered or neither (the client, gone, learns which by seq
// when it comes back).
func TestQueuedSendsOfAClosedConnection(t *testing.T) {
	st, s, alice, bob := queuedSendsSetup(t)
	release := holdWriter(t, st)
	const n = 4
	for i := range n {
		b, _ := json.Marshal(map[string]any{"v": 1, "id": fmt.Sprintf("s%d", i), "op": "msg.send",
			"data": map[string]any{"to": "bob", "random": i, "body": text(fmt.Sprint(i))}})
		alice.sendRaw(string(b))
	}
	deadline := time.Now().Add(5 * time.Second)
	for st.QueuedWrites() < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	alice.nc.Close()
	time.Sleep(50 * time.Millisecond) // the server sees the close
	release()

	again := dial(t, s)
	again.login(s, "alice", "Web")
	code, out := again.call("msg.history", map[string]any{"userID": "bob", "count": 20})
	if code != 0 {
		t.Fatalf("history: %d %v", code, out)
	}
	stored := len(out["messages"].([]any))
	delivered := 0
	for {
		f, ok := bob.nextFrame(300 * time.Millisecond)
		if !ok {
			break
		}
		if f["push"] == "msg.new" {
			delivered++
		}
	}
	if delivered != stored {
		t.Fatalf("%d of the closed connection's sends stored, %d delivered", stored, delivered)
	}
}

// queuedSendsSetup starts a node on a SQLite store the test can reach and
// logs in alice and bob.
func queuedSendsSetup(t *testing.T) (st *sqlstore.DB, s *resttest.Server, alice, bob *client) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	s = resttest.StartOn(t, st)
	alice, bob = dial(t, s), dial(t, s)
	alice.login(s, "alice", "Web")
	bob.login(s, "bob", "Web")
	return st, s, alice, bob
}

// holdWriter keeps the store's writer in a commit of its own until release
// (also called at the test's end).
func holdWriter(t *testing.T, st store.Store) (release func()) {
	t.Helper()
	entered, free := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- st.Write(context.Background(), func(store.Tx) error {
			close(entered)
			<-free
			return nil
		})
	}()
	<-entered
	var once sync.Once
	release = func() {
		once.Do(func() {
			close(free)
			if err := <-held; err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(release)
	return release
}
