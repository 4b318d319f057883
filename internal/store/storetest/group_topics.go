package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

const (
	topicT1    = "c1@TOPIC#_t1"
	topicT2    = "c1@TOPIC#_t2"
	topicT1Key = "group:" + topicT1
)

func topicMsg(sender, key string, at int64) store.Message {
	return store.Message{App: app1, ConvKey: topicT1Key, Sender: sender, Random: 9, ClientKey: key, SentAt: at,
		Body: []byte(`{"MsgBody":[]}`), ExpiresAt: 9_999_999_999}
}

func topicView(t *testing.T, s store.Store, owner string) (store.Conversation, bool) {
	t.Helper()
	type view struct {
		c  store.Conversation
		ok bool
	}
	v := get(t, s, func(ctx context.Context, tx store.Tx) (view, error) {
		c, ok, err := tx.Conversation(ctx, app1, owner, topicT1Key)
		return view{c, ok}, err
	})
	return v.c, v.ok
}

func topicUnread(t *testing.T, s store.Store, owner string) int {
	t.Helper()
	c, ok := topicView(t, s, owner)
	if !ok {
		t.Fatalf("%s has no view of %s", owner, topicT1)
	}
	return c.Unread
}

func appendTopic(t *testing.T, s store.Store, m store.Message) store.Message {
	t.Helper()
	var out store.Message
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		out, _, err = tx.AppendMessage(ctx, m)
		return err
	})
	return out
}

// testGroupTopics: a community's topics are created once per ID, listed,
// updated and deleted with their messages; a topic's messages take the
// topic's own seq, and every member of the community has a view of every
// topic without a row per member per topic: a member who never read or
// sent there is read up to what was sent before they joined, and unread is
// the messages after the cursor less their own.
func testGroupTopics(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := createAccounts(ctx, tx, app1, "alice", "bob", "carol"); err != nil {
			return err
		}
		if ok, err := tx.CreateGroup(ctx, store.Group{App: app1, ID: "c1", Type: "Community", SupportTopic: true, CreatedAt: 100}); err != nil || !ok {
			return fmt.Errorf("create community: %v %v", ok, err)
		}
		for _, u := range []string{"alice", "bob"} {
			if ok, err := tx.JoinGroup(ctx, app1, "c1", u, 100); err != nil || !ok {
				return fmt.Errorf("join %s: %v %v", u, ok, err)
			}
		}
		tp := store.Topic{App: app1, ID: topicT1, CommunityID: "c1", Name: "one", CustomString: "x", CreatedAt: 150, InfoTime: 150}
		if ok, err := tx.CreateTopic(ctx, tp); err != nil || !ok {
			return fmt.Errorf("create topic: %v %v", ok, err)
		}
		if ok, err := tx.CreateTopic(ctx, tp); err != nil || ok {
			return fmt.Errorf("create topic again: %v %v, want false", ok, err)
		}
		return nil
	})
	topics := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Topic, error) {
		return tx.Topics(ctx, app1, "c1", nil)
	})
	if len(topics) != 1 || topics[0].ID != topicT1 || topics[0].Name != "one" || topics[0].CustomString != "x" || topics[0].CreatedAt != 150 {
		t.Fatalf("topics = %+v", topics)
	}
	if _, ok := topicView(t, s, "carol"); ok {
		t.Fatal("carol, not a member of the community, has a view of its topic")
	}
	if c, ok := topicView(t, s, "bob"); !ok || c.LastSeq != 0 || c.Unread != 0 {
		t.Fatalf("bob's view before any message = %+v %v", c, ok)
	}

	for i := 1; i <= 3; i++ {
		m := appendTopic(t, s, topicMsg("alice", fmt.Sprintf("a%d", i), 200_000))
		if m.Seq != uint64(i) {
			t.Fatalf("message %d took seq %d", i, m.Seq)
		}
	}
	if got := topicUnread(t, s, "bob"); got != 3 {
		t.Fatalf("bob's unread = %d, want 3", got)
	}
	if got := topicUnread(t, s, "alice"); got != 0 {
		t.Fatalf("alice's unread = %d, want 0 (her own)", got)
	}
	// The community's own conversation is untouched by topic messages.
	if c, ok := groupViewOf(t, s, "bob", "group:c1"); !ok || c.LastSeq != 0 {
		t.Fatalf("community view = %+v %v", c, ok)
	}

	// carol joins after three messages: they are read for her.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.JoinGroup(ctx, app1, "c1", "carol", 300)
		return err
	})
	if got := topicUnread(t, s, "carol"); got != 0 {
		t.Fatalf("carol's unread after joining = %d, want 0", got)
	}
	if m := appendTopic(t, s, topicMsg("bob", "b1", 400_000)); m.Seq != 4 {
		t.Fatalf("bob's message took seq %d", m.Seq)
	}
	for owner, want := range map[string]int{"alice": 1, "bob": 3, "carol": 1} {
		if got := topicUnread(t, s, owner); got != want {
			t.Errorf("%s's unread = %d, want %d", owner, got, want)
		}
	}
	// The conversation list carries the topic with the same unread, for a
	// member with a cursor (alice) and one without (carol).
	for owner, want := range map[string]int{"alice": 1, "carol": 1} {
		page := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.ConversationEntry, error) {
			return tx.ConversationPage(ctx, app1, owner, store.ConversationPageQuery{IncludeEmpty: true})
		})
		var found *store.ConversationEntry
		for i := range page {
			if page[i].ConvKey == topicT1Key {
				found = &page[i]
			}
		}
		if found == nil || found.Unread != want || found.LastSeq != 4 {
			t.Fatalf("%s's conversation page %+v: want the topic with unread %d, last seq 4", owner, page, want)
		}
		total := get(t, s, func(ctx context.Context, tx store.Tx) (int, error) {
			return tx.ConversationUnreadTotal(ctx, app1, owner)
		})
		if total != want {
			t.Errorf("%s's total unread = %d, want %d", owner, total, want)
		}
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.SetReadSeq(ctx, app1, "bob", topicT1Key, 2); err != nil {
			return err
		}
		return tx.SetReadSeq(ctx, app1, "carol", topicT1Key, 99)
	})
	if c, _ := topicView(t, s, "bob"); c.ReadSeq != 2 || c.Unread != 1 {
		t.Fatalf("bob read to 2: %+v, want read 2 unread 1", c)
	}
	if c, _ := topicView(t, s, "carol"); c.ReadSeq != 4 || c.Unread != 0 {
		t.Fatalf("carol read all: %+v, want read 4 unread 0", c)
	}
	views := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Conversation, error) {
		return tx.TopicViews(ctx, app1, "bob", "c1", nil)
	})
	if len(views) != 1 || views[0].ConvKey != topicT1Key || views[0].LastSeq != 4 {
		t.Fatalf("bob's topic views = %+v", views)
	}
	list := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Conversation, error) {
		return tx.Conversations(ctx, app1, "alice")
	})
	if !hasConv(list, topicT1Key) {
		t.Fatalf("alice's conversations %+v lack the topic", list)
	}

	// bob leaves and comes back: his cursor went with him, and what was
	// sent before his new join is read.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.LeaveGroup(ctx, app1, "c1", "bob"); err != nil {
			return err
		}
		_, err := tx.JoinGroup(ctx, app1, "c1", "bob", 450)
		return err
	})
	if c, ok := topicView(t, s, "bob"); !ok || c.ReadSeq != 4 || c.Unread != 0 {
		t.Fatalf("bob back in the community: %+v %v, want read 4 unread 0", c, ok)
	}

	name, mute := "renamed", true
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if ok, err := tx.UpdateTopic(ctx, app1, "c1", topicT1, store.TopicUpdate{Name: &name, MuteAll: &mute, InfoTime: 500}); err != nil || !ok {
			return fmt.Errorf("update: %v %v", ok, err)
		}
		if ok, err := tx.UpdateTopic(ctx, app1, "c2", topicT1, store.TopicUpdate{Name: &name, InfoTime: 500}); err != nil || ok {
			return fmt.Errorf("update through another community: %v %v, want false", ok, err)
		}
		return nil
	})
	topics = get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Topic, error) {
		return tx.Topics(ctx, app1, "c1", []string{topicT1, "c1@TOPIC#_none"})
	})
	if len(topics) != 1 || topics[0].Name != "renamed" || !topics[0].MuteAll || topics[0].InfoTime != 500 || topics[0].LastSeq != 4 ||
		topics[0].CustomString != "x" {
		t.Fatalf("after update: %+v", topics)
	}

	// Deleting a topic deletes its messages and cursors.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if ok, err := tx.DeleteTopic(ctx, app1, "c1", topicT1); err != nil || !ok {
			return fmt.Errorf("delete: %v %v", ok, err)
		}
		if ok, err := tx.DeleteTopic(ctx, app1, "c1", topicT1); err != nil || ok {
			return fmt.Errorf("delete again: %v %v, want false", ok, err)
		}
		return nil
	})
	msgs := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Message, error) {
		return tx.MessagesInRange(ctx, app1, topicT1Key, 1, 100, 100)
	})
	if len(msgs) != 0 {
		t.Fatalf("%d messages left of a deleted topic", len(msgs))
	}
	if _, ok := topicView(t, s, "bob"); ok {
		t.Fatal("a view of a deleted topic")
	}

	// Dismissal: every topic goes with its messages.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, id := range []string{topicT1, topicT2} {
			if ok, err := tx.CreateTopic(ctx, store.Topic{App: app1, ID: id, CommunityID: "c1", Name: id, CreatedAt: 600}); err != nil || !ok {
				return fmt.Errorf("create %s: %v %v", id, ok, err)
			}
		}
		return nil
	})
	appendTopic(t, s, topicMsg("alice", "again", 700_000))
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if n, err := tx.CountTopics(ctx, app1, "c1"); err != nil || n != 2 {
			return fmt.Errorf("count: %d %v", n, err)
		}
		if n, err := tx.CountTopics(ctx, app2, "c1"); err != nil || n != 0 {
			return fmt.Errorf("count in another app: %d %v", n, err)
		}
		return tx.DeleteCommunityTopics(ctx, app1, "c1")
	})
	left := get(t, s, func(ctx context.Context, tx store.Tx) (int, error) {
		topics, err := tx.Topics(ctx, app1, "c1", nil)
		if err != nil {
			return 0, err
		}
		msgs, err := tx.MessagesInRange(ctx, app1, topicT1Key, 1, 100, 100)
		return len(topics) + len(msgs), err
	})
	if left != 0 {
		t.Fatalf("%d topics and messages left after the community's topics were deleted", left)
	}
}

func groupViewOf(t *testing.T, s store.Store, owner, key string) (store.Conversation, bool) {
	t.Helper()
	type view struct {
		c  store.Conversation
		ok bool
	}
	v := get(t, s, func(ctx context.Context, tx store.Tx) (view, error) {
		c, ok, err := tx.Conversation(ctx, app1, owner, key)
		return view{c, ok}, err
	})
	return v.c, v.ok
}

func hasConv(list []store.Conversation, key string) bool {
	for _, c := range list {
		if c.ConvKey == key {
			return true
		}
	}
	return false
}
