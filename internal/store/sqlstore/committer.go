package sqlstore

import (
	"context"
	"sync"
	"time"

	"github.com/parleyim/parley/internal/store"
)

// committer is the writer of a group-commit engine: one goroutine (SQLite,
// whose file has one writer) or several sharing one queue (PostgreSQL).
// Requests that arrive while a commit is under way wait in the queue and go
// out together in a writer's next transaction; a failing request rolls back
// alone (see commit).
//
// With several writers their batches run at once, each in its own
// transaction, and may wait on each other's row locks: a batch holds the
// locks of all its requests until it commits, so two batches can deadlock
// where the same requests one transaction each would only have queued. The
// server then fails one of them (after its deadlock_timeout), and the
// requests whose failure the dialect calls retryable run again, each in a
// transaction of its own (retryAlone).
type committer struct {
	db       *DB
	queue    chan *writeRequest
	closing  chan struct{}
	done     chan struct{}
	maxBatch int
	// ordered: one writer, so requests commit in the order they were queued.
	ordered bool
	// timeout bounds a batch's statements (zero: no bound); see
	// Options.BatchTimeout.
	timeout  time.Duration
	stopOnce sync.Once
}

type writeRequest struct {
	c   *committer
	ctx context.Context
	fn  func(store.Tx) error
	// done is closed once err is the request's result (answer).
	done chan struct{}
	err  error
}

// answer gives the request its result; once only.
func (r *writeRequest) answer(err error) {
	r.err = err
	close(r.done)
}

func startCommitter(db *DB, writers, maxBatch int, timeout time.Duration) *committer {
	c := &committer{
		db:       db,
		queue:    make(chan *writeRequest, maxBatch*4),
		closing:  make(chan struct{}),
		done:     make(chan struct{}),
		maxBatch: maxBatch,
		ordered:  writers <= 1,
		timeout:  timeout,
	}
	var running sync.WaitGroup
	for range max(writers, 1) {
		running.Go(c.run)
	}
	go func() {
		running.Wait()
		close(c.done)
	}()
	return c
}

func (c *committer) submit(ctx context.Context, fn func(store.Tx) error) error {
	return c.enqueue(ctx, fn).Wait()
}

// enqueue queues fn and returns the wait for its result (submit in two
// halves). The queue is first in, first out and, with one writer, so are
// the batches: what one goroutine queues runs in the order it queued it.
func (c *committer) enqueue(ctx context.Context, fn func(store.Tx) error) store.Queued {
	req := &writeRequest{c: c, ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case c.queue <- req:
	case <-c.closing:
		return store.Done(ErrClosed)
	case <-ctx.Done():
		return store.Done(ctx.Err())
	}
	return store.Queued{Ready: req.done, Wait: req.wait}
}

// wait returns the queued request's result. Once queued the request is
// waited for even if its ctx ends: returning early would let a caller
// report failure for a write that then commits.
func (req *writeRequest) wait() error {
	select {
	case <-req.done:
		return req.err
	case <-req.c.done:
		// The writers have exited (Close). A request they answered before
		// exiting has its result; one that reached the queue after the
		// writer drained it is never run.
		select {
		case <-req.done:
			return req.err
		default:
			return ErrClosed
		}
	}
}

func (c *committer) stop() {
	c.stopOnce.Do(func() { close(c.closing) })
	<-c.done
}

func (c *committer) run() {
	batch := make([]*writeRequest, 0, c.maxBatch)
	for {
		select {
		case req := <-c.queue:
			batch = append(batch[:0], req)
		drain:
			for len(batch) < c.maxBatch {
				select {
				case r := <-c.queue:
					batch = append(batch, r)
				default:
					break drain
				}
			}
			c.commit(batch)
		case <-c.closing:
			for {
				select {
				case r := <-c.queue:
					r.answer(ErrClosed)
				default:
					return
				}
			}
		}
	}
}

// commit runs a batch in one transaction. Requests almost never fail once
// they reach the store (validation happens before), so the batch first runs
// without savepoints; only if a request fails is the transaction rolled back
// and the batch run again with a savepoint around each request, so the
// failing one rolls back alone. Store.Write's contract (fn may run more than
// once) is what makes the second run safe.
func (c *committer) commit(batch []*writeRequest) {
	start := time.Now()
	results := make([]error, len(batch))
	if !c.runBatch(batch, results, false) {
		clear(results)
		c.runBatch(batch, results, true)
	}
	c.db.observed(len(batch), start)
	if c.db.committed != nil {
		c.db.committed()
	}
	paused := false
	for i, r := range batch {
		if results[i] != nil && c.db.dialect.Retryable != nil && c.db.dialect.Retryable(results[i]) {
			if !paused {
				// Once for the batch's retries, so that the batch that
				// survived a deadlock is granted the rows this one held
				// (pauseBeforeRetry); bounded, and not the caller's to cut
				// short: the others' retries follow.
				_ = pauseBeforeRetry(context.Background(), 1)
				paused = true
			}
			results[i] = c.retryAlone(r)
		}
		r.answer(results[i])
	}
}

// retryAlone runs a request that failed in its batch for a reason the
// dialect calls retryable (a deadlock between batches, two first inserts
// racing) in a transaction of its own, as Write does without a committer:
// what made it fail was the company it kept.
func (c *committer) retryAlone(r *writeRequest) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	ctx, cancel := c.batchContext()
	defer cancel()
	return c.db.writeRetrying(r.ctx, func() (*txn, error) {
		tx, err := c.db.write.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		return &txn{db: c.db, pool: c.db.write, tx: tx, batch: ctx}, nil
	}, r.fn)
}

// batchContext is the context a batch's transaction and statements run
// under: no request's own, whose end would interrupt the others' work, but
// bounded by the committer's timeout.
func (c *committer) batchContext() (context.Context, context.CancelFunc) {
	if c.timeout <= 0 {
		return context.Background(), func() {}
	}
	return context.WithTimeout(context.Background(), c.timeout)
}

// runBatch executes batch in one transaction and reports false when it stopped
// at a failing request without savepoints, having rolled back.
func (c *committer) runBatch(batch []*writeRequest, results []error, isolate bool) bool {
	ctx, cancel := c.batchContext()
	defer cancel()
	tx, err := c.db.write.BeginTx(ctx, nil)
	if err != nil {
		c.fail(nil, results, err)
		return true
	}
	t := &txn{db: c.db, pool: c.db.write, tx: tx, batch: ctx}
	defer t.afterCommit()
	single := len(batch) == 1
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		// What an earlier request's locks told (known) is not this one's
		// to trust: a request rolled back to its savepoint gave its row
		// locks back with it.
		t.known, t.ahead = nil, nil
		if !isolate || single {
			if results[i] = callSafely(r.fn, t); results[i] != nil {
				_ = tx.Rollback()
				return single
			}
			continue
		}
		// Through t.exec, the savepoint statements stay prepared on the
		// writer's connection.
		if _, err := t.exec(ctx, "SAVEPOINT request"); err != nil {
			c.fail(tx, results, err)
			return true
		}
		results[i] = callSafely(r.fn, t)
		if results[i] != nil {
			if _, err := t.exec(ctx, "ROLLBACK TO SAVEPOINT request"); err != nil {
				c.fail(tx, results, err)
				return true
			}
		}
		if _, err := t.exec(ctx, "RELEASE SAVEPOINT request"); err != nil {
			c.fail(tx, results, err)
			return true
		}
	}
	if err := tx.Commit(); err != nil {
		c.fail(nil, results, err)
	}
	return true
}

// fail marks every request that had succeeded as failed with err: nothing
// of the batch is durable.
func (c *committer) fail(tx interface{ Rollback() error }, results []error, err error) {
	if tx != nil {
		_ = tx.Rollback()
	}
	for i := range results {
		if results[i] == nil {
			results[i] = err
		}
	}
}
