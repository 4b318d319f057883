package sdk

import (
	"fmt"
	"slices"
	"testing"
)

// The group message features through the Go SDK: a mention reaches the
// mentioned member's message (AtUserList) and conversation
// (GroupAtInfoList, cleared by reading), a targeted message reaches only
// its receiver, and group read receipts go from a member to the sender
// (OnRecvMessageReadReceipts with counts, GetMessageReadReceipts,
// GetGroupMessageReadMemberList).
func TestE2EGroupMessageFeatures(t *testing.T) {
	n := startNode(t)
	n.App.GroupReadReceipts = []string{"Public"}
	n.Import("owner", "m1", "m2")
	owner := n.groupDevice(t, "owner", PlatformWeb)
	m1 := n.groupDevice(t, "m1", PlatformAndroid)
	m2 := n.groupDevice(t, "m2", PlatformIOS)
	ctx := ctxT(t)
	id, _, err := owner.Group().CreateGroup(ctx, GroupInfo{GroupType: GroupTypePublic, GroupName: "team"},
		[]CreateGroupMember{{UserID: "m1"}, {UserID: "m2"}})
	if err != nil {
		t.Fatal(err)
	}

	// @m1.
	at, err := owner.Message().SendGroupMessage(ctx, owner.Message().CreateTextAtMessage("look, m1", []string{"m1"}), id, SendOptions{})
	if err != nil || !slices.Equal(at.AtUserList, []string{"m1"}) {
		t.Fatalf("at message %+v %v", at, err)
	}
	want := fmt.Sprintf("new group:%s 1 owner:look, m1", id)
	m1.r.msgs.expect(t, want)
	m2.r.msgs.expect(t, want)
	conv, err := m1.Conversation().GetConversation(ctx, "group_"+id)
	if err != nil || !slices.Equal(conv.GroupAtInfoList, []GroupAtInfo{{Seq: 1, AtType: GroupAtMe}}) {
		t.Fatalf("m1's conversation %+v %v", conv, err)
	}
	if conv, err := m2.Conversation().GetConversation(ctx, "group_"+id); err != nil || conv.GroupAtInfoList != nil {
		t.Fatalf("m2's conversation %+v %v", conv, err)
	}
	if err := m1.Message().MarkGroupMessageAsRead(ctx, id); err != nil {
		t.Fatal(err)
	}
	if conv, err := m1.Conversation().GetConversation(ctx, "group_"+id); err != nil || conv.GroupAtInfoList != nil {
		t.Fatalf("m1's conversation after reading %+v %v", conv, err)
	}

	// A targeted message to m2: m1 never gets it.
	tm := owner.Message().CreateTargetedGroupMessage(owner.Message().CreateTextMessage("just m2"), []string{"m2"})
	if _, err := owner.Message().SendGroupMessage(ctx, tm, id, SendOptions{}); err != nil {
		t.Fatal(err)
	}
	m2.r.msgs.expect(t, fmt.Sprintf("new group:%s 2 owner:just m2", id))

	// A receipt-asking message, read by m1.
	ask := owner.Message().CreateTextMessage("read me")
	ask.NeedReadReceipt = true
	sent, err := owner.Message().SendGroupMessage(ctx, ask, id, SendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want = fmt.Sprintf("new group:%s 3 owner:read me", id)
	m1.r.msgs.expect(t, want) // seq 2 was not for m1
	m2.r.msgs.expect(t, want)
	hist, err := m1.Message().GetGroupHistoryMessageList(ctx, id, 1, nil)
	if err != nil || len(hist) != 1 || !hist[0].NeedReadReceipt {
		t.Fatalf("m1's history %+v %v", hist, err)
	}
	if err := m1.Message().SendMessageReadReceipts(ctx, hist); err != nil {
		t.Fatal(err)
	}
	owner.r.msgs.expect(t, fmt.Sprintf("msgreceipt m1 %s false", sent.MsgID))
	rs, err := owner.Message().GetMessageReadReceipts(ctx, []*Message{sent})
	if err != nil || len(rs) != 1 || rs[0].ReadCount != 1 || rs[0].UnreadCount != 1 || rs[0].GroupID != id {
		t.Fatalf("receipts %+v %v", rs, err)
	}
	read, err := owner.Message().GetGroupMessageReadMemberList(ctx, sent, GroupMessageReadMembersRead, "", 10)
	if err != nil || !slices.Equal(read.UserIDs, []string{"m1"}) || !read.IsFinished {
		t.Fatalf("read members %+v %v", read, err)
	}
	unread, err := owner.Message().GetGroupMessageReadMemberList(ctx, sent, GroupMessageReadMembersUnread, "", 10)
	if err != nil || !slices.Equal(unread.UserIDs, []string{"m2"}) {
		t.Fatalf("unread members %+v %v", unread, err)
	}
	if _, err := owner.Message().GetMessageReadReceipts(ctx, []*Message{at}); ErrorCode(err) != 10062 {
		t.Fatalf("a message without a receipt: %v, want 10062", err)
	}
}
