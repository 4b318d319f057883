package gateway

import (
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
	"time"
)

// preTopicGroupEnvelope is a group envelope as nodes wrote it before topics
// were ordered: no flags in the mode byte, nothing between the users and
// the frame.
func preTopicGroupEnvelope(e groupEnvelope) []byte {
	b := []byte{envelopeGroup}
	b = binary.BigEndian.AppendUint64(b, e.app)
	b = append(b, byte(len(e.group)))
	b = append(b, e.group...)
	b = binary.BigEndian.AppendUint64(b, e.node)
	b = binary.BigEndian.AppendUint64(b, e.origin)
	b = binary.BigEndian.AppendUint64(b, e.seq)
	b = append(b, e.mode)
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.users)))
	for _, u := range e.users {
		b = append(b, byte(len(u)))
		b = append(b, u...)
	}
	return append(b, e.frame...)
}

// The envelope carries the stream a seq belongs to and the topics a
// deletion ends, to the other node; an envelope without them (an older
// node's) is the group's own stream.
func TestGroupEnvelopeCarriesTheTopicStream(t *testing.T) {
	in := groupEnvelope{app: 1400000000, group: "cm", node: 7, origin: 9, seq: 41, topic: "cm@TOPIC#_a",
		mode: groupExcept, users: []string{"alice"}, endedTopics: []string{"cm@TOPIC#_b", "cm@TOPIC#_c"},
		frame: []byte{0x81, 2, '{', '}'}}
	b := in.encode()
	out, err := decodeGroupEnvelope(b)
	if err != nil {
		t.Fatal(err)
	}
	if out.topic != in.topic || out.seq != in.seq || out.mode != in.mode || !slices.Equal(out.users, in.users) ||
		!slices.Equal(out.endedTopics, in.endedTopics) || string(out.frame) != string(in.frame) {
		t.Fatalf("round trip: got %+v, want %+v", out, in)
	}
	for n := range len(b) - len(in.frame) + 1 {
		if _, err := decodeGroupEnvelope(b[:n]); err == nil {
			t.Fatalf("decoded a %d-byte prefix of a %d-byte envelope", n, len(b))
		}
	}

	old := groupEnvelope{app: 1, group: "cm", node: 3, seq: 5, mode: groupOnly, users: []string{"bob"}, frame: []byte("frame")}
	got, err := decodeGroupEnvelope(preTopicGroupEnvelope(old))
	if err != nil {
		t.Fatal(err)
	}
	if got.topic != "" || got.endedTopics != nil || got.seq != 5 || got.mode != groupOnly || string(got.frame) != "frame" {
		t.Fatalf("an older node's envelope decoded as %+v", got)
	}
	// Without a topic, the envelope is byte for byte the older one.
	if string(old.encode()) != string(preTopicGroupEnvelope(old)) {
		t.Fatal("an envelope of the group's own stream changed its layout")
	}

	// A topic of another group, an unknown flag or an empty list of ended
	// topics is malformed, never misread.
	for _, mut := range []func(e *groupEnvelope){
		func(e *groupEnvelope) { e.topic = "other@TOPIC#_a" },
		func(e *groupEnvelope) { e.topic = "cm" },
		func(e *groupEnvelope) { e.endedTopics = []string{"cm@TOPIC#_b", "other@TOPIC#_c"} },
		func(e *groupEnvelope) { e.mode |= 0x20 },
	} {
		e := in
		mut(&e)
		if _, err := decodeGroupEnvelope(e.encode()); err == nil {
			t.Fatalf("decoded a malformed envelope %+v", e)
		}
	}
	noEnded := in
	noEnded.endedTopics = nil
	b = noEnded.encode()
	b = append(append(slices.Clip(b[:len(b)-len(in.frame)]), 0, 0), in.frame...) // count 0
	b[10+len(in.group)+24] |= groupEndsTopics
	if _, err := decodeGroupEnvelope(b); err == nil {
		t.Fatal("decoded an envelope flagged with ended topics that lists none")
	}
}

func topicMessage(topic string, seq uint64) groupEnvelope {
	return groupEnvelope{group: "cm", topic: topic, seq: seq, frame: []byte(fmt.Sprint(topic, seq))}
}

// checkHeld checks lg's totals are what its streams hold.
func checkHeld(t *testing.T, lg *localGroup) {
	t.Helper()
	n, b := len(lg.order.early), lg.order.earlyBytes
	for _, o := range lg.topics {
		n, b = n+len(o.early), b+o.earlyBytes
	}
	if lg.heldEvents != n || lg.heldBytes != b {
		t.Fatalf("held totals %d events %d bytes, streams hold %d and %d", lg.heldEvents, lg.heldBytes, n, b)
	}
}

// A community's topic states are bounded: at most maxTopicOrders, the
// ones holding nothing giving way to a new topic, a topic message passing
// unordered when every one holds messages; an idle state goes, a held one
// stays; a deletion hands out what the topic held and forgets it.
func TestTopicOrderStatesAreBounded(t *testing.T) {
	lg := &localGroup{members: map[*conn]*groupMember{}}
	topic := func(i int) string { return fmt.Sprint("cm@TOPIC#_", i) }
	for i := range maxTopicOrders {
		if lg.admitOrdered(topicMessage(topic(i), 1)) == nil {
			t.Fatalf("topic %d's first message was not held", i)
		}
	}
	checkHeld(t, lg)
	// Every state holds its first message: the next topic's passes.
	if lg.admitOrdered(topicMessage(topic(maxTopicOrders), 1)) != nil || len(lg.pending) != 1 {
		t.Fatal("a topic beyond the bound was held")
	}
	if len(lg.topics) != maxTopicOrders {
		t.Fatalf("%d topic states, bound %d", len(lg.topics), maxTopicOrders)
	}
	// Topic 0's hold ends: its state holds nothing and gives way.
	lg.flushHeld(lg.stream(topic(0)))
	if lg.admitOrdered(topicMessage(topic(maxTopicOrders), 2)) == nil {
		t.Fatal("a new topic was not ordered though a state held nothing")
	}
	if len(lg.topics) != maxTopicOrders || lg.stream(topic(0)) != nil {
		t.Fatalf("%d topic states; topic 0's kept: %v", len(lg.topics), lg.stream(topic(0)) != nil)
	}
	checkHeld(t, lg)

	// Idle: a state that holds nothing goes once it heard nothing for
	// topicOrderIdle; one that holds something stays.
	for i := 1; i <= maxTopicOrders; i++ {
		if i != 7 {
			lg.flushHeld(lg.stream(topic(i)))
		}
	}
	past := time.Now().Add(-2 * topicOrderIdle)
	for _, o := range lg.topics {
		o.heard = past
	}
	lg.topicsSwept = past
	lg.pending = nil
	lg.admitOrdered(groupEnvelope{group: "cm", seq: 1, frame: []byte("community")})
	if len(lg.topics) != 1 || lg.stream(topic(7)) == nil {
		t.Fatalf("after the idle sweep %d topic states (topic 7's kept: %v), want topic 7's", len(lg.topics), lg.stream(topic(7)) != nil)
	}
	checkHeld(t, lg)

	// A deletion hands out what the topic held, and forgets it.
	lg.pending = nil
	lg.endTopics([]string{topic(7)})
	if lg.topics != nil || len(lg.pending) != 1 || string(lg.pending[0].frame) != topic(7)+"1" {
		t.Fatalf("after the deletion: states %v, pending %d", lg.topics, len(lg.pending))
	}
	checkHeld(t, lg)
}

// BenchmarkAdmitOrdered is the ordering cost of one in-order new message
// on the node that hears it, under the group shard's lock: a group's own
// stream, and messages spread over 200 topics of a community.
func BenchmarkAdmitOrdered(b *testing.B) {
	for _, tc := range []struct {
		name   string
		topics int
	}{{"group", 0}, {"topics=200", 200}} {
		b.Run(tc.name, func(b *testing.B) {
			lg := &localGroup{members: map[*conn]*groupMember{}}
			envs := make([]groupEnvelope, max(tc.topics, 1))
			for i := range envs {
				envs[i] = groupEnvelope{group: "cm", frame: []byte("frame")}
				if tc.topics > 0 {
					envs[i].topic = fmt.Sprint("cm@TOPIC#_", i)
				}
			}
			// Every stream has heard a first message.
			for i := range envs {
				envs[i].seq = 1
				lg.admitOrdered(envs[i])
				lg.flushHeld(lg.stream(envs[i].topic))
			}
			lg.pending = make([]groupEnvelope, 0, 1024)
			b.ReportAllocs()
			for n := 0; b.Loop(); n++ {
				e := &envs[n%len(envs)]
				e.seq++
				if lg.admitOrdered(*e) != nil {
					b.Fatal("an in-order message was held")
				}
				if len(lg.pending) == cap(lg.pending) {
					lg.pending, lg.pendingBytes = lg.pending[:0], 0
				}
			}
		})
	}
}
