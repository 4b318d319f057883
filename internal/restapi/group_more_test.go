package restapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/internal/resttest"
)

// wsClient is one logged-in client connection of a REST test: requests
// answered by id, pushes kept in order until asked for.
type wsClient struct {
	t      *testing.T
	nc     net.Conn
	n      int
	frames []map[string]any
}

func wsLogin(t *testing.T, s *resttest.Server, user string) *wsClient {
	t.Helper()
	nc, _, _, err := ws.Dial(context.Background(), s.WebSocketURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := &wsClient{t: t, nc: nc}
	if r := c.call("login", map[string]any{"userID": user, "userSig": s.UserSig(user), "platform": "Web"}); resttest.Int(r["code"]) != 0 {
		t.Fatalf("login %s: %v", user, r)
	}
	return c
}

func (c *wsClient) read() map[string]any {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	msg, err := wsutil.ReadServerText(c.nc)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(msg, &out); err != nil {
		c.t.Fatal(err)
	}
	return out
}

// call sends op and returns its answer; pushes read meanwhile are kept.
func (c *wsClient) call(op string, data any) map[string]any {
	c.t.Helper()
	c.n++
	id := fmt.Sprint(c.n)
	b, _ := json.Marshal(map[string]any{"v": 1, "id": id, "op": op, "data": data})
	if err := wsutil.WriteClientText(c.nc, b); err != nil {
		c.t.Fatal(err)
	}
	for {
		f := c.read()
		if f["id"] == id {
			return f
		}
		c.frames = append(c.frames, f)
	}
}

// push returns the first push of kind, kept or still to come.
func (c *wsClient) push(kind string) map[string]any {
	c.t.Helper()
	for i, f := range c.frames {
		if f["push"] == kind {
			c.frames = append(c.frames[:i], c.frames[i+1:]...)
			return f
		}
	}
	for range 20 {
		if f := c.read(); f["push"] == kind {
			return f
		} else {
			c.frames = append(c.frames, f)
		}
	}
	c.t.Fatalf("no %s push; had %v", kind, c.frames)
	return nil
}

// pushes returns the kinds of the pushes kept so far, after a ping has
// made sure every earlier one arrived.
func (c *wsClient) pushes() []string {
	c.t.Helper()
	c.call("ping", nil)
	var out []string
	for _, f := range c.frames {
		out = append(out, fmt.Sprint(f["push"]))
	}
	c.frames = nil
	return out
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

// groupUnread is user's unread count of group as conversation.get shows it.
func (c *wsClient) groupUnread(group string) int {
	c.t.Helper()
	r := c.call("conversation.get", map[string]any{"conversationIDs": []string{"group_" + group}})
	if resttest.Int(r["code"]) != 0 {
		c.t.Fatalf("conversation.get: %v", r)
	}
	data, _ := r["data"].(map[string]any)
	list, _ := data["conversations"].([]any)
	if len(list) != 1 {
		c.t.Fatalf("conversation.get group_%s: %v", group, r)
	}
	return resttest.Int(list[0].(map[string]any)["unreadCount"])
}

func grpSend(t *testing.T, s *resttest.Server, group, from, text string, random int) {
	t.Helper()
	s.MustOK("group_open_http_svc/send_group_msg", fmt.Sprintf(`{"GroupId":%q,"From_Account":%q,"Random":%d,
		"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":%q}}]}`, group, from, random, text))
}

// TestGroupRESTImportMembers: results per member (1 added, 2 already, 0
// failed), roles and join times kept, unread counts set, the exact codes.
func TestGroupRESTImportMembers(t *testing.T) {
	s := grpStart(t)
	s.Import("newa", "newb")
	s.MustOK("group_open_http_svc/import_group", `{"Owner_Account":"owner","Type":"Public","GroupId":"imp","Name":"n","CreateTime":1400000000,
		"MemberList":[{"Member_Account":"m1"}]}`)
	grpSend(t, s, "imp", "m1", "before", 1)
	resp := s.MustOK("group_open_http_svc/import_group_member", `{"GroupId":"imp","MemberList":[
		{"Member_Account":"newa","Role":"Admin","JoinTime":1448357837,"UnreadMsgNum":5},
		{"Member_Account":"m1","JoinTime":1448357857,"UnreadMsgNum":2},
		{"Member_Account":"ghost"},
		{"Member_Account":"newb"}]}`)
	if got := jsonOf(resp["MemberList"]); got != `[{"Member_Account":"newa","Result":1},{"Member_Account":"m1","Result":2},`+
		`{"Member_Account":"ghost","Result":0},{"Member_Account":"newb","Result":1}]` {
		t.Errorf("MemberList %s", got)
	}
	info := s.MustOK("group_open_http_svc/get_group_member_info", `{"GroupId":"imp","MemberInfoFilter":["Role","JoinTime"]}`)
	roles := map[string]string{}
	for _, m := range resttest.Items(info, "MemberList") {
		roles[fmt.Sprint(m["Member_Account"])] = fmt.Sprint(m["Role"], "@", resttest.Int(m["JoinTime"]))
	}
	if roles["newa"] != "Admin@1448357837" || !strings.HasPrefix(roles["newb"], "Member@") || roles["newb"] == "Member@0" {
		t.Errorf("imported members %v", roles)
	}
	// The unread count is the imported one, then grows with each message.
	c := wsLogin(t, s, "newa")
	grpSend(t, s, "imp", "m1", "after", 2)
	if got := c.groupUnread("imp"); got != 6 {
		t.Errorf("newa's unread %d, want 5 + 1", got)
	}

	// History imported before a member was: theirs from their join time.
	s.MustOK("group_open_http_svc/import_group", `{"Owner_Account":"owner","Type":"Public","GroupId":"hist","Name":"n","CreateTime":1400000000}`)
	s.MustOK("group_open_http_svc/import_group_msg", `{"GroupId":"hist","MsgList":[
		{"From_Account":"m1","SendTime":1500000000,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"early"}}]},
		{"From_Account":"m1","SendTime":1600000000,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"later"}}]}]}`)
	s.Import("late")
	s.MustOK("group_open_http_svc/import_group_member", `{"GroupId":"hist","MemberList":[{"Member_Account":"late","JoinTime":1550000000}]}`)
	lc := wsLogin(t, s, "late")
	h := lc.call("msg.history", map[string]any{"groupID": "hist", "count": 20})
	var texts []string
	hd, _ := h["data"].(map[string]any)
	msgsOut, _ := hd["messages"].([]any)
	for _, m := range msgsOut {
		texts = append(texts, jsonOf(m.(map[string]any)["body"]))
	}
	if len(texts) != 1 || !strings.Contains(texts[0], "later") {
		t.Errorf("late's history %v (%v)", texts, h)
	}

	over := make([]string, 301)
	for i := range over {
		over[i] = fmt.Sprintf(`{"Member_Account":"u%d"}`, i)
	}
	grpCreate(t, s, "av", "AVChatRoom")
	for _, tc := range []struct {
		name, body string
		code       int
	}{
		{"301 members", `{"GroupId":"imp","MemberList":[` + strings.Join(over, ",") + `]}`, 10005},
		{"no members", `{"GroupId":"imp","MemberList":[]}`, 10004},
		{"owner role", `{"GroupId":"imp","MemberList":[{"Member_Account":"out","Role":"Owner"}]}`, 10004},
		{"AVChatRoom", `{"GroupId":"av","MemberList":[{"Member_Account":"out"}]}`, 10007},
		{"no such group", `{"GroupId":"nope","MemberList":[{"Member_Account":"out"}]}`, 10010},
	} {
		rcWant(t, tc.name, s.Call("group_open_http_svc/import_group_member", tc.body), tc.code)
	}
	// A join time before the group existed fails that member only.
	resp = s.MustOK("group_open_http_svc/import_group_member", `{"GroupId":"imp","MemberList":[{"Member_Account":"out","JoinTime":1}]}`)
	if got := jsonOf(resp["MemberList"]); got != `[{"Member_Account":"out","Result":0}]` {
		t.Errorf("join time 1: %s", got)
	}
}

// TestGroupRESTImportMessages: imported history takes the group's next
// seqs with the given times, ascending; per-message results; bounds.
func TestGroupRESTImportMessages(t *testing.T) {
	s := grpStart(t)
	s.MustOK("group_open_http_svc/import_group", `{"Owner_Account":"owner","Type":"Public","GroupId":"old","Name":"n","CreateTime":1620000000}`)
	resp := s.MustOK("group_open_http_svc/import_group_msg", `{"GroupId":"old","RecentContactFlag":1,"MsgList":[
		{"From_Account":"m1","SendTime":1620808101,"Random":8912345,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"red packet"}}]},
		{"From_Account":"m2","SendTime":1620892821,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"second"}}]},
		{"From_Account":"m2","SendTime":1620800000,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"out of order"}}]},
		{"From_Account":"ghost","SendTime":1620900000,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"nobody"}}]},
		{"From_Account":"m1","SendTime":1620900001,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"`+strings.Repeat("x", 13000)+`"}}]},
		{"From_Account":"m1","SendTime":1620900002,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"third"}}]}]}`)
	want := `[{"MsgSeq":1,"MsgTime":1620808101,"Result":0},{"MsgSeq":2,"MsgTime":1620892821,"Result":0},` +
		`{"MsgSeq":0,"MsgTime":1620800000,"Result":10004},{"MsgSeq":0,"MsgTime":1620900000,"Result":10004},` +
		`{"MsgSeq":0,"MsgTime":1620900001,"Result":80002},{"MsgSeq":3,"MsgTime":1620900002,"Result":0}]`
	if got := jsonOf(resp["ImportMsgResult"]); got != want {
		t.Errorf("ImportMsgResult\n got %s\nwant %s", got, want)
	}
	hist := s.MustOK("group_open_http_svc/group_msg_get_simple", `{"GroupId":"old","ReqMsgNumber":10}`)
	var got []string
	for _, m := range resttest.Items(hist, "RspMsgList") {
		got = append(got, fmt.Sprint(m["MsgSeq"], "/", m["From_Account"], "/", m["MsgTimeStamp"]))
	}
	if strings.Join(got, " ") != "3/m1/1620900002 2/m2/1620892821 1/m1/1620808101" {
		t.Errorf("history %v", got)
	}
	// The same message again is the first import (a retry), not a copy.
	resp = s.MustOK("group_open_http_svc/import_group_msg", `{"GroupId":"old","MsgList":[
		{"From_Account":"m1","SendTime":1620900002,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"third"}}]}]}`)
	if got := jsonOf(resp["ImportMsgResult"]); got != `[{"MsgSeq":3,"MsgTime":1620900002,"Result":0}]` {
		t.Errorf("retry: %s", got)
	}

	many := make([]string, 21)
	for i := range many {
		many[i] = fmt.Sprintf(`{"From_Account":"m1","SendTime":%d,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}`, 1620900100+i)
	}
	grpCreate(t, s, "av", "AVChatRoom")
	one := `[{"From_Account":"m1","SendTime":1620900200,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}]`
	for _, tc := range []struct {
		name, body string
		code       int
	}{
		{"21 messages", `{"GroupId":"old","MsgList":[` + strings.Join(many, ",") + `]}`, 10004},
		{"no SendTime", `{"GroupId":"old","MsgList":[{"From_Account":"m1","MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}]}`, 10004},
		{"AVChatRoom", `{"GroupId":"av","MsgList":` + one + `}`, 10007},
		{"no such group", `{"GroupId":"nope","MsgList":` + one + `}`, 10010},
	} {
		rcWant(t, tc.name, s.Call("group_open_http_svc/import_group_msg", tc.body), tc.code)
	}
}

// TestGroupRESTModifyAndRecallBySender: modify_group_msg rewrites a
// message that online members hear as msg.modified; delete_group_msg_by_sender
// recalls every message of one sender and members hear each recall.
func TestGroupRESTModifyAndRecallBySender(t *testing.T) {
	s := grpStart(t)
	grpCreate(t, s, "g", "Public")
	grpSend(t, s, "g", "m1", "one", 1)
	grpSend(t, s, "g", "m2", "two", 2)
	grpSend(t, s, "g", "m1", "three", 3)
	c := wsLogin(t, s, "adm")

	rcWant(t, "modify", s.Call("openim/modify_group_msg", `{"GroupId":"g","MsgSeq":2,
		"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"edited"}}]}`), 0)
	if d := jsonOf(c.push("msg.modified")["data"]); !strings.Contains(d, `"edited"`) || !strings.Contains(d, `"seq":2`) {
		t.Errorf("msg.modified %s", d)
	}
	first := resttest.Items(s.MustOK("group_open_http_svc/group_msg_get_simple", `{"GroupId":"g","ReqMsgNumber":1,"ReqMsgSeq":2}`), "RspMsgList")[0]
	if b := jsonOf(first["MsgBody"]); b != `[{"MsgContent":{"Text":"edited"},"MsgType":"TIMTextElem"}]` {
		t.Errorf("modified body %s", b)
	}
	for _, tc := range []struct {
		name, body string
		code       int
	}{
		{"no such seq", `{"GroupId":"g","MsgSeq":9,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}`, 20026},
		{"no seq", `{"GroupId":"g","MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}`, 20001},
		{"nothing to modify", `{"GroupId":"g","MsgSeq":1}`, 20001},
		{"MsgBody not an array", `{"GroupId":"g","MsgSeq":1,"MsgBody":{}}`, 90007},
		{"no such group", `{"GroupId":"nope","MsgSeq":1,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}`, 10010},
	} {
		rcWant(t, tc.name, s.Call("openim/modify_group_msg", tc.body), tc.code)
	}

	rcWant(t, "recall m1's", s.Call("group_open_http_svc/delete_group_msg_by_sender", `{"GroupId":"g","Sender_Account":"m1"}`), 0)
	for range 2 {
		if d := jsonOf(c.push("msg.recalled")["data"]); !strings.Contains(d, `"from":"m1"`) || !strings.Contains(d, `"groupID":"g"`) {
			t.Errorf("msg.recalled %s", d)
		}
	}
	var got []string
	for _, m := range resttest.Items(s.MustOK("group_open_http_svc/group_msg_get_simple", `{"GroupId":"g","ReqMsgNumber":10,"WithRecalledMsg":1}`), "RspMsgList") {
		got = append(got, fmt.Sprint(m["MsgSeq"], "/", m["IsPlaceMsg"]))
	}
	if strings.Join(got, " ") != "3/2 2/0 1/2" {
		t.Errorf("after the recall by sender: %v", got)
	}
	grpCreate(t, s, "av", "AVChatRoom")
	rcWant(t, "AVChatRoom", s.Call("group_open_http_svc/delete_group_msg_by_sender", `{"GroupId":"av","Sender_Account":"m1"}`), 10007)
	rcWant(t, "no sender", s.Call("group_open_http_svc/delete_group_msg_by_sender", `{"GroupId":"g"}`), 10004)
	rcWant(t, "no such group", s.Call("group_open_http_svc/delete_group_msg_by_sender", `{"GroupId":"nope","Sender_Account":"m1"}`), 10010)
}

// TestGroupRESTSetUnread: set_unread_msg_num sets a member's unread count
// exactly; types that count no unread and non-members are refused.
func TestGroupRESTSetUnread(t *testing.T) {
	s := grpStart(t)
	grpCreate(t, s, "g", "Public")
	grpSend(t, s, "g", "m1", "one", 1)
	c := wsLogin(t, s, "m2")
	if got := c.groupUnread("g"); got != 1 {
		t.Fatalf("unread before: %d", got)
	}
	s.MustOK("group_open_http_svc/set_unread_msg_num", `{"GroupId":"g","Member_Account":"m2","UnreadMsgNum":5}`)
	if got := c.groupUnread("g"); got != 5 {
		t.Errorf("unread after set 5: %d", got)
	}
	c.push("conversation.changed")
	s.MustOK("group_open_http_svc/set_unread_msg_num", `{"GroupId":"g","Member_Account":"m2","UnreadMsgNum":0}`)
	if got := c.groupUnread("g"); got != 0 {
		t.Errorf("unread after set 0: %d", got)
	}
	grpCreate(t, s, "room", "ChatRoom")
	for _, tc := range []struct {
		name, body string
		code       int
	}{
		{"ChatRoom", `{"GroupId":"room","Member_Account":"m1","UnreadMsgNum":1}`, 10007},
		{"not a member", `{"GroupId":"g","Member_Account":"out","UnreadMsgNum":1}`, 10007},
		{"no count", `{"GroupId":"g","Member_Account":"m2"}`, 10004},
		{"negative", `{"GroupId":"g","Member_Account":"m2","UnreadMsgNum":-1}`, 10004},
		{"no such group", `{"GroupId":"nope","Member_Account":"m2","UnreadMsgNum":1}`, 10010},
	} {
		rcWant(t, tc.name, s.Call("group_open_http_svc/set_unread_msg_num", tc.body), tc.code)
	}
}

// TestGroupRESTSystemNotification: every online member, or only the
// listed ones, hear group.system_notice with the content.
func TestGroupRESTSystemNotification(t *testing.T) {
	s := grpStart(t)
	grpCreate(t, s, "g", "Public")
	c1, c2 := wsLogin(t, s, "m1"), wsLogin(t, s, "m2")
	s.MustOK("group_open_http_svc/send_group_system_notification", `{"GroupId":"g","Content":"Hello World"}`)
	for _, c := range []*wsClient{c1, c2} {
		if d := jsonOf(c.push("group.system_notice")["data"]); d != `{"content":"Hello World","groupID":"g"}` {
			t.Errorf("system notice %s", d)
		}
	}
	s.MustOK("group_open_http_svc/send_group_system_notification", `{"GroupId":"g","Content":"only m2","ToMembers_Account":["m2","out"]}`)
	if d := jsonOf(c2.push("group.system_notice")["data"]); d != `{"content":"only m2","groupID":"g"}` {
		t.Errorf("targeted notice %s", d)
	}
	if got := c1.pushes(); len(got) != 0 {
		t.Errorf("m1 heard %v", got)
	}
	grpCreate(t, s, "av", "AVChatRoom")
	rcWant(t, "AVChatRoom", s.Call("group_open_http_svc/send_group_system_notification", `{"GroupId":"av","Content":"x"}`), 0)
	rcWant(t, "no content", s.Call("group_open_http_svc/send_group_system_notification", `{"GroupId":"g"}`), 10004)
	rcWant(t, "no such group", s.Call("group_open_http_svc/send_group_system_notification", `{"GroupId":"nope","Content":"x"}`), 10010)
}

// TestGroupRESTAppGroupList: get_appid_group_list pages by Next with the
// total, filters by GroupType; bad limits and types are 10004.
func TestGroupRESTAppGroupList(t *testing.T) {
	s := grpStart(t)
	for _, g := range []struct{ id, typ string }{{"a", "Public"}, {"b", "Private"}, {"c", "Public"}, {"d", "ChatRoom"}, {"e", "Public"}} {
		grpCreate(t, s, g.id, g.typ)
	}
	page := func(body string) string {
		resp := s.MustOK("group_open_http_svc/get_appid_group_list", body)
		return fmt.Sprint(resttest.Int(resp["TotalCount"]), jsonOf(resp["GroupIdList"]), resttest.Int(resp["Next"]))
	}
	for _, tc := range []struct{ body, want string }{
		{`{}`, `5[{"GroupId":"a"},{"GroupId":"b"},{"GroupId":"c"},{"GroupId":"d"},{"GroupId":"e"}]0`},
		{`{"Limit":2}`, `5[{"GroupId":"a"},{"GroupId":"b"}]2`},
		{`{"Limit":2,"Next":2}`, `5[{"GroupId":"c"},{"GroupId":"d"}]4`},
		{`{"Limit":2,"Next":4}`, `5[{"GroupId":"e"}]0`},
		{`{"GroupType":"Public","Limit":2}`, `3[{"GroupId":"a"},{"GroupId":"c"}]2`},
		{`{"GroupType":"Public","Limit":2,"Next":2}`, `3[{"GroupId":"e"}]0`},
		{`{"GroupType":"AVChatRoom"}`, `0[]0`},
	} {
		if got := page(tc.body); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.body, got, tc.want)
		}
	}
	rcWant(t, "Limit 10001", s.Call("group_open_http_svc/get_appid_group_list", `{"Limit":10001}`), 10004)
	rcWant(t, "unknown type", s.Call("group_open_http_svc/get_appid_group_list", `{"GroupType":"Club"}`), 10004)
}

// TestGroupRESTMsgFlag: modify_group_member_info's MsgFlag is kept and
// read back by get_group_member_info, with LastSendMsgTime; a member who
// set Discard hears none of the group's messages while others do.
func TestGroupRESTMsgFlag(t *testing.T) {
	s := grpStart(t)
	grpCreate(t, s, "g", "Public")
	c1, c2 := wsLogin(t, s, "m1"), wsLogin(t, s, "m2")
	s.MustOK("group_open_http_svc/modify_group_member_info", `{"GroupId":"g","Member_Account":"m2","MsgFlag":"Discard"}`)
	s.MustOK("group_open_http_svc/modify_group_member_info", `{"GroupId":"g","Member_Account":"adm","MsgFlag":"AcceptNotNotify","NameCard":"boss"}`)
	rcWant(t, "bad MsgFlag", s.Call("group_open_http_svc/modify_group_member_info", `{"GroupId":"g","Member_Account":"m1","MsgFlag":"Loud"}`), 10004)
	before := time.Now().Unix()
	grpSend(t, s, "g", "m1", "hello", 1)
	info := s.MustOK("group_open_http_svc/get_group_member_info", `{"GroupId":"g","MemberInfoFilter":["MsgFlag","LastSendMsgTime","NameCard"]}`)
	got := map[string]string{}
	for _, m := range resttest.Items(info, "MemberList") {
		sent := resttest.Int(m["LastSendMsgTime"])
		got[fmt.Sprint(m["Member_Account"])] = fmt.Sprint(m["MsgFlag"], "/", sent > 0 && int64(sent) >= before-1, "/", m["NameCard"])
	}
	want := map[string]string{"m1": "AcceptAndNotify/true/", "m2": "Discard/false/", "adm": "AcceptNotNotify/false/boss", "owner": "AcceptAndNotify/false/"}
	if jsonOf(got) != jsonOf(want) {
		t.Errorf("members\n got %v\nwant %v", got, want)
	}
	// m1 hears its own message on no other device; m2 hears nothing of it.
	c3 := wsLogin(t, s, "adm")
	grpSend(t, s, "g", "owner", "second", 2)
	// A session that logs in while a group message is on its way may hear
	// it too (pushes are at most once, by seq): skip to the second.
	d := jsonOf(c3.push("msg.new")["data"])
	if strings.Contains(d, "hello") {
		d = jsonOf(c3.push("msg.new")["data"])
	}
	if !strings.Contains(d, "second") {
		t.Errorf("adm's msg.new %s", d)
	}
	if d := jsonOf(c1.push("msg.new")["data"]); !strings.Contains(d, "hello") {
		t.Errorf("m1's msg.new %s", d)
	}
	for _, p := range c2.pushes() {
		if p == "msg.new" {
			t.Errorf("m2 (Discard) heard a group message")
		}
	}
	joined := s.MustOK("group_open_http_svc/get_joined_group_list", `{"Member_Account":"m2","ResponseFilter":{"SelfInfoFilter":["MsgFlag"]}}`)
	if items := resttest.Items(joined, "GroupIdList"); len(items) != 1 || jsonOf(items[0]["SelfInfo"]) != `{"MsgFlag":"Discard"}` {
		t.Errorf("joined list %v", joined)
	}
}

// TestRecentContactGroupConversations: REST marks and conversation groups
// take a member's group conversations (ToGroupId) and answer 51007 for a
// group the user is not in.
func TestRecentContactGroupConversations(t *testing.T) {
	s := grpStart(t)
	grpCreate(t, s, "g", "Public")
	grpCreate(t, s, "other", "Private")
	resp := s.MustOK("recentcontact/mark_contact", `{"From_Account":"m1","MarkItem":[
		{"OptType":3,"ContactItem":{"Type":2,"ToGroupId":"g"},"SetMark":[1],"CustomMark":"team"},
		{"OptType":1,"ContactItem":{"Type":2,"ToGroupId":"nope"},"SetMark":[1]}]}`)
	var codes []int
	for _, it := range resttest.Items(resp, "ResultItem") {
		codes = append(codes, resttest.Int(it["ResultCode"]))
	}
	if fmt.Sprint(codes) != "[0 51007]" {
		t.Errorf("mark codes %v", codes)
	}
	s.MustOK("recentcontact/create_contact_group", `{"From_Account":"m1","GroupContactItem":[{"GroupName":"work",
		"ContactItem":[{"Type":2,"ToGroupId":"g"}]}]}`)
	got := s.MustOK("recentcontact/search_contact_group", `{"From_Account":"m1","ContactItem":[{"Type":2,"ToGroupId":"g"}]}`)
	items := resttest.Items(got, "ContactResultItem")
	if len(items) != 1 || items[0]["ToGroupId"] != "g" || resttest.Int(items[0]["Type"]) != 2 || items[0]["StandardMark"] != "1" ||
		items[0]["CustomMark"] != "team" || jsonOf(items[0]["ContactGroupId"]) != "[1]" {
		t.Errorf("search %v", got)
	}
	// Pin (and unread) through get_list: the group conversation is there.
	grpSend(t, s, "g", "m2", "hi", 1)
	list := s.MustOK("recentcontact/get_list", `{"From_Account":"m1","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}`)
	if items := resttest.Items(list, "SessionItem"); len(items) != 1 || items[0]["GroupId"] != "g" || resttest.Int(items[0]["Type"]) != 2 {
		t.Errorf("get_list %v", list)
	}
}
