package gateway

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/presence"
)

// discardConn is a socket that takes every write at once, so a benchmark
// of the room's delivery measures the server's side of it only.
type discardConn struct {
	net.Conn
	mu      sync.Mutex
	written int64
}

func (d *discardConn) Write(b []byte) (int, error) {
	d.mu.Lock()
	d.written += int64(len(b))
	d.mu.Unlock()
	return len(b), nil
}
func (d *discardConn) Close() error                     { return nil }
func (d *discardConn) SetWriteDeadline(time.Time) error { return nil }

// roomMembers is n member sessions of one room over discardConns.
func roomMembers(tb testing.TB, n int) (*Gateway, []*groupMember, []*discardConn) {
	g := &Gateway{Presence: presence.NewRegistry(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	g.Init(event.NewBus(), Options{})
	a := app.New(1400000001, "k", "admin")
	members := make([]*groupMember, n)
	socks := make([]*discardConn, n)
	for i := range members {
		socks[i] = &discardConn{}
		c := &conn{g: g, nc: socks[i], app: a, id: uint64(i + 1)}
		members[i] = &groupMember{c: c, user: fmt.Sprintf("u%d", i)}
	}
	return g, members, socks
}

// waitFlushed waits until no member has a flusher running.
func waitFlushed(members []*groupMember) {
	for _, m := range members {
		for {
			m.c.mu.Lock()
			busy := m.c.flushing
			m.c.mu.Unlock()
			if !busy {
				break
			}
			time.Sleep(10 * time.Microsecond)
		}
	}
}

// BenchmarkRoomDeliveryPass is one deliverer pass over a room's local
// members with a batch of events, per delivery (member × event): the cost
// and the allocations of handing the same bytes to every session and
// writing them in one system call per session.
func BenchmarkRoomDeliveryPass(b *testing.B) {
	for _, events := range []int{1, 8} {
		b.Run(fmt.Sprintf("members=1000/events=%d", events), func(b *testing.B) {
			g, members, _ := roomMembers(b, 1000)
			batch := make([]groupEnvelope, events)
			for i := range batch {
				batch[i] = groupEnvelope{app: 1400000001, group: "live", frame: PushFrame("msg.new", 0, map[string]any{"groupID": "live", "n": i})}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				// Each pass's batch is the log's next events.
				g.pushGroupEvents(members, uint64(i*events), batch)
				waitFlushed(members)
			}
			b.StopTimer()
			perDelivery := float64(b.Elapsed().Nanoseconds()) / float64(b.N*len(members)*events)
			b.ReportMetric(perDelivery, "ns/delivery")
		})
	}
}
