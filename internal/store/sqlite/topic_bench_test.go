package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlite"
	"github.com/parleyim/parley/internal/store/storetest"
)

// go test -run '^$' -bench TopicUnread ./internal/store/sqlite/
func BenchmarkTopicUnread(b *testing.B) {
	storetest.BenchTopicUnread(b, func(b *testing.B) store.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "t.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db
	})
}
