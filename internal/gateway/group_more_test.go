package gateway_test

import (
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/gateway"
	"github.com/parleyim/parley/internal/message"
)

// The push that leaves out not_receive members must fit the gateway's
// bound on a push's member list.
var _ = [1]int{}[message.MaxNotReceiving/(gateway.MaxGroupPushUsers+1)]

// TestGroupConversationsOnTheSocket: a member's group conversation takes
// marks, conversation groups, a pin and a draft through the socket like a
// one-to-one one, and the member's other device follows; the receive
// option is set with group.setReceiveMessageOpt, shown as the
// conversation's recvOpt, and not_receive keeps the group's messages away.
func TestGroupConversationsOnTheSocket(t *testing.T) {
	f := newGroupFixture(t)
	f.makeGroup(t, "gc", "Public")
	m1 := f.clients["m1"]
	other := dial(t, f.s)
	other.login(f.s, "m1", "Web")
	f.clients["m2"].mustCall("msg.send", map[string]any{"groupID": "gc", "random": 1, "body": text("hello")})
	m1.push("msg.new")

	out := m1.mustCall("conversation.mark", map[string]any{"conversationIDs": []string{"group_gc", "group_nope"}, "markType": 1, "enable": true})
	if res := out["results"].([]any); res[0].(map[string]any)["code"].(float64) != 0 || res[1].(map[string]any)["code"].(float64) != 51007 {
		t.Fatalf("mark results %v", out)
	}
	other.push("conversation.changed")
	m1.mustCall("conversation_group.create", map[string]any{"name": "teams", "conversationIDs": []string{"group_gc"}})
	m1.mustCall("conversation.pin", map[string]any{"conversationID": "group_gc", "pinned": true})
	m1.mustCall("conversation.setDraft", map[string]any{"conversationID": "group_gc", "text": "draft"})
	cv := other.conversation("group_gc")
	if fmt.Sprintf("%v %v %v %v %v", cv["markList"], cv["groupNames"], cv["pinned"], cv["draftText"], cv["recvOpt"]) != "[1] [teams] true draft 0" {
		t.Errorf("group conversation on the other device: %v", cv)
	}
	if got := listOrder(other.mustCall("conversation.list", map[string]any{"groupName": "teams"})); got != "group_gc" {
		t.Errorf("list of teams: %s", got)
	}

	if code, _ := m1.call("group.setReceiveMessageOpt", map[string]any{"groupID": "gc", "opt": 3}); code != 10004 {
		t.Errorf("opt 3: %d, want 10004", code)
	}
	if code, _ := f.clients["out"].call("group.setReceiveMessageOpt", map[string]any{"groupID": "gc", "opt": 1}); code != 10007 {
		t.Errorf("a non-member's option: %d, want 10007", code)
	}
	m1.mustCall("group.setReceiveMessageOpt", map[string]any{"groupID": "gc", "opt": 1})
	other.push("conversation.changed")
	if cv := other.conversation("group_gc"); cv["recvOpt"].(float64) != 1 {
		t.Errorf("recvOpt after not_receive: %v", cv["recvOpt"])
	}
	opts := m1.mustCall("group.getReceiveMessageOpt", map[string]any{"groupIDList": []string{"gc", "nope"}})
	if fmt.Sprint(opts["opts"]) != "[map[groupID:gc opt:1] map[groupID:nope opt:0]]" {
		t.Errorf("getReceiveMessageOpt %v", opts)
	}
	f.clients["m2"].mustCall("msg.send", map[string]any{"groupID": "gc", "random": 2, "body": text("unheard")})
	f.clients["adm"].push("msg.new")
	m1.mustCall("ping", nil)
	for {
		fr, ok := m1.nextFrame(0)
		if !ok {
			break
		}
		if fr["push"] == "msg.new" {
			t.Errorf("m1 (not_receive) heard %v", fr)
		}
	}
	// Back to receive: the next message arrives.
	m1.mustCall("group.setReceiveMessageOpt", map[string]any{"groupID": "gc", "opt": 0})
	f.clients["m2"].mustCall("msg.send", map[string]any{"groupID": "gc", "random": 3, "body": text("heard")})
	m1.push("msg.new")
}
