package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

// setupMsgExtGroup makes group g1 (Public) with alice, bob and carol and
// sends nothing.
func setupMsgExtGroup(t *testing.T, s store.Store) {
	t.Helper()
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := createAccounts(ctx, tx, app1, "alice", "bob", "carol"); err != nil {
			return err
		}
		if _, err := tx.CreateGroup(ctx, store.Group{App: app1, ID: "g1", Type: "Public", CreatedAt: 100}); err != nil {
			return err
		}
		for _, u := range []string{"alice", "bob", "carol"} {
			if ok, err := tx.JoinGroup(ctx, app1, "g1", u, 100); err != nil || !ok {
				return fmt.Errorf("join %s: %v %v", u, ok, err)
			}
		}
		return nil
	})
}

func appendGroupMsgs(t *testing.T, s store.Store, msgs ...store.Message) []uint64 {
	t.Helper()
	var seqs []uint64
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, m := range msgs {
			stored, _, err := tx.AppendMessage(ctx, m)
			if err != nil {
				return err
			}
			seqs = append(seqs, stored.Seq)
		}
		return nil
	})
	return seqs
}

func atInfo(t *testing.T, s store.Store, user string, groups []string) map[string][]store.GroupAtInfo {
	t.Helper()
	return get(t, s, func(ctx context.Context, tx store.Tx) (map[string][]store.GroupAtInfo, error) {
		return tx.GroupAtInfo(ctx, app1, user, groups)
	})
}

func testGroupMentions(t *testing.T, s store.Store) {
	setupMsgExtGroup(t, s)
	// 1: @bob; 2: @all; 3: @all and @carol; 4: plain.
	appendGroupMsgs(t, s, groupMsg("alice", "m1", 0, 1000), groupMsg("alice", "m2", 0, 2000),
		groupMsg("alice", "m3", 0, 3000), groupMsg("alice", "m4", 0, 4000))
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.AddGroupMentions(ctx, app1, "g1", 1, []string{"bob"}, false); err != nil {
			return err
		}
		if err := tx.AddGroupMentions(ctx, app1, "g1", 2, nil, true); err != nil {
			return err
		}
		return tx.AddGroupMentions(ctx, app1, "g1", 3, []string{"carol"}, true)
	})
	// The group keeps only its last @all: bob sees @me at 1 and @all at 3;
	// carol sees @all-@me at 3.
	eq(t, "bob", atInfo(t, s, "bob", nil), map[string][]store.GroupAtInfo{"g1": {{Seq: 1, Type: store.AtMe}, {Seq: 3, Type: store.AtAll}}})
	eq(t, "carol", atInfo(t, s, "carol", []string{"g1"}), map[string][]store.GroupAtInfo{"g1": {{Seq: 3, Type: store.AtAllAtMe}}})
	eq(t, "alice, who sent the @all", atInfo(t, s, "alice", nil), map[string][]store.GroupAtInfo{})
	eq(t, "carol, other groups only", atInfo(t, s, "carol", []string{"g2"}), map[string][]store.GroupAtInfo{})
	// Reading past a mention clears it; reading up to 2 leaves bob's @all at 3.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.SetReadSeq(ctx, app1, "bob", g1, 2); err != nil {
			return err
		}
		return tx.DeleteGroupMentions(ctx, app1, "g1", "bob", 2)
	})
	eq(t, "bob after reading 2", atInfo(t, s, "bob", nil), map[string][]store.GroupAtInfo{"g1": {{Seq: 3, Type: store.AtAll}}})
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.SetReadSeq(ctx, app1, "carol", g1, 4) })
	eq(t, "carol after reading all", atInfo(t, s, "carol", nil), map[string][]store.GroupAtInfo{})
	// A non-member has none, and a dismissal removes the rows.
	eq(t, "outsider", atInfo(t, s, "dave", nil), map[string][]store.GroupAtInfo{})
	write(t, s, func(ctx context.Context, tx store.Tx) error { _, err := tx.DeleteGroup(ctx, app1, "g1"); return err })
	eq(t, "bob after dismissal", atInfo(t, s, "bob", nil), map[string][]store.GroupAtInfo{})
}

func testGroupTargeted(t *testing.T, s store.Store) {
	setupMsgExtGroup(t, s)
	// 1 to everyone, 2 from alice to bob only.
	appendGroupMsgs(t, s, groupMsg("alice", "m1", 0, 1000), groupMsg("alice", "m2", store.MessageTargeted|store.MessageExcludedFromUnread, 2000))
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.AddGroupMessageTargets(ctx, app1, "g1", 2, []string{"bob"})
	})
	history := func(viewer string) []uint64 {
		return seqsOf(get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Message, error) {
			return tx.QueryMessages(ctx, app1, store.MessageQuery{ConvKey: g1, Viewer: viewer, Limit: 10})
		}))
	}
	eq(t, "sender's history", history("alice"), []uint64{1, 2})
	eq(t, "receiver's history", history("bob"), []uint64{1, 2})
	eq(t, "other member's history", history("carol"), []uint64{1})
	eq(t, "admin's history", history(""), []uint64{1, 2})
	eq(t, "targets", get(t, s, func(ctx context.Context, tx store.Tx) ([]string, error) {
		return tx.GroupMessageTargets(ctx, app1, "g1", 2)
	}), []string{"bob"})
	// Not counted as unread by anyone.
	v, _ := groupView(t, s, "bob")
	eq(t, "bob's unread", v.Unread, 1)
	v, _ = groupView(t, s, "carol")
	eq(t, "carol's unread", v.Unread, 1)
}

func testGroupReceipts(t *testing.T, s store.Store) {
	setupMsgExtGroup(t, s)
	appendGroupMsgs(t, s, groupMsg("alice", "m1", store.MessageNeedReadReceipt, 1000), groupMsg("alice", "m2", store.MessageNeedReadReceipt, 2000))
	var fresh, again []uint64
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		if fresh, err = tx.AddGroupReceipts(ctx, app1, "g1", "bob", []uint64{1, 2, 99}, 5000); err != nil {
			return err
		}
		again, err = tx.AddGroupReceipts(ctx, app1, "g1", "bob", []uint64{2}, 6000)
		if err != nil {
			return err
		}
		_, err = tx.AddGroupReceipts(ctx, app1, "g1", "carol", []uint64{1}, 6000)
		return err
	})
	eq(t, "fresh receipts (a missing message takes none)", fresh, []uint64{1, 2})
	eq(t, "repeated receipt", again, []uint64(nil))
	eq(t, "counts", get(t, s, func(ctx context.Context, tx store.Tx) (map[uint64]int, error) {
		return tx.GroupReceiptCounts(ctx, app1, "g1", []uint64{1, 2, 3})
	}), map[uint64]int{1: 2, 2: 1})
	readers := func(seq uint64, after string, limit int) []string {
		return get(t, s, func(ctx context.Context, tx store.Tx) ([]string, error) {
			return tx.GroupReceiptReaders(ctx, app1, "g1", seq, after, limit)
		})
	}
	eq(t, "readers of 1, first page", readers(1, "", 1), []string{"bob"})
	eq(t, "readers of 1, next page", readers(1, "bob", 1), []string{"carol"})
	eq(t, "readers of 1, past the end", readers(1, "carol", 1), []string(nil))
	nonReaders := func(seq uint64, after string) []string {
		return get(t, s, func(ctx context.Context, tx store.Tx) ([]string, error) {
			return tx.GroupReceiptNonReaders(ctx, app1, "g1", seq, "alice", after, 10)
		})
	}
	eq(t, "non-readers of 2 (not the sender)", nonReaders(2, ""), []string{"carol"})
	eq(t, "non-readers of 1", nonReaders(1, ""), []string(nil))
}
