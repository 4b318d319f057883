// Package postgres is the scale-out engine: PostgreSQL through pgx. Several
// Parley nodes can share one database; row locks on the accounts touched by a
// write keep concurrent updates of one user from losing each other.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

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
	// Limited only now: while migrating, conn holds one connection and
	// Migrate needs another, which a pool of one would never hand out.
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	return sqlstore.New(sqlstore.Options{Dialect: Dialect, Write: db, Read: db}), nil
}
