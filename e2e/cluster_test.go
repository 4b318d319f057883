package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/broker/brokertest"
)

// Two parley processes on one PostgreSQL database and one NATS server
// (PARLEY_NATS_URL): a message sent by a client on node A reaches its peer's
// client on node B, and a friend request made over REST on node A reaches
// the target's device on node B. A NATS URL nobody answers stops the start.
func TestTwoNodesOverNATS(t *testing.T) {
	if os.Getenv("PARLEY_E2E_STORE") != "postgres" {
		t.Skip("several nodes need the shared PostgreSQL store (PARLEY_E2E_STORE=postgres)")
	}
	ns := brokertest.StartNATS(t, 0)
	env := appEnv(t, "PARLEY_CLIENT_RATE_LIMIT=0", "PARLEY_NATS_URL="+ns.ClientURL())
	a := start(t, freeAddr(t), env, "--data", t.TempDir())
	b := start(t, freeAddr(t), env, "--data", t.TempDir())
	u := runUsers("alice", "bob")
	alice, bob := u[0], u[1]
	rest := newClient(t, a.addr, appA, keyA, "admin")
	rest.mustOK("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{alice, bob}})
	ca, cb := wsLogin(t, a.addr, alice), wsLogin(t, b.addr, bob)

	send, _ := json.Marshal(map[string]any{"v": 1, "id": "m1", "op": "msg.send", "data": map[string]any{"to": bob, "random": 1,
		"body": map[string]any{"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "across"}}}}}})
	if err := ca.send(send); err != nil {
		t.Fatal(err)
	}
	waitPush(t, cb, "msg.new", "across")
	rest.mustOK("sns/friend_add", map[string]any{"From_Account": alice, "AddFriendItem": []map[string]any{{"To_Account": bob, "AddSource": "AddSource_Type_Web"}}})
	waitPush(t, cb, "friend_request.added", alice)

	bad := exec.Command(binary(t), "serve", "--listen", freeAddr(t), "--data", t.TempDir())
	bad.Env = append(os.Environ(), appEnv(t, "PARLEY_NATS_URL=nats://127.0.0.1:1")...)
	msg, err := bad.CombinedOutput()
	if err == nil || !strings.Contains(string(msg), "nats") {
		t.Fatalf("a node with an unreachable NATS started: %v\n%s", err, msg)
	}
}

// waitPush waits for a push of kind whose data mentions want.
func waitPush(t *testing.T, c *wsClient, kind, want string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case p := <-c.pushes:
			if p["push"] == kind {
				if b, _ := json.Marshal(p["data"]); strings.Contains(string(b), want) {
					return
				}
			}
		case <-deadline:
			t.Fatalf("no %s push mentioning %q within 10 s", kind, want)
		}
	}
}
