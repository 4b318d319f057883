package postgres_test

import (
	"database/sql"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/parleyim/parley/internal/store/postgres"
)

// writePool opens the writers' pool of a fresh database and a plain pgx
// pool of the same database to compare it with.
func writePool(t *testing.T) (write, plain *sql.DB) {
	t.Helper()
	dsn := freshDatabase(t)
	write, err := postgres.OpenWritePool(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { write.Close() })
	plain, err = sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { plain.Close() })
	if _, err := plain.Exec(`CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return write, plain
}

var _ = stdlib.GetDefaultDriver // the "pgx" driver of sql.Open

func countItems(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM items`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A writer's transaction whose BEGIN goes with its first statement is a
// transaction all the same: what it wrote is undone by a rollback, kept by
// a commit, and a transaction that sent nothing ends without a word.
func TestWritePoolTransactionsAreTransactions(t *testing.T) {
	write, plain := writePool(t)
	ctx := t.Context()

	for _, end := range []string{"commit", "rollback"} {
		tx, err := write.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if end == "commit" {
			err = tx.Commit()
		} else {
			err = tx.Rollback()
		}
		if err != nil {
			t.Errorf("%s of a transaction without statements: %v", end, err)
		}
	}

	tx, err := write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"a", "b"} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO items VALUES ($1, $2)`, i, name); err != nil {
			t.Fatal(err)
		}
	}
	// Not seen from outside before the commit, then rolled back.
	if n := countItems(t, plain); n != 0 {
		t.Errorf("%d rows seen outside an open transaction, want 0", n)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := countItems(t, plain); n != 0 {
		t.Errorf("%d rows after a rollback, want 0", n)
	}

	// A query first, then a write, committed.
	tx, err = write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var before int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM items`).Scan(&before); err != nil || before != 0 {
		t.Fatalf("count as the first statement: %d %v", before, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO items VALUES (1, 'a'), (2, 'b')`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := countItems(t, plain); n != 2 {
		t.Errorf("%d rows after a commit, want 2", n)
	}

	// A first statement that fails aborts the transaction: its COMMIT
	// fails, nothing of it is kept, and the connection serves the next.
	tx, err = write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO items VALUES (1, 'again')`); err == nil || !strings.Contains(err.Error(), "23505") {
		t.Errorf("duplicate key as the first statement: %v, want a unique violation", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO items VALUES (3, 'c')`); err == nil {
		t.Error("a statement after a failed one ran, want the transaction aborted")
	}
	if err := tx.Commit(); err == nil {
		t.Error("commit of an aborted transaction succeeded")
	}
	if n := countItems(t, plain); n != 2 {
		t.Errorf("%d rows after an aborted transaction, want 2", n)
	}
	tx, err = write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM items WHERE id = 1/0`)
	if err == nil {
		rows.Close()
		t.Error("a failing first query answered rows, want its error")
	}
	if err := tx.Rollback(); err != nil {
		t.Errorf("rollback after a failed first query: %v", err)
	}

	// A read-only transaction begins as it always did: a write in it fails.
	ro, err := write.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ro.ExecContext(ctx, `INSERT INTO items VALUES (4, 'd')`); err == nil {
		t.Error("a write in a read-only transaction succeeded")
	}
	ro.Rollback()
	if n := countItems(t, plain); n != 2 {
		t.Errorf("%d rows at the end, want 2", n)
	}
}

// A first statement's rows reach database/sql as pgx's stdlib gives them
// (the same values of the same types), however many there are.
func TestWritePoolFirstRowsAsStdlibGivesThem(t *testing.T) {
	write, plain := writePool(t)
	ctx := t.Context()
	const q = `SELECT 1::int2, 2::int4, 3::int8, true, 1.5::float8, 2.5::float4, 'text'::text, 'v'::varchar, 'c'::char(2),
		'\x0102ff'::bytea, '{"a": 1}'::json, '{"b": 2}'::jsonb, NULL::text, NULL::bigint,
		'2026-12-04 10:00:00+00'::timestamptz, '2026-12-04 10:00:00'::timestamp, '2026-12-04'::date, 12.50::numeric, 'name'::name`
	scan := func(rows *sql.Rows) []any {
		t.Helper()
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if !rows.Next() {
			t.Fatalf("no row: %v", rows.Err())
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		return vals
	}
	rows, err := plain.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want := scan(rows)
	rows.Close()

	// The pool has two connections: each transaction ends before the
	// next begins.
	tx, err := write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, err = tx.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	got := scan(rows)
	rows.Close()
	tx.Rollback()
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("column %d: %T %v, want %T %v (pgx's stdlib)", i+1, got[i], got[i], want[i], want[i])
		}
	}

	// Many rows, in order, then the transaction goes on.
	tx2, err := write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, err = tx2.QueryContext(ctx, `SELECT n, 'row ' || n FROM generate_series(1, 5000) AS n`)
	if err != nil {
		t.Fatal(err)
	}
	next := 1
	for rows.Next() {
		var n int
		var s string
		if err := rows.Scan(&n, &s); err != nil {
			t.Fatal(err)
		}
		if n != next || s != "row "+strconv.Itoa(n) {
			t.Fatalf("row %d: %d %q", next, n, s)
		}
		next++
	}
	if err := rows.Err(); err != nil || next != 5001 {
		t.Fatalf("%d rows read (%v), want 5000", next-1, err)
	}
	rows.Close()
	if _, err := tx2.ExecContext(ctx, `INSERT INTO items VALUES (9, 'after the rows')`); err != nil {
		t.Errorf("a statement after the first one's rows: %v", err)
	}
	tx2.Rollback()

	// A column of a type database/sql is not given fails the statement.
	tx3, err := write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx3.Rollback()
	var s string
	if err := tx3.QueryRowContext(ctx, `SELECT ARRAY[1, 2]`).Scan(&s); err == nil {
		t.Errorf("an array column read as %q, want an error", s)
	}
}
