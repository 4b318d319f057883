package restapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/resttest"
)

// topicCommunity creates community cm (owner, m1, m2, adm as an admin)
// with topics cm@TOPIC#_a and cm@TOPIC#_b.
func topicCommunity(t *testing.T, s *resttest.Server) {
	t.Helper()
	rcWant(t, "create community", s.Call("group_open_http_svc/create_group",
		`{"Owner_Account":"owner","Type":"Community","GroupId":"cm","Name":"n","SupportTopic":1,
		"MemberList":[{"Member_Account":"m1"},{"Member_Account":"m2"},{"Member_Account":"adm","Role":"Admin"}]}`), 0)
	for _, id := range []string{"a", "b"} {
		rcWant(t, "create topic "+id, s.Call("million_group_open_http_svc/create_topic",
			fmt.Sprintf(`{"GroupId":"cm","TopicId":"cm@TOPIC#_%s","TopicName":%q}`, id, id)), 0)
	}
}

func topicSend(s *resttest.Server, topic, from string, random int) map[string]any {
	return s.Call("group_open_http_svc/send_group_msg", fmt.Sprintf(`{"GroupId":"cm","TopicId":%q,"From_Account":%q,"Random":%d,
		"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]}`, topic, from, random))
}

func mutedAccounts(t *testing.T, s *resttest.Server, body string) []string {
	t.Helper()
	var out []string
	for _, m := range resttest.Items(s.MustOK("group_open_http_svc/get_group_muted_account", body), "MutedAccountList") {
		if until := int64(resttest.Int(m["MutedUntil"])); until <= time.Now().Unix() {
			t.Errorf("%v's MutedUntil %d is not in the future", m["Member_Account"], until)
		}
		out = append(out, fmt.Sprint(m["Member_Account"]))
	}
	return out
}

// TestTopicRESTMute: forbid_send_msg with TopicId mutes in that topic
// only (get_group_muted_account with TopicId lists it, the community's
// list does not); the muted member's send there is 10017 while the other
// topic and the community take it; members hear member_changed naming the
// topic; MuteTime 0 lifts it; a TopicId of another group is 10015, a topic
// that does not exist 10010.
func TestTopicRESTMute(t *testing.T) {
	s := grpStart(t)
	topicCommunity(t, s)
	grpCreate(t, s, "pub", "Public")
	c := wsLogin(t, s, "m2")

	for _, tc := range []struct {
		name, api, body string
		code            int
	}{
		{"mute, another group's topic", "forbid_send_msg", `{"GroupId":"pub","TopicId":"cm@TOPIC#_a","Members_Account":["m1"],"MuteTime":60}`, 10015},
		{"mute, no such topic", "forbid_send_msg", `{"GroupId":"cm","TopicId":"cm@TOPIC#_none","Members_Account":["m1"],"MuteTime":60}`, 10010},
		{"mute, negative time", "forbid_send_msg", `{"GroupId":"cm","TopicId":"cm@TOPIC#_a","Members_Account":["m1"],"MuteTime":-1}`, 10004},
		{"muted list, another group's topic", "get_group_muted_account", `{"GroupId":"pub","TopicId":"cm@TOPIC#_a"}`, 10015},
		{"muted list, no such topic", "get_group_muted_account", `{"GroupId":"cm","TopicId":"cm@TOPIC#_none"}`, 10010},
	} {
		rcWant(t, tc.name, s.Call("group_open_http_svc/"+tc.api, tc.body), tc.code)
	}

	rcWant(t, "mute m1 in a", s.Call("group_open_http_svc/forbid_send_msg",
		`{"GroupId":"cm","TopicId":"cm@TOPIC#_a","Members_Account":["m1"],"MuteTime":3600}`), 0)
	if d := jsonOf(c.push("group.member_changed")["data"]); !strings.Contains(d, `"groupID":"cm@TOPIC#_a"`) || !strings.Contains(d, `"userID":"m1"`) ||
		!strings.Contains(d, `"muteUntil":`) {
		t.Errorf("member_changed %s", d)
	}
	if got := mutedAccounts(t, s, `{"GroupId":"cm","TopicId":"cm@TOPIC#_a"}`); fmt.Sprint(got) != "[m1]" {
		t.Fatalf("muted in a = %v", got)
	}
	if got := mutedAccounts(t, s, `{"GroupId":"cm","TopicId":"cm@TOPIC#_b"}`); len(got) != 0 {
		t.Fatalf("muted in b = %v", got)
	}
	if got := mutedAccounts(t, s, `{"GroupId":"cm"}`); len(got) != 0 {
		t.Fatalf("muted in the community = %v", got)
	}
	resp := s.MustOK("million_group_open_http_svc/get_topic", `{"GroupId":"cm","From_Account":"m1","TopicIdList":["cm@TOPIC#_a","cm@TOPIC#_b"]}`)
	var selves []string
	for _, x := range resttest.Items(resp, "TopicAndSelfInfo") {
		self := x["SelfInfo"].(map[string]any)
		selves = append(selves, fmt.Sprint(resttest.Int(self["ShutUpTime"]) > 0, "/", self["MsgFlag"]))
	}
	if strings.Join(selves, " ") != "true/AcceptAndNotify false/AcceptAndNotify" {
		t.Fatalf("m1's SelfInfo (muted?/MsgFlag) in a and b: %v", selves)
	}
	rcWant(t, "m1 sends in a", topicSend(s, "cm@TOPIC#_a", "m1", 1), 10017)
	rcWant(t, "m1 sends in b", topicSend(s, "cm@TOPIC#_b", "m1", 2), 0)
	rcWant(t, "m2 sends in a", topicSend(s, "cm@TOPIC#_a", "m2", 3), 0)

	rcWant(t, "unmute m1 in a", s.Call("group_open_http_svc/forbid_send_msg",
		`{"GroupId":"cm","TopicId":"cm@TOPIC#_a","Members_Account":["m1"],"MuteTime":0}`), 0)
	if got := mutedAccounts(t, s, `{"GroupId":"cm","TopicId":"cm@TOPIC#_a"}`); len(got) != 0 {
		t.Fatalf("muted in a after unmuting = %v", got)
	}
	rcWant(t, "m1 sends in a after the unmute", topicSend(s, "cm@TOPIC#_a", "m1", 4), 0)

	// Deleting the topic drops its mutes: a new topic of the same ID
	// starts with none.
	rcWant(t, "mute m2 in b", s.Call("group_open_http_svc/forbid_send_msg",
		`{"GroupId":"cm","TopicId":"cm@TOPIC#_b","Members_Account":["m2"],"MuteTime":3600}`), 0)
	rcWant(t, "destroy b", s.Call("million_group_open_http_svc/destroy_topic", `{"GroupId":"cm","TopicIdList":["cm@TOPIC#_b"]}`), 0)
	rcWant(t, "create b again", s.Call("million_group_open_http_svc/create_topic", `{"GroupId":"cm","TopicId":"cm@TOPIC#_b","TopicName":"b"}`), 0)
	if got := mutedAccounts(t, s, `{"GroupId":"cm","TopicId":"cm@TOPIC#_b"}`); len(got) != 0 {
		t.Fatalf("muted in the new b = %v", got)
	}
	rcWant(t, "m2 sends in the new b", topicSend(s, "cm@TOPIC#_b", "m2", 5), 0)
}

// TestTopicRESTMessages: import_group_msg, delete_group_msg_by_sender,
// openim/modify_group_msg and send_group_system_notification with TopicId
// act on the topic: imported messages take the topic's seqs, a recall by
// sender recalls that topic's messages of the sender only, a modify by seq
// rewrites the topic's message, and a notice reaches the community's
// members naming the topic. A TopicId of another group is 10015.
func TestTopicRESTMessages(t *testing.T) {
	s := grpStart(t)
	rcWant(t, "create community", s.Call("group_open_http_svc/create_group",
		`{"Owner_Account":"owner","Type":"Community","GroupId":"cm","Name":"n","SupportTopic":1,
		"MemberList":[{"Member_Account":"m1"},{"Member_Account":"m2"}]}`), 0)
	rcWant(t, "import topic a", s.Call("group_open_http_svc/import_topic",
		`{"GroupId":"cm","TopicId":"cm@TOPIC#_a","TopicName":"a","CreateTime":1448357837}`), 0)
	rcWant(t, "create topic b", s.Call("million_group_open_http_svc/create_topic", `{"GroupId":"cm","TopicId":"cm@TOPIC#_b","TopicName":"b"}`), 0)
	grpCreate(t, s, "pub", "Public")
	c := wsLogin(t, s, "m2")

	for _, tc := range []struct{ name, api, body string }{
		{"import", "group_open_http_svc/import_group_msg", `{"GroupId":"pub","TopicId":"cm@TOPIC#_a","MsgList":[{"From_Account":"m1","SendTime":1500000000,
			"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}]}`},
		{"recall by sender", "group_open_http_svc/delete_group_msg_by_sender", `{"GroupId":"pub","TopicId":"cm@TOPIC#_a","Sender_Account":"m1"}`},
		{"notice", "group_open_http_svc/send_group_system_notification", `{"GroupId":"pub","TopicId":"cm@TOPIC#_a","Content":"x"}`},
		{"modify", "openim/modify_group_msg", `{"GroupId":"pub","TopicId":"cm@TOPIC#_a","MsgSeq":1,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}`},
	} {
		rcWant(t, tc.name+", another group's topic", s.Call(tc.api, tc.body), 10015)
	}
	rcWant(t, "notice, no such topic", s.Call("group_open_http_svc/send_group_system_notification",
		`{"GroupId":"cm","TopicId":"cm@TOPIC#_none","Content":"x"}`), 10010)
	rcWant(t, "import, no such topic", s.Call("group_open_http_svc/import_group_msg", `{"GroupId":"cm","TopicId":"cm@TOPIC#_none",
		"MsgList":[{"From_Account":"m1","SendTime":1500000000,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}]}`), 10010)

	resp := s.MustOK("group_open_http_svc/import_group_msg", `{"GroupId":"cm","TopicId":"cm@TOPIC#_a","MsgList":[
		{"From_Account":"m1","SendTime":1500000000,"Random":1,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"old one"}}]},
		{"From_Account":"m2","SendTime":1500000001,"Random":2,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"old two"}}]}]}`)
	var seqs []string
	for _, r := range resttest.Items(resp, "ImportMsgResult") {
		seqs = append(seqs, fmt.Sprint(r["Result"], "/", r["MsgSeq"]))
	}
	if strings.Join(seqs, " ") != "0/1 0/2" {
		t.Fatalf("ImportMsgResult %v, want the topic's seqs 1 and 2", seqs)
	}
	rcWant(t, "m1 sends in a", topicSend(s, "cm@TOPIC#_a", "m1", 3), 0)
	rcWant(t, "m1 sends in b", topicSend(s, "cm@TOPIC#_b", "m1", 4), 0)
	history := func(topic string) string {
		t.Helper()
		var got []string
		for _, m := range resttest.Items(s.MustOK("group_open_http_svc/group_msg_get_simple",
			fmt.Sprintf(`{"GroupId":"cm","TopicId":%q,"ReqMsgNumber":10,"WithRecalledMsg":1}`, topic)), "RspMsgList") {
			got = append(got, fmt.Sprint(m["MsgSeq"], "/", m["From_Account"], "/", m["IsPlaceMsg"]))
		}
		return strings.Join(got, " ")
	}
	if got := history("cm@TOPIC#_a"); got != "3/m1/0 2/m2/0 1/m1/0" {
		t.Fatalf("a's history %s", got)
	}
	if got := resttest.Items(s.MustOK("group_open_http_svc/group_msg_get_simple", `{"GroupId":"cm","ReqMsgNumber":10}`), "RspMsgList"); len(got) != 0 {
		t.Fatalf("the community's own history has the topic's messages: %v", got)
	}

	rcWant(t, "modify a's seq 2", s.Call("openim/modify_group_msg", `{"GroupId":"cm","TopicId":"cm@TOPIC#_a","MsgSeq":2,
		"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"edited"}}]}`), 0)
	if d := jsonOf(c.push("msg.modified")["data"]); !strings.Contains(d, `"edited"`) || !strings.Contains(d, `"groupID":"cm@TOPIC#_a"`) {
		t.Errorf("msg.modified %s", d)
	}
	one := resttest.Items(s.MustOK("group_open_http_svc/group_msg_get_simple",
		`{"GroupId":"cm","TopicId":"cm@TOPIC#_a","ReqMsgNumber":1,"ReqMsgSeq":2}`), "RspMsgList")[0]
	if b := jsonOf(one["MsgBody"]); !strings.Contains(b, `"edited"`) {
		t.Errorf("a's seq 2 after the modify: %s", b)
	}
	rcWant(t, "modify b's seq 2 (none)", s.Call("openim/modify_group_msg", `{"GroupId":"cm","TopicId":"cm@TOPIC#_b","MsgSeq":2,
		"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"edited"}}]}`), 20026)

	rcWant(t, "recall m1's in a", s.Call("group_open_http_svc/delete_group_msg_by_sender",
		`{"GroupId":"cm","TopicId":"cm@TOPIC#_a","Sender_Account":"m1"}`), 0)
	if got := history("cm@TOPIC#_a"); got != "3/m1/2 2/m2/0 1/m1/2" {
		t.Fatalf("a's history after the recall by sender %s", got)
	}
	if got := history("cm@TOPIC#_b"); got != "1/m1/0" {
		t.Fatalf("b's history after a's recall by sender %s", got)
	}

	rcWant(t, "notice to a", s.Call("group_open_http_svc/send_group_system_notification",
		`{"GroupId":"cm","TopicId":"cm@TOPIC#_a","Content":"for a"}`), 0)
	if d := jsonOf(c.push("group.system_notice")["data"]); d != `{"content":"for a","groupID":"cm@TOPIC#_a"}` {
		t.Errorf("system_notice %s", d)
	}
	rcWant(t, "notice to a, m1 only", s.Call("group_open_http_svc/send_group_system_notification",
		`{"GroupId":"cm","TopicId":"cm@TOPIC#_a","Content":"m1 only","ToMembers_Account":["m1"]}`), 0)
	rcWant(t, "notice to a, m2 only", s.Call("group_open_http_svc/send_group_system_notification",
		`{"GroupId":"cm","TopicId":"cm@TOPIC#_a","Content":"m2 only","ToMembers_Account":["m2"]}`), 0)
	if d := jsonOf(c.push("group.system_notice")["data"]); d != `{"content":"m2 only","groupID":"cm@TOPIC#_a"}` {
		t.Errorf("the listed notice m2 heard: %s (want m2's, not m1's)", d)
	}
}
