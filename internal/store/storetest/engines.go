package storetest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/postgres"
	"github.com/parleyim/parley/internal/store/sqlite"
)

// enginesPool is the PostgreSQL pool of Engines' stores: enough for the
// concurrent writers the race tests start.
const enginesPool = 16

// Engines runs fn once per storage engine, each as a subtest on a fresh,
// empty store closed when the subtest ends: "sqlite" always (a database in
// the subtest's temporary directory), "postgres" on a fresh database when
// PARLEY_TEST_POSTGRES names a server (FreshPostgres). Without the
// variable the postgres subtest is skipped, or fails under
// PARLEY_REQUIRE_POSTGRES=1, where a missing database must not pass
// unnoticed.
func Engines(t *testing.T, fn func(t *testing.T, st store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "parley.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv("PARLEY_TEST_POSTGRES") == "" && os.Getenv("PARLEY_REQUIRE_POSTGRES") == "1" {
			t.Fatal("PARLEY_REQUIRE_POSTGRES=1 but PARLEY_TEST_POSTGRES is empty")
		}
		st, err := postgres.Open(t.Context(), FreshPostgres(t), enginesPool)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, st)
	})
}
