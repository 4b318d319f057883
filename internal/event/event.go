// Package event carries what the domain services did to the parts of the
// server that react to it (client delivery, webhooks, push). Services publish
// after their write is durable, so a subscriber never announces a change that
// could still be rolled back.
package event

import (
	"context"
	"sync"
	"time"

	"github.com/parleyim/parley/internal/store"
)

// Kind names what happened.
type Kind string

const (
	FriendAdded          Kind = "friend.added"
	FriendDeleted        Kind = "friend.deleted"
	FriendUpdated        Kind = "friend.updated"
	FriendRequestAdded   Kind = "friend_request.added"
	FriendRequestDeleted Kind = "friend_request.deleted"
	FriendRequestsRead   Kind = "friend_request.read"
	BlockAdded           Kind = "block.added"
	BlockDeleted         Kind = "block.deleted"
	FriendListsChanged   Kind = "friend_group.changed"
	ProfileUpdated       Kind = "profile.updated"
	AccountDeleted       Kind = "account.deleted"
	MessageNew           Kind = "msg.new"
	MessageRecalled      Kind = "msg.recalled"
	MessageRead          Kind = "msg.read"
	MessageModified      Kind = "msg.modified"
	MessageDeleted       Kind = "msg.deleted"
	ConversationCleared  Kind = "conversation.cleared"
	// MessageReceipt tells a message's sender that its receiver read it
	// (per-message read receipts); MsgKeys names the messages.
	MessageReceipt Kind = "msg.receipt"
	// RecvOptChanged is logged when a user changes their receive option
	// for the peers in Peers.
	RecvOptChanged Kind = "recv_opt.changed"
	// Conversation-list events carry conversation IDs (c2c_<peer>) in
	// Peers; conversation_group.changed carries group names.
	ConversationChanged      Kind = "conversation.changed"
	ConversationDeleted      Kind = "conversation.deleted"
	ConversationGroupChanged Kind = "conversation_group.changed"
)

// Event is addressed to one user: the one whose view of the world changed
// (whose friend list, blocklist, requests or profile). Peers are the other
// users concerned, e.g. the friends added.
type Event struct {
	App   uint64
	Kind  Kind
	User  string
	Peers []string
	// Seq is the event's place in User's change log (0 for events that are
	// not logged), so a client resumes exactly after the last one it saw.
	Seq  uint64
	Time int64
	// Message is the message of msg.* events; they are addressed to User
	// and Peers (the conversation's two users, or only one of them), not
	// logged per user (the conversation's own seq orders them).
	Message *store.Message
	// MsgKeys are the messages of a msg.deleted or msg.receipt event.
	MsgKeys []string
	// Only, on a group msg.new, limits it to these members (a targeted
	// message's receivers and its sender); nil is every member.
	Only []string
	// GroupReceipts are the messages of a msg.groupReceipt event.
	GroupReceipts []GroupReceipt
	// NoPush marks a msg.new whose receiver set receive_not_notify for the
	// sender: delivered online, but offline push must skip it.
	NoPush bool
	// Except lists the group members a group msg.new must not reach: those
	// whose receive option for the group is not_receive.
	Except []string
	// Origin is the client connection a change came from, so that it is not
	// echoed back to the instance that made it.
	Origin any
}

// Bus fans events out to subscribers, synchronously and in publish order.
// Subscribers must not block: one that has slow work queues it.
type Bus struct {
	mu   sync.RWMutex
	next int
	subs map[int]func(Event)
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{subs: map[int]func(Event){}} }

// Subscribe registers fn and returns a function that removes it.
func (b *Bus) Subscribe(fn func(Event)) (unsubscribe func()) {
	b.mu.Lock()
	id := b.next
	b.next++
	b.subs[id] = fn
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		delete(b.subs, id)
		b.mu.Unlock()
	}
}

// Publish delivers events to every subscriber. A nil Bus drops them, which
// lets tools run services without wiring delivery.
func (b *Bus) Publish(events ...Event) {
	if b == nil || len(events) == 0 {
		return
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, fn := range b.subs {
		for _, e := range events {
			fn(e)
		}
	}
}

// Write runs fn in a store write transaction and, in the same transaction,
// logs the events fn left in *events; on success *events holds them with
// their seqs, ready to Publish. A change and its log entry are therefore
// durable together or not at all. st is a module's Store (its Write over
// the module's Tx, which must include the change log's append).
func Write[T store.EventAppender](ctx context.Context, st store.Scoped[T], events *[]Event, fn func(T) error) error {
	return st.Write(ctx, func(tx T) error {
		if err := fn(tx); err != nil {
			return err
		}
		logged, err := Record(ctx, tx, time.Now().Unix(), *events)
		if err != nil {
			return err
		}
		*events = logged
		return nil
	})
}

// Record appends events to their users' change logs inside the caller's
// transaction and returns them with their seqs. Services call it last in
// their write, then Publish what it returned once the write is durable.
func Record(ctx context.Context, log store.EventAppender, now int64, events []Event) ([]Event, error) {
	if len(events) == 0 {
		return nil, nil
	}
	in := make([]store.UserEvent, len(events))
	for i, e := range events {
		in[i] = store.UserEvent{App: e.App, User: e.User, Kind: string(e.Kind), Peers: e.Peers, Time: now}
	}
	logged, err := log.AppendUserEvents(ctx, in)
	if err != nil {
		return nil, err
	}
	out := make([]Event, len(logged))
	for i, e := range logged {
		out[i] = Event{App: e.App, Kind: Kind(e.Kind), User: e.User, Peers: e.Peers, Seq: e.Seq, Time: e.Time}
	}
	return out, nil
}

// FromLog converts stored log entries back into events.
func FromLog(entries []store.UserEvent) []Event {
	out := make([]Event, len(entries))
	for i, e := range entries {
		out[i] = Event{App: e.App, Kind: Kind(e.Kind), User: e.User, Peers: e.Peers, Seq: e.Seq, Time: e.Time}
	}
	return out
}
