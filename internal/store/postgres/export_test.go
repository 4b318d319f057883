package postgres

import (
	"database/sql"

	"github.com/jackc/pgx/v5"
)

// SetStatementTracer makes the stores opened from now on tell tr of every
// statement (nil: no tracer).
func SetStatementTracer(tr pgx.QueryTracer) { statementTracer = tr }

// OpenWritePool opens the writers' pool of a store of dsn, without the
// store: its transactions send BEGIN with their first statement.
func OpenWritePool(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	db, _ := writePool(cfg, 2)
	return db, nil
}
