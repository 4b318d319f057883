package gateway

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"time"

	"github.com/parleyim/parley/internal/broker"
)

// Delivery across nodes: a push for a user is published once, as an
// envelope carrying the finished WebSocket frame, on the user's subject;
// every node with a session of that user is subscribed to the subject (an
// Interest taken at login and given back when the connection closes) and
// writes the frame to its local sessions. With the in-process broker this
// is the one node; with NATS it is every node behind the load balancer. At
// most once: a client that misses a push sees the gap in seqs and resyncs
// (sync, msg.history), the protocol's contract.

// listenerCheck is offered by a broker that knows whether a subject has a
// subscriber (the in-process one): a node then skips encoding pushes for
// users nobody is connected as.
type listenerCheck interface{ HasSubscribers(subject string) bool }

func (g *Gateway) initDelivery() {
	if g.Broker == nil {
		g.Broker = broker.NewLocal(broker.LocalOptions{})
	}
	var b [8]byte
	rand.Read(b[:])
	g.nodeID = binary.BigEndian.Uint64(b[:]) | 1 // never 0
	g.interest = broker.NewInterest(g.Broker, g.onEnvelope)
	g.groups = newGroupIndex()
}

// mayListen reports whether a push on subject could reach anyone.
func (g *Gateway) mayListen(subject string) bool {
	if lc, ok := g.Broker.(listenerCheck); ok {
		return lc.HasSubscribers(subject)
	}
	return true
}

// subscriberCount is offered by a broker that knows how many subscriptions
// a subject has over every node it serves (the in-process one).
type subscriberCount interface{ Subscribers(subject string) int }

// reachesOnlyOrigin reports whether a push for user on subject, coming from
// the connection origin, would reach nobody: the broker knows the subject's
// one subscription is this node's (the origin's login holds it), and the
// origin is the user's only session here, which the push skips. The sender
// of a message with one device is the common case: its copy of the push is
// then neither encoded nor published. A login finished before the check is
// seen (a session is registered before it subscribes); one finishing
// meanwhile resyncs by seq, as after any missed push.
func (g *Gateway) reachesOnlyOrigin(app uint64, user, subject string, origin any) bool {
	c, ok := origin.(*conn)
	if !ok {
		return false
	}
	sc, ok := g.Broker.(subscriberCount)
	if !ok || sc.Subscribers(subject) != 1 || g.interest.Refs(subject) == 0 {
		return false
	}
	sessions := g.Presence.Sessions(app, user)
	if len(sessions) != 1 {
		return false
	}
	own, ok := sessions[0].Endpoint.(*conn)
	return ok && own == c
}

// publish sends frame to every session of user on every node, except the
// connection origin (nil: none) the change came from.
func (g *Gateway) publish(app uint64, user, subject string, origin any, frame []byte) {
	env := envelope{app: app, user: user, node: g.nodeID, frame: frame}
	if c, ok := origin.(*conn); ok {
		env.origin = c.id
	}
	g.publishBytes(subject, env.encode())
}

// PublishUser sends frame (a complete WebSocket frame, see PushFrame) to
// every session of user on every node. One encode and one publish; a node
// that knows nobody listens (the in-process broker) skips even those.
func (g *Gateway) PublishUser(app uint64, user string, frame []byte) {
	subject := broker.UserSubject(app, user)
	if !g.mayListen(subject) {
		return
	}
	g.publish(app, user, subject, nil, frame)
}

// ownedPublisher is offered by a broker that can take the bytes it is given
// instead of copying them (the in-process one).
type ownedPublisher interface {
	PublishOwned(ctx context.Context, subject string, data []byte) error
}

// publishBytes publishes an encoded envelope on subject. data is handed
// over: the caller never changes it afterwards (it may publish the same
// bytes on another subject), so a broker that can keeps it uncopied.
func (g *Gateway) publishBytes(subject string, data []byte) {
	var err error
	if op, ok := g.Broker.(ownedPublisher); ok {
		err = op.PublishOwned(context.Background(), subject, data)
	} else {
		err = g.Broker.Publish(context.Background(), subject, data)
	}
	if err != nil {
		// While the broker is unreachable every push fails: one line a
		// second says so, the rest are counted in it.
		failed := g.publishFailures.Add(1)
		now := time.Now().UnixNano()
		if last := g.publishLogged.Load(); now-last >= int64(time.Second) && g.publishLogged.CompareAndSwap(last, now) {
			g.Logger.Warn("broker publish failed: the users' clients resync by seq", "subject", subject,
				"error", err.Error(), "failures_so_far", failed)
		}
	}
}

// onEnvelope writes a published push to this node's sessions of its user,
// or of its group.
func (g *Gateway) onEnvelope(subject string, data []byte) {
	if len(data) > 0 && data[0] == envelopeGroup {
		g.onGroupEnvelope(subject, data)
		return
	}
	env, err := decodeEnvelope(data)
	if err != nil {
		g.Logger.Warn("broker: dropped a malformed envelope", "subject", subject)
		return
	}
	for _, s := range g.Presence.Sessions(env.app, env.user) {
		if env.origin != 0 && env.node == g.nodeID {
			if c, ok := s.Endpoint.(*conn); ok && c.id == env.origin {
				continue
			}
		}
		s.Endpoint.Push(env.frame)
	}
}

// subscribe takes c's interest in its user's subject and makes it a member
// of the user's groups once its login is registered; the connection gives
// both back when it closes (unsubscribe).
func (g *Gateway) subscribe(c *conn, app uint64, user string) error {
	subject := broker.UserSubject(app, user)
	if err := g.interest.Acquire(subject); err != nil {
		return err
	}
	if err := g.joinGroups(c, app, user); err != nil {
		g.interest.Release(subject)
		return err
	}
	c.mu.Lock()
	if c.closed {
		// shutdown ran meanwhile and saw nothing to give back.
		c.mu.Unlock()
		g.unsubscribe(c, subject)
		return nil
	}
	c.subject = subject
	c.mu.Unlock()
	g.confirmSubscriptions(c)
	return nil
}

// confirmSubscriptions waits (bounded) until the broker's server has the
// subscriptions this node made so far, so that a login's answer means what
// a client takes it to mean: from then on it hears what any node publishes
// for its user and its groups. In-process brokers have nothing to wait for.
// A failure is logged, not returned: the session works and resyncs by seq
// what it may have missed.
func (g *Gateway) confirmSubscriptions(c *conn) {
	f, ok := g.Broker.(interface{ Flush(context.Context) error })
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(c.requestContext(), 2*time.Second)
	defer cancel()
	if err := f.Flush(ctx); err != nil {
		g.Logger.Warn("login: the broker did not confirm the session's subscriptions", "error", err.Error())
	}
}

// unsubscribe gives back what subscribe took for c: its groups and its
// interest in subject, its user's.
func (g *Gateway) unsubscribe(c *conn, subject string) {
	c.mu.Lock()
	s := c.session
	c.mu.Unlock()
	if s != nil {
		g.leaveGroups(c, s.App, s.User)
	}
	g.interest.Release(subject)
}
