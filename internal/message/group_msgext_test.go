package message_test

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/store"
)

// setRole makes user's role in g role.
func setRole(t *testing.T, st store.Store, a *app.App, g, user string, role int) {
	t.Helper()
	if err := st.Write(t.Context(), func(tx store.Tx) error {
		m, _, err := tx.GroupMember(t.Context(), a.SDKAppID, g, user)
		if err != nil {
			return err
		}
		m.Role = role
		_, err = tx.SetGroupMember(t.Context(), m)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// recorder keeps the events published on svc's bus.
type recorder struct {
	mu     sync.Mutex
	events []event.Event
}

func record(svc *message.Service) *recorder {
	r := &recorder{}
	svc.Events.Subscribe(func(e event.Event) {
		r.mu.Lock()
		r.events = append(r.events, e)
		r.mu.Unlock()
	})
	return r
}

func (r *recorder) of(kind event.Kind) []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []event.Event
	for _, e := range r.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func atInfo(t *testing.T, svc *message.Service, a *app.App, user, g string) []store.GroupAtInfo {
	t.Helper()
	infos, err := svc.GroupAtInfo(t.Context(), a, user, nil)
	if err != nil {
		t.Fatal(err)
	}
	return infos[g]
}

// TestGroupMentions: listed members and @all reach the conversations'
// at-info (non-members are ignored), a read clears them, bad entries are
// 10004.
func TestGroupMentions(t *testing.T) { engines(t, testGroupMentions) }

func testGroupMentions(t *testing.T, st store.Store) {
	svc, a := setup(t, st, "alice", "bob", "carol", "dave")
	groupFixture(t, st, a, "g", message.GroupPublic, []string{"alice", "bob", "carol"})
	send := func(key string, at ...string) (message.Sent, error) {
		c := text(key)
		c.GroupAtInfo = message.AtUsers(at)
		return svc.SendGroup(t.Context(), a, message.GroupSendRequest{From: "alice", GroupID: "g", ClientMsgID: key, Content: c})
	}
	for _, c := range []struct {
		key string
		at  []string
	}{{"m1", []string{"bob", "dave"}}, {"m2", []string{message.AtAllLabel}}, {"m3", []string{message.AtAllLabel, "carol"}}} {
		if _, err := send(c.key, c.at...); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := atInfo(t, svc, a, "bob", "g"), []store.GroupAtInfo{{Seq: 1, Type: store.AtMe}, {Seq: 3, Type: store.AtAll}}; !reflect.DeepEqual(got, want) {
		t.Errorf("bob's at-info %v, want %v", got, want)
	}
	if got, want := atInfo(t, svc, a, "carol", "g"), []store.GroupAtInfo{{Seq: 3, Type: store.AtAllAtMe}}; !reflect.DeepEqual(got, want) {
		t.Errorf("carol's at-info %v, want %v", got, want)
	}
	if got := atInfo(t, svc, a, "dave", "g"); got != nil {
		t.Errorf("a non-member mentioned has at-info %v", got)
	}
	// The message itself says whom it mentions.
	h, err := svc.HistoryIn(t.Context(), a, "bob", convid.Group("g"), 1, true, 1)
	if err != nil || len(h) != 1 || string(h[0].Body) == "" {
		t.Fatalf("history: %v %v", h, err)
	}
	if want := `"GroupAtInfo":[{"GroupAtAllFlag":0,"GroupAt_Account":"bob"},{"GroupAtAllFlag":0,"GroupAt_Account":"dave"}]`; !strings.Contains(string(h[0].Body), want) {
		t.Errorf("body %s lacks %s", h[0].Body, want)
	}
	if err := svc.MarkReadIn(t.Context(), a, "bob", convid.Group("g"), 1, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := atInfo(t, svc, a, "bob", "g"), []store.GroupAtInfo{{Seq: 3, Type: store.AtAll}}; !reflect.DeepEqual(got, want) {
		t.Errorf("bob's at-info after reading 1: %v, want %v", got, want)
	}
	if err := svc.MarkReadIn(t.Context(), a, "bob", convid.Group("g"), 0, nil); err != nil {
		t.Fatal(err)
	}
	if got := atInfo(t, svc, a, "bob", "g"); got != nil {
		t.Errorf("bob's at-info after reading all: %v", got)
	}
	c := text("bad")
	c.GroupAtInfo = []message.GroupAt{{GroupAtAllFlag: 2}}
	if _, err := svc.SendGroup(t.Context(), a, message.GroupSendRequest{From: "alice", GroupID: "g", ClientMsgID: "bad", Content: c}); code(err) != 10004 {
		t.Errorf("flag 2: %v, want 10004", err)
	}
	c.GroupAtInfo = []message.GroupAt{{}}
	if _, err := svc.SendGroup(t.Context(), a, message.GroupSendRequest{From: "alice", GroupID: "g", ClientMsgID: "bad", Content: c}); code(err) != 10004 {
		t.Errorf("no account: %v, want 10004", err)
	}
}

// TestGroupTargeted: only the listed members (and the sender) get a
// targeted message, in pushes and history; nobody counts it as unread;
// Community and AVChatRoom refuse it (10007); bad receivers are 10004.
func TestGroupTargeted(t *testing.T) { engines(t, testGroupTargeted) }

func testGroupTargeted(t *testing.T, st store.Store) {
	svc, a := setup(t, st, "alice", "bob", "carol", "dave")
	rec := record(svc)
	groupFixture(t, st, a, "g", message.GroupPublic, []string{"alice", "bob", "carol"})
	sendGroup(t, svc, a, "alice", "g", "all")
	sent, err := svc.SendGroup(t.Context(), a, message.GroupSendRequest{From: "alice", GroupID: "g", ClientMsgID: "t", Content: text("t"),
		Targets: []string{"bob"}})
	if err != nil {
		t.Fatal(err)
	}
	news := rec.of(event.MessageNew)
	if len(news) != 2 || news[0].Only != nil || !reflect.DeepEqual(news[1].Only, []string{"bob", "alice"}) {
		t.Errorf("pushes: %+v", news)
	}
	history := func(user string) []uint64 {
		h, err := svc.HistoryIn(t.Context(), a, user, convid.Group("g"), 0, true, 0)
		if err != nil {
			t.Fatal(err)
		}
		var seqs []uint64
		for _, m := range h {
			seqs = append(seqs, m.Seq)
		}
		return seqs
	}
	if got := history("bob"); !reflect.DeepEqual(got, []uint64{1, sent.Message.Seq}) {
		t.Errorf("bob's history %v", got)
	}
	if got := history("alice"); !reflect.DeepEqual(got, []uint64{1, 2}) {
		t.Errorf("alice's history %v", got)
	}
	if got := history("carol"); !reflect.DeepEqual(got, []uint64{1}) {
		t.Errorf("carol's history %v (a targeted message not for her)", got)
	}
	for _, u := range []string{"bob", "carol"} {
		if n := unread(t, svc, a, u, convid.Group("g")); n != 1 {
			t.Errorf("%s's unread %d, want 1 (the targeted message counts for nobody)", u, n)
		}
	}
	// Its recall is heard by the same members only.
	if _, err := svc.RecallIn(t.Context(), a, "alice", convid.Group("g"), sent.Key, false, nil); err != nil {
		t.Fatal(err)
	}
	if rs := rec.of(event.MessageRecalled); len(rs) != 1 || !reflect.DeepEqual(rs[0].Only, []string{"bob", "alice"}) {
		t.Errorf("recall pushes: %+v", rs)
	}
	groupFixture(t, st, a, "comm", message.GroupCommunity, []string{"alice", "bob"})
	groupFixture(t, st, a, "av", message.GroupAVChatRoom, []string{"alice", "bob"})
	many := make([]string, message.MaxTargets+1)
	for i := range many {
		many[i] = fmt.Sprintf("u%d", i)
	}
	withAt := text("x")
	withAt.GroupAtInfo = message.AtUsers([]string{"bob"})
	for _, c := range []struct {
		name    string
		group   string
		targets []string
		content message.Content
		want    int
	}{
		{"Community", "comm", []string{"bob"}, text("x"), 10007},
		{"AVChatRoom", "av", []string{"bob"}, text("x"), 10007},
		{"a non-member", "g", []string{"dave"}, text("x"), 10004},
		{"only the sender", "g", []string{"alice"}, text("x"), 10004},
		{"over 50", "g", many, text("x"), 10004},
		{"an @ message", "g", []string{"bob"}, withAt, 10004},
	} {
		_, err := svc.SendGroup(t.Context(), a, message.GroupSendRequest{From: "alice", GroupID: c.group, ClientMsgID: "x" + c.name,
			Content: c.content, Targets: c.targets})
		if code(err) != c.want {
			t.Errorf("%s: %v, want %d", c.name, err, c.want)
		}
	}
}

// TestGroupReceipts: with receipts on for the type, a member's receipt
// moves the counts, the sender hears it and reads who did and did not
// read (paged); without them, or for a message without one, 10062.
func TestGroupReceipts(t *testing.T) { engines(t, testGroupReceipts) }

func testGroupReceipts(t *testing.T, st store.Store) {
	svc, a := setup(t, st, "alice", "bob", "carol", "dave")
	a.GroupReadReceipts = []string{message.GroupPublic}
	rec := record(svc)
	groupFixture(t, st, a, "g", message.GroupPublic, []string{"alice", "bob", "carol", "dave"})
	groupFixture(t, st, a, "w", message.GroupPrivate, []string{"alice", "bob"})
	ask, err := svc.SendGroup(t.Context(), a, message.GroupSendRequest{From: "alice", GroupID: "g", ClientMsgID: "r", Content: text("r"), NeedReadReceipt: true})
	if err != nil {
		t.Fatal(err)
	}
	plain := sendGroup(t, svc, a, "alice", "g", "plain")
	off, err := svc.SendGroup(t.Context(), a, message.GroupSendRequest{From: "alice", GroupID: "w", ClientMsgID: "r", Content: text("r"), NeedReadReceipt: true})
	if err != nil {
		t.Fatal(err)
	}
	if ask.Message.Flags&store.MessageNeedReadReceipt == 0 || off.Message.Flags&store.MessageNeedReadReceipt != 0 {
		t.Fatalf("flags: enabled type %d, disabled type %d", ask.Message.Flags, off.Message.Flags)
	}
	acked, err := svc.SendGroupReceipts(t.Context(), a, "bob", "g", []string{ask.Key, plain.Key})
	if err != nil {
		t.Fatal(err)
	}
	if len(acked) != 1 || acked[0].Seq != ask.Message.Seq || acked[0].ReadCount != 1 || acked[0].UnreadCount != 2 {
		t.Errorf("acked %+v, want message 1 read by 1 of 3", acked)
	}
	pushes := rec.of(event.GroupMessageReceipt)
	if len(pushes) != 1 || pushes[0].User != "alice" || len(pushes[0].GroupReceipts) != 1 || pushes[0].GroupReceipts[0].ReadCount != 1 {
		t.Errorf("receipt pushes %+v", pushes)
	}
	// A repeated receipt changes nothing and tells nobody; a receipt for
	// one's own message is left out.
	if _, err := svc.SendGroupReceipts(t.Context(), a, "bob", "g", []string{ask.Key}); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.SendGroupReceipts(t.Context(), a, "alice", "g", []string{ask.Key}); err != nil || len(got) != 0 {
		t.Errorf("own receipt: %v %v", got, err)
	}
	if n := len(rec.of(event.GroupMessageReceipt)); n != 1 {
		t.Errorf("%d receipt pushes after a repeat, want 1", n)
	}
	if _, err := svc.SendGroupReceipts(t.Context(), a, "carol", "g", []string{ask.Key}); err != nil {
		t.Fatal(err)
	}
	rs, err := svc.GroupReceipts(t.Context(), a, "alice", "g", []uint64{ask.Message.Seq, plain.Message.Seq, 99}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []message.GroupReceipt{{Seq: 1, MsgKey: ask.Key, ReadCount: 2, UnreadCount: 1}, {Seq: 2, Code: message.CodeNoReceipt}, {Seq: 99, Code: message.CodeNoReceipt}}
	if !reflect.DeepEqual(rs, want) {
		t.Errorf("receipts %+v, want %+v", rs, want)
	}
	if rs, err := svc.GroupReceipts(t.Context(), a, "bob", "g", []uint64{1}, false); err != nil || rs[0].Code != message.CodeNoPermission {
		t.Errorf("another member's receipts: %+v %v, want code 10007", rs, err)
	}
	page, err := svc.GroupReadMembers(t.Context(), a, "alice", "g", 1, true, "", 1, false)
	if err != nil || !reflect.DeepEqual(page, message.ReadMembersPage{Users: []string{"bob"}, Cursor: "bob"}) {
		t.Errorf("read page 1: %+v %v", page, err)
	}
	page, err = svc.GroupReadMembers(t.Context(), a, "alice", "g", 1, true, page.Cursor, 1, false)
	if err != nil || !reflect.DeepEqual(page, message.ReadMembersPage{Users: []string{"carol"}, Finished: true}) {
		t.Errorf("read page 2: %+v %v", page, err)
	}
	page, err = svc.GroupReadMembers(t.Context(), a, "alice", "g", 1, false, "", 10, false)
	if err != nil || !reflect.DeepEqual(page, message.ReadMembersPage{Users: []string{"dave"}, Finished: true}) {
		t.Errorf("unread page: %+v %v", page, err)
	}
	for _, c := range []struct {
		name  string
		user  string
		group string
		seq   uint64
		want  int
	}{
		{"no receipt asked", "alice", "g", 2, message.CodeNoReceipt},
		{"receipts off for the type", "alice", "w", 1, message.CodeNoReceipt},
		{"not the sender", "bob", "g", 1, message.CodeNoPermission},
		{"not a member", "zed", "g", 1, message.CodeNoPermission},
	} {
		if _, err := svc.GroupReadMembers(t.Context(), a, c.user, c.group, c.seq, true, "", 10, false); code(err) != c.want {
			t.Errorf("%s: %v, want %d", c.name, err, c.want)
		}
	}
	if _, err := svc.GroupReadMembers(t.Context(), a, "alice", "g", 1, true, "", message.MaxReadMemberPage+1, false); code(err) != 10004 {
		t.Errorf("page over the cap: %v", err)
	}
	keys := make([]string, message.MaxReceiptsPerCall+1)
	for i := range keys {
		keys[i] = ask.Key
	}
	if _, err := svc.SendGroupReceipts(t.Context(), a, "bob", "g", keys); code(err) != message.CodeInvalidRequest {
		t.Errorf("31 receipts: %v", err)
	}
}

// TestGroupRateLimit: 40 messages a second per group, whoever sends; lower
// priorities are refused (10023) first, High goes through; the next
// second refills; another group has its own budget.
func TestGroupRateLimit(t *testing.T) { engines(t, testGroupRateLimit) }

func testGroupRateLimit(t *testing.T, st store.Store) {
	svc, a := setup(t, st, "alice", "bob")
	now := time.Unix(1_800_000_000, 0)
	svc.Now = func() time.Time { return now }
	groupFixture(t, st, a, "g", message.GroupPublic, []string{"alice", "bob"})
	groupFixture(t, st, a, "h", message.GroupPublic, []string{"alice"})
	n := 0
	send := func(from, g string, p message.Priority, admin bool) error {
		n++
		_, err := svc.SendGroup(t.Context(), a, message.GroupSendRequest{From: from, GroupID: g, ClientMsgID: fmt.Sprint(n), Content: text("x"),
			Priority: p, Admin: admin})
		return err
	}
	// 36 normal messages from two members and the admin, then Normal is
	// refused; the last 4 of the second are High's.
	for i := range 36 {
		from := []string{"alice", "bob", "admin"}[i%3]
		if err := send(from, "g", message.PriorityNormal, from == "admin"); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if err := send("bob", "g", message.PriorityNormal, false); code(err) != message.CodeGroupSendTooFast {
		t.Fatalf("37th normal message: %v, want 10023", err)
	}
	if err := send("bob", "g", message.PriorityLowest, false); code(err) != message.CodeGroupSendTooFast {
		t.Fatalf("lowest: %v, want 10023", err)
	}
	for i := range 4 {
		if err := send("alice", "g", message.PriorityHigh, false); err != nil {
			t.Fatalf("high %d: %v", i, err)
		}
	}
	if err := send("alice", "g", message.PriorityHigh, false); code(err) != message.CodeGroupSendTooFast {
		t.Fatalf("41st message: %v, want 10023", err)
	}
	if err := send("alice", "h", message.PriorityNormal, false); err != nil {
		t.Fatalf("another group: %v", err)
	}
	now = now.Add(time.Second)
	if err := send("alice", "g", message.PriorityNormal, false); err != nil {
		t.Fatalf("the next second: %v", err)
	}
	if _, err := message.ParsePriority("urgent"); code(err) != 10004 {
		t.Errorf("unknown priority: %v", err)
	}
}

// TestGroupRecallByModerators: the owner recalls anyone's message, an
// admin a common member's, with no window; a common member only their
// own within it (others: 20022, late: 20016).
func TestGroupRecallByModerators(t *testing.T) { engines(t, testGroupRecallByModerators) }

func testGroupRecallByModerators(t *testing.T, st store.Store) {
	svc, a := setup(t, st, "owner", "admin", "m1", "m2")
	now := time.Unix(1_800_000_000, 0)
	svc.Now = func() time.Time { return now }
	groupFixture(t, st, a, "g", message.GroupPublic, []string{"owner", "admin", "m1", "m2"})
	setRole(t, st, a, "g", "owner", store.RoleOwner)
	setRole(t, st, a, "g", "admin", store.RoleAdmin)
	groupFixture(t, st, a, "w", message.GroupPrivate, []string{"owner", "m1"})
	setRole(t, st, a, "w", "owner", store.RoleOwner)
	msgs := map[string]message.Sent{}
	for _, k := range []string{"m1a", "m1b", "m1c", "m2a", "admin", "owner"} {
		msgs[k] = sendGroup(t, svc, a, map[string]string{"m1a": "m1", "m1b": "m1", "m1c": "m1", "m2a": "m2", "admin": "admin", "owner": "owner"}[k], "g", k)
	}
	wm := sendGroup(t, svc, a, "m1", "w", "w1")
	now = now.Add(3 * time.Minute) // past the 2-minute window
	g := convid.Group("g")
	for _, c := range []struct {
		name, by, msg string
		want          int
	}{
		{"a member, another's", "m2", "m1a", message.CodeNoSuchMessage},
		{"a member, their own late", "m1", "m1a", message.CodeRecallTooLate},
		{"an admin, the owner's", "admin", "owner", message.CodeNoSuchMessage},
		{"an admin, a member's late", "admin", "m1a", 0},
		{"the owner, a member's", "owner", "m1b", 0},
		{"the owner, the admin's", "owner", "admin", 0},
		{"an admin, an admin's own late", "admin", "admin", message.CodeAlreadyRecalled},
	} {
		if _, err := svc.RecallIn(t.Context(), a, c.by, g, msgs[c.msg].Key, false, nil); code(err) != c.want {
			t.Errorf("%s: %v, want %d", c.name, err, c.want)
		}
	}
	if _, err := svc.RecallIn(t.Context(), a, "owner", convid.Group("w"), wm.Key, false, nil); err != nil {
		t.Errorf("a Work group's owner: %v", err)
	}
}

// BenchmarkGroupSendAtAll sends messages (plain, and @all with one listed
// member) into a group of 10 and of 10,000 members, and reads a member's
// at-info: mentions add the same to both (one group row for @all, a row
// per listed member, no other member row touched).
func BenchmarkGroupSendAtAll(b *testing.B) {
	for _, c := range []struct {
		members int
		at      []string
	}{{10, nil}, {10_000, nil}, {10, []string{message.AtAllLabel, "u000001"}}, {10_000, []string{message.AtAllLabel, "u000001"}}} {
		members := c.members
		b.Run(fmt.Sprint(members, "members/mentions=", len(c.at)), func(b *testing.B) {
			st := openSQLite(b)
			a := app.New(1400000001, "0123456789abcdef0123456789abcdef")
			a.GroupMessageRate = 0
			svc := &message.Service{Store: message.StoreOf(st), Events: event.NewBus()}
			ctx := b.Context()
			if err := st.Write(ctx, func(tx store.Tx) error {
				if _, err := tx.CreateGroup(ctx, store.Group{App: a.SDKAppID, ID: "g", Type: message.GroupPublic, CreatedAt: 1}); err != nil {
					return err
				}
				for i := range members {
					if _, err := tx.JoinGroup(ctx, a.SDKAppID, "g", fmt.Sprintf("u%06d", i), 1); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			content := text("everyone")
			content.GroupAtInfo = message.AtUsers(c.at)
			b.ResetTimer()
			for i := range b.N {
				if _, err := svc.SendGroup(ctx, a, message.GroupSendRequest{From: "u000000", GroupID: "g", ClientMsgID: fmt.Sprint(i), Content: content}); err != nil {
					b.Fatal(err)
				}
				if _, err := svc.GroupAtInfo(ctx, a, "u000002", nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGroupAtInfo reads the at-info of a mentioned member after 50
// @all messages that also name them, in a group of 10 and of 10,000
// members: the read is the member's own rows and one group row.
func BenchmarkGroupAtInfo(b *testing.B) {
	for _, members := range []int{10, 10_000} {
		b.Run(fmt.Sprint(members, "members"), func(b *testing.B) {
			st := openSQLite(b)
			a := app.New(1400000001, "0123456789abcdef0123456789abcdef")
			a.GroupMessageRate = 0
			svc := &message.Service{Store: message.StoreOf(st), Events: event.NewBus()}
			ctx := b.Context()
			if err := st.Write(ctx, func(tx store.Tx) error {
				if _, err := tx.CreateGroup(ctx, store.Group{App: a.SDKAppID, ID: "g", Type: message.GroupPublic, CreatedAt: 1}); err != nil {
					return err
				}
				for i := range members {
					if _, err := tx.JoinGroup(ctx, a.SDKAppID, "g", fmt.Sprintf("u%06d", i), 1); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			content := text("everyone")
			content.GroupAtInfo = message.AtUsers([]string{message.AtAllLabel, "u000001"})
			for i := range 50 {
				if _, err := svc.SendGroup(ctx, a, message.GroupSendRequest{From: "u000000", GroupID: "g", ClientMsgID: fmt.Sprint(i), Content: content}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for range b.N {
				infos, err := svc.GroupAtInfo(ctx, a, "u000001", nil)
				if err != nil || len(infos["g"]) != 50 {
					b.Fatal(len(infos["g"]), err)
				}
			}
		})
	}
}
