package gateway_test

import (
	"context"
	"testing"

	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/store"
)

// A group message is published once and reaches every online session of
// every member (the store's membership, read at login), the sender's other
// device included, in seq order; a non-member hears nothing, and a member
// who left stops hearing the group once the gateway is told.
func TestGroupMessageReachesEveryMemberSession(t *testing.T) {
	s := resttest.Start(t)
	app := store.AppID(resttest.SDKAppID)
	err := s.Node.Store.Write(context.Background(), func(tx store.Tx) error {
		for _, u := range []string{"alice", "bob", "carol", "dave"} {
			if _, err := tx.CreateAccount(context.Background(), app, u, 1); err != nil {
				return err
			}
		}
		if _, err := tx.CreateGroup(context.Background(), store.Group{App: app, ID: "team", Type: "Work", CreatedAt: 1}); err != nil {
			return err
		}
		for _, u := range []string{"alice", "bob", "carol"} {
			if _, err := tx.JoinGroup(context.Background(), app, "team", u, 1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	aliceWeb, aliceIOS, bob, carol, dave := dial(t, s), dial(t, s), dial(t, s), dial(t, s), dial(t, s)
	aliceWeb.login(s, "alice", "Web")
	aliceIOS.login(s, "alice", "iOS")
	bob.login(s, "bob", "Android")
	carol.login(s, "carol", "Mac")
	dave.login(s, "dave", "Windows")

	send := func(from, word string) message.Sent {
		t.Helper()
		sent, err := s.Node.Messages.SendGroup(context.Background(), s.App, message.GroupSendRequest{From: from, GroupID: "team",
			ClientMsgID: word, Content: message.Content{MsgBody: []message.Element{{MsgType: "TIMTextElem", MsgContent: []byte(`{"Text":"` + word + `"}`)}}}})
		if err != nil {
			t.Fatal(err)
		}
		return sent
	}
	for i, word := range []string{"one", "two", "three"} {
		sent := send("alice", word)
		if sent.Message.Seq != uint64(i+1) {
			t.Fatalf("seq %d, want %d", sent.Message.Seq, i+1)
		}
		for _, c := range []*client{aliceWeb, aliceIOS, bob, carol} {
			d := c.push("msg.new")["data"].(map[string]any)
			if d["groupID"] != "team" || d["seq"] != float64(i+1) || d["from"] != "alice" {
				t.Fatalf("push %v, want seq %d of team from alice", d, i+1)
			}
		}
	}
	dave.noPush("msg.new")

	s.Node.Gateway.LeftGroup(resttest.SDKAppID, "team", "carol")
	send("bob", "four")
	for _, c := range []*client{aliceWeb, aliceIOS, bob} {
		if d := c.push("msg.new")["data"].(map[string]any); d["seq"] != float64(4) {
			t.Fatalf("push %v, want seq 4", d)
		}
	}
	carol.noPush("msg.new")
}
