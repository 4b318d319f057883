package relation

import (
	"github.com/parleyim/parley/internal/store"
)

// Tx is what the relationship chain needs from storage: which accounts
// exist and their write locks, the per-user version sequences, the friend,
// request, blocklist and friend-list tables, the profile tags an add reads
// (AllowType, AdminForbidType), the change log and the outbox. Tx has
// all of it; a test can fake just these.
type Tx interface {
	store.AccountLookup
	store.AccountLocks
	store.VersionSeqs
	store.Friends
	store.FriendRequests
	store.Blocklist
	store.FriendLists
	store.ProfileReader
	store.EventAppender
	store.OutboxAppender
}

// Store runs the relationship chain's transactions (see store.Store for the
// contract of Write and Read).
type Store = store.Scoped[Tx]

// StoreOf is st as the relationship chain sees it.
func StoreOf(st store.Store) Store { return store.Scope(st, func(tx store.Tx) Tx { return tx }) }
