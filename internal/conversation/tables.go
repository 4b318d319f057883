package conversation

import (
	"context"

	"github.com/parleyim/parley/internal/store"
)

// Tx is what the conversation list needs from storage: whether the owner
// exists and their write lock, the list itself with its pins, drafts and
// versions, the marks and conversation groups kept apart from it, the
// receive options shown with each conversation, a group member's view (to
// check membership), and the change log. store.Tx has all of it; a test can
// fake just these.
type Tx interface {
	store.AccountLookup
	store.AccountLocks
	store.ConversationList
	store.ConversationMarks
	store.ConversationGroups
	store.RecvOptReader
	memberView
	groupRecvOpts
	store.EventAppender
}

// groupRecvOpts is the one method of the group tables the list uses: the
// receive option shown with each group conversation.
type groupRecvOpts interface {
	GroupMsgFlags(ctx context.Context, app store.AppID, user string) (map[string]int, error)
	// TopicRecvOpts is the owner's own options for topics (topic_recvopt.go).
	TopicRecvOpts(ctx context.Context, app store.AppID, user string) (map[string]int, error)
}

// memberView is the one method of the read state the list uses.
type memberView interface {
	// Conversation is owner's view of the conversation convKey (see
	// store.ReadState).
	Conversation(ctx context.Context, app store.AppID, owner, convKey string) (store.Conversation, bool, error)
}

// Store runs the conversation list's transactions (see store.Store for the
// contract of Write and Read).
type Store = store.Scoped[Tx]

// StoreOf is st as the conversation list sees it.
func StoreOf(st store.Store) Store { return store.Scope(st, func(tx store.Tx) Tx { return tx }) }
