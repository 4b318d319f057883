// Package sqlstore is the SQL implementation of the store interfaces shared
// by the SQLite and PostgreSQL engines. Queries are written once in the subset
// both engines speak, with `?` placeholders rebound per dialect; the engines
// differ only in how they open connections, their migrations, and how writes
// are committed.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyim/parley/internal/store"
)

// Dialect captures what differs between engines at the SQL level.
type Dialect struct {
	Name string
	// Numbered placeholders ($1, $2...) instead of `?`.
	NumberedPlaceholders bool
	// LockRows appends FOR UPDATE to LockAccounts, and FOR UPDATE SKIP
	// LOCKED to ClaimOutbox's read; an engine with a single writer has
	// nothing to lock.
	LockRows bool
	// PrepareStatements keeps prepared statements per query; drivers that
	// already cache statements per connection (pgx) leave it off.
	PrepareStatements bool
	// Retryable reports whether a failed transaction may simply be run again
	// (serialization failure, deadlock).
	Retryable func(error) bool
	// DetachStatements runs statements without the caller's cancellation
	// and deadline (they still carry its values). For an embedded engine a
	// statement is short and local, and a cancellable context costs a
	// goroutine and a progress callback per statement in the driver; worse,
	// one request's deadline would interrupt the single writer's batch that
	// other requests share. Requests are still refused at the batch boundary
	// once their context is done.
	DetachStatements bool
	// ArrayParams: the driver takes a []string argument as an array, so a
	// set of IDs is one parameter (`col = ANY(?)`) instead of an IN list of
	// its length. One statement text whatever the count: the server plans it
	// once per connection instead of once per list length, and no chunking
	// under a parameter limit is needed.
	ArrayParams bool
	// RoundTrips: every statement is a network round trip to a server, so
	// a write that can be said in fewer statements should be (several rows in
	// one statement, a CTE instead of two statements). An embedded engine
	// pays a function call per statement and keeps the simpler forms.
	RoundTrips bool
}

// Options configures a DB.
type Options struct {
	Dialect Dialect
	Write   *sql.DB
	Read    *sql.DB // may be the same as Write
	// GroupCommit funnels every write through one goroutine that commits the
	// writes queued meanwhile in one transaction, so one fsync acknowledges
	// many requests. It is how a single-writer engine keeps up with
	// concurrent clients.
	GroupCommit bool
	MaxBatch    int
	// Writers is how many group-commit transactions may run at once, each
	// on its own connection (0 or 1: one). Only for an engine whose
	// transactions lock rows (PostgreSQL): SQLite's file has one writer.
	Writers int
	// BatchTimeout bounds a group commit's statements, which run without
	// any request's cancellation (zero: unbounded, for an embedded engine
	// whose statements cannot wait on anyone). A statement waiting on a
	// lock another node holds fails the batch at this deadline instead of
	// holding its writer forever.
	BatchTimeout time.Duration
	// SendChecks, when set, caches SendCheck's answers. Only for an engine
	// whose file no other process writes (see SendCheckCache).
	SendChecks *SendCheckCache
	// GenericWritePlans says the Write pool's connections run their
	// prepared statements on generic plans (PostgreSQL's plan_cache_mode
	// force_generic_plan): a statement whose best plan depends on its
	// values (a prune by time) is then planned for them on each call (see
	// plannedForValues).
	GenericWritePlans bool
	// OnClose runs once the pools are closed (the engine's own release).
	OnClose func()
	// Committed, when set, is called by the group committer after each
	// commit, on its goroutine: it must return at once (SQLite's
	// checkpointer only takes note).
	Committed func()
}

// DB implements store.Store over database/sql.
type DB struct {
	dialect Dialect
	write   *sql.DB
	read    *sql.DB

	stmtMu sync.RWMutex
	stmts  map[stmtKey]*sql.Stmt

	committed func() // Options.Committed

	committer  *committer
	lastSeqs   lastSeqHints    // on with GroupCommit: one writer per file
	sendChecks *SendCheckCache // nil: SendCheck always reads
	// genericWritePlans: see Options.GenericWritePlans.
	genericWritePlans bool
	onClose           func()
	// observe, when set, is told of every write transaction (ObserveWrites).
	observe atomic.Pointer[WriteObserver]
}

// WriteObserver is told, after each write transaction, how many Store.Write
// calls it carried and how long it took (begin to durable commit, or to the
// failure). With the group committer that is one batch: a batch run twice
// to isolate a failing request counts once, with both runs' time, and the
// time the requests waited in the queue is not included. Without it, every
// Write is its own transaction (batch 1) and the time includes retries. It
// runs on the writer's goroutine: it must be cheap and must not block.
type WriteObserver func(batch int, d time.Duration)

// Networked implements store.Networked: true for an engine whose
// statements are round trips to a server.
func (db *DB) Networked() bool { return db.dialect.RoundTrips }

// ObserveWrites sets (or with nil clears) the write observer. It may be
// called while writes run; it exists so the node that assembles the store's
// users can attach its metrics after the store is opened.
func (db *DB) ObserveWrites(fn WriteObserver) {
	if fn == nil {
		db.observe.Store(nil)
		return
	}
	db.observe.Store(&fn)
}

// observed reports a write transaction to the observer, if any.
func (db *DB) observed(batch int, start time.Time) {
	if fn := db.observe.Load(); fn != nil {
		(*fn)(batch, time.Since(start))
	}
}

type stmtKey struct {
	pool  *sql.DB
	query string
}

// ErrClosed is returned by writes issued after Close.
var ErrClosed = errors.New("store closed")

// New wraps opened connection pools.
func New(opts Options) *DB {
	db := &DB{dialect: opts.Dialect, write: opts.Write, read: opts.Read, stmts: map[stmtKey]*sql.Stmt{},
		sendChecks: opts.SendChecks, genericWritePlans: opts.GenericWritePlans, onClose: opts.OnClose,
		committed: opts.Committed}
	if db.read == nil {
		db.read = db.write
	}
	if opts.GroupCommit {
		max := opts.MaxBatch
		if max <= 0 {
			max = 256
		}
		// Hints need the file's one writer (see lastSeqHints).
		db.lastSeqs.on = opts.Writers <= 1
		db.committer = startCommitter(db, opts.Writers, max, opts.BatchTimeout)
	}
	return db
}

// Write implements store.Store.
func (db *DB) Write(ctx context.Context, fn func(store.Tx) error) error {
	if db.committer != nil {
		return db.committer.submit(ctx, fn)
	}
	start := time.Now()
	defer db.observed(1, start)
	return db.writeRetrying(ctx, func() (*txn, error) {
		tx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		return &txn{db: db, pool: db.write, tx: tx}, nil
	}, fn)
}

// WriteQueued implements store.QueuedWriter where the committer has one
// writer (SQLite): its queue is first in, first out and its batches run one
// after another. With several writers (PostgreSQL) two requests queued in
// order may run in batches at once, in either order, so the write is made
// before WriteQueued returns.
func (db *DB) WriteQueued(ctx context.Context, fn func(store.Tx) error) store.Queued {
	if db.committer != nil && db.committer.ordered {
		return db.committer.enqueue(ctx, fn)
	}
	return store.Done(db.Write(ctx, fn))
}

// QueuedWrites is the number of writes waiting for the group committer to
// take them (0 without one): how far behind the writer is.
func (db *DB) QueuedWrites() int {
	if db.committer == nil {
		return 0
	}
	return len(db.committer.queue)
}

// writeRetrying runs fn in transactions begun by begin until one commits,
// fails for a reason the dialect does not call retryable, or eight have
// failed. A retry waits a moment first (pauseBeforeRetry).
func (db *DB) writeRetrying(ctx context.Context, begin func() (*txn, error), fn func(store.Tx) error) error {
	const attempts = 8
	var err error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			if err := pauseBeforeRetry(ctx, i); err != nil {
				return err
			}
		}
		if err = db.writeOnce(begin, fn); err == nil || db.dialect.Retryable == nil || !db.dialect.Retryable(err) {
			return err
		}
	}
	return err
}

// pauseBeforeRetry waits before the retry-th run of a failed write: 1-3
// ms and more with each retry, spread at random (or until ctx ends, its
// error then returned). The write that survived a deadlock was granted the
// victim's locks only once the victim rolled back; a victim that ran again
// at once could take one of those rows first (a row lock freed by an abort
// goes to whichever transaction reaches the row first), deadlock with the
// survivor again and cost it a deadlock timeout of its own. The pause lets
// the survivor's waiting statement have the rows.
func pauseBeforeRetry(ctx context.Context, retry int) error {
	pause := time.NewTimer(time.Duration(min(retry, 4)) * (time.Millisecond + rand.N(2*time.Millisecond)))
	defer pause.Stop()
	select {
	case <-pause.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (db *DB) writeOnce(begin func() (*txn, error), fn func(store.Tx) error) error {
	t, err := begin()
	if err != nil {
		return err
	}
	defer t.afterCommit()
	if err := callSafely(fn, t); err != nil {
		_ = t.tx.Rollback()
		return err
	}
	return t.tx.Commit()
}

// Read implements store.Store.
func (db *DB) Read(ctx context.Context, fn func(store.Tx) error) error {
	return callSafely(fn, &txn{db: db, pool: db.read, readOnly: true})
}

// Close stops the committer and closes the pools.
func (db *DB) Close() error {
	if db.committer != nil {
		db.committer.stop()
	}
	db.stmtMu.Lock()
	for _, s := range db.stmts {
		s.Close()
	}
	db.stmts = map[stmtKey]*sql.Stmt{}
	db.stmtMu.Unlock()
	err := db.write.Close()
	if db.read != db.write {
		if rerr := db.read.Close(); err == nil {
			err = rerr
		}
	}
	if db.onClose != nil {
		db.onClose()
		db.onClose = nil
	}
	return err
}

// callSafely turns a panic inside a transaction body into an error so that a
// bug in one request cannot take the writer, and every queued request, down.
func callSafely(fn func(store.Tx) error, t *txn) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in store transaction: %v", r)
		}
	}()
	return t.finishDeferred(fn(t))
}

func (db *DB) rebind(q string) string {
	if !db.dialect.NumberedPlaceholders {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	// The text between placeholders is copied a run at a time: the
	// statements of a batch run to kilobytes.
	for n := 1; ; n++ {
		i := strings.IndexByte(q, '?')
		if i < 0 {
			b.WriteString(q)
			return b.String()
		}
		b.WriteString(q[:i])
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
		q = q[i+1:]
	}
}

// maxPreparedArgs bounds which queries are kept prepared: IN lists of
// arbitrary length would otherwise fill the cache with one-off statements.
const maxPreparedArgs = 16

func (db *DB) stmt(ctx context.Context, pool *sql.DB, q string) (*sql.Stmt, error) {
	key := stmtKey{pool, q}
	db.stmtMu.RLock()
	s := db.stmts[key]
	db.stmtMu.RUnlock()
	if s != nil {
		return s, nil
	}
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	if s = db.stmts[key]; s != nil {
		return s, nil
	}
	s, err := pool.PrepareContext(ctx, db.rebind(q))
	if err != nil {
		return nil, err
	}
	db.stmts[key] = s
	return s, nil
}

// txn runs queries either inside a write transaction or against the read
// pool.
type txn struct {
	db       *DB
	pool     *sql.DB
	tx       *sql.Tx
	readOnly bool
	// batch, in a group commit, is the batch's context: statements run
	// under it with the request's values (see statementContext).
	batch context.Context
	known *known // what the locks of this write transaction have told (see known)
	// ahead: RelationSets read ahead for the calls about to ask for them
	// (ReadRelationsAhead), until the next write.
	ahead readAhead
	// deferred are the writes held for the next statement, deferredErr
	// the failure of ones sent alone (see deferredWrite).
	deferred    []deferredWrite
	deferredErr error
	// changesSendChecks: this transaction wrote rows SendCheck reads
	// (relationsChanged).
	changesSendChecks bool
	// bound are the pool's prepared statements bound to tx so far: a group
	// commit runs the same few statements for every request of its batch,
	// and database/sql makes a new transaction statement on every
	// StmtContext.
	bound []boundStmt
}

type boundStmt struct{ pooled, inTx *sql.Stmt }

var errReadOnly = errors.New("write attempted in a read transaction")

func (t *txn) prepared(ctx context.Context, q string, nargs int) (*sql.Stmt, error) {
	if !t.db.dialect.PrepareStatements || nargs > maxPreparedArgs {
		return nil, nil
	}
	// Preparing takes a free connection of the pool; an engine whose writer
	// transaction holds its only connection must keep a spare one (see
	// sqlite.Open) or this waits forever.
	s, err := t.db.stmt(ctx, t.pool, q)
	if err != nil || t.tx == nil {
		return s, err
	}
	for _, b := range t.bound {
		if b.pooled == s {
			return b.inTx, nil
		}
	}
	inTx := t.tx.StmtContext(ctx, s)
	t.bound = append(t.bound, boundStmt{s, inTx})
	return inTx, nil
}

func (t *txn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.queryN(ctx, q, 1, args...)
}

// queryN is query for a statement that repeats one IN list parts times: its
// cacheability is judged per list, not by the total argument count.
// statementContext is the context a statement runs under (see
// Dialect.DetachStatements).
//
// In a group commit every statement runs under the batch's context (its
// deadline, if any, and the request's values): a request whose caller gives
// up mid-batch must not interrupt a transaction the other requests share,
// which on PostgreSQL would break the connection under it. A request whose
// context is done is still refused at the batch boundary.
func (t *txn) statementContext(ctx context.Context) context.Context {
	if t.batch != nil {
		if t.batch.Done() == nil && ctx.Done() == nil {
			return ctx
		}
		return batchScoped{Context: t.batch, values: ctx}
	}
	if t.db.dialect.DetachStatements && ctx.Done() != nil {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// batchScoped is a request's context under a batch's: the batch's deadline
// and cancellation, the request's values (a statement tracer's, a log's).
type batchScoped struct {
	context.Context // the batch's
	values          context.Context
}

func (c batchScoped) Value(key any) any { return c.values.Value(key) }

func (t *txn) queryN(ctx context.Context, q string, parts int, args ...any) (rows *sql.Rows, err error) {
	defer func() { err = statementError(q, err) }()
	t.wrote(q)
	ctx = t.statementContext(ctx)
	s, err := t.prepared(ctx, q, len(args)/parts)
	if err != nil {
		return nil, err
	}
	if s != nil {
		return s.QueryContext(ctx, args...)
	}
	if t.tx != nil {
		q, args = t.withDeferred(q, args)
		return t.tx.QueryContext(ctx, t.db.rebind(q), args...)
	}
	return t.pool.QueryContext(ctx, t.db.rebind(q), args...)
}

// statementError names the statement that failed, so a logged store error
// says what was being done ("store: UPDATE accounts SET event_seq ...:
// ..."); the cause stays reachable with errors.Is and errors.As.
func statementError(q string, err error) error {
	if err == nil || errors.Is(err, errReadOnly) {
		return err
	}
	summary := strings.Join(strings.Fields(q), " ")
	if len(summary) > 60 {
		summary = summary[:60] + "..."
	}
	return fmt.Errorf("store: %s: %w", summary, err)
}

func (t *txn) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	t.wrote(q)
	ctx = t.statementContext(ctx)
	s, err := t.prepared(ctx, q, len(args))
	if err == nil && s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	if t.tx != nil {
		q, args = t.withDeferred(q, args)
		return t.tx.QueryRowContext(ctx, t.db.rebind(q), args...)
	}
	return t.pool.QueryRowContext(ctx, t.db.rebind(q), args...)
}

func (t *txn) exec(ctx context.Context, q string, args ...any) (res sql.Result, err error) {
	if t.readOnly {
		return nil, errReadOnly
	}
	defer func() { err = statementError(q, err) }()
	t.wrote(q)
	ctx = t.statementContext(ctx)
	s, err := t.prepared(ctx, q, len(args))
	if err != nil {
		return nil, err
	}
	if s != nil {
		return s.ExecContext(ctx, args...)
	}
	q, args = t.withDeferred(q, args)
	return t.tx.ExecContext(ctx, t.db.rebind(q), args...)
}

// plannedForValues runs fn with the write transaction's statements planned
// for their values on each call, where the writers' connections otherwise
// reuse one generic plan per statement (Options.GenericWritePlans): a
// DELETE of the rows expired before a time is an index range over a few
// rows for "now", and a generic plan, which cannot know that, estimates a
// third of the table and scans it whole. SET LOCAL ends with the
// transaction and is undone with a rolled-back savepoint, so the setting
// never outlives the request that made it.
func (t *txn) plannedForValues(ctx context.Context, fn func() error) error {
	if !t.db.genericWritePlans || t.tx == nil {
		return fn()
	}
	if _, err := t.exec(ctx, `SET LOCAL plan_cache_mode = force_custom_plan`); err != nil {
		return err
	}
	err := fn()
	if _, rerr := t.exec(ctx, `SET LOCAL plan_cache_mode = force_generic_plan`); err == nil {
		err = rerr
	}
	return err
}

func (t *txn) execAffected(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := t.exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// inList returns "(?,?,...)" for n values.
func inList(n int) string {
	if n <= 0 {
		return "(NULL)"
	}
	return "(" + strings.Repeat("?,", n-1) + "?)"
}

// among returns the condition that col is one of values, and its arguments:
// `col = ANY(?)` with one array argument where the dialect has ArrayParams
// and there are more than shortList values, else `col IN (?,...)`.
func (t *txn) among(col string, values []string) (string, []any) {
	if t.db.dialect.ArrayParams && len(values) > shortList {
		return col + " = ANY(?)", []any{values}
	}
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return col + " IN " + inList(len(values)), args
}

// shortList is the longest list among writes as `IN (?,...)` on an engine
// that takes arrays. PostgreSQL plans a prepared statement with an array
// parameter anew on every execution (its generic plan, which cannot know
// the array's length, always looks costlier than a plan for the values),
// while one with a few scalar parameters gets a generic plan after five
// executions: the existence read of every REST send (two users) was
// planned each time, about an eighth of PostgreSQL's CPU per sendmsg. A few
// statement texts more per query (one per length) are cached.
const shortList = 4

// stringSet runs a query whose single column is a user ID and returns the
// IDs as a set.
func (t *txn) stringSet(ctx context.Context, q string, args ...any) (map[string]bool, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out[s] = true
	}
	return out, rows.Err()
}

// stringInts reads q's rows of (string, int) into a map.
func (t *txn) stringInts(ctx context.Context, q string, args ...any) (map[string]int, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var v int
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// chunked calls fn over peers in chunks small enough for any engine's
// parameter limit and for the statement cache, merging the sets. With array
// parameters the whole set is one chunk.
func (t *txn) chunked(peers []string, fn func(chunk []string) (map[string]bool, error)) (map[string]bool, error) {
	out := map[string]bool{}
	size := 500
	if t.db.dialect.ArrayParams {
		size = max(len(peers), 1)
	}
	for len(peers) > 0 {
		n := min(size, len(peers))
		part, err := fn(peers[:n])
		if err != nil {
			return nil, err
		}
		for k := range part {
			out[k] = true
		}
		peers = peers[n:]
	}
	return out, nil
}

func appArgs(app store.AppID, owner string, peers []string) []any {
	args := make([]any, 0, len(peers)+2)
	args = append(args, int64(app), owner)
	for _, p := range peers {
		args = append(args, p)
	}
	return args
}
