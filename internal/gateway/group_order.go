package gateway

import (
	"slices"
	"time"
)

// Seq order of group messages on each node. A group's messages are given
// strictly ascending seqs by their commits, but the commits' publishes may
// reach a node in another order: two sends of one group commit one after
// the other and their goroutines race to publish, or they were sent on two
// nodes and come through NATS from two connections. A node hands its
// sessions every new message of a group in seq order: one that arrives
// before the message preceding it is held until that one arrives, for at
// most maxEarlyHold (the first message a node hears of a group waits
// maxFirstHold, as it has no predecessor to wait for). Past that the held ones go out in order anyway: the
// missing message was sent online-only by a node that failed, or dropped
// for a full queue, and members resync by seq (as after any loss). Other
// group events (tips, recalls, edits, messages that take no seq) are not
// held.

// maxEarlyHold bounds how long a message waits for the one before it. A
// swap of two publishes is microseconds apart; this is far longer, and
// still short beside a client's resync.
const maxEarlyHold = 200 * time.Millisecond

// maxFirstHold is how long the first message a node hears of a group (since
// it began listening to the group) waits for one with a lower seq: the node
// cannot know whether one is on its way, so every first message waits it.
const maxFirstHold = 20 * time.Millisecond

// seqOrder is one group's ordering state on this node, guarded by its
// group shard's lock.
type seqOrder struct {
	// next is the seq the node expects next; 0 before the first message
	// this node heard of the group (it starts from whatever comes first).
	next uint64
	// early holds messages that came before their predecessor, by seq.
	early      []groupEnvelope
	earlyBytes int
	timerArmed bool
}

// admit places env: appended to pending (in order, with any held messages
// it makes contiguous) and true, or held in o.early and false.
func (o *seqOrder) admit(env groupEnvelope, pending *[]groupEnvelope, pendingBytes *int) bool {
	if env.seq == 0 || o.next != 0 && env.seq <= o.next {
		// Not a message, the expected one, or a late or repeated one (its
		// members have it or resync): at once.
		o.release(env, pending, pendingBytes)
		return true
	}
	// Early, or the node has heard no message of the group yet (next 0):
	// the first waits maxFirstHold, since one sent just before it may be
	// on its way; what arrives meanwhile is put in order with it.
	i, found := slices.BinarySearchFunc(o.early, env.seq, func(e groupEnvelope, s uint64) int {
		return cmpSeq(e.seq, s)
	})
	if !found {
		o.early = slices.Insert(o.early, i, env)
		o.earlyBytes += len(env.frame)
	}
	return false
}

func cmpSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// release appends env to pending and then every held message that follows
// on without a gap.
func (o *seqOrder) release(env groupEnvelope, pending *[]groupEnvelope, pendingBytes *int) {
	*pending = append(*pending, env)
	*pendingBytes += len(env.frame)
	if env.seq == 0 || env.seq < o.next {
		return
	}
	o.next = env.seq + 1
	n := 0
	for n < len(o.early) && o.early[n].seq <= o.next {
		e := o.early[n]
		*pending = append(*pending, e)
		*pendingBytes += len(e.frame)
		o.earlyBytes -= len(e.frame)
		o.next = max(o.next, e.seq+1)
		n++
	}
	o.early = slices.Delete(o.early, 0, n)
}

// armTimer returns how long the caller must wait before releasing what
// is held, or 0 when no timer is needed (nothing held, or a timer runs).
func (o *seqOrder) armTimer() time.Duration {
	if len(o.early) == 0 || o.timerArmed {
		return 0
	}
	o.timerArmed = true
	if o.next == 0 {
		return maxFirstHold
	}
	return maxEarlyHold
}

// flush gives up waiting: every held message goes to pending, in order.
func (o *seqOrder) flush(pending *[]groupEnvelope, pendingBytes *int) {
	held := o.early
	o.early, o.earlyBytes = nil, 0
	for _, e := range held {
		o.release(e, pending, pendingBytes)
	}
}

// releaseEarly ends a hold: what is still held goes out, in order.
func (g *Gateway) releaseEarly(sh *groupShard, k groupKey, lg *localGroup) {
	sh.mu.Lock()
	lg.order.timerArmed = false
	if sh.m[k] != lg || len(lg.order.early) == 0 {
		sh.mu.Unlock()
		return
	}
	lg.order.flush(&lg.pending, &lg.pendingBytes)
	g.startDelivering(sh, lg)
}
