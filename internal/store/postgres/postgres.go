// Package postgres is the scale-out engine: PostgreSQL through pgx. Several
// Parley nodes can share one database; row locks on the accounts touched by a
// write keep concurrent updates of one user from losing each other.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/parleyim/parley/internal/store/sqlstore"
)

// statementTracer, when set (by a test, before Open), is told of every
// statement the connections opened afterwards send: how the round trips of
// one operation are counted.
var statementTracer pgx.QueryTracer

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is PostgreSQL's SQL flavour as sqlstore needs it.
var Dialect = sqlstore.Dialect{
	Name:                 "postgres",
	NumberedPlaceholders: true,
	LockRows:             true,
	ArrayParams:          true,
	RoundTrips:           true,
	Retryable: func(err error) bool {
		var pgErr *pgconn.PgError
		// serialization_failure, deadlock_detected, unique_violation from two
		// first inserts racing: running the transaction again resolves each.
		return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01" || pgErr.Code == "23505")
	},
}

// Open connects to dsn (a postgres:// URL or key=value string) and migrates.
func Open(ctx context.Context, dsn string, maxConns int) (*sqlstore.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.Tracer = statementTracer
	db := stdlib.OpenDB(*cfg)
	if maxConns <= 0 {
		maxConns = 32
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	sub, _ := fs.Sub(migrations, "migrations")
	// Two nodes starting together must not both run a migration.
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7231)`); err != nil {
		db.Close()
		return nil, err
	}
	err = sqlstore.Migrate(ctx, db, sub, Dialect)
	_, _ = conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(7231)`)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	// The writers' transactions have connections of their own, which plan
	// each statement once: see writePool. Together the two pools hold at
	// most maxConns (and at least one connection each).
	n := writers(maxConns)
	write, generic := writePool(cfg, n)
	reads := max(maxConns-n, 1)
	// Limited only now: while migrating, conn holds one connection and
	// Migrate needs another, which a pool of one would never hand out.
	db.SetMaxOpenConns(reads)
	db.SetMaxIdleConns(reads)
	return sqlstore.New(sqlstore.Options{Dialect: Dialect, Write: write, Read: db,
		GroupCommit: true, Writers: n, BatchTimeout: batchTimeout, GenericWritePlans: generic}), nil
}

// writePool opens the connections of the group committer's writers, with
// n connections at most (one per writer). Unless the DSN chooses a
// plan_cache_mode itself, each runs `SET plan_cache_mode =
// force_generic_plan` as it connects: PostgreSQL otherwise plans a prepared
// statement with array parameters (the accounts a friend_add locks, the
// relation read's nine arms, the change-log bump) anew on every execution,
// since its generic plan's estimate, which cannot know an array's length,
// always loses to a custom plan's; with bench/rest's friend_add the planning
// was about half of PostgreSQL's CPU (pg_stat_statements with
// track_planning, docs/benchmarks.md). The writes are lookups and updates
// by key, whose generic plan is the custom one; the few whose plan depends
// on a value (prunes by time) ask for a custom plan (GenericWritePlans).
// Reads keep PostgreSQL's default. The SET goes on the connection, not in
// the startup packet, which a pooler such as PgBouncer may refuse.
func writePool(cfg *pgx.ConnConfig, n int) (*sql.DB, bool) {
	_, chosen := cfg.RuntimeParams["plan_cache_mode"]
	var opts []stdlib.OptionOpenDB
	if !chosen {
		opts = append(opts, stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
			// Through pgconn: not a statement of the caller's (a tracer
			// counting an operation's round trips does not see it).
			return c.PgConn().Exec(ctx, `SET plan_cache_mode = force_generic_plan`).Close()
		}))
	}
	// Their transactions send BEGIN with their first statement
	// (lazyBeginConnector).
	db := sql.OpenDB(lazyBeginConnector{stdlib.GetConnector(*cfg, opts...)})
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	return db, !chosen
}

// writers is how many group commits run at once: enough to keep the server
// busy while others wait on their commit's WAL flush, and at most half the
// pool, so reads always find connections.
func writers(maxConns int) int {
	return max(1, min(WritersDefault, maxConns/2))
}

// WritersDefault is writers' number for a pool of 8 connections or more
// (bench/rest, 32 clients: 2 and 4 writers ran friend_add and sendmsg at
// the same rate, 8 slower, 1 at half of it).
const WritersDefault = 4

// batchTimeout bounds a group commit's statements: one waiting on a lock
// that another node's transaction holds fails its batch at this deadline
// rather than holding a writer for ever.
const batchTimeout = 30 * time.Second
