package sdk

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// More conversations than one server page: the SDK's catch-up at login
// reads every page (each offline message is reported), and
// GetConversationList pages through the server's cursor, a count above
// the server's page reading as many pages as it takes.
func TestE2EConversationListPagesThroughTheCursor(t *testing.T) {
	const n = 150
	node := startNode(t)
	node.Import("bob")
	peers := make([]string, n)
	for i := range peers {
		peers[i] = fmt.Sprintf("p%03d", i)
	}
	node.Import(peers[:100]...)
	node.Import(peers[100:]...)
	body := []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "hi"}}}
	for i, p := range peers {
		node.MustOK("openim/sendmsg", map[string]any{"From_Account": p, "To_Account": "bob", "MsgRandom": i + 1, "MsgBody": body})
	}

	bob := node.msgDevice(t, "bob", PlatformIOS)
	got := map[string]bool{}
	deadline := time.After(waitTimeout)
	for len(got) < n {
		select {
		case line := <-bob.r.msgs.events:
			if strings.HasPrefix(line, "new ") {
				got[line] = true
			}
		case <-deadline:
			t.Fatalf("catch-up reported %d of %d offline messages", len(got), n)
		}
	}
	for _, p := range peers {
		if want := fmt.Sprintf("new %s 1 %s:hi", p, p); !got[want] {
			t.Fatalf("catch-up missed %q", want)
		}
	}

	ctx := ctxT(t)
	cm := bob.Conversation()
	seen := map[string]bool{}
	cursor := ""
	for _, want := range []int{60, 60, 30} {
		res, err := cm.GetConversationList(ctx, cursor, 60)
		if err != nil || len(res.ConversationList) != want || res.IsFinished != (want < 60) {
			t.Fatalf("page after %q: %d conversations, finished %v, %v; want %d", cursor, len(res.ConversationList), res.IsFinished, err, want)
		}
		for _, c := range res.ConversationList {
			if seen[c.ConversationID] {
				t.Fatalf("%s on two pages", c.ConversationID)
			}
			seen[c.ConversationID] = true
		}
		cursor = res.NextSeq
	}
	if cursor != "" {
		t.Fatalf("NextSeq after the last page = %q, want \"\"", cursor)
	}
	all, err := cm.GetConversationList(ctx, "", math.MaxInt32)
	if err != nil || !all.IsFinished || len(all.ConversationList) != n || all.NextSeq != "" {
		t.Fatalf("one-time pull: %d conversations, finished %v, next %q, %v", len(all.ConversationList), all.IsFinished, all.NextSeq, err)
	}
	for i := 1; i < n; i++ {
		if a, b := all.ConversationList[i-1], all.ConversationList[i]; a.OrderKey < b.OrderKey {
			t.Fatalf("one-time pull out of order at %d: %s (%d) before %s (%d)", i, a.ConversationID, a.OrderKey, b.ConversationID, b.OrderKey)
		}
	}
	if total, err := cm.GetTotalUnreadMessageCount(ctx); err != nil || total != n {
		t.Fatalf("total unread %d, %v; want %d", total, err, n)
	}
}
