package gateway_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlite"
)

// countingBroker is the in-process broker counting the publishes of each
// subject, copied or handed over.
type countingBroker struct {
	*broker.Local
	mu sync.Mutex
	n  map[string]int
}

func (b *countingBroker) Publish(ctx context.Context, subject string, data []byte) error {
	b.mu.Lock()
	b.n[subject]++
	b.mu.Unlock()
	return b.Local.Publish(ctx, subject, data)
}

func (b *countingBroker) PublishOwned(ctx context.Context, subject string, data []byte) error {
	b.mu.Lock()
	b.n[subject]++
	b.mu.Unlock()
	return b.Local.PublishOwned(ctx, subject, data)
}

func (b *countingBroker) published(subject string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n[subject]
}

// A sender's copy of its message's push exists for its other devices: with
// none anywhere it is not published, and a second device, on this node or
// another sharing the broker, gets it.
func TestSenderPushOnlyForOtherDevices(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	br := &countingBroker{Local: broker.NewLocal(broker.LocalOptions{}), n: map[string]int{}}
	a := app.New(resttest.SDKAppID, resttest.Key, resttest.Admin)
	a.RateLimits = map[string]float64{}
	nodes := nodesOnBroker(t, st, br, a, 2)
	aliceSubject := broker.UserSubject(a.SDKAppID, "alice")
	bobSubject := broker.UserSubject(a.SDKAppID, "bob")

	alice := dial(t, nodes[0])
	alice.login(nodes[0], "alice", "Web")
	bob := dial(t, nodes[0])
	bob.login(nodes[0], "bob", "Android")
	send := func(random int, word string) float64 {
		t.Helper()
		code, out := alice.call("msg.send", map[string]any{"to": "bob", "random": random, "body": text(word)})
		if code != 0 {
			t.Fatalf("send %s: %d %v", word, code, out)
		}
		seq := out["message"].(map[string]any)["seq"].(float64)
		if got := bob.push("msg.new")["data"].(map[string]any)["seq"]; got != seq {
			t.Fatalf("bob's push has seq %v, sent %v", got, seq)
		}
		return seq
	}

	// One device: the receiver's push only.
	send(1, "one")
	if n := br.published(aliceSubject); n != 0 {
		t.Errorf("alice's subject: %d publishes with no other device, want 0", n)
	}
	if n := br.published(bobSubject); n != 1 {
		t.Errorf("bob's subject: %d publishes, want 1", n)
	}

	// A second device on the other node hears the sender's copy.
	other := dial(t, nodes[1])
	other.login(nodes[1], "alice", "iOS")
	seq := send(2, "two")
	if got := other.push("msg.new")["data"].(map[string]any)["seq"]; got != seq {
		t.Errorf("alice's other node: push seq %v, want %v", got, seq)
	}
	alice.noPush("msg.new")

	// Gone again: no copy once its subscription is given back.
	other.nc.Close()
	deadline := time.Now().Add(5 * time.Second)
	for br.Subscribers(aliceSubject) > 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	before := br.published(aliceSubject)
	send(3, "three")
	if n := br.published(aliceSubject) - before; n != 0 {
		t.Errorf("alice's subject: %d publishes after the other device left, want 0", n)
	}

	// A second device on the same node hears it.
	same := dial(t, nodes[0])
	same.login(nodes[0], "alice", "Android")
	seq = send(4, "four")
	if got := same.push("msg.new")["data"].(map[string]any)["seq"]; got != seq {
		t.Errorf("alice's second device on this node: push seq %v, want %v", got, seq)
	}
	alice.noPush("msg.new")
}

// nodesOnBroker starts n nodes of app a over one store and one broker, as
// nodes behind a load balancer are.
func nodesOnBroker(t *testing.T, st store.Store, br broker.Broker, a *app.App, n int) []*resttest.Server {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	nodes := make([]*resttest.Server, n)
	for i := range nodes {
		node, err := server.New(context.Background(), st, []*app.App{a}, logger, server.Options{Broker: br})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(node.Handler)
		t.Cleanup(hs.Close)
		nodes[i] = &resttest.Server{T: t, URL: hs.URL, Node: node, App: a}
	}
	return nodes
}
