package relation_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/profile"
	"github.com/parleyim/parley/internal/relation"
	"github.com/parleyim/parley/internal/store"
)

// opLog records the calls that succeeded, as the reasons a friend row may
// exist: "add U>P Both", "accept P>U addBack", ...
type opLog struct {
	mu  sync.Mutex
	ops map[string]bool
}

func (l *opLog) note(format string, args ...any) {
	l.mu.Lock()
	l.ops[fmt.Sprintf(format, args...)] = true
	l.mu.Unlock()
}

func (l *opLog) has(keys ...string) bool {
	for _, k := range keys {
		if l.ops[k] {
			return true
		}
	}
	return false
}

// Thirty goroutines accept, refuse and add against one user U at once. Each
// call must either succeed or fail with a code the race explains, and the
// final state must be one some serial order of the successful calls yields.
func TestConcurrentRequestsAgainstOneUser(t *testing.T) {
	const n = 30
	peers := make([]string, n)
	for i := range peers {
		peers[i] = fmt.Sprintf("P%02d", i)
	}
	f := newFixture(t, append([]string{"U"}, peers...)...)
	for i, p := range peers {
		if i%2 == 0 {
			f.allow(profile.AllowAny, p)
		}
		f.request(p, "U")
	}
	f.rec.take()

	log := &opLog{ops: map[string]bool{}}
	ctx, a, s := f.ctx, f.a, f.svc
	peer := func(i int) string { return peers[i%n] }
	// A call may lose a race: the request it answers is gone (30614).
	allowed := func(err error) error {
		if code := codeOf(err); code == 0 || code == errcode.SNSNoPendingRequest {
			return nil
		}
		return err
	}
	var wg sync.WaitGroup
	errs := make(chan error, n*8)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			ops := []func() error{
				func() error { // U answers P_i's request
					p, back := peer(i), i%3 == 0
					err := s.AcceptRequest(ctx, a, "U", p, back, "r"+p)
					if err == nil {
						log.note("accept %s>U %v", p, back)
					}
					return allowed(err)
				},
				func() error { // U refuses P_i+1
					p := peer(i + 1)
					err := s.RefuseRequest(ctx, a, "U", p)
					if err == nil {
						log.note("refuse %s>U", p)
					}
					return allowed(err)
				},
				func() error { // U adds P_i+2
					p, typ := peer(i+2), relation.AddBoth
					if i%4 == 1 {
						typ = relation.AddSingle
					}
					res, err := s.AddFriends(ctx, a, "U", []relation.AddItem{{To: p, AddSource: fxSource}}, relation.AddOptions{Type: typ})
					if err != nil {
						return err
					}
					if res[0].Err == nil {
						log.note("add U>%s %s", p, typ)
					}
					if res[0].Err != nil && res[0].Err.Code == errcode.SNSPendingApproval {
						return nil
					}
					return allowedItem(res[0])
				},
				func() error { // P_i+3 asks U again
					p := peer(i + 3)
					res, err := s.AddFriends(ctx, a, p, []relation.AddItem{{To: "U", AddSource: fxSource}}, relation.AddOptions{})
					if err != nil {
						return err
					}
					if res[0].Err != nil && res[0].Err.Code == errcode.SNSPendingApproval {
						return nil
					}
					if res[0].Err == nil {
						return fmt.Errorf("%s added NeedConfirm U without a request", p)
					}
					return allowedItem(res[0])
				},
				func() error { // P_i+4 answers U's request, if U sent one
					p, back := peer(i+4), i%2 == 0
					err := s.AcceptRequest(ctx, a, p, "U", back, "")
					if err == nil {
						log.note("accept U>%s %v", p, back)
					}
					return allowed(err)
				},
				func() error { // P_i+5 refuses U's request, if any
					p := peer(i + 5)
					err := s.RefuseRequest(ctx, a, p, "U")
					return allowed(err)
				},
				func() error { _, err := s.ListRequests(ctx, a, "U"); return err },
			}
			rng.Shuffle(len(ops), func(x, y int) { ops[x], ops[y] = ops[y], ops[x] })
			for _, op := range ops {
				if err := op(); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("unexpected failure: %v", err)
	}

	// Read the final state.
	rows := map[[2]string]bool{}
	reqs := map[[2]string]store.FriendRequest{}
	err := f.st.Read(ctx, func(tx store.Tx) error {
		for _, owner := range append([]string{"U"}, peers...) {
			fs, err := tx.ListFriends(ctx, a.SDKAppID, owner, 0, 1000)
			if err != nil {
				return err
			}
			for _, fr := range fs {
				rows[[2]string{owner, fr.Peer}] = true
			}
			sent, err := tx.ListFriendRequests(ctx, a.SDKAppID, owner, false, 0)
			if err != nil {
				return err
			}
			for _, r := range sent {
				k := [2]string{r.From, r.To}
				if _, dup := reqs[k]; dup {
					return fmt.Errorf("request %v listed twice", k)
				}
				reqs[k] = r
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Every friend row has a successful call that explains it.
	for k := range rows {
		owner, p := k[0], k[1]
		var ok bool
		switch {
		case owner == "U":
			ok = log.has("add U>"+p+" Add_Type_Both", "add U>"+p+" Add_Type_Single",
				"accept "+p+">U true", "accept U>"+p+" true", "accept U>"+p+" false")
		case p == "U":
			ok = log.has("accept "+owner+">U true", "accept "+owner+">U false",
				"add U>"+owner+" Add_Type_Both", "accept U>"+owner+" true")
		default:
			t.Errorf("row %s→%s between two peers", owner, p)
			continue
		}
		if !ok {
			t.Errorf("friend row %s→%s has no reason to exist", owner, p)
		}
	}
	// Every successful call left its rows (nothing here deletes friends).
	for op := range log.ops {
		var from, to, mode string
		if _, err := fmt.Sscanf(strings.NewReplacer(">", " ").Replace(op), "accept %s %s %s", &from, &to, &mode); err == nil {
			if !rows[[2]string{from, to}] || mode == "true" && !rows[[2]string{to, from}] {
				t.Errorf("%q succeeded but its rows are missing", op)
			}
		}
		if _, err := fmt.Sscanf(strings.NewReplacer(">", " ").Replace(op), "add %s %s %s", &from, &to, &mode); err == nil {
			if !rows[[2]string{from, to}] || mode == string(relation.AddBoth) && !rows[[2]string{to, from}] {
				t.Errorf("%q succeeded but its rows are missing", op)
			}
		}
	}
	// No request is left for a two-way friendship, nor for a friendship
	// the request could no longer change.
	for k, r := range reqs {
		if rows[k] && rows[[2]string{k[1], k[0]}] {
			t.Errorf("request %s>%s left for a two-way friendship", r.From, r.To)
		}
		if rows[k] && r.AddType == string(relation.AddSingle) {
			t.Errorf("Single request %s>%s left although %s has %s", r.From, r.To, r.From, r.To)
		}
	}
	// Both views of the requests agree.
	u := f.requests("U")
	if len(u.Incoming)+len(u.Sent) != countInvolving(reqs, "U") {
		t.Errorf("U sees %d+%d requests, the peers' sent lists hold %d", len(u.Incoming), len(u.Sent), countInvolving(reqs, "U"))
	}
	if u.Unread > len(u.Incoming) {
		t.Errorf("U unread %d > incoming %d", u.Unread, len(u.Incoming))
	}
	if got, want := f.friendCount("U"), countOwned(rows, "U"); got != want {
		t.Errorf("CountFriends(U) = %d, rows %d", got, want)
	}

	// Listeners: one FriendAdded per row, to its owner; no FriendDeleted.
	added := map[[2]string]int{}
	for _, e := range f.rec.take() {
		switch e.Kind {
		case event.FriendAdded:
			if len(e.Peers) != 1 {
				t.Errorf("FriendAdded %+v with %d peers", e, len(e.Peers))
				continue
			}
			added[[2]string{e.User, e.Peers[0]}]++
		case event.FriendDeleted:
			t.Errorf("FriendDeleted %+v without any delete", e)
		}
	}
	for k := range rows {
		if added[k] != 1 {
			t.Errorf("row %s→%s announced %d times", k[0], k[1], added[k])
		}
	}
	for k, c := range added {
		if !rows[k] {
			t.Errorf("FriendAdded %s→%s (%d) for a row that does not exist", k[0], k[1], c)
		}
	}
	t.Logf("%d successful accepts/adds, %d friend rows, %d requests left", len(log.ops), len(rows), len(reqs))
	if len(rows) == 0 {
		t.Error("no friendship was made at all; the test exercised nothing")
	}
}

func allowedItem(r relation.ItemResult) error {
	if r.Err == nil || r.Err.Code == errcode.SNSBadRequest && strings.Contains(r.Err.Info, "Friend_Exist") {
		return nil
	}
	return fmt.Errorf("%s: %v", r.Peer, r.Err)
}

func countInvolving(reqs map[[2]string]store.FriendRequest, user string) int {
	n := 0
	for k := range reqs {
		if k[0] == user || k[1] == user {
			n++
		}
	}
	return n
}

func countOwned(rows map[[2]string]bool, owner string) int {
	n := 0
	for k := range rows {
		if k[0] == owner {
			n++
		}
	}
	return n
}
