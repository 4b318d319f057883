package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/parleyim/parley/internal/store/sqlite"
	"github.com/parleyim/parley/internal/store/storetest"
)

// go test -run '^$' -bench ChangeLogFanout ./internal/store/sqlite/
func BenchmarkChangeLogFanout(b *testing.B) {
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "p.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.BenchChangeLogFanout(b, db)
}
