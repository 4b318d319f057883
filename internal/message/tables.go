package message

import (
	"github.com/parleyim/parley/internal/store"
)

// Tx is what the message core needs from storage: which accounts exist and
// their write locks, how a sender relates to the receiver (Relations: the
// one-to-one policy), the stored messages, the group rows (the group
// policy), each participant's read state, receive options and receipts, the
// change log and the outbox. store.Tx has all of it.
type Tx interface {
	store.AccountLookup
	store.AccountLocks
	store.SendRules
	store.MessageLog
	store.GroupReader
	store.GroupMembers
	store.GroupMsgExt
	store.GroupMore
	store.GroupAVChat
	store.GroupTopicMembers
	store.ReadState
	store.RecvOpts
	store.Receipts
	store.EventAppender
	store.OutboxAppender
}

// Store runs the message core's transactions (see store.Store for the
// contract of Write and Read).
type Store = store.Scoped[Tx]

// StoreOf is st as the message core sees it.
func StoreOf(st store.Store) Store { return store.Scope(st, func(tx store.Tx) Tx { return tx }) }
