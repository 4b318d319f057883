package gateway_test

import (
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/resttest"
)

// BenchmarkConversationListPage measures one page (100) of conversation.list
// for a user with 5,000 conversations (the attacker report's row 6: the
// whole list in one 2.3 MB answer, 0.4-0.7 s of CPU per call).
//
//	go test -run '^$' -bench ConversationListPage -benchtime 50x ./internal/gateway/
func BenchmarkConversationListPage(b *testing.B) {
	s := resttest.Start(b, func(a *app.App) { a.ClientRateLimits = app.ClientRateLimits{} })
	const n = 5000
	peers := make([]string, n)
	for i := range peers {
		peers[i] = fmt.Sprintf("p%04d", i)
	}
	s.Import("alice")
	for i := 0; i < n; i += 100 {
		s.Import(peers[i : i+100]...)
	}
	body := []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "hi"}}}
	for i := 0; i < n; i += 500 {
		s.MustOK("openim/batchsendmsg", map[string]any{"From_Account": "alice", "To_Account": peers[i : i+500], "MsgRandom": 1, "MsgBody": body})
	}
	r := dialRaw(b, s)
	r.send("login", "login", map[string]any{"userID": "alice", "userSig": s.UserSig("alice"), "platform": "Android"})
	r.answer("login")
	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprint(i)
		r.send(id, "conversation.list", map[string]any{"count": 100})
		a := r.answer(id)
		if a["code"] != 0.0 || len(a["data"].(map[string]any)["conversations"].([]any)) != 100 {
			b.Fatalf("page: %v", a["code"])
		}
	}
}
