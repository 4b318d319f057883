package gateway

import (
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/presence"
)

// pipeConn is a logged-in connection over a synchronous pipe whose client
// end never reads: the flusher's first write blocks until the pipe closes.
func pipeConn(t *testing.T, maxOutbound int) (*conn, *Metrics, func(string) float64) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	g := &Gateway{Presence: presence.NewRegistry(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: m}
	g.Init(event.NewBus(), Options{MaxOutboundBytes: maxOutbound})
	server, client := net.Pipe()
	t.Cleanup(func() { client.Close(); server.Close() })
	c := &conn{g: g, nc: server, app: app.New(1400000001, "k", "admin")}
	c.session = &presence.Session{App: 1400000001, User: "alice", Platform: "Android", LoginAt: time.Now(), Endpoint: c}
	return c, m, func(series string) float64 { return gathered(t, reg)[series] }
}

// gathered reads reg's counters and gauges as name{label="value",...}.
func gathered(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			name := mf.GetName()
			if labels := m.GetLabel(); len(labels) > 0 {
				parts := make([]string, len(labels))
				for i, l := range labels {
					parts[i] = l.GetName() + `="` + l.GetValue() + `"`
				}
				name += "{" + strings.Join(parts, ",") + "}"
			}
			out[name] = m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within 5 s: %s", what)
		}
	}
}

// A push is delivered while it fits the outbound bound; the one that does
// not closes the connection as a slow consumer and is dropped, as is any
// push after it. The outbound gauge holds the unwritten bytes and returns
// to 0 once the connection is gone.
func TestPushOutcomesAndOutboundBytes(t *testing.T) {
	c, m, value := pipeConn(t, 100)
	frame := make([]byte, 60)
	frame[0] = 0x81
	c.Push(frame) // the flusher takes it and blocks writing
	if got := value("parley_gateway_outbound_queued_bytes"); got != 60 {
		t.Fatalf("outbound bytes %v after one push, want 60", got)
	}
	c.Push(frame) // 60 being written + 60 > 100
	c.Push(frame) // closing
	if d, s, cl := value("parley_gateway_pushes_delivered_total"), value(`parley_gateway_pushes_dropped_total{reason="slow_consumer"}`),
		value(`parley_gateway_pushes_dropped_total{reason="closing"}`); d != 1 || s != 1 || cl != 1 {
		t.Fatalf("delivered %v, dropped slow %v, dropped closing %v; want 1 each", d, s, cl)
	}
	if n := value("parley_gateway_slow_consumer_closes_total"); n != 1 {
		t.Fatalf("slow consumer closes %v", n)
	}
	waitFor(t, "outbound bytes back to 0", func() bool { return m.outboundBytes.Load() == 0 })
	c.mu.Lock()
	reason := c.endReason
	c.mu.Unlock()
	if reason != "slow_consumer" {
		t.Fatalf("end reason %q", reason)
	}
}

// A kick is counted once per connection: a UserSig expiry found by both
// its timer and the worker, or a kick after another one, is not a second
// kick.
func TestKickCountedOnce(t *testing.T) {
	c, _, value := pipeConn(t, 1<<20)
	c.Kick(presence.KickUserSigExpired)
	c.Kick(presence.KickUserSigExpired)
	c.Kick(presence.KickRESTAPI)
	if n := value(`parley_gateway_kicks_total{reason="usersig_expired"}`); n != 1 {
		t.Fatalf("usersig_expired kicks %v, want 1", n)
	}
	if n := value(`parley_gateway_kicks_total{reason="rest_api"}`); n != 0 {
		t.Fatalf("rest_api kicks %v, want 0", n)
	}
	c.Kick("something new")
	if n := value(`parley_gateway_kicks_total{reason="other"}`); n != 0 {
		t.Fatalf("other kicks %v", n)
	}
}
