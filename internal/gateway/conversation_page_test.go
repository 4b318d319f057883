package gateway_test

import (
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

// seedConversations gives alice n conversations (u000 …) through one REST
// batch send, then unread messages from the first `unread` peers.
func seedConversations(t *testing.T, s *resttest.Server, n, unread int) []string {
	t.Helper()
	peers := make([]string, n)
	for i := range peers {
		peers[i] = fmt.Sprintf("u%03d", i)
	}
	s.Import("alice")
	for i := 0; i < n; i += 100 {
		s.Import(peers[i:min(i+100, n)]...)
	}
	body := []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "hi"}}}
	s.MustOK("openim/batchsendmsg", map[string]any{"From_Account": "alice", "To_Account": peers, "MsgRandom": 1, "MsgBody": body})
	for i := 0; i < unread; i++ {
		s.MustOK("openim/sendmsg", map[string]any{"From_Account": peers[i], "To_Account": "alice", "MsgRandom": i + 2, "MsgBody": body})
	}
	return peers
}

// conversation.list answers pages of at most 100 with a cursor; walking
// them yields every conversation once, in the list's order, and every page
// carries the whole list's totalUnreadCount.
func TestConversationListPages(t *testing.T) {
	s := resttest.Start(t)
	peers := seedConversations(t, s, 230, 3)
	c := dial(t, s)
	c.login(s, "alice", "iOS")
	c.mustCall("conversation.pin", map[string]any{"conversationID": "c2c_" + peers[200], "pinned": true})

	for _, count := range []any{nil, 100, 1000, 7} {
		req := map[string]any{}
		if count != nil {
			req["count"] = count
		}
		want := 100
		if count == 7 {
			want = 7
		}
		seen := map[string]bool{}
		var order []string
		for pages := 0; ; pages++ {
			if pages > 40 {
				t.Fatalf("count %v: paging does not end", count)
			}
			out := c.mustCall("conversation.list", req)
			list := out["conversations"].([]any)
			if n := resttest.Int(out["totalUnreadCount"]); n != 3 {
				t.Fatalf("count %v page %d: totalUnreadCount %d, want 3", count, pages, n)
			}
			for _, cv := range list {
				id := cv.(map[string]any)["conversationID"].(string)
				if seen[id] {
					t.Fatalf("count %v: %s on two pages", count, id)
				}
				seen[id] = true
				order = append(order, id)
			}
			if out["isFinished"] == true {
				if out["nextSeq"] != "" || len(list) > want {
					t.Fatalf("count %v: last page %d items, nextSeq %q", count, len(list), out["nextSeq"])
				}
				break
			}
			if len(list) != want || out["nextSeq"] == "" {
				t.Fatalf("count %v page %d: %d items, nextSeq %q; want %d and a cursor", count, pages, len(list), out["nextSeq"], want)
			}
			req["nextSeq"] = out["nextSeq"]
		}
		if len(seen) != len(peers) {
			t.Fatalf("count %v: %d conversations seen, want %d", count, len(seen), len(peers))
		}
		// The pinned one first, then the three with a newer message from
		// the peer, then the batch (one time: by peer).
		first := map[string]bool{order[1]: true, order[2]: true, order[3]: true}
		if order[0] != "c2c_u200" || !first["c2c_u000"] || !first["c2c_u001"] || !first["c2c_u002"] || order[4] != "c2c_u003" {
			t.Fatalf("count %v: list starts %v", count, order[:5])
		}
	}

	for _, bad := range []map[string]any{
		{"count": -1},
		{"nextSeq": "garbage"},
		{"nextSeq": "2.5.u001"},
		{"nextSeq": "0.-5.u001"},
		{"nextSeq": "0.5.not a user"},
		{"markType": 16},
		{"markType": uint64(1) << 31},
	} {
		if code, out := c.call("conversation.list", bad); code != 50002 {
			t.Errorf("conversation.list %v: code %d %v, want 50002", bad, code, out)
		}
	}
	// A filter pages the same way.
	c.mustCall("conversation.mark", map[string]any{"conversationIDs": []string{"c2c_u005", "c2c_u006", "c2c_u007"}, "markType": 1, "enable": true})
	out := c.mustCall("conversation.list", map[string]any{"markType": 1, "count": 2})
	if listOrder(out) != "c2c_u005 c2c_u006" || out["isFinished"] != false {
		t.Fatalf("first starred page: %s %v", listOrder(out), out["isFinished"])
	}
	out = c.mustCall("conversation.list", map[string]any{"markType": 1, "count": 2, "nextSeq": out["nextSeq"]})
	if listOrder(out) != "c2c_u007" || out["isFinished"] != true {
		t.Fatalf("second starred page: %s %v", listOrder(out), out["isFinished"])
	}
}
