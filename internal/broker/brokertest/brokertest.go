// Package brokertest is the one test suite every broker.Broker passes.
package brokertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/broker"
)

// New returns a fresh broker with the given per-subscription limits; the
// suite closes it (a second Close must be harmless).
type New func(t *testing.T, limits broker.Limits) broker.Broker

const wait = 10 * time.Second

// Run runs the suite against brokers made by newBroker.
func Run(t *testing.T, newBroker New) {
	t.Run("PublishSubscribe", func(t *testing.T) { testPublishSubscribe(t, newBroker) })
	t.Run("ManySubscribers", func(t *testing.T) { testManySubscribers(t, newBroker) })
	t.Run("Unsubscribe", func(t *testing.T) { testUnsubscribe(t, newBroker) })
	t.Run("OrderPerPublisher", func(t *testing.T) { testOrder(t, newBroker) })
	t.Run("HostileIDs", func(t *testing.T) { testHostileIDs(t, newBroker) })
	t.Run("BadSubject", func(t *testing.T) { testBadSubject(t, newBroker) })
	t.Run("Interest", func(t *testing.T) { testInterest(t, newBroker) })
	t.Run("InterestConcurrent", func(t *testing.T) { testInterestConcurrent(t, newBroker) })
	t.Run("SlowSubscriber", func(t *testing.T) { testSlowSubscriber(t, newBroker) })
	t.Run("Close", func(t *testing.T) { testClose(t, newBroker) })
}

// Sink records what a subscription received.
type Sink struct {
	mu   sync.Mutex
	msgs [][]byte
	ch   chan struct{} // signalled on every message
}

// NewSink returns an empty sink.
func NewSink() *Sink { return &Sink{ch: make(chan struct{}, 1)} }

// Fn is the subscriber callback.
func (s *Sink) Fn(data []byte) {
	s.mu.Lock()
	s.msgs = append(s.msgs, data)
	s.mu.Unlock()
	select {
	case s.ch <- struct{}{}:
	default:
	}
}

// Msgs returns a copy of what was received.
func (s *Sink) Msgs() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.msgs...)
}

// WaitFor waits until the sink holds a message equal to want.
func (s *Sink) WaitFor(t testing.TB, want string) {
	t.Helper()
	deadline := time.After(wait)
	for {
		for _, m := range s.Msgs() {
			if string(m) == want {
				return
			}
		}
		select {
		case <-s.ch:
		case <-deadline:
			t.Fatalf("did not receive %q; got %q", want, s.Msgs())
		}
	}
}

// WaitLen waits until the sink holds n messages.
func (s *Sink) WaitLen(t testing.TB, n int) {
	t.Helper()
	deadline := time.After(wait)
	for len(s.Msgs()) < n {
		select {
		case <-s.ch:
		case <-deadline:
			t.Fatalf("received %d messages, want %d", len(s.Msgs()), n)
		}
	}
}

func open(t *testing.T, newBroker New, limits broker.Limits) broker.Broker {
	b := newBroker(t, limits)
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func publish(t testing.TB, b broker.Broker, subject, data string) {
	t.Helper()
	if err := b.Publish(context.Background(), subject, []byte(data)); err != nil {
		t.Fatalf("Publish(%s): %v", subject, err)
	}
}

func subscribe(t testing.TB, b broker.Broker, subject string, fn func([]byte)) broker.Subscription {
	t.Helper()
	sub, err := b.Subscribe(subject, fn)
	if err != nil {
		t.Fatalf("Subscribe(%s): %v", subject, err)
	}
	return sub
}

func testPublishSubscribe(t *testing.T, newBroker New) {
	b := open(t, newBroker, broker.Limits{})
	subject := broker.UserSubject(1, "alice")
	sink := NewSink()
	subscribe(t, b, subject, sink.Fn)
	// Nobody listens on another subject: publishing there is no error.
	publish(t, b, broker.UserSubject(1, "nobody"), "x")
	buf := []byte("hello")
	if err := b.Publish(context.Background(), subject, buf); err != nil {
		t.Fatal(err)
	}
	copy(buf, "XXXXX") // the broker copied it: reuse is allowed
	sink.WaitLen(t, 1)
	if got := sink.Msgs(); len(got) != 1 || string(got[0]) != "hello" {
		t.Fatalf("got %q, want [hello]", got)
	}
	// A done context is refused before anything is sent.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Publish(ctx, subject, []byte("late")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Publish on a cancelled context: %v", err)
	}
}

func testManySubscribers(t *testing.T, newBroker New) {
	b := open(t, newBroker, broker.Limits{})
	subject := broker.GroupSubject(1, "room")
	sinks := make([]*Sink, 50)
	for i := range sinks {
		sinks[i] = NewSink()
		subscribe(t, b, subject, sinks[i].Fn)
	}
	for i := range 5 {
		publish(t, b, subject, strconv.Itoa(i))
	}
	for _, s := range sinks {
		s.WaitLen(t, 5)
		if got := s.Msgs(); len(got) != 5 {
			t.Fatalf("got %d messages, want 5", len(got))
		}
	}
}

func testUnsubscribe(t *testing.T, newBroker New) {
	b := open(t, newBroker, broker.Limits{})
	subject := broker.UserSubject(1, "bob")
	gone, stays := NewSink(), NewSink()
	sub := subscribe(t, b, subject, gone.Fn)
	subscribe(t, b, subject, stays.Fn)
	publish(t, b, subject, "before")
	gone.WaitFor(t, "before")
	stays.WaitFor(t, "before")
	if err := sub.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	if err := sub.Unsubscribe(); err != nil {
		t.Fatalf("second Unsubscribe: %v", err)
	}
	publish(t, b, subject, "after")
	publish(t, b, subject, "sentinel")
	stays.WaitFor(t, "sentinel")
	// The sentinel was queued behind "after" on every subscription, and
	// the remaining one has had it: wait a little for a stray delivery.
	time.Sleep(50 * time.Millisecond)
	if got := gone.Msgs(); len(got) != 1 {
		t.Fatalf("unsubscribed sink got %q, want only [before]", got)
	}

	// fn may unsubscribe its own subscription.
	var self broker.Subscription
	var calls atomic.Int32
	ready := make(chan struct{})
	self = subscribe(t, b, subject, func([]byte) {
		<-ready
		calls.Add(1)
		_ = self.Unsubscribe()
	})
	close(ready)
	publish(t, b, subject, "1")
	publish(t, b, subject, "2")
	publish(t, b, subject, "sentinel2")
	stays.WaitFor(t, "sentinel2")
	time.Sleep(50 * time.Millisecond)
	if n := calls.Load(); n != 1 {
		t.Fatalf("self-unsubscribing fn called %d times, want 1", n)
	}
}

func testOrder(t *testing.T, newBroker New) {
	b := open(t, newBroker, broker.Limits{Messages: 4096, Bytes: 1 << 20})
	subject := broker.UserSubject(7, "carol")
	const publishers, each = 4, 250
	sinks := []*Sink{NewSink(), NewSink()}
	for _, s := range sinks {
		subscribe(t, b, subject, s.Fn)
	}
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Go(func() {
			for i := range each {
				publish(t, b, subject, fmt.Sprintf("%d:%d", p, i))
			}
		})
	}
	wg.Wait()
	for _, s := range sinks {
		s.WaitLen(t, publishers*each)
		next := make([]int, publishers)
		for _, m := range s.Msgs() {
			var p, i int
			if _, err := fmt.Sscanf(string(m), "%d:%d", &p, &i); err != nil {
				t.Fatal(err)
			}
			if i != next[p] {
				t.Fatalf("publisher %d: got message %d, want %d", p, i, next[p])
			}
			next[p]++
		}
	}
}

// HostileIDs are IDs that would break or share a subject if put in it raw.
var HostileIDs = []string{
	"", "a", "a.b", "a_b", "a-b", "a b", "a\tb", "*", ">", "a.*", "a.>", "..", ".", "_", "-",
	"é", "\xff\xfe", "\x00", "a\x00b", "YQ", "parley.u.1.YQ", "0", "1.a",
	"12345678901234567890123456789012",                 // 32 bytes: the longest UserID
	"123456789012345678901234567890123456789012345678", // 48 bytes: the longest group ID
}

func testHostileIDs(t *testing.T, newBroker New) {
	b := open(t, newBroker, broker.Limits{})
	subjects := map[string]bool{}
	for _, id := range HostileIDs {
		for _, s := range []string{
			broker.UserSubject(1, id), broker.UserSubject(2, id), broker.UserSubject(12, id),
			broker.GroupSubject(1, id), broker.NodeSubject(id),
		} {
			if !broker.ValidSubject(s) {
				t.Fatalf("%q makes the invalid subject %q", id, s)
			}
			if subjects[s] {
				t.Fatalf("subject %q made twice", s)
			}
			subjects[s] = true
		}
	}
	if len(broker.GroupSubject(1<<64-1, HostileIDs[len(HostileIDs)-1])) > 100 {
		t.Fatalf("longest subject is over 100 characters")
	}
	sinks := map[string]*Sink{}
	for s := range subjects {
		sinks[s] = NewSink()
		subscribe(t, b, s, sinks[s].Fn)
	}
	for s := range subjects {
		publish(t, b, s, s)
	}
	for s := range subjects {
		publish(t, b, s, "sentinel")
	}
	for s, sink := range sinks {
		sink.WaitFor(t, "sentinel")
		got := sink.Msgs()
		if len(got) != 2 || string(got[0]) != s {
			t.Fatalf("subscriber of %q got %q", s, got)
		}
	}
}

func testBadSubject(t *testing.T, newBroker New) {
	b := open(t, newBroker, broker.Limits{})
	for _, s := range []string{"", "a..b", ".a", "a.", "a.*", "a.>", ">", "a b", "é", "a\x00"} {
		if err := b.Publish(context.Background(), s, nil); !errors.Is(err, broker.ErrBadSubject) {
			t.Errorf("Publish(%q): %v, want ErrBadSubject", s, err)
		}
		if _, err := b.Subscribe(s, func([]byte) {}); !errors.Is(err, broker.ErrBadSubject) {
			t.Errorf("Subscribe(%q): %v, want ErrBadSubject", s, err)
		}
	}
}

type received struct {
	subject string
	data    string
}

func testInterest(t *testing.T, newBroker New) {
	b := open(t, newBroker, broker.Limits{})
	var mu sync.Mutex
	var got []received
	in := broker.NewInterest(b, func(subject string, data []byte) {
		mu.Lock()
		got = append(got, received{subject, string(data)})
		mu.Unlock()
	})
	probe := NewSink() // a plain subscriber, to know when a publish has been delivered
	g := broker.GroupSubject(3, "g1")
	subscribe(t, b, g, probe.Fn)
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }

	for range 2 {
		if err := in.Acquire(g); err != nil {
			t.Fatal(err)
		}
	}
	if n := in.Refs(g); n != 2 {
		t.Fatalf("Refs = %d, want 2", n)
	}
	publish(t, b, g, "m1")
	probe.WaitFor(t, "m1")
	waitUntil(t, func() bool { return count() == 1 }) // one subscription, not two
	in.Release(g)
	publish(t, b, g, "m2")
	probe.WaitFor(t, "m2")
	waitUntil(t, func() bool { return count() == 2 })
	in.Release(g)
	if in.Len() != 0 || in.Refs(g) != 0 {
		t.Fatalf("after the last Release: Len %d, Refs %d", in.Len(), in.Refs(g))
	}
	publish(t, b, g, "m3")
	probe.WaitFor(t, "m3")
	time.Sleep(50 * time.Millisecond)
	if n := count(); n != 2 {
		t.Fatalf("got %d messages after the last Release, want 2", n)
	}
	in.Release(g) // an unmatched Release is ignored
	if err := in.Acquire(g); err != nil {
		t.Fatal(err)
	}
	publish(t, b, g, "m4")
	probe.WaitFor(t, "m4")
	waitUntil(t, func() bool { return count() == 3 })
	mu.Lock()
	if last := got[len(got)-1]; last != (received{g, "m4"}) {
		t.Fatalf("last = %v", last)
	}
	mu.Unlock()
	in.Release(g)

	// A failed Subscribe leaves no reference behind.
	closed := newBroker(t, broker.Limits{})
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	in2 := broker.NewInterest(closed, func(string, []byte) {})
	if err := in2.Acquire(g); !errors.Is(err, broker.ErrClosed) {
		t.Fatalf("Acquire on a closed broker: %v", err)
	}
	in2.Release(g)
	if in2.Len() != 0 || in2.Refs(g) != 0 {
		t.Fatalf("after a failed Acquire: Len %d, Refs %d", in2.Len(), in2.Refs(g))
	}
}

// counting wraps a Broker and fails if a subject ever has two live
// subscriptions through it.
type counting struct {
	broker.Broker
	t    *testing.T
	mu   sync.Mutex
	live map[string]int
	subs atomic.Int64
}

type countingSub struct {
	broker.Subscription
	c       *counting
	subject string
}

func (c *counting) Subscribe(subject string, fn func([]byte)) (broker.Subscription, error) {
	c.mu.Lock()
	c.live[subject]++
	if c.live[subject] > 1 {
		c.t.Errorf("two live subscriptions on %s", subject)
	}
	c.mu.Unlock()
	c.subs.Add(1)
	time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond) // widen the windows
	sub, err := c.Broker.Subscribe(subject, fn)
	if err != nil {
		return nil, err
	}
	return &countingSub{sub, c, subject}, nil
}

func (s *countingSub) Unsubscribe() error {
	time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
	err := s.Subscription.Unsubscribe()
	s.c.mu.Lock()
	s.c.live[s.subject]--
	s.c.mu.Unlock()
	return err
}

func testInterestConcurrent(t *testing.T, newBroker New) {
	b := open(t, newBroker, broker.Limits{})
	c := &counting{Broker: b, t: t, live: map[string]int{}}
	in := broker.NewInterest(c, func(string, []byte) {})
	subjects := []string{broker.GroupSubject(1, "a"), broker.GroupSubject(1, "b"), broker.GroupSubject(1, "c")}
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			var held []string
			for range 300 {
				if len(held) > 0 && r.IntN(2) == 0 {
					i := r.IntN(len(held))
					in.Release(held[i])
					held = append(held[:i], held[i+1:]...)
					continue
				}
				s := subjects[r.IntN(len(subjects))]
				if err := in.Acquire(s); err != nil {
					t.Error(err)
					return
				}
				held = append(held, s)
			}
			for _, s := range held {
				in.Release(s)
			}
		})
	}
	wg.Wait()
	if in.Len() != 0 {
		t.Fatalf("Len = %d after every Release", in.Len())
	}
	for s, n := range c.live {
		if n != 0 {
			t.Fatalf("%s has %d live subscriptions after every Release", s, n)
		}
	}
	if c.subs.Load() < 2 {
		t.Fatalf("only %d subscriptions made: the test did not exercise the first/last transitions", c.subs.Load())
	}
}

func testSlowSubscriber(t *testing.T, newBroker New) {
	const limit, total = 16, 100
	b := open(t, newBroker, broker.Limits{Messages: limit, Bytes: 1 << 20})
	subject := broker.GroupSubject(1, "busy")
	unblock := make(chan struct{})
	slow, fast := NewSink(), NewSink()
	started := make(chan struct{}, 1)
	subscribe(t, b, subject, func(data []byte) {
		select {
		case started <- struct{}{}:
		default:
		}
		<-unblock
		slow.Fn(data)
	})
	subscribe(t, b, subject, fast.Fn)
	before := b.Dropped()
	for i := range total {
		m := strconv.Itoa(i)
		publish(t, b, subject, m)
		// Pace on the fast subscriber, so that only the slow one overflows.
		fast.WaitFor(t, m)
		if i == 0 {
			<-started
		}
	}
	// On NATS the slow subscriber's copy of the last message may still be
	// on its way when the fast one has it. The server handles a
	// connection's publishes in order and sends both copies before a later
	// message, so once a marker published next has arrived, every copy has
	// been queued or dropped.
	marker := NewSink()
	subscribe(t, b, broker.GroupSubject(1, "marker"), marker.Fn)
	publish(t, b, broker.GroupSubject(1, "marker"), "m")
	marker.WaitFor(t, "m")
	dropped := b.Dropped() - before
	// The slow subscriber holds one message in fn and limit in its queue
	// (NATS counts the one in fn against the limit).
	if dropped < total-limit-1 || dropped > total-limit {
		t.Fatalf("dropped %d, want %d or %d", dropped, total-limit-1, total-limit)
	}
	close(unblock)
	want := total - int(dropped)
	slow.WaitLen(t, want)
	got := slow.Msgs()
	for i, m := range got { // what it kept is the oldest, in order
		if string(m) != strconv.Itoa(i) {
			t.Fatalf("slow subscriber's message %d is %q", i, m)
		}
	}
	if len(fast.Msgs()) != total {
		t.Fatalf("fast subscriber got %d, want %d", len(fast.Msgs()), total)
	}
	// Once caught up it receives again.
	publish(t, b, subject, "again")
	slow.WaitFor(t, "again")
	if b.Dropped()-before != dropped {
		t.Fatalf("drops grew after the subscriber caught up")
	}

	// The byte bound drops too: one message over it is dropped, counted.
	big := open(t, newBroker, broker.Limits{Messages: 1000, Bytes: 64 << 10})
	hold := make(chan struct{})
	bsink := NewSink()
	subscribe(t, big, subject, func(data []byte) { <-hold; bsink.Fn(data) })
	payload := bytes.Repeat([]byte("x"), 16<<10)
	for range 20 {
		if err := big.Publish(context.Background(), subject, payload); err != nil {
			t.Fatal(err)
		}
	}
	// 64 KiB holds at most four of them (NATS counts the one in fn).
	waitUntil(t, func() bool { return big.Dropped() >= 20-5 })
	close(hold)
	waitUntil(t, func() bool { return len(bsink.Msgs())+int(big.Dropped()) == 20 })
}

func testClose(t *testing.T, newBroker New) {
	b := newBroker(t, broker.Limits{})
	subject := broker.UserSubject(1, "dave")
	sink := NewSink()
	subscribe(t, b, subject, func(data []byte) {
		time.Sleep(time.Millisecond)
		sink.Fn(data)
	})
	for i := range 10 {
		publish(t, b, subject, strconv.Itoa(i))
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// Close drained what was queued.
	if n := len(sink.Msgs()); n != 10 {
		t.Fatalf("after Close: %d of 10 delivered", n)
	}
	if err := b.Publish(context.Background(), subject, []byte("x")); !errors.Is(err, broker.ErrClosed) {
		t.Fatalf("Publish after Close: %v", err)
	}
	if _, err := b.Subscribe(subject, sink.Fn); !errors.Is(err, broker.ErrClosed) {
		t.Fatalf("Subscribe after Close: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func waitUntil(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(2 * time.Millisecond)
	}
}
