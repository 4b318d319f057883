package gateway_test

import (
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

// topicOf is the entry for topicID in a group.getTopics answer.
func topicOf(t *testing.T, out map[string]any, topicID string) map[string]any {
	t.Helper()
	for _, x := range out["topics"].([]any) {
		if tp := x.(map[string]any); tp["topicID"] == topicID {
			return tp
		}
	}
	t.Fatalf("no topic %s in %v", topicID, out)
	return nil
}

// Topics of a community through the socket: the owner's and admins' topic
// ops with their pushes to every member session; a topic message reaches
// both devices of a member and no outsider; unread is per topic (derived
// from seqs) and a read in one topic leaves the other; a device that was
// away catches up a topic by its seq.
func TestCommunityTopicsOverTheSocket(t *testing.T) {
	s := resttest.Start(t)
	s.Import("owner", "alice", "bob", "carol")
	if rc := s.Call("group_open_http_svc/create_group", `{"Owner_Account":"owner","Type":"Community","GroupId":"cm","Name":"c",
		"SupportTopic":1,"MemberList":[{"Member_Account":"alice"},{"Member_Account":"bob"}]}`)["ErrorCode"]; fmt.Sprint(rc) != "0" {
		t.Fatalf("create community: %v", rc)
	}
	if rc := s.Call("group_open_http_svc/create_group", `{"Owner_Account":"owner","Type":"Community","GroupId":"flat","Name":"c",
		"MemberList":[{"Member_Account":"alice"}]}`)["ErrorCode"]; fmt.Sprint(rc) != "0" {
		t.Fatalf("create community without topics: %v", rc)
	}
	owner, aliceWeb, aliceIOS, bob, carol := dial(t, s), dial(t, s), dial(t, s), dial(t, s), dial(t, s)
	owner.login(s, "owner", "Mac")
	aliceWeb.login(s, "alice", "Web")
	aliceIOS.login(s, "alice", "iOS")
	bob.login(s, "bob", "Android")
	carol.login(s, "carol", "Windows")

	if code, _ := bob.call("group.createTopic", map[string]any{"groupID": "cm", "topicName": "x"}); code != 10007 {
		t.Errorf("a common member creates a topic: %d, want 10007", code)
	}
	if code, _ := owner.call("group.createTopic", map[string]any{"groupID": "flat", "topicName": "x"}); code != 11000 {
		t.Errorf("a topic in a community without topics: %d, want 11000", code)
	}
	code, out := owner.call("group.createTopic", map[string]any{"groupID": "cm", "topicID": "cm@TOPIC#_news", "topicName": "news",
		"introduction": "daily", "customString": "c"})
	if code != 0 || out["topicID"] != "cm@TOPIC#_news" {
		t.Fatalf("create topic: %d %v", code, out)
	}
	const news, chat = "cm@TOPIC#_news", "cm@TOPIC#_chat"
	for _, c := range []*client{aliceWeb, aliceIOS, bob} {
		d := c.push("group.topic_created")["data"].(map[string]any)
		if d["groupID"] != "cm" || d["topic"].(map[string]any)["topicID"] != news {
			t.Fatalf("topic_created push %v", d)
		}
	}
	carol.noPush("group.topic_created")
	if code, _ := owner.call("group.createTopic", map[string]any{"groupID": "cm", "topicID": chat, "topicName": "chat"}); code != 0 {
		t.Fatalf("create chat topic: %d", code)
	}

	send := func(c *client, topic, text string) float64 {
		t.Helper()
		code, out := c.call("msg.send", map[string]any{"groupID": topic, "random": 1, "clientMsgID": topic + text,
			"body": map[string]any{"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": text}}}}})
		if code != 0 {
			t.Fatalf("send %q to %s: %d %v", text, topic, code, out)
		}
		return out["message"].(map[string]any)["seq"].(float64)
	}
	if seq := send(bob, news, "one"); seq != 1 {
		t.Fatalf("first message of news took seq %v", seq)
	}
	for _, c := range []*client{aliceWeb, aliceIOS} {
		d := c.push("msg.new")["data"].(map[string]any)
		if d["groupID"] != news || d["seq"] != float64(1) || d["from"] != "bob" {
			t.Fatalf("alice's push %v, want seq 1 of %s from bob", d, news)
		}
	}
	carol.noPush("msg.new")
	if code, _ := carol.call("msg.send", map[string]any{"groupID": news, "random": 2, "body": map[string]any{"MsgBody": []any{
		map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "x"}}}}}); code != 10007 {
		t.Errorf("an outsider sends to a topic: %d, want 10007", code)
	}
	// Each topic numbers its own messages.
	if seq := send(bob, chat, "a"); seq != 1 {
		t.Fatalf("first message of chat took seq %v", seq)
	}
	send(bob, chat, "b")
	for _, c := range []*client{aliceWeb, aliceIOS} {
		for _, seq := range []float64{1, 2} {
			if d := c.push("msg.new")["data"].(map[string]any); d["groupID"] != chat || d["seq"] != seq {
				t.Fatalf("alice's push %v, want seq %v of %s", d, seq, chat)
			}
		}
	}
	// A recall in a topic is the group recall: the sender's, heard by the members.
	code, out = bob.call("msg.send", map[string]any{"groupID": chat, "random": 7, "clientMsgID": "oops",
		"body": map[string]any{"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "oops"}}}}})
	if code != 0 {
		t.Fatalf("send oops: %d %v", code, out)
	}
	oops := out["message"].(map[string]any)
	aliceWeb.push("msg.new")
	if code, out := bob.call("msg.recall", map[string]any{"groupID": chat, "msgKey": oops["msgKey"]}); code != 0 {
		t.Fatalf("recall in a topic: %d %v", code, out)
	}
	if d := aliceWeb.push("msg.recalled")["data"].(map[string]any); d["groupID"] != chat || d["seq"] != float64(3) {
		t.Fatalf("recall push %v", d)
	}

	_, out = aliceWeb.call("group.getTopics", map[string]any{"groupID": "cm"})
	// A recalled message still counts, as in any group.
	if n, c := topicOf(t, out, news)["unreadCount"], topicOf(t, out, chat)["unreadCount"]; n != float64(1) || c != float64(3) {
		t.Fatalf("alice's unread: news %v chat %v, want 1 and 3", n, c)
	}
	// The topics are conversations of the list, with the same unread.
	_, out = aliceWeb.call("conversation.list", map[string]any{})
	listed := map[any]any{}
	for _, x := range out["conversations"].([]any) {
		cv := x.(map[string]any)
		listed[cv["conversationID"]] = cv["unreadCount"]
	}
	if listed["group_"+news] != float64(1) || listed["group_"+chat] != float64(3) || out["totalUnreadCount"] != float64(4) {
		t.Fatalf("alice's conversation list %v", out)
	}
	if code, _ := aliceWeb.call("msg.read", map[string]any{"groupID": news, "seq": 1}); code != 0 {
		t.Fatalf("read news: %d", code)
	}
	_, out = aliceIOS.call("group.getTopics", map[string]any{"groupID": "cm", "topicIDList": []string{news, chat}})
	if n, c := topicOf(t, out, news), topicOf(t, out, chat); n["unreadCount"] != float64(0) || n["readSequence"] != float64(1) ||
		c["unreadCount"] != float64(3) {
		t.Fatalf("after reading news: news %v chat %v", n, c)
	}
	_, out = bob.call("group.getTopics", map[string]any{"groupID": "cm"})
	if c := topicOf(t, out, chat); c["unreadCount"] != float64(0) {
		t.Fatalf("bob's own messages count as unread: %v", c)
	}

	// alice's iOS device goes away; two more messages; it comes back and
	// fills the gap from the topic's last seq.
	aliceIOS.nc.Close()
	send(bob, news, "two")
	send(bob, news, "three")
	back := dial(t, s)
	back.login(s, "alice", "iOS")
	_, out = back.call("group.getTopics", map[string]any{"groupID": "cm", "topicIDList": []string{news}})
	tp := topicOf(t, out, news)
	if tp["lastSeq"] != float64(3) || tp["readSequence"] != float64(1) || tp["unreadCount"] != float64(2) {
		t.Fatalf("news after reconnect: %v, want lastSeq 3, read 1, unread 2", tp)
	}
	code, out = back.call("msg.history", map[string]any{"groupID": news, "seq": 2, "ascending": true, "count": 10})
	msgs, _ := out["messages"].([]any)
	if code != 0 || len(msgs) != 2 || msgs[0].(map[string]any)["seq"] != float64(2) || msgs[1].(map[string]any)["seq"] != float64(3) {
		t.Fatalf("catch-up history: %d %v", code, out)
	}

	// Topic info changes and deletions reach the members.
	if code, _ := owner.call("group.setTopicInfo", map[string]any{"groupID": "cm", "topicID": news, "topicName": "renamed", "allMute": true}); code != 0 {
		t.Fatalf("set topic info: %d", code)
	}
	if d := back.push("group.topic_changed")["data"].(map[string]any); d["topic"].(map[string]any)["topicName"] != "renamed" {
		t.Fatalf("topic_changed push %v", d)
	}
	if code, _ := bob.call("msg.send", map[string]any{"groupID": news, "random": 3, "body": map[string]any{"MsgBody": []any{
		map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "x"}}}}}); code != 10017 {
		t.Errorf("a member sends to a muted topic: %d, want 10017", code)
	}
	send(owner, news, "the owner still speaks")
	code, out = owner.call("group.deleteTopics", map[string]any{"groupID": "cm", "topicIDList": []string{news}})
	if code != 0 || out["results"].([]any)[0].(map[string]any)["code"] != float64(0) {
		t.Fatalf("delete topic: %d %v", code, out)
	}
	if d := bob.push("group.topic_deleted")["data"].(map[string]any); d["topicIDList"].([]any)[0] != news {
		t.Fatalf("topic_deleted push %v", d)
	}
	if code, _ := back.call("msg.history", map[string]any{"groupID": news, "seq": 0, "count": 10}); code != 10010 {
		t.Errorf("history of a deleted topic: %d, want 10010", code)
	}
}
