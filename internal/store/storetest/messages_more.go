package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

const convAB = "c2c:alice:bob"

// appendAt appends messages alternately from alice and bob with the given
// SentAt times (client key "k<time>") and returns them as stored.
func appendAt(t *testing.T, s store.Store, times ...int64) []store.Message {
	t.Helper()
	var out []store.Message
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		out = nil
		for i, at := range times {
			from, to := "alice", "bob"
			if i%2 == 1 {
				from, to = "bob", "alice"
			}
			m := msg(from, to, fmt.Sprintf("k%d", at), 0)
			m.SentAt, m.Random = at, uint32(100+i)
			stored, _, err := tx.AppendMessage(ctx, m)
			if err != nil {
				return err
			}
			out = append(out, stored)
		}
		return nil
	})
	return out
}

func seqsOf(ms []store.Message) []uint64 {
	out := []uint64{}
	for _, m := range ms {
		out = append(out, m.Seq)
	}
	return out
}

func query(t *testing.T, s store.Store, app store.AppID, q store.MessageQuery) []uint64 {
	t.Helper()
	return seqsOf(get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Message, error) {
		return tx.QueryMessages(ctx, app, q)
	}))
}

// QueryMessages: seq and time bounds, both orders, and the time order with
// its page cursor when times do not follow seqs (imported messages).
func testQueryMessages(t *testing.T, s store.Store) {
	// seq:   1     2     3     4     5     6
	// time: 5000  6000  2000  7000  7000  9000
	appendAt(t, s, 5000, 6000, 2000, 7000, 7000, 9000)
	eq(t, "all by seq", query(t, s, app1, store.MessageQuery{ConvKey: convAB}), []uint64{1, 2, 3, 4, 5, 6})
	eq(t, "seq range", query(t, s, app1, store.MessageQuery{ConvKey: convAB, MinSeq: 2, MaxSeq: 4}), []uint64{2, 3, 4})
	eq(t, "newest first, limited", query(t, s, app1, store.MessageQuery{ConvKey: convAB, MaxSeq: 5, Descending: true, Limit: 2}), []uint64{5, 4})
	eq(t, "time range by seq", query(t, s, app1, store.MessageQuery{ConvKey: convAB, MinTime: 5000, MaxTime: 7000}), []uint64{1, 2, 4, 5})
	eq(t, "by time", query(t, s, app1, store.MessageQuery{ConvKey: convAB, ByTime: true}), []uint64{3, 1, 2, 4, 5, 6})
	eq(t, "by time, newest first", query(t, s, app1, store.MessageQuery{ConvKey: convAB, ByTime: true, Descending: true, Limit: 3}), []uint64{6, 5, 4})
	// Continue after (7000, 5): seq 4 shares the time and comes first.
	eq(t, "cursor within one time", query(t, s, app1, store.MessageQuery{ConvKey: convAB, ByTime: true, Descending: true,
		BeforeTime: 7000, BeforeSeq: 5, Limit: 2}), []uint64{4, 2})
	eq(t, "cursor and min time", query(t, s, app1, store.MessageQuery{ConvKey: convAB, ByTime: true, Descending: true,
		BeforeTime: 6000, BeforeSeq: 2, MinTime: 3000}), []uint64{1})
	eq(t, "other app", query(t, s, app2, store.MessageQuery{ConvKey: convAB}), []uint64{})

	// The conversation's last time never moves back for an older message.
	c := get(t, s, func(ctx context.Context, tx store.Tx) (store.Conversation, error) {
		c, _, err := tx.Conversation(ctx, app1, "alice", convAB)
		return c, err
	})
	eq(t, "last time", c.LastTime, int64(9000))
	appendAt(t, s, 1000)
	c = get(t, s, func(ctx context.Context, tx store.Tx) (store.Conversation, error) {
		c, _, err := tx.Conversation(ctx, app1, "alice", convAB)
		return c, err
	})
	eq(t, "last time after an older message", c.LastTime, int64(9000))
	eq(t, "last seq after an older message", c.LastSeq, uint64(7))
}

// DeleteMessagesFor and SetClearedSeq change one user's view only: history
// through Viewer, and unread counts.
func testMessageViews(t *testing.T, s store.Store) {
	appendAt(t, s, 1, 2, 3, 4, 5, 6) // bob sent 2, 4, 6
	unread := func(owner string) int {
		return get(t, s, func(ctx context.Context, tx store.Tx) (int, error) {
			c, _, err := tx.Conversation(ctx, app1, owner, convAB)
			return c.Unread, err
		})
	}
	eq(t, "alice unread before", unread("alice"), 3)

	var n, again int64
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		n, err = tx.DeleteMessagesFor(ctx, app1, "alice", convAB, []uint64{2, 3, 99})
		return err
	})
	eq(t, "deleted (a missing seq is ignored)", n, int64(2))
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		again, err = tx.DeleteMessagesFor(ctx, app1, "alice", convAB, []uint64{2, 3})
		return err
	})
	eq(t, "deleting again changes nothing", again, int64(0))
	eq(t, "alice's view", query(t, s, app1, store.MessageQuery{ConvKey: convAB, Viewer: "alice"}), []uint64{1, 4, 5, 6})
	eq(t, "bob's view is whole", query(t, s, app1, store.MessageQuery{ConvKey: convAB, Viewer: "bob"}), []uint64{1, 2, 3, 4, 5, 6})
	eq(t, "no viewer: everything", query(t, s, app1, store.MessageQuery{ConvKey: convAB}), []uint64{1, 2, 3, 4, 5, 6})
	eq(t, "alice's view by time, newest first", query(t, s, app1, store.MessageQuery{ConvKey: convAB, Viewer: "alice", ByTime: true,
		Descending: true}), []uint64{6, 5, 4, 1})
	eq(t, "a deleted message no longer counts as unread", unread("alice"), 2)
	eq(t, "bob's unread unchanged", unread("bob"), 3)

	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.SetClearedSeq(ctx, app1, "alice", convAB, 4)
	})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.SetClearedSeq(ctx, app1, "alice", convAB, 2) // never back
	})
	c := get(t, s, func(ctx context.Context, tx store.Tx) (store.Conversation, error) {
		c, _, err := tx.Conversation(ctx, app1, "alice", convAB)
		return c, err
	})
	eq(t, "cleared seq", c.ClearedSeq, uint64(4))
	eq(t, "alice's view after clearing", query(t, s, app1, store.MessageQuery{ConvKey: convAB, Viewer: "alice"}), []uint64{5, 6})
	eq(t, "alice unread after clearing", unread("alice"), 1)
	eq(t, "bob's view after alice cleared", query(t, s, app1, store.MessageQuery{ConvKey: convAB, Viewer: "bob"}), []uint64{1, 2, 3, 4, 5, 6})
	eq(t, "another app's rows are untouched", query(t, s, app2, store.MessageQuery{ConvKey: convAB, Viewer: "alice"}), []uint64{})

	var pruned int64
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		pruned, err = tx.PruneMessages(ctx, 10_000_000_000)
		return err
	})
	eq(t, "pruned with their deletions", pruned, int64(6))
	// A new conversation reusing the seqs starts with nothing deleted.
	appendAt(t, s, 7, 8)
	eq(t, "seqs after pruning", query(t, s, app1, store.MessageQuery{ConvKey: convAB}), []uint64{7, 8})
}

// AppendMessage with HiddenFor deletes the new message from those users'
// views in the same write (a send hidden from its sender, a receiver who
// does not receive the peer), whether the append opens the conversation or
// not; a retry of such a send hides nothing more, and a group message
// cannot be hidden this way.
func testMessageHiddenAsAppended(t *testing.T, s store.Store) {
	appendHidden := func(from, to, key string, hidden ...string) (store.Message, bool) {
		var stored store.Message
		var dup bool
		write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
			m := msg(from, to, key, 0)
			m.HiddenFor = hidden
			stored, dup, err = tx.AppendMessage(ctx, m)
			return err
		})
		return stored, dup
	}
	unread := func(owner string) int {
		return get(t, s, func(ctx context.Context, tx store.Tx) (int, error) {
			c, _, err := tx.Conversation(ctx, app1, owner, convAB)
			return c.Unread, err
		})
	}
	first, _ := appendHidden("alice", "bob", "h1", "alice") // opens the conversation
	eq(t, "first seq", first.Seq, uint64(1))
	eq(t, "HiddenFor is not read back", len(first.HiddenFor), 0)
	appendHidden("bob", "alice", "h2", "alice")        // alice does not receive bob
	appendHidden("alice", "bob", "h3", "alice", "bob") // both
	appendHidden("bob", "alice", "h4")
	eq(t, "alice's view", query(t, s, app1, store.MessageQuery{ConvKey: convAB, Viewer: "alice"}), []uint64{4})
	eq(t, "bob's view", query(t, s, app1, store.MessageQuery{ConvKey: convAB, Viewer: "bob"}), []uint64{1, 2, 4})
	eq(t, "everything is stored", query(t, s, app1, store.MessageQuery{ConvKey: convAB}), []uint64{1, 2, 3, 4})
	eq(t, "alice's unread: bob's message she did not receive is not counted", unread("alice"), 1)

	// A retry answers the first attempt and hides nothing it did not.
	again, dup := appendHidden("alice", "bob", "h1", "alice", "bob")
	eq(t, "retry is a duplicate", dup, true)
	eq(t, "retry answers seq", again.Seq, uint64(1))
	eq(t, "bob still sees the first message", query(t, s, app1, store.MessageQuery{ConvKey: convAB, Viewer: "bob"}), []uint64{1, 2, 4})
	next, _ := appendHidden("bob", "alice", "h5")
	eq(t, "no seq taken by the retry", next.Seq, uint64(5))

	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.CreateGroup(ctx, store.Group{App: app1, ID: "g1", Type: "Public", CreatedAt: 100})
		return err
	})
	err := s.Write(t.Context(), func(tx store.Tx) error {
		m := groupMsg("bob", "hg", 0, 1000)
		m.HiddenFor = []string{"bob"}
		_, _, err := tx.AppendMessage(t.Context(), m)
		return err
	})
	if err == nil {
		t.Error("a group message appended with HiddenFor: no error")
	}
	eq(t, "nothing stored in the group", query(t, s, app1, store.MessageQuery{ConvKey: g1}), []uint64{})
}

// MessageByClientKey finds a message by its key among given senders.
func testMessageByClientKey(t *testing.T, s store.Store) {
	stored := appendAt(t, s, 10, 20) // k10 from alice, k20 from bob
	find := func(key string, senders ...string) (uint64, bool) {
		var seq uint64
		var ok bool
		err := s.Read(t.Context(), func(tx store.Tx) error {
			m, found, err := tx.MessageByClientKey(t.Context(), app1, convAB, key, senders...)
			seq, ok = m.Seq, found
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return seq, ok
	}
	if seq, ok := find("k20", "alice", "bob"); !ok || seq != stored[1].Seq {
		t.Fatalf("k20 from either: %d %v", seq, ok)
	}
	if _, ok := find("k20", "alice"); ok {
		t.Fatal("k20 was sent by bob, not alice")
	}
	if _, ok := find("nope", "alice", "bob"); ok {
		t.Fatal("unknown key found")
	}
	if _, ok := find("k10"); ok {
		t.Fatal("no senders must find nothing")
	}
}

// testCheckedAppend: an admin's send as one step. Nothing is written when
// the sender or the receiver has no account (and the check says which);
// otherwise the message is appended as AppendMessage would, hidden from the
// receiver too when it does not receive from the sender, and a retry is
// the first attempt's message.
func testCheckedAppend(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := createAccounts(ctx, tx, app1, "alice", "bob"); err != nil {
			return err
		}
		return tx.SetRecvOpts(ctx, app1, "bob", []string{"alice"}, store.RecvOptNotReceive)
	})
	checked := func(from, to, key string, hidden ...string) store.CheckedAppend {
		t.Helper()
		var res store.CheckedAppend
		write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
			m := msg(from, to, key, 0)
			if to != "bob" && to != "alice" || from != "bob" && from != "alice" {
				m.ConvKey = "c2c:" + from + ":" + to
			}
			m.HiddenFor = hidden
			res, err = tx.AppendCheckedMessage(ctx, m)
			return err
		})
		return res
	}
	eq(t, "no sender", checked("ghost", "bob", "k0"), store.CheckedAppend{Check: store.SendCheck{ReceiverExists: true}})
	eq(t, "no receiver", checked("alice", "ghost", "k0"), store.CheckedAppend{Check: store.SendCheck{SenderExists: true}})
	eq(t, "nothing stored for them", query(t, s, app1, store.MessageQuery{ConvKey: "c2c:ghost:bob"}), []uint64(nil))
	eq(t, "nor a conversation", get(t, s, func(ctx context.Context, tx store.Tx) (uint64, error) {
		return tx.ConversationVersion(ctx, app1, "bob")
	}), uint64(0))

	first := checked("alice", "bob", "c1")
	eq(t, "first: check", first.Check, store.SendCheck{SenderExists: true, ReceiverExists: true, RecvOpt: store.RecvOptNotReceive})
	eq(t, "first: appended at seq 1", [3]any{first.Appended, first.Duplicate, first.Stored.Seq}, [3]any{true, false, uint64(1)})
	checked("alice", "bob", "c2", "alice")
	back := checked("bob", "alice", "c3")
	eq(t, "the other direction: check", back.Check, store.SendCheck{SenderExists: true, ReceiverExists: true})
	again := checked("alice", "bob", "c1")
	eq(t, "retry: the first message", [3]any{again.Appended, again.Duplicate, again.Stored.Seq}, [3]any{true, true, uint64(1)})
	eq(t, "alice's view", query(t, s, app1, store.MessageQuery{ConvKey: convAB, Viewer: "alice"}), []uint64{1, 3})
	eq(t, "bob's view: nothing from alice", query(t, s, app1, store.MessageQuery{ConvKey: convAB, Viewer: "bob"}), []uint64{3})
	eq(t, "everything is stored", query(t, s, app1, store.MessageQuery{ConvKey: convAB}), []uint64{1, 2, 3})
	eq(t, "no seq taken by the retry", checked("bob", "alice", "c4").Stored.Seq, uint64(4))
}

// testCheckedAppends: AppendCheckedMessages over one call mixing what a
// batch of admin sends can hold (an engine may write it in one statement):
// an existing conversation and new ones, several messages of one
// conversation, absent accounts, a receiver who does not receive the
// sender, a send hidden from its sender, a retry of a stored message and a
// repeat within the call. Each answer is what AppendCheckedMessage would
// give alone, seqs are consecutive per conversation in call order, and each
// opened view has a version of its own.
func testCheckedAppends(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := createAccounts(ctx, tx, app1, "alice", "bob", "carol", "dave"); err != nil {
			return err
		}
		if err := tx.SetRecvOpts(ctx, app1, "dave", []string{"alice"}, store.RecvOptNotReceive); err != nil {
			return err
		}
		_, _, err := tx.AppendMessage(ctx, msg("alice", "bob", "p1", 0))
		return err
	})
	versionOf := func(owner string) uint64 {
		return get(t, s, func(ctx context.Context, tx store.Tx) (uint64, error) {
			return tx.ConversationVersion(ctx, app1, owner)
		})
	}
	aliceBefore, bobBefore := versionOf("alice"), versionOf("bob")
	in := func(from, to, key string, flags int, sentAt int64, hidden ...string) store.Message {
		m := msg(from, to, key, flags)
		a, b := from, to
		if b < a {
			a, b = b, a
		}
		m.ConvKey, m.SentAt, m.HiddenFor = "c2c:"+a+":"+b, sentAt, hidden
		return m
	}
	ms := []store.Message{
		in("alice", "bob", "k1", 0, 2000),
		in("bob", "alice", "k2", 0, 2001),
		in("alice", "carol", "k3", 0, 2002),
		in("carol", "dave", "k4", 0, 2003),
		in("alice", "dave", "k5", 0, 2004),
		in("ghost", "bob", "k6", 0, 2005),
		in("alice", "phantom", "k6", 0, 2005),
		in("alice", "bob", "p1", 0, 2006), // a retry of the stored message
		in("alice", "bob", "k1", 0, 2007), // a repeat of the first in this call
		in("alice", "bob", "k7", 0, 2008, "alice"),
		in("alice", "bob", "k8", store.MessageExcludedFromLast, 9000),
	}
	var res []store.CheckedAppend
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		res, err = tx.AppendCheckedMessages(ctx, ms)
		return err
	})
	if len(res) != len(ms) {
		t.Fatalf("%d answers for %d messages", len(res), len(ms))
	}
	type answer struct {
		Sender, Receiver, Appended, Duplicate bool
		RecvOpt                               int
		Seq                                   uint64
		Key                                   string
	}
	got := make([]answer, len(res))
	for i, r := range res {
		got[i] = answer{r.Check.SenderExists, r.Check.ReceiverExists, r.Appended, r.Duplicate, r.Check.RecvOpt, r.Stored.Seq, r.Stored.ClientKey}
	}
	eq(t, "answers", got, []answer{
		{true, true, true, false, 0, 2, "k1"},
		{true, true, true, false, 0, 3, "k2"},
		{true, true, true, false, 0, 1, "k3"},
		{true, true, true, false, 0, 1, "k4"},
		{true, true, true, false, store.RecvOptNotReceive, 1, "k5"},
		{false, true, false, false, 0, 0, ""},
		{true, false, false, false, 0, 0, ""},
		{true, true, true, true, 0, 1, "p1"},
		{true, true, true, true, 0, 2, "k1"},
		{true, true, true, false, 0, 4, "k7"},
		{true, true, true, false, 0, 5, "k8"},
	})
	eq(t, "alice-bob, all", query(t, s, app1, store.MessageQuery{ConvKey: convAB}), []uint64{1, 2, 3, 4, 5})
	eq(t, "alice-bob, alice's view", query(t, s, app1, store.MessageQuery{ConvKey: convAB, Viewer: "alice"}), []uint64{1, 2, 3, 5})
	eq(t, "alice-dave, dave's view", query(t, s, app1, store.MessageQuery{ConvKey: "c2c:alice:dave", Viewer: "dave"}), []uint64(nil))
	eq(t, "alice-dave, alice's view", query(t, s, app1, store.MessageQuery{ConvKey: "c2c:alice:dave", Viewer: "alice"}), []uint64{1})
	eq(t, "nothing for the absent", query(t, s, app1, store.MessageQuery{ConvKey: "c2c:bob:ghost"}), []uint64(nil))
	lastTime := get(t, s, func(ctx context.Context, tx store.Tx) (int64, error) {
		c, _, err := tx.Conversation(ctx, app1, "bob", convAB)
		return c.LastTime, err
	})
	eq(t, "the last time is the last message's not excluded from it", lastTime, int64(2008))
	// alice opened two conversations, carol two, dave two, bob none.
	eq(t, "versions", []uint64{versionOf("alice") - aliceBefore, versionOf("bob") - bobBefore, versionOf("carol"), versionOf("dave")}, []uint64{2, 0, 2, 2})
	views := get(t, s, func(ctx context.Context, tx store.Tx) ([]uint64, error) {
		var vs []uint64
		for _, v := range [][2]string{{"alice", "c2c:alice:carol"}, {"alice", "c2c:alice:dave"}, {"carol", "c2c:alice:carol"}, {"carol", "c2c:carol:dave"}} {
			changed, err := tx.ConversationsChangedAfter(ctx, app1, v[0], 0, 100)
			if err != nil {
				return nil, err
			}
			i := slices.IndexFunc(changed, func(e store.ConversationEntry) bool { return e.ConvKey == v[1] })
			if i < 0 {
				return nil, fmt.Errorf("%s has no view of %s", v[0], v[1])
			}
			vs = append(vs, changed[i].Version)
		}
		return vs, nil
	})
	eq(t, "each opened view has its own version", views, []uint64{aliceBefore + 1, aliceBefore + 2, 1, 2})
	// A second call in the same conversations carries on from there.
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		res, err = tx.AppendCheckedMessages(ctx, []store.Message{in("carol", "alice", "k9", 0, 3000), in("bob", "alice", "k10", 0, 3001)})
		return err
	})
	eq(t, "second call's seqs", []uint64{res[0].Stored.Seq, res[1].Stored.Seq}, []uint64{2, 6})
}
