package broker

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// LocalOptions configures a Local broker.
type LocalOptions struct {
	// Limits bounds each subscription's queue.
	Limits Limits
	// DrainTimeout bounds how long Close waits for queued messages to be
	// delivered; default 5 s.
	DrainTimeout time.Duration
}

// Local is the in-process Broker of a single node: no network, no
// dependency. A subject's subscribers are an immutable slice replaced on
// every change (copy on write), so Publish reads it under a read lock held
// only for the map lookup and then fans out with no broker lock held.
//
// Each subscription has a bounded FIFO queue and a goroutine that exists
// only while the queue is not empty (an idle subscription costs no
// goroutine), which calls fn with no lock held. A message that would take
// the queue over its bound is dropped and counted: the publisher never
// waits, and memory never grows past the bounds.
type Local struct {
	limits       Limits
	drainTimeout time.Duration
	dropped      atomic.Uint64

	mu     sync.RWMutex
	subs   map[string][]*localSub
	closed bool
}

// NewLocal returns an in-process broker.
func NewLocal(opts LocalOptions) *Local {
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = 5 * time.Second
	}
	return &Local{limits: opts.Limits.withDefaults(), drainTimeout: opts.DrainTimeout, subs: map[string][]*localSub{}}
}

type localSub struct {
	b       *Local
	subject string
	fn      func([]byte)

	mu      sync.Mutex
	q       [][]byte // q[head:] is the queue
	head    int
	bytes   int
	running bool          // the delivery goroutine exists
	idle    chan struct{} // made by Close to wait for it, closed when it exits
	closed  bool
}

// Publish implements Broker. It copies data once, whatever the number of
// subscribers, and queues that copy on each.
func (b *Local) Publish(ctx context.Context, subject string, data []byte) error {
	return b.publish(ctx, subject, data, true)
}

// PublishOwned is Publish for a caller that hands data over: the caller
// must never change data after the call (it may publish the same bytes on
// another subject), so the subscribers are given data itself and nothing
// is copied. A network broker copies into its write buffer anyway; only the
// in-process one offers this.
func (b *Local) PublishOwned(ctx context.Context, subject string, data []byte) error {
	return b.publish(ctx, subject, data, false)
}

func (b *Local) publish(ctx context.Context, subject string, data []byte, copyData bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !ValidSubject(subject) {
		return ErrBadSubject
	}
	b.mu.RLock()
	closed, subs := b.closed, b.subs[subject]
	b.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	if len(subs) == 0 {
		return nil
	}
	msg := data
	if copyData {
		msg = append(make([]byte, 0, len(data)), data...)
	}
	for _, s := range subs {
		s.enqueue(msg)
	}
	return nil
}

// enqueue queues msg, or drops and counts it if the queue is full, and
// starts the delivery goroutine if there is none. It never blocks on fn.
func (s *localSub) enqueue(msg []byte) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if n := len(s.q) - s.head; n >= s.b.limits.Messages || s.bytes+len(msg) > s.b.limits.Bytes {
		s.mu.Unlock()
		s.b.dropped.Add(1)
		return
	}
	if s.head > 0 && len(s.q) == cap(s.q) {
		// Slide the queue down rather than grow: the slice stays within
		// about twice the message bound however long the queue never
		// empties.
		n := copy(s.q, s.q[s.head:])
		clear(s.q[n:])
		s.q, s.head = s.q[:n], 0
	}
	s.q = append(s.q, msg)
	s.bytes += len(msg)
	start := !s.running
	s.running = true
	s.mu.Unlock()
	if start {
		go s.deliver()
	}
}

// deliver hands queued messages to fn, one at a time, until the queue is
// empty or the subscription is closed, then exits.
func (s *localSub) deliver() {
	for {
		s.mu.Lock()
		if s.closed || s.head == len(s.q) {
			// Keep a small slice for the next burst; let a big one (a
			// burst near the bound) go, so idle subscriptions stay small.
			if cap(s.q) > 64 {
				s.q = nil
			} else {
				clear(s.q)
				s.q = s.q[:0]
			}
			s.head, s.bytes = 0, 0
			s.running = false
			if s.idle != nil {
				close(s.idle)
				s.idle = nil
			}
			s.mu.Unlock()
			return
		}
		msg := s.q[s.head]
		s.q[s.head] = nil
		s.head++
		s.bytes -= len(msg)
		s.mu.Unlock()
		s.fn(msg)
	}
}

// Subscribe implements Broker.
func (b *Local) Subscribe(subject string, fn func(data []byte)) (Subscription, error) {
	if !ValidSubject(subject) {
		return nil, ErrBadSubject
	}
	s := &localSub{b: b, subject: subject, fn: fn}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	old := b.subs[subject]
	subs := make([]*localSub, len(old), len(old)+1)
	copy(subs, old)
	b.subs[subject] = append(subs, s)
	return s, nil
}

// Unsubscribe implements Subscription.
func (s *localSub) Unsubscribe() error {
	b := s.b
	b.mu.Lock()
	old := b.subs[s.subject]
	for i, x := range old {
		if x == s {
			if len(old) == 1 {
				delete(b.subs, s.subject)
			} else {
				subs := make([]*localSub, 0, len(old)-1)
				subs = append(subs, old[:i]...)
				b.subs[s.subject] = append(subs, old[i+1:]...)
			}
			break
		}
	}
	b.mu.Unlock()
	s.close()
	return nil
}

// close ends delivery: the goroutine, if any, sees closed before its next
// call of fn and exits, dropping the queue.
func (s *localSub) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

// Dropped implements Broker.
func (b *Local) Dropped() uint64 { return b.dropped.Load() }

// Close implements Broker: no new Publish or Subscribe, then up to
// DrainTimeout for every subscription's queue to empty, then every
// subscription ends.
func (b *Local) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	var all []*localSub
	for _, subs := range b.subs {
		all = append(all, subs...)
	}
	b.subs = map[string][]*localSub{}
	b.mu.Unlock()

	// A Publish that read the subscriber list before closed was set may
	// still queue a message after the wait below; it is discarded by the
	// close that follows, which at most once allows.
	deadline := time.NewTimer(b.drainTimeout)
	defer deadline.Stop()
	var err error
	for _, s := range all {
		if err != nil {
			break
		}
		s.mu.Lock()
		if !s.running {
			s.mu.Unlock()
			continue
		}
		if s.idle == nil {
			s.idle = make(chan struct{})
		}
		idle := s.idle
		s.mu.Unlock()
		select {
		case <-idle:
		case <-deadline.C:
			err = ErrDrainTimeout
		}
	}
	for _, s := range all {
		s.close()
	}
	return err
}

// HasSubscribers reports whether subject has a subscriber now. A publisher
// on one node may skip encoding a message nobody would receive; a broker
// spanning nodes cannot know, so only Local offers it.
func (b *Local) HasSubscribers(subject string) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.subs[subject]) > 0
}

// Subscribers is the number of subscriptions subject has now, over every
// subscriber of this broker (several nodes may share one Local in a
// process). With one and that one its own, a publisher knows the message
// reaches only itself.
func (b *Local) Subscribers(subject string) int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.subs[subject])
}
