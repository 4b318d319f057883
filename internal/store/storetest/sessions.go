package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

// Node IDs with the top bit set check that 64-bit IDs round-trip through
// signed columns.
const (
	nodeA uint64 = 0xF000_0000_0000_0001
	nodeB uint64 = 0x0000_0000_0000_0003
)

func putSession(t *testing.T, s store.Store, row store.SessionRow) store.SessionRow {
	t.Helper()
	var out store.SessionRow
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		out, err = tx.PutSession(ctx, row)
		return err
	})
	return out
}

func renewNode(t *testing.T, s store.Store, node uint64, until int64) bool {
	t.Helper()
	var existed bool
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		existed, err = tx.RenewNode(ctx, node, until)
		return err
	})
	return existed
}

func liveSessions(t *testing.T, s store.Store, app store.AppID, user string, now int64) []store.SessionRow {
	t.Helper()
	return get(t, s, func(ctx context.Context, tx store.Tx) ([]store.SessionRow, error) {
		return tx.LiveSessions(ctx, app, user, now)
	})
}

func sessionConns(rows []store.SessionRow) []uint64 {
	out := []uint64{}
	for _, r := range rows {
		out = append(out, r.Conn)
	}
	return out
}

// Sessions come back oldest first across nodes, with every field, ordered
// by the seq each insert got; users and apps do not mix; a replaced row
// keeps one row.
func testSessionsPutAndRead(t *testing.T, s store.Store) {
	renewNode(t, s, nodeA, 1000)
	renewNode(t, s, nodeB, 1000)
	first := putSession(t, s, store.SessionRow{App: app1, User: "alice", Node: nodeA, Conn: 7, Platform: "Android", Instance: "i1", LoginAt: 50})
	if first.Seq != 1 {
		t.Fatalf("first seq %d, want 1", first.Seq)
	}
	// A later login with an earlier clock is still newer: order is the seq.
	second := putSession(t, s, store.SessionRow{App: app1, User: "alice", Node: nodeB, Conn: 1, Platform: "Web", LoginAt: 10})
	third := putSession(t, s, store.SessionRow{App: app1, User: "alice", Node: nodeA, Conn: 2, Platform: "Android", LoginAt: 60})
	putSession(t, s, store.SessionRow{App: app2, User: "alice", Node: nodeA, Conn: 3, Platform: "iOS", LoginAt: 60})
	putSession(t, s, store.SessionRow{App: app1, User: "bob", Node: nodeA, Conn: 4, Platform: "Mac", LoginAt: 60})
	if second.Seq != 2 || third.Seq != 3 {
		t.Fatalf("seqs %d %d, want 2 3", second.Seq, third.Seq)
	}
	got := liveSessions(t, s, app1, "alice", 500)
	eq(t, "alice's sessions", got, []store.SessionRow{first, second, third})
	eq(t, "app2 alice", sessionConns(liveSessions(t, s, app2, "alice", 500)), []uint64{3})
	eq(t, "nobody", sessionConns(liveSessions(t, s, app1, "nobody", 500)), []uint64{})

	// Writing a session again (a node re-announcing its sessions) keeps one
	// row, now the newest.
	again := putSession(t, s, first)
	if again.Seq != 4 {
		t.Fatalf("re-put seq %d, want 4", again.Seq)
	}
	eq(t, "after re-put", sessionConns(liveSessions(t, s, app1, "alice", 500)), []uint64{1, 2, 7})

	// Many users in one call, grouped per user, users without sessions
	// absent; more users than one statement takes.
	users := []string{"alice", "bob", "nobody"}
	for i := range 700 {
		users = append(users, fmt.Sprintf("u%d", i))
	}
	putSession(t, s, store.SessionRow{App: app1, User: "u650", Node: nodeB, Conn: 9, Platform: "iPad", LoginAt: 1})
	online := get(t, s, func(ctx context.Context, tx store.Tx) (map[string][]store.SessionRow, error) {
		return tx.OnlineSessions(ctx, app1, users, 500)
	})
	if len(online) != 3 {
		t.Fatalf("online users %v, want alice bob u650", online)
	}
	eq(t, "online alice", sessionConns(online["alice"]), []uint64{1, 2, 7})
	eq(t, "online bob", sessionConns(online["bob"]), []uint64{4})
	eq(t, "online u650", online["u650"][0].Platform, "iPad")
}

// Sessions of a node past its alive_until are ignored by reads, and pruning
// deletes them with the node; renewing in time keeps them; a pruned node
// learns it when it renews again.
func testSessionsNodeLiveness(t *testing.T, s store.Store) {
	if renewNode(t, s, nodeA, 100) {
		t.Fatal("first renewal reports an existing row")
	}
	if !renewNode(t, s, nodeA, 200) {
		t.Fatal("second renewal reports no row")
	}
	renewNode(t, s, nodeB, 150)
	putSession(t, s, store.SessionRow{App: app1, User: "alice", Node: nodeA, Conn: 1, Platform: "Android", LoginAt: 1})
	putSession(t, s, store.SessionRow{App: app1, User: "alice", Node: nodeB, Conn: 1, Platform: "Android", LoginAt: 2})
	eq(t, "both alive at 149", len(liveSessions(t, s, app1, "alice", 149)), 2)
	// alive_until is exclusive: at 150 node B is dead.
	live := liveSessions(t, s, app1, "alice", 150)
	if len(live) != 1 || live[0].Node != nodeA {
		t.Fatalf("alive at 150: %+v, want node A's only", live)
	}
	online := get(t, s, func(ctx context.Context, tx store.Tx) (map[string][]store.SessionRow, error) {
		return tx.OnlineSessions(ctx, app1, []string{"alice"}, 150)
	})
	eq(t, "online at 150", len(online["alice"]), 1)

	var pruned int64
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		pruned, err = tx.PruneNodes(ctx, 150, 0)
		return err
	})
	eq(t, "pruned sessions", pruned, int64(1))
	// Node B's rows are gone: alive again, it has nothing, and knows it.
	if renewNode(t, s, nodeB, 1000) {
		t.Fatal("pruned node B reports an existing row")
	}
	live = liveSessions(t, s, app1, "alice", 150)
	if len(live) != 1 || live[0].Node != nodeA {
		t.Fatalf("after prune: %+v, want node A's only", live)
	}

	// A clean leave removes the node and its sessions.
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteNode(ctx, nodeA) })
	eq(t, "after node A left", len(liveSessions(t, s, app1, "alice", 0)), 0)
	if renewNode(t, s, nodeA, 1000) {
		t.Fatal("deleted node A reports an existing row")
	}
}

// Deleting by key removes those sessions only, marked or not.
func testSessionsDelete(t *testing.T, s store.Store) {
	renewNode(t, s, nodeA, 1000)
	renewNode(t, s, nodeB, 10)
	for i, node := range []uint64{nodeA, nodeB, nodeA} {
		putSession(t, s, store.SessionRow{App: app1, User: "alice", Node: node, Conn: uint64(i + 1), Platform: "Android"})
	}
	putSession(t, s, store.SessionRow{App: app1, User: "bob", Node: nodeA, Conn: 9, Platform: "Android"})
	markKicked(t, s, []store.SessionKey{{Node: nodeB, Conn: 2}}, "multiple_device", 5)
	var n int64
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		n, err = tx.DeleteSessions(ctx, []store.SessionKey{{Node: nodeA, Conn: 1}, {Node: nodeA, Conn: 42}, {Node: nodeB, Conn: 2}})
		return err
	})
	eq(t, "deleted by key", n, int64(2))
	eq(t, "left at 0", sessionConns(liveSessions(t, s, app1, "alice", 0)), []uint64{3})
	eq(t, "node B's marks after the delete", len(kickedSessions(t, s, nodeB, 10)), 0)
	eq(t, "bob stays", sessionConns(liveSessions(t, s, app1, "bob", 0)), []uint64{9})

	// Writes refused in a read.
	err := s.Read(t.Context(), func(tx store.Tx) error {
		_, err := tx.PutSession(t.Context(), store.SessionRow{App: app1, User: "x", Node: nodeA, Conn: 5})
		return err
	})
	if err == nil {
		t.Fatal("PutSession in a read succeeded")
	}
	err = s.Read(t.Context(), func(tx store.Tx) error {
		_, err := tx.KickUserSessions(t.Context(), app1, "bob", nodeB, "rest_api", 1)
		return err
	})
	if err == nil {
		t.Fatal("KickUserSessions in a read succeeded")
	}
}

func markKicked(t *testing.T, s store.Store, keys []store.SessionKey, reason string, at int64) int64 {
	t.Helper()
	var n int64
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		n, err = tx.MarkSessionsKicked(ctx, keys, reason, at)
		return err
	})
	return n
}

func kickedSessions(t *testing.T, s store.Store, node uint64, limit int) []store.SessionRow {
	t.Helper()
	return get(t, s, func(ctx context.Context, tx store.Tx) ([]store.SessionRow, error) {
		return tx.KickedSessions(ctx, node, limit)
	})
}

// A session marked kicked counts for nobody at once (not live, not online)
// but stays for its node, which finds it among its marked rows, oldest mark
// first, with the reason and time, until it deletes it; marking again keeps
// the first reason; re-putting the row (a node announcing its sessions
// again) keeps the mark.
func testSessionsMarkKicked(t *testing.T, s store.Store) {
	renewNode(t, s, nodeA, 1000)
	renewNode(t, s, nodeB, 1000)
	var rows []store.SessionRow
	for i := range 4 {
		rows = append(rows, putSession(t, s, store.SessionRow{App: app1, User: "alice", Node: nodeA, Conn: uint64(i + 1), Platform: "Android", LoginAt: int64(i)}))
	}
	putSession(t, s, store.SessionRow{App: app1, User: "alice", Node: nodeB, Conn: 1, Platform: "Android"})

	n := markKicked(t, s, []store.SessionKey{{Node: nodeA, Conn: 3}, {Node: nodeA, Conn: 99}}, "multiple_account", 20)
	eq(t, "marked", n, int64(1))
	n = markKicked(t, s, []store.SessionKey{{Node: nodeA, Conn: 1}, {Node: nodeA, Conn: 3}}, "multiple_device", 30)
	eq(t, "marked again (conn 3 already was)", n, int64(1))

	eq(t, "live after the marks", sessionConns(liveSessions(t, s, app1, "alice", 500)), []uint64{2, 4, 1})
	online := get(t, s, func(ctx context.Context, tx store.Tx) (map[string][]store.SessionRow, error) {
		return tx.OnlineSessions(ctx, app1, []string{"alice"}, 500)
	})
	eq(t, "online after the marks", sessionConns(online["alice"]), []uint64{2, 4, 1})

	want3, want1 := rows[2], rows[0]
	want3.KickedReason, want3.KickedAt = "multiple_account", 20
	want1.KickedReason, want1.KickedAt = "multiple_device", 30
	eq(t, "node A's marked rows", kickedSessions(t, s, nodeA, 10), []store.SessionRow{want3, want1})
	eq(t, "node A's first marked row", kickedSessions(t, s, nodeA, 1), []store.SessionRow{want3})
	eq(t, "node B's marked rows", len(kickedSessions(t, s, nodeB, 10)), 0)

	again := putSession(t, s, rows[2])
	marked := kickedSessions(t, s, nodeA, 10)
	if len(marked) != 2 || marked[0].Conn != 3 || marked[0].KickedReason != "multiple_account" || marked[0].Seq != again.Seq {
		t.Fatalf("after re-putting a marked row: %+v", marked)
	}
	eq(t, "live after the re-put", sessionConns(liveSessions(t, s, app1, "alice", 500)), []uint64{2, 4, 1})
}

// Kicking a user deletes its sessions of the kicking node, marks those of
// every other node, alive or not, with the reason, leaves rows marked
// already as they were, and returns what it deleted or marked; other users
// and apps are untouched.
func testSessionsKickUser(t *testing.T, s store.Store) {
	renewNode(t, s, nodeA, 1000)
	renewNode(t, s, nodeB, 10)
	const nodeC uint64 = 0x8000_0000_0000_0000
	renewNode(t, s, nodeC, 1000)
	for i, node := range []uint64{nodeA, nodeB, nodeA, nodeC} {
		putSession(t, s, store.SessionRow{App: app1, User: "alice", Node: node, Conn: uint64(i + 1), Platform: "Android"})
	}
	putSession(t, s, store.SessionRow{App: app1, User: "bob", Node: nodeC, Conn: 9, Platform: "Android"})
	putSession(t, s, store.SessionRow{App: app2, User: "alice", Node: nodeC, Conn: 10, Platform: "Android"})
	markKicked(t, s, []store.SessionKey{{Node: nodeC, Conn: 4}}, "multiple_device", 5)

	var gone []store.SessionRow
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		gone, err = tx.KickUserSessions(ctx, app1, "alice", nodeA, "rest_api", 50)
		return err
	})
	got := map[store.SessionKey]string{}
	for _, g := range gone {
		if g.User != "alice" || g.App != app1 || g.Platform != "Android" || g.KickedAt != 50 {
			t.Fatalf("returned row %+v", g)
		}
		got[store.SessionKey{Node: g.Node, Conn: g.Conn}] = g.KickedReason
	}
	eq(t, "kicked sessions", got, map[store.SessionKey]string{
		{Node: nodeA, Conn: 1}: "rest_api", {Node: nodeB, Conn: 2}: "rest_api", {Node: nodeA, Conn: 3}: "rest_api"})
	eq(t, "alice live", len(liveSessions(t, s, app1, "alice", 0)), 0)
	eq(t, "node A keeps no mark (it kicks its own)", len(kickedSessions(t, s, nodeA, 10)), 0)
	b := kickedSessions(t, s, nodeB, 10)
	if len(b) != 1 || b[0].Conn != 2 || b[0].KickedReason != "rest_api" || b[0].KickedAt != 50 {
		t.Fatalf("node B's marked rows: %+v", b)
	}
	c := kickedSessions(t, s, nodeC, 10)
	if len(c) != 1 || c[0].Conn != 4 || c[0].KickedReason != "multiple_device" || c[0].KickedAt != 5 {
		t.Fatalf("node C's marked rows (the earlier mark stands): %+v", c)
	}
	eq(t, "bob stays", sessionConns(liveSessions(t, s, app1, "bob", 0)), []uint64{9})
	eq(t, "app2 alice stays", sessionConns(liveSessions(t, s, app2, "alice", 0)), []uint64{10})
}

// Pruning a dead node keeps its sessions marked kicked at or after
// kickedBefore (so the node, back from a partition, still ends them) and
// deletes its other ones; a clean leave deletes the marked ones too.
func testSessionsPruneKeepsRecentKicks(t *testing.T, s store.Store) {
	renewNode(t, s, nodeA, 1000)
	renewNode(t, s, nodeB, 100)
	for conn := range uint64(3) {
		putSession(t, s, store.SessionRow{App: app1, User: "alice", Node: nodeB, Conn: conn + 1, Platform: "Android"})
	}
	putSession(t, s, store.SessionRow{App: app1, User: "alice", Node: nodeA, Conn: 1, Platform: "Android"})
	markKicked(t, s, []store.SessionKey{{Node: nodeB, Conn: 1}}, "multiple_device", 40)
	markKicked(t, s, []store.SessionKey{{Node: nodeB, Conn: 2}}, "rest_api", 60)
	markKicked(t, s, []store.SessionKey{{Node: nodeA, Conn: 1}}, "rest_api", 10)

	var pruned int64
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		pruned, err = tx.PruneNodes(ctx, 200, 50)
		return err
	})
	eq(t, "pruned sessions (node B's live one and its old mark)", pruned, int64(2))
	b := kickedSessions(t, s, nodeB, 10)
	if len(b) != 1 || b[0].Conn != 2 || b[0].KickedReason != "rest_api" {
		t.Fatalf("node B's marks after the prune: %+v", b)
	}
	eq(t, "live node A's old mark stays", sessionConns(kickedSessions(t, s, nodeA, 10)), []uint64{1})
	if renewNode(t, s, nodeB, 1000) {
		t.Fatal("pruned node B reports an existing row")
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteNode(ctx, nodeB) })
	eq(t, "node B's marks after it left", len(kickedSessions(t, s, nodeB, 10)), 0)
}

// Logins of one user racing on several writers, each under the user's
// account lock, get distinct seqs: the policy's "oldest" is well defined.
func testSessionsConcurrentLogins(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error { return createAccounts(ctx, tx, app1, "hot") })
	renewNode(t, s, nodeA, 1000)
	const logins = 16
	var wg sync.WaitGroup
	errs := make(chan error, logins)
	for i := range logins {
		wg.Go(func() {
			errs <- s.Write(t.Context(), func(tx store.Tx) error {
				if err := tx.LockAccounts(t.Context(), app1, "hot"); err != nil {
					return err
				}
				_, err := tx.PutSession(t.Context(), store.SessionRow{App: app1, User: "hot", Node: nodeA, Conn: uint64(i + 1), Platform: "Web"})
				return err
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	seen := map[uint64]bool{}
	for _, r := range liveSessions(t, s, app1, "hot", 0) {
		seen[r.Seq] = true
	}
	for seq := uint64(1); seq <= logins; seq++ {
		if !seen[seq] {
			t.Fatalf("seqs %v: %d missing", seen, seq)
		}
	}
}
