package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

// testTopicMemberSettings: a member's mute and receive option in a topic
// are kept apart from each other and from other topics; the lists of the
// muted and the not-receiving are the topic's only, bounded, by UserID;
// a member's options across topics are one read; the rows go with the
// topic, with the member's leaving the community, and with the community.
func testTopicMemberSettings(t *testing.T, s store.Store) {
	const c1 = "c1"
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := createAccounts(ctx, tx, app1, "alice", "bob", "carol"); err != nil {
			return err
		}
		if ok, err := tx.CreateGroup(ctx, store.Group{App: app1, ID: c1, Type: "Community", SupportTopic: true, CreatedAt: 100}); err != nil || !ok {
			return fmt.Errorf("create community: %v %v", ok, err)
		}
		for _, u := range []string{"alice", "bob", "carol"} {
			if ok, err := tx.JoinGroup(ctx, app1, c1, u, 100); err != nil || !ok {
				return fmt.Errorf("join %s: %v %v", u, ok, err)
			}
		}
		for _, id := range []string{topicT1, topicT2} {
			if ok, err := tx.CreateTopic(ctx, store.Topic{App: app1, ID: id, CommunityID: c1, Name: id, CreatedAt: 150, InfoTime: 150}); err != nil || !ok {
				return fmt.Errorf("create topic %s: %v %v", id, ok, err)
			}
		}
		return nil
	})
	setting := func(topic, user string) store.TopicMemberSetting {
		t.Helper()
		return get(t, s, func(ctx context.Context, tx store.Tx) (store.TopicMemberSetting, error) {
			return tx.TopicMemberSetting(ctx, app1, topic, user)
		})
	}
	if got := setting(topicT1, "bob"); got != (store.TopicMemberSetting{User: "bob"}) {
		t.Fatalf("bob's setting before any = %+v", got)
	}

	write(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, u := range []string{"carol", "bob"} {
			if err := tx.SetTopicMute(ctx, app1, c1, topicT1, u, 5000); err != nil {
				return err
			}
		}
		if err := tx.SetTopicRecvOpt(ctx, app1, c1, topicT1, "bob", store.RecvOptNotReceive); err != nil {
			return err
		}
		if err := tx.SetTopicRecvOpt(ctx, app1, c1, topicT2, "bob", store.RecvOptNotNotify); err != nil {
			return err
		}
		return tx.SetTopicRecvOpt(ctx, app1, c1, topicT2, "alice", store.RecvOptNotReceive)
	})
	if got := setting(topicT1, "bob"); got != (store.TopicMemberSetting{User: "bob", MuteUntil: 5000, RecvOpt: store.RecvOptNotReceive}) {
		t.Fatalf("bob's setting in t1 = %+v", got)
	}
	if got := setting(topicT2, "bob"); got != (store.TopicMemberSetting{User: "bob", RecvOpt: store.RecvOptNotNotify}) {
		t.Fatalf("bob's setting in t2 = %+v (the t1 mute leaked)", got)
	}
	muted := func(topic string, now int64, limit int) []string {
		t.Helper()
		ms := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.TopicMemberSetting, error) {
			return tx.MutedTopicMembers(ctx, app1, topic, now, limit)
		})
		out := []string{}
		for _, m := range ms {
			if m.MuteUntil != 5000 {
				t.Errorf("%s's mute in %s ends at %d, want 5000", m.User, topic, m.MuteUntil)
			}
			out = append(out, m.User)
		}
		return out
	}
	if got := muted(topicT1, 4999, 10); !reflect.DeepEqual(got, []string{"bob", "carol"}) {
		t.Fatalf("muted in t1 = %v", got)
	}
	if got := muted(topicT1, 4999, 1); !reflect.DeepEqual(got, []string{"bob"}) {
		t.Fatalf("muted in t1, limit 1 = %v", got)
	}
	if got := muted(topicT1, 5000, 10); len(got) != 0 {
		t.Fatalf("muted in t1 once the mutes end = %v", got)
	}
	if got := muted(topicT2, 0, 10); len(got) != 0 {
		t.Fatalf("muted in t2 = %v", got)
	}
	notReceiving := func(topic string) []string {
		t.Helper()
		return get(t, s, func(ctx context.Context, tx store.Tx) ([]string, error) {
			return tx.TopicNotReceiving(ctx, app1, topic, 10)
		})
	}
	if got := notReceiving(topicT1); !reflect.DeepEqual(got, []string{"bob"}) {
		t.Fatalf("not receiving t1 = %v", got)
	}
	if got := notReceiving(topicT2); !reflect.DeepEqual(got, []string{"alice"}) {
		t.Fatalf("not receiving t2 = %v (receive without notify is still receiving)", got)
	}
	opts := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]int, error) {
		return tx.TopicRecvOpts(ctx, app1, "bob")
	})
	if want := map[string]int{topicT1: store.RecvOptNotReceive, topicT2: store.RecvOptNotNotify}; !reflect.DeepEqual(opts, want) {
		t.Fatalf("bob's topic options = %v, want %v", opts, want)
	}

	all := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]store.TopicMemberSetting, error) {
		return tx.TopicMemberSettings(ctx, app1, "bob", c1)
	})
	if want := map[string]store.TopicMemberSetting{topicT1: {User: "bob", MuteUntil: 5000, RecvOpt: store.RecvOptNotReceive},
		topicT2: {User: "bob", RecvOpt: store.RecvOptNotNotify}}; !reflect.DeepEqual(all, want) {
		t.Fatalf("bob's settings in c1's topics = %v, want %v", all, want)
	}
	if other := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]store.TopicMemberSetting, error) {
		return tx.TopicMemberSettings(ctx, app1, "bob", "c2")
	}); len(other) != 0 {
		t.Fatalf("bob's settings in another community's topics = %v", other)
	}

	// Unmuting keeps the option; the option back to receive keeps the mute.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.SetTopicMute(ctx, app1, c1, topicT1, "bob", 0); err != nil {
			return err
		}
		return tx.SetTopicRecvOpt(ctx, app1, c1, topicT1, "carol", store.RecvOptReceive)
	})
	if got := setting(topicT1, "bob"); got != (store.TopicMemberSetting{User: "bob", RecvOpt: store.RecvOptNotReceive}) {
		t.Fatalf("bob's setting after unmuting = %+v", got)
	}
	if got := setting(topicT1, "carol"); got != (store.TopicMemberSetting{User: "carol", MuteUntil: 5000}) {
		t.Fatalf("carol's setting after setting receive = %+v", got)
	}

	// Leaving the community drops the leaver's settings in its topics only.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.LeaveGroup(ctx, app1, c1, "bob")
		return err
	})
	for _, tp := range []string{topicT1, topicT2} {
		if got := setting(tp, "bob"); got != (store.TopicMemberSetting{User: "bob"}) {
			t.Fatalf("bob's setting in %s after leaving = %+v", tp, got)
		}
	}
	if got := setting(topicT2, "alice"); got.RecvOpt != store.RecvOptNotReceive {
		t.Fatalf("alice's t2 option after bob left = %+v", got)
	}

	// Deleting a topic drops its settings; the other topic's stay.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.DeleteTopic(ctx, app1, c1, topicT1)
		return err
	})
	if got := muted(topicT1, 0, 10); len(got) != 0 {
		t.Fatalf("muted in the deleted topic = %v", got)
	}
	if got := notReceiving(topicT2); !reflect.DeepEqual(got, []string{"alice"}) {
		t.Fatalf("not receiving t2 after t1's deletion = %v", got)
	}

	// The community's deletion drops every topic's settings, so a new
	// topic with the same ID starts clean.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.DeleteCommunityTopics(ctx, app1, c1)
	})
	if got := setting(topicT2, "alice"); got != (store.TopicMemberSetting{User: "alice"}) {
		t.Fatalf("alice's t2 setting after the community's deletion = %+v", got)
	}
	if got := notReceiving(topicT2); len(got) != 0 {
		t.Fatalf("not receiving t2 after the community's deletion = %v", got)
	}
}
