package broker

import "sync"

// Interest keeps a node subscribed to a subject exactly while something on
// the node wants it: the first Acquire of a subject subscribes, the last
// Release unsubscribes. The gateway uses it so that a node hears a group's
// subject only while one of the group's members is online on it.
//
// Subscribe and Unsubscribe run without Interest's lock held (on NATS they
// write to the connection); callers of the same subject wait for the one
// doing it instead, so a subject never has two subscriptions at once and a
// message is never handled twice by one node.
type Interest struct {
	b  Broker
	fn func(subject string, data []byte)

	mu   sync.Mutex
	subs map[string]*interestEntry
}

// An entry is held per subscribed subject for as long as it is subscribed
// (per online user, in the gateway), so it keeps no channel it no longer
// needs: ready becomes the shared closed channel once Subscribe returned,
// and gone exists only while the last Release unsubscribes.
type interestEntry struct {
	refs    int
	closing bool          // the last Release is unsubscribing it
	ready   chan struct{} // closed when Subscribe has returned (sub or err set)
	gone    chan struct{} // made with closing; closed when the entry has left the map
	sub     Subscription
	err     error
}

// closedChan stands for every ready channel that has been closed.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// NewInterest returns an Interest that subscribes on b and hands every
// message to fn with its subject, under the contract of Broker.Subscribe.
func NewInterest(b Broker, fn func(subject string, data []byte)) *Interest {
	return &Interest{b: b, fn: fn, subs: map[string]*interestEntry{}}
}

// Acquire adds one reference to subject, subscribing if it is the first.
// It returns once the subscription exists. On error no reference is held
// (every Acquire waiting for the same failed Subscribe gets the error).
func (in *Interest) Acquire(subject string) error {
	for {
		in.mu.Lock()
		e := in.subs[subject]
		switch {
		case e == nil:
			e = &interestEntry{refs: 1, ready: make(chan struct{})}
			in.subs[subject] = e
			in.mu.Unlock()
			sub, err := in.b.Subscribe(subject, func(data []byte) { in.fn(subject, data) })
			in.mu.Lock()
			e.sub, e.err = sub, err
			if err != nil {
				// Waiters hold references to this entry only through
				// ready: they get the error and hold nothing.
				delete(in.subs, subject)
			}
			close(e.ready)
			e.ready = closedChan // waiters already hold the one just closed
			in.mu.Unlock()
			return err
		case e.closing:
			// Wait for the unsubscribe to finish, then subscribe anew,
			// so that the old and new subscriptions never overlap.
			gone := e.gone
			in.mu.Unlock()
			<-gone
		default:
			e.refs++
			ready := e.ready
			in.mu.Unlock()
			<-ready
			in.mu.Lock()
			err := e.err // written before ready was closed
			in.mu.Unlock()
			return err
		}
	}
}

// Release drops one reference to subject, unsubscribing on the last. A
// Release without a matching successful Acquire is ignored.
func (in *Interest) Release(subject string) {
	in.mu.Lock()
	e := in.subs[subject]
	if e == nil || e.closing || e.refs == 0 {
		in.mu.Unlock()
		return
	}
	ready := e.ready
	in.mu.Unlock()
	<-ready // a matching Acquire has returned, so this does not wait in correct use

	in.mu.Lock()
	if in.subs[subject] != e || e.closing || e.refs == 0 {
		in.mu.Unlock()
		return
	}
	e.refs--
	if e.refs > 0 {
		in.mu.Unlock()
		return
	}
	e.closing = true
	e.gone = make(chan struct{})
	in.mu.Unlock()

	// An error here (the connection is closed) leaves nothing to undo: a
	// closed broker delivers nothing.
	_ = e.sub.Unsubscribe()

	in.mu.Lock()
	delete(in.subs, subject)
	close(e.gone)
	in.mu.Unlock()
}

// Refs is the number of references held on subject (for tests and metrics).
func (in *Interest) Refs(subject string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	if e := in.subs[subject]; e != nil && !e.closing {
		return e.refs
	}
	return 0
}

// Len is the number of subjects subscribed (or being subscribed).
func (in *Interest) Len() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.subs)
}
