package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

func createRoom(t *testing.T, s store.Store, app store.AppID, id, typ string, members ...string) {
	t.Helper()
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if ok, err := tx.CreateGroup(ctx, store.Group{App: app, ID: id, Type: typ, Name: id, CreatedAt: 1}); err != nil || !ok {
			return fmt.Errorf("create %s: %v %v", id, ok, err)
		}
		for _, u := range members {
			if ok, err := tx.JoinGroup(ctx, app, id, u, 10); err != nil || !ok {
				return fmt.Errorf("join %s: %v %v", u, ok, err)
			}
		}
		return nil
	})
}

// testGroupBans: a ban is active until its end, replaced by a later one,
// paged by user, lifted by a delete, per group and app, and gone with the
// group.
func testGroupBans(t *testing.T, s store.Store) {
	createRoom(t, s, app1, "av", "AVChatRoom")
	createRoom(t, s, app1, "av2", "AVChatRoom")
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.PutGroupBans(ctx, []store.GroupBan{
			{App: app1, GroupID: "av", User: "bob", Until: 100, Description: "spam"},
			{App: app1, GroupID: "av", User: "carol", Until: 200},
			{App: app1, GroupID: "av", User: "dave", Until: 50},
			{App: app1, GroupID: "av2", User: "bob", Until: 1000},
		})
	})
	ban := func(group, user string, now int64) (store.GroupBan, bool) {
		type r struct {
			b  store.GroupBan
			ok bool
		}
		got := get(t, s, func(ctx context.Context, tx store.Tx) (r, error) {
			b, ok, err := tx.ActiveGroupBan(ctx, app1, group, user, now)
			return r{b, ok}, err
		})
		return got.b, got.ok
	}
	if b, ok := ban("av", "bob", 99); !ok || b.Until != 100 || b.Description != "spam" || b.User != "bob" {
		t.Fatalf("bob's ban at 99: %+v %v", b, ok)
	}
	if _, ok := ban("av", "bob", 100); ok {
		t.Fatal("a ban ending at 100 is active at 100")
	}
	if _, ok := ban("av", "erin", 0); ok {
		t.Fatal("erin was never banned")
	}
	page := func(offset, limit int) []string {
		bans := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.GroupBan, error) {
			return tx.ActiveGroupBans(ctx, app1, "av", 60, offset, limit)
		})
		var users []string
		for _, b := range bans {
			users = append(users, fmt.Sprintf("%s:%d", b.User, b.Until))
		}
		return users
	}
	eq(t, "bans at 60", page(0, 10), []string{"bob:100", "carol:200"})
	eq(t, "second page", page(1, 1), []string{"carol:200"})
	// A later ban replaces the earlier one.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.PutGroupBans(ctx, []store.GroupBan{{App: app1, GroupID: "av", User: "dave", Until: 300}})
	})
	eq(t, "dave banned again", page(0, 10), []string{"bob:100", "carol:200", "dave:300"})
	var lifted int64
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		lifted, err = tx.DeleteGroupBans(ctx, app1, "av", []string{"bob", "erin"})
		return err
	})
	if lifted != 1 {
		t.Fatalf("lifted %d bans, want 1", lifted)
	}
	eq(t, "after unban", page(0, 10), []string{"carol:200", "dave:300"})
	if _, ok := ban("av2", "bob", 500); !ok {
		t.Fatal("the unban in av lifted bob's ban in av2")
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.DeleteGroup(ctx, app1, "av")
		return err
	})
	createRoom(t, s, app1, "av", "AVChatRoom")
	eq(t, "bans of a dismissed group's ID reused", page(0, 10), []string(nil))
}

// testMemberMarks: marks replace, an empty list deletes, a read names users
// or takes all.
func testMemberMarks(t *testing.T, s store.Store) {
	createRoom(t, s, app1, "av", "AVChatRoom", "bob", "carol")
	put := func(m ...store.MemberMarks) {
		write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutMemberMarks(ctx, app1, "av", m) })
	}
	read := func(users []string) []store.MemberMarks {
		return get(t, s, func(ctx context.Context, tx store.Tx) ([]store.MemberMarks, error) {
			return tx.MemberMarksOf(ctx, app1, "av", users)
		})
	}
	put(store.MemberMarks{User: "bob", JoinedAt: 10, Marks: []uint32{1000, 4294967295}}, store.MemberMarks{User: "carol", JoinedAt: 10, Marks: []uint32{1001}})
	eq(t, "all marks", read(nil), []store.MemberMarks{{User: "bob", JoinedAt: 10, Marks: []uint32{1000, 4294967295}}, {User: "carol", JoinedAt: 10, Marks: []uint32{1001}}})
	put(store.MemberMarks{User: "bob", JoinedAt: 20, Marks: []uint32{1002}}, store.MemberMarks{User: "carol"})
	eq(t, "bob's marks", read([]string{"bob", "carol"}), []store.MemberMarks{{User: "bob", JoinedAt: 20, Marks: []uint32{1002}}})
	eq(t, "nobody's", read([]string{}), []store.MemberMarks(nil))
}

// testRecentMessages: the ring keeps the newest keep messages in order,
// never more rows, and reads from a time on.
func testRecentMessages(t *testing.T, s store.Store) {
	createRoom(t, s, app1, "av", "AVChatRoom")
	createRoom(t, s, app1, "other", "AVChatRoom")
	for i := 1; i <= 25; i++ {
		write(t, s, func(ctx context.Context, tx store.Tx) error {
			m := store.Message{Sender: "bob", Random: uint32(i), SentAt: int64(i * 1000), Body: []byte(fmt.Sprintf(`{"n":%d}`, i))}
			return tx.AppendRecentMessage(ctx, app1, "av", m, 20)
		})
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.AppendRecentMessage(ctx, app1, "other", store.Message{Sender: "x", SentAt: 1, Body: []byte("{}")}, 20)
	})
	recent := func(since int64) []uint32 {
		msgs := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Message, error) {
			return tx.RecentMessages(ctx, app1, "av", since)
		})
		var out []uint32
		for _, m := range msgs {
			if m.Sender != "bob" || string(m.Body) != fmt.Sprintf(`{"n":%d}`, m.Random) || m.SentAt != int64(m.Random)*1000 ||
				m.ConvKey != "group:av" {
				t.Fatalf("entry read back wrong: %+v", m)
			}
			out = append(out, m.Random)
		}
		return out
	}
	var want []uint32
	for i := 6; i <= 25; i++ {
		want = append(want, uint32(i))
	}
	eq(t, "the newest 20", recent(0), want)
	eq(t, "since 23 s", recent(23000), []uint32{23, 24, 25})
}

// testGroupsOfTypeAndOnline: rooms page by ID per type and app; the online
// count is the members with a live, unkicked session on a live node.
func testGroupsOfTypeAndOnline(t *testing.T, s store.Store) {
	createRoom(t, s, app1, "r1", "AVChatRoom", "alice", "bob", "carol", "dave")
	createRoom(t, s, app1, "r2", "AVChatRoom")
	createRoom(t, s, app1, "p", "Public")
	createRoom(t, s, app2, "r0", "AVChatRoom")
	rooms := func(after string, limit int) []string {
		return get(t, s, func(ctx context.Context, tx store.Tx) ([]string, error) {
			return tx.GroupsOfType(ctx, app1, "AVChatRoom", after, limit)
		})
	}
	eq(t, "rooms", rooms("", 10), []string{"r1", "r2"})
	eq(t, "rooms after r1", rooms("r1", 10), []string{"r2"})
	eq(t, "one room", rooms("", 1), []string{"r1"})

	renewNode(t, s, nodeA, 1000)
	renewNode(t, s, nodeB, 100) // dead at 500
	putSession(t, s, store.SessionRow{App: app1, User: "alice", Node: nodeA, Conn: 1, Platform: "Web"})
	putSession(t, s, store.SessionRow{App: app1, User: "alice", Node: nodeA, Conn: 2, Platform: "Android"})
	putSession(t, s, store.SessionRow{App: app1, User: "bob", Node: nodeB, Conn: 3, Platform: "Web"})
	putSession(t, s, store.SessionRow{App: app1, User: "carol", Node: nodeA, Conn: 4, Platform: "Web"})
	putSession(t, s, store.SessionRow{App: app2, User: "dave", Node: nodeA, Conn: 5, Platform: "Web"})
	putSession(t, s, store.SessionRow{App: app1, User: "zed", Node: nodeA, Conn: 6, Platform: "Web"})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.MarkSessionsKicked(ctx, []store.SessionKey{{Node: nodeA, Conn: 4}}, "kicked", 1)
		return err
	})
	count := get(t, s, func(ctx context.Context, tx store.Tx) (int, error) {
		return tx.OnlineGroupMemberCount(ctx, app1, "r1", 500)
	})
	// alice (two sessions, once), not bob (dead node), not carol
	// (kicked), not dave (another app's session), not zed (no member).
	if count != 1 {
		t.Fatalf("online members of r1: %d, want 1", count)
	}
}
