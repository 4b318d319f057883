package conversation_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/account"
	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/conversation"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlite"
)

// fixture is a conversation service and a message service over one SQLite
// store, with a clock (unix ms) the test moves and a recorder of events.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	a     *app.App
	svc   *conversation.Service
	msgs  *message.Service
	st    store.Store
	clock atomic.Int64

	mu     sync.Mutex
	events []event.Event
}

func newFixture(t *testing.T, users ...string) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bus := event.NewBus()
	f := &fixture{t: t, ctx: ctx, a: app.New(1400000001, "0123456789abcdef0123456789abcdef", "admin")}
	f.clock.Store(1_700_000_000_000)
	now := func() time.Time { return time.UnixMilli(f.clock.Load()) }
	f.svc = &conversation.Service{Store: conversation.StoreOf(st), Events: bus, Now: now}
	f.msgs = &message.Service{Store: message.StoreOf(st), Events: bus, Now: now}
	f.st = st
	t.Cleanup(bus.Subscribe(func(e event.Event) {
		if e.Message == nil {
			f.mu.Lock()
			f.events = append(f.events, e)
			f.mu.Unlock()
		}
	}))
	if failed, err := (&account.Service{Store: account.StoreOf(st)}).ImportMany(ctx, f.a, users); err != nil || len(failed) > 0 {
		t.Fatalf("import: %v %v", failed, err)
	}
	return f
}

// send sends a text from one user to another one second after the last.
func (f *fixture) send(from, to string) {
	f.t.Helper()
	f.clock.Add(1000)
	_, err := f.msgs.SendC2C(f.ctx, f.a, message.SendRequest{From: from, To: to, Random: uint32(f.clock.Load()),
		Content: message.Content{MsgBody: []message.Element{{MsgType: "TIMTextElem", MsgContent: json.RawMessage(`{"Text":"hi"}`)}}}})
	if err != nil {
		f.t.Fatalf("send %s>%s: %v", from, to, err)
	}
}

func (f *fixture) list(user string, filter conversation.Filter) []conversation.Conversation {
	f.t.Helper()
	cs, err := f.svc.List(f.ctx, f.a, user, filter)
	if err != nil {
		f.t.Fatalf("List(%s): %v", user, err)
	}
	return cs
}

// order renders a list as "peer" or "peer*" (pinned).
func order(cs []conversation.Conversation) string {
	var parts []string
	for _, c := range cs {
		p := c.Peer
		if c.Pinned() {
			p += "*"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

func (f *fixture) takeEvents() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, e := range f.events {
		if e.Seq == 0 {
			f.t.Errorf("event %s of %s is not logged", e.Kind, e.User)
		}
		out = append(out, fmt.Sprintf("%s %s %v", e.User, e.Kind, e.Peers))
	}
	f.events = nil
	return out
}

func code(err error) int {
	var e *errcode.Error
	if errors.As(err, &e) {
		if e == nil { // a nil item error
			return 0
		}
		return e.Code
	}
	if err != nil {
		return -1
	}
	return 0
}

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func TestPinKeepsTheOriginalOrderAmongPinned(t *testing.T) {
	f := newFixture(t, "me", "u1", "u2", "u3", "u4", "u5")
	for _, u := range []string{"u5", "u4", "u3", "u2", "u1"} {
		f.send(u, "me")
	}
	eq(t, "newest first", order(f.list("me", conversation.Filter{})), "u1 u2 u3 u4 u5")
	// The seeds' example: of 1..5, pinning 2 and 3 gives 2, 3, 1, 4, 5,
	// whichever is pinned first.
	for _, id := range []string{"c2c_u3", "c2c_u2"} {
		if err := f.svc.Pin(f.ctx, f.a, "me", id, true); err != nil {
			t.Fatal(err)
		}
	}
	eq(t, "after pinning 3 then 2", order(f.list("me", conversation.Filter{})), "u2* u3* u1 u4 u5")
	eq(t, "events", f.takeEvents(), []string{"me conversation.changed [c2c_u3]", "me conversation.changed [c2c_u2]"})
	// Pinning again changes nothing and tells nobody.
	if err := f.svc.Pin(f.ctx, f.a, "me", "c2c_u2", true); err != nil {
		t.Fatal(err)
	}
	eq(t, "no event for a no-op", f.takeEvents(), []string(nil))
	// Among pinned, a newer message moves a conversation up, as unpinned.
	f.send("u3", "me")
	f.send("u5", "me")
	eq(t, "after messages", order(f.list("me", conversation.Filter{})), "u3* u2* u5 u1 u4")
	if err := f.svc.Pin(f.ctx, f.a, "me", "c2c_u3", false); err != nil {
		t.Fatal(err)
	}
	eq(t, "after unpinning", order(f.list("me", conversation.Filter{})), "u2* u5 u3 u1 u4")
	// Errors: bad IDs, group conversations, unknown peers.
	for id, want := range map[string]int{"c2c_": 50002, "x_u1": 50002, "group_g1": 51007, "c2c_ghost": 50001, "c2c_bad id": 50002} {
		if got := code(f.svc.Pin(f.ctx, f.a, "me", id, true)); got != want {
			t.Errorf("pin %q: code %d, want %d", id, got, want)
		}
	}
	if got := code(f.svc.Pin(f.ctx, f.a, "ghost", "c2c_u1", true)); got != 50001 {
		t.Errorf("pin by an unknown user: %d", got)
	}
}

func TestUnreadIsDerivedFromSeqs(t *testing.T) {
	f := newFixture(t, "me", "bob", "carol")
	f.send("bob", "me")
	f.send("bob", "me")
	f.send("me", "bob")
	f.send("carol", "me")
	total, err := f.svc.TotalUnread(f.ctx, f.a, "me")
	eq(t, "total", [2]any{total, err}, [2]any{3, error(nil)})
	cs, _ := f.svc.Get(f.ctx, f.a, "me", []string{"c2c_bob", "c2c_nobody", "c2c_carol", "c2c_bob"})
	eq(t, "Get", [][2]any{{cs[0].ID, cs[0].Unread}, {cs[1].ID, cs[1].Unread}}, [][2]any{{"c2c_bob", 2}, {"c2c_carol", 1}})
	if len(cs) != 2 {
		t.Fatalf("Get returned %d conversations", len(cs))
	}
	if err := f.msgs.MarkRead(f.ctx, f.a, "me", "bob", 0, nil); err != nil {
		t.Fatal(err)
	}
	total, _ = f.svc.TotalUnread(f.ctx, f.a, "me")
	eq(t, "total after reading bob", total, 1)
	// The unread mark is a flag: the count does not move.
	res, err := f.svc.Mark(f.ctx, f.a, "me", []conversation.MarkItem{{ID: "c2c_bob", Set: conversation.MarkUnread}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("mark: %v %+v", err, res)
	}
	cs, _ = f.svc.Get(f.ctx, f.a, "me", []string{"c2c_bob"})
	eq(t, "marked unread: marks and count", [2]any{cs[0].Marks, cs[0].Unread}, [2]any{conversation.MarkUnread, 0})
}

func TestDeleteHidesUntilANewerMessage(t *testing.T) {
	f := newFixture(t, "me", "bob", "carol")
	f.send("bob", "me")
	f.send("bob", "me")
	f.send("carol", "me")
	if err := f.svc.Pin(f.ctx, f.a, "me", "c2c_bob", true); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetDraft(f.ctx, f.a, "me", "c2c_bob", "unsent"); err != nil {
		t.Fatal(err)
	}
	f.takeEvents()
	res, err := f.svc.Delete(f.ctx, f.a, "me", []string{"c2c_bob", "c2c_nobody", "group_g", "bad"}, false)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "per-conversation codes", []int{code(res[0].Err), code(res[1].Err), code(res[2].Err), code(res[3].Err)}, []int{0, 0, 51007, 50002})
	eq(t, "events", f.takeEvents(), []string{"me conversation.deleted [c2c_bob]"})
	eq(t, "list after delete", order(f.list("me", conversation.Filter{IncludeEmpty: true})), "carol")
	total, _ := f.svc.TotalUnread(f.ctx, f.a, "me")
	eq(t, "the deleted conversation's unread is gone", total, 1)
	// Without clearing, the history stays.
	hist, _ := f.msgs.History(f.ctx, f.a, "me", "bob", 0, false, 10)
	eq(t, "history kept", len(hist), 2)
	// bob's side is untouched.
	eq(t, "bob's list", order(f.list("bob", conversation.Filter{})), "me")

	// A newer message brings it back: unpinned, no draft, one unread.
	f.send("bob", "me")
	cs := f.list("me", conversation.Filter{})
	eq(t, "back", order(cs), "bob carol")
	eq(t, "back: unread, draft", [2]any{cs[0].Unread, cs[0].Draft}, [2]any{1, ""})

	// Deleting with the messages: history is gone for me only.
	if _, err := f.svc.Delete(f.ctx, f.a, "me", []string{"c2c_bob"}, true); err != nil {
		t.Fatal(err)
	}
	hist, _ = f.msgs.History(f.ctx, f.a, "me", "bob", 0, false, 10)
	eq(t, "my history after delete with messages", len(hist), 0)
	hist, _ = f.msgs.History(f.ctx, f.a, "bob", "me", 0, false, 10)
	eq(t, "bob's history", len(hist), 3)
	// Pinning it again shows it, empty: in the full list, not in get_list's
	// default.
	if err := f.svc.Pin(f.ctx, f.a, "me", "c2c_bob", true); err != nil {
		t.Fatal(err)
	}
	eq(t, "empty conversations shown", order(f.list("me", conversation.Filter{IncludeEmpty: true})), "bob* carol")
	eq(t, "empty conversations left out", order(f.list("me", conversation.Filter{})), "carol")
}

func TestDraftStartsAConversation(t *testing.T) {
	f := newFixture(t, "me", "bob")
	if err := f.svc.SetDraft(f.ctx, f.a, "me", "c2c_bob", "hello b"); err != nil {
		t.Fatal(err)
	}
	cs := f.list("me", conversation.Filter{IncludeEmpty: true})
	if len(cs) != 1 || cs[0].Draft != "hello b" || cs[0].DraftTime != f.clock.Load() || !cs[0].Empty() {
		t.Fatalf("drafted conversation: %+v", cs)
	}
	eq(t, "bob has no conversation", len(f.list("bob", conversation.Filter{IncludeEmpty: true})), 0)
	if err := f.svc.SetDraft(f.ctx, f.a, "me", "c2c_bob", ""); err != nil {
		t.Fatal(err)
	}
	cs = f.list("me", conversation.Filter{IncludeEmpty: true})
	eq(t, "cleared draft", [2]any{cs[0].Draft, cs[0].DraftTime}, [2]any{"", int64(0)})
	eq(t, "events", f.takeEvents(), []string{"me conversation.changed [c2c_bob]", "me conversation.changed [c2c_bob]"})
	// Clearing a draft that is not there is no change.
	if err := f.svc.SetDraft(f.ctx, f.a, "me", "c2c_bob", ""); err != nil {
		t.Fatal(err)
	}
	eq(t, "no event", f.takeEvents(), []string(nil))
	if got := code(f.svc.SetDraft(f.ctx, f.a, "me", "c2c_bob", strings.Repeat("x", conversation.MaxDraftBytes+1))); got != 50002 {
		t.Errorf("long draft: %d", got)
	}
	if got := code(f.svc.SetDraft(f.ctx, f.a, "me", "c2c_ghost", "x")); got != 50001 {
		t.Errorf("draft to an unknown user: %d", got)
	}
	// Deleting a conversation that never had a message removes it.
	if err := f.svc.SetDraft(f.ctx, f.a, "me", "c2c_bob", "again"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Delete(f.ctx, f.a, "me", []string{"c2c_bob"}, false); err != nil {
		t.Fatal(err)
	}
	eq(t, "after delete", len(f.list("me", conversation.Filter{IncludeEmpty: true})), 0)
}

// pageAll pages get_list from the start and renders every page.
func (f *fixture) pageAll(user string, flags int64) []string {
	f.t.Helper()
	var pages []string
	req := conversation.PageRequest{AssistFlags: flags}
	for i := 0; i < 20; i++ {
		p, err := f.svc.Page(f.ctx, f.a, user, req)
		if err != nil {
			f.t.Fatalf("Page: %v", err)
		}
		pages = append(pages, order(p.Items))
		if p.Complete {
			return pages
		}
		req.TimeStamp, req.StartIndex, req.TopTimeStamp, req.TopStartIndex = p.TimeStamp, p.StartIndex, p.TopTimeStamp, p.TopStartIndex
	}
	f.t.Fatal("get_list never completed")
	return nil
}

func TestPageCursors(t *testing.T) {
	f := newFixture(t, "me", "a", "b", "c", "d", "e", "f", "g")
	f.svc.PageSize = 2
	// a..f one second apart, then e and f again within one second of each
	// other: ties on MsgTime.
	for _, u := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		f.send(u, "me")
	}
	f.clock.Add(1000)
	for _, u := range []string{"c", "d", "e"} {
		f.clock.Add(-1)
		f.send(u, "me")
		f.clock.Add(-1000)
	}
	eq(t, "the list", order(f.list("me", conversation.Filter{})), "c d e g f b a")
	for _, id := range []string{"c2c_b", "c2c_d", "c2c_g"} {
		if err := f.svc.Pin(f.ctx, f.a, "me", id, true); err != nil {
			t.Fatal(err)
		}
	}
	eq(t, "no pinned support: by time", f.pageAll("me", 0), []string{"c d*", "e g*", "f b*", "a"})
	eq(t, "pinned first, all at once", f.pageAll("me", conversation.AssistPinned), []string{"d* g* b* c e", "f a"})
	eq(t, "pinned paged too", f.pageAll("me", conversation.AssistPinned|conversation.AssistPagePinned),
		[]string{"d* g* c e", "b* f a"})

	// The cursor survives a conversation moving to the top between pages:
	// it is past the cursor, and nothing is repeated or skipped.
	p1, _ := f.svc.Page(f.ctx, f.a, "me", conversation.PageRequest{})
	eq(t, "first page", order(p1.Items), "c d*")
	f.clock.Add(10_000)
	f.send("a", "me")
	p2, _ := f.svc.Page(f.ctx, f.a, "me", conversation.PageRequest{TimeStamp: p1.TimeStamp, StartIndex: p1.StartIndex})
	eq(t, "second page after a moved up", order(p2.Items), "e g*")
	p3, _ := f.svc.Page(f.ctx, f.a, "me", conversation.PageRequest{TimeStamp: p2.TimeStamp, StartIndex: p2.StartIndex})
	eq(t, "last page", [2]any{order(p3.Items), p3.Complete}, [2]any{"f b*", true})

	if _, err := f.svc.Page(f.ctx, f.a, "me", conversation.PageRequest{StartIndex: -1}); code(err) != 50002 {
		t.Errorf("negative cursor: %v", err)
	}
	if _, err := f.svc.Page(f.ctx, f.a, "ghost", conversation.PageRequest{}); code(err) != 50001 {
		t.Errorf("unknown user: %v", err)
	}
}

func TestMarks(t *testing.T) {
	f := newFixture(t, "me", "bob")
	bits, err := conversation.MarkBits([]int{1, 3, 64})
	eq(t, "MarkBits", [2]any{bits, err}, [2]any{uint64(1 | 4 | 1<<63), error(nil)})
	if _, err := conversation.MarkBits([]int{65}); code(err) != 50002 {
		t.Errorf("mark 65: %v", err)
	}
	eq(t, "MarkString", []string{conversation.MarkString(0), conversation.MarkString(1), conversation.MarkString(0b1010)},
		[]string{"0", "1", "0101"})
	eq(t, "MarkList", conversation.MarkList(0b1001), []uint64{1, 8})

	res, err := f.svc.Mark(f.ctx, f.a, "me", []conversation.MarkItem{
		{ID: "c2c_bob", Set: conversation.MarkStar | conversation.MarkFold},
		{ID: "c2c_stranger", SetCustom: true, Custom: "abcd"}, // marks need no conversation
		{ID: "group_g", Set: 1},
		{ID: "c2c_x", SetCustom: true, Custom: strings.Repeat("x", 257)},
		{ID: "c2c_bob", Clear: conversation.MarkFold},
	})
	if err != nil {
		t.Fatal(err)
	}
	var codes []int
	for _, r := range res {
		codes = append(codes, code(r.Err))
	}
	eq(t, "codes", codes, []int{0, 0, 51007, 50002, 0})
	eq(t, "events", f.takeEvents(), []string{"me conversation.changed [c2c_bob c2c_stranger]"})
	d, err := f.svc.MarkData(f.ctx, f.a, "me", 0)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "mark data", [][2]any{{d.Marks[0].ConvID, d.Marks[0].Marks}, {d.Marks[1].ConvID, d.Marks[1].CustomMark}},
		[][2]any{{"c2c_bob", conversation.MarkStar}, {"c2c_stranger", "abcd"}})
	for n, want := range map[int]int{0: 51006, 101: 51006} {
		items := make([]conversation.MarkItem, n)
		for i := range items {
			items[i] = conversation.MarkItem{ID: "c2c_bob", Set: 1}
		}
		if _, err := f.svc.Mark(f.ctx, f.a, "me", items); code(err) != want {
			t.Errorf("%d items: %v", n, err)
		}
	}
	// At most 1000 conversations in the group/mark data.
	for start := 0; start < 1000; start += 100 {
		items := make([]conversation.MarkItem, 0, 100)
		for i := start; i < start+100; i++ {
			items = append(items, conversation.MarkItem{ID: fmt.Sprintf("c2c_u%04d", i), Set: conversation.MarkStar})
		}
		if start == 900 { // two already counted: 998 new, 1000 in all
			items[98] = conversation.MarkItem{ID: "c2c_bob", Set: conversation.MarkHide}
			items[99] = conversation.MarkItem{ID: "c2c_stranger", Set: conversation.MarkStar}
		}
		if _, err := f.svc.Mark(f.ctx, f.a, "me", items); err != nil {
			t.Fatal(err)
		}
	}
	res, _ = f.svc.Mark(f.ctx, f.a, "me", []conversation.MarkItem{
		{ID: "c2c_one_more", Set: 1}, {ID: "c2c_bob", Set: conversation.MarkUnread}, {ID: "c2c_stranger", SetCustom: true, Clear: conversation.MarkStar}, // leaves the data
		{ID: "c2c_now_room", Set: 1},
	})
	eq(t, "codes at the cap", []int{code(res[0].Err), code(res[1].Err), code(res[2].Err), code(res[3].Err)}, []int{51008, 0, 0, 0})
	// Paging the data.
	f.svc.PageSize = 400
	var got, next int
	for i := 0; i < 5; i++ {
		d, err := f.svc.MarkData(f.ctx, f.a, "me", next)
		if err != nil {
			t.Fatal(err)
		}
		got += len(d.Marks)
		if d.Complete {
			if d.Next != 0 {
				t.Errorf("complete page with next %d", d.Next)
			}
			break
		}
		next = d.Next
	}
	eq(t, "paged mark data", got, 1000)
}

func TestConversationGroups(t *testing.T) {
	f := newFixture(t, "me", "bob", "carol")
	f.send("bob", "me")
	f.send("carol", "me")
	g, res, err := f.svc.CreateGroup(f.ctx, f.a, "me", "work", []string{"c2c_bob", "group_x", "c2c_carol", "c2c_bob"})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "group", g, conversation.Group{ID: 1, Name: "work"})
	eq(t, "codes", []int{code(res[0].Err), code(res[1].Err), code(res[2].Err), code(res[3].Err)}, []int{0, 51007, 0, 0})
	eq(t, "events", f.takeEvents(), []string{"me conversation_group.changed [work]", "me conversation.changed [c2c_bob c2c_carol]"})
	eq(t, "filter by group", order(f.list("me", conversation.Filter{GroupName: "work"})), "carol bob")
	cs := f.list("me", conversation.Filter{})
	eq(t, "groups of a conversation", cs[0].Groups, []string{"work"})

	for _, tc := range []struct {
		name string
		ids  []string
		want int
	}{
		{"", []string{"c2c_bob"}, 51011}, // seed 002: 1 to 32 bytes, else 51011
		{strings.Repeat("n", 33), []string{"c2c_bob"}, 51011},
		{"work", []string{"c2c_bob"}, 50002}, // exists
		{"empty", nil, 50002},
		{strings.Repeat("n", 32), []string{"c2c_bob"}, 0},
	} {
		if _, _, err := f.svc.CreateGroup(f.ctx, f.a, "me", tc.name, tc.ids); code(err) != tc.want {
			t.Errorf("create %q: %v, want %d", tc.name, err, tc.want)
		}
	}
	for i := 3; i <= conversation.MaxGroups; i++ {
		if _, _, err := f.svc.CreateGroup(f.ctx, f.a, "me", fmt.Sprintf("g%d", i), []string{"c2c_carol"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := f.svc.CreateGroup(f.ctx, f.a, "me", "g21", []string{"c2c_carol"}); code(err) != 51010 {
		t.Errorf("21st group: %v", err)
	}
	// Delete: all or nothing.
	if _, err := f.svc.DeleteGroups(f.ctx, f.a, "me", []string{"g3", "nope"}); code(err) != 51009 {
		t.Errorf("delete with a missing group: %v", err)
	}
	groups, _ := f.svc.Groups(f.ctx, f.a, "me")
	eq(t, "groups kept", len(groups), 20)
	f.takeEvents()
	deleted, err := f.svc.DeleteGroups(f.ctx, f.a, "me", []string{"g3", "g4", "g3"})
	eq(t, "deleted", [2]any{deleted, err}, [2]any{[]conversation.Group{{ID: 3, Name: "g3"}, {ID: 4, Name: "g4"}}, error(nil)})
	eq(t, "delete events", f.takeEvents(), []string{"me conversation_group.changed [g3 g4]", "me conversation.changed [c2c_carol]"})

	// Rename and change members in one update; then errors.
	g, res, err = f.svc.UpdateGroup(f.ctx, f.a, "me", "work", "office", []conversation.GroupOp{
		{ID: "c2c_bob"}, {ID: "c2c_stranger", Add: true}, {ID: "c2c_carol", Add: true}, {ID: "bad"},
	})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "renamed", g, conversation.Group{ID: 1, Name: "office"})
	eq(t, "op codes", []int{code(res[0].Err), code(res[1].Err), code(res[2].Err), code(res[3].Err)}, []int{0, 0, 0, 50002})
	groups, _ = f.svc.Groups(f.ctx, f.a, "me")
	eq(t, "office", [2]any{groups[0].Name, groups[0].Members}, [2]any{"office", []string{"c2c_carol", "c2c_stranger"}})
	eq(t, "update events", f.takeEvents(), []string{"me conversation_group.changed [work office]",
		"me conversation.changed [c2c_bob c2c_stranger c2c_carol]"})
	for _, tc := range []struct {
		old, new string
		want     int
	}{
		{"work", "x", 51009}, {"office", strings.Repeat("n", 33), 51011}, {"office", "g5", 50002}, {"", "x", 50002},
	} {
		if _, _, err := f.svc.UpdateGroup(f.ctx, f.a, "me", tc.old, tc.new, nil); code(err) != tc.want {
			t.Errorf("rename %q to %q: %v, want %d", tc.old, tc.new, err, tc.want)
		}
	}
	// Removing the only group of an unmarked conversation drops its data.
	if _, _, err := f.svc.UpdateGroup(f.ctx, f.a, "me", "office", "", []conversation.GroupOp{{ID: "c2c_stranger"}}); err != nil {
		t.Fatal(err)
	}
	d, _ := f.svc.SearchMarks(f.ctx, f.a, "me", []string{"c2c_stranger", "c2c_carol", "group_x"})
	if len(d.Marks) != 1 || d.Marks[0].ConvID != "c2c_carol" || len(d.Groups) != 18 {
		t.Errorf("search: %+v", d)
	}
}

// TestConcurrentGroupCreates: the 20-group cap holds under concurrent
// creates.
func TestConcurrentGroupCreates(t *testing.T) {
	f := newFixture(t, "me")
	var wg sync.WaitGroup
	var created atomic.Int64
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := f.svc.CreateGroup(f.ctx, f.a, "me", fmt.Sprintf("g%d", i), []string{"c2c_x"})
			switch code(err) {
			case 0:
				created.Add(1)
			case 51010:
			default:
				t.Errorf("create g%d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	groups, _ := f.svc.Groups(f.ctx, f.a, "me")
	eq(t, "groups", [2]int{int(created.Load()), len(groups)}, [2]int{20, 20})
}
