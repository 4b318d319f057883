package sdk

import (
	"fmt"
	"testing"
)

// topicRecorder is a group recorder that hears topics too.
type topicRecorder struct{ groupRecorder }

func (g *topicRecorder) OnTopicCreated(groupID, topicID string) {
	g.r.put("topic+ %s %s", groupID, topicID)
}
func (g *topicRecorder) OnTopicDeleted(groupID string, topicIDs []string) {
	g.r.put("topic- %s %s", groupID, ids(topicIDs))
}
func (g *topicRecorder) OnTopicChanged(groupID string, t TopicInfo) {
	g.r.put("topic~ %s %s %s muted=%v", groupID, t.TopicID, t.TopicName, t.IsAllMuted)
}

func (n *node) topicDevice(t *testing.T, user string, p Platform) *groupDev {
	t.Helper()
	d := &groupDev{msgDev: n.msgDevice(t, user, p), groups: newRecorder(user + "@" + string(p) + " topics")}
	d.Group().AddGroupListener(&topicRecorder{groupRecorder{r: d.groups}})
	return d
}

// The Go SDK's community topics end to end: the topic API and listener on
// two devices of a member, topic messages on both devices once in the
// topic's seq order, unread per topic, a device that was offline catching
// up the topic by seq, and a topic mute-all refused with 10017.
func TestE2ECommunityTopics(t *testing.T) {
	n := startNode(t)
	n.Import("owner", "m1")
	owner := n.topicDevice(t, "owner", PlatformMac)
	m1Web := n.topicDevice(t, "m1", PlatformWeb)
	m1Android := n.topicDevice(t, "m1", PlatformAndroid)
	ctx := ctxT(t)

	cm, _, err := owner.Group().CreateGroup(ctx, GroupInfo{GroupID: "cm", GroupType: GroupTypeCommunity, GroupName: "c", IsSupportTopic: true},
		[]CreateGroupMember{{UserID: "m1"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m1Web.Group().CreateTopicInCommunity(ctx, cm, TopicInfo{TopicName: "x"}); ErrorCode(err) != 10007 {
		t.Fatalf("a member creates a topic: %v, want 10007", err)
	}
	news, err := owner.Group().CreateTopicInCommunity(ctx, cm, TopicInfo{TopicID: cm + "@TOPIC#_news", TopicName: "news"})
	if err != nil || news != "cm@TOPIC#_news" {
		t.Fatalf("create topic: %q %v", news, err)
	}
	chat, err := owner.Group().CreateTopicInCommunity(ctx, cm, TopicInfo{TopicName: "chat", CustomString: `{"category":"a"}`})
	if c, ok := CommunityOfTopic(chat); err != nil || !ok || c != cm {
		t.Fatalf("server-assigned topic: %q %v", chat, err)
	}
	for _, d := range []*groupDev{m1Web, m1Android} {
		d.groups.waitFor(t, "topic+ cm "+news)
		d.groups.waitFor(t, "topic+ cm "+chat)
	}

	var sent []*Message
	for i := range 3 {
		sent = append(sent, owner.sendGroup(t, news, fmt.Sprint("news ", i)))
		if sent[i].Seq != uint64(i+1) {
			t.Fatalf("news seq %d, want %d", sent[i].Seq, i+1)
		}
	}
	if m := owner.sendGroup(t, chat, "chat 0"); m.Seq != 1 {
		t.Fatalf("chat's first seq %d", m.Seq)
	}
	var want []string
	for _, m := range sent {
		want = append(want, fmt.Sprintf("new group:%s %d owner:%s", news, m.Seq, msgText(m)))
	}
	for _, d := range []*groupDev{m1Web, m1Android} {
		d.r.msgs.expect(t, append(want, fmt.Sprintf("new group:%s 1 owner:chat 0", chat))...)
	}

	topics, err := m1Web.Group().GetTopicInfoList(ctx, cm, nil)
	if err != nil || len(topics) != 2 {
		t.Fatalf("topics: %+v %v", topics, err)
	}
	unread := map[string]int{}
	for _, tp := range topics {
		unread[tp.TopicID] = tp.UnreadCount
	}
	if unread[news] != 3 || unread[chat] != 1 {
		t.Fatalf("unread %v, want news 3 chat 1", unread)
	}

	// m1's Android is away while the topic talks; back online it reports
	// exactly what it missed, in the topic's order.
	release := m1Android.drop()
	var missed []string
	for i := range 4 {
		m := owner.sendGroup(t, news, fmt.Sprint("while away ", i))
		missed = append(missed, fmt.Sprintf("new group:%s %d owner:%s", news, m.Seq, msgText(m)))
	}
	m1Web.r.msgs.expect(t, missed...)
	release()
	m1Android.r.msgs.expect(t, missed...)

	// A topic muted as a whole: members are refused, the owner speaks.
	muted := true
	if err := owner.Group().SetTopicInfo(ctx, TopicInfoChange{TopicID: news, TopicName: strp("breaking"), IsAllMuted: &muted}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*groupDev{m1Web, m1Android} {
		d.groups.waitFor(t, "topic~ cm "+news+" breaking muted=true")
	}
	if _, err := m1Web.Message().SendGroupMessage(ctx, m1Web.Message().CreateTextMessage("x"), news, SendOptions{}); ErrorCode(err) != 10017 {
		t.Fatalf("a member's send to a muted topic: %v, want 10017", err)
	}

	results, err := owner.Group().DeleteTopicFromCommunity(ctx, cm, []string{chat})
	if err != nil || len(results) != 1 || results[0].ErrorCode != 0 {
		t.Fatalf("delete: %+v %v", results, err)
	}
	for _, d := range []*groupDev{m1Web, m1Android} {
		d.groups.waitFor(t, "topic- cm "+chat)
	}
}
