package sqlite_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlite"
	"github.com/parleyim/parley/internal/store/storetest"
)

func open(t *testing.T, path string) store.Store {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("sqlite.Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "parley.db"))
	})
}

// TestReopen checks that committed data survives Close and that opening an
// existing file does not run the migrations over it again.
func TestReopen(t *testing.T) {
	const app store.AppID = 1400000001
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "parley.db")

	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Write(ctx, func(tx store.Tx) error {
		if _, err := tx.CreateAccount(ctx, app, "alice", 100); err != nil {
			return err
		}
		if _, err := tx.BumpSeq(ctx, app, "alice", store.SeqFriendList); err != nil {
			return err
		}
		if err := tx.SetProfileValues(ctx, app, "alice", map[string]store.Value{
			"Nick": store.StringValue("Alice"), "Age": store.IntValue(30),
		}); err != nil {
			return err
		}
		if err := tx.CreateFriendList(ctx, app, "alice", "work", 5); err != nil {
			return err
		}
		return tx.PutFriend(ctx, store.Friend{App: app, Owner: "alice", Peer: "bob", Remark: "B", AddTime: 7, Groups: []string{"work"},
			Custom: map[string]store.Value{"Tag_SNS_Custom_X": store.IntValue(3)}})
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	for round := 0; round < 2; round++ {
		db := open(t, path)
		var (
			exists  bool
			seqs    store.Seqs
			profile map[string]map[string]store.Value
			friend  store.Friend
			found   bool
		)
		err := db.Read(ctx, func(tx store.Tx) error {
			var err error
			if exists, err = tx.AccountExists(ctx, app, "alice"); err != nil {
				return err
			}
			if seqs, err = tx.Seqs(ctx, app, "alice"); err != nil {
				return err
			}
			if profile, err = tx.ProfileValues(ctx, app, []string{"alice"}, nil); err != nil {
				return err
			}
			friend, found, err = tx.Friend(ctx, app, "alice", "bob")
			return err
		})
		if err != nil {
			t.Fatalf("round %d: Read: %v", round, err)
		}
		if !exists {
			t.Errorf("round %d: alice does not exist after reopen", round)
		}
		if seqs != (store.Seqs{FriendList: uint64(round + 1)}) {
			t.Errorf("round %d: seqs = %+v, want FriendList %d", round, seqs, round+1)
		}
		if got := profile["alice"]; len(got) != 2 || got["Nick"] != store.StringValue("Alice") || got["Age"] != store.IntValue(30) {
			t.Errorf("round %d: profile = %+v", round, profile)
		}
		if !found || friend.Remark != "B" || friend.AddTime != 7 || len(friend.Groups) != 1 || friend.Groups[0] != "work" ||
			len(friend.Custom) != 1 || friend.Custom["Tag_SNS_Custom_X"] != store.IntValue(3) {
			t.Errorf("round %d: friend = %+v, found %v", round, friend, found)
		}
		// The reopened store takes writes.
		err = db.Write(ctx, func(tx store.Tx) error {
			_, err := tx.BumpSeq(ctx, app, "alice", store.SeqFriendList)
			return err
		})
		if err != nil {
			t.Fatalf("round %d: Write after reopen: %v", round, err)
		}
		if err := db.Close(); err != nil {
			t.Fatalf("round %d: Close: %v", round, err)
		}
	}

	// The bookkeeping shows each migration applied exactly once.
	raw, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var rows, versions int
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("listing migrations: %v (%d files)", err, len(files))
	}
	if rows != len(files) || versions != len(files) {
		t.Errorf("schema_migrations has %d rows for %d versions, want %d and %d", rows, versions, len(files), len(files))
	}
}

// The write observer sees every group commit: the batch sizes add up to the
// writes made (concurrent ones share batches), each with a duration.
func TestWriteObserverSeesGroupCommits(t *testing.T) {
	const app store.AppID = 1400000001
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mu sync.Mutex
	var batches []int
	var total time.Duration
	db.ObserveWrites(func(batch int, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		batches = append(batches, batch)
		total += d
	})
	const writes = 40
	var wg sync.WaitGroup
	for i := range writes {
		wg.Go(func() {
			err := db.Write(ctx, func(tx store.Tx) error {
				_, err := tx.CreateAccount(ctx, app, fmt.Sprintf("u%d", i), 100)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	sum := 0
	for _, b := range batches {
		if b < 1 {
			t.Errorf("batch of %d", b)
		}
		sum += b
	}
	got, d := len(batches), total
	mu.Unlock()
	if sum != writes || got == 0 || d <= 0 {
		t.Fatalf("observed %d batches of %d writes in %s, want %d writes", got, sum, d, writes)
	}
	// Cleared: nothing more is observed.
	db.ObserveWrites(nil)
	if err := db.Write(ctx, func(tx store.Tx) error { _, err := tx.CreateAccount(ctx, app, "late", 100); return err }); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(batches) != got {
		t.Fatalf("observed after ObserveWrites(nil)")
	}
}

// The planner statistics (migration 0021) keep a user's lookups on their
// index: without them SQLite reads a range of the primary key on app_id
// alone, every row of the app (a conversation list that grew with the
// size of the user's groups).
func TestUserLookupsUseTheirIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.db")
	open(t, path).Close()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for q, index := range map[string]string{
		"SELECT read_seq, hidden_seq FROM group_members WHERE app_id = 1 AND user_id = 'u'":                             "group_members_by_",
		"SELECT * FROM friend_requests WHERE app_id = 1 AND to_id = 'u'":                                                "friend_requests_by_to",
		"SELECT * FROM friends WHERE app_id = 1 AND peer_id = 'u'":                                                      "friends_by_peer",
		"SELECT * FROM blocklist WHERE app_id = 1 AND peer_id = 'u'":                                                    "blocklist_by_peer",
		"SELECT seq FROM group_messages WHERE app_id = 1 AND group_id = 'g' AND sender = 'u' ORDER BY seq DESC LIMIT 1": "group_messages_by_sender",
	} {
		rows, err := db.Query("EXPLAIN QUERY PLAN " + q)
		if err != nil {
			t.Fatal(err)
		}
		var plan string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan += detail + "; "
		}
		rows.Close()
		if !strings.Contains(plan, index) {
			t.Errorf("%s\n  plan %q, want it to use %s", q, plan, index)
		}
	}
}
