package sqlstore

import (
	"context"
	"strings"
)

// deferredWrite is a write whose caller needs nothing back but success,
// held by the transaction (on an engine where each statement is a round
// trip) until the next statement, which then carries it as data-modifying
// CTEs in front of its own text: one round trip for both. PostgreSQL runs
// every data-modifying CTE once and to completion whatever the main
// statement reads, but the main statement does not see the CTEs' rows, so a
// statement that names one of the tables the write touches runs after the
// write on its own instead (send), as does the transaction's end.
type deferredWrite struct {
	ctx    context.Context // the caller's, for the statement
	ctes   string          // "name AS (statement), ..." with `?` placeholders
	args   []any
	tables []string // every table the write touches
}

// deferWrite holds w until the next statement, sending a write already held
// first. It returns false, holding nothing, where writes are not deferred
// (the caller runs its statement itself).
func (t *txn) deferWrite(ctx context.Context, w deferredWrite) bool {
	if !t.db.dialect.RoundTrips || t.readOnly || t.tx == nil {
		return false
	}
	t.sendDeferred()
	w.ctx = ctx
	t.deferred = &w
	return true
}

// withDeferred returns the statement to send for q: q itself, or with the
// held write as CTEs in front (and its arguments first). A held write that
// cannot go with q is sent first on its own.
func (t *txn) withDeferred(q string, args []any) (string, []any) {
	w := t.deferred
	if w == nil {
		return q, args
	}
	trimmed := strings.TrimSpace(q)
	// Not with engine-specific text already numbered, nor after WITH
	// RECURSIVE (which must come first).
	mergeable := !strings.Contains(q, "$1") && !strings.HasPrefix(strings.ToUpper(trimmed), "WITH RECURSIVE")
	for _, table := range w.tables {
		if strings.Contains(q, table) {
			mergeable = false
		}
	}
	if !mergeable {
		t.sendDeferred()
		return q, args
	}
	t.deferred = nil
	if len(trimmed) > 5 && strings.EqualFold(trimmed[:5], "WITH ") {
		q = "WITH " + w.ctes + ", " + trimmed[5:]
	} else {
		q = "WITH " + w.ctes + " " + trimmed
	}
	return q, append(append(make([]any, 0, len(w.args)+len(args)), w.args...), args...)
}

// sendDeferred sends the held write, if any, as a statement of its own. Its
// failure is kept (deferredErr): the transaction is then aborted, its next
// statements fail, and the body's outcome is this error.
func (t *txn) sendDeferred() {
	w := t.deferred
	if w == nil {
		return
	}
	t.deferred = nil
	q := "WITH " + w.ctes + " SELECT 1"
	if _, err := t.tx.ExecContext(t.statementContext(w.ctx), t.db.rebind(q), w.args...); err != nil && t.deferredErr == nil {
		t.deferredErr = statementError(q, err)
	}
}

// finishDeferred ends a transaction body: the held write is sent, and a
// deferred write's failure outranks the body's result (it is the cause of
// the failures after it). The failure is reported once.
func (t *txn) finishDeferred(err error) error {
	t.sendDeferred()
	if derr := t.deferredErr; derr != nil {
		t.deferredErr = nil
		return derr
	}
	return err
}
