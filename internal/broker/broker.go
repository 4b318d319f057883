// Package broker carries the bytes a client or another node must hear, by
// subject: one subject per user (every instance of the user, on any node),
// one per group (every node with an online member of the group subscribes to
// it while it has one, see Interest) and one per node.
//
// Delivery is at most once. A subscriber that misses a message (its queue
// was full, the connection to NATS was down) recovers through sync or
// history by seq, so the broker never retries, retains or acknowledges.
//
// Two implementations share the contracts below and one test suite
// (brokertest): Local, in process for a single node, and NATS, core NATS
// subjects (no JetStream) for several nodes.
package broker

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
)

// Broker publishes bytes on subjects and calls the subscribers of a subject.
type Broker interface {
	// Publish sends data to every current subscriber of subject, on every
	// node. At most once: a subscriber that misses it recovers through
	// sync/history by seq. Publish never waits for a subscriber: a slow one
	// loses messages (counted in Dropped), it does not slow the publisher.
	//
	// The broker copies data before Publish returns (Local copies it once
	// for all its subscribers, NATS into its write buffer), so the caller
	// may reuse data at once. A subject must be a literal subject (see
	// ValidSubject); the helpers below make only valid ones.
	//
	// Publish fails with ErrClosed after Close, with ErrBadSubject for an
	// invalid subject, with ctx's error if ctx is done, and (NATS) when the
	// connection is down and its bounded reconnect buffer is full.
	Publish(ctx context.Context, subject string, data []byte) error

	// Subscribe calls fn for each message published on subject after
	// Subscribe returns by this Broker; a message from another node is
	// heard once the NATS server has the subscription (NATS.Flush waits
	// for that). Subscribe does not wait for the network.
	//
	// Calls of fn for one subscription are serialized, never concurrent,
	// and in publish order for each publisher; there is no order between
	// publishers. fn must not block long: messages queue behind it, up to
	// the subscription's bound, and the ones over it are dropped and
	// counted. data is shared with the other subscribers of the node and
	// must not be modified; it is never reused by the broker, so fn may
	// keep it (the gateway queues the same frame on many connections).
	//
	// A subscriber may subscribe to a subject more than once; each
	// subscription gets its own copy of the stream.
	Subscribe(subject string, fn func(data []byte)) (Subscription, error)

	// Dropped is the number of messages dropped so far because a
	// subscription's queue was full, over all subscriptions, current and
	// past. It only grows; the gateway exposes it as a counter.
	Dropped() uint64

	// Close stops Publish and Subscribe (ErrClosed), gives the messages
	// already queued to subscribers a bounded time to be delivered (a
	// drain), then ends every subscription: after Close returns, no new
	// call of fn starts. Close must not be called from fn. Calling it
	// again returns nil.
	Close() error
}

// Subscription is one Subscribe.
type Subscription interface {
	// Unsubscribe stops the subscription: no call of fn starts after it
	// returns; a call already running is not waited for (so fn may
	// unsubscribe itself). Messages still queued are discarded, not
	// counted as dropped. A second Unsubscribe returns nil.
	Unsubscribe() error
}

// Limits bounds the queue of each subscription: messages published to it
// and not yet handed to fn. A message that would exceed either bound is
// dropped and counted; zero means the default.
type Limits struct {
	Messages int // default 1024
	Bytes    int // default 4 MiB
}

const (
	defaultQueueMessages = 1024
	defaultQueueBytes    = 4 << 20
)

func (l Limits) withDefaults() Limits {
	if l.Messages <= 0 {
		l.Messages = defaultQueueMessages
	}
	if l.Bytes <= 0 {
		l.Bytes = defaultQueueBytes
	}
	return l
}

var (
	// ErrClosed is returned by a Broker after Close.
	ErrClosed = errors.New("broker: closed")
	// ErrBadSubject is returned for a subject that is not a literal
	// subject made of the characters the helpers use.
	ErrBadSubject = errors.New("broker: invalid subject")
	// ErrDrainTimeout is returned by Close when the queued messages were
	// not all delivered in time; the subscriptions are ended anyway.
	ErrDrainTimeout = errors.New("broker: drain timed out")
)

// Subjects are "parley.<kind>.<app>.<id>": the kind token keeps users,
// groups and nodes apart, the app token keeps tenants apart, and the ID is
// base64url without padding. IDs come from clients (a UserID is up to 32
// bytes, a group ID up to 48, of almost any bytes), so they are encoded
// rather than escaped: base64url only produces [A-Za-z0-9_-], which holds
// no NATS separator ('.'), wildcard ('*', '>') or whitespace, and is
// injective, so two IDs never share a subject. A 48-byte ID becomes 64
// characters. The empty ID, which the domain never accepts, is "_": a
// non-empty ID encodes to at least two characters, so it collides with none.
const subjectPrefix = "parley."

// UserSubject is the subject of every instance of user in app.
func UserSubject(app uint64, user string) string {
	return appSubject("u", app, user)
}

// GroupSubject is the subject of group in app: messages every online
// member must hear, published once per group, not once per member.
func GroupSubject(app uint64, group string) string {
	return appSubject("g", app, group)
}

// StatusSubject is the subject of user's status changes in app: heard by
// the nodes with a session subscribed to that user's status.
func StatusSubject(app uint64, user string) string {
	return appSubject("s", app, user)
}

// NodeSubject is the subject of one node (kicks, control).
func NodeSubject(node string) string {
	b := make([]byte, 0, len(subjectPrefix)+2+base64.RawURLEncoding.EncodedLen(len(node)))
	b = append(b, subjectPrefix...)
	b = append(b, "n."...)
	return string(appendID(b, node))
}

func appSubject(kind string, app uint64, id string) string {
	b := make([]byte, 0, len(subjectPrefix)+len(kind)+22+base64.RawURLEncoding.EncodedLen(len(id)))
	b = append(b, subjectPrefix...)
	b = append(b, kind...)
	b = append(b, '.')
	b = strconv.AppendUint(b, app, 10)
	b = append(b, '.')
	return string(appendID(b, id))
}

func appendID(b []byte, id string) []byte {
	if id == "" {
		return append(b, '_')
	}
	return base64.RawURLEncoding.AppendEncode(b, []byte(id))
}

// maxSubjectLen bounds a subject; the longest one the helpers make (a
// 48-byte group ID and a 20-digit app) is under 100 characters.
const maxSubjectLen = 256

// ValidSubject reports whether s is a subject both implementations accept:
// non-empty dot-separated tokens of [A-Za-z0-9_-]. That excludes NATS
// wildcards, so a subscription never matches more than its own subject on
// NATS, exactly as on Local.
func ValidSubject(s string) bool {
	if s == "" || len(s) > maxSubjectLen {
		return false
	}
	tokenLen := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if tokenLen == 0 {
				return false
			}
			tokenLen = 0
			continue
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
		tokenLen++
	}
	return tokenLen > 0
}
