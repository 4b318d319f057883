package sdk

import (
	"fmt"
	"testing"
)

// Topic-level member mutes and receive options through the Go SDK, V2TIM's
// way: MuteGroupMember and SetGroupReceiveMessageOpt with the topic ID as
// the group. The muted member hears OnMemberInfoChanged for the topic and
// is refused there with 10017 while another topic takes their message; a
// topic set to not receive brings none of its messages to any of the
// member's devices (another topic's do), and its conversation shows the
// option on the member's other device.
func TestE2ETopicMuteAndReceiveOpt(t *testing.T) {
	n := startNode(t)
	n.Import("owner", "m1")
	owner := n.topicDevice(t, "owner", PlatformMac)
	m1Web := n.topicDevice(t, "m1", PlatformWeb)
	m1Phone := n.topicDevice(t, "m1", PlatformIOS)
	ctx := ctxT(t)

	cm, _, err := owner.Group().CreateGroup(ctx, GroupInfo{GroupID: "cm", GroupType: GroupTypeCommunity, GroupName: "c", IsSupportTopic: true},
		[]CreateGroupMember{{UserID: "m1"}})
	if err != nil {
		t.Fatal(err)
	}
	var topics []string
	for _, name := range []string{"a", "b"} {
		id, err := owner.Group().CreateTopicInCommunity(ctx, cm, TopicInfo{TopicID: cm + "@TOPIC#_" + name, TopicName: name})
		if err != nil {
			t.Fatal(err)
		}
		topics = append(topics, id)
	}
	a, b := topics[0], topics[1]

	if err := m1Web.Group().MuteGroupMember(ctx, a, "owner", 600); ErrorCode(err) != 10007 {
		t.Fatalf("a member mutes the owner in a topic: %v, want 10007", err)
	}
	if err := owner.Group().MuteGroupMember(ctx, a, "m1", 600); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*groupDev{m1Web, m1Phone} {
		d.groups.waitFor(t, "member "+a+" m1 muted=true")
	}
	if infos, err := m1Phone.Group().GetTopicInfoList(ctx, cm, []string{a, b}); err != nil || len(infos) != 2 ||
		infos[0].SelfMuteTime == 0 || infos[1].SelfMuteTime != 0 {
		t.Fatalf("m1's topics while muted in a: %+v %v", infos, err)
	}
	if _, err := m1Web.Message().SendGroupMessage(ctx, m1Web.Message().CreateTextMessage("x"), a, SendOptions{}); ErrorCode(err) != 10017 {
		t.Fatalf("m1's send to a while muted there: %v, want 10017", err)
	}
	m1Web.sendGroup(t, b, "in b")
	if err := owner.Group().MuteGroupMember(ctx, a, "m1", 0); err != nil {
		t.Fatal(err)
	}
	m1Web.groups.waitFor(t, "member "+a+" m1 muted=false")
	m1Web.sendGroup(t, a, "in a")

	// m1 does not receive b: neither device gets b's messages, both get a's.
	m1Phone.r.msgs.expect(t, fmt.Sprintf("new group:%s 1 m1:in b", b), fmt.Sprintf("new group:%s 1 m1:in a", a))
	if err := m1Web.Message().SetGroupReceiveMessageOpt(ctx, b, NotReceiveMessage); err != nil {
		t.Fatal(err)
	}
	opts, err := m1Phone.Message().GetGroupReceiveMessageOpt(ctx, []string{a, b})
	if err != nil || len(opts) != 2 || opts[0].Opt != ReceiveMessage || opts[1].Opt != NotReceiveMessage {
		t.Fatalf("m1's options: %+v %v", opts, err)
	}
	if infos, err := m1Phone.Group().GetTopicInfoList(ctx, cm, []string{b}); err != nil || len(infos) != 1 || infos[0].RecvOpt != NotReceiveMessage {
		t.Fatalf("m1's b: %+v %v", infos, err)
	}
	cv, err := m1Phone.Conversation().GetConversation(ctx, "group_"+b)
	if err != nil || cv.RecvOpt != NotReceiveMessage {
		t.Fatalf("m1's phone sees b's conversation %+v %v", cv, err)
	}
	owner.sendGroup(t, b, "not for m1")
	second := owner.sendGroup(t, a, "for m1")
	for _, d := range []*groupDev{m1Web, m1Phone} {
		d.r.msgs.expect(t, fmt.Sprintf("new group:%s %d owner:for m1", a, second.Seq))
	}
}
