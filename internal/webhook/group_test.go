package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/webhook"
)

// groupAfterCommands are the group after-callbacks, in the order a test
// compares their arrival with.
var groupAfterCommands = []string{webhook.CmdGroupAfterCreate, webhook.CmdGroupAfterNewMemberJoin, webhook.CmdGroupAfterMemberExit,
	webhook.CmdGroupAfterSendMsg, webhook.CmdGroupAfterGroupFull, webhook.CmdGroupAfterDestroyed, webhook.CmdGroupAfterInfoChanged,
	webhook.CmdGroupAfterRecallMsg, webhook.CmdGroupAfterChangeOwner, webhook.CmdGroupAfterReadReceipt}

// afterOrder is the group after-callbacks received so far, in arrival
// order (the first arrival of each: a retry may repeat one).
func (r *receiver) afterOrder() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	seen := map[string]bool{}
	for _, c := range r.got {
		cmd := c.Query.Get("CallbackCommand")
		key := cmd + string(c.Raw)
		if slices.Contains(groupAfterCommands, cmd) && !seen[key] {
			seen[key] = true
			out = append(out, cmd)
		}
	}
	return out
}

func members(c callback, list string) []string {
	var out []string
	items, _ := c.Body[list].([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		out = append(out, fmt.Sprint(m["Member_Account"]))
	}
	slices.Sort(out)
	return out
}

// clientCtx is a client session's request from platform (the gateway's
// marks), for the group changes only the domain service serves yet.
func clientCtx(platform string) context.Context {
	return hook.WithOrigin(hook.FromClient(context.Background()), hook.Origin{Platform: platform, ClientIP: "127.0.0.1"})
}

// Every group command Parley has fires with its fields, signed, from the
// door that made the change, and a group's after-callbacks arrive in the
// order of its changes.
func TestGroupCommands(t *testing.T) {
	r := newReceiver(t)
	r.setAnswer(func(cmd string, body map[string]any) (int, string) {
		if cmd == webhook.CmdGroupBeforeInviteJoin {
			return http.StatusOK, `{"ActionStatus":"OK","ErrorCode":0,"RefusedMembers_Account":["m3"]}`
		}
		return http.StatusOK, `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}`
	})
	n := startNode(t, newStoreSpec(t), map[store.AppID]webhook.Config{appA: all(r)})
	n.mustOK(appA, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"owner", "m1", "m2", "m3", "m4"}})

	n.mustOK(appA, "group_open_http_svc/create_group", map[string]any{"GroupId": "g1", "Type": "Public", "Name": "Team",
		"Owner_Account": "owner", "ApplyJoinOption": "FreeAccess", "MaxMemberNum": 4,
		"MemberList": []map[string]any{{"Member_Account": "m1"}}})
	bc := r.wait(webhook.CmdGroupBeforeCreate, 1)[0]
	checkProtocol(t, bc, appA, "RESTAPI")
	if field(bc, "Owner_Account") != "owner" || field(bc, "Operator_Account") != admin || field(bc, "Type") != "Public" || field(bc, "Name") != "Team" ||
		!slices.Equal(members(bc, "MemberList"), []string{"m1"}) {
		t.Fatalf("before-create %s", bc.Raw)
	}
	ac := r.wait(webhook.CmdGroupAfterCreate, 1)[0]
	checkProtocol(t, ac, appA, "RESTAPI")
	if field(ac, "GroupId") != "g1" || field(ac, "Owner_Account") != "owner" || field(ac, "Operator_Account") != admin ||
		!slices.Equal(members(ac, "MemberList"), []string{"m1", "owner"}) {
		t.Fatalf("after-create %s", ac.Raw)
	}

	// An add asks the invite callback, which refuses m3 alone.
	add := n.mustOK(appA, "group_open_http_svc/add_group_member", map[string]any{"GroupId": "g1",
		"MemberList": []map[string]any{{"Member_Account": "m2"}, {"Member_Account": "m3"}}})
	if got := fmt.Sprint(add["MemberList"]); !strings.Contains(got, "m2 Result:1") || !strings.Contains(got, "m3 Result:0") {
		t.Fatalf("add_group_member with m3 refused by the callback: %v", add)
	}
	bi := r.wait(webhook.CmdGroupBeforeInviteJoin, 1)[0]
	checkProtocol(t, bi, appA, "RESTAPI")
	if field(bi, "GroupId") != "g1" || field(bi, "Type") != "Public" || field(bi, "Operator_Account") != admin ||
		!slices.Equal(members(bi, "DestinationMembers"), []string{"m2", "m3"}) {
		t.Fatalf("before-invite %s", bi.Raw)
	}
	j := r.wait(webhook.CmdGroupAfterNewMemberJoin, 1)[0]
	checkProtocol(t, j, appA, "RESTAPI")
	if field(j, "JoinType") != "Invite" || !slices.Equal(members(j, "NewMemberList"), []string{"m2"}) {
		t.Fatalf("after-join of the add %s", j.Raw)
	}

	// A client's join: the apply callback, the join, and the group is full.
	a := n.apps[appA]
	if st, err := n.srv.Groups.Join(clientCtx("iOS"), a, group.Actor{User: "m4"}, "g1", ""); err != nil || st != group.Joined {
		t.Fatalf("join: %v %v", st, err)
	}
	ba := r.wait(webhook.CmdGroupBeforeApplyJoin, 1)[0]
	checkProtocol(t, ba, appA, "iOS")
	if field(ba, "Requestor_Account") != "m4" || field(ba, "GroupId") != "g1" || field(ba, "Type") != "Public" {
		t.Fatalf("before-apply %s", ba.Raw)
	}
	j = r.wait(webhook.CmdGroupAfterNewMemberJoin, 2)[1]
	checkProtocol(t, j, appA, "iOS")
	if field(j, "JoinType") != "Apply" || field(j, "Operator_Account") != "m4" || !slices.Equal(members(j, "NewMemberList"), []string{"m4"}) {
		t.Fatalf("after-join of the join %s", j.Raw)
	}
	if full := r.wait(webhook.CmdGroupAfterGroupFull, 1)[0]; field(full, "GroupId") != "g1" {
		t.Fatalf("group full %s", full.Raw)
	}

	n.mustOK(appA, "group_open_http_svc/modify_group_base_info", map[string]any{"GroupId": "g1", "Notification": "read me"})
	ic := r.wait(webhook.CmdGroupAfterInfoChanged, 1)[0]
	checkProtocol(t, ic, appA, "RESTAPI")
	if field(ic, "Notification") != "read me" || field(ic, "Type") != "Public" || ic.Body["Name"] != nil {
		t.Fatalf("info changed %s (only the changed fields)", ic.Raw)
	}

	n.mustOK(appA, "group_open_http_svc/send_group_msg", map[string]any{"GroupId": "g1", "From_Account": "m1", "Random": 42,
		"MsgBody": text("hello group"), "CloudCustomData": "cc"})
	bs := r.wait(webhook.CmdGroupBeforeSendMsg, 1)[0]
	checkProtocol(t, bs, appA, "RESTAPI")
	if field(bs, "From_Account") != "m1" || field(bs, "Random") != json.Number("42") || field(bs, "CloudCustomData") != "cc" ||
		field(bs, "GroupId") != "g1" || field(bs, "MsgBody") == nil {
		t.Fatalf("before-send %s", bs.Raw)
	}
	as := r.wait(webhook.CmdGroupAfterSendMsg, 1)[0]
	checkProtocol(t, as, appA, "RESTAPI")
	if field(as, "MsgSeq") != json.Number("1") || field(as, "From_Account") != "m1" || field(as, "Random") != json.Number("42") ||
		!strings.Contains(string(as.Raw), "hello group") || field(as, "Type") != "Public" {
		t.Fatalf("after-send %s", as.Raw)
	}

	n.mustOK(appA, "group_open_http_svc/group_msg_recall", map[string]any{"GroupId": "g1", "MsgSeqList": []map[string]any{{"MsgSeq": 1}}})
	rc := r.wait(webhook.CmdGroupAfterRecallMsg, 1)[0]
	checkProtocol(t, rc, appA, "RESTAPI")
	if fmt.Sprint(field(rc, "MsgSeqList")) != "[map[MsgSeq:1]]" || field(rc, "GroupId") != "g1" {
		t.Fatalf("recall %s", rc.Raw)
	}

	// A member's read receipt of a message sent with one requested.
	a.GroupReadReceipts = []string{"Public"}
	asked, err := n.srv.Messages.SendGroup(clientCtx("iOS"), a, message.GroupSendRequest{From: "m1", GroupID: "g1", Random: 43,
		Content:         message.Content{MsgBody: []message.Element{{MsgType: "TIMTextElem", MsgContent: json.RawMessage(`{"Text":"read me"}`)}}},
		NeedReadReceipt: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.srv.Messages.SendGroupReceipts(clientCtx("Android"), a, "owner", "g1", []string{asked.Key}); err != nil {
		t.Fatal(err)
	}
	rr := r.wait(webhook.CmdGroupAfterReadReceipt, 1)[0]
	checkProtocol(t, rr, appA, "Android")
	if field(rr, "Operator_Account") != "owner" || field(rr, "Type") != "Public" ||
		fmt.Sprint(field(rr, "GroupMsgReceiptList")) != "[map[MsgSeq:2 ReadNum:1 UnreadNum:2]]" {
		t.Fatalf("read receipt %s", rr.Raw)
	}

	n.mustOK(appA, "group_open_http_svc/change_group_owner", map[string]any{"GroupId": "g1", "NewOwner_Account": "m1"})
	oc := r.wait(webhook.CmdGroupAfterChangeOwner, 1)[0]
	checkProtocol(t, oc, appA, "RESTAPI")
	if field(oc, "OldOwner_Account") != "owner" || field(oc, "NewOwner_Account") != "m1" || field(oc, "Type") != "Public" {
		t.Fatalf("owner changed %s", oc.Raw)
	}

	n.mustOK(appA, "group_open_http_svc/modify_group_attr", map[string]any{"GroupId": "g1", "GroupAttr": []map[string]any{{"key": "seat", "value": "m1"}}})
	at := r.wait("Group.CallbackAfterGroupAttrChanged", 1)[0]
	checkProtocol(t, at, appA, "RESTAPI")
	if field(at, "OptionType") != "modify" || fmt.Sprint(field(at, "GroupAttr")) != "[map[key:seat value:m1]]" || field(at, "Type") != "Public" {
		t.Fatalf("attr changed %s", at.Raw)
	}

	n.mustOK(appA, "group_open_http_svc/delete_group_member", map[string]any{"GroupId": "g1", "MemberToDel_Account": []string{"m2"}})
	ex := r.wait(webhook.CmdGroupAfterMemberExit, 1)[0]
	checkProtocol(t, ex, appA, "RESTAPI")
	if field(ex, "ExitType") != "Kicked" || !slices.Equal(members(ex, "ExitMemberList"), []string{"m2"}) {
		t.Fatalf("kick exit %s", ex.Raw)
	}
	if err := n.srv.Groups.Quit(clientCtx("Android"), a, group.Actor{User: "m4"}, "g1"); err != nil {
		t.Fatal(err)
	}
	ex = r.wait(webhook.CmdGroupAfterMemberExit, 2)[1]
	checkProtocol(t, ex, appA, "Android")
	if field(ex, "ExitType") != "Quit" || field(ex, "Operator_Account") != "m4" || !slices.Equal(members(ex, "ExitMemberList"), []string{"m4"}) {
		t.Fatalf("quit exit %s", ex.Raw)
	}

	n.mustOK(appA, "group_open_http_svc/destroy_group", map[string]any{"GroupId": "g1"})
	d := r.wait(webhook.CmdGroupAfterDestroyed, 1)[0]
	checkProtocol(t, d, appA, "RESTAPI")
	if field(d, "Owner_Account") != "m1" || field(d, "Name") != "Team" || !slices.Equal(members(d, "MemberList"), []string{"m1", "owner"}) {
		t.Fatalf("destroyed %s", d.Raw)
	}

	want := []string{webhook.CmdGroupAfterCreate, webhook.CmdGroupAfterNewMemberJoin, webhook.CmdGroupAfterNewMemberJoin,
		webhook.CmdGroupAfterGroupFull, webhook.CmdGroupAfterInfoChanged, webhook.CmdGroupAfterSendMsg, webhook.CmdGroupAfterRecallMsg,
		webhook.CmdGroupAfterSendMsg, webhook.CmdGroupAfterReadReceipt, webhook.CmdGroupAfterChangeOwner, webhook.CmdGroupAfterMemberExit, webhook.CmdGroupAfterMemberExit, webhook.CmdGroupAfterDestroyed}
	if got := r.afterOrder(); !slices.Equal(got, want) {
		t.Fatalf("group after-callbacks in order\n%v\nwant\n%v", got, want)
	}

	// A community's topics: created, changed, deleted.
	n.mustOK(appA, "group_open_http_svc/create_group", map[string]any{"GroupId": "c1", "Type": "Community", "Name": "C",
		"Owner_Account": "owner", "SupportTopic": 1})
	n.mustOK(appA, "million_group_open_http_svc/create_topic", map[string]any{"GroupId": "c1", "TopicId": "c1@TOPIC#_t", "TopicName": "T"})
	tc := r.wait(webhook.CmdGroupAfterCreateTopic, 1)[0]
	checkProtocol(t, tc, appA, "RESTAPI")
	if field(tc, "GroupId") != "c1" || field(tc, "TopicId") != "c1@TOPIC#_t" || field(tc, "Name") != "T" || field(tc, "Owner_Account") != "owner" ||
		field(tc, "Type") != "Community" || field(tc, "Operator_Account") != admin {
		t.Fatalf("topic created %s", tc.Raw)
	}
	n.mustOK(appA, "million_group_open_http_svc/modify_topic", map[string]any{"GroupId": "c1", "TopicId": "c1@TOPIC#_t", "Notification": "n"})
	ti := r.wait(webhook.CmdGroupAfterTopicInfoChanged, 1)[0]
	if field(ti, "TopicId") != "c1@TOPIC#_t" || field(ti, "Notification") != "n" || ti.Body["Name"] != nil || field(ti, "Type") != "Community" {
		t.Fatalf("topic info changed %s (only the changed fields)", ti.Raw)
	}
	n.mustOK(appA, "group_open_http_svc/send_group_msg", map[string]any{"GroupId": "c1", "TopicId": "c1@TOPIC#_t", "Random": 43,
		"MsgBody": text("hello topic")})
	sends := r.wait(webhook.CmdGroupAfterSendMsg, 3)
	if ts := sends[len(sends)-1]; field(ts, "GroupId") != "c1" || field(ts, "TopicId") != "c1@TOPIC#_t" ||
		field(ts, "MsgSeq") != json.Number("1") {
		t.Fatalf("topic message sent %s", ts.Raw)
	}
	n.mustOK(appA, "million_group_open_http_svc/destroy_topic", map[string]any{"GroupId": "c1", "TopicIdList": []string{"c1@TOPIC#_t"}})
	if td := r.wait(webhook.CmdGroupAfterTopicDestroyed, 1)[0]; fmt.Sprint(field(td, "TopicIdList")) != "[c1@TOPIC#_t]" || field(td, "GroupId") != "c1" {
		t.Fatalf("topics destroyed %s", td.Raw)
	}
	decodeAsTencentReceiver(t, r.all(), true)
}

// The group before-callbacks steer the change: reject (10016), an app
// code of [10100, 10200], drop (the sender is told it was sent; nothing is
// stored, no after-send), rewrite (what is stored and reported after is
// the rewrite), and a receiver that does not answer decided by
// allow_on_timeout.
func TestGroupBeforeOutcomes(t *testing.T) {
	r := newReceiver(t)
	var answer string
	r.setAnswer(func(cmd string, body map[string]any) (int, string) {
		r.mu.Lock()
		a := answer
		r.mu.Unlock()
		if strings.HasPrefix(cmd, "Group.CallbackBefore") && a != "" {
			return http.StatusOK, a
		}
		return http.StatusOK, `{"ActionStatus":"OK","ErrorCode":0}`
	})
	set := func(a string) {
		r.mu.Lock()
		answer = a
		r.mu.Unlock()
	}
	n := startNode(t, newStoreSpec(t), map[store.AppID]webhook.Config{appA: all(r, func(c *webhook.Config) { c.AllowOnTimeout = false })})
	n.mustOK(appA, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"owner", "m1", "m2"}})

	create := map[string]any{"GroupId": "g2", "Type": "Public", "Name": "G", "Owner_Account": "owner", "ApplyJoinOption": "FreeAccess"}
	set(`{"ErrorCode":1,"ErrorInfo":"no groups today"}`)
	if out := n.rest(appA, "group_open_http_svc/create_group", create); code(out) != hook.CodeGroupRejected {
		t.Fatalf("create refused by the callback: %v, want %d", out, hook.CodeGroupRejected)
	}
	if out := n.rest(appA, "group_open_http_svc/get_group_info", map[string]any{"GroupIdList": []string{"g2"}}); strings.Contains(fmt.Sprint(out), "Name:G ") {
		t.Fatalf("a refused create made the group: %v", out)
	}
	set("")
	n.mustOK(appA, "group_open_http_svc/create_group", create)

	set(`{"ErrorCode":10150,"ErrorInfo":"members only"}`)
	_, err := n.srv.Groups.Join(clientCtx("Web"), n.apps[appA], group.Actor{User: "m2"}, "g2", "")
	if e := errcode.As(err, 0); e == nil || e.Code != 10150 {
		t.Fatalf("join refused with the app's code: %v, want 10150", err)
	}
	set("")
	if _, err := n.srv.Groups.Join(clientCtx("Web"), n.apps[appA], group.Actor{User: "m1"}, "g2", ""); err != nil {
		t.Fatal(err)
	}

	send := func(text_ string) map[string]any {
		return n.rest(appA, "group_open_http_svc/send_group_msg", map[string]any{"GroupId": "g2", "From_Account": "m1", "Random": 1,
			"MsgBody": text(text_)})
	}
	set(`{"ErrorCode":1}`)
	if out := send("rejected"); code(out) != hook.CodeGroupRejected {
		t.Fatalf("send refused: %v, want %d", out, hook.CodeGroupRejected)
	}
	set(`{"ErrorCode":10199,"ErrorInfo":"slow down"}`)
	if out := send("app code"); code(out) != 10199 {
		t.Fatalf("send with the app's code: %v, want 10199", out)
	}
	set(`{"ErrorCode":2}`)
	if out := send("dropped"); code(out) != 0 {
		t.Fatalf("a dropped send answers success: %v", out)
	}
	set(`{"ErrorCode":0,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"rewritten"}}],"CloudCustomData":"new"}`)
	if out := send("original"); code(out) != 0 || out["MsgSeq"] != 1.0 {
		t.Fatalf("rewritten send: %v, want stored as seq 1 (the dropped and refused ones took none)", out)
	}
	as := r.wait(webhook.CmdGroupAfterSendMsg, 1)
	if len(as) != 1 || !strings.Contains(string(as[0].Raw), "rewritten") || strings.Contains(string(as[0].Raw), "original") ||
		field(as[0], "CloudCustomData") != "new" {
		t.Fatalf("after-send of the rewrite: %d %s", len(as), as[0].Raw)
	}
	hist := n.mustOK(appA, "group_open_http_svc/group_msg_get_simple", map[string]any{"GroupId": "g2", "ReqMsgNumber": 20})
	if got := fmt.Sprint(hist["RspMsgList"]); strings.Contains(got, "dropped") || strings.Contains(got, "rejected") ||
		!strings.Contains(got, "rewritten") {
		t.Fatalf("stored messages %s: only the rewrite", got)
	}

	// ForbidCallbackControl skips both send callbacks of that request.
	set(`{"ErrorCode":1}`)
	out := n.rest(appA, "group_open_http_svc/send_group_msg", map[string]any{"GroupId": "g2", "From_Account": "m1", "Random": 2,
		"MsgBody": text("unasked"), "ForbidCallbackControl": []string{hook.ForbidBeforeSendMsg, hook.ForbidAfterSendMsg}})
	if code(out) != 0 {
		t.Fatalf("a send that forbade its before-callback: %v", out)
	}

	// No answer: allow_on_timeout false refuses.
	set("")
	r.setHang(webhook.CmdGroupBeforeSendMsg, true)
	if out := send("late"); code(out) != hook.CodeTimeout {
		t.Fatalf("send with a hanging receiver and allow_on_timeout false: %v, want %d", out, hook.CodeTimeout)
	}
	r.setHang(webhook.CmdGroupBeforeSendMsg, false)
	set("")
	if out := send("last"); code(out) != 0 || out["MsgSeq"] != 3.0 {
		t.Fatalf("send after: %v, want seq 3", out)
	}
	as = r.wait(webhook.CmdGroupAfterSendMsg, 2)
	if strings.Contains(string(as[1].Raw), "unasked") || !strings.Contains(string(as[1].Raw), "last") {
		t.Fatalf("the after-send of the forbidding send fired: %s", as[1].Raw)
	}
}

// An add the invite callback refuses as a whole fails with its code and
// adds no one; one that refuses every member adds no one and fires no
// join. An approved application is a join of type Apply.
func TestGroupInviteRefusalsAndApplications(t *testing.T) {
	r := newReceiver(t)
	var answer string
	r.setAnswer(func(cmd string, body map[string]any) (int, string) {
		r.mu.Lock()
		a := answer
		r.mu.Unlock()
		if cmd == webhook.CmdGroupBeforeInviteJoin && a != "" {
			return http.StatusOK, a
		}
		return http.StatusOK, `{"ActionStatus":"OK","ErrorCode":0}`
	})
	set := func(a string) {
		r.mu.Lock()
		answer = a
		r.mu.Unlock()
	}
	n := startNode(t, newStoreSpec(t), map[store.AppID]webhook.Config{appA: all(r)})
	n.mustOK(appA, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"owner", "m1", "m2"}})
	n.mustOK(appA, "group_open_http_svc/create_group", map[string]any{"GroupId": "g3", "Type": "Public", "Name": "G",
		"Owner_Account": "owner", "ApplyJoinOption": "NeedPermission"})
	add := map[string]any{"GroupId": "g3", "MemberList": []map[string]any{{"Member_Account": "m1"}}}

	set(`{"ErrorCode":10120,"ErrorInfo":"closed"}`)
	if out := n.rest(appA, "group_open_http_svc/add_group_member", add); code(out) != 10120 {
		t.Fatalf("add refused with the app's code: %v", out)
	}
	set(`{"ErrorCode":0,"RefusedMembers_Account":["m1"]}`)
	if out := n.mustOK(appA, "group_open_http_svc/add_group_member", add); !strings.Contains(fmt.Sprint(out["MemberList"]), "m1 Result:0") {
		t.Fatalf("add with every member refused: %v", out)
	}
	a := n.apps[appA]
	if got, err := n.srv.Groups.MembersInfo(context.Background(), a, group.Actor{User: admin, AppAdmin: true}, "g3", []string{"m1"}); err != nil || len(got) != 0 {
		t.Fatalf("a refused member was added: %v %v", got, err)
	}

	// m2 applies (the apply callback allows), the owner approves.
	if st, err := n.srv.Groups.Join(clientCtx("Web"), a, group.Actor{User: "m2"}, "g3", "let me in"); err != nil || st != group.AwaitingApproval {
		t.Fatalf("apply: %v %v", st, err)
	}
	r.wait(webhook.CmdGroupBeforeApplyJoin, 1)
	if err := n.srv.Groups.HandleApplication(clientCtx("Web"), a, group.Actor{User: "owner"}, "g3", "m2", true); err != nil {
		t.Fatal(err)
	}
	j := r.wait(webhook.CmdGroupAfterNewMemberJoin, 1)
	if len(j) != 1 || field(j[0], "JoinType") != "Apply" || field(j[0], "Operator_Account") != "owner" ||
		!slices.Equal(members(j[0], "NewMemberList"), []string{"m2"}) {
		t.Fatalf("after-join of the approved application: %d %s", len(j), j[0].Raw)
	}
}
