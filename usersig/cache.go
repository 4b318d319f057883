package usersig

import (
	"bytes"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Verifier caches successful verifications, because REST callers present the
// same admin UserSig on every request and inflate+parse+HMAC would otherwise
// run each time.
//
// An entry is keyed by everything the verdict depended on (sig, sdkappid,
// identifier and key), so a hit can never vouch for a sig under a different
// app, user or rotated secret; those miss and get a full verification with
// its proper error code. Expiry is the one check that depends on the clock,
// so it is re-run on every hit. Failures are not cached, so a flood of bad
// sigs cannot evict the good entries.
//
// Eviction is CLOCK (second chance): near-LRU hit rates with a read lock on
// the hot path, since a hit only sets a flag.
type Verifier struct {
	capacity int

	mu      sync.RWMutex
	entries map[cacheKey]*cacheEntry
	ring    []*cacheEntry // nil slots were freed by expiry
	hand    int
}

type cacheKey struct {
	sig, key, identifier string
	sdkAppID             uint64
}

type cacheEntry struct {
	key    cacheKey
	ticket Ticket
	slot   int
	ref    atomic.Bool
}

// NewVerifier returns a Verifier holding at most capacity entries. A
// capacity below 1 disables caching, leaving a plain Verify.
func NewVerifier(capacity int) *Verifier {
	if capacity < 0 {
		capacity = 0
	}
	return &Verifier{
		capacity: capacity,
		entries:  make(map[cacheKey]*cacheEntry, min(capacity, 1024)),
	}
}

// Verify behaves exactly like the package-level Verify, codes included.
func (v *Verifier) Verify(sig string, sdkAppID uint64, key, identifier string, now time.Time) (Ticket, error) {
	if v.capacity == 0 {
		return Verify(sig, sdkAppID, key, identifier, now)
	}
	k := cacheKey{sig: sig, key: key, identifier: identifier, sdkAppID: sdkAppID}

	v.mu.RLock()
	e, hit := v.entries[k]
	if hit {
		e.ref.Store(true)
	}
	v.mu.RUnlock()

	if hit {
		if e.ticket.expiredAt(now) {
			v.remove(e)
			return Ticket{}, errExpired()
		}
		return e.ticket.clone(), nil
	}

	t, err := Verify(sig, sdkAppID, key, identifier, now)
	if err != nil {
		return Ticket{}, err
	}
	v.insert(k, t.clone())
	return t, nil
}

// clone keeps callers from mutating the cached UserBuf through the slice
// they were handed.
func (t Ticket) clone() Ticket {
	t.UserBuf = bytes.Clone(t.UserBuf)
	return t
}

func (v *Verifier) insert(k cacheKey, t Ticket) {
	// Cloning detaches the key from whatever large request buffer the
	// strings may be slices of, so the cache does not pin it in memory.
	k.sig = strings.Clone(k.sig)
	k.key = strings.Clone(k.key)
	k.identifier = strings.Clone(k.identifier)

	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.entries[k]; ok {
		return // a concurrent caller got here first
	}
	e := &cacheEntry{key: k, ticket: t}
	if len(v.ring) < v.capacity {
		e.slot = len(v.ring)
		v.ring = append(v.ring, e)
	} else {
		e.slot = v.victim()
		if old := v.ring[e.slot]; old != nil {
			delete(v.entries, old.key)
		}
		v.ring[e.slot] = e
	}
	v.entries[k] = e
}

// victim advances the clock hand to a free slot or an entry not referenced
// since the hand last passed it. Two sweeps always suffice, as the first
// clears every reference flag.
func (v *Verifier) victim() int {
	for range 2*len(v.ring) + 1 {
		i := v.hand
		v.hand = (v.hand + 1) % len(v.ring)
		e := v.ring[i]
		if e == nil || !e.ref.Swap(false) {
			return i
		}
	}
	// Unreachable: hits set flags under the read lock, so none are set
	// while this sweep holds the write lock.
	return v.hand
}

// remove frees an expired entry's slot at once rather than letting it wait
// for the hand, since it can never be served again.
func (v *Verifier) remove(e *cacheEntry) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.entries[e.key] == e {
		delete(v.entries, e.key)
		v.ring[e.slot] = nil
	}
}
