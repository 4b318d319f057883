package message_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlite"
)

// TestPolicyTable pins what differs between kinds of conversation.
func TestPolicyTable(t *testing.T) {
	for _, c := range []struct {
		name               string
		p                  message.Policy
		senders            message.Senders
		views              message.Views
		stored, beforeJoin bool
		unread             message.Unread
	}{
		{"c2c", message.C2CPolicy, message.SendersByRelationship, message.ViewsOfBothUsers, true, true,
			message.UnreadExcludesOwn | message.UnreadExcludesFlagged | message.UnreadExcludesRecalled | message.UnreadExcludesDeleted},
		{"Work", message.GroupPolicy(message.GroupPrivate), message.SendersMembers, message.ViewsOfMembers, true, false,
			message.UnreadExcludesOwn | message.UnreadExcludesFlagged},
		{"Public", message.GroupPolicy(message.GroupPublic), message.SendersMembers, message.ViewsOfMembers, true, false,
			message.UnreadExcludesOwn | message.UnreadExcludesFlagged},
		{"Meeting", message.GroupPolicy(message.GroupChatRoom), message.SendersMembers, message.ViewsOfMembers, true, true,
			message.UnreadExcludesEverything}, // the matrix: Meeting counts no unread
		{"Community", message.GroupPolicy(message.GroupCommunity), message.SendersMembers, message.ViewsOfMembers, true, true,
			message.UnreadExcludesOwn | message.UnreadExcludesFlagged},
		{"AVChatRoom", message.GroupPolicy(message.GroupAVChatRoom), message.SendersMembers, message.ViewsOfMembers, false, false,
			message.UnreadExcludesEverything},
		{"unknown type gets Work's", message.GroupPolicy("Bogus"), message.SendersMembers, message.ViewsOfMembers, true, false,
			message.UnreadExcludesOwn | message.UnreadExcludesFlagged},
	} {
		p := c.p
		if p.Senders != c.senders || p.Views != c.views || p.Stored != c.stored || p.HistoryBeforeJoin != c.beforeJoin || p.Unread != c.unread {
			t.Errorf("%s: %+v", c.name, p)
		}
	}
}

func openSQLite(t testing.TB) store.Store {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// groupFixture makes group g of groupType with members joined in order,
// with msgsBefore messages from the first member between the first
// member's join and the others'.
func groupFixture(t *testing.T, st store.Store, a *app.App, g, groupType string, members []string) {
	t.Helper()
	err := st.Write(t.Context(), func(tx store.Tx) error {
		if _, err := tx.CreateGroup(t.Context(), store.Group{App: a.SDKAppID, ID: g, Type: groupType, CreatedAt: 1}); err != nil {
			return err
		}
		for _, m := range members {
			if _, err := tx.JoinGroup(t.Context(), a.SDKAppID, g, m, 1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func join(t *testing.T, st store.Store, a *app.App, g, user string) {
	t.Helper()
	if err := st.Write(t.Context(), func(tx store.Tx) error {
		_, err := tx.JoinGroup(t.Context(), a.SDKAppID, g, user, 2)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func sendGroup(t *testing.T, svc *message.Service, a *app.App, from, g, key string) message.Sent {
	t.Helper()
	sent, err := svc.SendGroup(t.Context(), a, message.GroupSendRequest{From: from, GroupID: g, ClientMsgID: key, Content: text(key)})
	if err != nil {
		t.Fatalf("SendGroup %s: %v", key, err)
	}
	return sent
}

func unread(t *testing.T, svc *message.Service, a *app.App, user string, id convid.ID) int {
	t.Helper()
	c, ok, err := svc.ConversationOf(t.Context(), a, user, id)
	if err != nil || !ok {
		t.Fatalf("ConversationOf %s %v: %v %v", user, id, ok, err)
	}
	return c.Unread
}

// TestGroupSendRules: members send, others are refused (10007) unless
// admins, an unknown group is 10010, a retry is the first message, and an
// AVChatRoom stores nothing.
func TestGroupSendRules(t *testing.T) { engines(t, testGroupSendRules) }

func testGroupSendRules(t *testing.T, st store.Store) {
	svc, a := setup(t, st, "alice", "bob", "outsider", "admin")
	a.Admins = []string{"admin"}
	groupFixture(t, st, a, "g1", message.GroupPublic, []string{"alice", "bob"})
	groupFixture(t, st, a, "live", message.GroupAVChatRoom, []string{"alice"})

	first := sendGroup(t, svc, a, "alice", "g1", "k1")
	if first.Message.Seq != 1 || first.Message.ConvKey != "group:g1" || first.Dropped {
		t.Fatalf("first send: %+v", first)
	}
	again := sendGroup(t, svc, a, "alice", "g1", "k1")
	if !again.Duplicate || again.Message.Seq != 1 || again.Key != first.Key {
		t.Fatalf("retry: %+v", again)
	}
	_, err := svc.SendGroup(t.Context(), a, message.GroupSendRequest{From: "outsider", GroupID: "g1", Content: text("x")})
	if code(err) != message.CodeNoPermission {
		t.Fatalf("outsider: %v", err)
	}
	_, err = svc.SendGroup(t.Context(), a, message.GroupSendRequest{From: "alice", GroupID: "nope", Content: text("x")})
	if code(err) != message.CodeNoSuchGroup {
		t.Fatalf("unknown group: %v", err)
	}
	_, err = svc.SendGroup(t.Context(), a, message.GroupSendRequest{From: "alice", GroupID: "g1", Content: message.Content{}})
	if code(err) != message.CodeBadBody {
		t.Fatalf("empty body: %v", err)
	}
	if s, err := svc.SendGroup(t.Context(), a, message.GroupSendRequest{From: "admin", GroupID: "g1", Admin: true, Content: text("a")}); err != nil || s.Message.Seq != 2 {
		t.Fatalf("admin: %+v %v", s, err)
	}
	live := sendGroup(t, svc, a, "alice", "live", "l1")
	if !live.Dropped {
		t.Fatalf("AVChatRoom message stored: %+v", live)
	}
	h, err := svc.HistoryIn(t.Context(), a, "alice", convid.Group("live"), 0, false, 0)
	if err != nil || len(h) != 0 {
		t.Fatalf("AVChatRoom history: %v %v", h, err)
	}
	if n := unread(t, svc, a, "alice", convid.Group("live")); n != 0 {
		t.Fatalf("AVChatRoom unread %d", n)
	}
	if _, err := svc.HistoryIn(t.Context(), a, "outsider", convid.Group("g1"), 0, false, 0); code(err) != message.CodeNoPermission {
		t.Fatalf("outsider history: %v", err)
	}
}

// TestGroupHistoryBeforeJoin: a Work or Public member sees only what came
// after their join; a Meeting or Community member sees it all.
func TestGroupHistoryBeforeJoin(t *testing.T) { engines(t, testGroupHistoryBeforeJoin) }

func testGroupHistoryBeforeJoin(t *testing.T, st store.Store) {
	svc, a := setup(t, st, "alice", "late")
	for _, c := range []struct {
		groupType string
		want      []uint64
	}{
		{message.GroupPrivate, []uint64{3}},
		{message.GroupPublic, []uint64{3}},
		{message.GroupChatRoom, []uint64{1, 2, 3}},
		{message.GroupCommunity, []uint64{1, 2, 3}},
	} {
		g := "g-" + c.groupType
		groupFixture(t, st, a, g, c.groupType, []string{"alice"})
		sendGroup(t, svc, a, "alice", g, "1")
		sendGroup(t, svc, a, "alice", g, "2")
		join(t, st, a, g, "late")
		sendGroup(t, svc, a, "alice", g, "3")
		for _, asc := range []bool{true, false} {
			h, err := svc.HistoryIn(t.Context(), a, "late", convid.Group(g), 0, asc, 0)
			if err != nil {
				t.Fatal(err)
			}
			var seqs []uint64
			for _, m := range h {
				seqs = append(seqs, m.Seq)
			}
			if !asc {
				for i, j := 0, len(seqs)-1; i < j; i, j = i+1, j-1 {
					seqs[i], seqs[j] = seqs[j], seqs[i]
				}
			}
			if fmt.Sprint(seqs) != fmt.Sprint(c.want) {
				t.Errorf("%s (ascending %v): late sees %v, want %v", c.groupType, asc, seqs, c.want)
			}
		}
		// Unread never counts what came before the join (and a Meeting
		// group counts none at all).
		want := 1
		if c.groupType == message.GroupChatRoom {
			want = 0
		}
		if n := unread(t, svc, a, "late", convid.Group(g)); n != want {
			t.Errorf("%s: late's unread %d, want %d", c.groupType, n, want)
		}
	}
}

// TestUnreadExclusionsByKind: one-to-one unread leaves out own, flagged,
// recalled and deleted messages; group unread leaves out own and flagged
// ones only (recalled and deleted ones still count until read).
func TestUnreadExclusionsByKind(t *testing.T) { engines(t, testUnreadExclusionsByKind) }

func testUnreadExclusionsByKind(t *testing.T, st store.Store) {
	svc, a := setup(t, st, "alice", "bob")
	groupFixture(t, st, a, "g1", message.GroupPublic, []string{"alice", "bob"})

	// Each: a normal message, one excluded from unread, one recalled, one
	// deleted by the reader, and one of the reader's own.
	c2c := func(from, to, key string, exclude bool) message.Sent {
		s, err := svc.SendC2C(t.Context(), a, message.SendRequest{From: from, To: to, ClientMsgID: key, Content: text(key), ExcludeFromUnread: exclude})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	c2c("bob", "alice", "n", false)
	c2c("bob", "alice", "x", true)
	r := c2c("bob", "alice", "r", false)
	d := c2c("bob", "alice", "d", false)
	c2c("alice", "bob", "own", false)
	if _, err := svc.Recall(t.Context(), a, "bob", "alice", r.Key, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DeleteForMe(t.Context(), a, "alice", "bob", []string{d.Key}, nil); err != nil {
		t.Fatal(err)
	}
	if n := unread(t, svc, a, "alice", convid.C2C("bob")); n != 1 {
		t.Errorf("c2c unread %d, want 1 (the normal message)", n)
	}

	g := convid.Group("g1")
	sendGroup(t, svc, a, "bob", "g1", "n")
	if _, err := svc.SendGroup(t.Context(), a, message.GroupSendRequest{From: "bob", GroupID: "g1", ClientMsgID: "x", Content: text("x"),
		ExcludeFromUnread: true}); err != nil {
		t.Fatal(err)
	}
	gr := sendGroup(t, svc, a, "bob", "g1", "r")
	gd := sendGroup(t, svc, a, "bob", "g1", "d")
	sendGroup(t, svc, a, "alice", "g1", "own")
	if _, err := svc.RecallIn(t.Context(), a, "bob", g, gr.Key, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DeleteForMeIn(t.Context(), a, "alice", g, []string{gd.Key}, nil); err != nil {
		t.Fatal(err)
	}
	if n := unread(t, svc, a, "alice", g); n != 3 {
		t.Errorf("group unread %d, want 3 (normal, recalled, deleted)", n)
	}
	// Only the sender may recall; a member other than the sender is 20022.
	if _, err := svc.RecallIn(t.Context(), a, "alice", g, gd.Key, false, nil); code(err) != message.CodeNoSuchMessage {
		t.Errorf("recall by another member: %v", err)
	}
	if err := svc.MarkReadIn(t.Context(), a, "alice", g, 0, nil); err != nil {
		t.Fatal(err)
	}
	if n := unread(t, svc, a, "alice", g); n != 0 {
		t.Errorf("group unread after read %d", n)
	}
	if seq, err := svc.ClearHistoryIn(t.Context(), a, "bob", g, nil); err != nil || seq != 5 {
		t.Fatalf("clear: %d %v", seq, err)
	}
	if h, err := svc.HistoryIn(t.Context(), a, "bob", g, 0, false, 0); err != nil || len(h) != 0 {
		t.Fatalf("history after clear: %v %v", h, err)
	}
	if n := unread(t, svc, a, "bob", g); n != 0 {
		t.Errorf("bob's unread after clear %d", n)
	}
}

// BenchmarkGroupUnread reads the unread count of one member of a group of
// 100,000 members with 10 and with 10,000 unread messages: the count is
// arithmetic on the member's and the group's rows, so both cost the same.
func BenchmarkGroupUnread(b *testing.B) {
	const members = 100_000
	st := openSQLite(b)
	a := app.New(1400000001, "0123456789abcdef0123456789abcdef")
	svc := &message.Service{Store: message.StoreOf(st), Events: nil}
	ctx := b.Context()
	err := st.Write(ctx, func(tx store.Tx) error {
		if _, err := tx.CreateGroup(ctx, store.Group{App: a.SDKAppID, ID: "big", Type: message.GroupPublic, CreatedAt: 1}); err != nil {
			return err
		}
		for i := range members {
			if _, err := tx.JoinGroup(ctx, a.SDKAppID, "big", fmt.Sprintf("u%06d", i), 1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	appendN := func(from, n int) {
		for done := from; done < n; {
			batch := min(n-done, 1000)
			if err := st.Write(ctx, func(tx store.Tx) error {
				for i := range batch {
					m := store.Message{App: a.SDKAppID, ConvKey: "group:big", Sender: fmt.Sprintf("u%06d", 1+(done+i)%1000),
						ClientKey: fmt.Sprintf("m%d", done+i), SentAt: int64(done + i), Body: []byte(`{"MsgBody":[]}`), ExpiresAt: 9_999_999_999}
					if _, _, err := tx.AppendMessage(ctx, m); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			done += batch
		}
	}
	reader := convid.Group("big")
	have := 0
	for _, n := range []int{10, 10_000} {
		appendN(have, n)
		have = n
		b.Run(fmt.Sprintf("members=%d/unread=%d", members, n), func(b *testing.B) {
			for b.Loop() {
				c, ok, err := svc.ConversationOf(ctx, a, "u000000", reader)
				if err != nil || !ok || c.Unread != n {
					b.Fatalf("unread %d %v %v, want %d", c.Unread, ok, err, n)
				}
			}
		})
	}
}
