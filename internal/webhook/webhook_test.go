package webhook_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/webhook"
)

func all(r *receiver, opts ...func(*webhook.Config)) webhook.Config {
	c := webhook.Config{URL: r.srv.URL + "/im-callback?from=parley", Token: token, Commands: []string{"*"},
		Timeout: 300 * time.Millisecond, AllowOnTimeout: true}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// checkProtocol holds one callback to rest-spec §4.1: the query
// parameters, the signature, the body repeating the command and EventTime
// as a JSON number of milliseconds.
func checkProtocol(t *testing.T, c callback, sdkappid uint64, platform string) {
	t.Helper()
	q := c.Query
	cmd := q.Get("CallbackCommand")
	if q.Get("SdkAppid") != strconv.FormatUint(sdkappid, 10) || q.Get("contenttype") != "json" || !q.Has("ClientIP") ||
		q.Get("OptPlatform") != platform || q.Get("from") != "parley" {
		t.Fatalf("%s query %v, want SdkAppid %d, contenttype json, ClientIP, OptPlatform %s and the URL's own query", cmd, q, sdkappid, platform)
	}
	if platform == "RESTAPI" && q.Get("ClientIP") != "127.0.0.1" {
		t.Fatalf("%s ClientIP %q, want the REST caller's address 127.0.0.1", cmd, q.Get("ClientIP"))
	}
	rt, err := strconv.ParseInt(q.Get("RequestTime"), 10, 64)
	if err != nil || time.Since(time.Unix(rt, 0)).Abs() > time.Minute {
		t.Fatalf("%s RequestTime %q", cmd, q.Get("RequestTime"))
	}
	sum := sha256.Sum256([]byte(token + q.Get("RequestTime")))
	if q.Get("Sign") != hex.EncodeToString(sum[:]) {
		t.Fatalf("%s Sign %q, want sha256(token ‖ RequestTime)", cmd, q.Get("Sign"))
	}
	if c.Body["CallbackCommand"] != cmd {
		t.Fatalf("%s body repeats CallbackCommand %v", cmd, c.Body["CallbackCommand"])
	}
	if cmd == webhook.CmdFriendDelete || cmd == webhook.CmdBlackListAdd || cmd == webhook.CmdBlackListDelete {
		return // Tencent's samples of these carry no EventTime; Parley sends it anyway, checked below when present
	}
	et, ok := c.Body["EventTime"].(json.Number)
	if !ok {
		t.Fatalf("%s EventTime %#v, want a JSON number", cmd, c.Body["EventTime"])
	}
	ms, _ := et.Int64()
	if time.Since(time.UnixMilli(ms)).Abs() > time.Minute {
		t.Fatalf("%s EventTime %d is not now in milliseconds", cmd, ms)
	}
}

func field(c callback, path ...string) any {
	var v any = c.Body
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

// Every non-group command fires with its fields, signed, from the door
// that made the change: REST (OptPlatform RESTAPI) or a client session
// (its platform). REST friend adds do not ask Sns.CallbackPrevFriendAdd.
func TestEveryCommand(t *testing.T) {
	r := newReceiver(t)
	n := startNode(t, newStoreSpec(t), map[store.AppID]webhook.Config{appA: all(r)})
	n.mustOK(appA, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob", "carol"}})

	alice := n.login(appA, "alice", "Android")
	login := r.wait(webhook.CmdStateChange, 1)[0]
	checkProtocol(t, login, appA, "Android")
	if field(login, "Info", "Action") != "Login" || field(login, "Info", "To_Account") != "alice" || field(login, "Info", "Reason") != "Register" {
		t.Fatalf("login state change %s", login.Raw)
	}

	// C2C from a client: before and after, the client's platform.
	if a := alice.op("msg.send", map[string]any{"to": "bob", "random": 7, "body": map[string]any{"MsgBody": text("hello")}}); errCode(a) != 0 {
		t.Fatalf("msg.send %v", a)
	}
	before := r.wait(webhook.CmdC2CBeforeSendMsg, 1)[0]
	checkProtocol(t, before, appA, "Android")
	if before.Query.Get("ClientIP") != "127.0.0.1" || field(before, "From_Account") != "alice" || field(before, "To_Account") != "bob" ||
		field(before, "MsgRandom") != json.Number("7") || field(before, "MsgBody") == nil {
		t.Fatalf("before-send %v %s", before.Query, before.Raw)
	}
	after := r.wait(webhook.CmdC2CAfterSendMsg, 1)[0]
	checkProtocol(t, after, appA, "Android")
	if field(after, "MsgKey") == "" || field(after, "MsgSeq") != json.Number("1") || field(after, "SendMsgResult") != json.Number("0") ||
		field(after, "From_Account") != "alice" {
		t.Fatalf("after-send %s", after.Raw)
	}
	if _, ok := after.Body["OptPlatform"]; ok {
		t.Fatalf("after-send body carries Parley's OptPlatform: %s", after.Raw)
	}
	msgKey := field(after, "MsgKey").(string)

	// C2C from REST.
	n.mustOK(appA, "openim/sendmsg", map[string]any{"From_Account": "bob", "To_Account": "alice", "MsgRandom": 8, "MsgBody": text("hi")})
	checkProtocol(t, r.wait(webhook.CmdC2CBeforeSendMsg, 2)[1], appA, "RESTAPI")
	checkProtocol(t, r.wait(webhook.CmdC2CAfterSendMsg, 2)[1], appA, "RESTAPI")

	n.mustOK(appA, "openim/admin_set_msg_read", map[string]any{"Report_Account": "bob", "Peer_Account": "alice"})
	read := r.wait(webhook.CmdC2CAfterMsgReport, 1)[0]
	checkProtocol(t, read, appA, "RESTAPI")
	if field(read, "Report_Account") != "bob" || field(read, "Peer_Account") != "alice" {
		t.Fatalf("read report %s", read.Raw)
	}
	n.mustOK(appA, "openim/admin_msgwithdraw", map[string]any{"From_Account": "alice", "To_Account": "bob", "MsgKey": msgKey})
	recall := r.wait(webhook.CmdC2CAfterMsgWithDraw, 1)[0]
	checkProtocol(t, recall, appA, "RESTAPI")
	if field(recall, "MsgKey") != msgKey || field(recall, "From_Account") != "alice" {
		t.Fatalf("recall %s", recall.Raw)
	}

	// Profile.
	n.mustOK(appA, "profile/portrait_set", map[string]any{"From_Account": "bob", "ProfileItem": []any{
		map[string]any{"Tag": "Tag_Profile_IM_Nick", "Value": "Bobby"}}})
	prof := r.wait(webhook.CmdPortraitSet, 1)[0]
	checkProtocol(t, prof, appA, "RESTAPI")
	if field(prof, "From_Account") != "bob" || !strings.Contains(string(prof.Raw), `"Bobby"`) {
		t.Fatalf("portrait set %s", prof.Raw)
	}

	// A REST friend add: no Prev callback, the after one with the admin.
	n.mustOK(appA, "sns/friend_add", map[string]any{"From_Account": "bob", "AddFriendItem": []any{
		map[string]any{"To_Account": "carol", "AddSource": "AddSource_Type_Web"}}, "ForceAddFlags": 1})
	add := r.wait(webhook.CmdFriendAdd, 1)[0]
	checkProtocol(t, add, appA, "RESTAPI")
	if len(r.of(webhook.CmdPrevFriendAdd)) != 0 {
		t.Fatal("a REST friend add asked Sns.CallbackPrevFriendAdd")
	}
	if field(add, "ClientCmd") != "friend_add" || !strings.Contains(string(add.Raw), `"To_Account":"carol"`) {
		t.Fatalf("friend add %s", add.Raw)
	}

	// A client's add asks the Prev callback; the answer to the request
	// asks Sns.CallbackPrevFriendResponse.
	if a := alice.op("friend.add", map[string]any{"userID": "carol", "addSource": "AddSource_Type_Android", "addWording": "hi"}); errCode(a) != 30539 {
		// 30539: carol confirms requests, so it is pending
		t.Fatalf("friend.add %v", a)
	}
	prev := r.wait(webhook.CmdPrevFriendAdd, 1)[0]
	checkProtocol(t, prev, appA, "Android")
	if field(prev, "From_Account") != "alice" || !strings.Contains(string(prev.Raw), `"To_Account":"carol"`) ||
		!strings.Contains(string(prev.Raw), `"AddWording":"hi"`) {
		t.Fatalf("prev friend add %s", prev.Raw)
	}
	carol := n.login(appA, "carol", "iOS")
	if a := carol.op("friend_request.accept", map[string]any{"userID": "alice", "type": "agree_and_add"}); errCode(a) != 0 {
		t.Fatalf("accept %v", a)
	}
	resp := r.wait(webhook.CmdPrevFriendResponse, 1)[0]
	checkProtocol(t, resp, appA, "iOS")
	if field(resp, "From_Account") != "carol" || !strings.Contains(string(resp.Raw), `"To_Account":"alice"`) ||
		!strings.Contains(string(resp.Raw), `"ResponseAction":"Response_Action_AgreeAndAdd"`) {
		t.Fatalf("prev friend response %s", resp.Raw)
	}
	r.wait(webhook.CmdFriendAdd, 2)

	n.mustOK(appA, "sns/friend_delete", map[string]any{"From_Account": "bob", "To_Account": []string{"carol"}, "DeleteType": "Delete_Type_Both"})
	del := r.wait(webhook.CmdFriendDelete, 1)[0]
	checkProtocol(t, del, appA, "RESTAPI")
	n.mustOK(appA, "sns/black_list_add", map[string]any{"From_Account": "bob", "To_Account": []string{"carol"}})
	checkProtocol(t, r.wait(webhook.CmdBlackListAdd, 1)[0], appA, "RESTAPI")
	n.mustOK(appA, "sns/black_list_delete", map[string]any{"From_Account": "bob", "To_Account": []string{"carol"}})
	bl := r.wait(webhook.CmdBlackListDelete, 1)[0]
	checkProtocol(t, bl, appA, "RESTAPI")
	if !strings.Contains(string(bl.Raw), `{"From_Account":"bob","To_Account":"carol"}`) {
		t.Fatalf("blocklist delete %s", bl.Raw)
	}

	if a := alice.op("logout", nil); errCode(a) != 0 {
		t.Fatalf("logout %v", a)
	}
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(fmt.Sprint(bodies(r.of(webhook.CmdStateChange))), "Logout/Unregister") {
		if time.Now().After(deadline) {
			t.Fatalf("no logout state change: %v", bodies(r.of(webhook.CmdStateChange)))
		}
		time.Sleep(10 * time.Millisecond)
	}
	decodeAsTencentReceiver(t, r.all(), false)
}

func bodies(cs []callback) []string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprint(field(c, "Info", "Action"), "/", field(c, "Info", "Reason")))
	}
	return out
}

// A command not listed is never called; an app without a webhook sends
// nothing.
func TestOnlyListedCommands(t *testing.T) {
	r := newReceiver(t)
	n := startNode(t, newStoreSpec(t), map[store.AppID]webhook.Config{appA: all(r, func(c *webhook.Config) {
		c.Commands = []string{webhook.CmdC2CAfterSendMsg}
	})})
	n.mustOK(appA, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob"}})
	n.mustOK(appB, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob"}})
	n.mustOK(appB, "openim/sendmsg", map[string]any{"From_Account": "bob", "To_Account": "alice", "MsgRandom": 1, "MsgBody": text("b")})
	n.mustOK(appA, "profile/portrait_set", map[string]any{"From_Account": "bob", "ProfileItem": []any{
		map[string]any{"Tag": "Tag_Profile_IM_Nick", "Value": "B"}}})
	n.mustOK(appA, "openim/sendmsg", map[string]any{"From_Account": "bob", "To_Account": "alice", "MsgRandom": 2, "MsgBody": text("a")})
	r.wait(webhook.CmdC2CAfterSendMsg, 1)
	time.Sleep(200 * time.Millisecond) // anything else queued meanwhile would have come by now
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) != 1 || r.got[0].Query.Get("SdkAppid") != strconv.Itoa(appA) {
		t.Fatalf("got %d callbacks (%v), want app A's one after-send", len(r.got), r.got)
	}
}

// Before-send outcomes: allow, reject (the documented code to the sender,
// no after-send), drop (success, nothing stored, no after-send), rewrite
// (stored, delivered and after-sent as rewritten), app codes passed
// through, and a timeout, HTTP 500 or non-JSON answer decided by
// allow_on_timeout.
func TestBeforeSendOutcomes(t *testing.T) {
	r := newReceiver(t)
	rd := newReceiver(t) // the same, denying when it does not answer
	spec := newStoreSpec(t)
	n := startNode(t, spec, map[store.AppID]webhook.Config{appA: all(r), appB: all(rd, func(c *webhook.Config) { c.AllowOnTimeout = false })})
	for _, a := range []uint64{appA, appB} {
		n.mustOK(a, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob"}})
	}
	answer := func(status int, resp string) func(string, map[string]any) (int, string) {
		return func(cmd string, _ map[string]any) (int, string) {
			if cmd == webhook.CmdC2CBeforeSendMsg {
				return status, resp
			}
			return http.StatusOK, `{"ActionStatus":"OK","ErrorCode":0}`
		}
	}
	send := func(sdkappid uint64, text0 string) map[string]any {
		return n.rest(sdkappid, "openim/sendmsg", map[string]any{"From_Account": "bob", "To_Account": "alice",
			"MsgRandom": len(text0), "MsgBody": text(text0)})
	}
	history := func(sdkappid uint64) string {
		out := n.mustOK(sdkappid, "openim/admin_getroammsg", map[string]any{"Operator_Account": "alice", "Peer_Account": "bob",
			"MaxCnt": 100, "MinTime": 0, "MaxTime": time.Now().Unix() + 10})
		b, _ := json.Marshal(out["MsgList"])
		return string(b)
	}
	cases := []struct {
		name     string
		status   int
		resp     string
		hang     bool
		app      uint64
		wantCode int
		stored   string // text found in history, "" for none
		after    string // text the after-send carries, "" for none
	}{
		{"allow", 200, `{"ActionStatus":"OK","ErrorCode":0}`, false, appA, 0, "allowed", "allowed"},
		{"reject", 200, `{"ActionStatus":"OK","ErrorCode":1,"ErrorInfo":"no"}`, false, appA, 20006, "", ""},
		{"drop", 200, `{"ActionStatus":"OK","ErrorCode":2}`, false, appA, 0, "", ""},
		{"rewrite", 200, `{"ActionStatus":"OK","ErrorCode":0,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"rewritten"}}],"CloudCustomData":"ccd"}`,
			false, appA, 0, "original", "rewritten"},
		{"group app code", 200, `{"ActionStatus":"FAIL","ErrorCode":10150,"ErrorInfo":"app says no"}`, false, appA, 10150, "", ""},
		{"friend app code", 200, `{"ActionStatus":"FAIL","ErrorCode":38123,"ErrorInfo":"app says no"}`, false, appA, 38123, "", ""},
		{"timeout allows", 0, "", true, appA, 0, "timeoutallow", "timeoutallow"},
		{"HTTP 500 allows", 500, `oops`, false, appA, 0, "http500allow", "http500allow"},
		{"non-JSON allows", 200, `<html>`, false, appA, 0, "nonjsonallow", "nonjsonallow"},
		{"timeout denies", 0, "", true, appB, 20006, "", ""},
		{"HTTP 500 denies", 500, `oops`, false, appB, 20006, "", ""},
		{"non-JSON denies", 200, `not json`, false, appB, 20006, "", ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := r
			if tc.app == appB {
				rc = rd
			}
			rc.setHang(webhook.CmdC2CBeforeSendMsg, tc.hang)
			rc.setAnswer(answer(tc.status, tc.resp))
			body := fmt.Sprintf("msg%d-%s", i, strings.ReplaceAll(tc.name, " ", ""))
			if tc.stored != "" {
				body = tc.stored
			}
			afterBefore := len(rc.of(webhook.CmdC2CAfterSendMsg))
			out := send(tc.app, body)
			if code(out) != tc.wantCode {
				t.Fatalf("send answered %v, want code %d", out, tc.wantCode)
			}
			h := history(tc.app)
			if tc.name == "rewrite" && (strings.Contains(h, `"`+body+`"`) || !strings.Contains(h, "rewritten")) {
				t.Fatalf("history %s, want the rewrite stored", h)
			}
			if tc.stored != "" && tc.name != "rewrite" && !strings.Contains(h, body) {
				t.Fatalf("history %s lacks the %s message", h, tc.name)
			}
			if tc.stored == "" && strings.Contains(h, body) {
				t.Fatalf("history %s holds the %s message", h, tc.name)
			}
			if tc.after != "" {
				got := rc.wait(webhook.CmdC2CAfterSendMsg, afterBefore+1)
				last := got[len(got)-1]
				if !strings.Contains(string(last.Raw), tc.after) {
					t.Fatalf("after-send %s, want %q", last.Raw, tc.after)
				}
				if tc.name == "rewrite" && field(last, "CloudCustomData") != "ccd" {
					t.Fatalf("after-send %s lacks the rewritten CloudCustomData", last.Raw)
				}
			} else {
				// A rejected or dropped message has no after-send: the next
				// allowed one is the first to come.
				rc.setHang(webhook.CmdC2CBeforeSendMsg, false)
				rc.setAnswer(nil)
				if out := send(tc.app, "marker"+strconv.Itoa(i)); code(out) != 0 {
					t.Fatalf("marker send %v", out)
				}
				got := rc.wait(webhook.CmdC2CAfterSendMsg, afterBefore+1)
				if len(got) != afterBefore+1 || !strings.Contains(string(got[afterBefore].Raw), "marker"+strconv.Itoa(i)) {
					t.Fatalf("after-sends %d, the new one %s: want only the marker's", len(got)-afterBefore, got[len(got)-1].Raw)
				}
			}
		})
	}
}

// ForbidCallbackControl suppresses the message callbacks of that one
// request.
func TestForbidCallbackControl(t *testing.T) {
	r := newReceiver(t)
	n := startNode(t, newStoreSpec(t), map[store.AppID]webhook.Config{appA: all(r)})
	n.mustOK(appA, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob"}})
	r.setAnswer(func(cmd string, _ map[string]any) (int, string) {
		if cmd == webhook.CmdC2CBeforeSendMsg {
			return 200, `{"ErrorCode":1}` // would reject whatever it is asked
		}
		return 200, `{"ErrorCode":0}`
	})
	n.mustOK(appA, "openim/sendmsg", map[string]any{"From_Account": "bob", "To_Account": "alice", "MsgRandom": 1, "MsgBody": text("one"),
		"ForbidCallbackControl": []string{"ForbidBeforeSendMsgCallback"}})
	n.mustOK(appA, "openim/sendmsg", map[string]any{"From_Account": "bob", "To_Account": "alice", "MsgRandom": 2, "MsgBody": text("two"),
		"ForbidCallbackControl": []string{"ForbidBeforeSendMsgCallback", "ForbidAfterSendMsgCallback"}})
	r.setAnswer(nil)
	n.mustOK(appA, "openim/sendmsg", map[string]any{"From_Account": "bob", "To_Account": "alice", "MsgRandom": 3, "MsgBody": text("three")})
	r.wait(webhook.CmdC2CAfterSendMsg, 2)
	time.Sleep(100 * time.Millisecond)
	got := r.of(webhook.CmdC2CAfterSendMsg)
	if len(got) != 2 || !strings.Contains(string(got[0].Raw), "one") || !strings.Contains(string(got[1].Raw), "three") {
		t.Fatalf("after-sends %d: want one and three", len(got))
	}
	if b := r.of(webhook.CmdC2CBeforeSendMsg); len(b) != 1 || !strings.Contains(string(b[0].Raw), "three") {
		t.Fatalf("before-sends %d, want only three's", len(b))
	}
}
