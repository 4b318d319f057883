package group_test

import (
	"slices"
	"testing"

	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/store"
)

// topicFixture is community cm (owner, admins adm and adm2, members m1 and
// m2; out is not a member) with topics cm@TOPIC#_a and cm@TOPIC#_b, and
// the Public group pub.
func topicFixture(t *testing.T, st store.Store) *fixture {
	t.Helper()
	f := newFixture(t, st, "owner", "adm", "adm2", "m1", "m2", "out")
	ctx := t.Context()
	req := group.CreateRequest{GroupID: "cm", Type: "Community", Owner: "owner", Profile: group.Profile{Name: str("n")}, SupportTopic: true,
		Members: []group.InitialMember{{User: "m1"}, {User: "m2"}, {User: "adm", Role: 300}, {User: "adm2", Role: 300}}}
	if _, err := f.svc.Create(ctx, f.app, admin, req); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"cm@TOPIC#_a", "cm@TOPIC#_b"} {
		if _, err := f.svc.CreateTopic(ctx, f.app, as("owner"), group.CreateTopicRequest{CommunityID: "cm", TopicID: id,
			Profile: group.TopicProfile{Name: str("t")}}); err != nil {
			t.Fatal(err)
		}
	}
	f.makeGroup(t, "pub", "Public")
	return f
}

func mutedUsers(t *testing.T, f *fixture, actor group.Actor, groupID string) []string {
	t.Helper()
	ms, err := f.svc.Muted(t.Context(), f.app, actor, groupID)
	if err != nil {
		t.Fatalf("muted of %s: %v", groupID, err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.User)
	}
	return out
}

func TestTopicMute(t *testing.T) { engines(t, testTopicMute) }

// testTopicMute: a topic ID mutes in that topic with the community's
// member-mute rule (the owner mutes admins and members, an admin common
// members only, a member no one: 10007; the same time bounds: 10004), for
// that topic alone (the other topic and the community list no one); 0
// unmutes; members hear member_changed on the community's subject with the
// topic as the group; a topic that does not exist is 10010, an outsider's
// read 10007.
func testTopicMute(t *testing.T, st store.Store) {
	f := topicFixture(t, st)
	ctx := t.Context()
	const a, b = "cm@TOPIC#_a", "cm@TOPIC#_b"
	for _, c := range []struct {
		name  string
		actor group.Actor
		topic string
		users []string
		secs  int64
		want  int
	}{
		{"admin mutes an admin", as("adm"), a, []string{"adm2"}, 60, 10007},
		{"admin mutes the owner", as("adm"), a, []string{"owner"}, 60, 10007},
		{"member mutes a member", as("m1"), a, []string{"m2"}, 60, 10007},
		{"outsider mutes", as("out"), a, []string{"m2"}, 60, 10007},
		{"negative time", as("owner"), a, []string{"m2"}, -1, 10004},
		{"beyond forever", as("owner"), a, []string{"m2"}, group.ForeverSeconds + 1, 10004},
		{"no such topic", as("owner"), "cm@TOPIC#_none", []string{"m2"}, 60, 10010},
		{"a topic of a group without topics", as("owner"), "pub@TOPIC#_x", []string{"m2"}, 60, 11000},
	} {
		if err := f.svc.Mute(ctx, f.app, c.actor, c.topic, c.users, c.secs); code(err) != c.want {
			t.Errorf("%s: code %d (%v), want %d", c.name, code(err), err, c.want)
		}
	}
	if got := mutedUsers(t, f, admin, a); len(got) != 0 {
		t.Fatalf("refused mutes muted %v", got)
	}

	pushes := len(f.rec.pushes)
	if err := f.svc.Mute(ctx, f.app, as("adm"), a, []string{"m1", "out"}, 600); err != nil {
		t.Fatalf("admin mutes m1 (and the outsider, skipped): %v", err)
	}
	if err := f.svc.Mute(ctx, f.app, as("owner"), a, []string{"adm2"}, group.ForeverSeconds); err != nil {
		t.Fatalf("owner mutes an admin: %v", err)
	}
	if got := mutedUsers(t, f, as("m2"), a); !slices.Equal(got, []string{"adm2", "m1"}) {
		t.Fatalf("muted in a, read by a member = %v", got)
	}
	if got := mutedUsers(t, f, admin, b); len(got) != 0 {
		t.Fatalf("muted in b = %v", got)
	}
	if got := mutedUsers(t, f, admin, "cm"); len(got) != 0 {
		t.Fatalf("muted in the community = %v", got)
	}
	if _, err := f.svc.Muted(ctx, f.app, as("out"), a); code(err) != 10007 {
		t.Errorf("outsider's read of a's muted: code %d, want 10007", code(err))
	}
	if got := f.rec.pushes[pushes:]; !slices.Equal(got, []string{"cm group.member_changed", "cm group.member_changed"}) {
		t.Fatalf("pushes %v, want two member_changed on the community's subject", got)
	}
	d, ok := f.rec.data[pushes].(group.PushMembers)
	if !ok || d.GroupID != a || d.Operator != "adm" || len(d.Members) != 1 || d.Members[0].UserID != "m1" ||
		d.Members[0].MuteUntil == nil || *d.Members[0].MuteUntil == 0 {
		t.Fatalf("member_changed data %+v", f.rec.data[pushes])
	}

	infos, err := f.svc.Topics(ctx, f.app, as("m1"), "cm", nil)
	if err != nil || len(infos) != 2 || infos[0].TopicID != a || infos[0].SelfMuteUntil == 0 || infos[1].SelfMuteUntil != 0 {
		t.Fatalf("m1's topics while muted in a: %+v %v", infos, err)
	}
	if err := f.svc.Mute(ctx, f.app, as("adm"), a, []string{"m1"}, 0); err != nil {
		t.Fatalf("unmute: %v", err)
	}
	if got := mutedUsers(t, f, admin, a); !slices.Equal(got, []string{"adm2"}) {
		t.Fatalf("muted in a after unmuting m1 = %v", got)
	}

	// A member who leaves the community leaves their topic mutes behind.
	if err := f.svc.Kick(ctx, f.app, as("owner"), "cm", []string{"adm2"}, ""); err != nil {
		t.Fatalf("kick adm2: %v", err)
	}
	if got := mutedUsers(t, f, admin, a); len(got) != 0 {
		t.Fatalf("muted in a after adm2 left = %v", got)
	}
}

func TestTopicRecvOpt(t *testing.T) { engines(t, testTopicRecvOpt) }

// testTopicRecvOpt: a topic ID sets the member's option for that topic
// (logged as conversation.changed for the topic's conversation), read back
// per topic; the community's not-receive wins over any topic option; a
// non-member is 10007, another member's option is 10007 but for the app's
// admin, a bad option 10004.
func testTopicRecvOpt(t *testing.T, st store.Store) {
	f := topicFixture(t, st)
	ctx := t.Context()
	const a, b = "cm@TOPIC#_a", "cm@TOPIC#_b"
	opts := func(user string, ids ...string) []int {
		t.Helper()
		out, err := f.svc.RecvOpts(ctx, f.app, user, ids)
		if err != nil {
			t.Fatalf("options of %s: %v", user, err)
		}
		return out
	}
	for _, c := range []struct {
		name  string
		actor group.Actor
		topic string
		user  string
		opt   int
		want  int
	}{
		{"outsider", as("out"), a, "", store.RecvOptNotReceive, 10007},
		{"another member's", as("m1"), a, "m2", store.RecvOptNotReceive, 10007},
		{"a bad option", as("m1"), a, "", 3, 10004},
		{"no such topic", as("m1"), "cm@TOPIC#_none", "", store.RecvOptNotReceive, 10010},
		{"app admin for an outsider", admin, a, "out", store.RecvOptNotReceive, 10007},
	} {
		if err := f.svc.SetRecvOpt(ctx, f.app, c.actor, c.topic, c.user, c.opt); code(err) != c.want {
			t.Errorf("%s: code %d (%v), want %d", c.name, code(err), err, c.want)
		}
	}

	f.mu.Lock()
	f.events = nil
	f.mu.Unlock()
	if err := f.svc.SetRecvOpt(ctx, f.app, as("m1"), a, "", store.RecvOptNotReceive); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetRecvOpt(ctx, f.app, admin, b, "m1", store.RecvOptNotNotify); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetRecvOpt(ctx, f.app, as("m1"), b, "", store.RecvOptNotNotify); err != nil {
		t.Fatal(err)
	}
	var changed []string
	f.mu.Lock()
	for _, e := range f.events {
		if e.Kind == event.ConversationChanged && e.User == "m1" {
			changed = append(changed, e.Peers...)
		}
	}
	f.mu.Unlock()
	if !slices.Equal(changed, []string{"group_" + a, "group_" + b}) {
		t.Fatalf("m1's conversation.changed %v, want one per topic (none for the unchanged option)", changed)
	}
	if got := opts("m1", a, b, "cm"); !slices.Equal(got, []int{store.RecvOptNotReceive, store.RecvOptNotNotify, store.RecvOptReceive}) {
		t.Fatalf("m1's options a, b, cm = %v", got)
	}
	if got := opts("m2", a, b); !slices.Equal(got, []int{store.RecvOptReceive, store.RecvOptReceive}) {
		t.Fatalf("m2's options = %v (m1's leaked)", got)
	}
	infos, err := f.svc.Topics(ctx, f.app, as("m1"), "cm", nil)
	if err != nil || len(infos) != 2 || infos[0].RecvOpt != store.RecvOptNotReceive || infos[1].RecvOpt != store.RecvOptNotNotify {
		t.Fatalf("m1's topics' RecvOpt: %+v %v", infos, err)
	}

	// The community's not-receive wins over the topic's own option; its
	// receive-without-notify does not reach a topic set to receive. Setting
	// or lifting it changes every topic conversation's option: each is in
	// the conversation.changed.
	f.mu.Lock()
	f.events = nil
	f.mu.Unlock()
	if err := f.svc.SetRecvOpt(ctx, f.app, as("m2"), "cm", "", store.RecvOptNotReceive); err != nil {
		t.Fatal(err)
	}
	changed = nil
	f.mu.Lock()
	for _, e := range f.events {
		if e.Kind == event.ConversationChanged && e.User == "m2" {
			changed = append(changed, e.Peers...)
		}
	}
	f.mu.Unlock()
	slices.Sort(changed)
	if !slices.Equal(changed, []string{"group_cm", "group_" + a, "group_" + b}) {
		t.Fatalf("m2's conversation.changed on discarding the community: %v, want the community's and each topic's", changed)
	}
	if err := f.svc.SetRecvOpt(ctx, f.app, as("m2"), b, "", store.RecvOptNotNotify); err != nil {
		t.Fatal(err)
	}
	if got := opts("m2", a, b); !slices.Equal(got, []int{store.RecvOptNotReceive, store.RecvOptNotReceive}) {
		t.Fatalf("m2's topic options while discarding the community = %v", got)
	}
	if infos, err := f.svc.Topics(ctx, f.app, as("m2"), "cm", []string{b}); err != nil || len(infos) != 1 || infos[0].RecvOpt != store.RecvOptNotReceive {
		t.Fatalf("m2's b while discarding the community: %+v %v", infos, err)
	}
	if err := f.svc.SetRecvOpt(ctx, f.app, as("m2"), "cm", "", store.RecvOptNotNotify); err != nil {
		t.Fatal(err)
	}
	if got := opts("m2", a, b); !slices.Equal(got, []int{store.RecvOptReceive, store.RecvOptNotNotify}) {
		t.Fatalf("m2's topic options with the community not notifying = %v", got)
	}
}
