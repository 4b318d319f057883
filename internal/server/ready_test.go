package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/broker/brokertest"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
)

// /readyz is 200 while the node can serve, 503 once it drains or its store
// is gone; /healthz stays 200 (the process is alive).
func TestReadiness(t *testing.T) {
	s := resttest.Start(t)
	status := func(path string) int {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := status("/readyz"); c != 200 {
		t.Fatalf("/readyz %d, want 200", c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	s.Node.Gateway.Shutdown(ctx)
	if c := status("/readyz"); c != 503 {
		t.Fatalf("/readyz while draining %d, want 503", c)
	}
	if c := status("/healthz"); c != 200 {
		t.Fatalf("/healthz while draining %d, want 200", c)
	}

	s = resttest.Start(t)
	s.Node.Store.Close()
	if c := status("/readyz"); c != 503 {
		t.Fatalf("/readyz without a store %d, want 503", c)
	}
}

// A node whose NATS link is down is not ready (pushes from the other nodes
// would not reach its clients); it is again once the connection is back.
func TestReadinessFollowsTheBroker(t *testing.T) {
	ns := brokertest.StartNATS(t, 0)
	port := ns.Addr().(*net.TCPAddr).Port
	b, err := broker.ConnectNATS(broker.NATSOptions{URL: ns.ClientURL(), ReconnectWait: 20 * time.Millisecond,
		MaxReconnectWait: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	s := resttest.StartNode(t, server.Options{Broker: b})
	waitStatus := func(want int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp, err := http.Get(s.URL + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("/readyz %d %q, want %d", resp.StatusCode, body, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitStatus(200)
	ns.Shutdown()
	waitStatus(503)
	brokertest.StartNATS(t, port)
	waitStatus(200)
}
