package gateway_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

// convIDs returns the conversationIDs of a conversation push.
func convIDs(p map[string]any) string {
	d := p["data"].(map[string]any)
	var ids []string
	for _, id := range d["conversationIDs"].([]any) {
		ids = append(ids, id.(string))
	}
	return strings.Join(ids, ",")
}

// mustCall calls and requires code 0.
func (c *client) mustCall(op string, data any) map[string]any {
	c.t.Helper()
	code, out := c.call(op, data)
	if code != 0 {
		c.t.Fatalf("%s: code %d %v", op, code, out)
	}
	return out
}

// conversation returns the one conversation of conversation.get.
func (c *client) conversation(id string) map[string]any {
	c.t.Helper()
	out := c.mustCall("conversation.get", map[string]any{"conversationIDs": []string{id}})
	cs := out["conversations"].([]any)
	if len(cs) != 1 {
		c.t.Fatalf("conversation.get %s: %v", id, out)
	}
	return cs[0].(map[string]any)
}

func listOrder(out map[string]any) string {
	var ids []string
	for _, cv := range out["conversations"].([]any) {
		ids = append(ids, cv.(map[string]any)["conversationID"].(string))
	}
	return strings.Join(ids, " ")
}

func TestConversationChangesReachOtherDevices(t *testing.T) {
	s := resttest.Start(t)
	web, ios, bob, carol := dial(t, s), dial(t, s), dial(t, s), dial(t, s)
	web.login(s, "alice", "Web")
	ios.login(s, "alice", "iOS")
	bob.login(s, "bob", "Android")
	carol.login(s, "carol", "Android")
	bob.mustCall("msg.send", map[string]any{"to": "alice", "random": 1, "body": text("hi from bob")})
	carol.mustCall("msg.send", map[string]any{"to": "alice", "random": 2, "body": text("hi from carol")})
	for _, c := range []*client{web, ios} {
		c.push("msg.new")
		c.push("msg.new")
	}
	if got := listOrder(ios.mustCall("conversation.list", nil)); got != "c2c_carol c2c_bob" {
		t.Fatalf("list before pinning: %s", got)
	}

	// Pin on the web: both devices hear it (the change log has no gaps).
	web.mustCall("conversation.pin", map[string]any{"conversationID": "c2c_bob", "pinned": true})
	var seq float64
	for _, c := range []*client{ios, web} {
		p := c.push("conversation.changed")
		if convIDs(p) != "c2c_bob" {
			t.Fatalf("pin push: %v", p)
		}
		seq = p["seq"].(float64)
	}
	if cv := ios.conversation("c2c_bob"); cv["pinned"] != true || cv["unreadCount"].(float64) != 1 {
		t.Fatalf("bob's conversation on iOS: %v", cv)
	}
	if got := listOrder(ios.mustCall("conversation.list", nil)); got != "c2c_bob c2c_carol" {
		t.Fatalf("list after pinning: %s", got)
	}

	// A draft set on iOS shows on the web.
	ios.mustCall("conversation.setDraft", map[string]any{"conversationID": "c2c_carol", "text": "half written"})
	if p := web.push("conversation.changed"); convIDs(p) != "c2c_carol" || p["seq"].(float64) != seq+1 {
		t.Fatalf("draft push: %v (after seq %v)", p, seq)
	}
	if cv := web.conversation("c2c_carol"); cv["draftText"] != "half written" || cv["draftTimeMs"].(float64) == 0 {
		t.Fatalf("carol's conversation on the web: %v", cv)
	}

	// Marks: a flag, the unread count does not move.
	out := web.mustCall("conversation.mark", map[string]any{"conversationIDs": []string{"c2c_carol", "group_g"}, "markType": 2, "enable": true})
	res := out["results"].([]any)
	if res[0].(map[string]any)["code"].(float64) != 0 || res[1].(map[string]any)["code"].(float64) != 51007 {
		t.Fatalf("mark results: %v", out)
	}
	ios.push("conversation.changed")
	cv := ios.conversation("c2c_carol")
	if fmt.Sprint(cv["markList"]) != "[2]" || cv["unreadCount"].(float64) != 1 {
		t.Fatalf("marked conversation: %v", cv)
	}
	if got := listOrder(ios.mustCall("conversation.list", map[string]any{"markType": 2})); got != "c2c_carol" {
		t.Fatalf("list by mark: %s", got)
	}

	// Conversation groups.
	out = ios.mustCall("conversation_group.create", map[string]any{"name": "friends", "conversationIDs": []string{"c2c_bob", "c2c_carol"}})
	if out["groupID"].(float64) != 1 {
		t.Fatalf("create: %v", out)
	}
	if p := web.push("conversation_group.changed"); fmt.Sprint(p["data"]) != "map[names:[friends]]" {
		t.Fatalf("group push: %v", p)
	}
	if p := web.push("conversation.changed"); convIDs(p) != "c2c_bob,c2c_carol" {
		t.Fatalf("group membership push: %v", p)
	}
	ios.mustCall("conversation_group.rename", map[string]any{"oldName": "friends", "newName": "close"})
	if p := web.push("conversation_group.changed"); fmt.Sprint(p["data"]) != "map[names:[friends close]]" {
		t.Fatalf("rename push: %v", p)
	}
	ios.mustCall("conversation_group.remove", map[string]any{"name": "close", "conversationIDs": []string{"c2c_bob"}})
	web.push("conversation_group.changed")
	out = web.mustCall("conversation_group.list", nil)
	if fmt.Sprint(out["groups"]) != "[map[conversationIDs:[c2c_carol] groupID:1 name:close]]" {
		t.Fatalf("groups: %v", out)
	}
	if cv := web.conversation("c2c_carol"); fmt.Sprint(cv["groupNames"]) != "[close]" {
		t.Fatalf("carol's groups: %v", cv)
	}
	if got := listOrder(web.mustCall("conversation.list", map[string]any{"groupName": "close"})); got != "c2c_carol" {
		t.Fatalf("list by group: %s", got)
	}
	ios.mustCall("conversation_group.delete", map[string]any{"name": "close"})
	web.push("conversation_group.changed")

	// Delete on the web: iOS hears it and the list drops it.
	out = web.mustCall("conversation.delete", map[string]any{"conversationIDs": []string{"c2c_carol"}, "clearMessages": true})
	if fmt.Sprint(out["results"]) != "[map[code:0 conversationID:c2c_carol info:]]" {
		t.Fatalf("delete: %v", out)
	}
	if p := ios.push("conversation.deleted"); convIDs(p) != "c2c_carol" {
		t.Fatalf("delete push: %v", p)
	}
	if got := listOrder(ios.mustCall("conversation.list", nil)); got != "c2c_bob" {
		t.Fatalf("list after delete: %s", got)
	}
	if out := ios.mustCall("msg.history", map[string]any{"userID": "carol"}); len(out["messages"].([]any)) != 0 {
		t.Fatalf("history after delete with messages: %v", out)
	}
	// carol writes again: the conversation is back on both devices.
	carol.mustCall("msg.send", map[string]any{"to": "alice", "random": 3, "body": text("still there?")})
	ios.push("msg.new")
	if cv := ios.conversation("c2c_carol"); cv["unreadCount"].(float64) != 1 || cv["draftText"] != "" {
		t.Fatalf("carol's conversation back: %v", cv)
	}

	// A device that was away replays the same through sync.
	out = ios.mustCall("sync", map[string]any{"after": seq - 1})
	var kinds []string
	for _, e := range out["events"].([]any) {
		ev := e.(map[string]any)
		kind := ev["kind"].(string)
		switch {
		case strings.HasPrefix(kind, "conversation."):
			kind += fmt.Sprint(ev["conversationIDs"])
		case strings.HasPrefix(kind, "conversation_group."):
			kind += fmt.Sprint(ev["names"])
		}
		kinds = append(kinds, kind)
	}
	want := "conversation.changed[c2c_bob] conversation.changed[c2c_carol] conversation.changed[c2c_carol] " +
		"conversation_group.changed[friends] conversation.changed[c2c_bob c2c_carol] " +
		"conversation_group.changed[friends close] conversation.changed[c2c_bob c2c_carol] " +
		"conversation_group.changed[close] conversation.changed[c2c_bob] " +
		"conversation_group.changed[close] conversation.changed[c2c_carol] conversation.deleted[c2c_carol]"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("sync:\n got %s\nwant %s", got, want)
	}
}

func TestUnreadAcrossDevices(t *testing.T) {
	s := resttest.Start(t)
	web, ios, bob := dial(t, s), dial(t, s), dial(t, s)
	web.login(s, "alice", "Web")
	ios.login(s, "alice", "iOS")
	bob.login(s, "bob", "Android")
	for i := 0; i < 3; i++ {
		bob.mustCall("msg.send", map[string]any{"to": "alice", "random": i, "body": text("m")})
		web.push("msg.new")
		ios.push("msg.new")
	}
	for _, c := range []*client{web, ios} {
		if out := c.mustCall("conversation.totalUnread", nil); out["totalUnreadCount"].(float64) != 3 {
			t.Fatalf("total unread: %v", out)
		}
	}
	// Reading on the web: iOS learns it from msg.read and recounts.
	web.mustCall("msg.read", map[string]any{"userID": "bob", "seq": 2})
	if d := ios.push("msg.read")["data"].(map[string]any); d["from"] != "alice" || d["seq"].(float64) != 2 {
		t.Fatalf("read on the other device: %v", d)
	}
	if out := ios.mustCall("conversation.totalUnread", nil); out["totalUnreadCount"].(float64) != 1 {
		t.Fatalf("total unread on iOS after reading on the web: %v", out)
	}
	if cv := ios.conversation("c2c_bob"); cv["unreadCount"].(float64) != 1 || cv["readSeq"].(float64) != 2 {
		t.Fatalf("bob's conversation on iOS: %v", cv)
	}
	out := ios.mustCall("conversation.list", nil)
	if out["totalUnreadCount"].(float64) != 1 {
		t.Fatalf("list total: %v", out)
	}
	// bob's own view counts nothing: he sent them.
	if out := bob.mustCall("conversation.totalUnread", nil); out["totalUnreadCount"].(float64) != 0 {
		t.Fatalf("bob's total: %v", out)
	}
	// Reading everything on iOS.
	ios.mustCall("msg.read", map[string]any{"userID": "bob"})
	web.push("msg.read")
	if out := web.mustCall("conversation.totalUnread", nil); out["totalUnreadCount"].(float64) != 0 {
		t.Fatalf("total after reading all: %v", out)
	}
}

func TestConversationOpErrors(t *testing.T) {
	s := resttest.Start(t)
	c := dial(t, s)
	c.login(s, "alice", "Web")
	s.Import("bob")
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = "c2c_bob"
	}
	for _, tc := range []struct {
		op   string
		data any
		want int
	}{
		{"conversation.pin", map[string]any{"conversationID": "c2c_bob"}, 6017},
		{"conversation.pin", map[string]any{"conversationID": "bob", "pinned": true}, 50002},
		{"conversation.pin", map[string]any{"conversationID": "c2c_ghost", "pinned": true}, 50001},
		{"conversation.pin", map[string]any{"conversationID": "group_g", "pinned": true}, 51007},
		{"conversation.get", map[string]any{}, 6017},
		{"conversation.get", map[string]any{"conversationIDs": ids}, 6017},
		{"conversation.get", map[string]any{"conversationIDs": []string{"x"}}, 50002},
		{"conversation.delete", map[string]any{}, 50002},
		{"conversation.mark", map[string]any{"conversationIDs": []string{"c2c_bob"}}, 6017},
		{"conversation.mark", map[string]any{"conversationIDs": ids, "markType": 1, "enable": true}, 51006},
		{"conversation.mark", map[string]any{"conversationIDs": []string{}, "markType": 1, "enable": true}, 51006},
		{"conversation.setDraft", map[string]any{"conversationID": "c2c_bob", "text": strings.Repeat("x", 8001)}, 50002},
		{"conversation_group.create", map[string]any{"name": strings.Repeat("x", 33), "conversationIDs": []string{"c2c_bob"}}, 51011},
		{"conversation_group.create", map[string]any{"name": "g", "conversationIDs": []string{}}, 50002},
		{"conversation_group.delete", map[string]any{"name": "nope"}, 51009},
		{"conversation_group.rename", map[string]any{"oldName": "nope", "newName": "x"}, 51009},
		{"conversation_group.rename", map[string]any{"oldName": "nope"}, 6017},
		{"conversation_group.add", map[string]any{"name": "nope", "conversationIDs": []string{"c2c_bob"}}, 51009},
		{"conversation_group.remove", map[string]any{"name": "nope"}, 6017},
		{"conversation.list", "not an object", 6017},
	} {
		if code, out := c.call(tc.op, tc.data); code != tc.want {
			t.Errorf("%s %v: code %d (%v), want %d", tc.op, tc.data, code, out, tc.want)
		}
	}
	for i := 1; i <= 20; i++ {
		c.mustCall("conversation_group.create", map[string]any{"name": fmt.Sprintf("g%d", i), "conversationIDs": []string{"c2c_bob"}})
	}
	if code, _ := c.call("conversation_group.create", map[string]any{"name": "g21", "conversationIDs": []string{"c2c_bob"}}); code != 51010 {
		t.Fatalf("21st group: %d", code)
	}
	// Nothing changed by the failures shows up as an empty list: pin of an
	// unknown user did not start a conversation.
	if out := c.mustCall("conversation.list", nil); len(out["conversations"].([]any)) != 0 {
		t.Fatalf("list: %v", out)
	}
}
