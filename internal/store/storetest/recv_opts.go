package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

// Receive options: set, change, remove (receive is no row), read back per
// peer, for everyone and toward one peer, in Relations' one round trip,
// kept apart per app and gone with the account.
func testRecvOpts(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, u := range []string{"alice", "bob", "carol", "dave"} {
			if _, err := tx.CreateAccount(ctx, app1, u, 1); err != nil {
				return err
			}
		}
		return all(
			func() error {
				return tx.SetRecvOpts(ctx, app1, "alice", []string{"bob", "carol", "dave"}, store.RecvOptNotReceive)
			},
			func() error { return tx.SetRecvOpts(ctx, app1, "alice", []string{"carol"}, store.RecvOptNotNotify) },
			func() error { return tx.SetRecvOpts(ctx, app1, "alice", []string{"dave"}, store.RecvOptReceive) },
			func() error { return tx.SetRecvOpts(ctx, app2, "alice", []string{"bob"}, store.RecvOptNotNotify) },
			func() error { return tx.SetRecvOpts(ctx, app1, "bob", []string{"alice"}, store.RecvOptNotNotify) },
		)
	})
	opts := func(owner string, peers []string) map[string]int {
		return get(t, s, func(ctx context.Context, tx store.Tx) (map[string]int, error) {
			return tx.RecvOpts(ctx, app1, owner, peers)
		})
	}
	want := map[string]int{"bob": store.RecvOptNotReceive, "carol": store.RecvOptNotNotify}
	eq(t, "alice's options", opts("alice", nil), want)
	eq(t, "alice's options among bob, dave", opts("alice", []string{"bob", "dave"}), map[string]int{"bob": store.RecvOptNotReceive})
	eq(t, "carol has none", opts("carol", nil), map[string]int{})
	toward := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]int, error) {
		return tx.RecvOptsToward(ctx, app1, "bob", []string{"alice", "carol", "dave"})
	})
	eq(t, "options toward bob", toward, map[string]int{"alice": store.RecvOptNotReceive})
	other := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]int, error) {
		return tx.RecvOpts(ctx, app2, "alice", nil)
	})
	eq(t, "app2", other, map[string]int{"bob": store.RecvOptNotNotify})

	rs := get(t, s, func(ctx context.Context, tx store.Tx) (store.RelationSet, error) {
		return tx.Relations(ctx, app1, "alice", []string{"bob", "carol", "dave"})
	})
	eq(t, "Relations.RecvOpt", rs.RecvOpt, want)
	eq(t, "Relations owner exists", rs.OwnerExists, true)
	// More peers than one statement takes: still one answer.
	many := make([]string, 450)
	for i := range many {
		many[i] = fmt.Sprintf("u%03d", i)
	}
	many[449] = "carol"
	rs = get(t, s, func(ctx context.Context, tx store.Tx) (store.RelationSet, error) {
		return tx.Relations(ctx, app1, "alice", many)
	})
	eq(t, "Relations.RecvOpt chunked", rs.RecvOpt, map[string]int{"carol": store.RecvOptNotNotify})

	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.DeleteAccount(ctx, app1, "bob")
		return err
	})
	eq(t, "bob's options go with bob's account", opts("bob", nil), map[string]int{})
	eq(t, "and so do options about bob", opts("alice", nil), map[string]int{"carol": store.RecvOptNotNotify})

	err := s.Read(t.Context(), func(tx store.Tx) error {
		return tx.SetRecvOpts(t.Context(), app1, "alice", []string{"bob"}, store.RecvOptNotReceive)
	})
	if err == nil {
		t.Fatal("SetRecvOpts in a read transaction succeeded")
	}
}

// Message receipts: only stored messages take one, once; read back by seq;
// pruned with their message.
func testMessageReceipts(t *testing.T, s store.Store) {
	var added, again []uint64
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		for i := range 3 {
			m := msg("alice", "bob", fmt.Sprintf("r%d", i), store.MessageNeedReadReceipt)
			if i == 2 {
				m.ExpiresAt = 100
			}
			if _, _, err := tx.AppendMessage(ctx, m); err != nil {
				return err
			}
		}
		var err error
		added, err = tx.AddMessageReceipts(ctx, app1, "c2c:alice:bob", []uint64{1, 3, 9}, 5000)
		return err
	})
	eq(t, "added", added, []uint64{1, 3})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		var err error
		again, err = tx.AddMessageReceipts(ctx, app1, "c2c:alice:bob", []uint64{2, 1}, 6000)
		return err
	})
	eq(t, "added again", again, []uint64{2})
	read := func() map[uint64]int64 {
		return get(t, s, func(ctx context.Context, tx store.Tx) (map[uint64]int64, error) {
			return tx.MessageReceipts(ctx, app1, "c2c:alice:bob", []uint64{1, 2, 3, 4})
		})
	}
	eq(t, "receipts", read(), map[uint64]int64{1: 5000, 2: 6000, 3: 5000})
	other := get(t, s, func(ctx context.Context, tx store.Tx) (map[uint64]int64, error) {
		return tx.MessageReceipts(ctx, app2, "c2c:alice:bob", []uint64{1, 2, 3})
	})
	eq(t, "other app", other, map[uint64]int64{})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.PruneMessages(ctx, 1000)
		return err
	})
	eq(t, "after prune", read(), map[uint64]int64{1: 5000, 2: 6000})
}
