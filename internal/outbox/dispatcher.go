package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyim/parley/internal/store"
)

// Handler delivers a batch of one partition's entries, in id order. It runs
// outside any store transaction, under a context that ends after
// HandlerTimeout or when the dispatcher stops. nil means every entry was
// delivered; a *Partial error says how many leading entries were; any other
// error means none was, and charges the failure to the first entry.
type Handler func(ctx context.Context, entries []store.OutboxEntry) error

// Metrics are optional hooks (nil fields are skipped) a node wires to its
// metrics. They run on the dispatcher's goroutines and must not block.
type Metrics struct {
	Dispatched func(n int) // entries delivered and acknowledged
	Retried    func(n int) // failed entries scheduled again (the failing one of a batch)
	Dropped    func(n int) // entries given up after MaxAttempts
	// Depth reports how many entries wait and how old the oldest is, after
	// a poll, at most once per Poll interval (a poll per commit under load
	// must not count the table each time).
	Depth func(depth int64, oldest time.Duration)
}

// Options tunes a Dispatcher; zero fields take the defaults shown.
type Options struct {
	Batch          int           // entries per claim: 100
	Concurrency    int           // handler calls in flight: 4
	Poll           time.Duration // poll interval besides Notify: 1 s
	Lease          time.Duration // lease of a claim: 30 s
	HandlerTimeout time.Duration // bound of one handler call: 10 s, < Lease
	MaxAttempts    int           // handler calls per entry: 8
	MinBackoff     time.Duration // first retry delay, doubling: 1 s
	MaxBackoff     time.Duration // longest retry delay: 5 min
	// MaxPartitions bounds the partitions looked at per poll: 1024.
	MaxPartitions int
	// Linger is how long a Notify waits before the poll it causes, so that
	// the entries of the commits meanwhile are claimed and acknowledged in
	// one batch rather than a write each: 20 ms; negative polls at once.
	Linger  time.Duration
	Metrics Metrics
	Logger  *slog.Logger
	Now     func() time.Time // for tests
}

// Stats are the dispatcher's counters since New.
type Stats struct {
	Dispatched, Retried, Dropped int64
}

// Dispatcher hands committed outbox entries to a Handler (see the package
// documentation for the guarantees).
type Dispatcher struct {
	st   Store
	h    Handler
	o    Options
	log  *slog.Logger
	wake chan struct{}
	slot chan struct{}

	mu      sync.Mutex
	busy    map[store.OutboxPartition]bool
	running bool
	wg      sync.WaitGroup

	dispatched, retried, dropped atomic.Int64
	// lastDepth is when Depth was last reported; only the polling
	// goroutine (Run's or Flush's, never both) touches it.
	lastDepth time.Time
}

// storeTimeout bounds the acknowledgement and release writes, which run even
// while the dispatcher stops.
const storeTimeout = 10 * time.Second

// New returns a dispatcher over st; Run starts it.
func New(st Store, h Handler, o Options) (*Dispatcher, error) {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defInt(&o.Batch, 100)
	defInt(&o.Concurrency, 4)
	defInt(&o.MaxAttempts, 8)
	defInt(&o.MaxPartitions, 1024)
	def(&o.Poll, time.Second)
	if o.Linger == 0 {
		o.Linger = 20 * time.Millisecond
	}
	def(&o.Lease, 30*time.Second)
	def(&o.HandlerTimeout, 10*time.Second)
	def(&o.MinBackoff, time.Second)
	def(&o.MaxBackoff, 5*time.Minute)
	if o.HandlerTimeout >= o.Lease {
		return nil, fmt.Errorf("outbox: handler timeout %s must be shorter than the lease %s", o.HandlerTimeout, o.Lease)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if h == nil {
		return nil, errors.New("outbox: nil handler")
	}
	d := &Dispatcher{st: st, h: h, o: o, log: o.Logger, wake: make(chan struct{}, 1),
		slot: make(chan struct{}, o.Concurrency), busy: map[store.OutboxPartition]bool{}}
	if d.log == nil {
		d.log = slog.Default()
	}
	return d, nil
}

// Notify wakes the dispatcher: producers call it after a commit that
// appended entries. It never blocks.
func (d *Dispatcher) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Stats returns the counters.
func (d *Dispatcher) Stats() Stats {
	return Stats{Dispatched: d.dispatched.Load(), Retried: d.retried.Load(), Dropped: d.dropped.Load()}
}

// Run dispatches until ctx ends, then waits for its workers (not for a
// handler abandoned past its timeout) and returns. Entries being delivered
// when ctx ends are released for another claim at once.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.mu.Lock()
	if d.running {
		d.mu.Unlock()
		return errors.New("outbox: dispatcher already running")
	}
	d.running = true
	d.mu.Unlock()
	defer func() {
		d.wg.Wait()
		d.mu.Lock()
		d.running = false
		d.mu.Unlock()
	}()
	tick := time.NewTicker(d.o.Poll)
	defer tick.Stop()
	for {
		d.poll(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-d.wake:
			if d.o.Linger > 0 {
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(d.o.Linger):
				}
			}
		case <-tick.C:
		}
	}
}

// poll finds the partitions with a claimable head and starts a worker for
// each that has none, as concurrency slots allow. It returns how many it
// started.
func (d *Dispatcher) poll(ctx context.Context) (started int) {
	now := d.o.Now()
	var parts []store.OutboxPartition
	var stats store.OutboxStats
	depth := d.o.Metrics.Depth != nil && now.Sub(d.lastDepth) >= d.o.Poll
	err := d.st.Read(ctx, func(tx Tx) (err error) {
		if parts, err = tx.ReadyOutboxPartitions(ctx, now.UnixMilli(), d.o.MaxPartitions); err != nil {
			return err
		}
		if depth {
			stats, err = tx.OutboxStats(ctx)
		}
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("outbox: poll", "err", err)
		}
		return 0
	}
	if fn := d.o.Metrics.Depth; depth {
		d.lastDepth = now
		var age time.Duration
		if stats.Depth > 0 {
			age = max(0, now.Sub(time.UnixMilli(stats.OldestCreated)))
		}
		fn(stats.Depth, age)
	}
	for _, p := range parts {
		d.mu.Lock()
		if d.busy[p] {
			d.mu.Unlock()
			continue
		}
		d.mu.Unlock()
		select {
		case d.slot <- struct{}{}:
		case <-ctx.Done():
			return started
		}
		d.mu.Lock()
		d.busy[p] = true
		d.mu.Unlock()
		d.wg.Add(1)
		started++
		go d.work(ctx, p)
	}
	return started
}

// Flush dispatches the entries that are ready, until none is or ctx ends:
// a node calls it once Run has returned, on shutdown, so what its last
// writes appended is delivered before it exits rather than after the next
// start. Entries waiting for a retry, or leased by another node, are left.
// It returns how many entries it dispatched; it must not run with Run.
func (d *Dispatcher) Flush(ctx context.Context) (int64, error) {
	d.mu.Lock()
	if d.running {
		d.mu.Unlock()
		return 0, errors.New("outbox: flush while the dispatcher runs")
	}
	d.running = true
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.running = false
		d.mu.Unlock()
	}()
	start := d.dispatched.Load()
	for ctx.Err() == nil {
		before := d.Stats()
		n := d.poll(ctx)
		d.wg.Wait()
		// Stop when nothing was ready, or a round settled nothing (the
		// store fails): the rest waits for the next start.
		if n == 0 || d.Stats() == before {
			break
		}
	}
	return d.dispatched.Load() - start, ctx.Err()
}

func (d *Dispatcher) release() { <-d.slot }

// work claims one batch of partition p, hands it to the handler and settles
// it. It is started holding a concurrency slot, which the handler call
// takes over.
func (d *Dispatcher) work(ctx context.Context, p store.OutboxPartition) {
	defer d.wg.Done()
	// again: poll once more when this worker is done, as the partition may
	// have more (a full batch, entries appended meanwhile, or an entry
	// dropped that blocked others). Only after it is marked idle, or the
	// poll would skip it.
	again := false
	defer func() {
		d.mu.Lock()
		delete(d.busy, p)
		d.mu.Unlock()
		if again {
			d.Notify()
		}
	}()
	now := d.o.Now()
	var claimed []store.OutboxEntry
	err := d.st.Write(ctx, func(tx Tx) (err error) {
		claimed, err = tx.ClaimOutbox(ctx, p, d.o.Batch, now.UnixMilli(), now.Add(d.o.Lease).UnixMilli())
		return err
	})
	if err != nil || len(claimed) == 0 {
		d.release()
		if err != nil && ctx.Err() == nil {
			d.log.Error("outbox: claim", "app", p.App, "partition", p.Part, "err", err)
		}
		return
	}
	// Entries claimed more often than the budget (earlier claimers crashed
	// or were abandoned each time) are not handed over again.
	var deliver, exhausted []store.OutboxEntry
	for _, e := range claimed {
		if e.Attempts > d.o.MaxAttempts {
			exhausted = append(exhausted, e)
		} else {
			deliver = append(deliver, e)
		}
	}
	err = nil
	if len(deliver) > 0 {
		err = d.call(ctx, deliver)
	} else {
		d.release()
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err == nil {
		again = d.settle(sctx, p, deliver, settlement{dropped: exhausted})
		return
	}
	// The leading entries the handler reports delivered are acknowledged;
	// the first one it did not deliver is the one that failed; the rest
	// were not tried.
	k := 0
	var partial *Partial
	if errors.As(err, &partial) {
		k = min(max(partial.Delivered, 0), len(deliver))
	}
	delivered, rest := deliver[:k], deliver[k:]
	if len(rest) == 0 {
		again = d.settle(sctx, p, delivered, settlement{dropped: exhausted})
		return
	}
	if ctx.Err() != nil {
		// Stopping: release the rest uncharged for the next claim, on this
		// node after a restart or on another one now.
		d.settle(sctx, p, delivered, settlement{dropped: exhausted, untried: rest, at: d.o.Now()})
		return
	}
	head := rest[0]
	if head.Attempts >= d.o.MaxAttempts {
		d.log.Warn("outbox: handler failed", "app", p.App, "partition", p.Part, "id", head.ID, "attempt", head.Attempts, "err", err)
		again = d.settle(sctx, p, delivered, settlement{dropped: append(exhausted, head), untried: rest[1:], at: d.o.Now()})
		return
	}
	delay := d.backoff(head.Attempts)
	d.log.Warn("outbox: handler failed", "app", p.App, "partition", p.Part, "id", head.ID, "attempt", head.Attempts, "retry_in", delay, "err", err)
	at := d.o.Now().Add(delay)
	if d.settle(sctx, p, delivered, settlement{dropped: exhausted, failed: &head, untried: rest[1:], at: at}) {
		d.retried.Add(1)
		if fn := d.o.Metrics.Retried; fn != nil {
			fn(1)
		}
		time.AfterFunc(delay, d.Notify)
	}
}

// Partial is the error a Handler returns when it delivered only the first
// Delivered entries of its batch: those are acknowledged, the next one is
// the one that failed (retried, or dropped after its last attempt) and the
// ones after it are released untried. Any other error blames the batch's
// first entry.
type Partial struct {
	Delivered int
	Err       error
}

func (p *Partial) Error() string {
	return fmt.Sprintf("outbox: %d delivered, then: %v", p.Delivered, p.Err)
}

func (p *Partial) Unwrap() error { return p.Err }

// errAbandoned is the failure of a handler call that outlived its timeout.
var errAbandoned = errors.New("outbox: handler did not return within its timeout")

// call runs the handler on its own goroutine, which holds the concurrency
// slot until the handler returns, and waits for it at most HandlerTimeout.
func (d *Dispatcher) call(ctx context.Context, entries []store.OutboxEntry) error {
	hctx, cancel := context.WithTimeout(ctx, d.o.HandlerTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer d.release()
		done <- d.safely(hctx, entries)
	}()
	select {
	case err := <-done:
		return err
	case <-hctx.Done():
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Millisecond):
			// A grace for a handler that returns as its context ends.
			return errAbandoned
		}
	}
}

func (d *Dispatcher) safely(ctx context.Context, entries []store.OutboxEntry) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("outbox: handler panic: %v", r)
		}
	}()
	return d.h(ctx, entries)
}

// settlement is what becomes of a claimed batch besides the entries
// delivered: entries dropped (deleted), the entry that failed (charged an
// attempt) and the entries released untried (uncharged), both claimable
// again at at.
type settlement struct {
	dropped []store.OutboxEntry
	failed  *store.OutboxEntry
	untried []store.OutboxEntry
	at      time.Time
}

// settle writes a batch's outcome in one transaction and counts it. A failed
// write is logged: the leases then expire and the entries come again.
func (d *Dispatcher) settle(ctx context.Context, p store.OutboxPartition, delivered []store.OutboxEntry, s settlement) bool {
	if len(delivered)+len(s.dropped)+len(s.untried) == 0 && s.failed == nil {
		return true
	}
	ids := make([]uint64, 0, len(delivered)+len(s.dropped))
	for _, e := range delivered {
		ids = append(ids, e.ID)
	}
	for _, e := range s.dropped {
		ids = append(ids, e.ID)
	}
	at := s.at.UnixMilli()
	err := d.st.Write(ctx, func(tx Tx) error {
		if len(ids) > 0 {
			if _, err := tx.AckOutbox(ctx, ids); err != nil {
				return err
			}
		}
		if e := s.failed; e != nil {
			if _, err := tx.RetryOutbox(ctx, e.ID, e.Attempts, at, true); err != nil {
				return err
			}
		}
		for _, e := range s.untried {
			if _, err := tx.RetryOutbox(ctx, e.ID, e.Attempts, at, false); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		d.log.Error("outbox: settle", "app", p.App, "partition", p.Part, "err", err)
		return false
	}
	if n := len(delivered); n > 0 {
		d.dispatched.Add(int64(n))
		if fn := d.o.Metrics.Dispatched; fn != nil {
			fn(n)
		}
	}
	if n := len(s.dropped); n > 0 {
		for _, e := range s.dropped {
			d.log.Error("outbox: entry dropped after its last attempt", "id", e.ID, "app", e.App, "kind", e.Kind,
				"partition", e.Partition, "attempts", e.Attempts)
		}
		d.dropped.Add(int64(n))
		if fn := d.o.Metrics.Dropped; fn != nil {
			fn(n)
		}
	}
	return true
}

// backoff is the delay after the attempt-th failed attempt: MinBackoff
// doubled per earlier attempt, at most MaxBackoff.
func (d *Dispatcher) backoff(attempt int) time.Duration {
	b := d.o.MinBackoff
	for i := 1; i < attempt && b < d.o.MaxBackoff; i++ {
		b *= 2
	}
	return min(b, d.o.MaxBackoff)
}
