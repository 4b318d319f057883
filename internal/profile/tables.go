package profile

import (
	"github.com/parleyim/parley/internal/store"
)

// Tx is what the profile service needs from storage: whether accounts
// exist, the profile table, the audience of a change (who has the user as a
// friend), the change log and the outbox it appends to in the same write.
// store.Tx has all of it; a test can fake just these.
type Tx interface {
	store.AccountLookup
	store.Profiles
	store.FriendOfLister
	store.EventAppender
	store.OutboxAppender
}

// Store runs the profile service's transactions (see store.Store for the
// contract of Write and Read).
type Store = store.Scoped[Tx]

// StoreOf is st as the profile service sees it.
func StoreOf(st store.Store) Store { return store.Scope(st, func(tx store.Tx) Tx { return tx }) }
