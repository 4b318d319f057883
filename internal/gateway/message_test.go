package gateway_test

import (
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/resttest"
)

func text(s string) map[string]any {
	return map[string]any{"MsgBody": []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": s}}}}
}

func (c *client) noPush(kind string) {
	c.t.Helper()
	deadline := time.Now().Add(300 * time.Millisecond)
	for {
		f, ok := c.nextFrame(time.Until(deadline))
		if !ok {
			return
		}
		if f["push"] == kind {
			c.t.Fatalf("unexpected %s push: %v", kind, f)
		}
	}
}

func TestOneToOneMessaging(t *testing.T) {
	s := resttest.Start(t)
	aliceWeb, aliceIOS, bob := dial(t, s), dial(t, s), dial(t, s)
	aliceWeb.login(s, "alice", "Web")
	aliceIOS.login(s, "alice", "iOS")
	bob.login(s, "bob", "Android")

	var seqs []float64
	for i, word := range []string{"one", "two", "three"} {
		code, out := aliceWeb.call("msg.send", map[string]any{"to": "bob", "random": 100 + i, "clientMsgID": "c-" + word, "body": text(word)})
		if code != 0 {
			t.Fatalf("send %s: %d %v", word, code, out)
		}
		m := out["message"].(map[string]any)
		seqs = append(seqs, m["seq"].(float64))
		for _, c := range []*client{bob, aliceIOS} {
			p := c.push("msg.new")
			d := p["data"].(map[string]any)
			if d["seq"] != m["seq"] || d["from"] != "alice" || d["to"] != "bob" || d["msgKey"] != m["msgKey"] {
				t.Fatalf("push %v, sent %v", d, m)
			}
		}
	}
	if seqs[0] != 1 || seqs[1] != 2 || seqs[2] != 3 {
		t.Fatalf("seqs %v", seqs)
	}
	aliceWeb.noPush("msg.new") // the sending instance is not echoed

	// A retry with the same client message ID is the same message, delivered once.
	code, out := aliceWeb.call("msg.send", map[string]any{"to": "bob", "random": 100, "clientMsgID": "c-one", "body": text("one")})
	if code != 0 || out["duplicate"] != true || out["message"].(map[string]any)["seq"].(float64) != 1 {
		t.Fatalf("retry: %d %v", code, out)
	}
	bob.noPush("msg.new")

	code, out = bob.call("conversation.list", nil)
	convs := out["conversations"].([]any)
	if code != 0 || len(convs) != 1 {
		t.Fatalf("bob's list: %v", out)
	}
	cv := convs[0].(map[string]any)
	if cv["conversationID"] != "c2c_alice" || cv["unreadCount"].(float64) != 3 || out["totalUnreadCount"].(float64) != 3 ||
		cv["lastMessage"].(map[string]any)["seq"].(float64) != 3 {
		t.Fatalf("bob's conversation: %v", out)
	}
	if code, _ := bob.call("msg.read", map[string]any{"userID": "alice", "seq": 2}); code != 0 {
		t.Fatal("read")
	}
	for _, c := range []*client{aliceWeb, aliceIOS} {
		if d := c.push("msg.read")["data"].(map[string]any); d["from"] != "bob" || d["seq"].(float64) != 2 {
			t.Fatalf("receipt %v", d)
		}
	}
	_, out = bob.call("conversation.list", nil)
	if out["totalUnreadCount"].(float64) != 1 {
		t.Fatalf("unread after reading to 2: %v", out)
	}

	// Recall: both sides are told, history shows it recalled, unread drops.
	key := seqKey(t, aliceWeb, "bob", 3)
	if code, _ := aliceWeb.call("msg.recall", map[string]any{"userID": "bob", "msgKey": key}); code != 0 {
		t.Fatalf("recall: %d", code)
	}
	if d := bob.push("msg.recalled")["data"].(map[string]any); d["msgKey"] != key {
		t.Fatalf("recall push %v", d)
	}
	if code, _ := bob.call("msg.recall", map[string]any{"userID": "alice", "msgKey": key}); code != 20023 {
		t.Fatalf("second recall: %d", code)
	}
	_, out = bob.call("msg.history", map[string]any{"userID": "alice", "count": 10})
	hist := out["messages"].([]any)
	if len(hist) != 3 || hist[0].(map[string]any)["status"] != "recalled" || hist[2].(map[string]any)["seq"].(float64) != 1 {
		t.Fatalf("history %v", out)
	}
	_, out = bob.call("conversation.list", nil)
	if out["totalUnreadCount"].(float64) != 0 {
		t.Fatalf("unread after recall: %v", out)
	}
	// Paging forward from a seq, as a reconnecting client fills a gap.
	_, out = bob.call("msg.history", map[string]any{"userID": "alice", "seq": 2, "ascending": true})
	if fwd := out["messages"].([]any); len(fwd) != 2 || fwd[0].(map[string]any)["seq"].(float64) != 2 {
		t.Fatalf("forward page %v", out)
	}
}

func seqKey(t *testing.T, c *client, peer string, seq float64) string {
	t.Helper()
	_, out := c.call("msg.history", map[string]any{"userID": peer, "count": 100})
	for _, m := range out["messages"].([]any) {
		if m.(map[string]any)["seq"].(float64) == seq {
			return m.(map[string]any)["msgKey"].(string)
		}
	}
	t.Fatalf("no message %v with %s", seq, peer)
	return ""
}

func TestMessageRules(t *testing.T) {
	s := resttest.Start(t, func(a *app.App) { a.Switches.CheckFriendForC2C = true })
	s.Import("alice", "bob", "carol")
	alice, bob := dial(t, s), dial(t, s)
	alice.login(s, "alice", "Web")
	bob.login(s, "bob", "Web")
	if code, _ := alice.call("msg.send", map[string]any{"to": "bob", "random": 1, "body": text("hi")}); code != 20009 {
		t.Fatalf("non-friends with the relationship check on: %d", code)
	}
	s.MustOK("sns/friend_import", `{"From_Account":"alice","AddFriendItem":[{"To_Account":"bob","AddSource":"AddSource_Type_t"}]}`)
	if code, _ := alice.call("msg.send", map[string]any{"to": "bob", "random": 1, "body": text("hi")}); code != 20010 {
		t.Fatalf("one-way friends: %d", code)
	}
	s.MustOK("sns/friend_import", `{"From_Account":"bob","AddFriendItem":[{"To_Account":"alice","AddSource":"AddSource_Type_t"}]}`)
	if code, _ := alice.call("msg.send", map[string]any{"to": "bob", "random": 1, "body": text("hi")}); code != 0 {
		t.Fatalf("friends: %d", code)
	}
	bob.push("msg.new")
	// Blocked: the sender is told "sent" (the default), nothing is delivered or stored.
	s.MustOK("sns/black_list_add", `{"From_Account":"bob","To_Account":["alice"]}`)
	s.MustOK("sns/friend_import", `{"From_Account":"alice","AddFriendItem":[{"To_Account":"bob","AddSource":"AddSource_Type_t"}]}`)
	s.MustOK("sns/friend_import", `{"From_Account":"bob","AddFriendItem":[{"To_Account":"alice","AddSource":"AddSource_Type_t"}]}`)
	if code, _ := alice.call("msg.send", map[string]any{"to": "bob", "random": 2, "body": text("blocked")}); code != 0 {
		t.Fatalf("blocked sender must be told sent: %d", code)
	}
	bob.noPush("msg.new")
	_, out := bob.call("msg.history", map[string]any{"userID": "alice"})
	if n := len(out["messages"].([]any)); n != 1 {
		t.Fatalf("bob's history has %d messages, want 1", n)
	}
	// Bad bodies.
	if code, _ := alice.call("msg.send", map[string]any{"to": "bob", "random": 3, "body": map[string]any{"MsgBody": []any{}}}); code != 90002 {
		t.Fatalf("empty body: %d", code)
	}
	if code, _ := alice.call("msg.send", map[string]any{"to": "bob", "random": 3, "body": map[string]any{"MsgBody": []map[string]any{{"MsgType": "TIMNoSuchElem", "MsgContent": map[string]any{}}}}}); code != 90010 {
		t.Fatalf("unknown element: %d", code)
	}
	big := make([]byte, 13<<10)
	for i := range big {
		big[i] = 'x'
	}
	if code, _ := alice.call("msg.send", map[string]any{"to": "bob", "random": 3, "body": text(string(big))}); code != 93000 {
		t.Fatalf("13 KB message: %d", code)
	}
	if code, _ := alice.call("msg.send", map[string]any{"to": "nobody", "random": 3, "body": text("x")}); code != 20003 {
		t.Fatalf("unknown receiver: %d", code)
	}
}

func TestOnlineOnlyMessages(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice", "bob")
	alice, bob := dial(t, s), dial(t, s)
	alice.login(s, "alice", "Web")
	bob.login(s, "bob", "Web")
	code, out := alice.call("msg.send", map[string]any{"to": "bob", "random": 9, "onlineUserOnly": true, "body": text("typing")})
	if code != 0 || out["message"].(map[string]any)["seq"].(float64) != 0 {
		t.Fatalf("online-only send: %d %v", code, out)
	}
	if d := bob.push("msg.new")["data"].(map[string]any); d["seq"].(float64) != 0 {
		t.Fatalf("online-only push %v", d)
	}
	_, out = bob.call("conversation.list", nil)
	if len(out["conversations"].([]any)) != 0 {
		t.Fatalf("an online-only message must not create a conversation: %v", out)
	}
}

// pushData waits for a push of kind and returns its data.
func (c *client) pushData(kind string) map[string]any {
	c.t.Helper()
	d, _ := c.push(kind)["data"].(map[string]any)
	return d
}

func bodyText(t *testing.T, m map[string]any) string {
	t.Helper()
	body, _ := m["body"].(map[string]any)
	elems, _ := body["MsgBody"].([]any)
	if len(elems) == 0 {
		return ""
	}
	content, _ := elems[0].(map[string]any)["MsgContent"].(map[string]any)
	text, _ := content["Text"].(string)
	return text
}

func restBody(text string) []any {
	return []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": text}}}
}

// Messages sent, imported, recalled, read and modified through the REST API
// reach online clients at once.
func TestRESTMessagesReachClients(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice", "bob", "carol")
	aliceWeb, aliceIOS, bob, carol := dial(t, s), dial(t, s), dial(t, s), dial(t, s)
	aliceWeb.login(s, "alice", "Web")
	aliceIOS.login(s, "alice", "iOS")
	bob.login(s, "bob", "Android")
	carol.login(s, "carol", "Mac")

	// sendmsg: the receiver and every device of the sender (SyncOtherMachine 1).
	start := time.Now()
	resp := s.MustOK("openim/sendmsg", map[string]any{"From_Account": "alice", "To_Account": "bob", "MsgRandom": 11,
		"MsgBody": restBody("from the app server"), "CloudCustomData": "ccd"})
	key := resp["MsgKey"].(string)
	for _, c := range []*client{bob, aliceWeb, aliceIOS} {
		d := c.pushData("msg.new")
		if d["msgKey"] != key || d["from"] != "alice" || d["to"] != "bob" || bodyText(t, d) != "from the app server" ||
			d["body"].(map[string]any)["CloudCustomData"] != "ccd" {
			t.Fatalf("msg.new %v, sent %s", d, key)
		}
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("REST send to push took %v", took)
	}
	// SyncOtherMachine 2: the receiver only.
	s.MustOK("openim/sendmsg", map[string]any{"From_Account": "alice", "To_Account": "bob", "MsgRandom": 12,
		"MsgBody": restBody("not synced"), "SyncOtherMachine": 2})
	if d := bob.pushData("msg.new"); bodyText(t, d) != "not synced" {
		t.Fatalf("bob got %v", d)
	}
	aliceIOS.noPush("msg.new")
	// MsgLifeTime 0: online only, seq 0.
	s.MustOK("openim/sendmsg", map[string]any{"From_Account": "alice", "To_Account": "bob", "MsgRandom": 13,
		"MsgBody": restBody("typing"), "MsgLifeTime": 0})
	if d := bob.pushData("msg.new"); d["seq"].(float64) != 0 {
		t.Fatalf("online-only push %v", d)
	}

	// batchsendmsg: every online receiver.
	s.MustOK("openim/batchsendmsg", map[string]any{"To_Account": []string{"bob", "carol"}, "MsgRandom": 14, "MsgBody": restBody("to all")})
	for _, c := range []*client{bob, carol} {
		if d := c.pushData("msg.new"); d["from"] != resttest.Admin || bodyText(t, d) != "to all" {
			t.Fatalf("batch push %v", d)
		}
	}

	// importmsg: 5 is pushed, 2 (history) is not.
	s.MustOK("openim/importmsg", map[string]any{"SyncFromOldSystem": 5, "From_Account": "carol", "To_Account": "bob",
		"MsgRandom": 15, "MsgTimeStamp": 1556178721, "MsgBody": restBody("real-time import")})
	for _, c := range []*client{bob, carol} {
		if d := c.pushData("msg.new"); d["timeMs"].(float64) != 1556178721000 || bodyText(t, d) != "real-time import" {
			t.Fatalf("imported push %v", d)
		}
	}
	s.MustOK("openim/importmsg", map[string]any{"SyncFromOldSystem": 2, "From_Account": "carol", "To_Account": "bob",
		"MsgRandom": 16, "MsgTimeStamp": 1556178000, "MsgBody": restBody("history import")})
	bob.noPush("msg.new")
	carol.noPush("msg.new")

	// modify_c2c_msg: both sides, with the new body and version.
	s.MustOK("openim/modify_c2c_msg", map[string]any{"From_Account": "alice", "To_Account": "bob", "MsgKey": key,
		"MsgBody": restBody("edited by the app server")})
	for _, c := range []*client{bob, aliceWeb, aliceIOS} {
		d := c.pushData("msg.modified")
		if d["msgKey"] != key || d["version"].(float64) != 1 || bodyText(t, d) != "edited by the app server" ||
			d["body"].(map[string]any)["CloudCustomData"] != "ccd" {
			t.Fatalf("msg.modified %v", d)
		}
	}

	// admin_set_msg_read: the peer's devices get the receipt.
	s.MustOK("openim/admin_set_msg_read", map[string]any{"Report_Account": "bob", "Peer_Account": "alice"})
	for _, c := range []*client{aliceWeb, aliceIOS} {
		if d := c.pushData("msg.read"); d["from"] != "bob" || d["to"] != "alice" || d["seq"].(float64) != 2 {
			t.Fatalf("receipt %v", d)
		}
	}

	// admin_msgwithdraw: both sides are told.
	s.MustOK("openim/admin_msgwithdraw", map[string]any{"From_Account": "alice", "To_Account": "bob", "MsgKey": key})
	for _, c := range []*client{bob, aliceWeb, aliceIOS} {
		if d := c.pushData("msg.recalled"); d["msgKey"] != key {
			t.Fatalf("msg.recalled %v", d)
		}
	}
}

func TestMessageModifyOp(t *testing.T) {
	s := resttest.Start(t)
	aliceWeb, aliceIOS, bob := dial(t, s), dial(t, s), dial(t, s)
	aliceWeb.login(s, "alice", "Web")
	aliceIOS.login(s, "alice", "iOS")
	bob.login(s, "bob", "Android")
	_, out := aliceWeb.call("msg.send", map[string]any{"to": "bob", "random": 1, "body": text("helo")})
	key := out["message"].(map[string]any)["msgKey"].(string)
	bob.push("msg.new")
	aliceIOS.push("msg.new")

	// Either participant may modify, at the version they edited.
	code, out := bob.call("msg.modify", map[string]any{"userID": "alice", "msgKey": key, "version": 0,
		"body": map[string]any{"MsgBody": text("hello")["MsgBody"], "CloudCustomData": "fixed by bob"}})
	m, _ := out["message"].(map[string]any)
	if code != 0 || m["version"].(float64) != 1 || bodyText(t, m) != "hello" {
		t.Fatalf("modify: %d %v", code, out)
	}
	for _, c := range []*client{aliceWeb, aliceIOS} {
		d := c.pushData("msg.modified")
		if d["msgKey"] != key || d["version"].(float64) != 1 || bodyText(t, d) != "hello" || d["from"] != "alice" ||
			d["body"].(map[string]any)["CloudCustomData"] != "fixed by bob" {
			t.Fatalf("msg.modified %v", d)
		}
	}
	bob.noPush("msg.modified") // not echoed to the device that modified

	// alice edited version 0 meanwhile: 2480 with the current message.
	code, out = aliceWeb.call("msg.modify", map[string]any{"userID": "bob", "msgKey": key, "version": 0,
		"body": map[string]any{"CloudCustomData": "alice's"}})
	cur, _ := out["message"].(map[string]any)
	if code != 2480 || cur == nil || cur["version"].(float64) != 1 || bodyText(t, cur) != "hello" ||
		cur["body"].(map[string]any)["CloudCustomData"] != "fixed by bob" {
		t.Fatalf("stale modify: %d %v", code, out)
	}
	bob.noPush("msg.modified")
	// Retried on the current version it goes through; the body stays.
	code, out = aliceWeb.call("msg.modify", map[string]any{"userID": "bob", "msgKey": key, "version": 1,
		"body": map[string]any{"CloudCustomData": "alice's"}})
	if code != 0 || out["message"].(map[string]any)["version"].(float64) != 2 || bodyText(t, out["message"].(map[string]any)) != "hello" {
		t.Fatalf("retry: %d %v", code, out)
	}
	if d := bob.pushData("msg.modified"); d["version"].(float64) != 2 {
		t.Fatalf("bob's push %v", d)
	}
	_, out = bob.call("msg.history", map[string]any{"userID": "alice"})
	if h := out["messages"].([]any)[0].(map[string]any); h["version"].(float64) != 2 || h["body"].(map[string]any)["CloudCustomData"] != "alice's" {
		t.Fatalf("history %v", h)
	}

	_, out = aliceWeb.call("msg.send", map[string]any{"to": "bob", "random": 2, "body": text("recall me")})
	recalled := out["message"].(map[string]any)["msgKey"].(string)
	if code, _ := aliceWeb.call("msg.recall", map[string]any{"userID": "bob", "msgKey": recalled}); code != 0 {
		t.Fatalf("recall %d", code)
	}
	for _, tc := range []struct {
		name string
		data map[string]any
		code int
	}{
		{"no version", map[string]any{"userID": "bob", "msgKey": key, "body": text("x")}, 6017},
		{"nothing to modify", map[string]any{"userID": "bob", "msgKey": key, "version": 2}, 20001},
		{"no such message", map[string]any{"userID": "bob", "msgKey": "99_1_1", "version": 0, "body": text("x")}, 20026},
		{"another conversation", map[string]any{"userID": "carol", "msgKey": key, "version": 2, "body": text("x")}, 20026},
		{"recalled", map[string]any{"userID": "bob", "msgKey": recalled, "version": 1, "body": text("x")}, 20026},
		{"malformed key", map[string]any{"userID": "bob", "msgKey": "k", "version": 0, "body": text("x")}, 90054},
		{"empty body", map[string]any{"userID": "bob", "msgKey": key, "version": 2, "body": map[string]any{"MsgBody": []any{}}}, 90002},
	} {
		if code, out := aliceWeb.call("msg.modify", tc.data); code != tc.code {
			t.Fatalf("%s: %d %v, want %d", tc.name, code, out, tc.code)
		}
	}
}

func TestMessageDeleteOp(t *testing.T) {
	s := resttest.Start(t)
	aliceWeb, aliceIOS, bob := dial(t, s), dial(t, s), dial(t, s)
	aliceWeb.login(s, "alice", "Web")
	aliceIOS.login(s, "alice", "iOS")
	bob.login(s, "bob", "Android")
	var keys []string
	for i, word := range []string{"one", "two", "three", "four"} {
		sender, to := aliceWeb, "bob"
		if i%2 == 1 {
			sender, to = bob, "alice"
		}
		code, out := sender.call("msg.send", map[string]any{"to": to, "random": i, "body": text(word)})
		if code != 0 {
			t.Fatalf("send %s: %d", word, code)
		}
		keys = append(keys, out["message"].(map[string]any)["msgKey"].(string))
	}
	_, out := aliceWeb.call("conversation.list", nil)
	if n := out["totalUnreadCount"].(float64); n != 2 {
		t.Fatalf("alice unread %v", n)
	}

	// alice deletes "two" and "four": both bob's, unread, and "four" the last one.
	code, out := aliceWeb.call("msg.delete", map[string]any{"userID": "bob", "msgKeys": []string{keys[1], keys[3]}})
	if code != 0 || len(out["msgKeys"].([]any)) != 2 {
		t.Fatalf("delete: %d %v", code, out)
	}
	d := aliceIOS.pushData("msg.deleted")
	if d["userID"] != "bob" || len(d["msgKeys"].([]any)) != 2 || d["msgKeys"].([]any)[0] != keys[1] {
		t.Fatalf("msg.deleted %v", d)
	}
	aliceWeb.noPush("msg.deleted")
	bob.noPush("msg.deleted")

	words := func(c *client, peer string) []string {
		t.Helper()
		_, out := c.call("msg.history", map[string]any{"userID": peer, "ascending": true})
		var got []string
		for _, m := range out["messages"].([]any) {
			got = append(got, bodyText(t, m.(map[string]any)))
		}
		return got
	}
	if got := words(aliceIOS, "bob"); len(got) != 2 || got[0] != "one" || got[1] != "three" {
		t.Fatalf("alice's history %v", got)
	}
	if got := words(bob, "alice"); len(got) != 4 {
		t.Fatalf("bob's history %v (the peer keeps deleted messages)", got)
	}
	_, out = aliceWeb.call("conversation.list", nil)
	cv := out["conversations"].([]any)[0].(map[string]any)
	if out["totalUnreadCount"].(float64) != 0 || bodyText(t, cv["lastMessage"].(map[string]any)) != "three" {
		t.Fatalf("alice's list after deleting: %v", out)
	}
	// The REST history as alice sees it agrees.
	resp := s.MustOK("openim/admin_getroammsg", map[string]any{"Operator_Account": "alice", "Peer_Account": "bob",
		"MaxCnt": 10, "MinTime": 0, "MaxTime": time.Now().Unix() + 60})
	if n := resttest.Int(resp["MsgCnt"]); n != 2 {
		t.Fatalf("admin_getroammsg for alice: %v", resp)
	}

	many := make([]string, 31)
	for i := range many {
		many[i] = keys[0]
	}
	for _, tc := range []struct {
		name string
		data map[string]any
		code int
	}{
		{"no keys", map[string]any{"userID": "bob", "msgKeys": []string{}}, 6017},
		{"31 keys", map[string]any{"userID": "bob", "msgKeys": many}, 6017},
		{"no such message", map[string]any{"userID": "bob", "msgKeys": []string{keys[0], "77_1_1"}}, 20022},
		{"malformed key", map[string]any{"userID": "bob", "msgKeys": []string{"x"}}, 90054},
	} {
		if code, out := aliceWeb.call("msg.delete", tc.data); code != tc.code {
			t.Fatalf("%s: %d %v, want %d", tc.name, code, out, tc.code)
		}
	}
	// Deleting again is harmless; 30 keys are allowed.
	if code, _ := aliceWeb.call("msg.delete", map[string]any{"userID": "bob", "msgKeys": many[:30]}); code != 0 {
		t.Fatalf("30 keys: %d", code)
	}
	if got := words(aliceWeb, "bob"); len(got) != 1 || got[0] != "three" {
		t.Fatalf("alice's history after deleting one: %v", got)
	}
}

func TestMessageClearOp(t *testing.T) {
	s := resttest.Start(t)
	aliceWeb, aliceIOS, bob := dial(t, s), dial(t, s), dial(t, s)
	aliceWeb.login(s, "alice", "Web")
	aliceIOS.login(s, "alice", "iOS")
	bob.login(s, "bob", "Android")
	for i := 0; i < 3; i++ {
		if code, _ := bob.call("msg.send", map[string]any{"to": "alice", "random": i, "body": text("hi")}); code != 0 {
			t.Fatal("send")
		}
	}
	code, out := aliceWeb.call("msg.clear", map[string]any{"userID": "bob"})
	if code != 0 || out["clearedSeq"].(float64) != 3 {
		t.Fatalf("clear: %d %v", code, out)
	}
	d := aliceIOS.pushData("conversation.cleared")
	if d["conversationID"] != "c2c_bob" || d["userID"] != "bob" || d["clearedSeq"].(float64) != 3 {
		t.Fatalf("conversation.cleared %v", d)
	}
	aliceWeb.noPush("conversation.cleared")
	bob.noPush("conversation.cleared")

	_, out = aliceIOS.call("msg.history", map[string]any{"userID": "bob"})
	if n := len(out["messages"].([]any)); n != 0 {
		t.Fatalf("alice's history after clearing: %v", out)
	}
	_, out = bob.call("msg.history", map[string]any{"userID": "alice"})
	if n := len(out["messages"].([]any)); n != 3 {
		t.Fatalf("bob's history: %v", out)
	}
	// The conversation stays, empty and read.
	_, out = aliceWeb.call("conversation.list", nil)
	convs := out["conversations"].([]any)
	if len(convs) != 1 || out["totalUnreadCount"].(float64) != 0 || convs[0].(map[string]any)["lastMessage"] != nil {
		t.Fatalf("alice's list after clearing: %v", out)
	}
	if resp := s.MustOK("openim/get_c2c_unread_msg_num", map[string]any{"To_Account": "alice"}); resttest.Int(resp["AllC2CUnreadMsgNum"]) != 0 {
		t.Fatalf("REST unread after clearing: %v", resp)
	}
	// A new message shows as usual.
	bob.call("msg.send", map[string]any{"to": "alice", "random": 9, "body": text("again")})
	_, out = aliceWeb.call("msg.history", map[string]any{"userID": "bob"})
	if msgs := out["messages"].([]any); len(msgs) != 1 || msgs[0].(map[string]any)["seq"].(float64) != 4 {
		t.Fatalf("after a new message: %v", out)
	}
	// Clearing a conversation that does not exist changes nothing.
	if code, out := aliceWeb.call("msg.clear", map[string]any{"userID": "nobody"}); code != 0 || out["clearedSeq"].(float64) != 0 {
		t.Fatalf("clear nothing: %d %v", code, out)
	}
	aliceIOS.noPush("conversation.cleared")
}

// SendMsgControl and IsNeedReadReceipt of a REST send, as a client sees
// them: flags, unread and the last message.
func TestRESTSendControls(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice", "bob")
	bob := dial(t, s)
	bob.login(s, "bob", "Web")
	s.MustOK("openim/sendmsg", map[string]any{"From_Account": "alice", "To_Account": "bob", "MsgRandom": 1, "MsgBody": restBody("first")})
	s.MustOK("openim/sendmsg", map[string]any{"From_Account": "alice", "To_Account": "bob", "MsgRandom": 2, "MsgBody": restBody("quiet"),
		"SendMsgControl": []string{"NoUnread", "NoLastMsg"}, "IsNeedReadReceipt": 1})
	bob.pushData("msg.new")
	if d := bob.pushData("msg.new"); d["flags"].(float64) != 1|2|4 {
		t.Fatalf("flags %v", d)
	}
	_, out := bob.call("conversation.list", nil)
	cv := out["conversations"].([]any)[0].(map[string]any)
	if cv["unreadCount"].(float64) != 1 || cv["lastSeq"].(float64) != 2 || bodyText(t, cv["lastMessage"].(map[string]any)) != "first" {
		t.Fatalf("conversation %v", cv)
	}
}
