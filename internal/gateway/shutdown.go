package gateway

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
)

// connSet holds every open connection of the gateway, logged in or not, so
// a shutdown can reach the ones presence does not know. It is sharded so
// that upgrades and closes on many cores do not contend on one lock.
type connSet struct {
	next   atomic.Uint32
	shards [32]struct {
		mu sync.Mutex
		m  map[*conn]struct{}
	}
}

func (s *connSet) shard(c *conn) int { return int(c.shard) % len(s.shards) }

// add registers c, giving it a shard round-robin.
func (s *connSet) add(c *conn) {
	c.shard = uint8(s.next.Add(1))
	sh := &s.shards[s.shard(c)]
	sh.mu.Lock()
	if sh.m == nil {
		sh.m = map[*conn]struct{}{}
	}
	sh.m[c] = struct{}{}
	sh.mu.Unlock()
}

func (s *connSet) remove(c *conn) {
	sh := &s.shards[s.shard(c)]
	sh.mu.Lock()
	delete(sh.m, c)
	sh.mu.Unlock()
}

func (s *connSet) all() []*conn {
	var out []*conn
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for c := range sh.m {
			out = append(out, c)
		}
		sh.mu.Unlock()
	}
	return out
}

func (s *connSet) count() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

// Draining reports whether Shutdown has begun: new connections are refused
// and readiness checks should fail.
func (g *Gateway) Draining() bool { return g.draining.Load() }

// Connections returns how many WebSocket connections are open.
func (g *Gateway) Connections() int { return g.conns.count() }

// Shutdown stops accepting connections (upgrades are answered 503), sends
// every open connection what is queued for it and then close 1001 ("going
// away"), and waits for them to close until ctx ends; those still open then
// are closed at once. Clients reconnect (to another node) and resync by
// seq, so nothing acknowledged is lost. It returns how many connections were
// open and how many had to be closed by force.
func (g *Gateway) Shutdown(ctx context.Context) (open, forced int) {
	g.draining.Store(true)
	conns := g.conns.all()
	bye := closeFrameWith(ws.StatusGoingAway, "server shutting down")
	for _, c := range conns {
		c.sendAndClose(bye)
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for g.conns.count() > 0 {
		select {
		case <-ctx.Done():
			left := g.conns.all()
			for _, c := range left {
				c.closeSocket()
			}
			return len(conns), len(left)
		case <-tick.C:
		}
	}
	return len(conns), 0
}

func refuseWhileDraining(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	http.Error(w, "server shutting down", http.StatusServiceUnavailable)
}
