package presence

import (
	"github.com/parleyim/parley/internal/store"
)

// Tx is what the cluster directory needs from storage: the session
// directory, the account lock a login takes, and the UserSig bound the
// login's guard reads under that lock. store.Tx has all of it.
type Tx interface {
	store.AccountLocks
	store.Sessions
	store.UserSigBounds
}

// Store runs the directory's transactions (see store.Store for the contract
// of Write and Read).
type Store = store.Scoped[Tx]

// StoreOf is st as the directory sees it.
func StoreOf(st store.Store) Store { return store.Scope(st, func(tx store.Tx) Tx { return tx }) }
