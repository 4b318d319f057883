package sqlstore

import (
	"context"
	"database/sql"

	"github.com/parleyim/parley/internal/store"
)

// WriteWithSQL runs fn in a write transaction of db with both doors to it:
// the store's and the raw transaction's (for what only SQL can see).
func WriteWithSQL(ctx context.Context, db *DB, fn func(tx store.Tx, raw *sql.Tx) error) error {
	return db.Write(ctx, func(tx store.Tx) error { return fn(tx, tx.(*txn).tx) })
}
