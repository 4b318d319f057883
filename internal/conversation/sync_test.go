package conversation_test

import (
	"slices"
	"testing"

	"github.com/parleyim/parley/internal/conversation"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/store"
)

func (f *fixture) group(id string, members ...string) {
	f.t.Helper()
	err := f.st.Write(f.ctx, func(tx store.Tx) error {
		if _, err := tx.CreateGroup(f.ctx, store.Group{App: f.a.SDKAppID, ID: id, Type: message.GroupPublic, CreatedAt: 1}); err != nil {
			return err
		}
		for _, m := range members {
			if _, err := tx.JoinGroup(f.ctx, f.a.SDKAppID, id, m, 1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) sendGroup(from, group string) {
	f.t.Helper()
	f.clock.Add(1000)
	if _, err := f.msgs.SendGroup(f.ctx, f.a, message.GroupSendRequest{From: from, GroupID: group, Random: uint32(f.clock.Load()),
		Content: message.Content{MsgBody: []message.Element{{MsgType: "TIMTextElem", MsgContent: []byte(`{"Text":"hi"}`)}}}}); err != nil {
		f.t.Fatal(err)
	}
}

func ids(cs []conversation.Conversation) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// TestSyncReturnsWhatChangedSinceAVersion: a client that knew the list at
// some version gets exactly the conversations changed since, deletions
// apart, in bounded pages; a group message changes no member's version.
func TestSyncReturnsWhatChangedSinceAVersion(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave")
	f.send("bob", "alice")
	f.send("carol", "alice")
	f.group("g1", "alice", "bob")
	f.sendGroup("bob", "g1")
	first, err := f.svc.Sync(f.ctx, f.a, "alice", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	// g1's view changed at the join; it is in the list because the group
	// row has a message since, read with the view.
	if !first.Finished || !slices.Equal(ids(first.Changed), []string{"c2c_bob", "c2c_carol", "group_g1"}) || len(first.Deleted) != 0 {
		t.Fatalf("first sync: %v deleted %v finished %v", ids(first.Changed), first.Deleted, first.Finished)
	}
	v := first.Version

	f.sendGroup("bob", "g1")
	none, err := f.svc.Sync(f.ctx, f.a, "alice", v, 0)
	if err != nil || len(none.Changed)+len(none.Deleted) != 0 || none.Version != v {
		t.Fatalf("a group message changed alice's version: %+v %v", none, err)
	}

	if err := f.svc.Pin(f.ctx, f.a, "alice", "group_g1", true); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetDraft(f.ctx, f.a, "alice", "c2c_bob", "draft"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Delete(f.ctx, f.a, "alice", []string{"c2c_carol"}, false); err != nil {
		t.Fatal(err)
	}
	f.send("dave", "alice")
	page, err := f.svc.Sync(f.ctx, f.a, "alice", v, 2)
	if err != nil {
		t.Fatal(err)
	}
	if page.Finished || !slices.Equal(ids(page.Changed), []string{"group_g1", "c2c_bob"}) || len(page.Deleted) != 0 {
		t.Fatalf("bounded page: %v %v %v", ids(page.Changed), page.Deleted, page.Finished)
	}
	if g := page.Changed[0]; !g.Pinned() || g.LastSeq != 2 || g.Unread != 2 {
		t.Fatalf("group view: %+v", g)
	}
	rest, err := f.svc.Sync(f.ctx, f.a, "alice", page.Version, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !rest.Finished || !slices.Equal(ids(rest.Changed), []string{"c2c_dave"}) || !slices.Equal(rest.Deleted, []string{"c2c_carol"}) {
		t.Fatalf("rest: %v %v %v", ids(rest.Changed), rest.Deleted, rest.Finished)
	}
	if _, err := f.svc.Sync(f.ctx, f.a, "alice", 0, -1); errcode.As(err, 0).Code != errcode.RecentContactBadParam {
		t.Fatalf("negative count: %v", err)
	}
}

// TestGroupConversationsInTheList: members see the group conversation in
// their list, ordered with the one-to-one ones and paged by the keyset
// cursor; a group they are not in does not resolve (51007).
func TestGroupConversationsInTheList(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol")
	f.send("bob", "alice")
	f.group("g1", "alice", "bob")
	f.group("g2", "bob")
	f.sendGroup("bob", "g1")
	f.send("carol", "alice")
	var got []string
	cursor := ""
	for {
		page, err := f.svc.ListPage(f.ctx, f.a, "alice", conversation.ListQuery{Cursor: cursor, Count: 1})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(page.Items)...)
		if page.Finished {
			break
		}
		cursor = page.NextCursor
	}
	if !slices.Equal(got, []string{"c2c_carol", "group_g1", "c2c_bob"}) {
		t.Fatalf("pages: %v", got)
	}
	if err := f.svc.Pin(f.ctx, f.a, "alice", "group_g2", true); errcode.As(err, 0).Code != errcode.RecentContactBadGroupID {
		t.Fatalf("pin a group alice is not in: %v", err)
	}
	res, err := f.svc.Delete(f.ctx, f.a, "alice", []string{"group_g1", "group_g2"}, false)
	if err != nil || res[0].Err != nil || res[1].Err == nil || res[1].Err.Code != errcode.RecentContactBadGroupID {
		t.Fatalf("delete: %+v %v", res, err)
	}
	got = ids(f.list("alice", conversation.Filter{}))
	if !slices.Equal(got, []string{"c2c_carol", "c2c_bob"}) {
		t.Fatalf("after deleting the group: %v", got)
	}
	cs, err := f.svc.Get(f.ctx, f.a, "alice", []string{"group_g1", "c2c_bob"})
	if err != nil || !slices.Equal(ids(cs), []string{"c2c_bob"}) {
		t.Fatalf("get: %v %v", ids(cs), err)
	}
}
