package sqlstore

import (
	"context"
	"slices"
	"strings"
)

// deferredWrite is a write whose caller needs nothing back but success,
// held by the transaction (on an engine where each statement is a round
// trip and which takes arrays as parameters) until the next statement,
// which then carries it as data-modifying CTEs in front of its own text:
// one round trip for both. PostgreSQL runs every data-modifying CTE once
// and to completion whatever the main statement reads, but the main
// statement does not see the CTEs' rows, so a statement that names one of
// the tables the write touches runs after the write on its own instead
// (send), as does the transaction's end.
//
// A held write is one row of its kind (rowWrites): the held writes of one
// kind go as that kind's one set of CTEs over arrays of all their rows.
// PostgreSQL's cost of a statement grows with its plan nodes (each
// data-modifying CTE is one, set up and run on its own), far more than with
// the rows of one node. Those CTEs see none of each other's rows either, so
// only writes of different rows are held together (key).
type deferredWrite struct {
	ctx  context.Context // the caller's, for the statement
	kind *rowWrites
	row  []any
	// key names the rows the write changes. A write whose key is held
	// already waits for the next statement alone: PostgreSQL refuses to
	// change one row twice in a statement.
	key string
}

// rowWrites is a kind of held write.
type rowWrites struct {
	tables []string // every table the kind's writes touch
	// ctes returns "name AS (statement), ..." over rows (each a held
	// write's row, in the order held) and its arguments.
	ctes func(rows [][]any) (string, []any)
}

// maxHeldRows bounds the writes one statement carries; the statement's
// text and argument count do not grow with them, its arrays do.
const maxHeldRows = 1024

// deferWrite holds w until the next statement, with the writes held
// already when it changes other rows, else after sending them. It returns
// false, holding nothing, where writes are not deferred (the caller runs its
// statement itself).
func (t *txn) deferWrite(ctx context.Context, w deferredWrite) bool {
	if !t.db.dialect.RoundTrips || !t.db.dialect.ArrayParams || t.readOnly || t.tx == nil {
		return false
	}
	t.ahead = nil // a write: what was read ahead may no longer hold
	if !t.canHoldWith(w) {
		t.sendDeferred()
	}
	w.ctx = ctx
	t.deferred = append(t.deferred, w)
	return true
}

// canHoldWith reports whether w may join the writes held now.
func (t *txn) canHoldWith(w deferredWrite) bool {
	if len(t.deferred) >= maxHeldRows {
		return false
	}
	for _, held := range t.deferred {
		if held.key == w.key {
			return false
		}
	}
	return true
}

// takeAdvances removes from the held writes the seq advances (seqAdvances)
// of app's accounts in users and returns them, user → column: the caller's
// statement updates those rows and bumps the columns itself, since a
// statement may change a row once. Other held writes stay held.
func (t *txn) takeAdvances(app int64, users []string) map[string]string {
	var taken map[string]string
	kept := t.deferred[:0]
	for _, w := range t.deferred {
		if w.kind == seqAdvances {
			if user := w.row[1].(string); w.row[0].(int64) == app && slices.Contains(users, user) {
				if taken == nil {
					taken = map[string]string{}
				}
				taken[user] = w.row[2].(string)
				continue
			}
		}
		kept = append(kept, w)
	}
	clear(t.deferred[len(kept):])
	t.deferred = kept
	return taken
}

// takeDeferred empties the held writes and returns their CTEs and
// arguments: each kind's, over its rows in the order they were held.
func (t *txn) takeDeferred() (context.Context, string, []any) {
	held := t.deferred
	t.deferred = t.deferred[:0]
	var kinds []*rowWrites
	var kindRows [][][]any
	for _, w := range held {
		k := slices.Index(kinds, w.kind)
		if k < 0 {
			k, kinds, kindRows = len(kinds), append(kinds, w.kind), append(kindRows, nil)
		}
		kindRows[k] = append(kindRows[k], w.row)
	}
	var ctes strings.Builder
	var args []any
	for k, kind := range kinds {
		text, kargs := kind.ctes(kindRows[k])
		if k > 0 {
			ctes.WriteString(", ")
		}
		ctes.WriteString(text)
		args = append(args, kargs...)
	}
	return held[0].ctx, ctes.String(), args
}

// withDeferred returns the statement to send for q: q itself, or with the
// held writes as CTEs in front (and their arguments first). Held writes
// that cannot go with q are sent first on their own.
func (t *txn) withDeferred(q string, args []any) (string, []any) {
	if len(t.deferred) == 0 {
		return q, args
	}
	trimmed := strings.TrimSpace(q)
	// Not with engine-specific text already numbered, nor after WITH
	// RECURSIVE (which must come first), nor in front of what is not a
	// query (SET, SAVEPOINT), which takes no WITH.
	mergeable := !strings.Contains(q, "$1") && !strings.HasPrefix(strings.ToUpper(trimmed), "WITH RECURSIVE") && takesWith(trimmed)
	for _, w := range t.deferred {
		for _, table := range w.kind.tables {
			if strings.Contains(q, table) {
				mergeable = false
			}
		}
	}
	if !mergeable {
		t.sendDeferred()
		return q, args
	}
	_, ctes, held := t.takeDeferred()
	if len(trimmed) > 5 && strings.EqualFold(trimmed[:5], "WITH ") {
		q = "WITH " + ctes + ", " + trimmed[5:]
	} else {
		q = "WITH " + ctes + " " + trimmed
	}
	return q, append(held, args...)
}

// sendDeferred sends the held writes, if any, as a statement of their own.
// Its failure is kept (deferredErr): the transaction is then aborted, its
// next statements fail, and the body's outcome is this error.
func (t *txn) sendDeferred() {
	if len(t.deferred) == 0 {
		return
	}
	ctx, ctes, args := t.takeDeferred()
	q := "WITH " + ctes + " SELECT 1"
	if _, err := t.tx.ExecContext(t.statementContext(ctx), t.db.rebind(q), args...); err != nil && t.deferredErr == nil {
		t.deferredErr = statementError(q, err)
	}
}

// finishDeferred ends a transaction body: the held writes are sent, and a
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

// takesWith reports whether statement q may be preceded by a WITH clause.
func takesWith(q string) bool {
	for _, verb := range []string{"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"} {
		if len(q) > len(verb) && strings.EqualFold(q[:len(verb)], verb) && (q[len(verb)] == ' ' || q[len(verb)] == '\n' || q[len(verb)] == '\t') {
			return true
		}
	}
	return false
}
