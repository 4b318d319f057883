package sqlite_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlite"
)

// The embedded database belongs to one process: a second process is
// refused with an error that says why, while opens within the process
// share the file (and what the node remembers of it: a block written
// through one handle is seen through the other at once).
func TestOpenIsExclusiveToOneProcess(t *testing.T) {
	if path := os.Getenv("PARLEY_SQLITE_OPEN_FROM_CHILD"); path != "" {
		_, err := sqlite.Open(context.Background(), path)
		if err == nil {
			os.Stdout.WriteString("opened\n")
			os.Exit(0)
		}
		os.Stdout.WriteString("refused: " + err.Error() + "\n")
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "parley.db")
	first := open(t, path)
	second := open(t, path)

	child := func() string {
		cmd := exec.Command(os.Args[0], "-test.run=^TestOpenIsExclusiveToOneProcess$")
		cmd.Env = append(os.Environ(), "PARLEY_SQLITE_OPEN_FROM_CHILD="+path)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("child: %v (%s)", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if got := child(); !strings.Contains(got, "refused: ") || !strings.Contains(got, "another process") {
		t.Fatalf("a second process opening the database: %q, want it refused", got)
	}

	const app store.AppID = 1400000001
	ctx := t.Context()
	if err := first.Write(ctx, func(tx store.Tx) error {
		for _, u := range []string{"rcv", "snd"} {
			if _, err := tx.CreateAccount(ctx, app, u, 1); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	checkVia := func(s store.Store) store.SendCheck {
		var c store.SendCheck
		if err := s.Read(ctx, func(tx store.Tx) (err error) {
			c, err = tx.SendCheck(ctx, app, "rcv", "snd", false)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := checkVia(second); c.Blocked || !c.ReceiverExists {
		t.Fatalf("before the block: %+v", c)
	}
	if err := first.Write(ctx, func(tx store.Tx) error {
		return tx.AddBlock(ctx, store.Block{App: app, Owner: "rcv", Peer: "snd", AddedAt: 1})
	}); err != nil {
		t.Fatal(err)
	}
	if c := checkVia(second); !c.Blocked {
		t.Fatalf("a block written through one handle is not seen through the other: %+v", c)
	}

	// Once every handle is closed, another process may open it.
	first.(interface{ Close() error }).Close()
	second.(interface{ Close() error }).Close()
	if got := child(); got != "opened" {
		t.Fatalf("after Close, a second process: %q, want it opened", got)
	}
}
