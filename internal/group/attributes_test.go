package group_test

import (
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlite"
)

// fakeClock is a settable clock for the write-rate rule.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func attrFixture(t *testing.T, st store.Store) (*fixture, *fakeClock) {
	f := newFixture(t, st, "owner", "adm", "m1", "m2", "out")
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	f.svc.Now = clock.now
	return f, clock
}

func wantCode(t *testing.T, what string, err error, want int) {
	t.Helper()
	if got := code(err); got != want {
		t.Errorf("%s: code %d (%v), want %d", what, got, err, want)
	}
}

// lastPush is the data of the recorder's last push of kind.
func (f *fixture) lastPush(t *testing.T, kind string) any {
	t.Helper()
	f.rec.mu.Lock()
	defer f.rec.mu.Unlock()
	for i := len(f.rec.pushes) - 1; i >= 0; i-- {
		if strings.HasSuffix(f.rec.pushes[i], " "+kind) {
			return f.rec.data[i]
		}
	}
	t.Fatalf("no %s push in %v", kind, f.rec.pushes)
	return nil
}

func (f *fixture) pushCount(kind string) int {
	f.rec.mu.Lock()
	defer f.rec.mu.Unlock()
	n := 0
	for _, p := range f.rec.pushes {
		if strings.HasSuffix(p, " "+kind) {
			n++
		}
	}
	return n
}

// TestGroupAttributes: init replaces, set upserts, delete removes some or
// all keys, get reads all or some, and every change pushes the whole map.
func TestGroupAttributes(t *testing.T) { engines(t, testGroupAttributes) }

func testGroupAttributes(t *testing.T, st store.Store) {
	f, _ := attrFixture(t, st)
	ctx := t.Context()
	f.makeGroup(t, "room", rules.AVChatRoom)
	m1 := as("m1")

	got, err := f.svc.InitAttributes(ctx, f.app, m1, "room", map[string]string{"seat1": "m1", "seat2": ""})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "init", got, map[string]string{"seat1": "m1", "seat2": ""})
	push := f.lastPush(t, group.PushAttributesChanged).(group.PushAttributes)
	eq(t, "init push", push, group.PushAttributes{GroupID: "room", Operator: "m1", Attributes: map[string]string{"seat1": "m1", "seat2": ""}})

	got, err = f.svc.SetAttributes(ctx, f.app, as("m2"), "room", map[string]string{"seat2": "m2", "seat3": "x"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"seat1": "m1", "seat2": "m2", "seat3": "x"}
	eq(t, "set", got, want)
	eq(t, "set push has every key", f.lastPush(t, group.PushAttributesChanged).(group.PushAttributes).Attributes, want)

	// A write that changes nothing pushes nothing.
	before := f.pushCount(group.PushAttributesChanged)
	if _, err := f.svc.SetAttributes(ctx, f.app, m1, "room", map[string]string{"seat3": "x"}); err != nil {
		t.Fatal(err)
	}
	if n := f.pushCount(group.PushAttributesChanged); n != before {
		t.Errorf("an unchanged set pushed: %d pushes, want %d", n, before)
	}

	all, err := f.svc.Attributes(ctx, f.app, as("adm"), "room", nil)
	eq(t, "get all", all, want)
	some, err2 := f.svc.Attributes(ctx, f.app, m1, "room", []string{"seat1", "missing"})
	if err != nil || err2 != nil {
		t.Fatal(err, err2)
	}
	eq(t, "get some", some, map[string]string{"seat1": "m1"})

	deleted, err := f.svc.DeleteAttributes(ctx, f.app, m1, "room", []string{"seat1", "missing", "seat1"})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "deleted keys", deleted, []string{"seat1"})
	eq(t, "delete push", f.lastPush(t, group.PushAttributesChanged).(group.PushAttributes).Attributes,
		map[string]string{"seat2": "m2", "seat3": "x"})

	// init replaces: keys not named are gone.
	if got, err = f.svc.InitAttributes(ctx, f.app, m1, "room", map[string]string{"only": "1"}); err != nil {
		t.Fatal(err)
	}
	eq(t, "init replaces", got, map[string]string{"only": "1"})
	if all, _ = f.svc.Attributes(ctx, f.app, m1, "room", nil); !maps.Equal(all, got) {
		t.Errorf("stored after init: %v", all)
	}

	deleted, err = f.svc.DeleteAttributes(ctx, f.app, m1, "room", nil)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "delete all reports the keys", deleted, []string{"only"})
	eq(t, "delete all push", f.lastPush(t, group.PushAttributesChanged).(group.PushAttributes).Attributes, map[string]string{})
	if all, _ = f.svc.Attributes(ctx, f.app, m1, "room", nil); len(all) != 0 {
		t.Errorf("after delete all: %v", all)
	}

	// Dismissing the room deletes its attributes: a room made again under
	// the ID starts with none.
	if _, err := f.svc.InitAttributes(ctx, f.app, admin, "room", map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Dismiss(ctx, f.app, admin, "room"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "attributes of a dismissed group", func() error { _, err := f.svc.Attributes(ctx, f.app, admin, "room", nil); return err }(),
		group.CodeNoSuchGroup)
	f.makeGroup(t, "room", rules.AVChatRoom)
	if all, err = f.svc.Attributes(ctx, f.app, admin, "room", nil); err != nil || len(all) != 0 {
		t.Errorf("recreated room: %v %v", all, err)
	}
}

// TestGroupAttributeLimits: 16 keys, 32-byte keys, 4 KB values and 16 KB
// in all, each with its code, checked on the request and on the map a set
// would leave.
func TestGroupAttributeLimits(t *testing.T) { engines(t, testGroupAttributeLimits) }

func testGroupAttributeLimits(t *testing.T, st store.Store) {
	f, clock := attrFixture(t, st)
	ctx := t.Context()
	f.makeGroup(t, "room", rules.AVChatRoom)
	keys := func(n int) map[string]string {
		m := map[string]string{}
		for i := range n {
			m[fmt.Sprintf("k%02d", i)] = "v"
		}
		return m
	}
	cases := []struct {
		name  string
		attrs map[string]string
		code  int
	}{
		{"16 keys", keys(16), 0},
		{"17 keys", keys(17), group.CodeAttrTooManyKeys},
		{"32-byte key", map[string]string{strings.Repeat("k", 32): "v"}, 0},
		{"33-byte key", map[string]string{strings.Repeat("k", 33): "v"}, group.CodeAttrKeyTooLong},
		{"empty key", map[string]string{"": "v"}, group.CodeInvalidParam},
		{"4 KB value", map[string]string{"k": strings.Repeat("v", 4096)}, 0},
		{"4 KB + 1 value", map[string]string{"k": strings.Repeat("v", 4097)}, group.CodeAttrValueTooLong},
		// 4 × (2 + 4094) = 16384: exactly 16 KB of keys and values.
		{"16 KB in all", map[string]string{"k1": strings.Repeat("v", 4094), "k2": strings.Repeat("v", 4094),
			"k3": strings.Repeat("v", 4094), "k4": strings.Repeat("v", 4094)}, 0},
		{"16 KB + 1 in all", map[string]string{"k1": strings.Repeat("v", 4094), "k2": strings.Repeat("v", 4094),
			"k3": strings.Repeat("v", 4094), "k4": strings.Repeat("v", 4095)}, group.CodeAttrTooLarge},
	}
	for _, c := range cases {
		clock.add(time.Second) // apart from the rate rule
		_, err := f.svc.InitAttributes(ctx, f.app, as("m1"), "room", c.attrs)
		wantCode(t, "init "+c.name, err, c.code)
	}

	// A set is checked on the map it would leave: 15 keys plus 2 new is 17.
	clock.add(time.Second)
	if _, err := f.svc.InitAttributes(ctx, f.app, as("m1"), "room", keys(15)); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.SetAttributes(ctx, f.app, as("m1"), "room", map[string]string{"new1": "v", "new2": "v"})
	wantCode(t, "set past 16 keys", err, group.CodeAttrTooManyKeys)
	_, err = f.svc.SetAttributes(ctx, f.app, as("m1"), "room", map[string]string{"k00": "replaced", "new1": "v"})
	wantCode(t, "set to 16 keys", err, 0)
	clock.add(time.Second)
	if _, err := f.svc.InitAttributes(ctx, f.app, as("m1"), "room", map[string]string{"a": strings.Repeat("v", 4095),
		"b": strings.Repeat("v", 4095), "c": strings.Repeat("v", 4095)}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SetAttributes(ctx, f.app, as("m1"), "room", map[string]string{"d": strings.Repeat("v", 4096)})
	wantCode(t, "set past 16 KB", err, group.CodeAttrTooLarge)
	all, _ := f.svc.Attributes(ctx, f.app, as("m1"), "room", nil)
	if len(all) != 3 {
		t.Errorf("a refused set changed the map: %d keys", len(all))
	}
	_, err = f.svc.DeleteAttributes(ctx, f.app, as("m1"), "room", slices.Collect(maps.Keys(keys(17))))
	wantCode(t, "delete naming 17 keys", err, group.CodeAttrTooManyKeys)
	_, err = f.svc.Attributes(ctx, f.app, as("m1"), "room", []string{strings.Repeat("k", 33)})
	wantCode(t, "get a 33-byte key", err, group.CodeAttrKeyTooLong)
	_, err = f.svc.SetAttributes(ctx, f.app, as("m1"), "room", nil)
	wantCode(t, "set nothing", err, group.CodeInvalidParam)
}

// TestGroupAttributeAccess: a client may use attributes only in an
// AVChatRoom (2641) it has joined (2642), any member alike; the app's
// admin in every type, but may not clear a Community's.
func TestGroupAttributeAccess(t *testing.T) { engines(t, testGroupAttributeAccess) }

func testGroupAttributeAccess(t *testing.T, st store.Store) {
	f, clock := attrFixture(t, st)
	ctx := t.Context()
	types := []string{rules.Work, rules.Public, rules.Meeting, rules.Community, rules.AVChatRoom}
	for _, typ := range types {
		f.makeGroup(t, "g-"+typ, typ)
	}
	for _, typ := range types {
		g := "g-" + typ
		for _, who := range []string{"owner", "m1", "out"} {
			clock.add(time.Second)
			want := 0
			switch {
			case typ != rules.AVChatRoom:
				want = group.CodeAttrTypeUnsupported
			case who == "out":
				want = group.CodeAttrNotJoined
			}
			_, err := f.svc.SetAttributes(ctx, f.app, as(who), g, map[string]string{"k": who})
			wantCode(t, fmt.Sprintf("%s: %s sets", typ, who), err, want)
			_, err = f.svc.Attributes(ctx, f.app, as(who), g, nil)
			wantCode(t, fmt.Sprintf("%s: %s gets", typ, who), err, want)
			_, err = f.svc.DeleteAttributes(ctx, f.app, as(who), g, []string{"k"})
			wantCode(t, fmt.Sprintf("%s: %s deletes", typ, who), err, want)
		}
		clock.add(time.Second)
		_, err := f.svc.InitAttributes(ctx, f.app, admin, g, map[string]string{"k": "admin"})
		wantCode(t, typ+": the app's admin inits", err, 0)
		got, err := f.svc.Attributes(ctx, f.app, admin, g, nil)
		if err != nil || got["k"] != "admin" {
			t.Errorf("%s: the admin reads %v %v", typ, got, err)
		}
		wantClear := 0
		if typ == rules.Community {
			wantClear = group.CodeNoPermission
		}
		_, err = f.svc.DeleteAttributes(ctx, f.app, admin, g, nil)
		wantCode(t, typ+": the app's admin clears", err, wantClear)
	}
	_, err := f.svc.SetAttributes(ctx, f.app, admin, "nope", map[string]string{"k": "v"})
	wantCode(t, "a missing group", err, group.CodeNoSuchGroup)
	_, err = f.svc.Attributes(ctx, f.app, as("m1"), "nope", nil)
	wantCode(t, "a missing group's read", err, group.CodeNoSuchGroup)
	_, err = f.svc.SetAttributes(ctx, f.app, admin, strings.Repeat("g", 49), map[string]string{"k": "v"})
	wantCode(t, "a bad group ID", err, group.CodeBadGroupID)
}

// TestGroupAttributeWriteRate: five writes per second per writer and group
// (10049 for the sixth), reads not counted, other writers and groups apart,
// and the window slides.
func TestGroupAttributeWriteRate(t *testing.T) { engines(t, testGroupAttributeWriteRate) }

func testGroupAttributeWriteRate(t *testing.T, st store.Store) {
	f, clock := attrFixture(t, st)
	ctx := t.Context()
	f.makeGroup(t, "room", rules.AVChatRoom)
	f.makeGroup(t, "room2", rules.AVChatRoom)
	m1 := as("m1")
	for i := range group.AttributeWritesPerWindow {
		var err error
		switch i % 3 {
		case 0:
			_, err = f.svc.SetAttributes(ctx, f.app, m1, "room", map[string]string{"k": fmt.Sprint(i)})
		case 1:
			_, err = f.svc.InitAttributes(ctx, f.app, m1, "room", map[string]string{"k": fmt.Sprint(i)})
		case 2:
			_, err = f.svc.DeleteAttributes(ctx, f.app, m1, "room", []string{"k"})
		}
		wantCode(t, fmt.Sprintf("write %d", i+1), err, 0)
		clock.add(100 * time.Millisecond)
		if _, err := f.svc.Attributes(ctx, f.app, m1, "room", nil); err != nil {
			t.Fatalf("read: %v", err)
		}
	}
	_, err := f.svc.SetAttributes(ctx, f.app, m1, "room", map[string]string{"k": "6"})
	wantCode(t, "sixth write within a second", err, group.CodeAttrWriteTooOften)
	_, err = f.svc.DeleteAttributes(ctx, f.app, m1, "room", nil)
	wantCode(t, "a delete counts too", err, group.CodeAttrWriteTooOften)
	_, err = f.svc.SetAttributes(ctx, f.app, as("m2"), "room", map[string]string{"k": "m2"})
	wantCode(t, "another writer", err, 0)
	_, err = f.svc.SetAttributes(ctx, f.app, m1, "room2", map[string]string{"k": "m1"})
	wantCode(t, "another group", err, 0)
	// The first write was 500 ms ago; 500 ms later it leaves the window.
	clock.add(499 * time.Millisecond)
	_, err = f.svc.SetAttributes(ctx, f.app, m1, "room", map[string]string{"k": "7"})
	wantCode(t, "still within the second", err, group.CodeAttrWriteTooOften)
	clock.add(time.Millisecond)
	_, err = f.svc.SetAttributes(ctx, f.app, m1, "room", map[string]string{"k": "8"})
	wantCode(t, "the first write left the window", err, 0)
	_, err = f.svc.SetAttributes(ctx, f.app, m1, "room", map[string]string{"k": "9"})
	wantCode(t, "only one slot freed", err, group.CodeAttrWriteTooOften)
}

// TestGroupAttrsConcurrentWriters: writers of one group serialize on its
// row, so none loses another's key or increment.
func TestGroupAttrsConcurrentWriters(t *testing.T) { engines(t, testGroupAttrsConcurrentWriters) }

func testGroupAttrsConcurrentWriters(t *testing.T, st store.Store) {
	users := []string{"owner", "adm", "m1", "m2"}
	for i := range 12 {
		users = append(users, fmt.Sprintf("u%d", i))
	}
	f := newFixture(t, st, users...)
	ctx := t.Context()
	f.makeGroup(t, "room", rules.AVChatRoom)
	for i := range 12 {
		if _, err := f.svc.Join(ctx, f.app, as(fmt.Sprintf("u%d", i)), "room", ""); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 12*3)
	for i := range 12 {
		u := as(fmt.Sprintf("u%d", i))
		wg.Go(func() {
			if _, err := f.svc.SetAttributes(ctx, f.app, u, "room", map[string]string{u.User: "here"}); err != nil {
				errs <- err
			}
			for range 2 {
				if _, err := f.svc.IncreaseCounter(ctx, f.app, u, "room", "like", 1); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	all, err := f.svc.Attributes(ctx, f.app, admin, "room", nil)
	if err != nil || len(all) != 12 {
		t.Errorf("attributes after 12 concurrent sets: %d keys %v (%v)", len(all), all, err)
	}
	c, err := f.svc.Counters(ctx, f.app, admin, "room", nil)
	if err != nil || c["like"] != 24 {
		t.Errorf("counter after 24 concurrent increases: %v %v", c, err)
	}
}

// TestGroupAttrsSurviveRestart: attributes and counters are read back
// after the store is closed and opened again.
func TestGroupAttrsSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	ctx := t.Context()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, st, "owner", "adm", "m1", "m2")
	f.makeGroup(t, "room", rules.AVChatRoom)
	if _, err := f.svc.InitAttributes(ctx, f.app, as("m1"), "room", map[string]string{"seat": "m1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetCounters(ctx, f.app, as("m1"), "room", map[string]int64{"like": 42}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := &group.Service{Store: group.StoreOf(st)}
	attrs, err := svc.Attributes(ctx, f.app, as("m2"), "room", nil)
	eq(t, "attributes after restart", attrs, map[string]string{"seat": "m1"})
	counters, err2 := svc.Counters(ctx, f.app, as("m2"), "room", nil)
	eq(t, "counters after restart", counters, map[string]int64{"like": 42})
	if err != nil || err2 != nil {
		t.Fatal(err, err2)
	}
}

// TestGroupCounters: set, increase and decrease (a new counter starts at
// 0), get all or some, delete some or all, 20 counters per group (10063),
// int64 bounds (10004), no counters in a Community, members only.
func TestGroupCounters(t *testing.T) { engines(t, testGroupCounters) }

func testGroupCounters(t *testing.T, st store.Store) {
	f, _ := attrFixture(t, st)
	ctx := t.Context()
	f.makeGroup(t, "pub", rules.Public)
	f.makeGroup(t, "com", rules.Community)
	m1 := as("m1")

	got, err := f.svc.SetCounters(ctx, f.app, m1, "pub", map[string]int64{"like": 5, "unlike": 1})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "set", got, map[string]int64{"like": 5, "unlike": 1})
	eq(t, "set push", f.lastPush(t, group.PushCountersChanged).(group.PushCounters),
		group.PushCounters{GroupID: "pub", Operator: "m1", Counters: map[string]int64{"like": 5, "unlike": 1}})
	if v, err := f.svc.IncreaseCounter(ctx, f.app, as("m2"), "pub", "like", 3); err != nil || v != 8 {
		t.Errorf("increase: %d %v", v, err)
	}
	if v, err := f.svc.DecreaseCounter(ctx, f.app, m1, "pub", "unlike", 4); err != nil || v != -3 {
		t.Errorf("decrease: %d %v", v, err)
	}
	if v, err := f.svc.IncreaseCounter(ctx, f.app, admin, "pub", "new", 2); err != nil || v != 2 {
		t.Errorf("increase a new counter: %d %v", v, err)
	}
	eq(t, "increase push", f.lastPush(t, group.PushCountersChanged).(group.PushCounters).Counters, map[string]int64{"new": 2})
	all, err := f.svc.Counters(ctx, f.app, m1, "pub", nil)
	eq(t, "get all", all, map[string]int64{"like": 8, "unlike": -3, "new": 2})
	some, err2 := f.svc.Counters(ctx, f.app, m1, "pub", []string{"like", "missing"})
	eq(t, "get some", some, map[string]int64{"like": 8})
	if err != nil || err2 != nil {
		t.Fatal(err, err2)
	}

	// int64 bounds.
	if _, err := f.svc.SetCounters(ctx, f.app, m1, "pub", map[string]int64{"big": math.MaxInt64, "small": math.MinInt64}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.IncreaseCounter(ctx, f.app, m1, "pub", "big", 1)
	wantCode(t, "increase past MaxInt64", err, group.CodeInvalidParam)
	_, err = f.svc.DecreaseCounter(ctx, f.app, m1, "pub", "small", 1)
	wantCode(t, "decrease past MinInt64", err, group.CodeInvalidParam)
	_, err = f.svc.DecreaseCounter(ctx, f.app, m1, "pub", "big", math.MinInt64)
	wantCode(t, "decrease by MinInt64", err, group.CodeInvalidParam)
	if v, _ := f.svc.Counters(ctx, f.app, m1, "pub", []string{"big"}); v["big"] != math.MaxInt64 {
		t.Errorf("a refused increase changed the counter: %d", v["big"])
	}

	// 20 counters per group: there are 5; 15 more fit, 16 do not.
	more := map[string]int64{}
	for i := range 16 {
		more[fmt.Sprintf("c%02d", i)] = int64(i)
	}
	_, err = f.svc.SetCounters(ctx, f.app, m1, "pub", more)
	wantCode(t, "21 counters", err, group.CodeCounterTooManyKeys)
	delete(more, "c15")
	_, err = f.svc.SetCounters(ctx, f.app, m1, "pub", more)
	wantCode(t, "20 counters", err, 0)
	more["c15"], more["c16"], more["c17"], more["c18"], more["c19"] = 1, 1, 1, 1, 1
	more["c20"] = 1
	_, err = f.svc.SetCounters(ctx, f.app, m1, "pub", more)
	wantCode(t, "21 keys in one request", err, group.CodeCounterTooManyKeys)
	_, err = f.svc.SetCounters(ctx, f.app, m1, "pub", map[string]int64{strings.Repeat("k", 129): 1})
	wantCode(t, "a 129-byte key", err, group.CodeInvalidParam)
	_, err = f.svc.UpdateCounters(ctx, f.app, m1, "pub", "Multiply", map[string]int64{"like": 2})
	wantCode(t, "an unknown mode", err, group.CodeInvalidParam)
	_, err = f.svc.SetCounters(ctx, f.app, m1, "pub", nil)
	wantCode(t, "no counter", err, group.CodeInvalidParam)

	deleted, err := f.svc.DeleteCounters(ctx, f.app, m1, "pub", []string{"like", "missing"})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "deleted", deleted, []string{"like"})
	eq(t, "delete push", f.lastPush(t, group.PushCountersChanged).(group.PushCounters),
		group.PushCounters{GroupID: "pub", Operator: "m1", Counters: map[string]int64{}, Deleted: []string{"like"}})
	deleted, err = f.svc.DeleteCounters(ctx, f.app, admin, "pub", nil)
	if err != nil || len(deleted) != 19 {
		t.Errorf("delete all: %d %v", len(deleted), err)
	}
	if all, _ := f.svc.Counters(ctx, f.app, m1, "pub", nil); len(all) != 0 {
		t.Errorf("after delete all: %v", all)
	}

	// Who: not a member (10007), not in a Community (10007).
	_, err = f.svc.SetCounters(ctx, f.app, as("out"), "pub", map[string]int64{"like": 1})
	wantCode(t, "a non-member sets", err, group.CodeNoPermission)
	_, err = f.svc.Counters(ctx, f.app, as("out"), "pub", nil)
	wantCode(t, "a non-member reads", err, group.CodeNoPermission)
	_, err = f.svc.SetCounters(ctx, f.app, admin, "com", map[string]int64{"like": 1})
	wantCode(t, "a Community", err, group.CodeNoPermission)
	_, err = f.svc.Counters(ctx, f.app, m1, "com", nil)
	wantCode(t, "a Community's read", err, group.CodeNoPermission)
	_, err = f.svc.DeleteCounters(ctx, f.app, admin, "nope", nil)
	wantCode(t, "a missing group", err, group.CodeNoSuchGroup)
}

// eq fails the test unless got and want are deeply equal, nil and empty
// maps and slices alike (that difference is no behaviour).
func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(normalize(reflect.ValueOf(got)), normalize(reflect.ValueOf(want))) {
		t.Errorf("%s:\n got: %+v\nwant: %+v", what, got, want)
	}
}

// normalize renders v with empty maps and slices as nil, recursively
// through structs.
func normalize(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Map, reflect.Slice:
		if v.Len() == 0 {
			return nil
		}
	case reflect.Struct:
		fields := make([]any, v.NumField())
		for i := range fields {
			fields[i] = normalize(v.Field(i))
		}
		return fields
	}
	if !v.IsValid() {
		return nil
	}
	return v.Interface()
}
