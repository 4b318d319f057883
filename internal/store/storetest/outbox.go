package storetest

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

func appendOutbox(t *testing.T, s store.Store, entries ...store.OutboxEntry) []store.OutboxEntry {
	t.Helper()
	var out []store.OutboxEntry
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		out, err = tx.AppendOutbox(ctx, entries)
		return err
	})
	return out
}

// claimOutbox claims from app1's partition part (claimAppOutbox: any app's).
func claimOutbox(t *testing.T, s store.Store, part, limit int, now, until int64) []store.OutboxEntry {
	t.Helper()
	return claimAppOutbox(t, s, store.OutboxPartition{App: app1, Part: part}, limit, now, until)
}

func claimAppOutbox(t *testing.T, s store.Store, p store.OutboxPartition, limit int, now, until int64) []store.OutboxEntry {
	t.Helper()
	var out []store.OutboxEntry
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		out, err = tx.ClaimOutbox(ctx, p, limit, now, until)
		return err
	})
	return out
}

func outboxIDs(es []store.OutboxEntry) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

// Appends are durable with their transaction and get ascending IDs; the
// payload comes back byte for byte.
func testOutboxAppend(t *testing.T, s store.Store) {
	err := s.Write(t.Context(), func(tx store.Tx) error {
		if _, err := tx.AppendOutbox(t.Context(), []store.OutboxEntry{{App: app1, Partition: 0, Kind: "x", Payload: []byte("lost"), CreatedAt: 1}}); err != nil {
			return err
		}
		return errRollback
	})
	if err != errRollback {
		t.Fatalf("rollback write: %v", err)
	}
	stats := get(t, s, func(ctx context.Context, tx store.Tx) (store.OutboxStats, error) { return tx.OutboxStats(ctx) })
	eq(t, "stats after rollback", stats, store.OutboxStats{})

	binary := []byte{0, 1, 2, 0xff, '\'', 0}
	got := appendOutbox(t, s,
		store.OutboxEntry{App: app1, Partition: 3, Kind: "msg.new", Payload: binary, CreatedAt: 100},
		store.OutboxEntry{App: app2, Partition: 3, Kind: "friend.added", CreatedAt: 101, Attempts: 7, LeasedUntil: 1 << 40},
	)
	if len(got) != 2 || got[0].ID == 0 || got[1].ID <= got[0].ID {
		t.Fatalf("appended %+v: want two ascending IDs", got)
	}
	if got[1].Attempts != 0 || got[1].LeasedUntil != 0 {
		t.Errorf("append kept attempts/lease: %+v", got[1])
	}
	stats = get(t, s, func(ctx context.Context, tx store.Tx) (store.OutboxStats, error) { return tx.OutboxStats(ctx) })
	eq(t, "stats", stats, store.OutboxStats{Depth: 2, OldestCreated: 100})

	// Partitions are per app: app1's partition 3 and app2's are two.
	claimed := claimOutbox(t, s, 3, 10, 1000, 2000)
	eq(t, "claimed", claimed, []store.OutboxEntry{
		{ID: got[0].ID, App: app1, Partition: 3, Kind: "msg.new", Payload: binary, CreatedAt: 100, Attempts: 1, LeasedUntil: 2000},
	})
	eq(t, "the other app's partition 3", claimAppOutbox(t, s, store.OutboxPartition{App: app2, Part: 3}, 10, 1000, 2000), []store.OutboxEntry{
		{ID: got[1].ID, App: app2, Partition: 3, Kind: "friend.added", Payload: []byte{}, CreatedAt: 101, Attempts: 1, LeasedUntil: 2000},
	})
	if !bytes.Equal(claimed[0].Payload, binary) {
		t.Errorf("payload %q, want %q", claimed[0].Payload, binary)
	}

	// A read transaction cannot append or claim.
	err = s.Read(t.Context(), func(tx store.Tx) error {
		if _, err := tx.AppendOutbox(t.Context(), []store.OutboxEntry{{Kind: "x"}}); err == nil {
			t.Error("AppendOutbox in Read succeeded")
		}
		if _, err := tx.ClaimOutbox(t.Context(), store.OutboxPartition{App: app1, Part: 3}, 1, 1<<41, 1<<42); err == nil {
			t.Error("ClaimOutbox in Read succeeded")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Per partition, claims come in id order, up to the limit; a partition whose
// head is leased yields nothing, other partitions are independent; a lease
// that expired is claimed again with one more attempt; ack deletes.
func testOutboxClaimOrderAndLease(t *testing.T, s store.Store) {
	var in []store.OutboxEntry
	for i := range 6 {
		in = append(in, store.OutboxEntry{App: app1, Partition: i % 2, Kind: "k", Payload: []byte{byte(i)}, CreatedAt: int64(i)})
	}
	got := appendOutbox(t, s, in...)
	p0 := []uint64{got[0].ID, got[2].ID, got[4].ID}
	p1 := []uint64{got[1].ID, got[3].ID, got[5].ID}

	ready := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.OutboxPartition, error) {
		return tx.ReadyOutboxPartitions(ctx, 1000, 10)
	})
	eq(t, "ready", ready, []store.OutboxPartition{{App: app1, Part: 0}, {App: app1, Part: 1}})

	c := claimOutbox(t, s, 0, 2, 1000, 2000)
	eq(t, "first claim of p0", outboxIDs(c), p0[:2])
	if c[0].Attempts != 1 || c[0].LeasedUntil != 2000 {
		t.Errorf("claimed %+v: want attempts 1, leased until 2000", c[0])
	}
	// The head of p0 is leased: nothing more from p0, not even its third
	// entry; p1 is untouched.
	eq(t, "p0 while leased", len(claimOutbox(t, s, 0, 10, 1500, 2500)), 0)
	ready = get(t, s, func(ctx context.Context, tx store.Tx) ([]store.OutboxPartition, error) {
		return tx.ReadyOutboxPartitions(ctx, 1500, 10)
	})
	eq(t, "ready while p0 leased", ready, []store.OutboxPartition{{App: app1, Part: 1}})
	eq(t, "p1", outboxIDs(claimOutbox(t, s, 1, 10, 1500, 2500)), p1)

	// The lease expires (a crashed dispatcher): the same entries come
	// again, one attempt more, and now up to the limit.
	c = claimOutbox(t, s, 0, 10, 2000, 3000)
	eq(t, "p0 after expiry", outboxIDs(c), p0)
	eq(t, "attempts after expiry", []int{c[0].Attempts, c[1].Attempts, c[2].Attempts}, []int{2, 2, 1})

	// Ack deletes; acking again, or an unknown id, deletes nothing.
	var n int64
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		n, err = tx.AckOutbox(ctx, append(append([]uint64{}, p0...), 1<<40))
		return err
	})
	eq(t, "acked", n, int64(3))
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		n, err = tx.AckOutbox(ctx, p0)
		return err
	})
	eq(t, "acked twice", n, int64(0))
	eq(t, "p0 empty", len(claimOutbox(t, s, 0, 10, 1<<40, 1<<41)), 0)
	stats := get(t, s, func(ctx context.Context, tx store.Tx) (store.OutboxStats, error) { return tx.OutboxStats(ctx) })
	eq(t, "stats", stats, store.OutboxStats{Depth: 3, OldestCreated: 1})
}

// A retry releases the lease and schedules the entry; until then it blocks
// the later entries of its partition. A retry from a claim that was
// superseded (the lease expired and someone claimed again) does nothing.
func testOutboxRetry(t *testing.T, s store.Store) {
	got := appendOutbox(t, s,
		store.OutboxEntry{App: app1, Partition: 5, Kind: "a", CreatedAt: 1},
		store.OutboxEntry{App: app1, Partition: 5, Kind: "b", CreatedAt: 2},
	)
	c := claimOutbox(t, s, 5, 1, 1000, 2000)
	eq(t, "claimed", outboxIDs(c), []uint64{got[0].ID})

	var ok bool
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		ok, err = tx.RetryOutbox(ctx, got[0].ID, 0, 1200, true)
		return err
	})
	eq(t, "retry with a stale attempt count", ok, false)
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		ok, err = tx.RetryOutbox(ctx, got[0].ID, c[0].Attempts, 5000, true)
		return err
	})
	eq(t, "retry", ok, true)

	// Lease released (1500 < 2000) but the retry is pending: the head blocks b.
	eq(t, "before the retry time", len(claimOutbox(t, s, 5, 10, 4999, 6000)), 0)
	ready := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.OutboxPartition, error) {
		return tx.ReadyOutboxPartitions(ctx, 4999, 10)
	})
	eq(t, "ready before the retry time", len(ready), 0)
	c = claimOutbox(t, s, 5, 10, 5000, 6000)
	eq(t, "at the retry time", outboxIDs(c), []uint64{got[0].ID, got[1].ID})
	eq(t, "attempts", []int{c[0].Attempts, c[1].Attempts}, []int{2, 1})

	// The second lease expires and a third claim happens: the second
	// claimer's retry is refused, it no longer holds the entry.
	c3 := claimOutbox(t, s, 5, 10, 6000, 7000)
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		ok, err = tx.RetryOutbox(ctx, got[0].ID, c[0].Attempts, 6001, true)
		return err
	})
	eq(t, "superseded retry", ok, false)
	eq(t, "third claim", c3[0].Attempts, 3)
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		ok, err = tx.RetryOutbox(ctx, 1<<40, 1, 1, true)
		return err
	})
	eq(t, "retry of an unknown entry", ok, false)

	// Released uncharged (never tried): the claim's attempt is taken back.
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		ok, err = tx.RetryOutbox(ctx, got[1].ID, c3[1].Attempts, 7000, false)
		return err
	})
	eq(t, "uncharged release", ok, true)
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		_, err = tx.AckOutbox(ctx, []uint64{got[0].ID})
		return err
	})
	c = claimOutbox(t, s, 5, 10, 7000, 8000)
	eq(t, "after an uncharged release", len(c), 1)
	eq(t, "attempts after an uncharged release", c[0].Attempts, c3[1].Attempts)
}

// Claimers racing for one partition (several nodes on PostgreSQL): exactly
// one gets its head, and nobody gets a row another holds.
func testOutboxConcurrentClaims(t *testing.T, s store.Store) {
	var in []store.OutboxEntry
	for i := range 12 {
		in = append(in, store.OutboxEntry{App: app1, Partition: 9, Kind: "k", CreatedAt: int64(i)})
	}
	got := appendOutbox(t, s, in...)
	const claimers = 8
	results := make([][]store.OutboxEntry, claimers)
	errs := make([]error, claimers)
	var wg sync.WaitGroup
	for i := range claimers {
		wg.Go(func() {
			errs[i] = s.Write(t.Context(), func(tx store.Tx) (err error) {
				results[i], err = tx.ClaimOutbox(t.Context(), store.OutboxPartition{App: app1, Part: 9}, 4, 1000, 2000)
				return err
			})
		})
	}
	wg.Wait()
	winners := 0
	for i, r := range results {
		if errs[i] != nil {
			t.Fatalf("claimer %d: %v", i, errs[i])
		}
		if len(r) == 0 {
			continue
		}
		winners++
		eq(t, "winner's rows", outboxIDs(r), outboxIDs(got[:4]))
	}
	eq(t, "claimers that got rows", winners, 1)
}
