package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/broker/brokertest"
	"github.com/parleyim/parley/internal/gateway"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/internal/store/postgres"
	"github.com/parleyim/parley/internal/store/storetest"
	"github.com/parleyim/parley/usersig"
)

// clusterNode is one node of a test cluster: its own store pool on the
// shared database, its own HTTP listener, the given broker.
func clusterNode(t *testing.T, dsn string, b broker.Broker) *httptest.Server {
	t.Helper()
	_, hs := clusterNodeOf(t, dsn, b)
	return hs
}

// clusterNodeOf is clusterNode that also returns the node.
func clusterNodeOf(t *testing.T, dsn string, b broker.Broker) (*server.Node, *httptest.Server) {
	t.Helper()
	return clusterNodeWith(t, dsn, server.Options{Broker: b})
}

// clusterNodeWith is clusterNodeOf with opts (their Broker included).
func clusterNodeWith(t *testing.T, dsn string, opts server.Options) (*server.Node, *httptest.Server) {
	t.Helper()
	st, err := postgres.Open(context.Background(), dsn, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a := app.New(resttest.SDKAppID, resttest.Key, resttest.Admin)
	a.RateLimits = map[string]float64{}
	n, err := server.New(context.Background(), st, []*app.App{a}, slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(n.Handler)
	t.Cleanup(hs.Close)
	return n, hs
}

// wsUser logs user in on node hs and returns a channel of the frames it gets.
func wsUser(t *testing.T, hs *httptest.Server, user string) (send func(op string, data any), frames chan map[string]any) {
	t.Helper()
	nc, _, _, err := ws.Dial(context.Background(), "ws"+strings.TrimPrefix(hs.URL, "http")+fmt.Sprintf("/v1/ws?sdkappid=%d", resttest.SDKAppID))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	frames = make(chan map[string]any, 64)
	go func() {
		for {
			b, _, err := wsutil.ReadServerData(nc)
			if err != nil {
				return
			}
			var m map[string]any
			json.Unmarshal(b, &m)
			frames <- m
		}
	}()
	next := 0
	send = func(op string, data any) {
		next++
		b, _ := json.Marshal(map[string]any{"v": 1, "id": fmt.Sprint(next), "op": op, "data": data})
		wsutil.WriteClientText(nc, b)
	}
	sig, _ := usersig.Generate(resttest.SDKAppID, resttest.Key, user, 3600, time.Now())
	send("login", map[string]any{"userID": user, "userSig": sig, "platform": "Android"})
	if f := await(t, frames, func(m map[string]any) bool { return m["id"] == "1" }); f["code"] != 0.0 {
		t.Fatalf("login %s: %v", user, f)
	}
	return send, frames
}

func await(t *testing.T, frames chan map[string]any, match func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case f := <-frames:
			if match(f) {
				return f
			}
		case <-deadline:
			t.Fatal("no matching frame within 10 s")
		}
	}
}

// clusterBrokers are the two ways nodes share a broker in these tests: one
// in-process broker, or a real NATS server with one connection per node.
var clusterBrokers = []struct {
	name    string
	brokers func(t *testing.T) (broker.Broker, broker.Broker)
}{
	{"shared in-process broker", func(t *testing.T) (broker.Broker, broker.Broker) {
		b := broker.NewLocal(broker.LocalOptions{})
		t.Cleanup(func() { b.Close() })
		return b, b
	}},
	{"nats", func(t *testing.T) (broker.Broker, broker.Broker) {
		ns := brokertest.StartNATS(t, 0)
		return brokertest.ConnectNATS(t, ns, "a"), brokertest.ConnectNATS(t, ns, "b")
	}},
}

// Two nodes on one database: a message sent by a client on node A reaches
// its peer's client on node B, through a broker the nodes share (in
// process) or through a real NATS server (one connection per node).
func TestMessageCrossesNodes(t *testing.T) {
	dsn := storetest.FreshPostgres(t)
	for _, tc := range clusterBrokers {
		t.Run(tc.name, func(t *testing.T) {
			ba, bb := tc.brokers(t)
			a, b := clusterNode(t, dsn, ba), clusterNode(t, dsn, bb)
			alice, bob := "alice"+tc.name[:4], "bob"+tc.name[:4]
			sendA, _ := wsUser(t, a, alice)
			_, framesB := wsUser(t, b, bob)
			sendA("msg.send", map[string]any{"to": bob, "random": 7,
				"body": map[string]any{"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "across"}}}}})
			f := await(t, framesB, func(m map[string]any) bool { return m["push"] == "msg.new" })
			if body, _ := json.Marshal(f["data"]); !strings.Contains(string(body), "across") {
				t.Fatalf("push on node B: %v", f)
			}
		})
	}
}

// client is one WebSocket client of a cluster test.
type client struct {
	t      *testing.T
	send   func(op string, data any) string
	frames chan map[string]any
}

// dialClient connects to node hs without logging in.
func dialClient(t *testing.T, hs *httptest.Server) *client {
	t.Helper()
	nc, _, _, err := ws.Dial(context.Background(), "ws"+strings.TrimPrefix(hs.URL, "http")+fmt.Sprintf("/v1/ws?sdkappid=%d", resttest.SDKAppID))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := &client{t: t, frames: make(chan map[string]any, 64)}
	go func() {
		defer close(c.frames)
		for {
			b, _, err := wsutil.ReadServerData(nc)
			if err != nil {
				return
			}
			var m map[string]any
			json.Unmarshal(b, &m)
			c.frames <- m
		}
	}()
	var mu sync.Mutex
	next := 0
	c.send = func(op string, data any) string {
		mu.Lock()
		next++
		id := fmt.Sprint(next)
		mu.Unlock()
		b, _ := json.Marshal(map[string]any{"v": 1, "id": id, "op": op, "data": data})
		wsutil.WriteClientText(nc, b)
		return id
	}
	return c
}

// call sends a request and returns its answer's code, failing on a kick or
// a closed connection first.
func (c *client) call(op string, data any) float64 {
	c.t.Helper()
	id := c.send(op, data)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				c.t.Fatalf("%s: connection closed before the answer", op)
			}
			if f["push"] == "kicked" {
				c.t.Fatalf("%s: kicked first: %v", op, f)
			}
			if f["id"] == id {
				return f["code"].(float64)
			}
		case <-deadline:
			c.t.Fatalf("%s: no answer within 10 s", op)
		}
	}
}

// kicked waits for the kick push and returns its reason.
func (c *client) kicked() string {
	c.t.Helper()
	f := await(c.t, c.frames, func(m map[string]any) bool { return m["push"] == "kicked" })
	return f["data"].(map[string]any)["reason"].(string)
}

// loginAs logs a new client in as user on hs with a UserSig issued at issued.
func loginAs(t *testing.T, hs *httptest.Server, user, platform string, issued time.Time) *client {
	t.Helper()
	c := dialClient(t, hs)
	if code := c.call("login", loginData(t, user, platform, issued)); code != 0 {
		t.Fatalf("login %s on %s: code %v", user, platform, code)
	}
	return c
}

func loginData(t *testing.T, user, platform string, issued time.Time) map[string]any {
	sig, err := usersig.Generate(resttest.SDKAppID, resttest.Key, user, 3600, issued)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{"userID": user, "userSig": sig, "platform": platform}
}

// adminCall posts a REST call as the admin to node hs.
func adminCall(t *testing.T, hs *httptest.Server, api string, body any) map[string]any {
	t.Helper()
	sig, _ := usersig.Generate(resttest.SDKAppID, resttest.Key, resttest.Admin, 3600, time.Now())
	q := url.Values{"sdkappid": {fmt.Sprint(resttest.SDKAppID)}, "identifier": {resttest.Admin}, "usersig": {sig},
		"random": {"1"}, "contenttype": {"json"}}
	b, _ := json.Marshal(body)
	resp, err := http.Post(hs.URL+"/v4/"+api+"?"+q.Encode(), "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out["ErrorCode"] != 0.0 {
		t.Fatalf("%s: %v", api, out)
	}
	return out
}

// onlineStatus asks node hs for users' status with detail: per user, its
// Status and its platforms.
func onlineStatus(t *testing.T, hs *httptest.Server, users ...string) map[string]string {
	t.Helper()
	out := adminCall(t, hs, "openim/query_online_status", map[string]any{"To_Account": users, "IsNeedDetail": 1})
	got := map[string]string{}
	for _, it := range out["QueryResult"].([]any) {
		m := it.(map[string]any)
		var ps []string
		detail, _ := m["Detail"].([]any) // omitted when empty
		for _, d := range detail {
			ps = append(ps, d.(map[string]any)["Platform"].(string))
		}
		got[m["To_Account"].(string)] = m["Status"].(string) + " " + strings.Join(ps, ",")
	}
	return got
}

// The login policy, kicks and online status are the cluster's, whichever
// node a client is on: the 4th Android login on node B pushes out the
// oldest Android session on node A (multiple_device) and no other; a second
// Web login on B pushes out the Web one on A (multiple_account); node A
// reports a user online only on node B, with the detail; a REST kick on
// node A closes the user's sessions on node B (rest_api), and the UserSig
// from before the kick logs in on neither node.
func TestPresenceAcrossNodes(t *testing.T) {
	dsn := storetest.FreshPostgres(t)
	for _, tc := range clusterBrokers {
		t.Run(tc.name, func(t *testing.T) {
			ba, bb := tc.brokers(t)
			a, b := clusterNode(t, dsn, ba), clusterNode(t, dsn, bb)
			suffix := tc.name[:4]
			before := time.Now().Add(-10 * time.Second)

			user := "dev" + suffix
			oldest := loginAs(t, a, user, "Android", before)
			second := loginAs(t, a, user, "Android", before)
			third := loginAs(t, a, user, "Android", before)
			fourth := loginAs(t, b, user, "Android", before)
			if r := oldest.kicked(); r != "multiple_device" {
				t.Fatalf("oldest Android on node A kicked with %q, want multiple_device", r)
			}
			for i, c := range []*client{second, third, fourth} {
				if code := c.call("ping", nil); code != 0 {
					t.Fatalf("session %d after the 4th login: ping code %v", i+2, code)
				}
			}
			if got := onlineStatus(t, b, user)[user]; got != "Online Android,Android,Android" {
				t.Fatalf("status after the 4th login: %q", got)
			}

			web := "web" + suffix
			w1 := loginAs(t, a, web, "Web", before)
			w2 := loginAs(t, b, web, "Web", before)
			if r := w1.kicked(); r != "multiple_account" {
				t.Fatalf("Web on node A kicked with %q, want multiple_account", r)
			}
			if code := w2.call("ping", nil); code != 0 {
				t.Fatalf("Web on node B after the login: ping code %v", code)
			}

			onB := "onb" + suffix
			far := loginAs(t, b, onB, "iOS", before)
			loginAs(t, b, onB, "Mac", before)
			adminCall(t, a, "im_open_login_svc/account_import", map[string]any{"UserID": "off" + suffix})
			got := onlineStatus(t, a, onB, "off"+suffix)
			if got[onB] != "Online iOS,Mac" || got["off"+suffix] != "Offline " {
				t.Fatalf("status on node A: %v", got)
			}

			adminCall(t, a, "im_open_login_svc/kick", map[string]any{"UserID": onB})
			if r := far.kicked(); r != "rest_api" {
				t.Fatalf("REST kick on node A: session on node B kicked with %q, want rest_api", r)
			}
			if got := onlineStatus(t, a, onB)[onB]; got != "Offline " {
				t.Fatalf("status after the kick: %q", got)
			}
			for name, hs := range map[string]*httptest.Server{"A": a, "B": b} {
				c := dialClient(t, hs)
				if code := c.call("login", loginData(t, onB, "iOS", before)); code != gateway.CodeUserSigExpired {
					t.Fatalf("old UserSig after the kick on node %s: code %v, want %d", name, code, gateway.CodeUserSigExpired)
				}
			}
			loginAs(t, b, onB, "iOS", time.Now().Add(time.Second)) // a UserSig minted after the kick
		})
	}
}

// A node that stops renewing its liveness stops counting: its sessions are
// offline for the others and pushed out by nobody's login; once another
// node prunes it and it renews again, it announces its sessions anew.
func TestPresenceOfDeadNode(t *testing.T) {
	dsn := storetest.FreshPostgres(t)
	shared := broker.NewLocal(broker.LocalOptions{})
	t.Cleanup(func() { shared.Close() })
	nodeA, a := clusterNodeOf(t, dsn, shared)
	nodeB, b := clusterNodeOf(t, dsn, shared)
	before := time.Now().Add(-10 * time.Second)
	var onB []*client
	for range 3 {
		onB = append(onB, loginAs(t, b, "stale", "Android", before))
	}
	if got := onlineStatus(t, a, "stale")["stale"]; got != "Online Android,Android,Android" {
		t.Fatalf("before node B lapses: %q", got)
	}

	// Node B's lease lapses (as if it had stopped renewing 30 s ago).
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE nodes SET alive_until = 1 WHERE node_id = $1`, int64(nodeB.Gateway.NodeID())); err != nil {
		t.Fatal(err)
	}
	if got := onlineStatus(t, a, "stale")["stale"]; got != "Offline " {
		t.Fatalf("with node B lapsed: %q", got)
	}
	onA := loginAs(t, a, "stale", "Android", before)
	for i, c := range onB {
		if code := c.call("ping", nil); code != 0 {
			t.Fatalf("session %d on the lapsed node: ping code %v", i, code)
		}
	}
	if got := onlineStatus(t, b, "stale")["stale"]; got != "Online Android" {
		t.Fatalf("after a login on node A: %q", got)
	}

	// Node A's pass prunes node B; B's next renewal finds its row gone and
	// announces its three sessions again, as the newest.
	nodeA.Gateway.Directory().Maintain(t.Context())
	nodeB.Gateway.Directory().Maintain(t.Context())
	if got := onlineStatus(t, a, "stale")["stale"]; got != "Online Android,Android,Android,Android" {
		t.Fatalf("after node B came back: %q", got)
	}
	if code := onA.call("ping", nil); code != 0 {
		t.Fatalf("node A's session: ping code %v", code)
	}
}

// lossyBroker is a broker that loses every message on a node subject (the
// kick envelopes), as a NATS restart or a subscriber over its bound would,
// and passes everything else on. It keeps the reconnect hook and Flush of
// the broker it wraps.
type lossyBroker struct {
	broker.Broker
	lost atomic.Int64
}

func (b *lossyBroker) Publish(ctx context.Context, subject string, data []byte) error {
	if strings.HasPrefix(subject, nodeSubjectPrefix) {
		b.lost.Add(1)
		return nil
	}
	return b.Broker.Publish(ctx, subject, data)
}

func (b *lossyBroker) OnReconnect(fn func()) {
	if r, ok := b.Broker.(interface{ OnReconnect(func()) }); ok {
		r.OnReconnect(fn)
	}
}

func (b *lossyBroker) Flush(ctx context.Context) error {
	if f, ok := b.Broker.(interface{ Flush(context.Context) error }); ok {
		return f.Flush(ctx)
	}
	return nil
}

// nodeSubjectPrefix is what every node subject (broker.NodeSubject) starts
// with; the tests check envelopes were lost, so a change shows.
const nodeSubjectPrefix = "parley.n."

// lossyCluster starts two nodes on dsn whose kick envelopes are all lost,
// each renewing its liveness every renew and running its maintenance loop
// for the test's duration.
func lossyCluster(t *testing.T, dsn string, shared broker.Broker, renew time.Duration) (lossy *lossyBroker, na, nb *server.Node, a, b *httptest.Server) {
	t.Helper()
	lossy = &lossyBroker{Broker: shared}
	opts := server.Options{Broker: lossy, Gateway: gateway.Options{PresenceRenewEvery: renew}}
	na, a = clusterNodeWith(t, dsn, opts)
	nb, b = clusterNodeWith(t, dsn, opts)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, n := range []*server.Node{na, nb} {
		wg.Go(func() { n.RunMaintenance(ctx) })
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	return lossy, na, nb, a, b
}

// A session pushed out on another node whose kick envelope is lost stops
// counting at once, for the login policy and query_online_status, while it
// is still connected; its node ends it with the decided reason at its next
// liveness pass, and the pass after finds nothing more to do.
func TestPushedOutSessionWithLostEnvelope(t *testing.T) {
	dsn := storetest.FreshPostgres(t)
	shared := broker.NewLocal(broker.LocalOptions{})
	t.Cleanup(func() { shared.Close() })
	// Renewals far apart: only the explicit passes below run the slow path.
	lossy, nodeA, _, a, b := lossyCluster(t, dsn, shared, time.Hour)
	before := time.Now().Add(-10 * time.Second)

	oldest := loginAs(t, a, "lost", "Android", before)
	second := loginAs(t, a, "lost", "Android", before)
	third := loginAs(t, a, "lost", "Android", before)
	loginAs(t, b, "lost", "Android", before)
	if lossy.lost.Load() == 0 {
		t.Fatal("the kick envelope was not sent")
	}
	if code := oldest.call("ping", nil); code != 0 {
		t.Fatalf("pushed-out session before its node's pass: ping code %v (the envelope was meant to be lost)", code)
	}
	for name, hs := range map[string]*httptest.Server{"A": a, "B": b} {
		if got := onlineStatus(t, hs, "lost")["lost"]; got != "Online Android,Android,Android" {
			t.Fatalf("status on node %s with the pushed-out session still connected: %q", name, got)
		}
	}
	// The policy does not count it either: a 5th login pushes out the
	// second, not the already pushed-out oldest again.
	loginAs(t, b, "lost", "Android", before)
	if code := third.call("ping", nil); code != 0 {
		t.Fatalf("third session after the 5th login: ping code %v", code)
	}

	ended, err := nodeA.Gateway.Directory().CatchUpKicks(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if ended != 2 {
		t.Fatalf("node A's pass ended %d sessions, want 2", ended)
	}
	for i, c := range []*client{oldest, second} {
		if r := c.kicked(); r != "multiple_device" {
			t.Fatalf("pushed-out session %d kicked with %q, want multiple_device", i+1, r)
		}
	}
	if code := third.call("ping", nil); code != 0 {
		t.Fatalf("third session after node A's pass: ping code %v", code)
	}
	if ended, err := nodeA.Gateway.Directory().CatchUpKicks(t.Context()); err != nil || ended != 0 {
		t.Fatalf("a second pass ended %d sessions (error %v), want none: the marks are deleted", ended, err)
	}
	if got := onlineStatus(t, a, "lost")["lost"]; got != "Online Android,Android,Android" {
		t.Fatalf("status after node A's pass: %q", got)
	}
}

// With every kick envelope lost, a node's periodic liveness renewal ends
// its sessions pushed out by a login on another node (multiple_device,
// multiple_account) and kicked by REST on another node (rest_api); the
// REST kick takes the user offline at once.
func TestKicksAcrossNodesSurviveLostEnvelopes(t *testing.T) {
	dsn := storetest.FreshPostgres(t)
	for _, tc := range clusterBrokers {
		t.Run(tc.name, func(t *testing.T) {
			ba, _ := tc.brokers(t)
			lossy, _, _, a, b := lossyCluster(t, dsn, ba, 100*time.Millisecond)
			suffix := tc.name[:4]
			before := time.Now().Add(-10 * time.Second)

			user := "dev" + suffix
			oldest := loginAs(t, a, user, "Android", before)
			loginAs(t, a, user, "Android", before)
			loginAs(t, a, user, "Android", before)
			fourth := loginAs(t, b, user, "Android", before)
			w1 := loginAs(t, a, "web"+suffix, "Web", before)
			loginAs(t, b, "web"+suffix, "Web", before)
			if r := oldest.kicked(); r != "multiple_device" {
				t.Fatalf("oldest Android on node A kicked with %q, want multiple_device", r)
			}
			if r := w1.kicked(); r != "multiple_account" {
				t.Fatalf("Web on node A kicked with %q, want multiple_account", r)
			}
			if code := fourth.call("ping", nil); code != 0 {
				t.Fatalf("the 4th login on node B: ping code %v", code)
			}

			onB := "onb" + suffix
			far := loginAs(t, b, onB, "iOS", before)
			farther := loginAs(t, b, onB, "Mac", before)
			adminCall(t, a, "im_open_login_svc/kick", map[string]any{"UserID": onB})
			if got := onlineStatus(t, a, onB)[onB]; got != "Offline " {
				t.Fatalf("status right after the REST kick: %q", got)
			}
			for _, c := range []*client{far, farther} {
				if r := c.kicked(); r != "rest_api" {
					t.Fatalf("REST kick on node A: session on node B kicked with %q, want rest_api", r)
				}
			}
			if n := lossy.lost.Load(); n < 4 {
				t.Fatalf("%d kick envelopes lost, want at least 4 (the test must not pass through them)", n)
			}
		})
	}
}

// A node cut off from NATS misses the kick envelopes sent meanwhile; when
// its connection comes back it ends those sessions at once, without
// waiting for its next renewal.
func TestKicksCaughtUpOnBrokerReconnect(t *testing.T) {
	dsn := storetest.FreshPostgres(t)
	ns := brokertest.StartNATS(t, 0)
	port := ns.Addr().(*net.TCPAddr).Port
	connect := func(name string) broker.Broker {
		b, err := broker.ConnectNATS(broker.NATSOptions{URL: ns.ClientURL(), Name: name, Logger: slog.New(slog.DiscardHandler),
			ReconnectWait: 20 * time.Millisecond, MaxReconnectWait: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}
	// Every kick envelope is lost; renewals never come in the test.
	renewNever := gateway.Options{PresenceRenewEvery: time.Hour}
	ba, bb := &lossyBroker{Broker: connect("a")}, &lossyBroker{Broker: connect("b")}
	na, a := clusterNodeWith(t, dsn, server.Options{Broker: ba, Gateway: renewNever})
	nb, b := clusterNodeWith(t, dsn, server.Options{Broker: bb, Gateway: renewNever})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, n := range []*server.Node{na, nb} {
		wg.Go(func() { n.RunMaintenance(ctx) })
	}
	t.Cleanup(func() { cancel(); wg.Wait() })

	before := time.Now().Add(-10 * time.Second)
	web := loginAs(t, a, "recon", "Web", before)
	loginAs(t, b, "recon", "Web", before)
	if code := web.call("ping", nil); code != 0 || bb.lost.Load() == 0 {
		t.Fatalf("pushed-out Web session before the reconnect: ping code %v, envelopes lost %d", code, bb.lost.Load())
	}

	ns.Shutdown()
	ns.WaitForShutdown()
	brokertest.StartNATS(t, port)
	if r := web.kicked(); r != "multiple_account" {
		t.Fatalf("after the reconnect the pushed-out session was kicked with %q, want multiple_account", r)
	}
}
