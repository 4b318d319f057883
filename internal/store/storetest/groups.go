package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

const g1 = "group:g1"

// groupMsg is a message from sender to group g1 with its own client key.
func groupMsg(sender, key string, flags int, at int64) store.Message {
	return store.Message{App: app1, ConvKey: g1, Sender: sender, Receiver: "ignored", Random: 7, ClientKey: key, SentAt: at,
		Flags: flags, Body: []byte(`{"MsgBody":[]}`), ExpiresAt: 9_999_999_999}
}

func groupView(t *testing.T, s store.Store, owner string) (store.Conversation, bool) {
	t.Helper()
	type view struct {
		c  store.Conversation
		ok bool
	}
	v := get(t, s, func(ctx context.Context, tx store.Tx) (view, error) {
		c, ok, err := tx.Conversation(ctx, app1, owner, g1)
		return view{c, ok}, err
	})
	return v.c, v.ok
}

func unreadOf(t *testing.T, s store.Store, owner string) int {
	t.Helper()
	c, ok := groupView(t, s, owner)
	if !ok {
		t.Fatalf("%s has no view of %s", owner, g1)
	}
	return c.Unread
}

// testGroupMessages: a group's messages are stored once with the group's
// own seq (no gaps, a retry is the first attempt), members join at the
// current seq, and each member's unread is derived from seqs and counters:
// the messages after the read cursor less their own and those excluded from
// unread, wherever the cursor is moved to.
func testGroupMessages(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := createAccounts(ctx, tx, app1, "alice", "bob", "carol"); err != nil {
			return err
		}
		created, err := tx.CreateGroup(ctx, store.Group{App: app1, ID: "g1", Type: "Public", CreatedAt: 100})
		if err != nil || !created {
			return fmt.Errorf("create: %v %v", created, err)
		}
		if again, err := tx.CreateGroup(ctx, store.Group{App: app1, ID: "g1", Type: "Work", CreatedAt: 200}); err != nil || again {
			return fmt.Errorf("create again: %v %v", again, err)
		}
		for _, u := range []string{"alice", "bob"} {
			if ok, err := tx.JoinGroup(ctx, app1, "g1", u, 100); err != nil || !ok {
				return fmt.Errorf("join %s: %v %v", u, ok, err)
			}
		}
		if ok, err := tx.JoinGroup(ctx, app1, "g1", "alice", 101); err != nil || ok {
			return fmt.Errorf("join twice: %v %v", ok, err)
		}
		if ok, err := tx.JoinGroup(ctx, app1, "nope", "alice", 101); err != nil || ok {
			return fmt.Errorf("join a missing group: %v %v", ok, err)
		}
		// 1 bob, 2 bob, 3 alice, 4 bob (excluded from unread), 5 bob.
		for i, m := range []store.Message{groupMsg("bob", "b1", 0, 1000), groupMsg("bob", "b2", 0, 2000), groupMsg("alice", "a1", 0, 3000),
			groupMsg("bob", "b3", store.MessageExcludedFromUnread, 4000), groupMsg("bob", "b4", 0, 5000)} {
			stored, dup, err := tx.AppendMessage(ctx, m)
			if err != nil || dup || stored.Seq != uint64(i+1) || stored.Receiver != "" {
				return fmt.Errorf("append %d: %+v %v %v", i, stored, dup, err)
			}
		}
		// A retry is the first attempt and takes no seq.
		stored, dup, err := tx.AppendMessage(ctx, groupMsg("bob", "b2", 0, 9000))
		if err != nil || !dup || stored.Seq != 2 || stored.SentAt != 2000 {
			return fmt.Errorf("retry: %+v %v %v", stored, dup, err)
		}
		if _, _, err := tx.AppendMessage(ctx, store.Message{App: app1, ConvKey: "group:nope", Sender: "bob", ClientKey: "x",
			Body: []byte(`{}`)}); !errors.Is(err, store.ErrNoGroup) {
			return fmt.Errorf("append to a missing group: %v", err)
		}
		// carol joins at seq 5: nothing before counts for her.
		if ok, err := tx.JoinGroup(ctx, app1, "g1", "carol", 102); err != nil || !ok {
			return fmt.Errorf("join carol: %v %v", ok, err)
		}
		_, _, err = tx.AppendMessage(ctx, groupMsg("bob", "b5", 0, 6000))
		return err
	})
	g := get(t, s, func(ctx context.Context, tx store.Tx) (store.Group, error) {
		g, _, err := tx.Group(ctx, app1, "g1")
		return g, err
	})
	eq(t, "group", g, store.Group{App: app1, ID: "g1", Type: "Public", LastSeq: 6, LastTime: 6000, CreatedAt: 100, MemberCount: 3})
	msgs := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Message, error) {
		return tx.QueryMessages(ctx, app1, store.MessageQuery{ConvKey: g1, Limit: 100})
	})
	eq(t, "group seqs", seqsOf(msgs), []uint64{1, 2, 3, 4, 5, 6})
	if msgs[0].ConvKey != g1 || msgs[0].Sender != "bob" || msgs[0].Receiver != "" {
		t.Errorf("group message read back as %+v", msgs[0])
	}

	// alice: 1, 2, 5, 6 (3 is hers, 4 excluded). bob: 3. carol: 6.
	eq(t, "alice unread", unreadOf(t, s, "alice"), 4)
	eq(t, "bob unread", unreadOf(t, s, "bob"), 1)
	eq(t, "carol unread", unreadOf(t, s, "carol"), 1)
	c, _ := groupView(t, s, "carol")
	eq(t, "carol's join seq", c.JoinSeq, uint64(5))

	// The cursor moved to seqs in between: the counters at that seq.
	for _, step := range []struct {
		seq    uint64
		unread int
	}{{2, 2}, {3, 2}, {4, 2}, {1, 2}, {5, 1}, {99, 0}} {
		write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.SetReadSeq(ctx, app1, "alice", g1, step.seq) })
		eq(t, fmt.Sprintf("alice unread read to %d", step.seq), unreadOf(t, s, "alice"), step.unread)
	}
	c, _ = groupView(t, s, "alice")
	eq(t, "alice read seq capped at the last", c.ReadSeq, uint64(6))

	// bob reads up to 2: 3 is alice's, 4 and 5 his, 6 his: unread 1.
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.SetReadSeq(ctx, app1, "bob", g1, 2) })
	eq(t, "bob unread read to 2", unreadOf(t, s, "bob"), 1)
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.SetReadSeq(ctx, app1, "bob", g1, 3) })
	eq(t, "bob unread read to 3", unreadOf(t, s, "bob"), 0)

	// Clearing is reading; history after the cleared seq only.
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.SetClearedSeq(ctx, app1, "carol", g1, 6) })
	eq(t, "carol unread after clear", unreadOf(t, s, "carol"), 0)
	seen := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Message, error) {
		return tx.QueryMessages(ctx, app1, store.MessageQuery{ConvKey: g1, Viewer: "carol", Limit: 100})
	})
	eq(t, "carol's history after clear", len(seen), 0)

	// Delete for me is per member.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.DeleteMessagesFor(ctx, app1, "alice", g1, []uint64{2, 3})
		return err
	})
	eq(t, "alice's history", seqsOf(get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Message, error) {
		return tx.QueryMessages(ctx, app1, store.MessageQuery{ConvKey: g1, Viewer: "alice", Limit: 100})
	})), []uint64{1, 4, 5, 6})

	// Total unread sums both kinds.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, _, err := tx.AppendMessage(ctx, convMsg(app1, "bob", "alice", 7000))
		if err != nil {
			return err
		}
		_, _, err = tx.AppendMessage(ctx, groupMsg("bob", "b6", 0, 8000))
		return err
	})
	eq(t, "alice's total unread", get(t, s, func(ctx context.Context, tx store.Tx) (int, error) {
		return tx.ConversationUnreadTotal(ctx, app1, "alice")
	}), 2)

	write(t, s, func(ctx context.Context, tx store.Tx) error {
		ok, err := tx.LeaveGroup(ctx, app1, "g1", "carol")
		if err != nil || !ok {
			return fmt.Errorf("leave: %v %v", ok, err)
		}
		return nil
	})
	if _, ok := groupView(t, s, "carol"); ok {
		t.Error("carol still has a view after leaving")
	}
}

// testGroupConversationList: a member's list holds the group conversation
// from the first message after the join, ordered by the group row among
// the one-to-one ones; pin, draft and delete act on the membership, and a
// deleted group conversation comes back with the next message.
func testGroupConversationList(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return createAccounts(ctx, tx, app1, "alice", "bob", "carol") },
			func() error {
				_, err := tx.CreateGroup(ctx, store.Group{App: app1, ID: "g1", Type: "Work", CreatedAt: 1})
				return err
			},
			func() error { _, err := tx.JoinGroup(ctx, app1, "g1", "alice", 1); return err },
			func() error { return appendMessages(ctx, tx, convMsg(app1, "bob", "alice", 1000)) },
			func() error { return appendMessages(ctx, tx, convMsg(app1, "carol", "alice", 3000)) },
		)
	})
	page := func(q store.ConversationPageQuery) []string {
		t.Helper()
		es := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.ConversationEntry, error) {
			return tx.ConversationPage(ctx, app1, "alice", q)
		})
		var keys []string
		for _, e := range es {
			keys = append(keys, e.ConvKey)
		}
		return keys
	}
	eq(t, "before any group message", page(store.ConversationPageQuery{PinnedFirst: true, IncludeEmpty: true}),
		[]string{"c2c:alice:carol", "c2c:alice:bob"})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, _, err := tx.AppendMessage(ctx, groupMsg("carol", "c1", 0, 2000))
		return err
	})
	eq(t, "group ordered by its row", page(store.ConversationPageQuery{PinnedFirst: true}),
		[]string{"c2c:alice:carol", g1, "c2c:alice:bob"})
	// Keyset after the group's position.
	eq(t, "after the group", page(store.ConversationPageQuery{PinnedFirst: true,
		After: &store.ConversationPos{LastTime: 2000, ConvID: "group_g1"}}), []string{"c2c:alice:bob"})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return tx.SetConversationPin(ctx, app1, "alice", g1, 5) },
			func() error { return tx.SetConversationDraft(ctx, app1, "alice", g1, "hi", 77) },
		)
	})
	eq(t, "pinned group first", page(store.ConversationPageQuery{PinnedFirst: true}),
		[]string{g1, "c2c:alice:carol", "c2c:alice:bob"})
	es := entries(t, s, app1, "alice", []string{g1})
	eq(t, "group entry", es[g1], entrySummary{Key: g1, LastSeq: 1, LastTime: 2000, PinnedAt: 5, Draft: "hi", DraftTime: 77, Unread: 1})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		was, err := tx.DeleteConversation(ctx, app1, "alice", g1, false)
		if err != nil || !was {
			return fmt.Errorf("delete: %v %v", was, err)
		}
		return nil
	})
	eq(t, "deleted group out", page(store.ConversationPageQuery{PinnedFirst: true, IncludeEmpty: true}),
		[]string{"c2c:alice:carol", "c2c:alice:bob"})
	eq(t, "deleted group read", unreadOf(t, s, "alice"), 0)
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, _, err := tx.AppendMessage(ctx, groupMsg("carol", "c2", 0, 4000))
		return err
	})
	eq(t, "back with the next message", page(store.ConversationPageQuery{PinnedFirst: true}),
		[]string{g1, "c2c:alice:carol", "c2c:alice:bob"})
	// A group shown before any new message (a pin) is in the list, empty.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error {
				_, err := tx.CreateGroup(ctx, store.Group{App: app1, ID: "g2", Type: "Work", CreatedAt: 1})
				return err
			},
			func() error { _, err := tx.JoinGroup(ctx, app1, "g2", "alice", 1); return err },
			func() error { return tx.ShowConversation(ctx, app1, "alice", "group:g2", "") },
		)
	})
	eq(t, "shown group, empty", page(store.ConversationPageQuery{PinnedFirst: true, IncludeEmpty: true}),
		[]string{g1, "c2c:alice:carol", "c2c:alice:bob", "group:g2"})
	eq(t, "shown group not without empty", page(store.ConversationPageQuery{PinnedFirst: true}),
		[]string{g1, "c2c:alice:carol", "c2c:alice:bob"})

	// The groups a user is in, for group delivery at login.
	groups := func(user string) []string {
		t.Helper()
		return get(t, s, func(ctx context.Context, tx store.Tx) ([]string, error) { return tx.MemberGroups(ctx, app1, user) })
	}
	eq(t, "alice's groups", groups("alice"), []string{"g1", "g2"})
	eq(t, "a user in none", len(groups("nobody")), 0)
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.LeaveGroup(ctx, app1, "g1", "alice")
		return err
	})
	eq(t, "after leaving g1", groups("alice"), []string{"g2"})
}

// testConversationVersions: every change of a user's view takes the next
// version of that user; ConversationsChangedAfter returns the views
// changed since a version, deleted ones included, and a message changes no
// version (a group's, or a one-to-one message after the conversation's
// first).
func testConversationVersions(t *testing.T, s store.Store) {
	version := func(owner string) uint64 {
		t.Helper()
		return get(t, s, func(ctx context.Context, tx store.Tx) (uint64, error) {
			return tx.ConversationVersion(ctx, app1, owner)
		})
	}
	changed := func(owner string, after uint64, limit int) (keys []string, inList []bool, versions []uint64) {
		t.Helper()
		es := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.ConversationEntry, error) {
			return tx.ConversationsChangedAfter(ctx, app1, owner, after, limit)
		})
		for _, e := range es {
			keys, inList, versions = append(keys, e.ConvKey), append(inList, e.InList), append(versions, e.Version)
		}
		return keys, inList, versions
	}
	eq(t, "version before anything", version("alice"), uint64(0))
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return createAccounts(ctx, tx, app1, "alice", "bob", "carol") },
			func() error { return appendMessages(ctx, tx, convMsg(app1, "bob", "alice", 1000)) },   // alice 1, bob 1
			func() error { return appendMessages(ctx, tx, convMsg(app1, "carol", "alice", 2000)) }, // alice 2, carol 1
			func() error {
				_, err := tx.CreateGroup(ctx, store.Group{App: app1, ID: "g1", Type: "Work", CreatedAt: 1})
				return err
			},
			func() error { _, err := tx.JoinGroup(ctx, app1, "g1", "alice", 1); return err }, // alice 3
			func() error { _, err := tx.JoinGroup(ctx, app1, "g1", "bob", 1); return err },   // bob 2
		)
	})
	eq(t, "alice's version", version("alice"), uint64(3))
	keys, _, vs := changed("alice", 0, 10)
	eq(t, "all of alice's views", keys, []string{"c2c:alice:bob", "c2c:alice:carol", g1})
	eq(t, "their versions", vs, []uint64{1, 2, 3})
	keys, _, _ = changed("alice", 1, 1)
	eq(t, "a bounded page after 1", keys, []string{"c2c:alice:carol"})

	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, _, err := tx.AppendMessage(ctx, groupMsg("bob", "b1", 0, 3000))
		return err
	})
	eq(t, "a group message changes no member's version", version("alice"), uint64(3))
	eq(t, "nor the sender's", version("bob"), uint64(2))
	// Nor does a later one-to-one message: only the first, which creates
	// both views, gives them a version.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return appendMessages(ctx, tx, convMsg(app1, "bob", "alice", 3500), convMsg(app1, "alice", "bob", 3600))
	})
	eq(t, "a later one-to-one message changes no version", version("alice"), uint64(3))
	eq(t, "of either side", version("bob"), uint64(2))

	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return tx.SetConversationPin(ctx, app1, "alice", "c2c:alice:bob", 9) }, // 4
			func() error { return tx.SetReadSeq(ctx, app1, "alice", g1, 1) },                      // 5
			func() error {
				_, err := tx.DeleteConversation(ctx, app1, "alice", "c2c:alice:carol", false)
				return err
			}, // 6
			// Nothing to change: no version.
			func() error { return tx.SetReadSeq(ctx, app1, "alice", g1, 1) },
		)
	})
	keys, inList, vs := changed("alice", 3, 10)
	eq(t, "changed after 3", keys, []string{"c2c:alice:bob", g1, "c2c:alice:carol"})
	eq(t, "deleted one reported out of the list", inList, []bool{true, true, false})
	eq(t, "versions", vs, []uint64{4, 5, 6})
	eq(t, "bob's view untouched by alice", version("bob"), uint64(2))
	keys, _, _ = changed("alice", 6, 10)
	eq(t, "nothing after the current version", len(keys), 0)
}

// testGroupNoUnread: a group whose type counts no unread (NoUnread, fixed at
// creation) shows none in its members' conversation list and total, while
// another group's messages count as usual; the flag reads back.
func testGroupNoUnread(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return createAccounts(ctx, tx, app1, "alice", "bob") },
			func() error {
				_, err := tx.CreateGroup(ctx, store.Group{App: app1, ID: "meet", Type: "ChatRoom", CreatedAt: 1, NoUnread: true})
				return err
			},
			func() error {
				_, err := tx.CreateGroup(ctx, store.Group{App: app1, ID: "pub", Type: "Public", CreatedAt: 1})
				return err
			},
			func() error { _, err := tx.JoinGroup(ctx, app1, "meet", "alice", 1); return err },
			func() error { _, err := tx.JoinGroup(ctx, app1, "pub", "alice", 1); return err },
		)
	})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		for i, key := range []string{"group:meet", "group:pub", "group:meet", "group:pub", "group:meet"} {
			m := store.Message{App: app1, ConvKey: key, Sender: "bob", Random: 7, ClientKey: fmt.Sprint("k", i), SentAt: int64(1000 + i),
				Body: []byte(`{"MsgBody":[]}`), ExpiresAt: 9_999_999_999}
			if _, _, err := tx.AppendMessage(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	entries := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.ConversationEntry, error) {
		return tx.ConversationEntries(ctx, app1, "alice", nil)
	})
	unread := map[string]int{}
	for _, e := range entries {
		unread[e.ConvKey] = e.Unread
	}
	eq(t, "unread per group", unread, map[string]int{"group:meet": 0, "group:pub": 2})
	eq(t, "total", get(t, s, func(ctx context.Context, tx store.Tx) (int, error) {
		return tx.ConversationUnreadTotal(ctx, app1, "alice")
	}), 2)
	g, _, _ := getGroup(t, s, "meet")
	eq(t, "flag reads back", g.NoUnread, true)
}

func getGroup(t *testing.T, s store.Store, id string) (store.Group, bool, error) {
	t.Helper()
	var g store.Group
	var ok bool
	err := s.Read(t.Context(), func(tx store.Tx) (err error) {
		g, ok, err = tx.Group(t.Context(), app1, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return g, ok, nil
}
