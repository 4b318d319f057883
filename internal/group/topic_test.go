package group_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/store"
)

func TestTopics(t *testing.T) { engines(t, testTopics) }

// testTopics: only a topic-enabled community has topics (11000), only its
// owner and admins (and the app's admin) manage them (10007), every member
// reads them; the seed's limits and ID format give 10004 / 10015 / 10021 /
// 10037; members hear each change; a dismissal takes the topics along.
func testTopics(t *testing.T, st store.Store) {
	f := newFixture(t, st, "owner", "adm", "m1", "m2", "out")
	ctx := t.Context()
	mk := func(id string, topics bool, typ string) {
		req := group.CreateRequest{GroupID: id, Type: typ, Owner: "owner", Profile: group.Profile{Name: str("n")},
			SupportTopic: topics, Members: []group.InitialMember{{User: "m1"}, {User: "m2"}, {User: "adm", Role: 300}}}
		if _, err := f.svc.Create(ctx, f.app, admin, req); err != nil {
			t.Fatalf("create %s: %v", id, err)
		}
	}
	mk("cm", true, "Community")
	mk("plain", false, "Community")
	mk("pub", false, "Public")

	create := func(actor group.Actor, community, id string, p group.TopicProfile) (group.TopicInfo, error) {
		return f.svc.CreateTopic(ctx, f.app, actor, group.CreateTopicRequest{CommunityID: community, TopicID: id, Profile: p})
	}
	named := group.TopicProfile{Name: str("t")}
	for _, c := range []struct {
		name      string
		actor     group.Actor
		community string
		id        string
		p         group.TopicProfile
		want      int
	}{
		{"community without topics", as("owner"), "plain", "", named, 11000},
		{"public group", as("owner"), "pub", "", named, 11000},
		{"no such group", as("owner"), "nope", "", named, 10010},
		{"a topic as the community", as("owner"), "cm@TOPIC#_x", "", named, 11000},
		{"common member", as("m1"), "cm", "", named, 10007},
		{"outsider", as("out"), "cm", "", named, 10007},
		{"no name", as("owner"), "cm", "", group.TopicProfile{}, 10004},
		{"name 31 bytes", as("owner"), "cm", "", group.TopicProfile{Name: str(strings.Repeat("n", 31))}, 10004},
		{"custom string 3001 bytes", as("owner"), "cm", "", group.TopicProfile{Name: str("t"), CustomString: str(strings.Repeat("c", 3001))}, 10004},
		{"face URL 101 bytes", as("owner"), "cm", "", group.TopicProfile{Name: str("t"), FaceURL: str(strings.Repeat("f", 101))}, 10004},
		{"ID of another community", as("owner"), "cm", "pub@TOPIC#_x", named, 10015},
		{"ID without the separator", as("owner"), "cm", "cm_x", named, 10015},
		{"ID with an empty suffix", as("owner"), "cm", "cm@TOPIC#_", named, 10015},
		{"ID too long", as("owner"), "cm", "cm@TOPIC#_" + strings.Repeat("x", 100), named, 10015},
	} {
		if _, err := create(c.actor, c.community, c.id, c.p); code(err) != c.want {
			t.Errorf("%s: code %d (%v), want %d", c.name, code(err), err, c.want)
		}
	}

	custom, err := create(as("adm"), "cm", "cm@TOPIC#_news", group.TopicProfile{Name: str("news"), Introduction: str("i"),
		Notification: str("n"), FaceURL: str("http://f"), CustomString: str(`{"category":"a"}`)})
	if err != nil || custom.TopicID != "cm@TOPIC#_news" || custom.CustomString != `{"category":"a"}` || custom.GroupID != "cm" {
		t.Fatalf("admin's custom topic: %+v %v", custom, err)
	}
	if _, err := create(as("owner"), "cm", "cm@TOPIC#_news", named); code(err) != 10021 {
		t.Errorf("taken topic ID: code %d, want 10021", code(err))
	}
	auto, err := create(admin, "cm", "", named)
	if err != nil || !strings.HasPrefix(auto.TopicID, "cm@TOPIC#_@TOPIC#") {
		t.Fatalf("server-assigned topic: %+v %v", auto, err)
	}
	if !slices.Contains(f.rec.pushes, "cm group.topic_created") {
		t.Errorf("pushes %v lack cm group.topic_created", f.rec.pushes)
	}

	// A topic is no group: group operations on its ID are refused, and no
	// group may take an ID in the topic form.
	if _, err := f.svc.Join(ctx, f.app, as("out"), custom.TopicID, ""); code(err) != 10015 {
		t.Errorf("join a topic as a group: code %d, want 10015", code(err))
	}
	if _, err := f.svc.Create(ctx, f.app, admin, group.CreateRequest{GroupID: "x@TOPIC#_y", Type: "Public", Owner: "owner",
		Profile: group.Profile{Name: str("n")}}); code(err) != 10015 {
		t.Errorf("group ID in the topic form: code %d, want 10015", code(err))
	}

	all, err := f.svc.Topics(ctx, f.app, as("m1"), "cm", nil)
	if err != nil || len(all) != 2 || all[0].TopicID != auto.TopicID || all[1].TopicID != custom.TopicID {
		t.Fatalf("a member's topic list: %+v %v", all, err)
	}
	some, err := f.svc.Topics(ctx, f.app, as("m1"), "cm", []string{custom.TopicID, "cm@TOPIC#_none"})
	if err != nil || len(some) != 1 || some[0].Name != "news" {
		t.Fatalf("topics by ID: %+v %v", some, err)
	}
	if _, err := f.svc.Topics(ctx, f.app, as("out"), "cm", nil); code(err) != 10007 {
		t.Errorf("an outsider's topic list: code %d, want 10007", code(err))
	}

	if _, err := f.svc.SetTopicInfo(ctx, f.app, as("m1"), "cm", custom.TopicID, group.TopicProfile{Name: str("x")}); code(err) != 10007 {
		t.Errorf("a member sets topic info: code %d, want 10007", code(err))
	}
	if _, err := f.svc.SetTopicInfo(ctx, f.app, as("owner"), "cm", "cm@TOPIC#_none", group.TopicProfile{Name: str("x")}); code(err) != 10010 {
		t.Errorf("set info of no topic: code %d, want 10010", code(err))
	}
	if _, err := f.svc.SetTopicInfo(ctx, f.app, as("owner"), "cm", "pub@TOPIC#_x", group.TopicProfile{Name: str("x")}); code(err) != 10015 {
		t.Errorf("set info of another community's topic: code %d, want 10015", code(err))
	}
	changed, err := f.svc.SetTopicInfo(ctx, f.app, as("adm"), "cm", custom.TopicID, group.TopicProfile{Name: str("renamed"), MuteAll: boolp(true)})
	if err != nil || changed.Name != "renamed" || !changed.MuteAll || changed.Introduction != "i" {
		t.Fatalf("set topic info: %+v %v", changed, err)
	}
	if !slices.Contains(f.rec.pushes, "cm group.topic_changed") {
		t.Errorf("pushes %v lack cm group.topic_changed", f.rec.pushes)
	}

	if _, err := f.svc.DeleteTopics(ctx, f.app, as("m1"), "cm", []string{auto.TopicID}); code(err) != 10007 {
		t.Errorf("a member deletes a topic: code %d, want 10007", code(err))
	}
	res, err := f.svc.DeleteTopics(ctx, f.app, as("owner"), "cm", []string{auto.TopicID, "cm@TOPIC#_none"})
	if err != nil || len(res) != 2 || res[0].Code != 0 || res[1].Code != 110002 {
		t.Fatalf("delete one and a missing one: %+v %v", res, err)
	}
	last := f.rec.data[len(f.rec.data)-1].(group.PushTopicsDeleted)
	if !slices.Equal(last.TopicIDList, []string{auto.TopicID}) {
		t.Errorf("topic_deleted push lists %v, want [%s]", last.TopicIDList, auto.TopicID)
	}

	// The cap: 200 topics per community.
	for i := 1; i < group.MaxTopics; i++ {
		if _, err := create(as("owner"), "cm", fmt.Sprintf("cm@TOPIC#_%03d", i), named); err != nil {
			t.Fatalf("topic %d: %v", i+1, err)
		}
	}
	if _, err := create(as("owner"), "cm", "", named); code(err) != 10037 {
		t.Errorf("topic 201: code %d, want 10037", code(err))
	}

	// Dismissal takes every topic along.
	if err := f.svc.Dismiss(ctx, f.app, as("owner"), "cm"); err != nil {
		t.Fatal(err)
	}
	var left []store.Topic
	if err := st.Read(ctx, func(tx store.Tx) (err error) {
		left, err = tx.Topics(ctx, f.app.SDKAppID, "cm", nil)
		return err
	}); err != nil || len(left) != 0 {
		t.Fatalf("%d topics left after the dismissal (%v)", len(left), err)
	}
}
