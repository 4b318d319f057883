package restapi_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestTopicREST is rest-spec §3.7's topic calls as the app's admin meets
// them: the exact codes for groups without topics and bad input, the
// response fields of each call, topic messages through send_group_msg's
// TopicId, and deletion with per-topic results.
func TestTopicREST(t *testing.T) {
	s := grpStart(t)
	rcWant(t, "create community", s.Call("group_open_http_svc/create_group",
		`{"Owner_Account":"owner","Type":"Community","GroupId":"cm","Name":"n","SupportTopic":1,
		"MemberList":[{"Member_Account":"m1"},{"Member_Account":"adm","Role":"Admin"}]}`), 0)
	grpCreate(t, s, "flat", "Community")
	grpCreate(t, s, "pub", "Public")

	for _, c := range []struct {
		name, api, body string
		code            int
	}{
		{"create in a community without topics", "create_topic", `{"GroupId":"flat","TopicName":"t"}`, 11000},
		{"create in a public group", "create_topic", `{"GroupId":"pub","TopicName":"t"}`, 11000},
		{"create in no group", "create_topic", `{"GroupId":"none","TopicName":"t"}`, 10010},
		{"create without a name", "create_topic", `{"GroupId":"cm"}`, 10004},
		{"create with a 31-byte name", "create_topic", `{"GroupId":"cm","TopicName":"` + strings.Repeat("n", 31) + `"}`, 10004},
		{"create with a 241-byte introduction", "create_topic", `{"GroupId":"cm","TopicName":"t","Introduction":"` + strings.Repeat("i", 241) + `"}`, 10004},
		{"create with a malformed ID", "create_topic", `{"GroupId":"cm","TopicId":"other@TOPIC#_x","TopicName":"t"}`, 10015},
		{"create with a wrong type", "create_topic", `{"GroupId":"cm","TopicName":3}`, 10004},
		{"destroy without a list", "destroy_topic", `{"GroupId":"cm"}`, 10004},
		{"destroy in a public group", "destroy_topic", `{"GroupId":"pub","TopicIdList":["pub@TOPIC#_x"]}`, 11000},
		{"get in a community without topics", "get_topic", `{"GroupId":"flat"}`, 11000},
		{"get as an outsider", "get_topic", `{"GroupId":"cm","From_Account":"out"}`, 10007},
		{"modify without a TopicId", "modify_topic", `{"GroupId":"cm","TopicName":"x"}`, 10004},
		{"modify a bad MuteAllMember", "modify_topic", `{"GroupId":"cm","TopicId":"cm@TOPIC#_x","MuteAllMember":"Yes"}`, 10004},
		{"modify no such topic", "modify_topic", `{"GroupId":"cm","TopicId":"cm@TOPIC#_x","TopicName":"x"}`, 10010},
	} {
		svc := "million_group_open_http_svc/"
		rcWant(t, c.name, s.Call(svc+c.api, c.body), c.code)
	}

	resp := s.Call("million_group_open_http_svc/create_topic", `{"GroupId":"cm","TopicName":"news","CustomString":"c","FaceUrl":"http://f"}`)
	rcWant(t, "create", resp, 0)
	auto, _ := resp["TopicId"].(string)
	if !strings.HasPrefix(auto, "cm@TOPIC#_@TOPIC#") {
		t.Fatalf("server-assigned TopicId %q", auto)
	}
	resp = s.Call("million_group_open_http_svc/create_topic", `{"GroupId":"cm","TopicId":"cm@TOPIC#_chat","TopicName":"chat"}`)
	rcWant(t, "create custom", resp, 0)
	rcWant(t, "create custom again", s.Call("million_group_open_http_svc/create_topic", `{"GroupId":"cm","TopicId":"cm@TOPIC#_chat","TopicName":"c"}`), 10021)
	resp = s.Call("group_open_http_svc/import_topic", `{"GroupId":"cm","TopicId":"cm@TOPIC#_old","TopicName":"old","CreateTime":1448357837}`)
	rcWant(t, "import", resp, 0)
	rcWant(t, "import into a public group", s.Call("group_open_http_svc/import_topic", `{"GroupId":"pub","TopicName":"old"}`), 11000)

	// A topic message through send_group_msg: the topic's own seq.
	for i := 1; i <= 2; i++ {
		resp = s.Call("group_open_http_svc/send_group_msg", fmt.Sprintf(`{"GroupId":"cm","TopicId":"cm@TOPIC#_chat","Random":%d,"From_Account":"m1",
			"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]}`, i))
		rcWant(t, "send to a topic", resp, 0)
		if fmt.Sprint(resp["MsgSeq"]) != fmt.Sprint(i) {
			t.Fatalf("topic message %d took MsgSeq %v", i, resp["MsgSeq"])
		}
	}
	rcWant(t, "send to another community's topic", s.Call("group_open_http_svc/send_group_msg", `{"GroupId":"pub","TopicId":"cm@TOPIC#_chat",
		"Random":9,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]}`), 10015)

	// History and recall of a topic: group_msg_get_simple and group_msg_recall with TopicId.
	resp = s.Call("group_open_http_svc/group_msg_get_simple", `{"GroupId":"cm","TopicId":"cm@TOPIC#_chat","ReqMsgNumber":10}`)
	rcWant(t, "topic history", resp, 0)
	if msgs, _ := resp["RspMsgList"].([]any); len(msgs) != 2 || fmt.Sprint(msgs[0].(map[string]any)["MsgSeq"]) != "2" {
		t.Fatalf("topic history %v", resp)
	}
	resp = s.Call("group_open_http_svc/group_msg_recall", `{"GroupId":"cm","TopicId":"cm@TOPIC#_chat","MsgSeqList":[{"MsgSeq":1},{"MsgSeq":9}]}`)
	rcWant(t, "topic recall", resp, 0)
	if rets := fmt.Sprint(resp["RecallRetList"]); rets != "[map[MsgSeq:1 RetCode:0] map[MsgSeq:9 RetCode:10030]]" {
		t.Fatalf("topic recall results %s", rets)
	}
	rcWant(t, "history of a topic of another group", s.Call("group_open_http_svc/group_msg_get_simple",
		`{"GroupId":"pub","TopicId":"cm@TOPIC#_chat","ReqMsgNumber":10}`), 10015)
	rcWant(t, "modify", s.Call("million_group_open_http_svc/modify_topic", `{"GroupId":"cm","TopicId":"cm@TOPIC#_chat","TopicName":"renamed",
		"MuteAllMember":"On","Notification":"n"}`), 0)
	resp = s.Call("million_group_open_http_svc/get_topic", `{"GroupId":"cm","From_Account":"adm","TopicIdList":["cm@TOPIC#_chat","cm@TOPIC#_old"]}`)
	rcWant(t, "get", resp, 0)
	list, _ := resp["TopicAndSelfInfo"].([]any)
	if len(list) != 2 {
		t.Fatalf("TopicAndSelfInfo %v, want 2", resp)
	}
	chat := list[0].(map[string]any)["TopicInfo"].(map[string]any)
	if chat["TopicId"] != "cm@TOPIC#_chat" || chat["TopicName"] != "renamed" || chat["MuteAllMember"] != "On" || chat["Notification"] != "n" ||
		fmt.Sprint(chat["NextMsgSeq"]) != "3" || chat["GroupID"] != "cm" {
		t.Fatalf("chat's TopicInfo %v", chat)
	}
	if self, _ := list[0].(map[string]any)["SelfInfo"].(map[string]any); self == nil || self["MsgFlag"] != "AcceptAndNotify" {
		t.Fatalf("SelfInfo %v", list[0])
	}
	if old := list[1].(map[string]any)["TopicInfo"].(map[string]any); fmt.Sprint(old["CreateTime"]) != "1448357837" {
		t.Fatalf("imported topic's CreateTime %v", old["CreateTime"])
	}
	resp = s.Call("million_group_open_http_svc/get_topic", `{"GroupId":"cm"}`)
	if all, _ := resp["TopicAndSelfInfo"].([]any); len(all) != 3 {
		t.Fatalf("all topics: %v", resp)
	}

	resp = s.Call("million_group_open_http_svc/destroy_topic", `{"GroupId":"cm","TopicIdList":["cm@TOPIC#_chat","cm@TOPIC#_none"]}`)
	rcWant(t, "destroy", resp, 0)
	items, _ := resp["DestroyResultItem"].([]any)
	if len(items) != 2 || fmt.Sprint(items[0].(map[string]any)["ErrorCode"]) != "0" || fmt.Sprint(items[1].(map[string]any)["ErrorCode"]) != "110002" {
		t.Fatalf("DestroyResultItem %v", resp)
	}
	resp = s.Call("million_group_open_http_svc/get_topic", `{"GroupId":"cm","TopicIdList":["cm@TOPIC#_chat"]}`)
	if left, _ := resp["TopicAndSelfInfo"].([]any); len(left) != 0 {
		t.Fatalf("a deleted topic is still listed: %v", resp)
	}

	// Dismissing the community takes its topics along.
	rcWant(t, "dismiss", s.Call("group_open_http_svc/destroy_group", `{"GroupId":"cm"}`), 0)
	rcWant(t, "get after dismissal", s.Call("million_group_open_http_svc/get_topic", `{"GroupId":"cm"}`), 10010)
}
