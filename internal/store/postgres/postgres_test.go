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

	"github.com/jackc/pgx/v5/pgconn"
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

// Writes one after another are each a group commit of one: the write
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

// Two group commits running at once can deadlock where the same requests,
// a transaction each, would only have queued: each batch holds the locks
// of its requests until it commits. The server fails one of them, and the
// failed request runs again alone: both writes succeed, each once. (The
// victim's run alone can, rarely, take a row back before the survivor's
// waiting statement is granted it and deadlock with it in turn; then the
// survivor runs again too. Every run that fails must be a deadlock's, and
// each write must end in one run that commits.)
func TestBatchesThatDeadlockBothCommit(t *testing.T) {
	const app store.AppID = 1400000001
	ctx := t.Context()
	db, err := postgres.Open(ctx, freshDatabase(t), 8)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Write(ctx, func(tx store.Tx) error {
		for _, u := range []string{"u1", "u2"} {
			if _, err := tx.CreateAccount(ctx, app, u, 1); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Each write locks its first user, waits (on its first run only) until
	// the other has locked its own, then locks the other's and bumps both
	// friend seqs.
	aLocked, bLocked := make(chan struct{}), make(chan struct{})
	var aOnce, bOnce sync.Once
	// runs records each run of a body and how it ended.
	type run struct {
		name string
		took time.Duration
		err  error
	}
	runs := make(chan run, 32)
	crossed := func(name, first, second string, mine, theirs chan struct{}, once *sync.Once) func(store.Tx) error {
		body := func(tx store.Tx) error {
			if err := tx.LockAccounts(ctx, app, first); err != nil {
				return err
			}
			once.Do(func() {
				close(mine)
				select {
				case <-theirs:
				case <-time.After(10 * time.Second):
				}
			})
			if err := tx.LockAccounts(ctx, app, second); err != nil {
				return err
			}
			for _, u := range []string{first, second} {
				if _, err := tx.BumpSeq(ctx, app, u, store.SeqFriend); err != nil {
					return err
				}
			}
			return nil
		}
		return func(tx store.Tx) error {
			start := time.Now()
			err := body(tx)
			runs <- run{name, time.Since(start).Round(time.Millisecond), err}
			return err
		}
	}
	errs := make(chan error, 2)
	go func() { errs <- db.Write(ctx, crossed("a", "u1", "u2", aLocked, bLocked, &aOnce)) }()
	<-aLocked // a's batch is under way: b cannot join it
	go func() { errs <- db.Write(ctx, crossed("b", "u2", "u1", bLocked, aLocked, &bOnce)) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	close(runs)
	var ran []string
	var deadlocks int
	last := map[string]error{}
	for r := range runs {
		ran = append(ran, fmt.Sprintf("%s (%v, %v)", r.name, r.took, r.err))
		var pgErr *pgconn.PgError
		switch {
		case r.err == nil:
		case errors.As(r.err, &pgErr) && pgErr.Code == "40P01":
			deadlocks++
		default:
			t.Errorf("run of %s failed for another reason than a deadlock: %v", r.name, r.err)
		}
		last[r.name] = r.err
	}
	if deadlocks == 0 || last["a"] != nil || last["b"] != nil {
		t.Errorf("want a deadlock, then each body's last run committing; runs: %s", strings.Join(ran, "; "))
	}
	if err := db.Read(ctx, func(tx store.Tx) error {
		for _, u := range []string{"u1", "u2"} {
			seqs, err := tx.Seqs(ctx, app, u)
			if err != nil {
				return err
			}
			if seqs.Friend != 2 {
				t.Errorf("%s's friend seq %d, want 2 (one bump by each write, none lost or doubled)", u, seqs.Friend)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A request whose caller gives up while its batch runs fails alone: its
// batch's transaction (and connection) goes on for the others, whose writes
// commit.
func TestCancelledRequestLeavesItsBatch(t *testing.T) {
	const app store.AppID = 1400000001
	ctx := t.Context()
	// Two connections: one writer, so every request below shares its
	// batches.
	db, err := postgres.Open(ctx, freshDatabase(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The writer is held in a first batch until the others are queued, so
	// that they go out together in the next one.
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- db.Write(ctx, func(tx store.Tx) error {
			<-release
			_, err := tx.CreateAccount(ctx, app, "first", 1)
			return err
		})
	}()
	gaveUp, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]chan error, 5)
	for i := range errs {
		errs[i] = make(chan error, 1)
		reqCtx := ctx
		if i == 2 {
			reqCtx = gaveUp
		}
		go func() {
			errs[i] <- db.Write(reqCtx, func(tx store.Tx) error {
				if i == 2 {
					cancel() // mid-batch, before its statement
				}
				_, err := tx.CreateAccount(reqCtx, app, fmt.Sprintf("u%d", i), 1)
				return err
			})
		}()
	}
	time.Sleep(200 * time.Millisecond)
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for i := range errs {
		err := <-errs[i]
		if i == 2 {
			continue // its statement ran detached: it may have committed
		}
		if err != nil {
			t.Errorf("request %d beside the cancelled one: %v", i, err)
		}
	}
	if err := db.Read(ctx, func(tx store.Tx) error {
		for i := range errs {
			if i == 2 {
				continue
			}
			ok, err := tx.ExistingAccounts(ctx, app, []string{fmt.Sprintf("u%d", i)})
			if err != nil {
				return err
			}
			if !ok[fmt.Sprintf("u%d", i)] {
				t.Errorf("u%d not stored", i)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
