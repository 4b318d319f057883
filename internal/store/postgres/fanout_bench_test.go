package postgres_test

import (
	"context"
	"testing"

	"github.com/parleyim/parley/internal/store/postgres"
	"github.com/parleyim/parley/internal/store/storetest"
)

// PARLEY_TEST_POSTGRES=postgres://... go test -run '^$' -bench ChangeLogFanout ./internal/store/postgres/
func BenchmarkChangeLogFanout(b *testing.B) {
	db, err := postgres.Open(context.Background(), freshDatabase(b), 4)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.BenchChangeLogFanout(b, db)
}
