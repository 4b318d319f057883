package gateway

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
)

// An event heard while a sweep of a big group is under way reaches the
// sessions after that point in the same sweep, together with what they
// were getting, and the sessions before it in the next sweep: every
// session gets every event once and in order, none waits for the sweep
// under way to end and another to begin, and a member that leaves during
// the sweep gets nothing more. Once every session has them, the events
// leave the log.
func TestEventHeardMidSweepReachesTheRestOfThatSweep(t *testing.T) {
	const members = 3 * sweepPart
	g, _, _ := roomMembers(t, 0)
	g.passPausePerSession = -1 // no pacing: the hook below decides the timing
	a := app.New(1400000001, "k", "admin")
	x := newGroupIndex()
	k := groupKey{1400000001, "live"}
	socks := map[*conn]*batchConn{}
	for i := range members {
		sock := &batchConn{}
		c := &conn{g: g, nc: sock, app: a, id: uint64(i + 1)}
		socks[c] = sock
		x.addMember(k, c, fmt.Sprintf("u%d", i))
	}
	sh := x.groupShard(k)
	lg := sh.m[k]
	frame := func(n int) []byte { return PushFrame("msg.new", 0, map[string]any{"groupID": "live", "n": n}) }
	e1, e2 := frame(1), frame(2)

	var before []*groupMember // the sessions the first sweep had done when e2 was heard
	var leaver *groupMember
	parts := 0
	nextAfterFirst := map[*conn]uint64{} // each session's log index at the first sweep's end
	g.testHookSweepPart = func(list []*groupMember, done int) {
		parts++
		if parts == 3 {
			for _, m := range list {
				nextAfterFirst[m.c] = m.next
			}
		}
		if parts != 1 {
			return
		}
		before = list[:done]
		leaver = list[len(list)-1]
		x.removeMember(k, leaver.c)
		sh.mu.Lock()
		lg.pending = append(lg.pending, groupEnvelope{app: k.app, group: k.group, frame: e2})
		lg.pendingBytes += len(e2)
		g.startDelivering(sh, lg) // the deliverer runs: starts nothing
	}

	sh.mu.Lock()
	lg.pending = append(lg.pending, groupEnvelope{app: k.app, group: k.group, frame: e1})
	lg.pendingBytes += len(e1)
	g.startDelivering(sh, lg)

	deadline := time.Now().Add(10 * time.Second)
	for {
		sh.mu.Lock()
		done := !lg.delivering
		sh.mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the deliverer did not finish within 10 s")
		}
		time.Sleep(time.Millisecond)
	}
	var list []*groupMember
	for c := range socks {
		list = append(list, &groupMember{c: c})
	}
	waitFlushed(list)
	if parts != 6 {
		t.Errorf("%d sweep parts, want 6 (two sweeps of three parts)", parts)
	}
	inBefore := map[*conn]bool{}
	for _, m := range before {
		inBefore[m.c] = true
	}
	want := append(append([]byte{}, e1...), e2...)
	for c, s := range socks {
		s.mu.Lock()
		got, batches := s.got.Bytes(), s.batches
		s.mu.Unlock()
		switch {
		case c == leaver.c:
			if len(got) != 0 {
				t.Fatalf("the member that left during the sweep got %d bytes", len(got))
			}
		case !bytes.Equal(got, want):
			t.Fatalf("a session got %q, want e1 then e2 once", got)
		case inBefore[c] && nextAfterFirst[c] != 1:
			t.Fatalf("a session swept before e2 was heard had %d events after the first sweep, want 1 (e2 comes next sweep)", nextAfterFirst[c])
		case !inBefore[c] && (nextAfterFirst[c] != 2 || batches != 1):
			t.Fatalf("a session swept after e2 was heard had %d events after the first sweep in %d writes, want both in 1", nextAfterFirst[c], batches)
		}
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if lg.pending != nil || lg.pendingBytes != 0 || lg.logBase != 2 || lg.swept != 2 {
		t.Fatalf("log after delivery: %d events, %d bytes, base %d, swept %d; want empty from 2",
			len(lg.pending), lg.pendingBytes, lg.logBase, lg.swept)
	}
}
