package sqlstore

import (
	"sync"
	"sync/atomic"

	"github.com/parleyim/parley/internal/store"
)

// SendCheckCache remembers the answers of SendCheck (may this sender write
// to this receiver: the receiver's existence, block, receive option and,
// when asked, the two friend rows) for an engine where every write to the
// database goes through this process. A one-to-one send asks it on every
// message, and the answer changes only when one of those rows does; reading
// it from SQLite was an eighth of the server's CPU per message.
//
// Contract: every write transaction that changes accounts (created or
// deleted), blocklist, friends or c2c_recv_opts calls txn.relationsChanged
// before it commits (a write that changed no row need not: an import of an
// account that exists, a block already there, leaves every answer true), and the cache is invalidated after the commit and
// before the writer is answered. An answer is stored with the generation
// read before its query, so one read from a snapshot older than a commit
// is never served after that commit's invalidation. Only read transactions
// use it: a write transaction must see its own writes.
//
// It is bounded (maxSendChecks entries, emptied when full) and valid only
// while no other process writes the file: sqlite.Open holds the file
// exclusively.
type SendCheckCache struct {
	gen     atomic.Uint64
	mu      sync.Mutex
	entries map[sendCheckKey]sendCheckEntry
}

const maxSendChecks = 65536

type sendCheckKey struct {
	app              store.AppID
	receiver, sender string
	friends          bool
}

type sendCheckEntry struct {
	gen   uint64
	check store.SendCheck
}

// NewSendCheckCache returns an empty cache, for Options.SendChecks.
func NewSendCheckCache() *SendCheckCache {
	return &SendCheckCache{entries: map[sendCheckKey]sendCheckEntry{}}
}

// invalidate forgets every answer (a generation step; entries of older
// generations are dead).
func (c *SendCheckCache) invalidate() { c.gen.Add(1) }

func (c *SendCheckCache) get(k sendCheckKey) (store.SendCheck, uint64, bool) {
	g := c.gen.Load()
	c.mu.Lock()
	e, ok := c.entries[k]
	c.mu.Unlock()
	if ok && e.gen == g {
		return e.check, g, true
	}
	return store.SendCheck{}, g, false
}

// put stores an answer read at generation g (returned by get before the
// query); one from an older generation is not stored.
func (c *SendCheckCache) put(k sendCheckKey, g uint64, check store.SendCheck) {
	if c.gen.Load() != g {
		return
	}
	c.mu.Lock()
	if len(c.entries) >= maxSendChecks {
		clear(c.entries)
	}
	c.entries[k] = sendCheckEntry{gen: g, check: check}
	c.mu.Unlock()
}

// relationsChanged marks t as changing what SendCheck answers; its commit
// invalidates the cache (see SendCheckCache).
func (t *txn) relationsChanged() {
	t.changesSendChecks = true
}

// afterCommit runs when t's transaction has ended, committed or not, before
// its writers are answered.
func (t *txn) afterCommit() {
	if t.changesSendChecks && t.db.sendChecks != nil {
		t.db.sendChecks.invalidate()
	}
}
