// Package outbox is the durable outbox of the delivery core: the events that
// webhooks and offline push consume are appended (Append) in the same store
// transaction as the change they announce, so they are durable with it, and
// a Dispatcher hands them to a Handler after the commit, at least once, in
// order per partition, resuming after a restart or a crash.
//
// # Claims and leases
//
// The Dispatcher claims a batch of one partition in a short write
// transaction (store.Outbox.ClaimOutbox): on PostgreSQL the rows are read
// FOR UPDATE SKIP LOCKED, so two nodes claiming together never both get a
// row; on SQLite the single writer serialises claims. The claim also sets
// the rows' lease (leased_until = now + Lease) and counts an attempt, then
// commits: no transaction or row lock is held while the Handler runs. Other
// claimers skip leased rows. On success the batch is acknowledged (deleted);
// on failure each entry is released with its retry time; after a crash the
// lease simply expires and any node claims the entries again. The Handler is
// bounded by HandlerTimeout, which must be shorter than Lease, so a lease
// does not expire under a handler that is still running; a handler that
// ignores its context past the timeout is abandoned (its entries are
// retried) and keeps its concurrency slot until it returns. Leases compare
// the clocks of the nodes: Lease must exceed their skew.
//
// # Ordering
//
// Per partition, entries are handed over in id order, one batch at a time,
// and a partition whose oldest entry is leased or waiting for its retry
// yields nothing: a failing entry blocks the rest of its partition until it
// is delivered or dropped. Producers choose the partition from what must
// stay ordered (Partition(conversation key)). Delivery is at least once: an
// entry may come again (a crash between the handler's success and the
// acknowledgement, an abandoned handler), so consumers must be idempotent
// on the entry ID.
//
// # Budget
//
// An entry is handed over at most MaxAttempts times, a crashed or abandoned
// claim counting as one; after the last failure it is dropped: deleted,
// counted (Metrics.Dropped) and logged.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/parleyim/parley/internal/store"
)

// Partitions is how many partitions Partition spreads keys over. Changing it
// moves keys between partitions: entries already queued then lose their
// order relative to new ones, so it changes only with an empty outbox.
const Partitions = 64

// Bounds of what Append accepts.
const (
	// MaxPayload is the largest payload of one entry.
	MaxPayload = 256 << 10
	// MaxAppend is how many entries one Append may add.
	MaxAppend = 5000
)

// Partition maps an ordering key (e.g. app and conversation) to its
// partition.
func Partition(key string) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % Partitions)
}

// Append adds entries to the outbox inside the caller's write transaction
// and returns them with their IDs; they are dispatched once it commits (call
// Dispatcher.Notify then). Append them after taking whatever lock orders
// their partition key (see store.Outbox). CreatedAt defaults to now.
func Append(ctx context.Context, tx store.OutboxAppender, entries ...store.OutboxEntry) ([]store.OutboxEntry, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	if len(entries) > MaxAppend {
		return nil, fmt.Errorf("outbox: %d entries in one append, at most %d", len(entries), MaxAppend)
	}
	now := time.Now().UnixMilli()
	in := make([]store.OutboxEntry, len(entries))
	for i, e := range entries {
		switch {
		case e.Kind == "":
			return nil, errors.New("outbox: entry without a kind")
		case e.Partition < 0:
			return nil, fmt.Errorf("outbox: negative partition %d", e.Partition)
		case len(e.Payload) > MaxPayload:
			return nil, fmt.Errorf("outbox: %s payload of %d bytes, at most %d", e.Kind, len(e.Payload), MaxPayload)
		}
		if e.CreatedAt == 0 {
			e.CreatedAt = now
		}
		in[i] = e
	}
	return tx.AppendOutbox(ctx, in)
}
