package relation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/relation"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/storetest"
)

// AddFriends calls made at once are written together where their users
// are disjoint: each call's answers are what it would get alone (identical
// calls: one adds, the other finds the friendship), every friendship is
// stored both ways with one friend seq bump per side, and each user's
// change log is gapless and holds exactly the events published to them.
func TestGatheredAddsAnswerAsAlone(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		a := app.New(1400000001, "0123456789abcdef0123456789abcdef", "admin")
		users := make([]string, 40)
		for i := range users {
			users[i] = fmt.Sprintf("U%02d", i)
		}
		if err := st.Write(ctx, func(tx store.Tx) error {
			for _, u := range users {
				if _, err := tx.CreateAccount(ctx, a.SDKAppID, u, 1); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		bus := event.NewBus()
		var mu sync.Mutex
		published := map[string][]uint64{}
		defer bus.Subscribe(func(e event.Event) {
			mu.Lock()
			published[e.User] = append(published[e.User], e.Seq)
			mu.Unlock()
		})()
		svc := &relation.Service{Store: relation.StoreOf(st), Events: bus, GatherAdds: true}

		type call struct {
			from string
			to   []string
		}
		var calls []call
		for i := 0; i < 20; i += 2 {
			calls = append(calls, call{users[i], []string{users[i+1]}})
		}
		for i := 0; i < 10; i += 2 { // the same again: one of each two adds
			calls = append(calls, call{users[i], []string{users[i+1]}})
		}
		calls = append(calls,
			call{users[30], []string{users[31]}}, call{users[31], []string{users[32]}}, call{users[32], []string{users[33]}}, // a chain
			call{users[34], []string{"ghost"}},
			call{users[35], []string{users[36], users[37], users[38]}},
		)
		results := make([][]relation.ItemResult, len(calls))
		errs := make([]error, len(calls))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, c := range calls {
			wg.Go(func() {
				<-start
				items := make([]relation.AddItem, len(c.to))
				for j, to := range c.to {
					items[j] = relation.AddItem{To: to, AddSource: "AddSource_Type_test"}
				}
				results[i], errs[i] = svc.AddFriends(ctx, a, c.from, items, relation.AddOptions{Force: true})
			})
		}
		close(start)
		wg.Wait()

		added, refused := map[[2]string]int{}, map[[2]string]int{}
		for i, c := range calls {
			if errs[i] != nil {
				t.Fatalf("%v: %v", c, errs[i])
			}
			for j, r := range results[i] {
				pair := [2]string{c.from, c.to[j]}
				switch {
				case r.Err == nil:
					added[pair]++
				case c.to[j] == "ghost":
					if r.Err.Code != errcode.SNSNoAccount {
						t.Errorf("%s adds ghost: %v, want %d", c.from, r.Err, errcode.SNSNoAccount)
					}
				case r.Err.Code == errcode.SNSBadRequest:
					refused[pair]++ // the friendship exists
				default:
					t.Errorf("%s adds %s: %v", c.from, c.to[j], r.Err)
				}
			}
		}
		for i := 0; i < 20; i += 2 {
			pair, twice := [2]string{users[i], users[i+1]}, i < 10
			if added[pair] != 1 || twice && refused[pair] != 1 || !twice && refused[pair] != 0 {
				t.Errorf("%v: added %d times, refused %d (called twice: %v); want added once, refused by the second call", pair, added[pair], refused[pair], twice)
			}
		}
		for _, pair := range [][2]string{{users[30], users[31]}, {users[31], users[32]}, {users[32], users[33]}, {users[35], users[36]}, {users[35], users[38]}} {
			if added[pair] != 1 {
				t.Errorf("%v added %d times, want once", pair, added[pair])
			}
		}
		friends := map[string]int{}
		for pair, n := range added {
			if n > 0 {
				friends[pair[0]]++
				friends[pair[1]]++
			}
		}
		if err := st.Read(ctx, func(tx store.Tx) error {
			for pair, n := range added {
				if n == 0 {
					continue
				}
				for _, p := range [][2]string{pair, {pair[1], pair[0]}} {
					if _, ok, err := tx.Friend(ctx, a.SDKAppID, p[0], p[1]); err != nil || !ok {
						t.Errorf("%s has no friend %s (%v)", p[0], p[1], err)
					}
				}
			}
			for _, u := range users {
				seqs, err := tx.Seqs(ctx, a.SDKAppID, u)
				if err != nil {
					return err
				}
				if int(seqs.Friend) != friends[u] {
					t.Errorf("%s: friend seq %d, want %d (one bump per friend added)", u, seqs.Friend, friends[u])
				}
				log, err := tx.UserEventsAfter(ctx, a.SDKAppID, u, 0, 1000)
				if err != nil {
					return err
				}
				mu.Lock()
				got := published[u]
				mu.Unlock()
				if len(log) != len(got) {
					t.Errorf("%s: %d events logged, %d published", u, len(log), len(got))
					continue
				}
				seen := map[uint64]bool{}
				for i, e := range log {
					if e.Seq != uint64(i+1) {
						t.Errorf("%s: log seqs not 1..%d: %v", u, len(log), log)
						break
					}
					seen[e.Seq] = true
				}
				for _, seq := range got {
					if !seen[seq] {
						t.Errorf("%s: published seq %d not in the log", u, seq)
					}
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}

// Adds written together keep their own requests' values in their outbox
// entries: each friend-added entry has its caller's address.
func TestGatheredAddsKeepTheirOwnRequestValues(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		a := app.New(1400000001, "0123456789abcdef0123456789abcdef", "admin")
		const n = 24
		if err := st.Write(ctx, func(tx store.Tx) error {
			for i := range 2 * n {
				if _, err := tx.CreateAccount(ctx, a.SDKAppID, fmt.Sprintf("V%02d", i), 1); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		consumers := &outbox.Consumers{}
		if err := consumers.Register(outbox.Consumer{Name: "test", Kinds: []string{outbox.KindFriendAdded},
			Deliver: func(context.Context, store.OutboxEntry) error { return nil }}); err != nil {
			t.Fatal(err)
		}
		svc := &relation.Service{Store: relation.StoreOf(st), Events: event.NewBus(), GatherAdds: true, Outbox: &outbox.Producer{Consumers: consumers}}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				cctx := hook.WithOrigin(ctx, hook.Origin{ClientIP: fmt.Sprintf("10.0.1.%d", i)})
				<-start
				res, err := svc.AddFriends(cctx, a, fmt.Sprintf("V%02d", 2*i), []relation.AddItem{{To: fmt.Sprintf("V%02d", 2*i+1), AddSource: "AddSource_Type_test"}}, relation.AddOptions{Force: true})
				if err != nil || res[0].Err != nil {
					t.Errorf("add %d: %v %v", i, err, res)
				}
			})
		}
		close(start)
		wg.Wait()
		for i := range n {
			from := fmt.Sprintf("V%02d", 2*i)
			var entries []store.OutboxEntry
			err := st.Write(ctx, func(tx store.Tx) (err error) {
				now := time.Now().UnixMilli()
				entries, err = tx.ClaimOutbox(ctx, store.OutboxPartition{App: a.SDKAppID, Part: outbox.PartitionOf(a.SDKAppID, "u:"+from)}, 1000, now, now+60_000)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range entries {
				var p outbox.Pairs
				if err := json.Unmarshal(e.Payload, &p); err != nil {
					t.Fatal(err)
				}
				if len(p.Pairs) == 0 || p.Pairs[0].Initiator != from {
					continue
				}
				found = true
				if want := fmt.Sprintf("10.0.1.%d", i); p.ClientIP != want {
					t.Errorf("%s's entry: client %q, want %q", from, p.ClientIP, want)
				}
			}
			if !found {
				t.Errorf("no friend-added entry of %s", from)
			}
		}
	})
}
