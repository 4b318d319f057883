package group

import (
	"context"

	"github.com/parleyim/parley/internal/store"
)

// Tx is what the group service needs from storage: which accounts exist,
// the group rows (profile, lock, membership), member rows, join
// applications and the change log. store.Tx has all of it; a test can fake
// just these.
type Tx interface {
	store.AccountLookup
	store.GroupReader
	store.GroupWriter
	store.GroupProfiles
	store.GroupMembers
	store.GroupApplications
	store.GroupAttrs
	store.GroupMore
	store.GroupTopics
	store.EventAppender
	store.OutboxAppender
}

// Store runs the group service's transactions (see store.Store for the
// contract of Write and Read).
type Store interface {
	Write(ctx context.Context, fn func(Tx) error) error
	Read(ctx context.Context, fn func(Tx) error) error
}

// StoreOf is st as the group service sees it.
func StoreOf(st store.Store) Store { return store.Scope(st, func(tx store.Tx) Tx { return tx }) }
