package e2e

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// SIGTERM with connected clients: every client gets close 1001, the
// messages acknowledged before are all in history after a restart, the
// process logs what it drained and exits 0.
func TestSIGTERMDrainsAndExitsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	data := t.TempDir()
	addr := freeAddr(t)
	env := appEnv(t, "PARLEY_CLIENT_RATE_LIMIT=0")
	p := start(t, addr, env, "--data", data)
	rest := newClient(t, addr, appA, keyA, "admin")
	u := runUsers("alice", "bob")
	alice, bob := u[0], u[1]
	rest.mustOK("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{alice, bob}})
	var socks []*wsClient
	for _, u := range []string{alice, bob, alice} {
		socks = append(socks, wsLogin(t, addr, u))
	}
	anon := rawDial(t, addr) // not logged in
	for i := range 20 {
		rest.mustOK("openim/sendmsg", map[string]any{"From_Account": alice, "To_Account": bob, "MsgRandom": i,
			"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": fmt.Sprint(i)}}}})
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	anon.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		h, err := ws.ReadHeader(anon)
		if err != nil {
			t.Fatalf("the anonymous socket ended without a close frame: %v", err)
		}
		payload := make([]byte, h.Length)
		readFull(anon, payload)
		if h.OpCode == ws.OpClose {
			if code, _ := ws.ParseCloseFrameData(payload); code != ws.StatusGoingAway {
				t.Fatalf("close code %d, want 1001", code)
			}
			break
		}
	}
	for i, c := range socks {
		deadline := time.After(10 * time.Second)
	drain:
		for {
			select {
			case _, open := <-c.answers:
				if !open {
					break drain
				}
			case <-deadline:
				t.Fatalf("socket %d not closed after SIGTERM", i)
			}
		}
		if code := c.closeCode.Load(); code != int32(ws.StatusGoingAway) {
			t.Fatalf("socket %d: close code %d, want 1001", i, code)
		}
	}
	waited := make(chan error, 1)
	go func() { waited <- p.cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the process did not exit within 15 s of SIGTERM")
	}
	if !strings.Contains(p.stderr.String(), `"parley stopped"`) || !strings.Contains(p.stderr.String(), `"websockets":4`) {
		t.Fatalf("no drain line naming 4 websockets in the log:\n%s", p.stderr)
	}

	start(t, addr, env, "--data", data)
	out := rest.mustOK("openim/admin_getroammsg", map[string]any{"Operator_Account": alice, "Peer_Account": bob,
		"MaxCnt": 100, "MinTime": 0, "MaxTime": time.Now().Unix() + 60})
	if msgs := out["MsgList"].([]any); len(msgs) != 20 {
		t.Fatalf("%d messages after the restart, want the 20 acknowledged", len(msgs))
	}
}
