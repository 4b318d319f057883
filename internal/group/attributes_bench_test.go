package group_test

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/postgres"
	"github.com/parleyim/parley/internal/store/sqlite"
	"github.com/parleyim/parley/internal/store/storetest"
)

func benchEngines(b *testing.B, fn func(b *testing.B, st store.Store)) {
	b.Run("sqlite", func(b *testing.B) {
		st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		fn(b, st)
	})
	b.Run("postgres", func(b *testing.B) {
		dsn := storetest.FreshPostgres(b)
		st, err := postgres.Open(b.Context(), dsn, 16)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		fn(b, st)
	})
}

// BenchmarkIncreaseCounterOneGroup: concurrent increases of one counter,
// which serialize on the group row; the final value must be every one.
func BenchmarkIncreaseCounterOneGroup(b *testing.B) { benchEngines(b, benchIncreaseCounter) }

func benchIncreaseCounter(b *testing.B, st store.Store) {
	f := newBenchFixture(b, st)
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.svc.IncreaseCounter(b.Context(), f.app, admin, "room", "like", 1); err != nil {
				b.Error(err)
				return
			}
			n.Add(1)
		}
	})
	b.StopTimer()
	c, err := f.svc.Counters(b.Context(), f.app, admin, "room", []string{"like"})
	if err != nil || c["like"] != n.Load() {
		b.Fatalf("counter %v after %d increases (%v)", c, n.Load(), err)
	}
}

// BenchmarkSetAttributesOneGroup: concurrent upserts of one group's
// attributes by distinct writers (so the rate rule does not refuse them).
func BenchmarkSetAttributesOneGroup(b *testing.B) { benchEngines(b, benchSetAttributes) }

func benchSetAttributes(b *testing.B, st store.Store) {
	f := newBenchFixture(b, st)
	var i atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := i.Add(1)
			actor := group.Actor{User: fmt.Sprintf("admin%d", n), AppAdmin: true}
			if _, err := f.svc.SetAttributes(b.Context(), f.app, actor, "room", map[string]string{fmt.Sprintf("seat%d", n%16): "taken"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func newBenchFixture(b *testing.B, st store.Store) *fixture {
	a := app.New(1400000001, "k", "admin")
	f := &fixture{app: a, st: st}
	f.svc = &group.Service{Store: group.StoreOf(st)}
	err := st.Write(b.Context(), func(tx store.Tx) error {
		_, err := tx.CreateAccount(b.Context(), a.SDKAppID, "owner", 1)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := f.svc.Create(b.Context(), a, admin, group.CreateRequest{GroupID: "room", Type: rules.AVChatRoom, Owner: "owner",
		Profile: group.Profile{Name: str("n")}}); err != nil {
		b.Fatal(err)
	}
	return f
}
