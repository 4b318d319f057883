package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlite"
)

// Commits reach the database file soon after they are made, far below the
// writer's own checkpoint threshold (10,000 WAL frames), without a write or
// a close to trigger it: the checkpointer copies them off the writer's path.
func TestCommitsAreCheckpointedOffTheWritersPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	// The migrations' pages are still in the WAL: they were not written
	// through the group committer, which is what wakes the checkpointer.
	before := size()
	body := []byte(`[{"MsgType":"TIMTextElem","MsgContent":{"Text":"` + strings.Repeat("x", 2000) + `"}}]`)
	for i := range 200 {
		err := db.Write(context.Background(), func(tx store.Tx) error {
			_, _, err := tx.AppendMessage(context.Background(), store.Message{App: 1400000001, ConvKey: "c2c:a|b",
				Sender: "a", Receiver: "b", ClientKey: fmt.Sprint(i), SentAt: int64(i), Body: body, ExpiresAt: 1 << 40})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for size() < before+200*2000 {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes, %d before 400 KB of commits: they stayed in the WAL", size(), before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
