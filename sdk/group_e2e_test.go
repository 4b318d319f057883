package sdk

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// groupRecorder turns group listener callbacks into recorder lines.
type groupRecorder struct {
	BaseGroupListener
	r *recorder
}

func userList(ms []GroupMemberInfo) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.UserID
	}
	return ids(s)
}

func (g *groupRecorder) OnMemberEnter(id string, ms []GroupMemberInfo) {
	g.r.put("enter %s %s", id, userList(ms))
}
func (g *groupRecorder) OnMemberLeave(id string, m GroupMemberInfo) {
	g.r.put("leave %s %s", id, m.UserID)
}
func (g *groupRecorder) OnMemberInvited(id, op string, ms []GroupMemberInfo) {
	g.r.put("invited %s by %s %s", id, op, userList(ms))
}
func (g *groupRecorder) OnMemberKicked(id, op string, ms []GroupMemberInfo) {
	g.r.put("kicked %s by %s %s", id, op, userList(ms))
}
func (g *groupRecorder) OnMemberInfoChanged(id string, cs []GroupMemberChangeInfo) {
	for _, c := range cs {
		g.r.put("member %s %s muted=%v", id, c.UserID, c.MuteUntil > 0)
	}
}
func (g *groupRecorder) OnGroupInfoChanged(id string, c map[string]any) {
	keys := make([]string, 0, len(c))
	for k, v := range c {
		keys = append(keys, fmt.Sprintf("%s=%v", k, v))
	}
	g.r.put("info %s %s", id, ids(keys))
}
func (g *groupRecorder) OnGroupDismissed(id, op string) { g.r.put("dismissed %s by %s", id, op) }
func (g *groupRecorder) OnGrantAdministrator(id, op string, ms []GroupMemberInfo) {
	g.r.put("admin+ %s by %s %s", id, op, userList(ms))
}
func (g *groupRecorder) OnRevokeAdministrator(id, op string, ms []GroupMemberInfo) {
	g.r.put("admin- %s by %s %s", id, op, userList(ms))
}
func (g *groupRecorder) OnReceiveJoinApplication(id string, m GroupMemberInfo, _ string) {
	g.r.put("application %s %s", id, m.UserID)
}
func (g *groupRecorder) OnApplicationProcessed(id, op string, agree bool, _ string) {
	g.r.put("processed %s by %s agree=%v", id, op, agree)
}
func (g *groupRecorder) OnQuitFromGroup(id string) { g.r.put("quit %s", id) }

// groupDev is a message device with a group listener.
type groupDev struct {
	*msgDev
	groups *recorder
}

func (n *node) groupDevice(t *testing.T, user string, p Platform) *groupDev {
	t.Helper()
	d := &groupDev{msgDev: n.msgDevice(t, user, p), groups: newRecorder(user + "@" + string(p) + " groups")}
	d.Group().AddGroupListener(&groupRecorder{r: d.groups})
	return d
}

func (d *groupDev) sendGroup(t *testing.T, groupID, text string) *Message {
	t.Helper()
	msg, err := d.Message().SendGroupMessage(ctxT(t), d.Message().CreateTextMessage(text), groupID, SendOptions{})
	if err != nil {
		t.Fatalf("%s sends %q to %s: %v", d.user, text, groupID, err)
	}
	if msg.GroupID != groupID || msg.UserID != "" || msg.ConversationID() != "group_"+groupID {
		t.Fatalf("sent group message %+v", msg)
	}
	return msg
}

// The Go SDK's group manager and group messages end to end: create, join
// (free and by application), the group listener on two devices of one
// member and one of another, messages to every other device once in seq
// order, mutes refused with 10017, history, recall, kick, and a device
// that was offline catching up the group's messages by seq with nothing
// lost or repeated.
func TestE2EGroups(t *testing.T) {
	n := startNode(t)
	n.Import("owner", "m1", "m2", "out")
	owner := n.groupDevice(t, "owner", PlatformWeb)
	m1Web := n.groupDevice(t, "m1", PlatformWeb)
	m1Android := n.groupDevice(t, "m1", PlatformAndroid)
	m2 := n.groupDevice(t, "m2", PlatformIOS)
	ctx := ctxT(t)

	id, overLimit, err := owner.Group().CreateGroup(ctx, GroupInfo{GroupType: GroupTypeMeeting, GroupName: "standup"}, nil)
	if err != nil || !strings.HasPrefix(id, "@TGS#") || len(overLimit) != 0 {
		t.Fatalf("create: %q %v %v", id, overLimit, err)
	}
	if joined, err := m1Web.Group().JoinGroup(ctx, id, ""); err != nil || !joined {
		t.Fatalf("m1 joins: %v %v", joined, err)
	}
	owner.groups.expect(t, "enter "+id+" m1")
	if joined, err := m2.Group().JoinGroup(ctx, id, ""); err != nil || !joined {
		t.Fatalf("m2 joins: %v %v", joined, err)
	}
	for _, d := range []*groupDev{owner, m1Web} {
		d.groups.expect(t, "enter "+id+" m2")
	}
	// m1's Android becomes a member's session with m1's join, and may or
	// may not hear m1's own enter push, by how the two race.
	m1Android.groups.waitFor(t, "enter "+id+" m2")

	list, err := m1Android.Group().GetJoinedGroupList(ctx)
	if err != nil || len(list) != 1 || list[0].GroupID != id || list[0].Role != GroupMemberRoleMember || list[0].GroupType != GroupTypeMeeting {
		t.Fatalf("m1's joined list: %+v %v", list, err)
	}
	members, next, err := owner.Group().GetGroupMemberList(ctx, id, GroupMemberFilterAll, 0)
	if err != nil || len(members) != 3 || next != 0 {
		t.Fatalf("members: %+v %d %v", members, next, err)
	}

	// Messages: every other device, once, in the group's seq order.
	var sent []*Message
	for i, by := range []*groupDev{owner, m1Web, owner, m2} {
		sent = append(sent, by.sendGroup(t, id, fmt.Sprint("msg", i)))
		if sent[i].Seq != uint64(i+1) {
			t.Fatalf("seq %d, want %d", sent[i].Seq, i+1)
		}
	}
	for _, d := range []*groupDev{owner, m1Web, m1Android, m2} {
		var want []string
		for _, m := range sent {
			if !(m.Sender == d.user && (d == owner || d == m1Web || d == m2)) {
				want = append(want, fmt.Sprintf("new group:%s %d %s:%s", id, m.Seq, m.Sender, msgText(m)))
			}
		}
		d.r.msgs.expect(t, want...)
	}

	// The owner mutes m2: every device hears it; m2's send is 10017.
	if err := owner.Group().MuteGroupMember(ctx, id, "m2", 600); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*groupDev{m1Web, m1Android, m2} {
		d.groups.expect(t, "member "+id+" m2 muted=true")
	}
	if _, err := m2.Message().SendGroupMessage(ctx, m2.Message().CreateTextMessage("x"), id, SendOptions{}); ErrorCode(err) != 10017 {
		t.Fatalf("a muted member's send: %v, want 10017", err)
	}
	if err := owner.Group().SetGroupInfo(ctx, id, GroupInfoChange{Notification: strp("be brief")}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*groupDev{m1Web, m1Android, m2} {
		d.groups.expect(t, "info "+id+" notification=be brief")
	}

	// Recall reaches every other device.
	if err := owner.Message().RevokeMessage(ctx, sent[0]); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*groupDev{m1Web, m1Android, m2} {
		d.r.msgs.expect(t, fmt.Sprintf("revoked group:%s 1", id))
	}
	hist, err := m1Web.Message().GetGroupHistoryMessageList(ctx, id, 10, nil)
	if err != nil || len(hist) != 4 || hist[0].Seq != 4 || hist[3].Status != MsgStatusLocalRevoked || hist[0].GroupID != id {
		t.Fatalf("history: %d %v", len(hist), err)
	}
	if page, err := m1Web.Message().GetGroupHistoryMessageList(ctx, id, 10, hist[1]); err != nil || len(page) != 2 || page[0].Seq != 2 {
		t.Fatalf("history before seq 3: %d %v", len(page), err)
	}

	// Kick: the others hear it; the kicked member's device too (from
	// its change log), and it hears nothing of the group afterwards.
	if err := owner.Group().KickGroupMember(ctx, id, []string{"m2"}, ""); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*groupDev{m1Web, m1Android} {
		d.groups.expect(t, "kicked "+id+" by owner m2")
	}
	m2.groups.expectPrefix(t, "kicked "+id+" by owner m2")

	// m1's Android is offline while the group talks; back online it
	// reports exactly what it missed, in order.
	release := m1Android.drop()
	var missed []string
	for i := range 5 {
		m := owner.sendGroup(t, id, fmt.Sprint("while away ", i))
		missed = append(missed, fmt.Sprintf("new group:%s %d owner:%s", id, m.Seq, msgText(m)))
	}
	m1Web.r.msgs.expect(t, missed...)
	release()
	m1Android.r.msgs.expect(t, missed...)

	// A group that needs approval: the owner hears the application, the
	// applicant the outcome.
	pub, _, err := owner.Group().CreateGroup(ctx, GroupInfo{GroupID: "pub", GroupType: GroupTypePublic, GroupName: "pub"},
		[]CreateGroupMember{{UserID: "m1"}})
	if err != nil || pub != "pub" {
		t.Fatalf("create pub: %q %v", pub, err)
	}
	if joined, err := m2.Group().JoinGroup(ctx, "pub", "please"); err != nil || joined {
		t.Fatalf("m2 applies: %v %v", joined, err)
	}
	owner.groups.expect(t, "application pub m2")
	apps, err := owner.Group().GetGroupApplicationList(ctx)
	if err != nil || len(apps) != 1 || apps[0].FromUser != "m2" || apps[0].RequestMsg != "please" {
		t.Fatalf("applications: %+v %v", apps, err)
	}
	if err := owner.Group().AcceptGroupApplication(ctx, apps[0]); err != nil {
		t.Fatal(err)
	}
	// m2 hears the outcome on its change log and its own enter as a
	// member of the group, in either order.
	m2.groups.waitFor(t, "processed pub by owner agree=true")
	for _, d := range []*groupDev{m1Web, m1Android} {
		d.groups.expect(t, "enter pub m2")
	}
	if err := owner.Group().DismissGroup(ctx, "pub"); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*groupDev{m1Web, m1Android} {
		d.groups.expect(t, "dismissed pub by owner")
	}
	m2.groups.waitFor(t, "dismissed pub by owner")
	for _, d := range []*groupDev{m1Web, m1Android, m2} {
		d.groups.expectQuiet(t, 300*time.Millisecond) // reported once, though logged and pushed
	}
}

func strp(s string) *string { return &s }
