package gateway_test

import (
	"testing"
	"time"

	"github.com/parleyim/parley/internal/gateway"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
)

// memberOfG1 is a node with bob online, a member of g1, and a function
// that publishes seq to g1 on it: as a new message (taking seq) when msg
// is set, as another group event otherwise.
func memberOfG1(t *testing.T) (bob *client, publish func(seq uint64, msg bool)) {
	dir := &memberDirectory{groups: map[string][]string{}}
	dir.set("bob", "g1")
	s := resttest.StartNode(t, server.Options{Groups: dir})
	g := s.Node.Gateway
	bob = dial(t, s)
	bob.login(s, "bob", "Android")
	return bob, func(seq uint64, msg bool) {
		t.Helper()
		p := gateway.GroupPush{Frame: groupFrame(seq)}
		if msg {
			p.Seq = seq
		}
		if err := g.PublishGroup(resttest.SDKAppID, "g1", p); err != nil {
			t.Fatal(err)
		}
	}
}

// New group messages reach a member in seq order whatever order their
// publishes arrive in (two commits racing to publish, two nodes over
// NATS); a message whose predecessor never comes waits a bounded time,
// then goes out; events that are not new messages are never held.
func TestGroupMessagesReachMembersInSeqOrder(t *testing.T) {
	bob, publish := memberOfG1(t)
	publish(10, true) // the first message this node hears of g1: waits briefly
	publish(9, true)  // sent before it, published after: goes first
	expectGroupEvents(t, "bob", bob, 9, 10)
	publish(12, true) // before 11: held
	publish(13, true)
	publish(99, false) // not a new message: not held behind 11
	publish(11, true)  // releases 12 and 13 after it
	expectGroupEvents(t, "bob", bob, 99, 11, 12, 13)

	// 15 arrives, 14 never does: 15 goes out after the hold, and what
	// follows it is in order again.
	start := time.Now()
	publish(15, true)
	publish(16, true)
	expectGroupEvents(t, "bob", bob, 15, 16)
	if waited := time.Since(start); waited < 150*time.Millisecond {
		t.Fatalf("15 went out after %s, before its predecessor's hold ended", waited)
	}
	publish(17, true)
	publish(14, true) // late: delivered at once, the member resyncs by seq
	expectGroupEvents(t, "bob", bob, 17, 14)
}

// A hold that begins while a timer armed for an earlier, ended hold still
// runs lasts its own full time: the stale timer firing does not hand the
// new hold's message out ahead of a predecessor that comes within it.
func TestGroupHoldOutlivesAnEarlierHoldsTimer(t *testing.T) {
	bob, publishEvent := memberOfG1(t)
	publish := func(seq uint64) { publishEvent(seq, true) }
	publish(1)
	expectGroupEvents(t, "bob", bob, 1) // after the first message's hold
	armed := time.Now()
	publish(3) // held for 2: a timer is armed for 200 ms
	publish(2) // the hold ends; the timer still runs
	expectGroupEvents(t, "bob", bob, 2, 3)
	time.Sleep(150*time.Millisecond - time.Since(armed))
	publish(5)                         // a new hold, 150 ms into the old timer's 200
	time.Sleep(100 * time.Millisecond) // the old timer fires meanwhile
	publish(4)                         // within 5's own hold: goes first
	expectGroupEvents(t, "bob", bob, 4, 5)
}
