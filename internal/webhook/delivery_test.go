package webhook_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/webhook"
)

func seqOf(c callback) int64 {
	n, _ := c.Body["MsgSeq"].(json.Number).Int64()
	return n
}

// After-callbacks are kept across a restart: what the receiver refused
// before the node stopped arrives after the next start, in seq order per
// conversation, and what it acknowledged is not sent again.
func TestRestartWithABacklog(t *testing.T) {
	r := newReceiver(t)
	spec := newStoreSpec(t)
	hooks := map[store.AppID]webhook.Config{appA: all(r, func(c *webhook.Config) { c.Commands = []string{webhook.CmdC2CAfterSendMsg} })}
	n := startNode(t, spec, hooks)
	n.mustOK(appA, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob", "carol"}})
	for i := range 5 {
		n.mustOK(appA, "openim/sendmsg", map[string]any{"From_Account": "bob", "To_Account": "alice", "MsgRandom": i, "MsgBody": text(fmt.Sprint("acked", i))})
	}
	r.wait(webhook.CmdC2CAfterSendMsg, 5)
	r.setAnswer(func(string, map[string]any) (int, string) { return 500, "down" })
	for i := range 10 {
		from := []string{"bob", "carol"}[i%2]
		n.mustOK(appA, "openim/sendmsg", map[string]any{"From_Account": from, "To_Account": "alice", "MsgRandom": 100 + i, "MsgBody": text(fmt.Sprint("backlog", i))})
	}
	time.Sleep(300 * time.Millisecond) // a few refused attempts
	n.stop()
	r.setAnswer(nil)
	startNode(t, spec, hooks)
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok := map[string]bool{}
		for _, c := range r.of(webhook.CmdC2CAfterSendMsg) {
			if strings.Contains(string(c.Raw), "backlog") {
				ok[fmt.Sprint(c.Body["MsgBody"])] = true
			}
		}
		if len(ok) == 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of the 10 backlog messages arrived after the restart", len(ok))
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Acknowledged ones once; every conversation in seq order (a refused
	// attempt may repeat an entry, never reorder it).
	acked := map[string]int{}
	last := map[string]int64{}
	accepted := map[string]bool{} // what answered 200 already
	for _, c := range r.of(webhook.CmdC2CAfterSendMsg) {
		body := fmt.Sprint(c.Body["MsgBody"])
		if strings.Contains(body, "acked") {
			acked[body]++
		}
		conv := fmt.Sprint(c.Body["From_Account"], ">", c.Body["To_Account"])
		s := seqOf(c)
		if s < last[conv] && accepted[fmt.Sprint(conv, s)] {
			t.Fatalf("conversation %s: seq %d after %d", conv, s, last[conv])
		}
		last[conv] = max(last[conv], s)
	}
	for b, k := range acked {
		if k != 1 {
			t.Fatalf("acknowledged %s sent %d times", b, k)
		}
	}
	// Per conversation, the last delivery of each seq is in ascending
	// order of first success: checked as the sequence of distinct seqs.
	for conv := range last {
		var seqs []int64
		for _, c := range r.of(webhook.CmdC2CAfterSendMsg) {
			if fmt.Sprint(c.Body["From_Account"], ">", c.Body["To_Account"]) == conv {
				if len(seqs) == 0 || seqs[len(seqs)-1] != seqOf(c) {
					seqs = append(seqs, seqOf(c))
				}
			}
		}
		for i := 1; i < len(seqs); i++ {
			if seqs[i] < seqs[i-1] {
				t.Fatalf("conversation %s delivered out of order: %v", conv, seqs)
			}
		}
	}
}

// A receiver that never answers delays neither the sends of its own app
// (after-callbacks are asynchronous) nor another app's callbacks, even of a
// conversation in the same partition number: its
// requests end at its timeout, its breaker then refuses them without I/O,
// so the dispatcher's workers stay free.
func TestHangingReceiver(t *testing.T) {
	dead, live := newReceiver(t), newReceiver(t)
	dead.setHang(webhook.CmdC2CAfterSendMsg, true)
	only := func(c *webhook.Config) { c.Commands = []string{webhook.CmdC2CAfterSendMsg} }
	n := startNode(t, newStoreSpec(t), map[store.AppID]webhook.Config{appA: all(dead, only), appB: all(live, only)})
	for _, a := range []uint64{appA, appB} {
		n.mustOK(a, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob", "u1", "u2", "u3", "u4"}})
	}
	// App A: several conversations, each blocked on the hanging receiver.
	for i := range 20 {
		from := fmt.Sprint("u", 1+i%4)
		n.mustOK(appA, "openim/sendmsg", map[string]any{"From_Account": from, "To_Account": "alice", "MsgRandom": i, "MsgBody": text("to a dead receiver")})
	}
	// App B's conversation is one of app A's blocked ones, by the same
	// users: the same partition number. Partitions are per app, so A's
	// failing entries do not hold it.
	if outbox.PartitionOf(appA, "c2c:alice:u1") != outbox.PartitionOf(appB, "c2c:alice:u1") {
		t.Fatal("the same conversation key in two apps should take the same partition number")
	}
	for i := range 10 {
		n.mustOK(appB, "openim/sendmsg", map[string]any{"From_Account": "u1", "To_Account": "alice", "MsgRandom": i, "MsgBody": text(fmt.Sprint("live", i))})
	}
	got := live.wait(webhook.CmdC2CAfterSendMsg, 10)
	for i, c := range got[:10] {
		if !strings.Contains(string(c.Raw), fmt.Sprint("live", i)) {
			t.Fatalf("app B's callback %d is %s", i, c.Raw)
		}
	}
	if len(dead.of(webhook.CmdC2CAfterSendMsg)) == 0 {
		t.Fatal("the hanging receiver was never called")
	}
}

// The Prev friend callbacks steer the result per item, with app codes in
// [38000, 39000], and a top-level app code fails the whole call.
func TestPrevFriendAddSteersItems(t *testing.T) {
	r := newReceiver(t)
	n := startNode(t, newStoreSpec(t), map[store.AppID]webhook.Config{appA: all(r, func(c *webhook.Config) {
		c.Commands = []string{webhook.CmdPrevFriendAdd}
	})})
	n.mustOK(appA, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob", "carol"}})
	n.mustOK(appA, "profile/portrait_set", map[string]any{"From_Account": "bob", "ProfileItem": []any{
		map[string]any{"Tag": "Tag_Profile_IM_AllowType", "Value": "AllowType_Type_AllowAny"}}})
	alice := n.login(appA, "alice", "Web")
	r.setAnswer(func(string, map[string]any) (int, string) {
		return 200, `{"ActionStatus":"OK","ErrorCode":0,"ResultItem":[{"To_Account":"bob","ResultCode":38555,"ResultInfo":"not today"}]}`
	})
	if a := alice.op("friend.add", map[string]any{"userID": "bob"}); errCode(a) != 38555 {
		t.Fatalf("friend.add answered %v, want the item's 38555", a)
	}
	r.setAnswer(func(string, map[string]any) (int, string) {
		return 200, `{"ActionStatus":"FAIL","ErrorCode":38001,"ErrorInfo":"closed"}`
	})
	if a := alice.op("friend.add", map[string]any{"userID": "bob"}); errCode(a) != 38001 {
		t.Fatalf("friend.add answered %v, want 38001", a)
	}
	r.setAnswer(nil)
	if a := alice.op("friend.add", map[string]any{"userID": "bob"}); errCode(a) != 0 {
		t.Fatalf("friend.add answered %v, want success", a)
	}
	if k := len(r.of(webhook.CmdPrevFriendAdd)); k != 3 {
		t.Fatalf("%d Prev callbacks, want 3", k)
	}
}
