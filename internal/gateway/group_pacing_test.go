package gateway

import (
	"bytes"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
)

// batchConn is a socket that takes every write and records how many
// batches the session's flusher wrote (one write deadline per batch) and
// the bytes, in order.
type batchConn struct {
	net.Conn
	mu      sync.Mutex
	batches int
	got     bytes.Buffer
}

func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.got.Write(p)
}
func (b *batchConn) Close() error { return nil }
func (b *batchConn) SetWriteDeadline(time.Time) error {
	b.mu.Lock()
	b.batches++
	b.mu.Unlock()
	return nil
}

// A burst of events to a big group reaches each session in a few writes,
// not one write per event, and every event arrives once and in order: the
// deliverer pauses after a pass over many sessions so that what arrives
// meanwhile goes out together.
func TestBigGroupBurstMergesWrites(t *testing.T) {
	// A pass pause of 200 × 500 µs = 100 ms (longer than the default, so
	// that it is long beside a pass even under the race detector); the
	// events come 4 ms apart, slower than a pass over 200 sessions.
	const members, events, spacing = 200, 8, 4 * time.Millisecond
	g, _, _ := roomMembers(t, 0)
	g.passPausePerSession = 500 * time.Microsecond
	a := app.New(1400000001, "k", "admin")
	lg := &localGroup{members: map[*conn]*groupMember{}}
	socks := make([]*batchConn, members)
	for i := range socks {
		socks[i] = &batchConn{}
		c := &conn{g: g, nc: socks[i], app: a, id: uint64(i + 1)}
		lg.members[c] = &groupMember{c: c, user: fmt.Sprintf("u%d", i)}
	}
	sh := &groupShard{m: map[groupKey]*localGroup{{1400000001, "live"}: lg}}
	frames := make([][]byte, events)
	for i := range frames {
		frames[i] = PushFrame("msg.new", 0, map[string]any{"groupID": "live", "n": i})
	}
	for i, f := range frames {
		sh.mu.Lock()
		lg.pending = append(lg.pending, groupEnvelope{app: 1400000001, group: "live", frame: f})
		g.startDelivering(sh, lg)
		if i < events-1 {
			time.Sleep(spacing)
		}
	}
	var want []byte
	for _, f := range frames {
		want = append(want, f...)
	}
	deadline := time.Now().Add(10 * time.Second)
	for i, s := range socks {
		for {
			s.mu.Lock()
			done := s.got.Len() >= len(want)
			s.mu.Unlock()
			if done {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("session %d got %d of %d bytes", i, s.got.Len(), len(want))
			}
			time.Sleep(time.Millisecond)
		}
	}
	worst := 0
	for i, s := range socks {
		s.mu.Lock()
		if !bytes.Equal(s.got.Bytes(), want) {
			t.Fatalf("session %d got the events out of order or repeated", i)
		}
		worst = max(worst, s.batches)
		s.mu.Unlock()
	}
	// The first event goes out at once; the rest arrive during the pause
	// after its pass (one more write), or straddle one more pass on a slow
	// machine. One write per event would be 8.
	if worst > 3 {
		t.Fatalf("a session's %d events took %d writes, want at most 3", events, worst)
	}
}
