package webhook_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/webhook"
)

// The group REST commands that change membership or recall messages in
// bulk fire the callbacks their changes are: an import of members is a
// new-member join (JoinType Invite), delete_group_msg_by_sender one
// after-recall naming the seqs it recalled.
func TestGroupMoreCommands(t *testing.T) {
	r := newReceiver(t)
	r.setAnswer(func(string, map[string]any) (int, string) {
		return http.StatusOK, `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}`
	})
	n := startNode(t, newStoreSpec(t), map[store.AppID]webhook.Config{appA: all(r)})
	n.mustOK(appA, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"owner", "m1", "m2"}})
	n.mustOK(appA, "group_open_http_svc/create_group", map[string]any{"GroupId": "g1", "Type": "Public", "Name": "Team",
		"Owner_Account": "owner", "MemberList": []map[string]any{{"Member_Account": "m1"}}})
	r.wait(webhook.CmdGroupAfterCreate, 1)

	n.mustOK(appA, "group_open_http_svc/import_group_member", map[string]any{"GroupId": "g1",
		"MemberList": []map[string]any{{"Member_Account": "m2"}}})
	j := r.wait(webhook.CmdGroupAfterNewMemberJoin, 1)[0]
	checkProtocol(t, j, appA, "RESTAPI")
	if field(j, "JoinType") != "Invite" || field(j, "GroupId") != "g1" || !slices.Equal(members(j, "NewMemberList"), []string{"m2"}) {
		t.Fatalf("after-join of the import %s", j.Raw)
	}

	for i, from := range []string{"m1", "m2", "m1"} {
		n.mustOK(appA, "group_open_http_svc/send_group_msg", map[string]any{"GroupId": "g1", "From_Account": from, "Random": i,
			"MsgBody": text("hi")})
	}
	n.mustOK(appA, "group_open_http_svc/delete_group_msg_by_sender", map[string]any{"GroupId": "g1", "Sender_Account": "m1"})
	rc := r.wait(webhook.CmdGroupAfterRecallMsg, 1)[0]
	checkProtocol(t, rc, appA, "RESTAPI")
	if fmt.Sprint(field(rc, "MsgSeqList")) != "[map[MsgSeq:1] map[MsgSeq:3]]" || field(rc, "GroupId") != "g1" ||
		field(rc, "Operator_Account") != admin {
		t.Fatalf("recall by sender %s", rc.Raw)
	}
}
