package profile_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/profile"
	"github.com/parleyim/parley/internal/store"
)

// These tests run the profile rules over memTables, an in-memory fake of
// the seven methods profile.Tx names: no engine is opened. The engines'
// behaviour behind the same rules is covered by the REST and gateway tests.

// memTables is the profile service's storage: accounts, profile values,
// who has whom as a friend, the change log and the outbox.
type memTables struct {
	accounts map[string]bool
	values   map[string]map[string]store.Value
	friendOf map[string][]string // user -> the users who have them as a friend
	log      []store.UserEvent
	outbox   []store.OutboxEntry
	// failReads, when set, is what every read returns: a storage fault.
	failReads error
}

func (m *memTables) clone() *memTables {
	c := *m
	c.accounts = maps.Clone(m.accounts)
	c.values = make(map[string]map[string]store.Value, len(m.values))
	for u, v := range m.values {
		c.values[u] = maps.Clone(v)
	}
	c.log = slices.Clone(m.log)
	c.outbox = slices.Clone(m.outbox)
	return &c
}

func (m *memTables) AccountExists(_ context.Context, _ store.AppID, user string) (bool, error) {
	return m.accounts[user], m.failReads
}

func (m *memTables) ExistingAccounts(_ context.Context, _ store.AppID, users []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, u := range users {
		if m.accounts[u] {
			out[u] = true
		}
	}
	return out, m.failReads
}

func (m *memTables) ProfileValues(_ context.Context, _ store.AppID, users, tags []string) (map[string]map[string]store.Value, error) {
	out := map[string]map[string]store.Value{}
	for _, u := range users {
		for tag, v := range m.values[u] {
			if tags == nil || slices.Contains(tags, tag) {
				if out[u] == nil {
					out[u] = map[string]store.Value{}
				}
				out[u][tag] = v
			}
		}
	}
	return out, m.failReads
}

func (m *memTables) SetProfileValues(_ context.Context, _ store.AppID, user string, values map[string]store.Value) error {
	if m.values[user] == nil {
		m.values[user] = map[string]store.Value{}
	}
	for tag, v := range values {
		if v == (store.Value{}) {
			delete(m.values[user], tag)
		} else {
			m.values[user][tag] = v
		}
	}
	return nil
}

func (m *memTables) ListFriendOf(_ context.Context, _ store.AppID, user string, limit int) ([]string, error) {
	f := m.friendOf[user]
	return f[:min(len(f), limit)], m.failReads
}

func (m *memTables) AppendUserEvents(_ context.Context, events []store.UserEvent) ([]store.UserEvent, error) {
	out := make([]store.UserEvent, 0, len(events))
	for _, e := range events {
		if !m.accounts[e.User] {
			continue // the store's contract: unknown users' events are dropped
		}
		var last uint64
		for _, l := range m.log {
			if l.User == e.User {
				last = l.Seq
			}
		}
		e.Seq = last + 1
		m.log = append(m.log, e)
		out = append(out, e)
	}
	return out, nil
}

func (m *memTables) AppendOutbox(_ context.Context, entries []store.OutboxEntry) ([]store.OutboxEntry, error) {
	m.outbox = append(m.outbox, entries...)
	return entries, nil
}

// memStore runs transactions on memTables: a write works on a copy that
// replaces the tables only if fn succeeds, as a rolled-back transaction
// keeps nothing.
type memStore struct{ tables *memTables }

func (s *memStore) Write(_ context.Context, fn func(profile.Tx) error) error {
	tx := s.tables.clone()
	if err := fn(tx); err != nil {
		return err
	}
	s.tables = tx
	return nil
}

func (s *memStore) Read(_ context.Context, fn func(profile.Tx) error) error { return fn(s.tables) }

type fixture struct {
	a      *app.App
	st     *memStore
	svc    *profile.Service
	events []event.Event
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{
		a: app.New(1400000001, "0123456789abcdef0123456789abcdef", "admin"),
		st: &memStore{tables: &memTables{
			accounts: map[string]bool{"alice": true, "bob": true, "carol": true},
			values:   map[string]map[string]store.Value{},
			friendOf: map[string][]string{"alice": {"bob", "carol"}},
		}},
	}
	bus := event.NewBus()
	t.Cleanup(bus.Subscribe(func(e event.Event) { f.events = append(f.events, e) }))
	f.svc = &profile.Service{Store: f.st, Events: bus}
	return f
}

func item(tag string, value any) profile.Item {
	raw, _ := json.Marshal(value)
	return profile.Item{Tag: tag, Value: raw}
}

func code(t *testing.T, err error) int {
	t.Helper()
	var e *errcode.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a domain failure", err)
	}
	return e.Code
}

// One bad item rejects the whole request: the valid nick next to it is not
// stored, nothing is logged and nobody is told.
func TestSetIsAllOrNothing(t *testing.T) {
	f := newFixture(t)
	err := f.svc.Set(context.Background(), f.a, "alice", []profile.Item{
		item(profile.TagNick, "Alice"),
		item(profile.TagGender, "Gender_Type_Robot"),
	})
	if got := code(t, err); got != errcode.ProfileBadValue {
		t.Fatalf("code %d, want %d (%v)", got, errcode.ProfileBadValue, err)
	}
	if v := f.st.tables.values["alice"]; len(v) != 0 || len(f.st.tables.log) != 0 || len(f.events) != 0 {
		t.Fatalf("a rejected set left values %v, log %v, events %v", v, f.st.tables.log, f.events)
	}
}

// A set for a user that does not exist is 40003, returned as the domain
// failure itself (not wrapped), and the write is rolled back.
func TestSetUnknownAccount(t *testing.T) {
	f := newFixture(t)
	err := f.svc.SetValues(context.Background(), f.a, "ghost", map[string]store.Value{profile.TagNick: store.StringValue("G")})
	e, ok := err.(*errcode.Error)
	if !ok || e.Code != errcode.ProfileNoAccount {
		t.Fatalf("error %#v, want *errcode.Error %d", err, errcode.ProfileNoAccount)
	}
	if len(f.st.tables.values) != 0 || len(f.events) != 0 {
		t.Fatalf("values %v, events %v after a refused set", f.st.tables.values, f.events)
	}
}

// A set is stored, logged and told to the user (their other devices) and
// to everyone who has them as a friend, each with the seq of their log.
func TestSetTellsTheUserAndWhoeverHasThemAsFriend(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.svc.Set(ctx, f.a, "alice", []profile.Item{item(profile.TagNick, "Alice"), item(profile.TagLevel, 3)}); err != nil {
		t.Fatal(err)
	}
	want := map[string]store.Value{profile.TagNick: store.StringValue("Alice"), profile.TagLevel: store.IntValue(3)}
	if got := f.st.tables.values["alice"]; !maps.Equal(got, want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
	var told []string
	for _, e := range f.events {
		if e.Kind != event.ProfileUpdated || !slices.Equal(e.Peers, []string{"alice"}) || e.Seq != 1 {
			t.Fatalf("event %+v", e)
		}
		told = append(told, e.User)
	}
	if slices.Sort(told); !slices.Equal(told, []string{"alice", "bob", "carol"}) {
		t.Fatalf("told %v, want alice, bob and carol", told)
	}
	// Setting a tag to its zero value removes it; the other stays.
	if err := f.svc.SetValues(ctx, f.a, "alice", map[string]store.Value{profile.TagNick: {}}); err != nil {
		t.Fatal(err)
	}
	if got := f.st.tables.values["alice"]; !maps.Equal(got, map[string]store.Value{profile.TagLevel: store.IntValue(3)}) {
		t.Fatalf("after clearing the nick: %v", got)
	}
}

// Get answers in request order: a tag never set has its default, an
// unknown user is 40003 alone, and an unknown tag refuses the request.
func TestGetDefaultsAndUnknownUsers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.st.tables.values["bob"] = map[string]store.Value{profile.TagNick: store.StringValue("Bob")}
	res, err := f.svc.Get(ctx, f.a, []string{"ghost", "bob"}, []string{profile.TagNick, profile.TagAllowType, profile.TagLevel})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].User != "ghost" || res[0].Err == nil || res[0].Err.Code != errcode.ProfileNoAccount {
		t.Fatalf("ghost: %+v", res[0])
	}
	want := []profile.Pair{
		{Tag: profile.TagNick, Value: store.StringValue("Bob")},
		{Tag: profile.TagAllowType, Value: store.StringValue(profile.AllowNeedConfirm)},
		{Tag: profile.TagLevel, Value: store.IntValue(0)},
	}
	if res[1].User != "bob" || res[1].Err != nil || !slices.Equal(res[1].Items, want) {
		t.Fatalf("bob: %+v, want %v", res[1], want)
	}
	if _, err := f.svc.Get(ctx, f.a, []string{"bob"}, []string{"Tag_Profile_IM_Shoe"}); code(t, err) != errcode.ProfileUnknownTag {
		t.Fatalf("unknown tag: %v", err)
	}
}

// A storage fault comes back wrapped with what was being done, the cause
// still reachable; it is not a domain failure, so a door answers it as an
// internal error and logs the operation.
func TestStoreFaultSaysWhatWasBeingDone(t *testing.T) {
	f := newFixture(t)
	cause := errors.New("disk I/O error")
	f.st.tables.failReads = cause
	_, err := f.svc.Get(context.Background(), f.a, []string{"bob", "carol"}, []string{profile.TagNick})
	if !errors.Is(err, cause) || !strings.HasPrefix(err.Error(), "profile: get 2 users: ") {
		t.Fatalf("error %q, want the cause wrapped with the operation", err)
	}
	var e *errcode.Error
	if errors.As(err, &e) {
		t.Fatalf("a storage fault came back as the domain failure %v", e)
	}
	err = f.svc.SetValues(context.Background(), f.a, "alice", map[string]store.Value{profile.TagNick: store.StringValue("A")})
	if !errors.Is(err, cause) || !strings.HasPrefix(err.Error(), "profile: set alice: ") {
		t.Fatalf("error %q, want the cause wrapped with the operation", err)
	}
}
