package account_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/account"
	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/profile"
	"github.com/parleyim/parley/internal/store"
)

// These tests run the account rules over memTables, an in-memory fake of
// the ten methods account.Tx names: no engine is opened. The engines'
// deletion of a relationship chain is the store suite's (storetest).

// memTables is the account service's storage.
type memTables struct {
	accounts  map[string]int64 // user -> the UserSig bound (unix s)
	values    map[string]map[string]store.Value
	friendOf  map[string][]string // user -> the users who have them as a friend
	log       []store.UserEvent
	failWrite error // returned by CreateAccount when set: a storage fault
}

func (m *memTables) clone() *memTables {
	c := *m
	c.accounts = maps.Clone(m.accounts)
	c.values = make(map[string]map[string]store.Value, len(m.values))
	for u, v := range m.values {
		c.values[u] = maps.Clone(v)
	}
	c.friendOf = make(map[string][]string, len(m.friendOf))
	for u, f := range m.friendOf {
		c.friendOf[u] = slices.Clone(f)
	}
	c.log = slices.Clone(m.log)
	return &c
}

func (m *memTables) CreateAccount(_ context.Context, _ store.AppID, user string, _ int64) (bool, error) {
	if m.failWrite != nil {
		return false, m.failWrite
	}
	if _, ok := m.accounts[user]; ok {
		return false, nil
	}
	m.accounts[user] = 0
	return true, nil
}

func (m *memTables) DeleteAccount(_ context.Context, _ store.AppID, user string) (bool, error) {
	if _, ok := m.accounts[user]; !ok {
		return false, nil
	}
	delete(m.accounts, user)
	delete(m.values, user)
	delete(m.friendOf, user)
	for u, f := range m.friendOf {
		m.friendOf[u] = slices.DeleteFunc(f, func(p string) bool { return p == user })
	}
	return true, nil
}

func (m *memTables) AccountExists(_ context.Context, _ store.AppID, user string) (bool, error) {
	_, ok := m.accounts[user]
	return ok, nil
}

func (m *memTables) ExistingAccounts(_ context.Context, _ store.AppID, users []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, u := range users {
		if _, ok := m.accounts[u]; ok {
			out[u] = true
		}
	}
	return out, nil
}

func (m *memTables) RevokeUserSigs(_ context.Context, _ store.AppID, user string, from int64) (bool, error) {
	bound, ok := m.accounts[user]
	if ok {
		m.accounts[user] = max(bound, from)
	}
	return ok, nil
}

func (m *memTables) UserSigsValidFrom(_ context.Context, _ store.AppID, user string) (int64, error) {
	return m.accounts[user], nil
}

func (m *memTables) SetProfileValues(_ context.Context, _ store.AppID, user string, values map[string]store.Value) error {
	if m.values[user] == nil {
		m.values[user] = map[string]store.Value{}
	}
	maps.Copy(m.values[user], values)
	return nil
}

func (m *memTables) ListFriendOf(_ context.Context, _ store.AppID, user string, limit int) ([]string, error) {
	f := m.friendOf[user]
	return f[:min(len(f), limit)], nil
}

func (m *memTables) AppendUserEvents(_ context.Context, events []store.UserEvent) ([]store.UserEvent, error) {
	var out []store.UserEvent
	for _, e := range events {
		if _, ok := m.accounts[e.User]; !ok {
			continue // the store's contract: unknown users' events are dropped
		}
		e.Seq = uint64(len(m.log) + 1)
		m.log = append(m.log, e)
		out = append(out, e)
	}
	return out, nil
}

func (m *memTables) AppendOutbox(_ context.Context, entries []store.OutboxEntry) ([]store.OutboxEntry, error) {
	return entries, nil
}

// memStore runs transactions on memTables: a write works on a copy that
// replaces the tables only if fn succeeds.
type memStore struct{ tables *memTables }

func (s *memStore) Write(_ context.Context, fn func(account.Tx) error) error {
	tx := s.tables.clone()
	if err := fn(tx); err != nil {
		return err
	}
	s.tables = tx
	return nil
}

func (s *memStore) Read(_ context.Context, fn func(account.Tx) error) error { return fn(s.tables) }

type fixture struct {
	a      *app.App
	st     *memStore
	svc    *account.Service
	clock  int64
	events []event.Event
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{
		a: app.New(1400000001, "0123456789abcdef0123456789abcdef", "admin"),
		st: &memStore{tables: &memTables{
			accounts: map[string]int64{"admin": 0, "alice": 0, "bob": 0, "carol": 0},
			values:   map[string]map[string]store.Value{},
			friendOf: map[string][]string{"alice": {"bob", "carol"}, "bob": {"alice"}},
		}},
		clock: 1_700_000_000,
	}
	bus := event.NewBus()
	t.Cleanup(bus.Subscribe(func(e event.Event) { f.events = append(f.events, e) }))
	f.svc = &account.Service{Store: f.st, Events: bus, Now: func() time.Time { return time.Unix(f.clock, 0) }}
	return f
}

// Deleting a batch answers per account: an admin cannot be deleted, an
// unknown account is 70107, and whoever had a deleted user as a friend is
// told they lost them; the deleted user's own log goes with them.
func TestDeleteAnswersPerAccountAndTellsFriends(t *testing.T) {
	f := newFixture(t)
	res, err := f.svc.Delete(context.Background(), f.a, []string{"admin", "ghost", "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err == nil || res[0].Err.Code != errcode.AccountInvalidParam {
		t.Fatalf("admin: %+v", res[0])
	}
	if res[1].Err == nil || res[1].Err.Code != errcode.AccountNotExist {
		t.Fatalf("ghost: %+v", res[1])
	}
	if res[2].User != "alice" || res[2].Err != nil {
		t.Fatalf("alice: %+v", res[2])
	}
	if _, ok := f.st.tables.accounts["admin"]; !ok {
		t.Fatal("the admin account was deleted")
	}
	if _, ok := f.st.tables.accounts["alice"]; ok {
		t.Fatal("alice is still there")
	}
	var lost []string
	deleted := false
	for _, e := range f.events {
		switch e.Kind {
		case event.FriendDeleted:
			if !slices.Equal(e.Peers, []string{"alice"}) || e.Seq == 0 {
				t.Fatalf("event %+v", e)
			}
			lost = append(lost, e.User)
		case event.AccountDeleted:
			deleted = deleted || e.User == "alice"
		default:
			t.Fatalf("unexpected event %+v", e)
		}
	}
	if slices.Sort(lost); !slices.Equal(lost, []string{"bob", "carol"}) || !deleted {
		t.Fatalf("told %v of the loss (want bob, carol), account.deleted published: %v", lost, deleted)
	}
}

// An import with a nick sets the profile in the same write and tells the
// user's friends; importing again is no error and changes nothing else.
func TestImportSetsProfileAndIsIdempotent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.svc.Import(ctx, f.a, "dave", "Dave", ""); err != nil {
		t.Fatal(err)
	}
	if got := f.st.tables.values["dave"][profile.TagNick]; got != store.StringValue("Dave") {
		t.Fatalf("nick %v", got)
	}
	if err := f.svc.Import(ctx, f.a, "dave", "", ""); err != nil {
		t.Fatalf("second import: %v", err)
	}
	if got := f.st.tables.values["dave"][profile.TagNick]; got != store.StringValue("Dave") {
		t.Fatalf("a second import without a nick changed it to %v", got)
	}
	err := f.svc.Import(ctx, f.a, "bad id", "", "")
	if e, ok := err.(*errcode.Error); !ok || e.Code != errcode.AccountInvalidParam {
		t.Fatalf("invalid UserID: %#v", err)
	}
	if _, ok := f.st.tables.accounts["bad id"]; ok {
		t.Fatal("an invalid UserID was created")
	}
}

// A kick voids the UserSigs issued before it, never those issued from its
// second on; a later kick at an earlier clock does not move the bound back.
func TestRevokedUserSigs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if ok, err := f.svc.RevokeUserSigs(ctx, f.a, "bob"); !ok || err != nil {
		t.Fatalf("revoke: %v %v", ok, err)
	}
	for issued, want := range map[int64]bool{f.clock - 1: false, f.clock: true, f.clock + 60: true} {
		if valid, err := f.svc.UserSigValid(ctx, f.a, "bob", issued); err != nil || valid != want {
			t.Fatalf("issued at %d: valid %v %v, want %v", issued, valid, err, want)
		}
	}
	f.clock -= 3600
	if _, err := f.svc.RevokeUserSigs(ctx, f.a, "bob"); err != nil {
		t.Fatal(err)
	}
	if valid, _ := f.svc.UserSigValid(ctx, f.a, "bob", f.clock+1); valid {
		t.Fatal("a kick with an earlier clock moved the bound back")
	}
	if ok, err := f.svc.RevokeUserSigs(ctx, f.a, "ghost"); ok || err != nil {
		t.Fatalf("revoke of an unknown account: %v %v", ok, err)
	}
}

// A storage fault during a batch import is wrapped with the operation and
// nothing of the batch is kept.
func TestImportManyStoreFault(t *testing.T) {
	f := newFixture(t)
	cause := errors.New("database is locked")
	f.st.tables.failWrite = cause
	failed, err := f.svc.ImportMany(context.Background(), f.a, []string{"dave", "bad id", "erin"})
	if !errors.Is(err, cause) || !strings.HasPrefix(err.Error(), "account: import 2 accounts: ") {
		t.Fatalf("error %q, want the cause wrapped with the operation", err)
	}
	if !slices.Equal(failed, []string{"bad id"}) {
		t.Fatalf("failed %v", failed)
	}
	if _, ok := f.st.tables.accounts["dave"]; ok {
		t.Fatal("a failed batch kept an account")
	}
}
