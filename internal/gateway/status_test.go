package gateway_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/postgres"
	"github.com/parleyim/parley/internal/store/sqlite"
	"github.com/parleyim/parley/internal/store/storetest"
)

func statusOn(a *app.App) { a.Switches.UserStatus = true }

// statusOf checks a user.status_changed push (or a status object).
func statusOf(t *testing.T, d any, user string, statusType int, custom string) {
	t.Helper()
	m, _ := d.(map[string]any)
	if m["userID"] != user || resttest.Int(m["statusType"]) != statusType || m["customStatus"] != custom {
		t.Fatalf("status = %v, want %s %d %q", m, user, statusType, custom)
	}
}

func statusPush(t *testing.T, c *client) map[string]any {
	t.Helper()
	f := c.push("user.status_changed")
	if seq, ok := f["seq"]; ok && resttest.Int(seq) != 0 {
		t.Fatalf("a status push is live only, seq 0: %v", f)
	}
	return f["data"].(map[string]any)
}

// noStatusPush checks that no status push arrives within d.
func noStatusPush(t *testing.T, c *client, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		f, ok := c.nextFrame(time.Until(deadline))
		if !ok {
			return
		}
		if f["push"] == "user.status_changed" {
			t.Fatalf("unexpected status push %v", f)
		}
	}
}

func TestUserStatusSubscribeAndPushes(t *testing.T) {
	s := resttest.Start(t, statusOn)
	s.Import("alice", "bob")
	a := dial(t, s)
	a.login(s, "alice", "Web")

	// Never logged in: unlogined.
	code, out := a.call("user.getStatus", map[string]any{"userIDs": []string{"bob", "alice"}})
	if code != 0 {
		t.Fatalf("getStatus: %d %v", code, out)
	}
	list := out["statuses"].([]any)
	statusOf(t, list[0], "bob", 0, "")
	statusOf(t, list[1], "alice", 1, "")

	if code, out := a.call("user.subscribeStatus", map[string]any{"userIDs": []string{"bob", "alice", "nobody"}}); code != 0 {
		t.Fatalf("subscribe: %d %v", code, out)
	} else if f := out["failures"].([]any); len(f) != 2 ||
		f[0].(map[string]any)["userID"] != "alice" || f[1].(map[string]any)["userID"] != "nobody" ||
		resttest.Int(f[1].(map[string]any)["code"]) != 70107 {
		t.Fatalf("failures: %v", f)
	}

	// bob logs in: alice hears online.
	b := dial(t, s)
	b.login(s, "bob", "Android")
	statusOf(t, statusPush(t, a), "bob", 1, "")

	// A second device of bob changes nothing.
	b2 := dial(t, s)
	b2.login(s, "bob", "Web")
	noStatusPush(t, a, 300*time.Millisecond)

	// bob sets a custom status: alice hears it, and so do both of bob's
	// devices, the one that set it included.
	code, out = b.call("user.setSelfStatus", map[string]any{"customStatus": "listening to music"})
	if code != 0 {
		t.Fatalf("setSelfStatus: %d %v", code, out)
	}
	statusOf(t, out, "bob", 1, "listening to music")
	statusOf(t, statusPush(t, a), "bob", 1, "listening to music")
	statusOf(t, statusPush(t, b), "bob", 1, "listening to music")
	statusOf(t, statusPush(t, b2), "bob", 1, "listening to music")
	_, out = a.call("user.getStatus", map[string]any{"userIDs": []string{"bob"}})
	statusOf(t, out["statuses"].([]any)[0], "bob", 1, "listening to music")

	// One device gone: bob is still online.
	b2.nc.Close()
	noStatusPush(t, a, 300*time.Millisecond)
	// The last one dropped without a logout: offline, custom status cleared.
	b.nc.Close()
	statusOf(t, statusPush(t, a), "bob", 2, "")
	_, out = a.call("user.getStatus", map[string]any{"userIDs": []string{"bob"}})
	statusOf(t, out["statuses"].([]any)[0], "bob", 2, "")

	// Back, then a logout: unlogined.
	b = dial(t, s)
	b.login(s, "bob", "Android")
	statusOf(t, statusPush(t, a), "bob", 1, "")
	if code, _ := b.call("logout", nil); code != 0 {
		t.Fatal("logout failed")
	}
	statusOf(t, statusPush(t, a), "bob", 0, "")

	// Unsubscribed (empty list: all), alice hears no more.
	if code, out := a.call("user.unsubscribeStatus", map[string]any{"userIDs": []string{}}); code != 0 {
		t.Fatalf("unsubscribe: %d %v", code, out)
	}
	b = dial(t, s)
	b.login(s, "bob", "Android")
	noStatusPush(t, a, 300*time.Millisecond)
}

func TestUserStatusBoundsAndSwitch(t *testing.T) {
	off := resttest.Start(t)
	off.Import("alice", "bob")
	a := dial(t, off)
	a.login(off, "alice", "Web")
	// One's own status always works.
	if code, out := a.call("user.setSelfStatus", map[string]any{"customStatus": "here"}); code != 0 {
		t.Fatalf("setSelfStatus with the switch off: %d %v", code, out)
	}
	statusOf(t, statusPush(t, a), "alice", 1, "here")
	code, out := a.call("user.getStatus", map[string]any{"userIDs": []string{"alice", "bob"}})
	if code != 0 {
		t.Fatalf("own status with the switch off: %d %v", code, out)
	}
	statusOf(t, out["statuses"].([]any)[0], "alice", 1, "here")
	if f := out["failures"].([]any); len(f) != 1 || resttest.Int(f[0].(map[string]any)["code"]) != 72001 {
		t.Fatalf("bob's status with the switch off: %v", f)
	}
	for _, op := range []string{"user.getStatus", "user.subscribeStatus", "user.unsubscribeStatus"} {
		if code, _ := a.call(op, map[string]any{"userIDs": []string{"bob"}}); code != 72001 {
			t.Fatalf("%s with the switch off: %d, want 72001", op, code)
		}
	}
	if code, _ := a.call("user.setSelfStatus", map[string]any{"customStatus": strings.Repeat("x", 101)}); code != 6017 {
		t.Fatalf("a 101-byte custom status: %d, want 6017", code)
	}

	s := resttest.Start(t, statusOn)
	users := make([]string, 202)
	for i := range users {
		users[i] = fmt.Sprintf("u%03d", i)
	}
	for i := 0; i < len(users); i += 100 {
		s.Import(users[i:min(i+100, len(users))]...)
	}
	s.Import("alice")
	a = dial(t, s)
	a.login(s, "alice", "Web")
	if code, _ := a.call("user.subscribeStatus", map[string]any{"userIDs": users[:101]}); code != 6017 {
		t.Fatalf("101 users in one subscribe: %d, want 6017", code)
	}
	if code, _ := a.call("user.getStatus", map[string]any{"userIDs": make([]string, 501)}); code != 6017 {
		t.Fatalf("501 users in one getStatus: %d, want 6017", code)
	}
	// 202 subscriptions: the two oldest are evicted.
	for _, part := range [][]string{users[:100], users[100:200], users[200:]} {
		if code, out := a.call("user.subscribeStatus", map[string]any{"userIDs": part}); code != 0 {
			t.Fatalf("subscribe: %d %v", code, out)
		}
	}
	for _, u := range []string{"u000", "u001"} {
		c := dial(t, s)
		c.login(s, u, "Web")
	}
	noStatusPush(t, a, 300*time.Millisecond)
	c := dial(t, s)
	c.login(s, "u002", "Web")
	statusOf(t, statusPush(t, a), "u002", 1, "")

	// 20 calls per 5 s for others' status and subscriptions: the three
	// subscribes took 3 (the oversized calls were refused before counting),
	// so 25 more in a row run out.
	refused := 0
	for range 25 {
		if code, _ := a.call("user.getStatus", map[string]any{"userIDs": []string{"u100"}}); code == 7008 {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("25 getStatus calls in a row were all allowed")
	}
	// One's own status is never limited.
	if code, _ := a.call("user.getStatus", map[string]any{"userIDs": []string{"alice"}}); code != 0 {
		t.Fatalf("own status when limited: %d", code)
	}
}

// Two nodes sharing a store and a broker: a subscriber on one hears a
// user whose sessions are on the other.
func TestUserStatusAcrossNodes(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		testUserStatusAcrossNodes(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), storetest.FreshPostgres(t), 8)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		testUserStatusAcrossNodes(t, st)
	})
}

func testUserStatusAcrossNodes(t *testing.T, st store.Store) {
	br := broker.NewLocal(broker.LocalOptions{})
	a := app.New(resttest.SDKAppID, resttest.Key, resttest.Admin)
	a.RateLimits = map[string]float64{}
	statusOn(a)
	nodes := nodesOnBroker(t, st, br, a, 2)
	sub := dial(t, nodes[0])
	sub.login(nodes[0], "alice", "Web")
	bob := dial(t, nodes[1])
	bob.login(nodes[1], "bob", "Web")
	if code, out := sub.call("user.subscribeStatus", map[string]any{"userIDs": []string{"bob"}}); code != 0 {
		t.Fatalf("subscribe: %d %v", code, out)
	}
	_, out := sub.call("user.getStatus", map[string]any{"userIDs": []string{"bob"}})
	statusOf(t, out["statuses"].([]any)[0], "bob", 1, "")
	if code, _ := bob.call("user.setSelfStatus", map[string]any{"customStatus": "on node 2"}); code != 0 {
		t.Fatal("setSelfStatus failed")
	}
	statusOf(t, statusPush(t, sub), "bob", 1, "on node 2")
	// bob's second device on node 0, then the one on node 1 drops: still
	// online (the other node's session counts).
	bob2 := dial(t, nodes[0])
	bob2.login(nodes[0], "bob", "Android")
	bob.nc.Close()
	noStatusPush(t, sub, 300*time.Millisecond)
	bob2.nc.Close()
	statusOf(t, statusPush(t, sub), "bob", 2, "")
}
