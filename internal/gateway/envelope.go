package gateway

import (
	"encoding/binary"
	"errors"

	"github.com/parleyim/parley/internal/convid"
)

// An envelope is what one node tells every node (itself included) about a
// push for one user: the app and user it is for, the connection it came from
// (so that instance is not sent its own change back), and the complete
// WebSocket frame, encoded once by the node that made the change and written
// as is to every session of the user on every node.
//
//	kind=1(1) app(8) len(user)(1) user node(8) origin(8) frame...
type envelope struct {
	app    uint64
	user   string
	node   uint64 // the publishing node
	origin uint64 // the connection the change came from on that node; 0 none
	frame  []byte
}

// The first byte of an envelope says which kind it is; a node drops a kind
// it does not know (a newer node's) as malformed rather than misreading it.
const (
	envelopeUser  = 1
	envelopeGroup = 2
	envelopeKick  = 3
)

var errEnvelope = errors.New("gateway: malformed envelope")

func (e envelope) encode() []byte {
	b := make([]byte, 0, 26+len(e.user)+len(e.frame))
	b = append(b, envelopeUser)
	b = binary.BigEndian.AppendUint64(b, e.app)
	b = append(b, byte(len(e.user)))
	b = append(b, e.user...)
	b = binary.BigEndian.AppendUint64(b, e.node)
	b = binary.BigEndian.AppendUint64(b, e.origin)
	return append(b, e.frame...)
}

// decodeEnvelope parses b; the frame aliases b (the broker hands each
// subscriber bytes it may keep but not change).
func decodeEnvelope(b []byte) (envelope, error) {
	var e envelope
	if len(b) < 10 || b[0] != envelopeUser {
		return e, errEnvelope
	}
	e.app = binary.BigEndian.Uint64(b[1:9])
	n := int(b[9])
	b = b[10:]
	if len(b) < n+16 {
		return e, errEnvelope
	}
	e.user = string(b[:n])
	e.node = binary.BigEndian.Uint64(b[n : n+8])
	e.origin = binary.BigEndian.Uint64(b[n+8 : n+16])
	e.frame = b[n+16:]
	if len(e.frame) == 0 {
		return e, errEnvelope
	}
	return e, nil
}

// A group envelope is one event for the online members of a group, published
// once on the group's subject whatever the number of members: every node
// with a member online writes the frame to each of its member sessions. The
// user list narrows who hears it without any per-member work on the sender:
// with mode "only" just the listed members (a targeted message), with
// mode "except" everyone but them (muted, blocked); its length is the
// caller's list, bounded by MaxGroupPushUsers, never the group's size.
//
//	kind=2(1) app(8) len(group)(1) group node(8) origin(8) seq(8)
//	flags|mode(1) count(2) (len(user)(1) user)*count
//	[len(topic)(1) topic] [count(2) (len(topic)(1) topic)*count] frame...
//
// A community's topics are seq streams of their own whose events ride on
// the community's subject (group is the community): the flag
// groupTopicStream says seq is the topic's that follows, and
// groupEndsTopics that the event reports the listed topics deleted. An
// envelope without flags (every one a node wrote before topics were
// ordered) is the group's own stream. A node that does not know a flag
// drops the envelope as malformed, never misreading it as the group's.
type groupEnvelope struct {
	app    uint64
	group  string
	node   uint64
	origin uint64
	// seq is the seq of a new stored message (0 for every other event):
	// the receiving node hands those to its sessions in seq order, per
	// stream (group_order.go).
	seq uint64
	// topic is the topic of group whose seq stream seq is in; "" for the
	// group's own.
	topic string
	mode  byte // groupToAll, groupOnly or groupExcept
	users []string
	// endedTopics are topics of group deleted by the change this event
	// reports: each node forgets their order state.
	endedTopics []string
	frame       []byte
}

const (
	groupToAll  = 0
	groupOnly   = 1
	groupExcept = 2
)

// Flags in the high bits of a group envelope's mode byte.
const (
	groupTopicStream = 0x80
	groupEndsTopics  = 0x40
	groupModeMask    = 0x3f
)

func (e groupEnvelope) encode() []byte {
	n := 38 + len(e.group) + len(e.frame)
	for _, u := range e.users {
		n += 1 + len(u)
	}
	mode := e.mode
	if e.topic != "" {
		mode |= groupTopicStream
		n += 1 + len(e.topic)
	}
	if len(e.endedTopics) > 0 {
		mode |= groupEndsTopics
		n += 2
		for _, t := range e.endedTopics {
			n += 1 + len(t)
		}
	}
	b := make([]byte, 0, n)
	b = append(b, envelopeGroup)
	b = binary.BigEndian.AppendUint64(b, e.app)
	b = append(b, byte(len(e.group)))
	b = append(b, e.group...)
	b = binary.BigEndian.AppendUint64(b, e.node)
	b = binary.BigEndian.AppendUint64(b, e.origin)
	b = binary.BigEndian.AppendUint64(b, e.seq)
	b = append(b, mode)
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.users)))
	for _, u := range e.users {
		b = append(b, byte(len(u)))
		b = append(b, u...)
	}
	if e.topic != "" {
		b = append(b, byte(len(e.topic)))
		b = append(b, e.topic...)
	}
	if len(e.endedTopics) > 0 {
		b = binary.BigEndian.AppendUint16(b, uint16(len(e.endedTopics)))
		for _, t := range e.endedTopics {
			b = append(b, byte(len(t)))
			b = append(b, t...)
		}
	}
	return append(b, e.frame...)
}

// cutString reads a len(1)-prefixed string off b.
func cutString(b []byte) (s string, rest []byte, ok bool) {
	if len(b) < 1 || len(b) < 1+int(b[0]) {
		return "", b, false
	}
	l := int(b[0])
	return string(b[1 : 1+l]), b[1+l:], true
}

// isTopicOf reports whether topic is a topic ID of community.
func isTopicOf(topic, community string) bool {
	c, ok := convid.CommunityOf(topic)
	return ok && c == community
}

// decodeGroupEnvelope parses b; the frame aliases b.
func decodeGroupEnvelope(b []byte) (groupEnvelope, error) {
	var e groupEnvelope
	if len(b) < 10 || b[0] != envelopeGroup {
		return e, errEnvelope
	}
	e.app = binary.BigEndian.Uint64(b[1:9])
	n := int(b[9])
	b = b[10:]
	if len(b) < n+27 {
		return e, errEnvelope
	}
	e.group = string(b[:n])
	e.node = binary.BigEndian.Uint64(b[n : n+8])
	e.origin = binary.BigEndian.Uint64(b[n+8 : n+16])
	e.seq = binary.BigEndian.Uint64(b[n+16 : n+24])
	flags := b[n+24] &^ groupModeMask
	e.mode = b[n+24] & groupModeMask
	count := int(binary.BigEndian.Uint16(b[n+25 : n+27]))
	b = b[n+27:]
	if e.mode > groupExcept || (e.mode == groupToAll && count != 0) {
		return e, errEnvelope
	}
	if count > 0 {
		e.users = make([]string, count)
	}
	var ok bool
	for i := range count {
		if e.users[i], b, ok = cutString(b); !ok {
			return e, errEnvelope
		}
	}
	if flags&groupTopicStream != 0 {
		// The stream is a topic of the group, or the envelope is not ours.
		if e.topic, b, ok = cutString(b); !ok || !isTopicOf(e.topic, e.group) {
			return e, errEnvelope
		}
	}
	if flags&groupEndsTopics != 0 {
		if len(b) < 2 {
			return e, errEnvelope
		}
		count := int(binary.BigEndian.Uint16(b[:2]))
		b = b[2:]
		if count == 0 || count > len(b) {
			return e, errEnvelope
		}
		e.endedTopics = make([]string, count)
		for i := range count {
			if e.endedTopics[i], b, ok = cutString(b); !ok || !isTopicOf(e.endedTopics[i], e.group) {
				return e, errEnvelope
			}
		}
	}
	e.frame = b
	if len(e.frame) == 0 {
		return e, errEnvelope
	}
	return e, nil
}

// A kick envelope is a control message for one node, published on that
// node's subject (broker.NodeSubject): end the session conn of user with
// reason. The cluster's session directory decided it (a login on another
// node pushed the session out, or a REST kick); the receiving node only
// carries it out. Naming the connection, not the user, keeps a late kick
// from ending a session that logged in after the decision.
//
//	kind=3(1) app(8) len(user)(1) user conn(8) reason...
type kickEnvelope struct {
	app    uint64
	user   string
	conn   uint64
	reason string
}

func (e kickEnvelope) encode() []byte {
	b := make([]byte, 0, 18+len(e.user)+len(e.reason))
	b = append(b, envelopeKick)
	b = binary.BigEndian.AppendUint64(b, e.app)
	b = append(b, byte(len(e.user)))
	b = append(b, e.user...)
	b = binary.BigEndian.AppendUint64(b, e.conn)
	return append(b, e.reason...)
}

func decodeKickEnvelope(b []byte) (kickEnvelope, error) {
	var e kickEnvelope
	if len(b) < 10 || b[0] != envelopeKick {
		return e, errEnvelope
	}
	e.app = binary.BigEndian.Uint64(b[1:9])
	n := int(b[9])
	b = b[10:]
	if len(b) < n+8 {
		return e, errEnvelope
	}
	e.user = string(b[:n])
	e.conn = binary.BigEndian.Uint64(b[n : n+8])
	e.reason = string(b[n+8:])
	if e.reason == "" {
		return e, errEnvelope
	}
	return e, nil
}
