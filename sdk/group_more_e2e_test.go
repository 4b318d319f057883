package sdk

import (
	"testing"
)

type restDataRecorder struct {
	BaseGroupListener
	r *recorder
}

func (l *restDataRecorder) OnReceiveRESTCustomData(groupID string, data []byte) {
	l.r.put("rest %s %s", groupID, data)
}

// TestE2EGroupReceiveOptAndSystemNotice: SetGroupReceiveMessageOpt is the
// group conversation's RecvOpt on every device of the user and keeps the
// group's messages away while not_receive; a REST system notification
// reaches OnReceiveRESTCustomData.
func TestE2EGroupReceiveOptAndSystemNotice(t *testing.T) {
	n := startNode(t)
	n.Import("owner", "m1")
	owner := n.groupDevice(t, "owner", PlatformWeb)
	m1 := n.groupDevice(t, "m1", PlatformWeb)
	m1Phone := n.groupDevice(t, "m1", PlatformIOS)
	notices := newRecorder("m1 notices")
	m1.Group().AddGroupListener(&restDataRecorder{r: notices})
	ctx := ctxT(t)
	id, _, err := owner.Group().CreateGroup(ctx, GroupInfo{GroupType: GroupTypeWork, GroupName: "w"}, []CreateGroupMember{{UserID: "m1"}})
	if err != nil {
		t.Fatal(err)
	}
	owner.sendGroup(t, id, "first")

	if err := m1.Message().SetGroupReceiveMessageOpt(ctx, id, 3); ErrorCode(err) != ErrCodeInvalidParameters {
		t.Errorf("opt 3: %v", err)
	}
	if err := m1.Message().SetGroupReceiveMessageOpt(ctx, id, NotReceiveMessage); err != nil {
		t.Fatal(err)
	}
	opts, err := m1Phone.Message().GetGroupReceiveMessageOpt(ctx, []string{id})
	if err != nil || len(opts) != 1 || opts[0].Opt != NotReceiveMessage {
		t.Fatalf("options: %+v %v", opts, err)
	}
	joined, err := m1Phone.Group().GetJoinedGroupList(ctx)
	if err != nil || len(joined) != 1 || joined[0].RecvOpt != NotReceiveMessage {
		t.Fatalf("joined list: %+v %v", joined, err)
	}
	cv, err := m1Phone.Conversation().GetConversation(ctx, "group_"+id)
	if err != nil || cv.RecvOpt != NotReceiveMessage {
		t.Fatalf("m1's phone sees RecvOpt %+v %v", cv, err)
	}

	n.MustOK("group_open_http_svc/send_group_system_notification", `{"GroupId":"`+id+`","Content":"maintenance at 5"}`)
	notices.expect(t, "rest "+id+" maintenance at 5")
}
