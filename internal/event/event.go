// Package event carries what the domain services did to the parts of the
// server that react to it (client delivery, webhooks, push). Services publish
// after their write is durable, so a subscriber never announces a change that
// could still be rolled back.
package event

import "sync"

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
	FriendListsChanged   Kind = "friend_list.changed"
	ProfileUpdated       Kind = "profile.updated"
	AccountDeleted       Kind = "account.deleted"
)

// Event is addressed to one user: the one whose view of the world changed
// (whose friend list, blocklist, requests or profile). Peers are the other
// users concerned, e.g. the friends added.
type Event struct {
	App   uint64
	Kind  Kind
	User  string
	Peers []string
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
