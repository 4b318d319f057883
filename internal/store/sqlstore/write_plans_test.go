package sqlstore_test

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/postgres"
	"github.com/parleyim/parley/internal/store/sqlstore"
	"github.com/parleyim/parley/internal/store/storetest"
)

// plans reads how the writer's connection has planned its prepared
// statements whose text contains each key: generic and custom plans.
func plans(t *testing.T, raw *sql.Tx, key string) (generic, custom int64) {
	t.Helper()
	err := raw.QueryRowContext(t.Context(), `SELECT COALESCE(SUM(generic_plans), 0), COALESCE(SUM(custom_plans), 0)
		FROM pg_prepared_statements WHERE NOT from_sql AND statement LIKE '%' || $1 || '%'`, key).Scan(&generic, &custom)
	if err != nil {
		t.Fatal(err)
	}
	return generic, custom
}

// On PostgreSQL the writers' statements run on one generic plan each
// (planning every execution of the array-parameter statements of a
// friend_add was about half of the database's CPU), but a prune by time is
// planned for its value, and the statements after it in the transaction
// are generic again. A DSN that chooses plan_cache_mode itself is obeyed.
func TestWritersPlanOnceAndPrunesPlanForTheirValues(t *testing.T) {
	dsn := storetest.FreshPostgres(t)
	for _, tc := range []struct {
		name, dsn string
		generic   bool
	}{
		{"default", dsn, true},
		{"chosen by the DSN", dsn + "&plan_cache_mode=auto", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(dsn, "?") {
				t.Skip("the test DSN has no query to add a parameter to")
			}
			db, err := postgres.Open(t.Context(), tc.dsn, 4)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			const app = store.AppID(1400000001)
			// Each lock names an account not locked before in the
			// transaction (one already held is not locked again).
			locks := 0
			lockAll := func(ctx context.Context, tx store.Tx) {
				for range 8 {
					locks++
					if err := tx.LockAccounts(ctx, app, "alice"+strconv.Itoa(locks), "bob"); err != nil {
						t.Fatal(err)
					}
				}
			}
			err = sqlstore.WriteWithSQL(t.Context(), db, func(tx store.Tx, raw *sql.Tx) error {
				ctx := t.Context()
				lockAll(ctx, tx)
				generic, custom := plans(t, raw, "FOR UPDATE")
				if tc.generic && (generic < 8 || custom != 0) {
					t.Errorf("account locks: %d generic and %d custom plans, want a generic plan for every execution", generic, custom)
				}
				// PostgreSQL's auto mode plans the first five executions
				// for their values.
				if !tc.generic && custom < 5 {
					t.Errorf("account locks with plan_cache_mode=auto chosen: %d custom plans, want PostgreSQL's first five at least", custom)
				}
				for range 3 {
					if _, err := tx.PruneMessages(ctx, 1000); err != nil {
						return err
					}
				}
				generic, custom = plans(t, raw, "DELETE FROM messages WHERE expires_at")
				if generic != 0 || custom != 3 {
					t.Errorf("message prunes: %d generic and %d custom plans, want a custom plan each", generic, custom)
				}
				before, _ := plans(t, raw, "FOR UPDATE")
				lockAll(ctx, tx)
				if after, _ := plans(t, raw, "FOR UPDATE"); tc.generic && after != before+8 {
					t.Errorf("account locks after a prune: %d generic plans more, want 8", after-before)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
