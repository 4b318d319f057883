package sqlstore

import (
	"sync"

	"github.com/parleyim/parley/internal/store"
)

// lastSeqHints remembers the last seq the writer gave each one-to-one
// conversation, so the next append can move the conversation's row on with
// a plain UPDATE (last_seq = hint + 1 WHERE last_seq = hint) instead of an
// UPDATE ... RETURNING, whose result set costs the single writer a read
// path per message. A hint is never trusted: a stale one (a transaction that
// rolled back, a savepoint undone) makes the guarded UPDATE touch no row,
// and the append falls back to reading the row. Only engines whose file has
// one writer keep hints (SQLite, through its group committer); the zero
// value is off.
type lastSeqHints struct {
	on bool
	mu sync.Mutex
	m  map[lastSeqKey]uint64
}

type lastSeqKey struct {
	app  store.AppID
	conv string
}

// maxLastSeqHints bounds the map (about 100 bytes an entry: under 2 MB):
// past it, the hints are dropped and grow again from the conversations in
// use, each at the cost of one RETURNING read.
const maxLastSeqHints = 16_384

func (h *lastSeqHints) get(app store.AppID, conv string) (uint64, bool) {
	if !h.on {
		return 0, false
	}
	h.mu.Lock()
	v, ok := h.m[lastSeqKey{app, conv}]
	h.mu.Unlock()
	return v, ok
}

func (h *lastSeqHints) set(app store.AppID, conv string, seq uint64) {
	if !h.on {
		return
	}
	h.mu.Lock()
	if h.m == nil || len(h.m) >= maxLastSeqHints {
		h.m = make(map[lastSeqKey]uint64)
	}
	h.m[lastSeqKey{app, conv}] = seq
	h.mu.Unlock()
}
