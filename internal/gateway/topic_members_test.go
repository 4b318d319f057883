package gateway_test

import (
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

// Member mutes and receive options per topic through the socket: group.mute
// and group.setReceiveMessageOpt take a topic ID as the group. A member
// muted in a topic is refused there (10017) and speaks in the other; every
// member session hears member_changed naming the topic. A member who does
// not receive a topic gets no msg.new of it but does of the other topics;
// the topic conversation shows the option; discarding the community
// silences every topic, whatever the topic's own option.
func TestTopicMuteAndRecvOptOverTheSocket(t *testing.T) {
	s := resttest.Start(t)
	s.Import("owner", "alice", "bob")
	if rc := s.Call("group_open_http_svc/create_group", `{"Owner_Account":"owner","Type":"Community","GroupId":"cm","Name":"c",
		"SupportTopic":1,"MemberList":[{"Member_Account":"alice"},{"Member_Account":"bob"}]}`)["ErrorCode"]; fmt.Sprint(rc) != "0" {
		t.Fatalf("create community: %v", rc)
	}
	const a, b = "cm@TOPIC#_a", "cm@TOPIC#_b"
	for _, id := range []string{a, b} {
		if rc := s.Call("million_group_open_http_svc/create_topic", fmt.Sprintf(`{"GroupId":"cm","TopicId":%q,"TopicName":"t"}`, id))["ErrorCode"]; fmt.Sprint(rc) != "0" {
			t.Fatalf("create topic %s: %v", id, rc)
		}
	}
	owner, alice, bob := dial(t, s), dial(t, s), dial(t, s)
	owner.login(s, "owner", "Mac")
	alice.login(s, "alice", "Web")
	bob.login(s, "bob", "Android")

	n := 0
	send := func(c *client, topic string) int {
		t.Helper()
		n++
		code, _ := c.call("msg.send", map[string]any{"groupID": topic, "random": n, "clientMsgID": fmt.Sprint("m", n),
			"body": map[string]any{"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "hi"}}}}})
		return code
	}
	heard := func(c *client, topic string) {
		t.Helper()
		if m := c.push("msg.new")["data"].(map[string]any); m["groupID"] != topic {
			t.Fatalf("msg.new of %v, want %s: %v", m["groupID"], topic, m)
		}
	}

	if code, _ := bob.call("group.mute", map[string]any{"groupID": a, "userID": "alice", "seconds": 600}); code != 10007 {
		t.Errorf("a member mutes in a topic: %d, want 10007", code)
	}
	if code, _ := owner.call("group.mute", map[string]any{"groupID": a, "userID": "bob", "seconds": 600}); code != 0 {
		t.Fatalf("owner mutes bob in a: %d", code)
	}
	for _, c := range []*client{alice, bob} {
		d := c.push("group.member_changed")["data"].(map[string]any)
		ms, _ := d["members"].([]any)
		if d["groupID"] != a || len(ms) != 1 || ms[0].(map[string]any)["userID"] != "bob" || ms[0].(map[string]any)["muteUntil"] == nil {
			t.Fatalf("member_changed %v", d)
		}
	}
	if code := send(bob, a); code != 10017 {
		t.Fatalf("bob sends in a while muted there: %d, want 10017", code)
	}
	if code := send(bob, b); code != 0 {
		t.Fatalf("bob sends in b: %d", code)
	}
	heard(alice, b)
	if code, _ := owner.call("group.mute", map[string]any{"groupID": a, "userID": "bob", "seconds": 0}); code != 0 {
		t.Fatalf("unmute: %d", code)
	}
	if code := send(bob, a); code != 0 {
		t.Fatalf("bob sends in a after the unmute: %d", code)
	}
	heard(alice, a)

	// alice does not receive a: no msg.new of it, but of b.
	if code, _ := alice.call("group.setReceiveMessageOpt", map[string]any{"groupID": a, "opt": 1}); code != 0 {
		t.Fatalf("alice sets a to not receive: %d", code)
	}
	if code, out := alice.call("group.getReceiveMessageOpt", map[string]any{"groupIDList": []string{a, b, "cm"}}); code != 0 ||
		fmt.Sprint(out["opts"]) != fmt.Sprintf("[map[groupID:%s opt:1] map[groupID:%s opt:0] map[groupID:cm opt:0]]", a, b) {
		t.Fatalf("alice's options: %d %v", code, out)
	}
	if code := send(bob, a); code != 0 {
		t.Fatal(code)
	}
	if code := send(bob, b); code != 0 {
		t.Fatal(code)
	}
	heard(alice, b)
	alice.noPush("msg.new")
	recvOpts := func(c *client) map[string]any {
		t.Helper()
		out := map[string]any{}
		for _, x := range c.mustCall("conversation.list", map[string]any{"count": 100})["conversations"].([]any) {
			cv := x.(map[string]any)
			out[fmt.Sprint(cv["conversationID"])] = cv["recvOpt"]
		}
		return out
	}
	if got := recvOpts(alice); fmt.Sprint(got["group_"+a], got["group_"+b]) != "1 0" {
		t.Fatalf("alice's topic conversations' recvOpt: %v", got)
	}

	// Discarding the community wins over b's receive.
	if code, _ := alice.call("group.setReceiveMessageOpt", map[string]any{"groupID": "cm", "opt": 1}); code != 0 {
		t.Fatalf("alice discards the community: %d", code)
	}
	if code := send(bob, b); code != 0 {
		t.Fatal(code)
	}
	alice.noPush("msg.new")
	if got := recvOpts(alice); fmt.Sprint(got["group_"+a], got["group_"+b]) != "1 1" {
		t.Fatalf("alice's topic conversations' recvOpt while discarding the community: %v", got)
	}
	// Receiving the community again, b is back; a stays off.
	if code, _ := alice.call("group.setReceiveMessageOpt", map[string]any{"groupID": "cm", "opt": 0}); code != 0 {
		t.Fatal(code)
	}
	if code := send(bob, a); code != 0 {
		t.Fatal(code)
	}
	if code := send(bob, b); code != 0 {
		t.Fatal(code)
	}
	heard(alice, b)
	alice.noPush("msg.new")
}
