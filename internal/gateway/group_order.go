package gateway

import (
	"slices"
	"time"

	"github.com/parleyim/parley/internal/group"
)

// Seq order of group messages on each node. A group's messages are given
// strictly ascending seqs by their commits, but the commits' publishes may
// reach a node in another order: two sends of one group commit one after
// the other and their goroutines race to publish, or they were sent on two
// nodes and come through NATS from two connections. A node hands its
// sessions every new message of a group in seq order: one that arrives
// before the message preceding it is held until that one arrives, for at
// most maxEarlyHold (the first message a node hears of a group waits
// maxFirstHold, as it has no predecessor to wait for). Past that the held
// ones go out in order anyway: the missing message was sent online-only by
// a node that failed, or dropped for a full queue, and members resync by
// seq (as after any loss). Other group events (tips, recalls, edits,
// messages that take no seq) are not held.
//
// A community's topics are seq streams of their own (each numbers its
// messages from 1) whose events ride on the community's subject and local
// group: each stream is ordered by its own seqs, apart from the others,
// so a topic message held for its predecessor holds back neither the
// community's messages nor another topic's. The envelope names the topic
// a seq belongs to (groupEnvelope.topic).

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
	// heldAt is when the hold under way began (early went from empty to
	// not): a timer armed for an earlier hold, which ended, must not end
	// this one before its time (releaseEarly).
	heldAt     time.Time
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
		if len(o.early) == 0 {
			o.heldAt = time.Now()
		}
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
	return o.holdFor()
}

// holdFor is how long a hold of o lasts at most.
func (o *seqOrder) holdFor() time.Duration {
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

// Topic order states are made on a topic's first message and bounded:
// one goes when its topic is deleted (GroupPush.EndedTopics), when it has
// held nothing and heard nothing for topicOrderIdle, and with its
// community's local group (when the node's last member session of the
// community goes).
const (
	// maxTopicOrders bounds one community's topic order states on a
	// node: as many as it may have topics at once. A topic message that
	// finds them all holding messages passes unordered (the topic's
	// members fill a gap from history, as after any loss).
	maxTopicOrders = group.MaxTopics
	// maxEndedTopics bounds GroupPush.EndedTopics: one deletion's topics.
	maxEndedTopics = group.MaxTopics
	// topicOrderIdle is how long a topic's state that holds nothing is
	// kept with no message of the topic; the idle ones are looked for at
	// most once a period, when the community hears an event. A topic
	// whose state went starts again as heard first (maxFirstHold).
	topicOrderIdle = time.Minute
)

// topicOrder is one topic's ordering state on this node.
type topicOrder struct {
	seqOrder
	heard time.Time // the last message of the topic the node heard
}

// streamOrder returns the order state of env's stream (the group's own,
// or its topic's, made on the topic's first message), or nil when env
// passes unordered: its community has maxTopicOrders topic states and
// every one holds messages. The group's shard lock is held.
func (lg *localGroup) streamOrder(env *groupEnvelope) *seqOrder {
	topic := env.topic != "" && env.seq != 0
	if !topic && lg.topics == nil {
		return &lg.order
	}
	now := time.Now()
	if lg.topics != nil && now.Sub(lg.topicsSwept) >= topicOrderIdle {
		lg.sweepTopics(now, false)
	}
	if !topic {
		return &lg.order
	}
	t := lg.topics[env.topic]
	if t == nil {
		if len(lg.topics) >= maxTopicOrders {
			// Full: the states that hold nothing go (their next message
			// is held as a first one).
			lg.sweepTopics(now, true)
			if len(lg.topics) >= maxTopicOrders {
				return nil
			}
		}
		if lg.topics == nil {
			lg.topics, lg.topicsSwept = map[string]*topicOrder{}, now
		}
		t = &topicOrder{}
		lg.topics[env.topic] = t
	}
	t.heard = now
	return &t.seqOrder
}

// stream is the order state of topic ("" the group's own), nil if none.
func (lg *localGroup) stream(topic string) *seqOrder {
	if topic == "" {
		return &lg.order
	}
	if t := lg.topics[topic]; t != nil {
		return &t.seqOrder
	}
	return nil
}

// admitOrdered puts env in pending at once (with the held messages of its
// stream it makes contiguous) and returns nil, or holds it and returns the
// state that holds it. The group's shard lock is held.
func (lg *localGroup) admitOrdered(env groupEnvelope) *seqOrder {
	o := lg.streamOrder(&env)
	if o == nil {
		lg.pending = append(lg.pending, env)
		lg.pendingBytes += len(env.frame)
		return nil
	}
	n, b := len(o.early), o.earlyBytes
	admitted := o.admit(env, &lg.pending, &lg.pendingBytes)
	lg.heldEvents += len(o.early) - n
	lg.heldBytes += o.earlyBytes - b
	if admitted {
		return nil
	}
	return o
}

// flushHeld gives up o's hold: what it holds goes to pending, in order.
func (lg *localGroup) flushHeld(o *seqOrder) {
	lg.heldEvents -= len(o.early)
	lg.heldBytes -= o.earlyBytes
	o.flush(&lg.pending, &lg.pendingBytes)
}

// endTopics forgets the order states of deleted topics, after handing
// out what they held (sent before the deletion, so ahead of its push).
func (lg *localGroup) endTopics(topics []string) {
	if lg.topics == nil {
		return
	}
	for _, id := range topics {
		if t := lg.topics[id]; t != nil {
			lg.flushHeld(&t.seqOrder)
			delete(lg.topics, id)
		}
	}
	if len(lg.topics) == 0 {
		lg.topics = nil
	}
}

// sweepTopics drops the topic states that hold nothing and have been idle
// for topicOrderIdle, or, with all, every one that holds nothing.
func (lg *localGroup) sweepTopics(now time.Time, all bool) {
	lg.topicsSwept = now
	for id, t := range lg.topics {
		if len(t.early) == 0 && (all || now.Sub(t.heard) >= topicOrderIdle) {
			delete(lg.topics, id)
		}
	}
	if len(lg.topics) == 0 {
		lg.topics = nil
	}
}

// releaseEarly ends the hold of o, the order state of topic ("" the
// group's own) when the timer was armed: what it still holds goes out, in
// order. A state dropped or made anew since has nothing of this hold.
//
// The one timer of a state may outlive the hold it was armed for (its
// message's predecessor came, the state held nothing for a while, then a
// new hold began): it then waits again for what is left of the new hold's
// time, so that no hold ends early and a message is not handed out ahead
// of a predecessor that is microseconds away.
func (g *Gateway) releaseEarly(sh *groupShard, k groupKey, lg *localGroup, topic string, o *seqOrder) {
	sh.mu.Lock()
	o.timerArmed = false
	if sh.m[k] != lg || lg.stream(topic) != o || len(o.early) == 0 {
		sh.mu.Unlock()
		return
	}
	if left := o.holdFor() - time.Since(o.heldAt); left > 0 {
		o.timerArmed = true
		sh.mu.Unlock()
		time.AfterFunc(left, func() { g.releaseEarly(sh, k, lg, topic, o) })
		return
	}
	lg.flushHeld(o)
	g.startDelivering(sh, lg)
}
