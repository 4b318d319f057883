package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/broker/brokertest"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/internal/store/postgres"
	"github.com/parleyim/parley/internal/store/storetest"
	"github.com/parleyim/parley/usersig"
)

// clusterNode is one node of a test cluster: its own store pool on the
// shared database, its own HTTP listener, the given broker.
func clusterNode(t *testing.T, dsn string, b broker.Broker) *httptest.Server {
	t.Helper()
	st, err := postgres.Open(context.Background(), dsn, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a := app.New(resttest.SDKAppID, resttest.Key, resttest.Admin)
	a.RateLimits = map[string]float64{}
	n, err := server.New(context.Background(), st, []*app.App{a}, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Options{Broker: b})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(n.Handler)
	t.Cleanup(hs.Close)
	return hs
}

// wsUser logs user in on node hs and returns a channel of the frames it gets.
func wsUser(t *testing.T, hs *httptest.Server, user string) (send func(op string, data any), frames chan map[string]any) {
	t.Helper()
	nc, _, _, err := ws.Dial(context.Background(), "ws"+strings.TrimPrefix(hs.URL, "http")+fmt.Sprintf("/v1/ws?sdkappid=%d", resttest.SDKAppID))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	frames = make(chan map[string]any, 64)
	go func() {
		for {
			b, _, err := wsutil.ReadServerData(nc)
			if err != nil {
				return
			}
			var m map[string]any
			json.Unmarshal(b, &m)
			frames <- m
		}
	}()
	next := 0
	send = func(op string, data any) {
		next++
		b, _ := json.Marshal(map[string]any{"v": 1, "id": fmt.Sprint(next), "op": op, "data": data})
		wsutil.WriteClientText(nc, b)
	}
	sig, _ := usersig.Generate(resttest.SDKAppID, resttest.Key, user, 3600, time.Now())
	send("login", map[string]any{"userID": user, "userSig": sig, "platform": "Android"})
	if f := await(t, frames, func(m map[string]any) bool { return m["id"] == "1" }); f["code"] != 0.0 {
		t.Fatalf("login %s: %v", user, f)
	}
	return send, frames
}

func await(t *testing.T, frames chan map[string]any, match func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case f := <-frames:
			if match(f) {
				return f
			}
		case <-deadline:
			t.Fatal("no matching frame within 10 s")
		}
	}
}

// Two nodes on one database: a message sent by a client on node A reaches
// its peer's client on node B, through a broker the nodes share (in
// process) or through a real NATS server (one connection per node).
func TestMessageCrossesNodes(t *testing.T) {
	dsn := storetest.FreshPostgres(t)
	for _, tc := range []struct {
		name    string
		brokers func(t *testing.T) (broker.Broker, broker.Broker)
	}{
		{"shared in-process broker", func(t *testing.T) (broker.Broker, broker.Broker) {
			b := broker.NewLocal(broker.LocalOptions{})
			t.Cleanup(func() { b.Close() })
			return b, b
		}},
		{"nats", func(t *testing.T) (broker.Broker, broker.Broker) {
			ns := brokertest.StartNATS(t, 0)
			connect := func(name string) broker.Broker {
				b, err := broker.ConnectNATS(broker.NATSOptions{URL: ns.ClientURL(), Name: name, Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { b.Close() })
				return b
			}
			return connect("a"), connect("b")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ba, bb := tc.brokers(t)
			a, b := clusterNode(t, dsn, ba), clusterNode(t, dsn, bb)
			alice, bob := "alice"+tc.name[:4], "bob"+tc.name[:4]
			sendA, _ := wsUser(t, a, alice)
			_, framesB := wsUser(t, b, bob)
			sendA("msg.send", map[string]any{"to": bob, "random": 7,
				"body": map[string]any{"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "across"}}}}})
			f := await(t, framesB, func(m map[string]any) bool { return m["push"] == "msg.new" })
			if body, _ := json.Marshal(f["data"]); !strings.Contains(string(body), "across") {
				t.Fatalf("push on node B: %v", f)
			}
		})
	}
}
