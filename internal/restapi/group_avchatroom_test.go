package restapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/resttest"
)

// The AVChatRoom REST APIs answer rest-spec §3.7's codes: AVChatRoom only
// (10007 for other types), 10010 for no group, 10005 past the accounts per
// call, 10004 for bad fields.
func TestAVChatRoomRESTCodes(t *testing.T) {
	s := grpStart(t)
	grpCreate(t, s, "live", "AVChatRoom")
	grpCreate(t, s, "pub", "Public")
	many := make([]string, 21)
	for i := range many {
		many[i] = fmt.Sprintf("u%d", i)
	}
	for _, tc := range []struct {
		api, body string
		code      int
	}{
		{"ban_group_member", `{"GroupId":"pub","Members_Account":["m1"],"Duration":60}`, 10007},
		{"ban_group_member", `{"GroupId":"nope","Members_Account":["m1"],"Duration":60}`, 10010},
		{"ban_group_member", `{"GroupId":"live","Members_Account":["m1"]}`, 10004},
		{"ban_group_member", `{"GroupId":"live","Members_Account":["m1"],"Duration":0}`, 10004},
		{"ban_group_member", `{"GroupId":"live","Members_Account":[],"Duration":60}`, 10004},
		{"ban_group_member", `{"GroupId":"live","Members_Account":["` + strings.Join(many, `","`) + `"],"Duration":60}`, 10005},
		{"ban_group_member", `{"GroupId":"live","Members_Account":["m1"],"Duration":60,"Description":"` + strings.Repeat("d", 1001) + `"}`, 10004},
		{"ban_group_member", `{"GroupId":"live","Members_Account":["owner"],"Duration":60}`, 10007},
		{"unban_group_member", `{"GroupId":"pub","Members_Account":["m1"]}`, 10007},
		{"unban_group_member", `{"GroupId":"live","Members_Account":["` + strings.Join(many, `","`) + `"]}`, 10005},
		{"get_group_ban_member", `{"GroupId":"live","Limit":101,"Offset":0}`, 10004},
		{"get_group_ban_member", `{"GroupId":"pub","Offset":0}`, 10007},
		{"get_online_member_num", `{"GroupId":"nope"}`, 10010},
		{"get_online_member_num", `{"GroupId":""}`, 10015},
		{"send_broadcast_msg", `{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}`, 10004},
		{"send_broadcast_msg", `{"Random":1,"MsgBody":[]}`, 10004},
	} {
		rcWant(t, tc.api+" "+tc.body[:min(len(tc.body), 60)], s.Call("group_open_http_svc/"+tc.api, tc.body), tc.code)
	}
	// A bad body is the message core's code, as for send_group_msg.
	bad := `"Random":1,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":1}}]`
	want := resttest.Code(s.Call("group_open_http_svc/send_group_msg", `{"GroupId":"pub",`+bad+`}`))
	rcWant(t, "broadcast of a bad body", s.Call("group_open_http_svc/send_broadcast_msg", `{`+bad+`}`), want)
	for _, tc := range []struct {
		api, body string
		code      int
	}{
		{"get_members", `{"GroupId":"pub","Timestamp":0}`, 10007},
		{"get_members", `{"GroupId":"nope","Timestamp":0}`, 10010},
		{"modify_user_info", `{"GroupId":"live","CommandType":3,"MemberList":[{"Member_Account":"m1","Marks":[1000]}]}`, 10004},
		{"modify_user_info", `{"GroupId":"live","CommandType":1,"MemberList":[{"Member_Account":"m1","Marks":[999]}]}`, 10004},
		{"modify_user_info", `{"GroupId":"live","CommandType":1,"MemberList":[]}`, 10004},
		{"modify_user_info", `{"GroupId":"pub","CommandType":1,"MemberList":[{"Member_Account":"m1","Marks":[1000]}]}`, 10007},
	} {
		rcWant(t, tc.api+" "+tc.body[:min(len(tc.body), 60)], s.Call("group_open_avchatroom_http_svc/"+tc.api, tc.body), tc.code)
	}
}

// Banning by REST kicks a member and keeps them (and a non-member) out
// until unbanned; the list pages; marks follow a member's stay and show in
// get_members, and a room uses at most 10 distinct marks.
func TestAVChatRoomRESTBansAndMarks(t *testing.T) {
	s := grpStart(t)
	grpCreate(t, s, "live", "AVChatRoom")
	ctx := t.Context()
	join := func(user string) error {
		_, err := s.Node.Groups.Join(ctx, s.App, group.Actor{User: user}, "live", "")
		return err
	}
	for _, u := range []string{"m1", "m2"} {
		if err := join(u); err != nil {
			t.Fatal(err)
		}
	}
	rcWant(t, "ban", s.Call("group_open_http_svc/ban_group_member",
		`{"GroupId":"live","Members_Account":["m1","out"],"Duration":600,"Description":"rules"}`), 0)
	for _, u := range []string{"m1", "out"} {
		if err := join(u); errcode.As(err, 0) == nil || errcode.As(err, 0).Code != 10007 {
			t.Fatalf("%s joined while banned: %v", u, err)
		}
	}
	page := s.MustOK("group_open_http_svc/get_group_ban_member", `{"GroupId":"live","Limit":1,"Offset":0}`)
	if list := page["BannedAccountList"].([]any); len(list) != 1 || list[0].(map[string]any)["Member_Account"] != "m1" || m2i(page["NextOffset"]) != 1 {
		t.Fatalf("first page of bans: %v", page)
	}
	page = s.MustOK("group_open_http_svc/get_group_ban_member", `{"GroupId":"live","Limit":1,"Offset":1}`)
	if list := page["BannedAccountList"].([]any); len(list) != 1 || list[0].(map[string]any)["Member_Account"] != "out" {
		t.Fatalf("second page of bans: %v", page)
	}
	members := func() string {
		out := s.MustOK("group_open_avchatroom_http_svc/get_members", `{"GroupId":"live","Timestamp":0}`)
		var got []string
		for _, m := range out["MemberList"].([]any) {
			m := m.(map[string]any)
			got = append(got, fmt.Sprintf("%v%v", m["Member_Account"], m["Marks"]))
		}
		return strings.Join(got, " ")
	}
	if got := members(); !strings.Contains(got, "m2") || strings.Contains(got, "m1") {
		t.Fatalf("members after the ban: %s", got)
	}
	rcWant(t, "unban", s.Call("group_open_http_svc/unban_group_member", `{"GroupId":"live","Members_Account":["m1"]}`), 0)
	if err := join("m1"); err != nil {
		t.Fatalf("m1 after the unban: %v", err)
	}

	out := s.MustOK("group_open_avchatroom_http_svc/modify_user_info",
		`{"GroupId":"live","CommandType":1,"MemberList":[{"Member_Account":"m2","Marks":[1001,1000]},{"Member_Account":"out","Marks":[1000]}]}`)
	if fmt.Sprint(out["MemberList"]) != "[map[Marks:[1000 1001] Member_Account:m2]]" {
		t.Fatalf("marked (a non-member left out): %v", out)
	}
	s.MustOK("group_open_avchatroom_http_svc/modify_user_info", `{"GroupId":"live","CommandType":2,"MemberList":[{"Member_Account":"m2","Marks":[1001]}]}`)
	if got := members(); !strings.Contains(got, "m2[1000]") {
		t.Fatalf("members with marks: %s", got)
	}
	marks := make([]string, 10)
	for i := range marks {
		marks[i] = fmt.Sprint(2000 + i)
	}
	rcWant(t, "an 11th distinct mark", s.Call("group_open_avchatroom_http_svc/modify_user_info",
		`{"GroupId":"live","CommandType":1,"MemberList":[{"Member_Account":"m1","Marks":[`+strings.Join(marks, ",")+`]}]}`), 10004)
	// Marks end with the stay: m2 leaves and comes back unmarked.
	if err := s.Node.Groups.Quit(ctx, s.App, group.Actor{User: "m2"}, "live"); err != nil {
		t.Fatal(err)
	}
	if err := join("m2"); err != nil {
		t.Fatal(err)
	}
	if got := members(); !strings.Contains(got, "m2[]") && !strings.Contains(got, "m2<nil>") {
		t.Fatalf("m2's marks survived leaving: %s", got)
	}
}
