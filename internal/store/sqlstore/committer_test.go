package sqlstore_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlstore"
)

// With a sync stage, a write is acknowledged only once a sync begun after
// its commit returned, a failed sync fails the writes it was to make
// durable, and the writer executes the next batch while a sync runs.
func TestCommitterAcknowledgesAfterSyncAndOverlapsIt(t *testing.T) {
	conn, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "db")+"?_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	conn.SetMaxOpenConns(2)
	syncs := make(chan chan error)
	db := sqlstore.New(sqlstore.Options{Write: conn, GroupCommit: true, Sync: func() error {
		answer := make(chan error)
		syncs <- answer
		return <-answer
	}})
	defer db.Close()
	write := func(ran chan<- struct{}) <-chan error {
		done := make(chan error, 1)
		go func() {
			done <- db.Write(t.Context(), func(store.Tx) error {
				if ran != nil {
					ran <- struct{}{}
				}
				return nil
			})
		}()
		return done
	}

	first := write(nil)
	sync1 := <-syncs // the first batch is committed; its sync has begun
	select {
	case err := <-first:
		t.Fatalf("write acknowledged (%v) before its sync returned", err)
	case <-time.After(50 * time.Millisecond):
	}
	// The writer is free while the sync runs: a second write executes now.
	ran := make(chan struct{}, 1)
	second := write(ran)
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("the next batch did not run while the first one's sync was running")
	}
	sync1 <- nil
	if err := <-first; err != nil {
		t.Fatalf("first write: %v", err)
	}
	failed := errors.New("disk gone")
	(<-syncs) <- failed
	if err := <-second; !errors.Is(err, failed) {
		t.Fatalf("second write after a failed sync: %v, want %v", err, failed)
	}
}
