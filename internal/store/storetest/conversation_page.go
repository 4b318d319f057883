package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

// testConversationPage walks alice's list page by page through the keyset
// cursor and checks it against the list's order written out by hand:
// pinned first, then by last time (newest first), then by peer; deleted
// conversations out, empty ones only when asked for; filters by marks and
// by group; get_list's (BeforeTime, Offset) cursor; the unread total.
func testConversationPage(t *testing.T, s store.Store) {
	peers := []string{"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"}
	key := func(p string) string { return "c2c:alice:" + p }
	var group int64
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		if err := createAccounts(ctx, tx, app1, append([]string{"alice"}, peers...)...); err != nil {
			return err
		}
		// p0..p7 get one message each from the peer; p2 and p3 share a
		// time (the peer breaks the tie), p6 is two messages.
		times := []int64{5000, 6000, 7000, 7000, 3000, 8000, 4000, 2000}
		for i, at := range times {
			if err := appendMessages(ctx, tx, convMsg(app1, peers[i], "alice", at)); err != nil {
				return err
			}
		}
		if err := appendMessages(ctx, tx, convMsg(app1, "p6", "alice", 4001)); err != nil {
			return err
		}
		if err := tx.SetConversationPin(ctx, app1, "alice", key("p0"), 1); err != nil {
			return err
		}
		if err := tx.SetConversationPin(ctx, app1, "alice", key("p4"), 2); err != nil {
			return err
		}
		// p7 deleted: out of the list. p8 pinned before any message:
		// empty. p1 read: no unread.
		if _, err := tx.DeleteConversation(ctx, app1, "alice", key("p7"), false); err != nil {
			return err
		}
		if err := tx.ShowConversation(ctx, app1, "alice", key("p8"), "p8"); err != nil {
			return err
		}
		if err := tx.SetConversationPin(ctx, app1, "alice", key("p8"), 3); err != nil {
			return err
		}
		if err := tx.SetReadSeq(ctx, app1, "alice", key("p1"), 1); err != nil {
			return err
		}
		for _, m := range []store.ConversationMark{
			{App: app1, Owner: "alice", ConvID: "c2c_p2", Marks: 1 | 1<<63},
			{App: app1, Owner: "alice", ConvID: "c2c_p5", Marks: 1},
			{App: app1, Owner: "alice", ConvID: "c2c_p6", Marks: 2},
		} {
			if err := tx.PutConversationMark(ctx, m); err != nil {
				return err
			}
		}
		if group, err = tx.CreateConversationGroup(ctx, app1, "alice", "g", 1); err != nil {
			return err
		}
		return tx.AddToConversationGroup(ctx, app1, "alice", group, []string{"c2c_p3", "c2c_p6", "c2c_p9"}, 1)
	})
	walk := func(q store.ConversationPageQuery, size int) (peers []string, unread int) {
		t.Helper()
		q.Limit = size
		for range 20 {
			page := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.ConversationEntry, error) {
				return tx.ConversationPage(ctx, app1, "alice", q)
			})
			for _, e := range page {
				peers = append(peers, e.Peer)
				unread += e.Unread
			}
			if len(page) < size {
				return peers, unread
			}
			last := page[len(page)-1]
			q.After = &store.ConversationPos{Pinned: last.PinnedAt > 0, LastTime: last.LastTime, ConvID: "c2c_" + last.Peer}
		}
		t.Fatalf("paging %+v did not end", q)
		return nil, 0
	}
	check := func(what string, got, want []string) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
	}
	full := []string{"p0", "p4", "p8", "p5", "p2", "p3", "p1", "p6"}
	for _, size := range []int{1, 3, 100} {
		got, unread := walk(store.ConversationPageQuery{PinnedFirst: true, IncludeEmpty: true}, size)
		check(fmt.Sprintf("pinned first, pages of %d", size), got, full)
		if unread != 7 {
			t.Errorf("pages of %d: unread %d, want 7 (p6 has two, p1 none)", size, unread)
		}
	}
	got, _ := walk(store.ConversationPageQuery{PinnedFirst: true}, 2)
	check("without empty", got, []string{"p0", "p4", "p5", "p2", "p3", "p1", "p6"})
	got, _ = walk(store.ConversationPageQuery{}, 2)
	check("by time only", got, []string{"p5", "p2", "p3", "p1", "p0", "p6", "p4"})
	got, _ = walk(store.ConversationPageQuery{Pins: store.PinsOnly, IncludeEmpty: true}, 2)
	check("pinned only", got, []string{"p0", "p4", "p8"})
	got, _ = walk(store.ConversationPageQuery{Pins: store.PinsExcluded}, 2)
	check("unpinned only", got, []string{"p5", "p2", "p3", "p1", "p6"})
	got, _ = walk(store.ConversationPageQuery{PinnedFirst: true, IncludeEmpty: true, MarkType: 1}, 1)
	check("star", got, []string{"p5", "p2"})
	got, _ = walk(store.ConversationPageQuery{PinnedFirst: true, IncludeEmpty: true, MarkType: 1 | 1<<63}, 1)
	check("star and custom bit 63", got, []string{"p2"})
	got, _ = walk(store.ConversationPageQuery{PinnedFirst: true, IncludeEmpty: true, GroupID: group}, 1)
	check("group (p9 has no conversation)", got, []string{"p3", "p6"})
	// get_list's cursor: before 7000 ms, skipping one.
	page := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.ConversationEntry, error) {
		return tx.ConversationPage(ctx, app1, "alice", store.ConversationPageQuery{Pins: store.PinsExcluded, BeforeTime: 7000, Offset: 1, Limit: 2})
	})
	var gotPeers []string
	for _, e := range page {
		gotPeers = append(gotPeers, e.Peer)
	}
	check("before 7000, offset 1", gotPeers, []string{"p6"})
	total := get(t, s, func(ctx context.Context, tx store.Tx) (int, error) {
		return tx.ConversationUnreadTotal(ctx, app1, "alice")
	})
	eq(t, "unread total", total, 7)
	none := get(t, s, func(ctx context.Context, tx store.Tx) (int, error) {
		return tx.ConversationUnreadTotal(ctx, app1, "p9")
	})
	eq(t, "unread total without conversations", none, 0)
}
