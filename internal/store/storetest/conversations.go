package storetest

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

// convMsg is a message from sender to receiver in their conversation key.
func convMsg(app store.AppID, sender, receiver string, at int64) store.Message {
	a, b := sender, receiver
	if b < a {
		a, b = b, a
	}
	return store.Message{App: app, ConvKey: "c2c:" + a + ":" + b, Sender: sender, Receiver: receiver, Random: 1,
		SentAt: at, Body: []byte(`{"MsgBody":[]}`), ExpiresAt: 9_999_999_999}
}

func appendMessages(ctx context.Context, tx store.Tx, ms ...store.Message) error {
	for _, m := range ms {
		m.ClientKey = fmt.Sprintf("k%d-%s", m.SentAt, m.Sender)
		if _, _, err := tx.AppendMessage(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// entrySummary is what the list tests compare: everything but App/Owner.
type entrySummary struct {
	Key                               string
	Peer                              string
	LastSeq, ReadSeq, Cleared, Hidden uint64
	LastTime, PinnedAt, DraftTime     int64
	Unread                            int
	Draft                             string
}

func entries(t *testing.T, s store.Store, app store.AppID, owner string, keys []string) map[string]entrySummary {
	t.Helper()
	es := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.ConversationEntry, error) {
		return tx.ConversationEntries(ctx, app, owner, keys)
	})
	out := map[string]entrySummary{}
	for _, e := range es {
		if e.App != app || e.Owner != owner {
			t.Errorf("entry %s: app/owner %d/%s", e.ConvKey, e.App, e.Owner)
		}
		out[e.ConvKey] = entrySummary{e.ConvKey, e.Peer, e.LastSeq, e.ReadSeq, e.ClearedSeq, e.HiddenSeq,
			e.LastTime, e.PinnedAt, e.DraftTime, e.Unread, e.Draft}
	}
	return out
}

func testConversationEntries(t *testing.T, s store.Store) {
	const ab, ac, ad = "c2c:alice:bob", "c2c:alice:carol", "c2c:alice:dave"
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return createAccounts(ctx, tx, app1, "alice", "bob", "carol", "dave") },
			func() error {
				return appendMessages(ctx, tx,
					convMsg(app1, "bob", "alice", 1000), convMsg(app1, "bob", "alice", 1001),
					convMsg(app1, "alice", "bob", 1002), convMsg(app1, "carol", "alice", 2000))
			},
			func() error { return tx.SetReadSeq(ctx, app1, "alice", ab, 1) },
			func() error { return tx.SetConversationPin(ctx, app1, "alice", ac, 55) },
			func() error { return tx.SetConversationDraft(ctx, app1, "alice", ab, "half a thought", 77) },
			// A conversation with no message yet, as a pin or draft starts it.
			func() error { return tx.ShowConversation(ctx, app1, "alice", ad, "dave") },
			func() error { return tx.SetConversationDraft(ctx, app1, "alice", ad, "hi dave", 88) },
		)
	})
	want := map[string]entrySummary{
		ab: {Key: ab, Peer: "bob", LastSeq: 3, ReadSeq: 1, LastTime: 1002, Unread: 1, Draft: "half a thought", DraftTime: 77},
		ac: {Key: ac, Peer: "carol", LastSeq: 1, LastTime: 2000, Unread: 1, PinnedAt: 55},
		ad: {Key: ad, Peer: "dave", Draft: "hi dave", DraftTime: 88},
	}
	eq(t, "alice's entries", entries(t, s, app1, "alice", nil), want)
	eq(t, "alice's entries by key", entries(t, s, app1, "alice", []string{ac, "c2c:alice:nobody"}), map[string]entrySummary{ac: want[ac]})
	eq(t, "alice's entries, no key", entries(t, s, app1, "alice", []string{}), map[string]entrySummary{})
	eq(t, "bob's entries", entries(t, s, app1, "bob", nil), map[string]entrySummary{
		ab: {Key: ab, Peer: "alice", LastSeq: 3, LastTime: 1002, Unread: 1},
	})
	eq(t, "other app", entries(t, s, app2, "alice", nil), map[string]entrySummary{})

	// Many conversations: unread is counted for the whole list at once.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		var ms []store.Message
		for i, u := range ids("peer", 12) {
			if err := createAccounts(ctx, tx, app1, u); err != nil {
				return err
			}
			ms = append(ms, convMsg(app1, u, "zed", int64(3000+i)), convMsg(app1, u, "zed", int64(3100+i)))
		}
		return appendMessages(ctx, tx, ms...)
	})
	many := entries(t, s, app1, "zed", nil)
	if len(many) != 12 {
		t.Fatalf("zed has %d entries, want 12", len(many))
	}
	for k, e := range many {
		if e.Unread != 2 || e.LastSeq != 2 {
			t.Errorf("zed's %s: %+v, want 2 unread of 2", k, e)
		}
	}
	// Clearing a draft clears its time; unpinning.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return tx.SetConversationDraft(ctx, app1, "alice", ab, "", 99) },
			func() error { return tx.SetConversationPin(ctx, app1, "alice", ac, 0) },
		)
	})
	got := entries(t, s, app1, "alice", []string{ab, ac})
	eq(t, "draft cleared", [2]any{got[ab].Draft, got[ab].DraftTime}, [2]any{"", int64(0)})
	eq(t, "unpinned", got[ac].PinnedAt, int64(0))
}

func testConversationDelete(t *testing.T, s store.Store) {
	const ab, ad = "c2c:alice:bob", "c2c:alice:dave"
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return createAccounts(ctx, tx, app1, "alice", "bob", "dave") },
			func() error {
				return appendMessages(ctx, tx, convMsg(app1, "bob", "alice", 1000), convMsg(app1, "bob", "alice", 1001))
			},
			func() error { return tx.SetConversationPin(ctx, app1, "alice", ab, 5) },
			func() error { return tx.SetConversationDraft(ctx, app1, "alice", ab, "draft", 6) },
			func() error { return tx.ShowConversation(ctx, app1, "alice", ad, "dave") },
		)
	})
	var was, wasEmpty, again, unknown bool
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() (err error) { was, err = tx.DeleteConversation(ctx, app1, "alice", ab, false); return },
			func() (err error) { wasEmpty, err = tx.DeleteConversation(ctx, app1, "alice", ad, false); return },
			func() (err error) { again, err = tx.DeleteConversation(ctx, app1, "alice", ab, false); return },
			func() (err error) {
				unknown, err = tx.DeleteConversation(ctx, app1, "alice", "c2c:alice:nobody", true)
				return
			},
		)
	})
	eq(t, "delete results (in list, empty, again, unknown)", []bool{was, wasEmpty, again, unknown}, []bool{true, true, false, false})
	eq(t, "alice's list after deleting both", entries(t, s, app1, "alice", nil), map[string]entrySummary{})
	// bob's side is untouched.
	eq(t, "bob's list", len(entries(t, s, app1, "bob", nil)), 1)

	// The history is still there (no clear): the cleared cursor did not move.
	conv := get(t, s, func(ctx context.Context, tx store.Tx) (store.Conversation, error) {
		c, _, err := tx.Conversation(ctx, app1, "alice", ab)
		return c, err
	})
	eq(t, "after delete: hidden, read, cleared", [3]uint64{conv.HiddenSeq, conv.ReadSeq, conv.ClearedSeq}, [3]uint64{2, 2, 0})

	// A newer message brings it back, unpinned, without draft, with only
	// the new message unread.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return appendMessages(ctx, tx, convMsg(app1, "bob", "alice", 1002))
	})
	eq(t, "back after a new message", entries(t, s, app1, "alice", nil), map[string]entrySummary{
		ab: {Key: ab, Peer: "bob", LastSeq: 3, ReadSeq: 2, Hidden: 2, LastTime: 1002, Unread: 1},
	})

	// Deleting with the history: cleared up to the last message.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.DeleteConversation(ctx, app1, "alice", ab, true)
		return err
	})
	conv = get(t, s, func(ctx context.Context, tx store.Tx) (store.Conversation, error) {
		c, _, err := tx.Conversation(ctx, app1, "alice", ab)
		return c, err
	})
	eq(t, "after delete with history: hidden, read, cleared", [3]uint64{conv.HiddenSeq, conv.ReadSeq, conv.ClearedSeq}, [3]uint64{3, 3, 3})

	// Showing it again (a pin) undoes the deletion: it is in the list, empty.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.ShowConversation(ctx, app1, "alice", ab, "bob")
	})
	eq(t, "shown again", entries(t, s, app1, "alice", nil), map[string]entrySummary{
		ab: {Key: ab, Peer: "bob", LastSeq: 3, ReadSeq: 3, Cleared: 3, LastTime: 1002},
	})
	// The first message after a view made by a pin keeps that view.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return tx.ShowConversation(ctx, app1, "alice", ad, "dave") },
			func() error { return tx.SetConversationPin(ctx, app1, "alice", ad, 9) },
			func() error { return appendMessages(ctx, tx, convMsg(app1, "dave", "alice", 5000)) },
		)
	})
	eq(t, "pinned before the first message", entries(t, s, app1, "alice", []string{ad}), map[string]entrySummary{
		ad: {Key: ad, Peer: "dave", LastSeq: 1, LastTime: 5000, PinnedAt: 9, Unread: 1},
	})
	eq(t, "dave's view made by the message", entries(t, s, app1, "dave", nil), map[string]entrySummary{
		ad: {Key: ad, Peer: "alice", LastSeq: 1, LastTime: 5000},
	})
}

func testConversationMarks(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error { return createAccounts(ctx, tx, app1, "alice", "bob") })
	const top = uint64(1) << 63
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error {
				return tx.PutConversationMark(ctx, store.ConversationMark{App: app1, Owner: "alice", ConvID: "c2c_bob", Marks: 1 | top, UpdatedAt: 10})
			},
			func() error {
				return tx.PutConversationMark(ctx, store.ConversationMark{App: app1, Owner: "alice", ConvID: "c2c_carol", CustomMark: "vip", UpdatedAt: 11})
			},
			func() error {
				return tx.PutConversationMark(ctx, store.ConversationMark{App: app1, Owner: "alice", ConvID: "c2c_amy", Marks: 4, UpdatedAt: 12})
			},
			func() error {
				return tx.PutConversationMark(ctx, store.ConversationMark{App: app1, Owner: "bob", ConvID: "c2c_alice", Marks: 2, UpdatedAt: 13})
			},
			func() error {
				return tx.PutConversationMark(ctx, store.ConversationMark{App: app2, Owner: "alice", ConvID: "c2c_bob", Marks: 8, UpdatedAt: 14})
			},
		)
	})
	marks := func(app store.AppID, owner string, convIDs []string) []store.ConversationMark {
		return get(t, s, func(ctx context.Context, tx store.Tx) ([]store.ConversationMark, error) {
			return tx.ConversationMarks(ctx, app, owner, convIDs)
		})
	}
	m := func(owner, id string, bits uint64, custom string, at int64, groups ...int64) store.ConversationMark {
		return store.ConversationMark{App: app1, Owner: owner, ConvID: id, Marks: bits, CustomMark: custom, UpdatedAt: at, Groups: groups}
	}
	eq(t, "alice's marks, by conversation ID", marks(app1, "alice", nil), []store.ConversationMark{
		m("alice", "c2c_amy", 4, "", 12), m("alice", "c2c_bob", 1|top, "", 10), m("alice", "c2c_carol", 0, "vip", 11),
	})
	eq(t, "alice's marks of some", marks(app1, "alice", []string{"c2c_carol", "c2c_nobody", "c2c_bob"}), []store.ConversationMark{
		m("alice", "c2c_bob", 1|top, "", 10), m("alice", "c2c_carol", 0, "vip", 11),
	})
	eq(t, "marks of no conversation", marks(app1, "alice", []string{}), []store.ConversationMark(nil))
	eq(t, "other app", marks(app2, "alice", nil), []store.ConversationMark{
		{App: app2, Owner: "alice", ConvID: "c2c_bob", Marks: 8, UpdatedAt: 14},
	})
	count := get(t, s, func(ctx context.Context, tx store.Tx) (int, error) {
		return tx.CountConversationMarks(ctx, app1, "alice")
	})
	eq(t, "alice's count", count, 3)

	// Replacing, and clearing everything removes the data.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return tx.PutConversationMark(ctx, m("alice", "c2c_bob", 2, "x", 20)) },
			func() error { return tx.PutConversationMark(ctx, m("alice", "c2c_amy", 0, "", 21)) },
		)
	})
	eq(t, "after replace and clear", marks(app1, "alice", nil), []store.ConversationMark{
		m("alice", "c2c_bob", 2, "x", 20), m("alice", "c2c_carol", 0, "vip", 11),
	})

	// Many conversations across the IN-list chunks.
	var want []store.ConversationMark
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		for i, u := range ids("many", 450) {
			mk := store.ConversationMark{App: app1, Owner: "bob", ConvID: "c2c_" + u, Marks: uint64(i + 1), UpdatedAt: 1}
			if err := tx.PutConversationMark(ctx, mk); err != nil {
				return err
			}
		}
		return nil
	})
	var query []string
	for i, u := range ids("many", 450) {
		if i%2 == 0 {
			query = append(query, "c2c_"+u)
			want = append(want, store.ConversationMark{App: app1, Owner: "bob", ConvID: "c2c_" + u, Marks: uint64(i + 1), UpdatedAt: 1})
		}
	}
	sort.Slice(want, func(i, j int) bool { return want[i].ConvID < want[j].ConvID })
	eq(t, "bob's marks of 225 conversations", marks(app1, "bob", query), want)
}

func testConversationGroups(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error { return createAccounts(ctx, tx, app1, "alice", "bob") })
	var work, home, other int64
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() (err error) { work, err = tx.CreateConversationGroup(ctx, app1, "alice", "work", 100); return },
			func() (err error) { home, err = tx.CreateConversationGroup(ctx, app1, "alice", "home", 101); return },
			func() (err error) { other, err = tx.CreateConversationGroup(ctx, app1, "bob", "work", 102); return },
			func() error {
				return tx.AddToConversationGroup(ctx, app1, "alice", work, []string{"c2c_bob", "c2c_carol", "c2c_bob"}, 200)
			},
			func() error { return tx.AddToConversationGroup(ctx, app1, "alice", home, []string{"c2c_carol"}, 201) },
			func() error {
				return tx.PutConversationMark(ctx, store.ConversationMark{App: app1, Owner: "alice", ConvID: "c2c_carol", Marks: 1, UpdatedAt: 202})
			},
		)
	})
	eq(t, "group IDs (alice work, home, bob work)", []int64{work, home, other}, []int64{1, 2, 1})
	groups := func(owner string) []store.ConversationGroup {
		return get(t, s, func(ctx context.Context, tx store.Tx) ([]store.ConversationGroup, error) {
			return tx.ConversationGroups(ctx, app1, owner)
		})
	}
	marks := func(owner string) []store.ConversationMark {
		return get(t, s, func(ctx context.Context, tx store.Tx) ([]store.ConversationMark, error) {
			return tx.ConversationMarks(ctx, app1, owner, nil)
		})
	}
	eq(t, "alice's groups", groups("alice"), []store.ConversationGroup{
		{ID: 1, Name: "work", CreatedAt: 100, Members: []string{"c2c_bob", "c2c_carol"}},
		{ID: 2, Name: "home", CreatedAt: 101, Members: []string{"c2c_carol"}},
	})
	eq(t, "alice's group/mark data", marks("alice"), []store.ConversationMark{
		{App: app1, Owner: "alice", ConvID: "c2c_bob", UpdatedAt: 200, Groups: []int64{1}},
		{App: app1, Owner: "alice", ConvID: "c2c_carol", Marks: 1, UpdatedAt: 202, Groups: []int64{1, 2}},
	})
	eq(t, "bob's groups", groups("bob"), []store.ConversationGroup{{ID: 1, Name: "work", CreatedAt: 102}})

	// Rename; remove; delete a group: data with no mark and no group goes,
	// a marked conversation stays.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return tx.RenameConversationGroup(ctx, app1, "alice", home, "family") },
			func() error {
				return tx.RemoveFromConversationGroup(ctx, app1, "alice", home, []string{"c2c_carol", "c2c_nobody"}, 300)
			},
			func() error { return tx.DeleteConversationGroup(ctx, app1, "alice", work, 301) },
		)
	})
	eq(t, "alice's groups after", groups("alice"), []store.ConversationGroup{{ID: 2, Name: "family", CreatedAt: 101}})
	eq(t, "alice's data after", marks("alice"), []store.ConversationMark{
		{App: app1, Owner: "alice", ConvID: "c2c_carol", Marks: 1, UpdatedAt: 301},
	})
	// The next ID follows the highest.
	var next int64
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		next, err = tx.CreateConversationGroup(ctx, app1, "alice", "again", 400)
		return
	})
	eq(t, "next group ID", next, int64(3))

	// Deleting the account removes its groups and data.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return tx.AddToConversationGroup(ctx, app1, "alice", next, []string{"c2c_bob"}, 500) },
			func() error { _, err := tx.DeleteAccount(ctx, app1, "alice"); return err },
		)
	})
	eq(t, "groups of a deleted account", groups("alice"), []store.ConversationGroup(nil))
	eq(t, "data of a deleted account", marks("alice"), []store.ConversationMark(nil))
	eq(t, "bob's groups stay", len(groups("bob")), 1)
}

// testConversationsReadOnly checks the conversation writes refuse to run in
// a Read.
func testConversationsReadOnly(t *testing.T, s store.Store) {
	ctx := t.Context()
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return createAccounts(ctx, tx, app1, "alice", "bob") },
			func() error { return appendMessages(ctx, tx, convMsg(app1, "bob", "alice", 1)) },
			func() error { _, err := tx.CreateConversationGroup(ctx, app1, "alice", "g", 1); return err },
		)
	})
	const ab = "c2c:alice:bob"
	writes := []struct {
		name string
		fn   func(tx store.Tx) error
	}{
		{"ShowConversation", func(tx store.Tx) error { return tx.ShowConversation(ctx, app1, "alice", "c2c:alice:x", "x") }},
		{"SetConversationPin", func(tx store.Tx) error { return tx.SetConversationPin(ctx, app1, "alice", ab, 1) }},
		{"SetConversationDraft", func(tx store.Tx) error { return tx.SetConversationDraft(ctx, app1, "alice", ab, "d", 1) }},
		{"DeleteConversation", func(tx store.Tx) error { _, err := tx.DeleteConversation(ctx, app1, "alice", ab, true); return err }},
		{"PutConversationMark", func(tx store.Tx) error {
			return tx.PutConversationMark(ctx, store.ConversationMark{App: app1, Owner: "alice", ConvID: "c2c_bob", Marks: 1})
		}},
		{"CreateConversationGroup", func(tx store.Tx) error { _, err := tx.CreateConversationGroup(ctx, app1, "alice", "h", 1); return err }},
		{"DeleteConversationGroup", func(tx store.Tx) error { return tx.DeleteConversationGroup(ctx, app1, "alice", 1, 1) }},
		{"RenameConversationGroup", func(tx store.Tx) error { return tx.RenameConversationGroup(ctx, app1, "alice", 1, "x") }},
		{"AddToConversationGroup", func(tx store.Tx) error {
			return tx.AddToConversationGroup(ctx, app1, "alice", 1, []string{"c2c_bob"}, 1)
		}},
		{"RemoveFromConversationGroup", func(tx store.Tx) error {
			return tx.RemoveFromConversationGroup(ctx, app1, "alice", 1, []string{"c2c_bob"}, 1)
		}},
	}
	for _, w := range writes {
		if err := s.Read(ctx, w.fn); err == nil {
			t.Errorf("%s inside Read succeeded, want an error", w.name)
		}
	}
	eq(t, "alice's list after writes attempted in Read", entries(t, s, app1, "alice", nil), map[string]entrySummary{
		ab: {Key: ab, Peer: "bob", LastSeq: 1, LastTime: 1, Unread: 1},
	})
	groups := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.ConversationGroup, error) {
		return tx.ConversationGroups(ctx, app1, "alice")
	})
	eq(t, "alice's groups after writes attempted in Read", groups, []store.ConversationGroup{{ID: 1, Name: "g", CreatedAt: 1}})
}
