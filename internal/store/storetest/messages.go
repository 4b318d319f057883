package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

func msg(sender, receiver, key string, flags int) store.Message {
	return store.Message{App: app1, ConvKey: "c2c:alice:bob", Sender: sender, Receiver: receiver, Random: 7,
		ClientKey: key, SentAt: 1000, Flags: flags, Body: []byte(`{"MsgBody":[]}`), ExpiresAt: 9_999_999_999}
}

func testMessages(t *testing.T, s store.Store) {
	var got []store.Message
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		got = nil
		for i, m := range []store.Message{
			msg("alice", "bob", "a1", 0),
			msg("bob", "alice", "b1", 0),
			msg("bob", "alice", "b2", store.MessageExcludedFromUnread),
			msg("bob", "alice", "b3", 0),
			msg("alice", "bob", "a1", 0), // a retry of the first
		} {
			m.SentAt = int64(1000 + i)
			stored, dup, err := tx.AppendMessage(ctx, m)
			if err != nil {
				return err
			}
			if dup != (i == 4) {
				return fmt.Errorf("message %d: dup = %v", i, dup)
			}
			got = append(got, stored)
		}
		return nil
	})
	for i, want := range []uint64{1, 2, 3, 4, 1} {
		eq(t, fmt.Sprintf("seq of message %d", i), got[i].Seq, want)
	}
	eq(t, "retry returns the first attempt", got[4].SentAt, int64(1000))

	conv := func(owner string) store.Conversation {
		return get(t, s, func(ctx context.Context, tx store.Tx) (store.Conversation, error) {
			c, _, err := tx.Conversation(ctx, app1, owner, "c2c:alice:bob")
			return c, err
		})
	}
	// alice has bob's b1 and b3 unread (b2 is excluded); bob has alice's a1.
	a := conv("alice")
	eq(t, "alice peer", a.Peer, "bob")
	eq(t, "alice unread", a.Unread, 2)
	eq(t, "last seq", a.LastSeq, uint64(4))
	eq(t, "bob unread", conv("bob").Unread, 1)

	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.SetReadSeq(ctx, app1, "alice", "c2c:alice:bob", 2)
	})
	eq(t, "alice unread after reading to 2", conv("alice").Unread, 1)
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.SetReadSeq(ctx, app1, "alice", "c2c:alice:bob", 1)
	})
	eq(t, "read cursor never moves back", conv("alice").ReadSeq, uint64(2))

	// A recalled message no longer counts.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		m, ok, err := tx.Message(ctx, app1, "c2c:alice:bob", 4)
		if err != nil || !ok {
			return fmt.Errorf("message 4: %v %v", ok, err)
		}
		m.Status, m.Version = store.MessageRecalled, 1
		return tx.UpdateMessage(ctx, m)
	})
	eq(t, "alice unread after recall", conv("alice").Unread, 0)

	rng := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Message, error) {
		return tx.MessagesInRange(ctx, app1, "c2c:alice:bob", 2, 3, 10)
	})
	eq(t, "range", []uint64{rng[0].Seq, rng[1].Seq}, []uint64{2, 3})
	latest := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Message, error) {
		return tx.LatestMessages(ctx, app1, "c2c:alice:bob", 0, 2)
	})
	eq(t, "latest, newest first", []uint64{latest[0].Seq, latest[1].Seq}, []uint64{4, 3})
	eq(t, "recalled status kept", latest[0].Status, store.MessageRecalled)
	eq(t, "body kept", string(latest[1].Body), `{"MsgBody":[]}`)

	list := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Conversation, error) {
		return tx.Conversations(ctx, app1, "bob")
	})
	eq(t, "bob's list", len(list), 1)
	other := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Conversation, error) {
		return tx.Conversations(ctx, app2, "bob")
	})
	eq(t, "other app sees nothing", len(other), 0)

	var pruned int64
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		pruned, err = tx.PruneMessages(ctx, 10_000_000_000)
		return err
	})
	eq(t, "pruned", pruned, int64(4))
}

// Concurrent senders in one conversation get seqs 1..N, each exactly once.
func testMessageSeqsConcurrent(t *testing.T, s store.Store) {
	const writers, each = 16, 25
	var wg sync.WaitGroup
	seqs := make(chan uint64, writers*each)
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				sender, receiver := "alice", "bob"
				if w%2 == 1 {
					sender, receiver = "bob", "alice"
				}
				m := msg(sender, receiver, fmt.Sprintf("k%d-%d", w, i), 0)
				err := s.Write(t.Context(), func(tx store.Tx) error {
					stored, _, err := tx.AppendMessage(t.Context(), m)
					if err == nil {
						m = stored
					}
					return err
				})
				if err != nil {
					errs <- err
					return
				}
				seqs <- m.Seq
			}
		}(w)
	}
	wg.Wait()
	close(seqs)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	for q := range seqs {
		if seen[q] {
			t.Fatalf("seq %d assigned twice", q)
		}
		seen[q] = true
	}
	for q := uint64(1); q <= writers*each; q++ {
		if !seen[q] {
			t.Fatalf("seq %d missing: gap", q)
		}
	}
}

// A deleted account's conversation views stay but empty: imported again,
// the UserID sees none of the old messages and gets new ones.
func testMessagesAfterAccountDeletion(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := createAccounts(ctx, tx, app1, "alice", "bob"); err != nil {
			return err
		}
		for _, k := range []string{"1", "2"} {
			if _, _, err := tx.AppendMessage(ctx, msg("bob", "alice", k, 0)); err != nil {
				return err
			}
		}
		if _, err := tx.DeleteAccount(ctx, app1, "alice"); err != nil {
			return err
		}
		if err := createAccounts(ctx, tx, app1, "alice"); err != nil {
			return err
		}
		_, _, err := tx.AppendMessage(ctx, msg("bob", "alice", "3", 0))
		return err
	})
	c := get(t, s, func(ctx context.Context, tx store.Tx) (store.Conversation, error) {
		c, _, err := tx.Conversation(ctx, app1, "alice", "c2c:alice:bob")
		return c, err
	})
	eq(t, "new alice's unread", c.Unread, 1)
	eq(t, "old messages cleared", c.ClearedSeq, uint64(2))
	bobs := get(t, s, func(ctx context.Context, tx store.Tx) (store.Conversation, error) {
		c, _, err := tx.Conversation(ctx, app1, "bob", "c2c:alice:bob")
		return c, err
	})
	eq(t, "bob keeps his history", bobs.ClearedSeq, uint64(0))
}

// Seqs stay gapless and unique when appends are undone: by their own
// transaction failing after the append, by other requests of a group commit
// failing beside them (each then rolls back alone and the rest run again),
// and by a retry giving its seq back. An engine that remembers the last seq
// it gave (SQLite's writer) must not trust what a rollback undid.
func testMessageSeqsAfterRollbacks(t *testing.T, s store.Store) {
	ctx := t.Context()
	undone := errors.New("undone after the append")
	appendOne := func(key string, fail bool) (uint64, error) {
		var seq uint64
		err := s.Write(ctx, func(tx store.Tx) error {
			m, _, err := tx.AppendMessage(ctx, msg("alice", "bob", key, 0))
			if err != nil {
				return err
			}
			seq = m.Seq
			if fail {
				return undone
			}
			return nil
		})
		return seq, err
	}
	if seq, err := appendOne("r1", false); err != nil || seq != 1 {
		t.Fatalf("first append: seq %d, %v", seq, err)
	}
	if _, err := appendOne("r2", true); !errors.Is(err, undone) {
		t.Fatalf("failing append: %v, want its own error", err)
	}
	if seq, err := appendOne("r3", false); err != nil || seq != 2 {
		t.Errorf("append after a rolled-back one: seq %d, %v; want 2", seq, err)
	}
	// Requests that reach the store together, half of them failing after
	// their append.
	const n = 24
	seqs := make([]uint64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seqs[i], errs[i] = appendOne(fmt.Sprintf("c%d", i), i%2 == 1)
		}()
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for i := range n {
		if i%2 == 1 {
			if !errors.Is(errs[i], undone) {
				t.Errorf("request %d: %v, want its own error", i, errs[i])
			}
			continue
		}
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if seqs[i] < 3 || seqs[i] > 2+n/2 || seen[seqs[i]] {
			t.Errorf("request %d got seq %d: want unique, in 3..%d", i, seqs[i], 2+n/2)
		}
		seen[seqs[i]] = true
	}
	// A retry answers its first attempt and takes nothing; the next append
	// follows on.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		m, dup, err := tx.AppendMessage(ctx, msg("alice", "bob", "r3", 0))
		if err == nil && (!dup || m.Seq != 2) {
			err = fmt.Errorf("retry of r3: dup %v seq %d, want the first attempt (seq 2)", dup, m.Seq)
		}
		return err
	})
	next := uint64(3 + n/2)
	if seq, err := appendOne("r4", false); err != nil || seq != next {
		t.Errorf("append after the retry: seq %d, %v; want %d", seq, err, next)
	}
	stored := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Message, error) {
		return tx.MessagesInRange(ctx, app1, "c2c:alice:bob", 1, 1000, 1000)
	})
	for i, m := range stored {
		if m.Seq != uint64(i+1) {
			t.Fatalf("stored seqs are not 1..%d without gaps: %v", len(stored), seqsOf(stored))
		}
	}
	eq(t, "messages stored", len(stored), int(next))
	eq(t, "conversation's last seq", get(t, s, func(ctx context.Context, tx store.Tx) (uint64, error) {
		c, _, err := tx.Conversation(ctx, app1, "alice", "c2c:alice:bob")
		return c.LastSeq, err
	}), next)
}

// testQueuedWritesKeepTheirOrder: writes one goroutine queues
// (store.QueueWrite) run in the order queued, so a client's sends queued
// one after another take ascending seqs in that order, and a failing one
// fails alone. Each Wait returns its own write's result, and its Ready is
// closed by then.
func testQueuedWritesKeepTheirOrder(t *testing.T, s store.Store) {
	ctx := t.Context()
	const n = 40
	seqs := make([]uint64, n)
	queued := make([]store.Queued, n)
	for i := range n {
		key := fmt.Sprintf("q%02d", i)
		queued[i] = store.QueueWrite(s, ctx, func(tx store.Tx) error {
			if i == 7 {
				return errors.New("the eighth fails")
			}
			m, _, err := tx.AppendMessage(ctx, msg("alice", "bob", key, 0))
			seqs[i] = m.Seq
			return err
		})
	}
	var want uint64
	for i, q := range queued {
		err := q.Wait()
		select {
		case <-q.Ready:
		default:
			t.Fatalf("write %d: answered, and Ready still open", i)
		}
		if i == 7 {
			if err == nil || err.Error() != "the eighth fails" {
				t.Fatalf("write 7: %v, want its own failure", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if want++; seqs[i] != want {
			t.Fatalf("write %d took seq %d, want %d (queued order): %v", i, seqs[i], want, seqs)
		}
	}
	var got []store.Message
	if err := s.Read(ctx, func(tx store.Tx) (err error) {
		got, err = tx.MessagesInRange(ctx, app1, "c2c:alice:bob", 1, 1000, 1000)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != n-1 || got[0].ClientKey != "q00" || got[7].ClientKey != "q08" || got[n-2].ClientKey != fmt.Sprintf("q%02d", n-1) {
		t.Fatalf("stored %d messages, want %d in queued order", len(got), n-1)
	}
}
