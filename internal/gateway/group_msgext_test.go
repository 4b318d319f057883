package gateway_test

import (
	"testing"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/resttest"
)

// newMsgExtFixture is newGroupFixture with opts applied to the app.
func newMsgExtFixture(t *testing.T, opts ...resttest.Option) *groupFixture {
	opts = append([]resttest.Option{func(a *app.App) { a.ClientRateLimits = app.ClientRateLimits{} }}, opts...)
	s := resttest.Start(t, opts...)
	users := []string{"owner", "adm", "m1", "m2", "out"}
	s.Import(users...)
	f := &groupFixture{s: s, clients: map[string]*client{}}
	for _, u := range users {
		c := dial(t, s)
		c.login(s, u, "iOS")
		f.clients[u] = c
	}
	return f
}

func groupConv(t *testing.T, c *client, groupID string) map[string]any {
	t.Helper()
	for _, cv := range c.mustCall("conversation.list", map[string]any{})["conversations"].([]any) {
		if cv := cv.(map[string]any); cv["groupID"] == groupID {
			return cv
		}
	}
	t.Fatalf("group_%s not in the conversation list", groupID)
	return nil
}

// TestGroupSocketMentions: atUserList reaches the mentioned members'
// conversations as groupAtInfoList (at me 0, at all 1, both 2), cleared by
// reading past it.
func TestGroupSocketMentions(t *testing.T) {
	f := newMsgExtFixture(t)
	f.makeGroup(t, "pub", "Public")
	owner, m1, m2 := f.clients["owner"], f.clients["m1"], f.clients["m2"]
	owner.mustCall("msg.send", map[string]any{"groupID": "pub", "random": 1, "body": text("hi all, m1"),
		"atUserList": []string{"m1", message.AtAllLabel}})
	if got := groupConv(t, m1, "pub")["groupAtInfoList"]; len(got.([]any)) != 1 ||
		got.([]any)[0].(map[string]any)["atType"] != float64(2) || got.([]any)[0].(map[string]any)["seq"] != float64(1) {
		t.Fatalf("m1's at-info %v, want at all and at me at seq 1", got)
	}
	if got := groupConv(t, m2, "pub")["groupAtInfoList"]; len(got.([]any)) != 1 || got.([]any)[0].(map[string]any)["atType"] != float64(1) {
		t.Fatalf("m2's at-info %v, want at all", got)
	}
	if got := groupConv(t, owner, "pub")["groupAtInfoList"]; got != nil {
		t.Fatalf("the sender's at-info %v", got)
	}
	m1.mustCall("msg.read", map[string]any{"groupID": "pub"})
	if got := groupConv(t, m1, "pub")["groupAtInfoList"]; got != nil {
		t.Fatalf("m1's at-info after reading: %v", got)
	}
	if code, _ := owner.call("msg.send", map[string]any{"groupID": "pub", "random": 2, "body": text("x"), "atUserList": []string{""}}); code != 10004 {
		t.Fatalf("an empty mention: %d, want 10004", code)
	}
}

// TestGroupSocketTargeted: a receiverList message reaches only its
// receivers (and the sender's other devices), stays out of others'
// history and of unread; Community refuses it (10007).
func TestGroupSocketTargeted(t *testing.T) {
	f := newMsgExtFixture(t)
	f.makeGroup(t, "pub", "Public")
	f.makeGroup(t, "comm", "Community")
	owner, m1, m2 := f.clients["owner"], f.clients["m1"], f.clients["m2"]
	sent := owner.mustCall("msg.send", map[string]any{"groupID": "pub", "random": 1, "body": text("psst"), "receiverList": []string{"m1"}})
	key := sent["message"].(map[string]any)["msgKey"]
	if p := m1.push("msg.new"); p["data"].(map[string]any)["msgKey"] != key {
		t.Fatalf("m1's push %v", p)
	}
	m2.noPush("msg.new")
	if msgs := m2.mustCall("msg.history", map[string]any{"groupID": "pub"})["messages"].([]any); len(msgs) != 0 {
		t.Fatalf("m2 sees %v", msgs)
	}
	if msgs := m1.mustCall("msg.history", map[string]any{"groupID": "pub"})["messages"].([]any); len(msgs) != 1 {
		t.Fatalf("m1's history %v", msgs)
	}
	if u := groupConv(t, m1, "pub")["unreadCount"]; u != float64(0) {
		t.Fatalf("m1's unread %v, want 0", u)
	}
	if code, _ := owner.call("msg.send", map[string]any{"groupID": "comm", "random": 2, "body": text("x"), "receiverList": []string{"m1"}}); code != 10007 {
		t.Fatalf("targeted in a Community: %d, want 10007", code)
	}
	if code, _ := owner.call("msg.send", map[string]any{"groupID": "pub", "random": 3, "body": text("x"), "receiverList": []string{"out"}}); code != 10004 {
		t.Fatalf("targeted to a non-member: %d, want 10004", code)
	}
}

// TestGroupSocketReceipts: with receipts on for Public groups, a member's
// msg.receipt reaches the sender as msg.groupReceipt; the sender reads the
// counts and who did and did not read; 10062 and 10007 as the seed says.
func TestGroupSocketReceipts(t *testing.T) {
	f := newMsgExtFixture(t, func(a *app.App) { a.GroupReadReceipts = []string{"Public"} })
	f.makeGroup(t, "pub", "Public")
	owner, m1 := f.clients["owner"], f.clients["m1"]
	m := owner.mustCall("msg.send", map[string]any{"groupID": "pub", "random": 1, "body": text("read me"), "needReadReceipt": true})["message"].(map[string]any)
	plain := owner.mustCall("msg.send", map[string]any{"groupID": "pub", "random": 2, "body": text("plain")})["message"].(map[string]any)
	key := m["msgKey"].(string)
	if m["flags"].(float64) != 4 {
		t.Fatalf("flags %v, want the receipt flag", m["flags"])
	}
	got := m1.mustCall("msg.receipt", map[string]any{"groupID": "pub", "msgKeys": []string{key, plain["msgKey"].(string)}})
	if keys := got["msgKeys"].([]any); len(keys) != 1 || keys[0] != key {
		t.Fatalf("receipt answer %v", got)
	}
	p := owner.push("msg.groupReceipt")["data"].(map[string]any)
	r := p["receipts"].([]any)[0].(map[string]any)
	if p["groupID"] != "pub" || p["from"] != "m1" || r["msgKey"] != key || r["readCount"] != float64(1) || r["unreadCount"] != float64(2) {
		t.Fatalf("receipt push %v", p)
	}
	rs := owner.mustCall("msg.groupReceipts", map[string]any{"groupID": "pub", "msgKeys": []string{key, plain["msgKey"].(string)}})["receipts"].([]any)
	if r := rs[0].(map[string]any); r["code"] != float64(0) || r["readCount"] != float64(1) || r["unreadCount"] != float64(2) {
		t.Fatalf("counts %v", rs)
	}
	if r := rs[1].(map[string]any); r["code"] != float64(10062) {
		t.Fatalf("a message without a receipt: %v, want code 10062", r)
	}
	read := owner.mustCall("msg.groupReadMembers", map[string]any{"groupID": "pub", "msgKey": key, "filter": 0, "count": 10})
	if users := read["userIDs"].([]any); len(users) != 1 || users[0] != "m1" || read["isFinished"] != true {
		t.Fatalf("read members %v", read)
	}
	unread := owner.mustCall("msg.groupReadMembers", map[string]any{"groupID": "pub", "msgKey": key, "filter": 1, "count": 1})
	if users := unread["userIDs"].([]any); len(users) != 1 || users[0] != "adm" || unread["isFinished"] != false || unread["cursor"] != "adm" {
		t.Fatalf("unread members, page 1: %v", unread)
	}
	unread = owner.mustCall("msg.groupReadMembers", map[string]any{"groupID": "pub", "msgKey": key, "filter": 1, "count": 1, "cursor": "adm"})
	if users := unread["userIDs"].([]any); len(users) != 1 || users[0] != "m2" || unread["isFinished"] != true {
		t.Fatalf("unread members, page 2: %v", unread)
	}
	for _, c := range []struct {
		name string
		who  *client
		data map[string]any
		want int
	}{
		{"not the sender", m1, map[string]any{"groupID": "pub", "msgKey": key, "filter": 0}, 10007},
		{"no receipt", owner, map[string]any{"groupID": "pub", "msgKey": plain["msgKey"], "filter": 0}, 10062},
		{"count over 100", owner, map[string]any{"groupID": "pub", "msgKey": key, "filter": 0, "count": 101}, 6017},
		{"bad filter", owner, map[string]any{"groupID": "pub", "msgKey": key, "filter": 2}, 6017},
	} {
		if code, _ := c.who.call("msg.groupReadMembers", c.data); code != c.want {
			t.Errorf("%s: %d, want %d", c.name, code, c.want)
		}
	}
}

// TestGroupRateLimitAcrossDoors: one budget per group for the REST API and
// the socket together; past it, 10023 at both.
func TestGroupRateLimitAcrossDoors(t *testing.T) {
	// A rate so low the bucket (one message) cannot refill during the test.
	f := newMsgExtFixture(t, func(a *app.App) { a.GroupMessageRate = 0.001 })
	f.makeGroup(t, "pub", "Public")
	f.makeGroup(t, "other", "Public")
	owner := f.clients["owner"]
	resttest.Int(f.s.MustOK("group_open_http_svc/send_group_msg", map[string]any{"GroupId": "pub", "Random": 1, "MsgPriority": "High",
		"MsgBody": text("from REST")["MsgBody"]}))
	if code, _ := owner.call("msg.send", map[string]any{"groupID": "pub", "random": 2, "body": text("x"), "priority": "High"}); code != 10023 {
		t.Fatalf("socket send past the group's rate: %d, want 10023", code)
	}
	if resp := f.s.Call("group_open_http_svc/send_group_msg", map[string]any{"GroupId": "pub", "Random": 3, "MsgPriority": "High",
		"MsgBody": text("x")["MsgBody"]}); resttest.Code(resp) != 10023 {
		t.Fatalf("REST send past the group's rate: %v, want 10023", resp)
	}
	owner.mustCall("msg.send", map[string]any{"groupID": "other", "random": 4, "body": text("x"), "priority": "High"})
	if code, _ := owner.call("msg.send", map[string]any{"groupID": "other", "random": 5, "body": text("x"), "priority": "urgent"}); code != 10004 {
		t.Fatalf("unknown priority: %d, want 10004", code)
	}
}

// TestGroupSocketRecallByModerators: the owner recalls a member's message
// (everyone hears it); an admin may not recall the owner's (20022).
func TestGroupSocketRecallByModerators(t *testing.T) {
	f := newMsgExtFixture(t)
	f.makeGroup(t, "pub", "Public")
	owner, adm, m1, m2 := f.clients["owner"], f.clients["adm"], f.clients["m1"], f.clients["m2"]
	mk := m1.mustCall("msg.send", map[string]any{"groupID": "pub", "random": 1, "body": text("oops")})["message"].(map[string]any)["msgKey"]
	ok := owner.mustCall("msg.send", map[string]any{"groupID": "pub", "random": 2, "body": text("owner's")})["message"].(map[string]any)["msgKey"]
	owner.mustCall("msg.recall", map[string]any{"groupID": "pub", "msgKey": mk})
	for {
		if p := m2.push("msg.recalled")["data"].(map[string]any); p["msgKey"] == mk {
			break
		}
	}
	if code, _ := adm.call("msg.recall", map[string]any{"groupID": "pub", "msgKey": ok}); code != 20022 {
		t.Fatalf("an admin recalling the owner's message: %d, want 20022", code)
	}
}
