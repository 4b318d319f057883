package outbox

import (
	"github.com/parleyim/parley/internal/store"
)

// Tx is what the dispatcher needs from storage: the outbox queue's find,
// claim, settle and count. Producers append through the caller's own
// transaction (Append, Producer.Add take a store.OutboxAppender).
type Tx interface {
	store.OutboxQueue
}

// Store runs the dispatcher's transactions (see store.Store for the
// contract of Write and Read).
type Store = store.Scoped[Tx]

// StoreOf is st as the dispatcher sees it.
func StoreOf(st store.Store) Store { return store.Scope(st, func(tx store.Tx) Tx { return tx }) }
