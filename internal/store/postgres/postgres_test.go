package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the admin connection

	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/postgres"
	"github.com/parleyim/parley/internal/store/storetest"
)

// adminDSN returns the DSN of a role that may create databases, from
// PARLEY_TEST_POSTGRES. Without it the tests skip, unless
// PARLEY_REQUIRE_POSTGRES=1 (CI), where a missing database must fail.
func adminDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("PARLEY_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("PARLEY_REQUIRE_POSTGRES") == "1" {
			t.Fatal("PARLEY_REQUIRE_POSTGRES=1 but PARLEY_TEST_POSTGRES is empty; run scripts/postgres-test-db.sh")
		}
		t.Skip("PARLEY_TEST_POSTGRES not set (admin DSN, e.g. postgres://parley:parley@127.0.0.1:5432/postgres?sslmode=disable)")
	}
	return dsn
}

// withDatabase returns dsn pointing at database name instead.
func withDatabase(t testing.TB, dsn, name string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("PARLEY_TEST_POSTGRES: %v", err)
		}
		u.Path = "/" + name
		return u.String()
	}
	// key=value form: a later dbname overrides an earlier one.
	return dsn + " dbname=" + name
}

func adminExec(t testing.TB, dsn, query string) error {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = db.ExecContext(ctx, query)
	return err
}

// freshDatabase creates an empty database and drops it when the test ends,
// returning its DSN.
func freshDatabase(t testing.TB) string {
	t.Helper()
	admin := adminDSN(t)
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "parley_test_" + hex.EncodeToString(b[:])
	if err := adminExec(t, admin, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := adminExec(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return withDatabase(t, admin, name)
}

func open(t *testing.T, dsn string, maxConns int) store.Store {
	t.Helper()
	db, err := postgres.Open(t.Context(), dsn, maxConns)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestStore(t *testing.T) {
	adminDSN(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, freshDatabase(t), 16)
	})
}

// TestReopen checks that data survives reconnecting, that several stores
// sharing one database migrate it once, and that a pool of one connection
// works.
func TestReopen(t *testing.T) {
	const app store.AppID = 1400000001
	dsn := freshDatabase(t)
	ctx := t.Context()

	first := open(t, dsn, 4)
	err := first.Write(ctx, func(tx store.Tx) error {
		if _, err := tx.CreateAccount(ctx, app, "alice", 100); err != nil {
			return err
		}
		_, err := tx.BumpSeq(ctx, app, "alice", store.SeqBlock)
		return err
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// Two nodes starting together against the migrated database.
	stores := make([]store.Store, 2)
	errs := make(chan error, len(stores))
	for i := range stores {
		go func() {
			db, err := postgres.Open(ctx, dsn, 4)
			if err == nil {
				stores[i] = db
				t.Cleanup(func() { db.Close() })
			}
			errs <- err
		}()
	}
	for range stores {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
	}
	for i, s := range stores {
		var seqs store.Seqs
		err := s.Read(ctx, func(tx store.Tx) (err error) {
			seqs, err = tx.Seqs(ctx, app, "alice")
			return
		})
		if err != nil || seqs != (store.Seqs{Block: 1}) {
			t.Errorf("store %d: Seqs = %+v, %v; want Block 1", i, seqs, err)
		}
	}

	// A single-connection pool must neither deadlock while migrating nor
	// inside Write.
	openCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	one, err := postgres.Open(openCtx, dsn, 1)
	if err != nil {
		t.Fatalf("Open with maxConns 1: %v", err)
	}
	defer one.Close()
	err = one.Write(openCtx, func(tx store.Tx) error {
		if err := tx.LockAccounts(openCtx, app, "alice"); err != nil {
			return err
		}
		_, err := tx.BumpSeq(openCtx, app, "alice", store.SeqBlock)
		return err
	})
	if err != nil {
		t.Fatalf("Write with maxConns 1: %v", err)
	}

	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var rows, versions int
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			files++
		}
	}
	if files == 0 || rows != files || versions != files {
		t.Errorf("schema_migrations has %d rows for %d versions, want %d and %d", rows, versions, files, files)
	}
}

// Without a group committer every Write is its own transaction: the write
// observer sees batches of one, failed writes included.
func TestWriteObserverSeesEachWrite(t *testing.T) {
	const app store.AppID = 1400000001
	ctx := t.Context()
	db, err := postgres.Open(ctx, freshDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mu sync.Mutex
	var batches []int
	db.ObserveWrites(func(batch int, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if d <= 0 {
			t.Errorf("duration %s", d)
		}
		batches = append(batches, batch)
	})
	for i := range 3 {
		if err := db.Write(ctx, func(tx store.Tx) error {
			_, err := tx.CreateAccount(ctx, app, fmt.Sprintf("u%d", i), 100)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	failed := errors.New("refused")
	if err := db.Write(ctx, func(store.Tx) error { return failed }); !errors.Is(err, failed) {
		t.Fatalf("Write: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(batches, []int{1, 1, 1, 1}) {
		t.Fatalf("observed batches %v, want four of 1", batches)
	}
}
