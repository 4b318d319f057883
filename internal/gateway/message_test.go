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
	deadline := time.After(300 * time.Millisecond)
	for {
		select {
		case f := <-c.frames:
			if f["push"] == kind {
				c.t.Fatalf("unexpected %s push: %v", kind, f)
			}
		case <-deadline:
			return
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
