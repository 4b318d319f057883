package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/internal/broker/brokertest"
	"github.com/parleyim/parley/usersig"
)

// presenceLogin opens a connection to addr and logs user in on platform
// with a UserSig issued at issued; it returns the client and the login's
// code (the client is usable only when it is 0).
func presenceLogin(t *testing.T, addr, user, platform string, issued time.Time) (*wsClient, float64) {
	t.Helper()
	nc, _, _, err := ws.Dial(context.Background(), fmt.Sprintf("ws://%s/v1/ws?sdkappid=%d", addr, appA))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := &wsClient{t: t, nc: nc, answers: make(chan map[string]any, 64), pushes: make(chan map[string]any, 64)}
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
				return
			}
			var f map[string]any
			if json.Unmarshal(msg, &f) != nil {
				continue
			}
			if f["push"] != nil {
				select {
				case c.pushes <- f:
				default:
				}
			} else if f["id"] != nil {
				c.answers <- f
			}
		}
	}()
	sig, _ := usersig.Generate(appA, keyA, user, 3600, issued)
	b, _ := json.Marshal(map[string]any{"v": 1, "id": "login", "op": "login", "data": map[string]string{"userID": user, "userSig": sig, "platform": platform}})
	if err := c.send(b); err != nil {
		t.Fatal(err)
	}
	select {
	case f, ok := <-c.answers:
		if !ok {
			t.Fatalf("login %s: connection closed", user)
		}
		return c, f["code"].(float64)
	case <-time.After(10 * time.Second):
		t.Fatalf("login %s: no answer within 10 s", user)
	}
	return nil, 0
}

func mustLogin(t *testing.T, addr, user, platform string, issued time.Time) *wsClient {
	t.Helper()
	c, code := presenceLogin(t, addr, user, platform, issued)
	if code != 0 {
		t.Fatalf("login %s on %s at %s: code %v", user, platform, addr, code)
	}
	return c
}

// statusOf asks a node for user's status: "Online Android,iOS" or "Offline".
func statusOf(t *testing.T, rest *client, user string) string {
	t.Helper()
	out := rest.mustOK("openim/query_online_status", map[string]any{"To_Account": []string{user}, "IsNeedDetail": 1})
	it := out["QueryResult"].([]any)[0].(map[string]any)
	s := it["Status"].(string)
	detail, _ := it["Detail"].([]any)
	for i, d := range detail {
		sep := ","
		if i == 0 {
			sep = " "
		}
		s += sep + d.(map[string]any)["Platform"].(string)
	}
	return s
}

// Three parley processes on one PostgreSQL database and one NATS server:
// the 4th Android login on node C pushes out the oldest Android session, on
// node A (multiple_device); node B reports the user's sessions of all
// nodes; a REST kick on node B closes the sessions on A and C (rest_api)
// and the UserSig from before it logs in nowhere; a node that stops cleanly
// takes its sessions out of the other nodes' answers at once.
func TestPresenceAcrossThreeNodes(t *testing.T) {
	if os.Getenv("PARLEY_E2E_STORE") != "postgres" {
		t.Skip("several nodes need the shared PostgreSQL store (PARLEY_E2E_STORE=postgres)")
	}
	ns := brokertest.StartNATS(t, 0)
	env := appEnv(t, "PARLEY_CLIENT_RATE_LIMIT=0", "PARLEY_NATS_URL="+ns.ClientURL())
	a := start(t, freeAddr(t), env, "--data", t.TempDir())
	b := start(t, freeAddr(t), env, "--data", t.TempDir())
	c := start(t, freeAddr(t), env, "--data", t.TempDir())
	u := runUsers("dev", "leaver")
	dev, leaver := u[0], u[1]
	restB := newClient(t, b.addr, appA, keyA, "admin")
	before := time.Now().Add(-10 * time.Second)

	oldest := mustLogin(t, a.addr, dev, "Android", before)
	onA := mustLogin(t, a.addr, dev, "Android", before)
	mustLogin(t, b.addr, dev, "Android", before)
	onC := mustLogin(t, c.addr, dev, "Android", before)
	waitPush(t, oldest, "kicked", "multiple_device")
	if got := statusOf(t, restB, dev); got != "Online Android,Android,Android" {
		t.Fatalf("status on node B after the 4th login: %q", got)
	}

	restB.mustOK("im_open_login_svc/kick", map[string]any{"UserID": dev})
	waitPush(t, onA, "kicked", "rest_api")
	waitPush(t, onC, "kicked", "rest_api")
	if got := statusOf(t, restB, dev); got != "Offline" {
		t.Fatalf("status after the kick: %q", got)
	}
	for _, p := range []*proc{a, c} {
		if _, code := presenceLogin(t, p.addr, dev, "Android", before); code != 6206 {
			t.Fatalf("the UserSig from before the kick on %s: code %v, want 6206", p.addr, code)
		}
	}

	mustLogin(t, c.addr, leaver, "iOS", time.Now())
	if got := statusOf(t, restB, leaver); got != "Online iOS" {
		t.Fatalf("status of a user on node C: %q", got)
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	c.cmd.Wait()
	if got := statusOf(t, restB, leaver); got != "Offline" {
		t.Fatalf("status once node C stopped: %q\n%s", got, c.stderr)
	}
}
