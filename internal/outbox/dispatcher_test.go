package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/postgres"
	"github.com/parleyim/parley/internal/store/sqlite"
	"github.com/parleyim/parley/internal/store/storetest"
)

const app store.AppID = 1400000001

// engine opens stores ("nodes") on one fresh database.
type engine struct {
	name string
	open func(t *testing.T) func(t *testing.T) store.Store
}

func engines(t *testing.T) []engine {
	es := []engine{{"sqlite", func(t *testing.T) func(t *testing.T) store.Store {
		path := filepath.Join(t.TempDir(), "parley.db")
		return func(t *testing.T) store.Store {
			db, err := sqlite.Open(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
	}}}
	dsn := os.Getenv("PARLEY_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("PARLEY_REQUIRE_POSTGRES") == "1" {
			t.Fatal("PARLEY_REQUIRE_POSTGRES=1 but PARLEY_TEST_POSTGRES is empty")
		}
		return es
	}
	return append(es, engine{"postgres", func(t *testing.T) func(t *testing.T) store.Store {
		db := storetest.FreshPostgres(t)
		return func(t *testing.T) store.Store {
			s, err := postgres.Open(t.Context(), db, 8)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
	}})
}

// appendN appends n entries spread over parts partitions, in writes of 10,
// and returns their IDs per partition in append order.
func appendN(t *testing.T, s store.Store, n, parts int) map[int][]uint64 {
	t.Helper()
	out := map[int][]uint64{}
	for i := 0; i < n; i += 10 {
		var got []store.OutboxEntry
		err := s.Write(t.Context(), func(tx store.Tx) error {
			var in []store.OutboxEntry
			for j := i; j < min(n, i+10); j++ {
				in = append(in, store.OutboxEntry{App: app, Partition: j % parts, Kind: "test", Payload: []byte(fmt.Sprint(j))})
			}
			var err error
			got, err = outbox.Append(t.Context(), tx, in...)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range got {
			out[e.Partition] = append(out[e.Partition], e.ID)
		}
	}
	return out
}

// recorder is a handler that records what it was given, per partition.
type recorder struct {
	mu       sync.Mutex
	got      map[int][]uint64
	total    int
	attempts []int // of each delivery, in order
	inFlight atomic.Int32
	maxIn    atomic.Int32
	fail     func(e store.OutboxEntry) error
}

func newRecorder() *recorder { return &recorder{got: map[int][]uint64{}} }

func (r *recorder) handle(ctx context.Context, es []store.OutboxEntry) error {
	n := r.inFlight.Add(1)
	defer r.inFlight.Add(-1)
	for {
		m := r.maxIn.Load()
		if n <= m || r.maxIn.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(time.Millisecond)
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, e := range es {
		if r.fail != nil {
			if err := r.fail(e); err != nil {
				return &outbox.Partial{Delivered: i, Err: err}
			}
		}
		r.got[e.Partition] = append(r.got[e.Partition], e.ID)
		r.attempts = append(r.attempts, e.Attempts)
		r.total++
	}
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

func start(t *testing.T, s store.Store, h outbox.Handler, o outbox.Options) (*outbox.Dispatcher, func()) {
	t.Helper()
	d, err := outbox.New(outbox.StoreOf(s), h, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Errorf("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return d, stop
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func depth(t *testing.T, s store.Store) int64 {
	t.Helper()
	var st store.OutboxStats
	if err := s.Read(t.Context(), func(tx store.Tx) (err error) { st, err = tx.OutboxStats(t.Context()); return }); err != nil {
		t.Fatal(err)
	}
	return st.Depth
}

// Every entry is delivered exactly once while the handler acknowledges, in
// id order per partition, within the concurrency bound, by one dispatcher
// or by two "nodes" sharing the database.
func TestDeliversEveryEntryOnceInOrder(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			nodes := 1
			if e.name == "postgres" {
				nodes = 2
			}
			open := e.open(t)
			stores := make([]store.Store, nodes)
			for i := range stores {
				stores[i] = open(t)
			}
			const n, parts = 300, 7
			rec := newRecorder()
			var dispatched atomic.Int64
			ds := make([]*outbox.Dispatcher, nodes)
			for i, s := range stores {
				// No polling to speak of: Notify and the workers' own
				// wake-ups must carry every batch.
				ds[i], _ = start(t, s, rec.handle, outbox.Options{Batch: 8, Concurrency: 3, Poll: time.Hour,
					Metrics: outbox.Metrics{Dispatched: func(n int) { dispatched.Add(int64(n)) }}})
			}
			want := map[int][]uint64{}
			// Appends race with dispatch: half before, half while running.
			for round := range 2 {
				for p, ids := range appendN(t, stores[round%nodes], n/2, parts) {
					want[p] = append(want[p], ids...)
				}
				for _, d := range ds {
					d.Notify()
				}
			}
			waitFor(t, "every entry", 30*time.Second, func() bool { return rec.count() >= n })
			time.Sleep(100 * time.Millisecond) // a duplicate would show by now
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if rec.total != n {
				t.Fatalf("delivered %d entries, want %d", rec.total, n)
			}
			for p, ids := range want {
				if fmt.Sprint(rec.got[p]) != fmt.Sprint(ids) {
					t.Errorf("partition %d delivered %v, want %v", p, rec.got[p], ids)
				}
			}
			if m := rec.maxIn.Load(); m > int32(3*nodes) {
				t.Errorf("%d handler calls in flight, bound %d", m, 3*nodes)
			}
			waitFor(t, "acknowledgements", 5*time.Second, func() bool { return depth(t, stores[0]) == 0 })
			if got := dispatched.Load(); got != n {
				t.Errorf("Dispatched counted %d, want %d", got, n)
			}
		})
	}
}

// A node that claims and dies leaves its lease: after a restart the entries
// come again, not before the lease ends. A dispatcher stopped in the middle
// of a delivery releases its batch at once.
func TestResumesAfterCrashAndStop(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			open := e.open(t)
			s := open(t)
			ids := appendN(t, s, 4, 1)[0]
			// The "crashed" node: claimed with a lease, never acknowledged.
			const lease = 700 * time.Millisecond
			claimedAt := time.Now()
			err := s.Write(t.Context(), func(tx store.Tx) error {
				_, err := tx.ClaimOutbox(t.Context(), store.OutboxPartition{App: app, Part: 0}, 2, claimedAt.UnixMilli(), claimedAt.Add(lease).UnixMilli())
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if closer, ok := s.(interface{ Close() error }); ok {
				closer.Close()
			}
			s = open(t) // restart
			rec := newRecorder()
			var first time.Time
			var once sync.Once
			h := func(ctx context.Context, es []store.OutboxEntry) error {
				once.Do(func() { first = time.Now() })
				return rec.handle(ctx, es)
			}
			_, stop := start(t, s, h, outbox.Options{Poll: 20 * time.Millisecond})
			waitFor(t, "redelivery", 10*time.Second, func() bool { return rec.count() == 4 })
			stop()
			if first.Sub(claimedAt) < lease-50*time.Millisecond {
				t.Errorf("delivered %s after the crashed claim, before its lease of %s ended", first.Sub(claimedAt), lease)
			}
			if fmt.Sprint(rec.got[0]) != fmt.Sprint(ids) {
				t.Errorf("delivered %v, want %v", rec.got[0], ids)
			}

			// Stopped mid-delivery: the handler sees its context end and
			// fails; the next dispatcher gets the batch without waiting for
			// the lease (30 s by default).
			ids = appendN(t, s, 3, 1)[0]
			entered := make(chan struct{})
			var enteredOnce sync.Once
			blocking := func(ctx context.Context, es []store.OutboxEntry) error {
				enteredOnce.Do(func() { close(entered) })
				<-ctx.Done()
				return ctx.Err()
			}
			_, stop = start(t, s, blocking, outbox.Options{Poll: 20 * time.Millisecond})
			<-entered
			stop()
			rec2 := newRecorder()
			_, stop = start(t, open(t), rec2.handle, outbox.Options{Poll: 20 * time.Millisecond})
			waitFor(t, "delivery after a stop", 5*time.Second, func() bool { return rec2.count() == 3 })
			stop()
			if fmt.Sprint(rec2.got[0]) != fmt.Sprint(ids) {
				t.Errorf("delivered %v, want %v", rec2.got[0], ids)
			}
		})
	}
}

// A failing entry is retried with growing delays, blocks the later entries
// of its partition meanwhile (other partitions go on), and is dropped after
// MaxAttempts; then its partition goes on.
func TestFailingHandlerRetriedThenDropped(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			s := e.open(t)(t)
			ids := appendN(t, s, 6, 2) // partition 0: 3 entries, partition 1: 3
			bad := ids[0][1]           // the middle of partition 0's batch
			var mu sync.Mutex
			var calls []time.Time
			rec := newRecorder()
			rec.fail = func(e store.OutboxEntry) error {
				if e.ID != bad {
					return nil
				}
				mu.Lock()
				defer mu.Unlock()
				calls = append(calls, time.Now())
				return errors.New("refused")
			}
			var dropped, retried atomic.Int64
			d, stop := start(t, s, rec.handle, outbox.Options{Poll: 20 * time.Millisecond, MaxAttempts: 3,
				MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second,
				Metrics: outbox.Metrics{Dropped: func(n int) { dropped.Add(int64(n)) }, Retried: func(n int) { retried.Add(int64(n)) }}})
			waitFor(t, "partition 1 and a first failure", 5*time.Second, func() bool {
				rec.mu.Lock()
				defer rec.mu.Unlock()
				mu.Lock()
				defer mu.Unlock()
				return len(rec.got[1]) == 3 && len(calls) > 0
			})
			rec.mu.Lock()
			if fmt.Sprint(rec.got[0]) != fmt.Sprint(ids[0][:1]) {
				t.Errorf("partition 0 delivered %v while %d fails, want only %d before it", rec.got[0], bad, ids[0][0])
			}
			rec.mu.Unlock()
			waitFor(t, "partition 0 after the drop", 10*time.Second, func() bool {
				rec.mu.Lock()
				defer rec.mu.Unlock()
				return len(rec.got[0]) == 2
			})
			stop()
			mu.Lock()
			defer mu.Unlock()
			if len(calls) != 3 {
				t.Fatalf("failing entry handed over %d times, want 3", len(calls))
			}
			if g1, g2 := calls[1].Sub(calls[0]), calls[2].Sub(calls[1]); g1 < 90*time.Millisecond || g2 < 190*time.Millisecond {
				t.Errorf("retry gaps %s, %s: want at least 100 ms then 200 ms", g1, g2)
			}
			rec.mu.Lock()
			if want := []uint64{ids[0][0], ids[0][2]}; fmt.Sprint(rec.got[0]) != fmt.Sprint(want) {
				t.Errorf("partition 0 delivered %v, want %v", rec.got[0], want)
			}
			// The entry behind the failing one was claimed with it each
			// time but never tried: it is delivered on its first attempt.
			if last := rec.attempts[len(rec.attempts)-1]; last != 1 {
				t.Errorf("the entry behind the failing one delivered on attempt %d, want 1", last)
			}
			rec.mu.Unlock()
			st := d.Stats()
			if st.Dropped != 1 || dropped.Load() != 1 || st.Retried != 2 || retried.Load() != 2 || st.Dispatched != 5 {
				t.Errorf("stats %+v, hooks dropped %d retried %d: want 1 dropped, 2 retried", st, dropped.Load(), retried.Load())
			}
			if n := depth(t, s); n != 0 {
				t.Errorf("depth %d after drop and delivery", n)
			}
		})
	}
}

// A handler that hangs (ignoring its context) is given up after the timeout;
// the entry is retried and delivered, and the dispatcher still stops.
func TestHungHandlerBoundedByTimeout(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			s := e.open(t)(t)
			ids := appendN(t, s, 2, 1)[0]
			release := make(chan struct{})
			defer close(release)
			var calls atomic.Int32
			rec := newRecorder()
			h := func(ctx context.Context, es []store.OutboxEntry) error {
				if calls.Add(1) == 1 {
					<-release // hung, deaf to ctx
					return nil
				}
				return rec.handle(ctx, es)
			}
			startAt := time.Now()
			d, stop := start(t, s, h, outbox.Options{Poll: 20 * time.Millisecond, Concurrency: 2,
				HandlerTimeout: 150 * time.Millisecond, Lease: 5 * time.Second, MinBackoff: 50 * time.Millisecond})
			waitFor(t, "delivery after the timeout", 5*time.Second, func() bool { return rec.count() == 2 })
			if el := time.Since(startAt); el < 150*time.Millisecond {
				t.Errorf("redelivered after %s, before the handler timeout", el)
			}
			stopped := time.Now()
			stop()
			if el := time.Since(stopped); el > 2*time.Second {
				t.Errorf("stop took %s with a hung handler", el)
			}
			if fmt.Sprint(rec.got[0]) != fmt.Sprint(ids) {
				t.Errorf("delivered %v, want %v", rec.got[0], ids)
			}
			if st := d.Stats(); st.Retried != 1 || st.Dispatched != 2 {
				t.Errorf("stats %+v: want 1 retried (the hung batch's head), 2 dispatched", st)
			}
		})
	}
}

func TestOptionsAndAppendBounds(t *testing.T) {
	if _, err := outbox.New(nil, func(context.Context, []store.OutboxEntry) error { return nil },
		outbox.Options{Lease: time.Second, HandlerTimeout: time.Second}); err == nil {
		t.Error("a handler timeout as long as the lease was accepted")
	}
	s := engines(t)[0].open(t)(t)
	err := s.Write(t.Context(), func(tx store.Tx) error {
		if _, err := outbox.Append(t.Context(), tx, store.OutboxEntry{Kind: "k", Payload: make([]byte, outbox.MaxPayload+1)}); err == nil {
			return errors.New("oversized payload accepted")
		}
		if _, err := outbox.Append(t.Context(), tx, store.OutboxEntry{}); err == nil {
			return errors.New("entry without a kind accepted")
		}
		got, err := outbox.Append(t.Context(), tx, store.OutboxEntry{Kind: "k", Partition: outbox.Partition("c2c_a_b")})
		if err != nil || len(got) != 1 || got[0].CreatedAt == 0 {
			return fmt.Errorf("append: %+v %v", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := outbox.Partition("c2c_a_b"); p < 0 || p >= outbox.Partitions || p != outbox.Partition("c2c_a_b") {
		t.Errorf("Partition = %d", p)
	}
}
