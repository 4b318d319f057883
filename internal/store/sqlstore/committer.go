package sqlstore

import (
	"context"
	"sync"
	"time"

	"github.com/parleyim/parley/internal/store"
)

// committer is the single writer of a group-commit engine. Requests that
// arrive while a commit is being synced wait in the queue and go out together
// in the next transaction; each runs inside its own savepoint so a failing
// request rolls back alone.
type committer struct {
	db       *DB
	queue    chan *writeRequest
	closing  chan struct{}
	done     chan struct{}
	maxBatch int
	stopOnce sync.Once
}

type writeRequest struct {
	ctx  context.Context
	fn   func(store.Tx) error
	done chan error
}

func startCommitter(db *DB, maxBatch int) *committer {
	c := &committer{
		db:       db,
		queue:    make(chan *writeRequest, maxBatch*4),
		closing:  make(chan struct{}),
		done:     make(chan struct{}),
		maxBatch: maxBatch,
	}
	go c.run()
	return c
}

func (c *committer) submit(ctx context.Context, fn func(store.Tx) error) error {
	req := &writeRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case c.queue <- req:
	case <-c.closing:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued the request is waited for even if ctx ends: returning
	// early would let a caller report failure for a write that then commits.
	select {
	case err := <-req.done:
		return err
	case <-c.done:
		// The writer has exited (Close). A request it answered before
		// exiting has its result buffered; one that reached the queue after
		// the writer drained it is never run.
		select {
		case err := <-req.done:
			return err
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
	defer close(c.done)
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
					r.done <- ErrClosed
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
	for i, r := range batch {
		r.done <- results[i]
	}
}

// runBatch executes batch in one transaction and reports false when it stopped
// at a failing request without savepoints, having rolled back.
func (c *committer) runBatch(batch []*writeRequest, results []error, isolate bool) bool {
	ctx := context.Background()
	tx, err := c.db.write.BeginTx(ctx, nil)
	if err != nil {
		c.fail(nil, results, err)
		return true
	}
	t := &txn{db: c.db, pool: c.db.write, tx: tx}
	defer t.afterCommit()
	single := len(batch) == 1
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
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
