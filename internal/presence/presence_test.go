package presence_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/presence"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlite"
	"github.com/parleyim/parley/internal/store/storetest"
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
	a := &presence.Directory{Store: presence.StoreOf(st), Node: 1, Local: presence.NewRegistry()}
	b := &presence.Directory{Store: presence.StoreOf(st), Node: 2, Local: presence.NewRegistry()}
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
	d := &presence.Directory{Store: presence.StoreOf(openStore(t)), Node: 1, Local: presence.NewRegistry()}
	if err := d.Register(ctx); err != nil {
		t.Fatal(err)
	}
	refused := context.Canceled
	if _, err := d.Login(ctx, session(1, "u", "Web"), 1, func(context.Context, store.UserSigBounds) error { return refused }); !errors.Is(err, refused) {
		t.Fatalf("guarded login: %v", err)
	}
	if n := d.Local.Count(); n != 0 {
		t.Fatalf("%d local sessions after a refused login", n)
	}
	if online, _ := d.Online(ctx, 1, []string{"u"}); len(online) != 0 {
		t.Fatalf("online after a refused login: %v", online)
	}
}

func kickedWith(s *presence.Session) []string { return s.Endpoint.(*endpoint).kicked }

// Kicks decided on node B for sessions of node A, whose envelopes never
// reach A: the sessions count for nobody from the decision on, and node A's
// next pass ends each with its reason, once; a kick heard in time
// (TakeKicked) leaves nothing for the pass.
func TestDirectoryKicksWithoutEnvelope(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		a := &presence.Directory{Store: presence.StoreOf(st), Node: 1, Local: presence.NewRegistry()}
		b := &presence.Directory{Store: presence.StoreOf(st), Node: 2, Local: presence.NewRegistry()}
		for _, d := range []*presence.Directory{a, b} {
			if err := d.Register(ctx); err != nil {
				t.Fatal(err)
			}
		}
		var onA []*presence.Session
		for i := range 3 {
			s := session(uint64(i+1), "u", "Android")
			if _, err := a.Login(ctx, s, 3, nil); err != nil {
				t.Fatal(err)
			}
			onA = append(onA, s)
		}
		mac := session(7, "w", "Mac")
		if _, err := a.Login(ctx, mac, 3, nil); err != nil {
			t.Fatal(err)
		}
		k, err := b.Login(ctx, session(1, "u", "Android"), 3, nil)
		if err != nil || len(k.Remote) != 1 || k.Remote[0].Conn != 1 {
			t.Fatalf("4th login on node B: %+v, %v", k, err)
		}
		if k, err := b.KickUser(ctx, 1, "w", presence.KickRESTAPI); err != nil || len(k.Remote) != 1 {
			t.Fatalf("REST kick on node B: %+v, %v", k, err)
		}
		online, err := b.Online(ctx, 1, []string{"u", "w"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(online["u"], []string{"Android", "Android", "Android"}) || len(online) != 1 {
			t.Fatalf("online before node A's pass: %v", online)
		}
		if len(kickedWith(onA[0])) != 0 || len(a.Local.Sessions(1, "u")) != 3 {
			t.Fatal("node A ended a session before its pass")
		}

		a.Maintain(ctx)
		if got := kickedWith(onA[0]); !slices.Equal(got, []string{presence.KickMultipleDevice}) {
			t.Fatalf("pushed-out session told %v", got)
		}
		if got := kickedWith(mac); !slices.Equal(got, []string{presence.KickRESTAPI}) {
			t.Fatalf("REST-kicked session told %v", got)
		}
		if len(kickedWith(onA[1]))+len(kickedWith(onA[2])) != 0 || len(a.Local.Sessions(1, "u")) != 2 || a.Local.Sessions(1, "w") != nil {
			t.Fatalf("node A after its pass: %d of u's sessions, w's %v", len(a.Local.Sessions(1, "u")), a.Local.Sessions(1, "w"))
		}
		a.Maintain(ctx)
		if n, err := a.CatchUpKicks(ctx); err != nil || n != 0 || len(kickedWith(onA[0])) != 1 {
			t.Fatalf("passes after the kicks: ended %d (%v), told %v", n, err, kickedWith(onA[0]))
		}

		// The fast path: node A hears this one and takes the session; the
		// pass after finds nothing to tell it.
		k, err = b.Login(ctx, session(2, "u", "Android"), 3, nil)
		if err != nil || len(k.Remote) != 1 || k.Remote[0].Conn != 2 {
			t.Fatalf("5th login on node B: %+v, %v", k, err)
		}
		if s := a.TakeKicked(1, "u", 2); s != onA[1] {
			t.Fatalf("TakeKicked = %v", s)
		}
		if n, err := a.CatchUpKicks(ctx); err != nil || n != 0 {
			t.Fatalf("pass after a heard kick ended %d (%v)", n, err)
		}
	})
}

// A node cut off past its lease is pruned by another, but its sessions
// marked kicked meanwhile survive the prune: back, it ends those first and
// announces only the others again.
func TestDirectoryKicksSurvivePrune(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		a := &presence.Directory{Store: presence.StoreOf(st), Node: 1, Local: presence.NewRegistry()}
		b := &presence.Directory{Store: presence.StoreOf(st), Node: 2, Local: presence.NewRegistry()}
		for _, d := range []*presence.Directory{a, b} {
			if err := d.Register(ctx); err != nil {
				t.Fatal(err)
			}
		}
		web, mac := session(1, "u", "Web"), session(2, "u", "Mac")
		for _, s := range []*presence.Session{web, mac} {
			if _, err := a.Login(ctx, s, 1, nil); err != nil {
				t.Fatal(err)
			}
		}
		if k, err := b.Login(ctx, session(1, "u", "Web"), 1, nil); err != nil || len(k.Remote) != 1 {
			t.Fatalf("Web login on node B: %+v, %v", k, err)
		}
		// Node A's lease lapses; node B's pass prunes it.
		if err := st.Write(ctx, func(tx store.Tx) error {
			_, err := tx.RenewNode(ctx, 1, 1)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		b.Maintain(ctx)
		if online, _ := b.Online(ctx, 1, []string{"u"}); !slices.Equal(online["u"], []string{"Web"}) {
			t.Fatalf("online with node A pruned: %v", online)
		}

		a.Maintain(ctx)
		if got := kickedWith(web); !slices.Equal(got, []string{presence.KickMultipleAccount}) {
			t.Fatalf("node A back: its pushed-out Web session told %v", got)
		}
		if len(kickedWith(mac)) != 0 {
			t.Fatalf("node A back: its Mac session told %v", kickedWith(mac))
		}
		online, err := b.Online(ctx, 1, []string{"u"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(online["u"], []string{"Web", "Mac"}) {
			t.Fatalf("online after node A came back: %v, want node B's Web and node A's Mac announced again", online)
		}
	})
}
