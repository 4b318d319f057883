package gateway

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/presence"
	"github.com/parleyim/parley/internal/store"
)

// Sync limits.
const (
	defaultSyncLimit = 100
	maxSyncLimit     = 500
)

func (g *Gateway) userOps() {
	g.ops["ping"] = func(context.Context, *conn, json.RawMessage) (any, error) {
		return map[string]int64{"serverTime": time.Now().Unix()}, nil
	}
	g.ops["logout"] = g.logout
	g.ops["sync"] = g.sync
	g.ops["user.get"] = g.userGet
	g.ops["user.setSelf"] = g.userSetSelf
}

func (g *Gateway) logout(_ context.Context, c *conn, _ json.RawMessage) (any, error) {
	c.mu.Lock()
	s := c.session
	c.mu.Unlock()
	g.leave(s)
	if c.ending(endLogout, 0) {
		c.logSession("session logout")
		c.stateLogout()
	}
	// The answer is the connection's last frame (Gateway.run): nothing
	// queued after it runs, and the socket closes once it is written.
	return struct{}{}, nil
}

// errUserSigVoided refuses a login with a UserSig issued before the user's
// last kick.
var errUserSigVoided = errcode.New(CodeUserSigExpired, "ERR_USER_SIG_EXPIRED: this UserSig was voided when the user was kicked; log in with a new one")

// Presence has two modes behind one policy (presence.PushedOut). Alone, the
// node's Registry applies it to the node's sessions. With ClusterPresence,
// the store's session directory applies it to every node's sessions in the
// login's transaction, and the sessions it pushes out on other nodes are
// kicked there: a kick envelope on the node's subject, which every node
// subscribes to at start. The envelope is at most once, like every push, but
// the kick is not: the deciding transaction marked the session's row kicked
// with the reason, so a node that missed the envelope (a NATS restart, a
// subscriber over its bound) finds the mark on its next liveness renewal,
// or at once when its broker reconnects, and ends the session then
// (presence.Directory.CatchUpKicks).

func (g *Gateway) initPresence(opt Options) {
	if !g.ClusterPresence {
		return
	}
	g.directory = &presence.Directory{Store: presence.StoreOf(g.Store), Node: g.nodeID, Local: g.Presence, Logger: g.Logger,
		RenewEvery: opt.PresenceRenewEvery}
	// Envelopes published while this node was cut off from NATS are lost:
	// catch up with the marks as soon as it is back, not at the next
	// renewal. The hook must not block; Wake does not.
	if r, ok := g.Broker.(interface{ OnReconnect(func()) }); ok {
		r.OnReconnect(g.directory.Wake)
	}
	sub, err := g.Broker.Subscribe(broker.NodeSubject(nodeName(g.nodeID)), g.onNodeEnvelope)
	if err != nil {
		// Only a closed broker refuses; the node then hears no kick
		// envelopes and ends kicked sessions at its renewals only.
		g.Logger.Error("presence: subscribing to this node's subject failed: kicks from other nodes are carried out at each renewal only", "error", err.Error())
		return
	}
	g.nodeSub = sub
	// A NATS subscription is live once the server has it: waited for here
	// (bounded) so a kick sent as soon as this node serves is heard.
	if f, ok := g.Broker.(interface{ Flush(context.Context) error }); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := f.Flush(ctx); err != nil {
			g.Logger.Warn("presence: the broker did not confirm this node's subscription", "error", err.Error())
		}
	}
}

// nodeName is a node's ID as its broker subject names it.
func nodeName(node uint64) string { return strconv.FormatUint(node, 16) }

// Directory is the cluster session directory, nil without ClusterPresence.
// The node registers it before serving, runs its liveness loop and stops it
// after the connections closed.
func (g *Gateway) Directory() *presence.Directory { return g.directory }

// NodeID is this node's random ID in envelopes and the session directory.
func (g *Gateway) NodeID() uint64 { return g.nodeID }

// register puts a logged-in session into presence and returns whom it
// pushes out.
func (g *Gateway) register(ctx context.Context, s *presence.Session, limit int, issuedAt int64) (presence.Kicks, error) {
	if g.directory == nil {
		kicked, reason := g.Presence.Add(s, limit)
		return presence.Kicks{Local: kicked, Reason: reason}, nil
	}
	return g.directory.Login(ctx, s, limit, func(ctx context.Context, tx store.UserSigBounds) error {
		// Under the account lock: a kick's revocation has either committed
		// (this login is refused) or not begun, and then its kick of the
		// user's sessions (deleted here, marked on other nodes) comes after
		// this login's row.
		from, err := tx.UserSigsValidFrom(ctx, s.App, s.User)
		if err != nil {
			return err
		}
		if issuedAt < from {
			return errUserSigVoided
		}
		return nil
	})
}

// leave takes an ended session out of presence.
func (g *Gateway) leave(s *presence.Session) {
	if s == nil {
		return
	}
	if g.directory == nil {
		g.Presence.Remove(s)
		return
	}
	g.directory.Leave(s)
}

// kick carries out k: this node's sessions are told directly, the other
// nodes' through a kick envelope on each node's subject (the fast path: the
// directory's marks make the kick happen without it, a renewal later). No
// lock is held.
func (g *Gateway) kick(k presence.Kicks) {
	for _, s := range k.Local {
		s.Endpoint.Kick(k.Reason)
	}
	for _, r := range k.Remote {
		env := kickEnvelope{app: uint64(r.App), user: r.User, conn: r.Conn, reason: k.Reason}
		if err := g.Broker.Publish(context.Background(), broker.NodeSubject(nodeName(r.Node)), env.encode()); err != nil {
			g.Logger.Warn("presence: a kick for another node was not sent: that node ends the session at its next renewal",
				"node", nodeName(r.Node), "sdkappid", r.App, "user", r.User, "reason", k.Reason, "error", err.Error())
		}
	}
}

// onNodeEnvelope carries out a kick another node decided for a session of
// this node, and has its marked row deleted.
func (g *Gateway) onNodeEnvelope(data []byte) {
	env, err := decodeKickEnvelope(data)
	if err != nil {
		g.Logger.Warn("broker: dropped a malformed node envelope")
		return
	}
	if s := g.directory.TakeKicked(env.app, env.user, env.conn); s != nil {
		s.Endpoint.Kick(env.reason)
	}
}

// Kick ends every session of user with reason, on every node with
// ClusterPresence (on this one otherwise), and reports how many there were.
func (g *Gateway) Kick(ctx context.Context, app uint64, user, reason string) (int, error) {
	if g.directory == nil {
		sessions := g.Presence.RemoveAll(app, user)
		for _, s := range sessions {
			s.Endpoint.Kick(reason)
		}
		return len(sessions), nil
	}
	k, err := g.directory.KickUser(ctx, app, user, reason)
	if err != nil {
		return 0, err
	}
	g.kick(k)
	return len(k.Local) + len(k.Remote), nil
}

// Online returns, per user of users that is online, the platforms of their
// sessions, oldest first: of every node with ClusterPresence (one statement
// per 500 users), of this one otherwise.
func (g *Gateway) Online(ctx context.Context, app uint64, users []string) (map[string][]string, error) {
	if g.directory != nil {
		return g.directory.Online(ctx, app, users)
	}
	out := map[string][]string{}
	for _, u := range users {
		sessions := g.Presence.Sessions(app, u)
		if len(sessions) == 0 {
			continue
		}
		ps := make([]string, len(sessions))
		for i, s := range sessions {
			ps[i] = s.Platform
		}
		out[u] = ps
	}
	return out, nil
}

type syncEvent struct {
	Seq     uint64   `json:"seq"`
	Kind    string   `json:"kind"`
	UserIDs []string `json:"userIDs"`
	Time    int64    `json:"time"`
	// Conversation events name conversations, or conversation groups.
	ConversationIDs []string `json:"conversationIDs,omitempty"`
	Names           []string `json:"names,omitempty"`
}

func (g *Gateway) sync(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		After uint64 `json:"after"`
		Limit int    `json:"limit"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	// limit is a page size: 0 (absent) is the default, more than the cap is
	// the cap (the answer says complete false); a negative one is a client
	// bug worth telling.
	if d.Limit < 0 {
		return nil, errcode.Newf(CodeInvalidRequest, "limit must not be negative (0 is the default %d, at most %d)", defaultSyncLimit, maxSyncLimit)
	}
	limit := d.Limit
	if limit == 0 {
		limit = defaultSyncLimit
	}
	limit = min(limit, maxSyncLimit)
	s := c.session
	var entries []store.UserEvent
	var latest uint64
	err := g.Store.Read(ctx, func(tx store.Tx) (err error) {
		if latest, err = tx.UserEventSeq(ctx, s.App, s.User); err != nil {
			return err
		}
		// A position at or beyond the log has nothing after it (the
		// protocol's contract: beyond is a reset), whatever its size: a seq
		// of 2^63 or more is not even storable, so it is not asked for.
		if d.After >= latest {
			return nil
		}
		entries, err = tx.UserEventsAfter(ctx, s.App, s.User, d.After, limit)
		return err
	})
	if err != nil {
		return nil, errcode.Wrapf(err, "gateway: sync %s after %d", s.User, d.After)
	}
	// A log pruned past the client's position, or a position the log never
	// reached, cannot be replayed: the client reloads and continues from
	// latestSeq.
	reset := d.After > latest || (d.After < latest && (len(entries) == 0 || entries[0].Seq != d.After+1))
	events := make([]syncEvent, 0, len(entries))
	if !reset {
		for _, e := range event.FromLog(entries) {
			ids := e.Peers
			if ids == nil {
				ids = []string{}
			}
			events = append(events, conversationSyncEvent(syncEvent{Seq: e.Seq, Kind: string(e.Kind), UserIDs: ids, Time: e.Time}))
		}
	}
	complete := reset || len(entries) == 0 || entries[len(entries)-1].Seq >= latest
	return map[string]any{"events": events, "latestSeq": latest, "complete": complete, "reset": reset}, nil
}

var _ presence.Endpoint = (*conn)(nil)
