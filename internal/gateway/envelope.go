package gateway

import (
	"encoding/binary"
	"errors"
)

// An envelope is what one node tells every node (itself included) about a
// push for one user: the app and user it is for, the connection it came from
// (so that instance is not sent its own change back), and the complete
// WebSocket frame, encoded once by the node that made the change and written
// as is to every session of the user on every node.
//
//	version(1) app(8) len(user)(1) user node(8) origin(8) frame...
type envelope struct {
	app    uint64
	user   string
	node   uint64 // the publishing node
	origin uint64 // the connection the change came from on that node; 0 none
	frame  []byte
}

const envelopeVersion = 1

var errEnvelope = errors.New("gateway: malformed envelope")

func (e envelope) encode() []byte {
	b := make([]byte, 0, 26+len(e.user)+len(e.frame))
	b = append(b, envelopeVersion)
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
	if len(b) < 10 || b[0] != envelopeVersion {
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

// A kick envelope is a control message for one node, published on that
// node's subject (broker.NodeSubject): end the session conn of user with
// reason. The cluster's session directory decided it (a login on another
// node pushed the session out, or a REST kick); the receiving node only
// carries it out. Naming the connection, not the user, keeps a late kick
// from ending a session that logged in after the decision.
//
//	kind(1)=2 app(8) len(user)(1) user conn(8) reason...
type kickEnvelope struct {
	app    uint64
	user   string
	conn   uint64
	reason string
}

const kickEnvelopeKind = 2

func (e kickEnvelope) encode() []byte {
	b := make([]byte, 0, 18+len(e.user)+len(e.reason))
	b = append(b, kickEnvelopeKind)
	b = binary.BigEndian.AppendUint64(b, e.app)
	b = append(b, byte(len(e.user)))
	b = append(b, e.user...)
	b = binary.BigEndian.AppendUint64(b, e.conn)
	return append(b, e.reason...)
}

func decodeKickEnvelope(b []byte) (kickEnvelope, error) {
	var e kickEnvelope
	if len(b) < 10 || b[0] != kickEnvelopeKind {
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
