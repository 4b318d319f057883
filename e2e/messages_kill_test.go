package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/usersig"
)

// wsClient is a bare protocol client for process tests.
type wsClient struct {
	t       *testing.T
	nc      interface{ Close() error }
	send    func(b []byte) error
	answers chan map[string]any // closed when the connection ends
	// pushes holds the latest pushes (older ones are dropped when nobody
	// reads them, so the reader never blocks).
	pushes chan map[string]any
	// closeCode is the close code the server sent, once answers is closed
	// (0 if the connection ended without a close frame).
	closeCode atomic.Int32
}

func wsLogin(t *testing.T, addr, user string) *wsClient {
	t.Helper()
	nc, _, _, err := ws.Dial(context.Background(), fmt.Sprintf("ws://%s/v1/ws?sdkappid=%d", addr, appA))
	if err != nil {
		t.Fatal(err)
	}
	c := &wsClient{t: t, nc: nc, answers: make(chan map[string]any, 4096), pushes: make(chan map[string]any, 256)}
	var wmu sync.Mutex
	c.send = func(b []byte) error {
		wmu.Lock()
		defer wmu.Unlock()
		return wsutil.WriteClientText(nc, b)
	}
	go func() {
		defer close(c.answers)
		for {
			msg, _, err := wsutil.ReadServerData(nc)
			if err != nil {
				var closed wsutil.ClosedError
				if errors.As(err, &closed) {
					c.closeCode.Store(int32(closed.Code))
				}
				return
			}
			var f map[string]any
			if json.Unmarshal(msg, &f) != nil {
				continue
			}
			switch {
			case f["push"] != nil:
				select {
				case c.pushes <- f:
				default:
				}
			case f["id"] != nil:
				c.answers <- f
			}
		}
	}()
	sig, _ := usersig.Generate(appA, keyA, user, 3600, time.Now())
	b, _ := json.Marshal(map[string]any{"v": 1, "id": "login", "op": "login", "data": map[string]string{"userID": user, "userSig": sig, "platform": "Windows"}})
	if err := c.send(b); err != nil {
		t.Fatal(err)
	}
	if f := <-c.answers; f["code"].(float64) != 0 {
		t.Fatalf("login: %v", f)
	}
	t.Cleanup(func() { nc.Close() })
	return c
}

// TestKillNineKeepsAcknowledgedMessages sends a stream of messages, kills
// the server with SIGKILL while sends are in flight, restarts it, and
// requires every acknowledged message in the history, with the
// conversation's seqs contiguous from 1: nothing lost, duplicated or
// reordered.
func TestKillNineKeepsAcknowledgedMessages(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	data := t.TempDir()
	addr := freeAddr(t)
	env := appEnv(t, "PARLEY_CLIENT_RATE_LIMIT=0")
	p := start(t, addr, env, "--data", data)
	u := runUsers("alice", "bob")
	alice, bob := u[0], u[1]
	newClient(t, addr, appA, keyA, "admin").mustOK("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{alice, bob}})

	c := wsLogin(t, addr, alice)
	acked := map[float64]string{} // seq -> text
	const total = 3000
	// At most 32 sends in flight: the protocol closes a connection with more
	// than 64 requests unanswered.
	window := make(chan struct{}, 32)
	go func() {
		for i := 0; i < total; i++ {
			select {
			case window <- struct{}{}:
			case <-time.After(10 * time.Second): // the server was killed
				return
			}
			b, _ := json.Marshal(map[string]any{"v": 1, "id": fmt.Sprint(i), "op": "msg.send", "data": map[string]any{
				"to": bob, "random": i, "clientMsgID": fmt.Sprintf("m%d", i),
				"body": map[string]any{"MsgBody": []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": fmt.Sprint(i)}}}}}})
			if c.send(b) != nil {
				return
			}
		}
	}()
	killed := false
	for f := range c.answers {
		<-window
		if f["code"].(float64) != 0 {
			t.Fatalf("send failed: %v", f)
		}
		m := f["data"].(map[string]any)["message"].(map[string]any)
		acked[m["seq"].(float64)] = m["body"].(map[string]any)["MsgBody"].([]any)[0].(map[string]any)["MsgContent"].(map[string]any)["Text"].(string)
		if len(acked) == total/3 && !killed {
			p.kill() // sends are still streaming in
			killed = true
		}
	}
	if !killed {
		t.Fatal("the stream finished before the kill")
	}

	start(t, addr, env, "--data", data)
	r := wsLogin(t, addr, bob)
	got := map[float64]string{}
	for before := 0.0; ; {
		b, _ := json.Marshal(map[string]any{"v": 1, "id": "h", "op": "msg.history", "data": map[string]any{"userID": alice, "seq": before, "count": 100}})
		if err := r.send(b); err != nil {
			t.Fatal(err)
		}
		f := <-r.answers
		page := f["data"].(map[string]any)["messages"].([]any)
		for _, m := range page {
			mm := m.(map[string]any)
			seq := mm["seq"].(float64)
			if _, dup := got[seq]; dup {
				t.Fatalf("seq %v twice in history", seq)
			}
			got[seq] = mm["body"].(map[string]any)["MsgBody"].([]any)[0].(map[string]any)["MsgContent"].(map[string]any)["Text"].(string)
		}
		if len(page) < 100 {
			break
		}
		// seq 0 asks for the newest page: stop once the oldest is reached.
		if before = page[len(page)-1].(map[string]any)["seq"].(float64) - 1; before == 0 {
			break
		}
	}
	for seq, text := range acked {
		if got[seq] != text {
			t.Fatalf("acknowledged message seq %v (%q) is %q after kill -9", seq, text, got[seq])
		}
	}
	for seq := 1.0; seq <= float64(len(got)); seq++ {
		if _, ok := got[seq]; !ok {
			t.Fatalf("gap at seq %v of %d", seq, len(got))
		}
	}
	// Seqs follow the sender's order: message i has a larger seq than i-1.
	prev := -1
	for seq := 1.0; seq <= float64(len(got)); seq++ {
		var i int
		fmt.Sscan(got[seq], &i)
		if i <= prev {
			t.Fatalf("reordered: seq %v holds message %d after %d", seq, i, prev)
		}
		prev = i
	}
	t.Logf("%d messages acknowledged before SIGKILL, %d in history after restart, seqs 1..%d contiguous", len(acked), len(got), len(got))
}
