package restapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/resttest"
)

func grpStart(t *testing.T) *resttest.Server {
	s := resttest.Start(t, func(a *app.App) {
		a.GroupCustomFields = []string{"topic"}
		a.GroupMemberCustomFields = []string{"level"}
	})
	s.Import("owner", "adm", "m1", "m2", "out")
	return s
}

// grpCreate makes a group of typ owned by owner, with adm an admin where
// the type has admins and m1, m2 members (an AVChatRoom is joined by
// import_group_member's absence: add_group_member is refused there, so
// its members are none but the owner).
func grpCreate(t *testing.T, s *resttest.Server, id, typ string) {
	t.Helper()
	members := `[{"Member_Account":"m1"},{"Member_Account":"m2"}]`
	switch typ {
	case "Public", "ChatRoom", "Community":
		members = `[{"Member_Account":"m1"},{"Member_Account":"m2"},{"Member_Account":"adm","Role":"Admin"}]`
	case "AVChatRoom":
		members = `[]`
	}
	rcWant(t, "create "+id, s.Call("group_open_http_svc/create_group",
		fmt.Sprintf(`{"Owner_Account":"owner","Type":%q,"GroupId":%q,"Name":"n","MemberList":%s}`, typ, id, members)), 0)
}

// TestGroupRESTMatrix is rest-spec §3.7's "applicable group types" and the
// seed's rules as the app's admin meets them, type by type: each cell is
// the exact ErrorCode.
func TestGroupRESTMatrix(t *testing.T) {
	s := grpStart(t)
	types := []string{"Private", "Public", "ChatRoom", "Community", "AVChatRoom"}
	ops := []struct {
		name  string
		api   string
		body  string // %s is the group ID
		codes [5]int // Private, Public, ChatRoom, Community, AVChatRoom
	}{
		{"add member", "add_group_member", `{"GroupId":%q,"MemberList":[{"Member_Account":"out"}]}`, [5]int{0, 0, 0, 0, 10007}},
		{"kick member", "delete_group_member", `{"GroupId":%q,"MemberToDel_Account":["m1"]}`, [5]int{0, 0, 0, 0, 10007}},
		{"mute member", "forbid_send_msg", `{"GroupId":%q,"Members_Account":["owner"],"MuteTime":60}`, [5]int{10007, 0, 0, 0, 0}},
		{"mute (legacy ShutUpTime)", "forbid_send_msg", `{"GroupId":%q,"Members_Account":["owner"],"ShutUpTime":60}`, [5]int{10007, 0, 0, 0, 0}},
		{"member info", "get_group_member_info", `{"GroupId":%q}`, [5]int{0, 0, 0, 0, 10007}},
		{"role in group", "get_role_in_group", `{"GroupId":%q,"User_Account":["owner"]}`, [5]int{0, 0, 0, 0, 10007}},
		{"name card", "modify_group_member_info", `{"GroupId":%q,"Member_Account":"owner","NameCard":"boss"}`, [5]int{0, 0, 0, 0, 10007}},
		{"transfer to a member", "change_group_owner", `{"GroupId":%q,"NewOwner_Account":"owner"}`, [5]int{0, 0, 0, 0, 10007}},
		{"join option", "modify_group_base_info", `{"GroupId":%q,"ApplyJoinOption":"NeedPermission"}`, [5]int{10007, 0, 10007, 0, 10007}},
		{"mute all", "modify_group_base_info", `{"GroupId":%q,"MuteAllMember":"On"}`, [5]int{10007, 0, 0, 0, 0}},
		{"name", "modify_group_base_info", `{"GroupId":%q,"Name":"renamed"}`, [5]int{0, 0, 0, 0, 0}},
		{"name 31 bytes", "modify_group_base_info", `{"GroupId":%q,"Name":"` + strings.Repeat("n", 31) + `"}`, [5]int{10004, 10004, 10004, 10004, 10004}},
		{"undeclared custom data", "modify_group_base_info", `{"GroupId":%q,"AppDefinedData":[{"Key":"nope","Value":"v"}]}`, [5]int{10004, 10004, 10004, 10004, 10004}},
		{"declared custom data", "modify_group_base_info", `{"GroupId":%q,"AppDefinedData":[{"Key":"topic","Value":"go"}]}`, [5]int{0, 0, 0, 0, 0}},
		{"muted list", "get_group_muted_account", `{"GroupId":%q}`, [5]int{0, 0, 0, 0, 0}},
		{"admin message", "send_group_msg", `{"GroupId":%q,"Random":1,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]}`, [5]int{0, 0, 0, 0, 0}},
		{"dismiss", "destroy_group", `{"GroupId":%q}`, [5]int{0, 0, 0, 0, 0}},
	}
	n := 0
	for _, op := range ops {
		for i, typ := range types {
			n++
			id := fmt.Sprintf("mx%d", n)
			grpCreate(t, s, id, typ)
			resp := s.Call("group_open_http_svc/"+op.api, fmt.Sprintf(op.body, id))
			if got := resttest.Code(resp); got != op.codes[i] {
				t.Errorf("%s in %s: ErrorCode %d, want %d (%v)", op.name, typ, got, op.codes[i], resp["ErrorInfo"])
			}
		}
	}
	// Nothing works on a group that is not there, or whose ID is bad.
	for _, api := range []string{"destroy_group", "get_group_member_info", "get_group_muted_account"} {
		rcWant(t, api+" missing", s.Call("group_open_http_svc/"+api, `{"GroupId":"nope"}`), 10010)
		rcWant(t, api+" bad ID", s.Call("group_open_http_svc/"+api, `{"GroupId":"`+strings.Repeat("x", 49)+`"}`), 10015)
	}
}

// TestGroupRESTCreateAndRead: create_group's fields and defaults read back
// through get_group_info, get_group_member_info, get_role_in_group and
// get_joined_group_list; the codes of a bad create.
func TestGroupRESTCreateAndRead(t *testing.T) {
	s := grpStart(t)
	resp := s.MustOK("group_open_http_svc/create_group", `{"Owner_Account":"owner","Type":"Public","Name":"team",
		"Introduction":"intro","FaceUrl":"http://f","AppDefinedData":[{"Key":"topic","Value":"go"}],
		"MemberList":[{"Member_Account":"m1"},{"Member_Account":"adm","Role":"Admin","AppMemberDefinedData":[{"Key":"level","Value":"3"}]}]}`)
	id, _ := resp["GroupId"].(string)
	if !strings.HasPrefix(id, "@TGS#") {
		t.Fatalf("server-assigned GroupId %q", id)
	}
	info := resttest.Items(s.MustOK("group_open_http_svc/get_group_info", `{"GroupIdList":["`+id+`","nope"]}`), "GroupInfo")
	if len(info) != 2 {
		t.Fatalf("GroupInfo %v", info)
	}
	g := info[0]
	for k, want := range map[string]any{"Type": "Public", "Name": "team", "Introduction": "intro", "FaceUrl": "http://f",
		"Owner_Account": "owner", "MemberNum": float64(3), "MaxMemberNum": float64(2000), "ApplyJoinOption": "NeedPermission",
		"MuteAllMember": "Off", "ShutUpAllMember": "Off", "NextMsgSeq": float64(1), "ErrorCode": float64(0)} {
		if fmt.Sprint(g[k]) != fmt.Sprint(want) {
			t.Errorf("get_group_info %s = %v, want %v", k, g[k], want)
		}
	}
	if dd, _ := json.Marshal(g["AppDefinedData"]); string(dd) != `[{"Key":"topic","Value":"go"}]` {
		t.Errorf("AppDefinedData %s", dd)
	}
	if resttest.Int(info[1]["ErrorCode"]) != 10010 {
		t.Errorf("missing group: %v", info[1])
	}
	members := resttest.Items(s.MustOK("group_open_http_svc/get_group_member_info", `{"GroupId":"`+id+`","MemberRoleFilter":["Owner","Admin"]}`), "MemberList")
	// Members who joined in the same second are listed by UserID.
	if len(members) != 2 || members[0]["Member_Account"] != "adm" || members[0]["Role"] != "Admin" ||
		members[1]["Member_Account"] != "owner" || members[1]["Role"] != "Owner" {
		t.Errorf("owner and admins: %v", members)
	}
	if dd, _ := json.Marshal(members[0]["AppMemberDefinedData"]); string(dd) != `[{"Key":"level","Value":"3"}]` {
		t.Errorf("AppMemberDefinedData %s", dd)
	}
	roles := resttest.Items(s.MustOK("group_open_http_svc/get_role_in_group", `{"GroupId":"`+id+`","User_Account":["owner","adm","m1","out"]}`), "UserIdList")
	var got []string
	for _, r := range roles {
		got = append(got, fmt.Sprint(r["Member_Account"], "=", r["Role"]))
	}
	if strings.Join(got, " ") != "owner=Owner adm=Admin m1=Member out=NotMember" {
		t.Errorf("roles %v", got)
	}
	joined := s.MustOK("group_open_http_svc/get_joined_group_list", `{"Member_Account":"m1","ResponseFilter":{"GroupBaseInfoFilter":["Type","Name"],"SelfInfoFilter":["Role"]}}`)
	list := resttest.Items(joined, "GroupIdList")
	if resttest.Int(joined["TotalCount"]) != 1 || len(list) != 1 || list[0]["GroupId"] != id || list[0]["Name"] != "team" {
		t.Errorf("joined list %v", joined)
	}
	if self, _ := list[0]["SelfInfo"].(map[string]any); self["Role"] != "Member" {
		t.Errorf("SelfInfo %v", list[0]["SelfInfo"])
	}
	for _, c := range []struct {
		what, body string
		code       int
	}{
		{"no type", `{"Name":"n"}`, 10004},
		{"unknown type", `{"Type":"BChatRoom","Name":"n"}`, 10004},
		{"no name", `{"Type":"Public"}`, 10004},
		{"taken ID", `{"Type":"Public","Name":"n","GroupId":"` + id + `"}`, 10015}, // @TGS# is not a custom ID
		{"101 members", `{"Type":"Public","Name":"n","MemberList":[` + strings.TrimSuffix(strings.Repeat(`{"Member_Account":"m1"},`, 101), ",") + `]}`, 10005},
		{"AVChatRoom with members", `{"Type":"AVChatRoom","Name":"n","MemberList":[{"Member_Account":"m1"}]}`, 10004},
		{"owner as a member role", `{"Type":"Public","Name":"n","MemberList":[{"Member_Account":"m1","Role":"Owner"}]}`, 10004},
		{"unknown member", `{"Type":"Public","Name":"n","MemberList":[{"Member_Account":"ghost"}]}`, 10019},
		{"wrong field type", `{"Type":"Public","Name":5}`, 10004},
	} {
		rcWant(t, c.what, s.Call("group_open_http_svc/create_group", c.body), c.code)
	}
	rcWant(t, "custom ID", s.Call("group_open_http_svc/create_group", `{"Type":"Public","Name":"n","GroupId":"mine"}`), 0)
	rcWant(t, "custom ID again", s.Call("group_open_http_svc/create_group", `{"Type":"Public","Name":"n","GroupId":"mine"}`), 10021)
}

// TestGroupRESTMutes: a muted member's message is refused (10017), the
// muted list names them until the mute is lifted, and mute-all silences
// common members but not the owner or admins.
func TestGroupRESTMutes(t *testing.T) {
	s := grpStart(t)
	grpCreate(t, s, "pm", "Public")
	send := func(from string) map[string]any {
		return s.Call("group_open_http_svc/send_group_msg", `{"GroupId":"pm","From_Account":"`+from+`","Random":`+
			fmt.Sprint(time.Now().UnixNano()%1e9)+`,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}`)
	}
	first := send("m1")
	rcWant(t, "before the mute", first, 0)
	if resttest.Int(first["MsgSeq"]) != 1 {
		t.Errorf("first MsgSeq %v", first["MsgSeq"])
	}
	s.MustOK("group_open_http_svc/forbid_send_msg", `{"GroupId":"pm","Members_Account":["m1"],"MuteTime":3600}`)
	rcWant(t, "muted", send("m1"), 10017)
	muted := resttest.Items(s.MustOK("group_open_http_svc/get_group_muted_account", `{"GroupId":"pm"}`), "MutedAccountList")
	if len(muted) != 1 || muted[0]["Member_Account"] != "m1" || resttest.Int(muted[0]["MutedUntil"]) < int(time.Now().Unix()+3500) {
		t.Errorf("muted list %v", muted)
	}
	legacy := resttest.Items(s.MustOK("group_open_http_svc/get_group_shutted_uin", `{"GroupId":"pm"}`), "ShuttedUinList")
	if len(legacy) != 1 || legacy[0]["ShuttedUntil"] != muted[0]["MutedUntil"] {
		t.Errorf("legacy muted list %v", legacy)
	}
	s.MustOK("group_open_http_svc/modify_group_member_info", `{"GroupId":"pm","Member_Account":"m1","ShutUpTime":0}`)
	rcWant(t, "unmuted", send("m1"), 0)
	s.MustOK("group_open_http_svc/modify_group_base_info", `{"GroupId":"pm","ShutUpAllMember":"On"}`)
	rcWant(t, "all muted: member", send("m2"), 10017)
	rcWant(t, "all muted: admin", send("adm"), 0)
	rcWant(t, "all muted: owner", send("owner"), 0)
	rcWant(t, "outsider From_Account", send("out"), 0) // the app's admin speaking as anyone
	rcWant(t, "unknown From_Account", send("ghost"), 10019)
}

// TestGroupRESTReachesOnlineMembers: a member's socket hears REST-made
// changes at once: the group push of a kick, the group's messages, and its
// own logged membership events.
func TestGroupRESTReachesOnlineMembers(t *testing.T) {
	s := grpStart(t)
	grpCreate(t, s, "live", "Public")
	nc, _, _, err := ws.Dial(context.Background(), s.WebSocketURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := wsutil.WriteClientText(nc, []byte(`{"v":1,"id":"1","op":"login","data":{"userID":"m1","userSig":"`+s.UserSig("m1")+`","platform":"Web"}}`)); err != nil {
		t.Fatal(err)
	}
	next := func() map[string]any {
		t.Helper()
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		msg, err := wsutil.ReadServerText(nc)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		json.Unmarshal(msg, &out)
		return out
	}
	if login := next(); login["code"] != float64(0) {
		t.Fatalf("login: %v", login)
	}
	wait := func(push string) map[string]any {
		t.Helper()
		for range 10 {
			if f := next(); f["push"] == push {
				return f
			}
		}
		t.Fatalf("no %s push", push)
		return nil
	}
	s.MustOK("group_open_http_svc/delete_group_member", `{"GroupId":"live","MemberToDel_Account":["m2"]}`)
	kicked := wait("group.member_kicked")
	if d, _ := json.Marshal(kicked["data"]); string(d) != `{"groupID":"live","operator":"administrator","userIDs":["m2"]}` {
		t.Errorf("member_kicked data %s", d)
	}
	s.MustOK("group_open_http_svc/send_group_msg", `{"GroupId":"live","Random":5,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"news"}}]}`)
	if msg := wait("msg.new"); !strings.Contains(fmt.Sprint(msg["data"]), "news") {
		t.Errorf("msg.new %v", msg)
	}
	s.MustOK("group_open_http_svc/create_group", `{"Owner_Account":"owner","Type":"Work","GroupId":"new","Name":"n","MemberList":[{"Member_Account":"m1"}]}`)
	joined := wait("group.joined")
	if d, _ := json.Marshal(joined["data"]); string(d) != `{"userIDs":["group_new","owner"]}` || resttest.Int(joined["seq"]) == 0 {
		t.Errorf("group.joined %v", joined)
	}
	// The new group's events reach m1 too: it was told of the membership.
	s.MustOK("group_open_http_svc/modify_group_base_info", `{"GroupId":"new","Name":"renamed"}`)
	if d, _ := json.Marshal(wait("group.info_changed")["data"]); string(d) != `{"groupID":"new","name":"renamed","operator":"administrator"}` {
		t.Errorf("info_changed %s", d)
	}
}

// TestGroupRESTHistoryAndRecall: group_msg_get_simple pages back from
// ReqMsgSeq, newest first, leaving recalled messages out unless asked
// (IsPlaceMsg 2, no body); group_msg_recall answers per seq.
func TestGroupRESTHistoryAndRecall(t *testing.T) {
	s := grpStart(t)
	grpCreate(t, s, "h", "Meeting")
	for i := 1; i <= 5; i++ {
		s.MustOK("group_open_http_svc/send_group_msg", fmt.Sprintf(`{"GroupId":"h","From_Account":"m1","Random":%d,
			"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"t%d"}}]}`, i, i))
	}
	rec := resttest.Items(s.MustOK("group_open_http_svc/group_msg_recall", `{"GroupId":"h","MsgSeqList":[{"MsgSeq":4},{"MsgSeq":9},{"MsgSeq":4}]}`), "RecallRetList")
	if len(rec) != 3 || resttest.Int(rec[0]["RetCode"]) != 0 || resttest.Int(rec[1]["RetCode"]) != 10030 || resttest.Int(rec[2]["RetCode"]) != 10032 {
		t.Errorf("recall results %v", rec)
	}
	seqs := func(resp map[string]any) string {
		var out []string
		for _, m := range resttest.Items(resp, "RspMsgList") {
			out = append(out, fmt.Sprint(m["MsgSeq"], "/", m["IsPlaceMsg"]))
		}
		return strings.Join(out, " ") + fmt.Sprint(" finished=", m2i(resp["IsFinished"]))
	}
	if got := seqs(s.MustOK("group_open_http_svc/group_msg_get_simple", `{"GroupId":"h","ReqMsgNumber":2}`)); got != "5/0 3/0 finished=0" {
		t.Errorf("newest two: %s", got)
	}
	if got := seqs(s.MustOK("group_open_http_svc/group_msg_get_simple", `{"GroupId":"h","ReqMsgNumber":3,"ReqMsgSeq":2}`)); got != "2/0 1/0 finished=1" {
		t.Errorf("from seq 2: %s", got)
	}
	if got := seqs(s.MustOK("group_open_http_svc/group_msg_get_simple", `{"GroupId":"h","ReqMsgNumber":20,"WithRecalledMsg":1}`)); got != "5/0 4/2 3/0 2/0 1/0 finished=1" {
		t.Errorf("with recalled: %s", got)
	}
	first := resttest.Items(s.MustOK("group_open_http_svc/group_msg_get_simple", `{"GroupId":"h","ReqMsgNumber":1}`), "RspMsgList")[0]
	if b, _ := json.Marshal(first["MsgBody"]); string(b) != `[{"MsgContent":{"Text":"t5"},"MsgType":"TIMTextElem"}]` || first["From_Account"] != "m1" {
		t.Errorf("message %v", first)
	}
	rcWant(t, "21 messages", s.Call("group_open_http_svc/group_msg_get_simple", `{"GroupId":"h","ReqMsgNumber":21}`), 10004)
	rcWant(t, "no such group", s.Call("group_open_http_svc/group_msg_get_simple", `{"GroupId":"nope","ReqMsgNumber":1}`), 10010)
	grpCreate(t, s, "av", "AVChatRoom")
	rcWant(t, "AVChatRoom history", s.Call("group_open_http_svc/group_msg_get_simple", `{"GroupId":"av","ReqMsgNumber":1}`), 10007)
}

func m2i(v any) int { return resttest.Int(v) }
