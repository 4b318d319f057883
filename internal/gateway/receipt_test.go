package gateway_test

import (
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

func TestReceiveOptions(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice", "bob", "carol")
	aliceWeb, aliceIOS, bob, carol := dial(t, s), dial(t, s), dial(t, s), dial(t, s)
	aliceWeb.login(s, "alice", "Web")
	aliceIOS.login(s, "alice", "iOS")
	bob.login(s, "bob", "Android")
	carol.login(s, "carol", "Android")

	for _, bad := range []map[string]any{{"userIDs": []string{"bob"}, "opt": 3}, {"userIDs": []string{}, "opt": 1},
		{"userIDs": []string{"bob"}}} {
		if code, _ := aliceWeb.call("user.setC2CReceiveOpt", bad); code == 0 {
			t.Fatalf("setC2CReceiveOpt %v accepted", bad)
		}
	}
	many := make([]string, 31)
	for i := range many {
		many[i] = "bob"
	}
	if code, _ := aliceWeb.call("user.getC2CReceiveOpt", map[string]any{"userIDs": many}); code == 0 {
		t.Fatal("31 user IDs accepted")
	}

	// alice: nothing from bob, carol without notification.
	if code, out := aliceWeb.call("user.setC2CReceiveOpt", map[string]any{"userIDs": []string{"bob"}, "opt": 1}); code != 0 {
		t.Fatalf("set: %d %v", code, out)
	}
	if code, out := aliceWeb.call("user.setC2CReceiveOpt", map[string]any{"userIDs": []string{"carol"}, "opt": 2}); code != 0 {
		t.Fatalf("set: %d %v", code, out)
	}
	// Every device of alice follows the change through her change log.
	for _, c := range []*client{aliceWeb, aliceIOS} {
		for _, who := range []string{"bob", "carol"} {
			p := c.push("recv_opt.changed")
			ids := p["data"].(map[string]any)["userIDs"].([]any)
			if p["seq"] == nil || len(ids) != 1 || ids[0] != who {
				t.Fatalf("recv_opt.changed %v, want %s", p, who)
			}
		}
	}
	code, out := aliceIOS.call("user.getC2CReceiveOpt", map[string]any{"userIDs": []string{"carol", "bob", "dave"}})
	opts := out["opts"].([]any)
	if code != 0 || len(opts) != 3 || opts[0].(map[string]any)["opt"].(float64) != 2 || opts[1].(map[string]any)["opt"].(float64) != 1 ||
		opts[2].(map[string]any)["opt"].(float64) != 0 || opts[2].(map[string]any)["userID"] != "dave" {
		t.Fatalf("get: %d %v", code, out)
	}

	// bob's message is sent and stored for bob, reaches none of alice's
	// devices, and is not in her history or unread.
	code, out = bob.call("msg.send", map[string]any{"to": "alice", "random": 1, "body": text("hidden")})
	if code != 0 || out["message"].(map[string]any)["seq"].(float64) != 1 {
		t.Fatalf("send to a not-receiving user: %d %v", code, out)
	}
	aliceWeb.noPush("msg.new")
	aliceIOS.noPush("msg.new")
	_, out = aliceWeb.call("msg.history", map[string]any{"userID": "bob"})
	if n := len(out["messages"].([]any)); n != 0 {
		t.Fatalf("alice's history with bob: %v", out)
	}
	_, out = bob.call("msg.history", map[string]any{"userID": "alice"})
	if n := len(out["messages"].([]any)); n != 1 {
		t.Fatalf("bob's history with alice: %v", out)
	}
	// carol's message is delivered as usual.
	if code, _ := carol.call("msg.send", map[string]any{"to": "alice", "random": 2, "body": text("quiet")}); code != 0 {
		t.Fatal("send from carol")
	}
	for _, c := range []*client{aliceWeb, aliceIOS} {
		if d := c.push("msg.new")["data"].(map[string]any); d["from"] != "carol" {
			t.Fatalf("push %v", d)
		}
	}
	_, out = aliceWeb.call("conversation.list", nil)
	if out["totalUnreadCount"].(float64) != 1 {
		t.Fatalf("alice's unread: %v", out)
	}
	for _, cv := range out["conversations"].([]any) {
		c := cv.(map[string]any)
		want := map[string]float64{"c2c_bob": 1, "c2c_carol": 2}[c["conversationID"].(string)]
		if c["recvOpt"].(float64) != want {
			t.Fatalf("recvOpt of %v, want %v", c, want)
		}
	}
	// Back to receive: bob's next message arrives.
	if code, _ := aliceWeb.call("user.setC2CReceiveOpt", map[string]any{"userIDs": []string{"bob"}, "opt": 0}); code != 0 {
		t.Fatal("reset")
	}
	if code, _ := bob.call("msg.send", map[string]any{"to": "alice", "random": 3, "body": text("visible")}); code != 0 {
		t.Fatal("send")
	}
	if d := aliceIOS.push("msg.new")["data"].(map[string]any); d["from"] != "bob" || d["seq"].(float64) != 2 {
		t.Fatalf("push %v", d)
	}
	_, out = aliceWeb.call("msg.history", map[string]any{"userID": "bob"})
	if n := len(out["messages"].([]any)); n != 1 {
		t.Fatalf("alice's history with bob after reset: %v", out)
	}
}

func TestMessageReadReceipts(t *testing.T) {
	s := resttest.Start(t)
	aliceWeb, aliceIOS, bob := dial(t, s), dial(t, s), dial(t, s)
	aliceWeb.login(s, "alice", "Web")
	aliceIOS.login(s, "alice", "iOS")
	bob.login(s, "bob", "Android")

	var keys []string
	for i, need := range []bool{true, false, true} {
		code, out := aliceWeb.call("msg.send", map[string]any{"to": "bob", "random": 10 + i, "body": text("m"), "needReadReceipt": need})
		if code != 0 {
			t.Fatalf("send: %d %v", code, out)
		}
		m := out["message"].(map[string]any)
		if (int(m["flags"].(float64))&4 != 0) != need {
			t.Fatalf("flags of %v", m)
		}
		keys = append(keys, m["msgKey"].(string))
	}
	isPeerRead := func(c *client, peer string) []any {
		_, out := c.call("msg.history", map[string]any{"userID": peer, "ascending": true})
		var got []any
		for _, m := range out["messages"].([]any) {
			got = append(got, m.(map[string]any)["isPeerRead"])
		}
		return got
	}
	if got := isPeerRead(aliceWeb, "bob"); got[0] != false || got[1] != nil || got[2] != false {
		t.Fatalf("isPeerRead before: %v", got)
	}

	if code, _ := bob.call("msg.receipt", map[string]any{"userID": "alice", "msgKeys": []string{}}); code == 0 {
		t.Fatal("no keys accepted")
	}
	if code, _ := bob.call("msg.receipt", map[string]any{"userID": "alice", "msgKeys": []string{"99_1_1"}}); code != 20022 {
		t.Fatalf("unknown message: %d", code)
	}
	// The message without needReadReceipt is left out.
	code, out := bob.call("msg.receipt", map[string]any{"userID": "alice", "msgKeys": []string{keys[0], keys[1]}})
	if acked := out["msgKeys"].([]any); code != 0 || len(acked) != 1 || acked[0] != keys[0] {
		t.Fatalf("receipt: %d %v", code, out)
	}
	for _, c := range []*client{aliceWeb, aliceIOS} {
		d := c.push("msg.receipt")["data"].(map[string]any)
		ks := d["msgKeys"].([]any)
		if d["from"] != "bob" || d["to"] != "alice" || len(ks) != 1 || ks[0] != keys[0] {
			t.Fatalf("receipt push %v", d)
		}
	}
	// Once per message: a repeat is answered but not pushed again.
	code, out = bob.call("msg.receipt", map[string]any{"userID": "alice", "msgKeys": []string{keys[0]}})
	if code != 0 || len(out["msgKeys"].([]any)) != 1 {
		t.Fatalf("repeat: %d %v", code, out)
	}
	aliceWeb.noPush("msg.receipt")
	if got := isPeerRead(aliceWeb, "bob"); got[0] != true || got[1] != nil || got[2] != false {
		t.Fatalf("isPeerRead after: %v", got)
	}
	// The read cursor is another thing: it neither sets isPeerRead nor is
	// moved by a receipt.
	_, out = bob.call("conversation.list", nil)
	if out["totalUnreadCount"].(float64) != 3 {
		t.Fatalf("bob's unread after receipts: %v", out)
	}
	if code, _ := bob.call("msg.read", map[string]any{"userID": "alice"}); code != 0 {
		t.Fatal("read")
	}
	if got := isPeerRead(aliceWeb, "bob"); got[2] != false {
		t.Fatalf("isPeerRead after msg.read: %v", got)
	}
	// The sender cannot acknowledge its own message.
	code, out = aliceWeb.call("msg.receipt", map[string]any{"userID": "bob", "msgKeys": []string{keys[2]}})
	if code != 0 || len(out["msgKeys"].([]any)) != 0 {
		t.Fatalf("own message: %d %v", code, out)
	}
}
