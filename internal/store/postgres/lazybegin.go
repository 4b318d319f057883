package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// lazyBeginConnector makes the writers' connections (writePool) send a
// read-write transaction's BEGIN with its first statement, in one round
// trip, where database/sql over pgx sends it as a round trip of its own: a
// write's transaction is then BEGIN+statement, its other statements, and
// COMMIT. A gathered sendmsg batch is two round trips, not three; a
// gathered friend_add batch four, not five. Each round trip costs the node
// and PostgreSQL a socket write and a wake-up on each side, which on a
// small machine is a good part of a short transaction's CPU.
//
// The two statements go as one pgx batch (one Sync): PostgreSQL runs the
// statement after the BEGIN, with a snapshot of its own taken as it
// starts, exactly as when the BEGIN's answer is waited for first.
type lazyBeginConnector struct{ driver.Connector }

func (c lazyBeginConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := dc.(*stdlib.Conn)
	if !ok {
		dc.Close()
		return nil, fmt.Errorf("postgres: the pgx connector made a %T", dc)
	}
	return &lazyBeginConn{Conn: sc}, nil
}

// lazyBeginConn is a pgx stdlib connection whose read-write transactions
// begin with their first statement. Every way to the server but
// QueryContext and ExecContext (a prepare, a ping) first sends a pending
// BEGIN on its own, so nothing ever runs outside the transaction it was
// meant for.
type lazyBeginConn struct {
	*stdlib.Conn
	// beginPending: a transaction has begun for database/sql, its BEGIN
	// not yet sent.
	beginPending bool
}

func (c *lazyBeginConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *lazyBeginConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if opts.Isolation != driver.IsolationLevel(0) || opts.ReadOnly {
		if err := c.sendPendingBegin(ctx); err != nil {
			return nil, err
		}
		return c.Conn.BeginTx(ctx, opts)
	}
	if c.Conn.Conn().IsClosed() {
		return nil, driver.ErrBadConn
	}
	if c.beginPending {
		return nil, errors.New("postgres: a transaction begun within another")
	}
	c.beginPending = true
	return &lazyTx{c: c, ctx: ctx}, nil
}

// sendPendingBegin sends a pending BEGIN alone, for what cannot carry it.
func (c *lazyBeginConn) sendPendingBegin(ctx context.Context) error {
	if !c.beginPending {
		return nil
	}
	c.beginPending = false
	if _, err := c.Conn.Conn().Exec(ctx, "begin"); err != nil {
		_ = c.Conn.Conn().Close(ctx) // its transaction state is not known
		return err
	}
	return nil
}

func (c *lazyBeginConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *lazyBeginConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.sendPendingBegin(ctx); err != nil {
		return nil, err
	}
	return c.Conn.PrepareContext(ctx, query)
}

func (c *lazyBeginConn) Ping(ctx context.Context) error {
	if err := c.sendPendingBegin(ctx); err != nil {
		return err
	}
	return c.Conn.Ping(ctx)
}

func (c *lazyBeginConn) ResetSession(ctx context.Context) error {
	if c.beginPending {
		// A transaction database/sql neither committed nor rolled back.
		c.beginPending = false
		return driver.ErrBadConn
	}
	return c.Conn.ResetSession(ctx)
}

func (c *lazyBeginConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if !c.beginPending {
		return c.Conn.ExecContext(ctx, query, args)
	}
	br, err := c.beginWith(ctx, query, args)
	if err != nil {
		return nil, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

func (c *lazyBeginConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if !c.beginPending {
		return c.Conn.QueryContext(ctx, query, args)
	}
	br, err := c.beginWith(ctx, query, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	// The first row is read now, as pgx's stdlib does: the columns are
	// known only once it (or the end) has come, and a failure of the
	// statement is then the query's, not its first Next's.
	r := &pipelinedRows{br: br, rows: rows, types: c.Conn.Conn().TypeMap()}
	r.more = rows.Next()
	if err := rows.Err(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// beginWith sends the pending BEGIN and query in one batch and reads the
// BEGIN's answer.
func (c *lazyBeginConn) beginWith(ctx context.Context, query string, args []driver.NamedValue) (pgx.BatchResults, error) {
	c.beginPending = false
	pc := c.Conn.Conn()
	if pc.IsClosed() {
		return nil, driver.ErrBadConn
	}
	values := make([]any, len(args))
	for i, a := range args {
		values[i] = a.Value
	}
	b := &pgx.Batch{}
	b.Queue("begin")
	b.Queue(query, values...)
	br := pc.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		if pgconn.SafeToRetry(err) {
			return nil, driver.ErrBadConn
		}
		return nil, err
	}
	return br, nil
}

// lazyTx is a read-write transaction of a lazyBeginConn. One that sent no
// statement has nothing on the server to end.
type lazyTx struct {
	c   *lazyBeginConn
	ctx context.Context // BeginTx's, as pgx's transaction keeps it for its COMMIT and ROLLBACK
}

func (tx *lazyTx) Commit() error {
	if tx.c.beginPending {
		tx.c.beginPending = false
		return nil
	}
	pc := tx.c.Conn.Conn()
	tag, err := pc.Exec(tx.ctx, "commit")
	if err != nil {
		if pc.PgConn().TxStatus() != 'I' {
			_ = pc.Close(tx.ctx)
		}
		return err
	}
	// A transaction that had failed answers its COMMIT with ROLLBACK.
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

func (tx *lazyTx) Rollback() error {
	if tx.c.beginPending {
		tx.c.beginPending = false
		return nil
	}
	pc := tx.c.Conn.Conn()
	if _, err := pc.Exec(tx.ctx, "rollback"); err != nil {
		_ = pc.Close(tx.ctx) // its transaction state is not known
		return err
	}
	return nil
}

// pipelinedRows are the rows of a statement sent with its transaction's
// BEGIN, given to database/sql as pgx's stdlib gives its rows: integers as
// int64, booleans, floats as float64, bytea and JSON as []byte, text as
// string, times as time.Time, NULL as nil, any other type as pgx reads it
// where database/sql takes that. A type it does not (an array) fails the
// statement rather than be given in a form the caller did not expect.
type pipelinedRows struct {
	br    pgx.BatchResults
	rows  pgx.Rows
	types *pgtype.Map
	more  bool // the row read ahead (QueryContext) is there
	ahead bool // and was not given yet
	names []string
}

func (r *pipelinedRows) Columns() []string {
	if r.names == nil {
		fds := r.rows.FieldDescriptions()
		r.names = make([]string, len(fds))
		for i, fd := range fds {
			r.names[i] = fd.Name
		}
	}
	return r.names
}

func (r *pipelinedRows) Close() error {
	r.rows.Close()
	err := r.rows.Err()
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

func (r *pipelinedRows) Next(dest []driver.Value) error {
	if !r.ahead {
		r.ahead = true // the first call gives the row read ahead
	} else {
		r.more = r.rows.Next()
	}
	if !r.more {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	fds := r.rows.FieldDescriptions()
	for i, raw := range r.rows.RawValues() {
		v, err := columnValue(r.types, fds[i], raw)
		if err != nil {
			return fmt.Errorf("postgres: column %s: %w", fds[i].Name, err)
		}
		dest[i] = v
	}
	return nil
}

// columnValue is raw, a value of column fd as the server sent it, in the
// form database/sql is given it.
func columnValue(m *pgtype.Map, fd pgconn.FieldDescription, raw []byte) (driver.Value, error) {
	if raw == nil {
		return nil, nil
	}
	oid, format := fd.DataTypeOID, fd.Format
	switch oid {
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		var n int64
		err := m.Scan(oid, format, raw, &n)
		return n, err
	case pgtype.BoolOID:
		var b bool
		err := m.Scan(oid, format, raw, &b)
		return b, err
	case pgtype.Float4OID, pgtype.Float8OID:
		var f float64
		err := m.Scan(oid, format, raw, &f)
		return f, err
	case pgtype.ByteaOID, pgtype.JSONOID, pgtype.JSONBOID:
		var b []byte
		err := m.Scan(oid, format, raw, &b)
		return b, err
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID, pgtype.UnknownOID:
		var s string
		err := m.Scan(oid, format, raw, &s)
		return s, err
	case pgtype.TimestamptzOID, pgtype.TimestampOID, pgtype.DateOID:
		var t time.Time
		err := m.Scan(oid, format, raw, &t)
		return t, err
	}
	// Any other type as pgx reads it, where that is a value database/sql
	// takes (a numeric's Value is its text).
	var v any
	if err := m.Scan(oid, format, raw, &v); err != nil {
		return nil, err
	}
	if valuer, ok := v.(driver.Valuer); ok {
		var err error
		if v, err = valuer.Value(); err != nil {
			return nil, err
		}
	}
	switch v.(type) {
	case int64, float64, bool, []byte, string, time.Time:
		return v, nil
	}
	return nil, fmt.Errorf("type %d (read as %T) is not read with its transaction's BEGIN", oid, v)
}
