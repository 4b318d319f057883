package relation_test

// Shared fixture of the service-level tests: a relation.Service over a real
// SQLite store in a temporary directory, an event recorder on its bus and a
// clock that advances one second per reading so request order is stable.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/account"
	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/profile"
	"github.com/parleyim/parley/internal/relation"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlite"
)

const (
	fxAppID  = 1400000001
	fxSource = "AddSource_Type_web"
)

type fixture struct {
	t   *testing.T
	ctx context.Context
	st  store.Store
	a   *app.App
	bus *event.Bus
	svc *relation.Service
	rec *recorder
}

// newFixture opens a fresh store and imports users (all NeedConfirm, the
// default AllowType).
func newFixture(t *testing.T, users ...string) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	var clock atomic.Int64
	clock.Store(1_700_000_000)
	bus := event.NewBus()
	f := &fixture{
		t:   t,
		ctx: ctx,
		st:  st,
		a:   app.New(fxAppID, "0123456789abcdef0123456789abcdef", "admin"),
		bus: bus,
		svc: &relation.Service{Store: relation.StoreOf(st), Events: bus, Now: func() time.Time { return time.Unix(clock.Add(1), 0) }},
		rec: &recorder{},
	}
	unsubscribe := bus.Subscribe(f.rec.record)
	t.Cleanup(unsubscribe)
	if len(users) > 0 {
		f.importUsers(users...)
	}
	return f
}

func (f *fixture) importUsers(users ...string) {
	f.t.Helper()
	acc := &account.Service{Store: account.StoreOf(f.st)}
	for i := 0; i < len(users); i += account.MaxBatch {
		failed, err := acc.ImportMany(f.ctx, f.a, users[i:min(i+account.MaxBatch, len(users))])
		if err != nil || len(failed) > 0 {
			f.t.Fatalf("import %v: failed %v, err %v", users, failed, err)
		}
	}
}

func (f *fixture) allow(allowType string, users ...string) {
	f.t.Helper()
	ps := &profile.Service{Store: profile.StoreOf(f.st)}
	for _, u := range users {
		err := ps.Set(f.ctx, f.a, u, []profile.Item{{Tag: profile.TagAllowType, Value: json.RawMessage(`"` + allowType + `"`)}})
		if err != nil {
			f.t.Fatalf("set AllowType of %s: %v", u, err)
		}
	}
}

// add adds one friend and returns the item's result code (0, 30539, ...).
func (f *fixture) add(from string, it relation.AddItem, typ relation.AddType) int {
	f.t.Helper()
	res, err := f.svc.AddFriends(f.ctx, f.a, from, []relation.AddItem{it}, relation.AddOptions{Type: typ})
	if err != nil {
		f.t.Fatalf("AddFriends(%s, %s): %v", from, it.To, err)
	}
	if len(res) != 1 || res[0].Peer != it.To {
		f.t.Fatalf("AddFriends(%s, %s): results %+v", from, it.To, res)
	}
	return itemCode(res[0])
}

// mustAdd adds and requires the given result code.
func (f *fixture) mustAdd(from, to string, typ relation.AddType, want int) {
	f.t.Helper()
	if got := f.add(from, relation.AddItem{To: to, AddSource: fxSource}, typ); got != want {
		f.t.Fatalf("%s adds %s (%s): code %d, want %d", from, to, typ, got, want)
	}
}

// request makes from send to a pending request (to must be NeedConfirm).
func (f *fixture) request(from, to string) {
	f.t.Helper()
	f.mustAdd(from, to, relation.AddBoth, errcode.SNSPendingApproval)
}

func (f *fixture) requests(user string) relation.Requests {
	f.t.Helper()
	r, err := f.svc.ListRequests(f.ctx, f.a, user)
	if err != nil {
		f.t.Fatalf("ListRequests(%s): %v", user, err)
	}
	return r
}

// pairs renders requests as "from>to" strings.
func pairs(rs []store.FriendRequest) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.From+">"+r.To)
	}
	return out
}

func (f *fixture) relationOf(from, peer string) relation.Relation {
	f.t.Helper()
	res, err := f.svc.CheckFriends(f.ctx, f.a, from, []string{peer}, relation.CheckBoth)
	if err != nil {
		f.t.Fatalf("CheckFriends(%s, %s): %v", from, peer, err)
	}
	return res[0].Relation
}

func (f *fixture) wantRelation(from, peer string, want relation.Relation) {
	f.t.Helper()
	if got := f.relationOf(from, peer); got != want {
		f.t.Fatalf("relation %s→%s = %s, want %s", from, peer, got, want)
	}
}

// friend reads owner's row of peer straight from the store.
func (f *fixture) friend(owner, peer string) (store.Friend, bool) {
	f.t.Helper()
	var fr store.Friend
	var ok bool
	err := f.st.Read(f.ctx, func(tx store.Tx) (err error) {
		fr, ok, err = tx.Friend(f.ctx, f.a.SDKAppID, owner, peer)
		return err
	})
	if err != nil {
		f.t.Fatalf("read friend %s→%s: %v", owner, peer, err)
	}
	return fr, ok
}

func (f *fixture) friendCount(owner string) int {
	f.t.Helper()
	var n int
	err := f.st.Read(f.ctx, func(tx store.Tx) (err error) {
		n, err = tx.CountFriends(f.ctx, f.a.SDKAppID, owner)
		return err
	})
	if err != nil {
		f.t.Fatalf("count friends of %s: %v", owner, err)
	}
	return n
}

func (f *fixture) seqs(user string) store.Seqs {
	f.t.Helper()
	var s store.Seqs
	err := f.st.Read(f.ctx, func(tx store.Tx) (err error) {
		s, err = tx.Seqs(f.ctx, f.a.SDKAppID, user)
		return err
	})
	if err != nil {
		f.t.Fatalf("seqs of %s: %v", user, err)
	}
	return s
}

// lists returns owner's lists as name → members, and the list version.
func (f *fixture) lists(owner string) (map[string][]string, uint64) {
	f.t.Helper()
	ls, seq, err := f.svc.GetLists(f.ctx, f.a, owner, nil)
	if err != nil {
		f.t.Fatalf("GetLists(%s): %v", owner, err)
	}
	out := map[string][]string{}
	for _, l := range ls {
		m := append([]string{}, l.Members...)
		slices.Sort(m)
		out[l.Name] = m
	}
	return out, seq
}

func codeOf(err error) int {
	if err == nil {
		return 0
	}
	var e *errcode.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return -1
}

func itemCode(r relation.ItemResult) int {
	if r.Err == nil {
		return 0
	}
	return r.Err.Code
}

func itemCodes(rs []relation.ItemResult) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = itemCode(r)
	}
	return out
}

func wantCode(t *testing.T, what string, err error, want int) {
	t.Helper()
	if got := codeOf(err); got != want {
		t.Fatalf("%s: code %d (%v), want %d", what, got, err, want)
	}
}

// recorder collects the events published on the bus.
type recorder struct {
	mu     sync.Mutex
	events []event.Event
}

func (r *recorder) record(e event.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// take returns the events recorded since the last take.
func (r *recorder) take() []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// ev builds an expected event of the fixture's app.
func ev(kind event.Kind, user string, peers ...string) event.Event {
	return event.Event{App: fxAppID, Kind: kind, User: user, Peers: peers}
}

func eventKey(e event.Event) string {
	return fmt.Sprintf("%d|%s|%s|%s", e.App, e.Kind, e.User, strings.Join(e.Peers, ","))
}

func sortedKeys(es []event.Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = eventKey(e)
	}
	slices.Sort(out)
	return out
}

// wantEvents requires exactly want (as a multiset) since the last take.
func (f *fixture) wantEvents(what string, want ...event.Event) {
	f.t.Helper()
	got := f.rec.take()
	for _, e := range got {
		if e.Peers != nil && len(e.Peers) == 0 {
			f.t.Errorf("%s: event %s has an empty, non-nil Peers", what, eventKey(e))
		}
	}
	if g, w := sortedKeys(got), sortedKeys(want); !reflect.DeepEqual(g, w) {
		f.t.Fatalf("%s: events\n got  %q\n want %q", what, g, w)
	}
}
