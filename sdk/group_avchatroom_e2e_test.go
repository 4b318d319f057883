package sdk

import (
	"errors"
	"fmt"
	"testing"
)

// The SDK in an AVChatRoom: room messages reach the other members online
// with Seq 0 (not stored), the online count, marks and the member list by
// mark, and the owner's kick with a duration, after which the kicked
// member's join is refused (10007).
func TestE2EAVChatRoom(t *testing.T) {
	n := startNode(t)
	n.Import("owner", "m1", "m2")
	owner := n.groupDevice(t, "owner", PlatformWeb)
	m1 := n.groupDevice(t, "m1", PlatformWeb)
	m2 := n.groupDevice(t, "m2", PlatformIOS)
	ctx := ctxT(t)

	id, _, err := owner.Group().CreateGroup(ctx, GroupInfo{GroupID: "live", GroupType: GroupTypeAVChatRoom, GroupName: "live"}, nil)
	if err != nil || id != "live" {
		t.Fatalf("create: %q %v", id, err)
	}
	for _, d := range []*groupDev{owner, m1, m2} {
		if joined, err := d.Group().JoinGroup(ctx, id, ""); err != nil || !joined {
			t.Fatalf("%s joins: %v %v", d.user, joined, err)
		}
	}
	if count, err := m1.Group().GetGroupOnlineMemberCount(ctx, id); err != nil || count != 3 {
		t.Fatalf("online members: %d %v, want 3", count, err)
	}
	msg := m1.sendGroup(t, id, "hello room")
	if msg.Seq != 0 {
		t.Fatalf("a room message has seq %d, want 0 (not stored)", msg.Seq)
	}
	for _, d := range []*groupDev{owner, m2} {
		d.r.msgs.expect(t, "new group:live 0 m1:hello room")
	}

	if err := owner.Group().MarkGroupMemberList(ctx, id, []string{"m1"}, 1000, true); err != nil {
		t.Fatal(err)
	}
	var sdkErr *Error
	if err := m1.Group().MarkGroupMemberList(ctx, id, []string{"m2"}, 1000, true); !errors.As(err, &sdkErr) || sdkErr.Code != 10007 {
		t.Fatalf("a member's mark: %v, want 10007 (the owner only)", err)
	}
	marked, err := owner.Group().GetRoomMemberList(ctx, id, 1000)
	if err != nil || len(marked) != 1 || marked[0].UserID != "m1" || fmt.Sprint(marked[0].Marks) != "[1000]" {
		t.Fatalf("members marked 1000: %+v %v", marked, err)
	}
	all, err := owner.Group().GetRoomMemberList(ctx, id, 0)
	if err != nil || len(all) != 3 {
		t.Fatalf("room members: %+v %v", all, err)
	}

	if err := owner.Group().KickGroupMemberWithDuration(ctx, id, []string{"m2"}, "spam", 600); err != nil {
		t.Fatal(err)
	}
	m2.groups.waitFor(t, "kicked "+id+" by owner m2")
	if _, err := m2.Group().JoinGroup(ctx, id, ""); !errors.As(err, &sdkErr) || sdkErr.Code != 10007 {
		t.Fatalf("a banned member's join: %v, want 10007", err)
	}
}
