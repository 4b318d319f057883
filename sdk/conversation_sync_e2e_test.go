package sdk

import (
	"fmt"
	"testing"
)

// SyncConversations catches a device up from a version: everything the
// first time, then only what changed (a pin, a new message, a deletion),
// in pages of the size asked.
func TestE2EConversationSyncFromAVersion(t *testing.T) {
	node := startNode(t)
	node.Import("bob", "p1", "p2", "p3")
	body := []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "hi"}}}
	send := func(from string, random int) {
		node.MustOK("openim/sendmsg", map[string]any{"From_Account": from, "To_Account": "bob", "MsgRandom": random, "MsgBody": body})
	}
	send("p1", 1)
	send("p2", 2)
	bob := node.msgDevice(t, "bob", PlatformIOS)
	ctx := ctxT(t)
	cm := bob.Conversation()
	ids := func(cs []*Conversation) string {
		out := []string{}
		for _, c := range cs {
			out = append(out, c.ConversationID)
		}
		return fmt.Sprint(out)
	}

	all, err := cm.SyncConversations(ctx, 0, 0)
	if err != nil || !all.IsFinished || ids(all.Changed) != "[c2c_p1 c2c_p2]" || all.Version == 0 {
		t.Fatalf("first sync: %s %+v %v", ids(all.Changed), all, err)
	}
	if c := all.Changed[0]; c.Type != ConversationC2C || c.UserID != "p1" || c.UnreadCount != 1 || c.LastMessage == nil {
		t.Fatalf("synced conversation: %+v", c)
	}
	if err := cm.PinConversation(ctx, C2CConversationID("p2"), true); err != nil {
		t.Fatal(err)
	}
	send("p3", 3)
	if err := cm.DeleteConversation(ctx, C2CConversationID("p1")); err != nil {
		t.Fatal(err)
	}
	first, err := cm.SyncConversations(ctx, all.Version, 1)
	if err != nil || first.IsFinished || ids(first.Changed) != "[c2c_p2]" || !first.Changed[0].IsPinned {
		t.Fatalf("page 1: %s %+v %v", ids(first.Changed), first, err)
	}
	rest, err := cm.SyncConversations(ctx, first.Version, 10)
	if err != nil || !rest.IsFinished || ids(rest.Changed) != "[c2c_p3]" || fmt.Sprint(rest.DeletedConversationIDs) != "[c2c_p1]" {
		t.Fatalf("rest: %s %+v %v", ids(rest.Changed), rest, err)
	}
	again, err := cm.SyncConversations(ctx, rest.Version, 10)
	if err != nil || !again.IsFinished || len(again.Changed)+len(again.DeletedConversationIDs) != 0 || again.Version != rest.Version {
		t.Fatalf("up to date: %+v %v", again, err)
	}
	if typ, target, ok := ParseConversationID(GroupConversationID("g1")); !ok || typ != ConversationGroup || target != "g1" {
		t.Fatalf("ParseConversationID: %v %q %v", typ, target, ok)
	}
}
