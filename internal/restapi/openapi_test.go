package restapi_test

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/restapi"
	"github.com/parleyim/parley/internal/resttest"
)

// TestOpenAPIMatchesRoutes keeps docs/openapi.yaml honest: every command the
// server routes is documented, every documented /v4 path is routed, and each
// is described the way every Tencent call works (POST, the common query
// parameters, a JSON body, the envelope in a 200).
func TestOpenAPIMatchesRoutes(t *testing.T) {
	raw, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Errorf("docs/openapi.yaml: want OpenAPI 3.0.x, got %q", v)
	}
	paths, _ := doc["paths"].(map[string]any)

	s := &restapi.Server{}
	s.Handler()
	routed := s.Routes()
	if len(routed) == 0 {
		t.Fatal("the server routes nothing")
	}
	var documented []string
	for p := range paths {
		if cmd, ok := strings.CutPrefix(p, "/v4/"); ok {
			documented = append(documented, cmd)
		}
	}
	slices.Sort(documented)
	for _, r := range routed {
		if !slices.Contains(documented, r) {
			t.Errorf("the server routes %s, docs/openapi.yaml has no path /v4/%s", r, r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routed, d) {
			t.Errorf("docs/openapi.yaml documents /v4/%s, which the server does not route (60009)", d)
		}
	}

	common := []string{"sdkappid", "identifier", "usersig", "random", "contenttype"}
	for _, cmd := range documented {
		item, _ := paths["/v4/"+cmd].(map[string]any)
		for method := range item {
			if method != "post" {
				t.Errorf("/v4/%s: %s documented; the REST door answers only POST (60002)", cmd, method)
			}
		}
		op, _ := item["post"].(map[string]any)
		if op == nil {
			t.Errorf("/v4/%s: no post operation", cmd)
			continue
		}
		var params []string
		for _, p := range asList(op["parameters"]) {
			ref, _ := asMap(p)["$ref"].(string)
			params = append(params, strings.TrimPrefix(ref, "#/components/parameters/"))
		}
		for _, want := range common {
			if !slices.Contains(params, want) {
				t.Errorf("/v4/%s: lacks the common query parameter %s", cmd, want)
			}
		}
		if asMap(asMap(asMap(op["requestBody"])["content"])["application/json"])["schema"] == nil {
			t.Errorf("/v4/%s: no JSON request body schema", cmd)
		}
		resp := asMap(asMap(asMap(asMap(op["responses"])["200"])["content"])["application/json"])["schema"]
		if resp == nil {
			t.Errorf("/v4/%s: no JSON schema for the 200 response", cmd)
		} else if !refersTo(resp, "#/components/schemas/Envelope", doc) {
			t.Errorf("/v4/%s: the 200 response does not carry the envelope (Envelope schema)", cmd)
		}
	}

	// A $ref to nothing is invisible in review and breaks every generator.
	walk(doc, func(ref string) {
		if resolve(doc, ref) == nil {
			t.Errorf("docs/openapi.yaml: $ref %s resolves to nothing", ref)
		}
	})
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func asList(v any) []any         { l, _ := v.([]any); return l }

// walk calls fn with every $ref in v.
func walk(v any, fn func(ref string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if ref, ok := e.(string); ok && k == "$ref" {
				fn(ref)
			}
			walk(e, fn)
		}
	case []any:
		for _, e := range x {
			walk(e, fn)
		}
	}
}

func resolve(doc map[string]any, ref string) any {
	path, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var cur any = doc
	for _, part := range strings.Split(path, "/") {
		cur = asMap(cur)[part]
	}
	return cur
}

// refersTo reports whether schema is ref, or reaches it through allOf or
// through other component schemas (BatchResult embeds the envelope).
func refersTo(schema any, ref string, doc map[string]any) bool {
	m := asMap(schema)
	if r, ok := m["$ref"].(string); ok {
		return r == ref || refersTo(resolve(doc, r), ref, doc)
	}
	for _, s := range asList(m["allOf"]) {
		if refersTo(s, ref, doc) {
			return true
		}
	}
	return false
}

// TestOpenAPIResponsesDocumented calls every route on a real node with a
// body that succeeds and checks that each field of each answer, at every
// depth the document describes, is documented there: a field a handler
// starts sending shows up here until docs/openapi.yaml names it.
func TestOpenAPIResponsesDocumented(t *testing.T) {
	raw, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	s := resttest.Start(t)
	covered := map[string]bool{}
	check := func(api, body string) map[string]any {
		t.Helper()
		covered[api] = true
		resp := s.MustOK(api, body)
		op := asMap(asMap(asMap(doc["paths"])["/v4/"+api])["post"])
		schema := asMap(asMap(asMap(asMap(asMap(op["responses"])["200"])["content"])["application/json"])["schema"])
		checkDocumented(t, doc, api, "", resp, schema)
		return resp
	}
	s.Import("alice", "bob", "carol")
	sent := check("openim/sendmsg", `{"From_Account":"alice","To_Account":"bob","MsgRandom":1,
		"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]}`)
	key, _ := sent["MsgKey"].(string)
	now := time.Now().Unix()
	calls := []struct{ api, body string }{
		{"im_open_login_svc/account_import", `{"UserID":"dave","Nick":"Dave"}`},
		{"im_open_login_svc/multiaccount_import", `{"Accounts":["erin","frank"]}`},
		{"im_open_login_svc/account_check", `{"CheckItem":[{"UserID":"alice"},{"UserID":"nobody"}]}`},
		{"im_open_login_svc/kick", `{"UserID":"alice"}`},
		{"openim/query_online_status", `{"To_Account":["alice","nobody"],"IsNeedDetail":1}`},
		{"openim/querystate", `{"To_Account":["alice","nobody"]}`},
		{"profile/portrait_set", `{"From_Account":"alice","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"Alice"}]}`},
		{"profile/portrait_get", `{"To_Account":["alice","nobody"],"TagList":["Tag_Profile_IM_Nick"]}`},
		{"sns/friend_import", `{"From_Account":"alice","AddFriendItem":[{"To_Account":"bob","AddSource":"AddSource_Type_Test","GroupName":["g1"]}]}`},
		{"sns/friend_add", `{"From_Account":"alice","AddFriendItem":[{"To_Account":"carol","AddSource":"AddSource_Type_Test"}]}`},
		{"sns/friend_update", `{"From_Account":"alice","UpdateItem":[{"To_Account":"bob","SnsItem":[{"Tag":"Tag_SNS_IM_Remark","Value":"B"}]}]}`},
		{"sns/friend_check", `{"From_Account":"alice","To_Account":["bob","carol"],"CheckType":"CheckResult_Type_Both"}`},
		{"sns/friend_get", `{"From_Account":"alice","StartIndex":0}`},
		{"sns/friend_get_list", `{"From_Account":"alice","To_Account":["bob","carol"],"TagList":["Tag_SNS_IM_Remark","Tag_SNS_IM_Group"]}`},
		{"sns/group_add", `{"From_Account":"alice","GroupName":["g2"],"To_Account":["bob","carol"]}`},
		{"sns/group_get", `{"From_Account":"alice","NeedFriend":"Need_Friend_Type_Yes"}`},
		{"sns/group_delete", `{"From_Account":"alice","GroupName":["g2"]}`},
		{"sns/black_list_add", `{"From_Account":"carol","To_Account":["dave","nobody"]}`},
		{"sns/black_list_get", `{"From_Account":"carol","StartIndex":0,"MaxLimited":10,"LastSequence":0}`},
		{"sns/black_list_check", `{"From_Account":"carol","To_Account":["dave"],"CheckType":"BlackCheckResult_Type_Both"}`},
		{"sns/black_list_delete", `{"From_Account":"carol","To_Account":["dave"]}`},
		{"openim/batchsendmsg", `{"From_Account":"alice","To_Account":["bob","nobody"],"MsgRandom":2,
			"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"all"}}]}`},
		{"openim/importmsg", `{"SyncFromOldSystem":2,"From_Account":"bob","To_Account":"alice","MsgRandom":3,"MsgTimeStamp":` +
			strconv.FormatInt(now-60, 10) + `,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"old"}}]}`},
		{"openim/get_c2c_unread_msg_num", `{"To_Account":"bob","Peer_Account":["alice","nobody"]}`},
		{"openim/admin_getroammsg", `{"Operator_Account":"alice","Peer_Account":"bob","MaxCnt":10,"MinTime":0,"MaxTime":` +
			strconv.FormatInt(now+60, 10) + `}`},
		{"openim/modify_c2c_msg", `{"From_Account":"alice","To_Account":"bob","MsgKey":"` + key +
			`","MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"edited"}}]}`},
		{"openim/admin_set_msg_read", `{"Report_Account":"bob","Peer_Account":"alice"}`},
		{"recentcontact/get_list", `{"From_Account":"alice","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}`},
		{"recentcontact/mark_contact", `{"From_Account":"alice","MarkItem":[{"OptType":3,"ContactItem":{"Type":1,"To_Account":"bob"},
			"SetMark":[1],"CustomMark":"x"}]}`},
		{"recentcontact/create_contact_group", `{"From_Account":"alice","GroupContactItem":[{"GroupName":"work",
			"ContactItem":[{"Type":1,"To_Account":"bob"}]}]}`},
		{"recentcontact/update_contact_group", `{"From_Account":"alice","UpdateType":1,"UpdateGroup":{"UpdateGroupType":2,
			"OldGroupName":"work","ContactUpdateItem":[{"ContactOptType":1,"ContactItem":{"Type":1,"To_Account":"carol"}}]}}`},
		{"recentcontact/get_contact_group", `{"From_Account":"alice","StartIndex":0}`},
		{"recentcontact/search_contact_group", `{"From_Account":"alice","ContactItem":[{"Type":1,"To_Account":"bob"}]}`},
		{"recentcontact/del_contact_group", `{"From_Account":"alice","GroupName":["work"]}`},
		{"openim/admin_msgwithdraw", `{"From_Account":"alice","To_Account":"bob","MsgKey":"` + key + `"}`},
		{"recentcontact/delete", `{"From_Account":"alice","Type":1,"To_Account":"bob","ClearRamble":1}`},
		{"sns/friend_delete", `{"From_Account":"alice","To_Account":["bob"],"DeleteType":"Delete_Type_Both"}`},
		{"sns/friend_delete_all", `{"From_Account":"alice"}`},
		{"group_open_http_svc/create_group", `{"Owner_Account":"alice","Type":"Public","GroupId":"og1","Name":"g",
			"MemberList":[{"Member_Account":"bob","Role":"Admin"}]}`},
		{"group_open_http_svc/import_group", `{"Owner_Account":"alice","Type":"Work","GroupId":"og2","Name":"w","CreateTime":1448357837}`},
		{"group_open_http_svc/modify_group_base_info", `{"GroupId":"og1","Name":"g2","MuteAllMember":"Off"}`},
		{"group_open_http_svc/add_group_member", `{"GroupId":"og1","MemberList":[{"Member_Account":"carol"},{"Member_Account":"nobody"}]}`},
		{"group_open_http_svc/modify_group_member_info", `{"GroupId":"og1","Member_Account":"carol","NameCard":"C"}`},
		{"group_open_http_svc/forbid_send_msg", `{"GroupId":"og1","Members_Account":["carol"],"MuteTime":60}`},
		{"group_open_http_svc/get_group_info", `{"GroupIdList":["og1","nope"]}`},
		{"group_open_http_svc/get_group_member_info", `{"GroupId":"og1","Limit":10}`},
		{"group_open_http_svc/get_group_muted_account", `{"GroupId":"og1"}`},
		{"group_open_http_svc/get_group_shutted_uin", `{"GroupId":"og1"}`},
		{"group_open_http_svc/get_role_in_group", `{"GroupId":"og1","User_Account":["alice","bob","nobody"]}`},
		{"group_open_http_svc/get_joined_group_list", `{"Member_Account":"alice","ResponseFilter":{"GroupBaseInfoFilter":
			["Type","Name","Introduction","Notification","FaceUrl","Owner_Account","CreateTime","LastInfoTime","LastMsgTime",
			"NextMsgSeq","MemberNum","MaxMemberNum","ApplyJoinOption","MuteAllMember"],"SelfInfoFilter":["Role","JoinTime","MsgFlag"]}}`},
		{"group_open_http_svc/send_group_msg", `{"GroupId":"og1","From_Account":"alice","Random":9,
			"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi all"}}]}`},
		{"group_open_http_svc/group_msg_get_simple", `{"GroupId":"og1","ReqMsgNumber":20,"WithRecalledMsg":1}`},
		{"openim/modify_group_msg", `{"GroupId":"og1","MsgSeq":1,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"e"}}]}`},
		{"group_open_http_svc/modify_group_msg", `{"GroupId":"og1","MsgSeq":1,"CloudCustomData":"c"}`},
		{"group_open_http_svc/import_group_member", `{"GroupId":"og2","MemberList":[{"Member_Account":"carol","JoinTime":1448357900,"UnreadMsgNum":1}]}`},
		{"group_open_http_svc/import_group_msg", `{"GroupId":"og2","MsgList":[{"From_Account":"carol","SendTime":1448358000,
			"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"old"}}]}]}`},
		{"group_open_http_svc/set_unread_msg_num", `{"GroupId":"og1","Member_Account":"bob","UnreadMsgNum":2}`},
		{"group_open_http_svc/send_group_system_notification", `{"GroupId":"og1","Content":"notice"}`},
		{"group_open_http_svc/get_appid_group_list", `{"Limit":1}`},
		{"group_open_http_svc/group_msg_recall", `{"GroupId":"og1","MsgSeqList":[{"MsgSeq":1},{"MsgSeq":99}]}`},
		{"group_open_http_svc/delete_group_msg_by_sender", `{"GroupId":"og1","Sender_Account":"alice"}`},
		{"group_open_http_svc/change_group_owner", `{"GroupId":"og1","NewOwner_Account":"bob"}`},
		{"group_open_http_svc/delete_group_member", `{"GroupId":"og1","MemberToDel_Account":["carol"]}`},
		{"group_open_http_svc/set_group_attr", `{"GroupId":"og1","GroupAttr":[{"key":"seat1","value":"alice"}]}`},
		{"group_open_http_svc/modify_group_attr", `{"GroupId":"og1","GroupAttr":[{"key":"seat2","value":"bob"}]}`},
		{"group_open_attr_http_svc/get_group_attr", `{"GroupId":"og1"}`},
		{"group_open_http_svc/clear_group_attr", `{"GroupId":"og1"}`},
		{"group_open_http_svc/update_group_counter", `{"GroupId":"og1","GroupCounter":[{"Key":"like","Value":5}],"Mode":"Increase"}`},
		{"group_open_http_svc/get_group_counter", `{"GroupId":"og1","GroupCounterKeys":["like"]}`},
		{"group_open_http_svc/delete_group_counter", `{"GroupId":"og1"}`},
		{"group_open_http_svc/destroy_group", `{"GroupId":"og1"}`},
		{"group_open_http_svc/create_group", `{"Owner_Account":"alice","Type":"Community","GroupId":"oc1","Name":"c","SupportTopic":1}`},
		{"million_group_open_http_svc/create_topic", `{"GroupId":"oc1","TopicId":"oc1@TOPIC#_t","TopicName":"t"}`},
		{"group_open_http_svc/import_topic", `{"GroupId":"oc1","TopicName":"old","CreateTime":1448357837}`},
		{"million_group_open_http_svc/modify_topic", `{"GroupId":"oc1","TopicId":"oc1@TOPIC#_t","MuteAllMember":"On"}`},
		{"million_group_open_http_svc/get_topic", `{"GroupId":"oc1","From_Account":"alice"}`},
		{"million_group_open_http_svc/destroy_topic", `{"GroupId":"oc1","TopicIdList":["oc1@TOPIC#_t","oc1@TOPIC#_none"]}`},
		{"im_open_login_svc/account_delete", `{"DeleteItem":[{"UserID":"frank"},{"UserID":"nobody"}]}`},
	}
	for _, c := range calls {
		check(c.api, c.body)
	}
	// Group read receipts: a message that asked for one, read by bob.
	s.App.GroupReadReceipts = []string{"Public"}
	check("group_open_http_svc/create_group", `{"Owner_Account":"alice","Type":"Public","GroupId":"og3","Name":"r",
		"MemberList":[{"Member_Account":"bob"}]}`)
	asked, err := s.Node.Messages.SendGroup(t.Context(), s.App, message.GroupSendRequest{From: "alice", GroupID: "og3", Random: 1,
		Content: message.Content{MsgBody: []message.Element{{MsgType: "TIMTextElem", MsgContent: []byte(`{"Text":"r"}`)}}}, NeedReadReceipt: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Node.Messages.SendGroupReceipts(t.Context(), s.App, "bob", "og3", []string{asked.Key}); err != nil {
		t.Fatal(err)
	}
	check("group_open_http_svc/get_group_msg_receipt", `{"GroupId":"og3","MsgSeqList":[{"MsgSeq":1},{"MsgSeq":9}]}`)
	check("group_open_http_svc/get_group_msg_receipt_detail", `{"GroupId":"og3","MsgSeq":1,"Filter":0,"Cursor":"","Count":10}`)
	check("group_open_http_svc/get_group_msg_receipt_detail", `{"GroupId":"og3","MsgSeq":1,"Filter":1,"Cursor":"","Count":10}`)
	s2 := &restapi.Server{}
	s2.Handler()
	for _, r := range s2.Routes() {
		if !covered[r] {
			t.Errorf("%s: no call in this test: add one so its answer is checked against docs/openapi.yaml", r)
		}
	}
}

// checkDocumented fails for each field of v that schema does not name.
// Schemas without properties (free-form content, Tag values) are not
// looked into.
func checkDocumented(t *testing.T, doc map[string]any, api, at string, v any, schema map[string]any) {
	t.Helper()
	props, items := flatten(doc, schema)
	switch x := v.(type) {
	case map[string]any:
		if props == nil {
			return
		}
		for k, e := range x {
			sub, ok := props[k]
			if !ok {
				t.Errorf("%s: the answer has %s%s, which docs/openapi.yaml does not document", api, at, k)
				continue
			}
			checkDocumented(t, doc, api, at+k+".", e, asMap(sub))
		}
	case []any:
		if items == nil {
			return
		}
		for _, e := range x {
			checkDocumented(t, doc, api, strings.TrimSuffix(at, ".")+"[].", e, items)
		}
	}
}

// flatten resolves $ref and merges allOf: the properties of an object
// schema, or the item schema of an array one.
func flatten(doc map[string]any, schema map[string]any) (props map[string]any, items map[string]any) {
	if ref, ok := schema["$ref"].(string); ok {
		return flatten(doc, asMap(resolve(doc, ref)))
	}
	if p := asMap(schema["properties"]); p != nil {
		props = map[string]any{}
		for k, v := range p {
			props[k] = v
		}
	}
	for _, sub := range asList(schema["allOf"]) {
		p, it := flatten(doc, asMap(sub))
		if p != nil && props == nil {
			props = map[string]any{}
		}
		for k, v := range p {
			props[k] = v
		}
		if it != nil {
			items = it
		}
	}
	if it := asMap(schema["items"]); it != nil {
		items = it
	}
	return props, items
}
