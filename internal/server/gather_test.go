package server_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/storetest"
)

// A node gathers concurrent sendmsg and friend_add calls into shared
// writes on a networked store (PostgreSQL) only: an embedded store's
// single writer batches them already.
func TestNodeGathersWritesOnANetworkedStore(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, st store.Store) {
		a := app.New(1400000001, "0123456789abcdef0123456789abcdef", "admin")
		n, err := server.New(t.Context(), st, []*app.App{a}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		want := store.IsNetworked(st)
		if n.Messages.GatherSends != want || n.Relations.GatherAdds != want {
			t.Errorf("networked %v: GatherSends %v, GatherAdds %v; want both %v", want, n.Messages.GatherSends, n.Relations.GatherAdds, want)
		}
		if name := t.Name(); (name[len(name)-8:] == "postgres") != want {
			t.Errorf("%s: networked %v", name, want)
		}
	})
}
