package presence_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/presence"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlite"
)

func TestPushedOut(t *testing.T) {
	for _, tc := range []struct {
		name       string
		online     []string
		platform   string
		limit      int
		wantOut    []int
		wantReason string
	}{
		{"under the limit", []string{"Android", "Android"}, "Android", 3, nil, presence.KickMultipleDevice},
		{"the oldest of the platform", []string{"iOS", "Android", "Web", "Android", "Android"}, "Android", 3, []int{1}, presence.KickMultipleDevice},
		{"a lowered limit pushes out several", []string{"Android", "Android", "Android"}, "Android", 1, []int{0, 1, 2}, presence.KickMultipleDevice},
		{"Web beyond the Web limit", []string{"Web", "Android"}, "Web", 1, []int{0}, presence.KickMultipleAccount},
		{"other platforms never count", []string{"Mac", "Windows", "iPad"}, "Web", 1, nil, presence.KickMultipleAccount},
		{"a limit below 1 is 1", []string{"Mac"}, "Mac", 0, []int{0}, presence.KickMultipleDevice},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, reason := presence.PushedOut(tc.online, tc.platform, tc.limit)
			if !slices.Equal(out, tc.wantOut) || reason != tc.wantReason {
				t.Fatalf("PushedOut = %v %q, want %v %q", out, reason, tc.wantOut, tc.wantReason)
			}
		})
	}
}

type endpoint struct{ kicked []string }

func (e *endpoint) Push([]byte)        {}
func (e *endpoint) Kick(reason string) { e.kicked = append(e.kicked, reason) }

func openStore(t *testing.T) store.Store {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func session(id uint64, user, platform string) *presence.Session {
	return &presence.Session{ID: id, App: 1, User: user, Platform: platform, LoginAt: time.Now(), Endpoint: &endpoint{}}
}

// Two directories on one store stand for two nodes: a login on one pushes
// out the other's oldest session of the platform, returned as remote; a
// session that left is no longer counted by the next login; a user kick
// returns every node's sessions; Stop removes the node's.
func TestDirectoryAcrossNodes(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	a := &presence.Directory{Store: st, Node: 1, Local: presence.NewRegistry()}
	b := &presence.Directory{Store: st, Node: 2, Local: presence.NewRegistry()}
	for _, d := range []*presence.Directory{a, b} {
		if err := d.Register(ctx); err != nil {
			t.Fatal(err)
		}
	}
	login := func(d *presence.Directory, s *presence.Session) presence.Kicks {
		t.Helper()
		k, err := d.Login(ctx, s, 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	a1 := session(1, "u", "Android")
	login(a, a1)
	a2 := session(2, "u", "Android")
	login(a, a2)
	k := login(b, session(1, "u", "Android"))
	if len(k.Local) != 0 || len(k.Remote) != 1 || k.Remote[0].Node != 1 || k.Remote[0].Conn != 1 || k.Reason != presence.KickMultipleDevice {
		t.Fatalf("4th login on node B: %+v, want node A's conn 1 remote", k)
	}
	// What node A does when the kick envelope arrives.
	if a.Local.Take(1, "u", 1) != a1 {
		t.Fatal("node A does not hold conn 1")
	}

	// a2 leaves; the next login on node A applies that before counting:
	// with b's session and the new one the user is at the limit, nobody
	// is pushed out.
	a.Leave(a2)
	if k := login(a, session(3, "u", "Android")); len(k.Local)+len(k.Remote) != 0 {
		t.Fatalf("login after a leave pushed out %+v", k)
	}
	// Now at the limit: node B's session is the oldest.
	k = login(a, session(4, "u", "Android"))
	if len(k.Remote) != 1 || k.Remote[0].Node != 2 {
		t.Fatalf("login at the limit: %+v, want node B's session", k)
	}
	// And a local one: conn 3 is now the oldest, pushed out and unregistered.
	k = login(a, session(5, "u", "Android"))
	if len(k.Local) != 1 || k.Local[0].ID != 3 || len(a.Local.Sessions(1, "u")) != 2 {
		t.Fatalf("local push-out: %+v, local sessions %d", k, len(a.Local.Sessions(1, "u")))
	}

	login(b, session(9, "u", "Web"))
	online, err := a.Online(ctx, 1, []string{"u", "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(online["u"], []string{"Android", "Android", "Web"}) || len(online) != 1 {
		t.Fatalf("online: %v", online)
	}

	k, err = a.KickUser(ctx, 1, "u", presence.KickRESTAPI)
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Local) != 2 || len(k.Remote) != 1 || k.Remote[0].Conn != 9 || k.Reason != presence.KickRESTAPI {
		t.Fatalf("user kick: %+v", k)
	}
	if online, _ := b.Online(ctx, 1, []string{"u"}); len(online) != 0 {
		t.Fatalf("online after the kick: %v", online)
	}

	login(b, session(10, "v", "iOS"))
	if err := b.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if online, _ := a.Online(ctx, 1, []string{"v"}); len(online) != 0 {
		t.Fatalf("online after node B stopped: %v", online)
	}
}

// A login the guard refuses registers nothing, here or in the store.
func TestDirectoryLoginRefused(t *testing.T) {
	ctx := context.Background()
	d := &presence.Directory{Store: openStore(t), Node: 1, Local: presence.NewRegistry()}
	if err := d.Register(ctx); err != nil {
		t.Fatal(err)
	}
	refused := context.Canceled
	if _, err := d.Login(ctx, session(1, "u", "Web"), 1, func(context.Context, store.Tx) error { return refused }); err != refused {
		t.Fatalf("guarded login: %v", err)
	}
	if n := d.Local.Count(); n != 0 {
		t.Fatalf("%d local sessions after a refused login", n)
	}
	if online, _ := d.Online(ctx, 1, []string{"u"}); len(online) != 0 {
		t.Fatalf("online after a refused login: %v", online)
	}
}
