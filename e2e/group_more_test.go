package e2e

import (
	"fmt"
	"slices"
	"testing"
)

// TestGroupMoreCommandsOnTheBinary runs the rest of the group REST API
// through the built server on the run's store (PostgreSQL with
// PARLEY_E2E_STORE=postgres): imported members and history, unread set,
// modify, recall by sender, receive options with the last send time, and
// the app's group directory.
func TestGroupMoreCommandsOnTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	addr := freeAddr(t)
	start(t, addr, appEnv(t), "--data", t.TempDir())
	c := newClient(t, addr, appA, keyA, "admin")
	users := runUsers("owner", "m1", "m2")
	owner, m1, m2 := users[0], users[1], users[2]
	c.mustOK("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": users})
	gid := "more" + owner
	c.mustOK("group_open_http_svc/import_group", map[string]any{"Owner_Account": owner, "Type": "Public", "GroupId": gid,
		"Name": "n", "CreateTime": 1600000000})
	imp := c.mustOK("group_open_http_svc/import_group_member", map[string]any{"GroupId": gid, "MemberList": []map[string]any{
		{"Member_Account": m1, "Role": "Admin", "JoinTime": 1600000100}, {"Member_Account": m2, "JoinTime": 1600000200, "UnreadMsgNum": 4}}})
	if got := fmt.Sprint(imp["MemberList"]); got != fmt.Sprintf("[map[Member_Account:%s Result:1] map[Member_Account:%s Result:1]]", m1, m2) {
		t.Fatalf("import members: %s", got)
	}
	body := func(s string) []map[string]any {
		return []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": s}}}
	}
	msgs := c.mustOK("group_open_http_svc/import_group_msg", map[string]any{"GroupId": gid, "MsgList": []map[string]any{
		{"From_Account": m1, "SendTime": 1600001000, "MsgBody": body("a")},
		{"From_Account": m2, "SendTime": 1600002000, "MsgBody": body("b")},
		{"From_Account": m1, "SendTime": 1600003000, "MsgBody": body("c")}}})
	if got := fmt.Sprint(msgs["ImportMsgResult"]); got != "[map[MsgSeq:1 MsgTime:1.600001e+09 Result:0] map[MsgSeq:2 MsgTime:1.600002e+09 Result:0] map[MsgSeq:3 MsgTime:1.600003e+09 Result:0]]" {
		t.Fatalf("import messages: %s", got)
	}
	c.mustOK("openim/modify_group_msg", map[string]any{"GroupId": gid, "MsgSeq": 2, "MsgBody": body("B")})
	c.mustOK("group_open_http_svc/delete_group_msg_by_sender", map[string]any{"GroupId": gid, "Sender_Account": m1})
	hist := c.mustOK("group_open_http_svc/group_msg_get_simple", map[string]any{"GroupId": gid, "ReqMsgNumber": 10, "WithRecalledMsg": 1})
	var seen []string
	for _, m := range hist["RspMsgList"].([]any) {
		mm := m.(map[string]any)
		seen = append(seen, fmt.Sprint(mm["MsgSeq"], "/", mm["IsPlaceMsg"], "/", mm["MsgBody"]))
	}
	if fmt.Sprint(seen) != "[3/2/[] 2/0/[map[MsgContent:map[Text:B] MsgType:TIMTextElem]] 1/2/[]]" {
		t.Fatalf("history: %v", seen)
	}
	c.mustOK("group_open_http_svc/set_unread_msg_num", map[string]any{"GroupId": gid, "Member_Account": m2, "UnreadMsgNum": 7})
	c.mustOK("group_open_http_svc/modify_group_member_info", map[string]any{"GroupId": gid, "Member_Account": m2, "MsgFlag": "AcceptNotNotify"})
	info := c.mustOK("group_open_http_svc/get_group_member_info", map[string]any{"GroupId": gid,
		"MemberInfoFilter": []string{"Role", "JoinTime", "MsgFlag", "LastSendMsgTime"}})
	got := map[string]string{}
	for _, m := range info["MemberList"].([]any) {
		mm := m.(map[string]any)
		got[fmt.Sprint(mm["Member_Account"])] = fmt.Sprint(mm["Role"], "/", mm["JoinTime"], "/", mm["MsgFlag"], "/", mm["LastSendMsgTime"])
	}
	if got[m1] != "Admin/1.6000001e+09/AcceptAndNotify/1.600003e+09" || got[m2] != "Member/1.6000002e+09/AcceptNotNotify/1.600002e+09" {
		t.Fatalf("member info: %v", got)
	}
	// The directory lists the group (other runs' groups may share a
	// PostgreSQL database): page through it all.
	var ids []string
	for next := 0.0; ; {
		p := c.mustOK("group_open_http_svc/get_appid_group_list", map[string]any{"Limit": 100, "Next": next, "GroupType": "Public"})
		for _, g := range p["GroupIdList"].([]any) {
			ids = append(ids, fmt.Sprint(g.(map[string]any)["GroupId"]))
		}
		if next = p["Next"].(float64); next == 0 {
			break
		}
	}
	if !slices.Contains(ids, gid) {
		t.Fatalf("get_appid_group_list has no %s (%d groups)", gid, len(ids))
	}
}
