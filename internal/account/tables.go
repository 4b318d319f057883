package account

import (
	"github.com/parleyim/parley/internal/store"
)

// Tx is what the account service needs from storage: the accounts
// themselves and their UserSig bounds, the profile an import sets, who has
// a user as a friend (told of a change or a deletion), the change log and
// the outbox (session state changes). store.Tx has all of it.
type Tx interface {
	store.AccountRegistry
	store.AccountLookup
	store.UserSigBounds
	store.ProfileWriter
	store.FriendOfLister
	store.EventAppender
	store.OutboxAppender
}

// Store runs the account service's transactions (see store.Store for the
// contract of Write and Read).
type Store = store.Scoped[Tx]

// StoreOf is st as the account service sees it.
func StoreOf(st store.Store) Store { return store.Scope(st, func(tx store.Tx) Tx { return tx }) }
