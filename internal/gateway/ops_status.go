package gateway

// User status (internal/status): user.setSelfStatus, user.getStatus,
// user.subscribeStatus, user.unsubscribeStatus and the push
// user.status_changed {userID, statusType, customStatus}.
//
// Who hears a change of user U: every session of U (the user's own devices,
// the one that set it included), on U's user subject; and every session
// subscribed to U, on U's status subject (broker.StatusSubject). A
// subscription belongs to the connection that made it, held in memory by
// its node (statusSubs), which takes an interest in the subject of each
// user its connections follow; so a subscriber and its subscribee may be on
// any two nodes, and nothing about subscriptions is stored. A connection's
// subscriptions end with it; the SDKs subscribe again after a reconnect, as
// Tencent's backend clears a list some time after its user went away.
//
// A change is published when U's first session logs in (online), when U's
// last session ends (unlogined after a logout, offline otherwise; the
// custom status is cleared and stored so), and when U sets a custom status.
// The last-session check reads the session directory after this node's own
// registry is updated; two nodes ending U's last two sessions at once may
// both see the other's and publish nothing, leaving U's stored status as it
// was (online is never stored: it is the directory's answer), or both
// publish, which says the same twice.

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/presence"
	"github.com/parleyim/parley/internal/status"
	"github.com/parleyim/parley/internal/store"
)

// PushStatusChanged is the push of a user status change.
const PushStatusChanged = "user.status_changed"

// statusEnds bounds the session ends whose status change is being worked
// out at once (a store read and maybe a write each).
const statusEnds = 32

func init() {
	// Setting a status and subscribing change state; the status service
	// limits the subscriptions and other users' queries to 20 calls per 5 s
	// besides.
	for _, op := range []string{"user.setSelfStatus", "user.subscribeStatus", "user.unsubscribeStatus"} {
		opClasses[op] = classWrite
	}
}

func (g *Gateway) statusOps() {
	g.userStatus = &status.Service{Store: status.StoreOf(g.Store), Online: g.Online}
	g.statusSubs = &statusSubs{byConn: map[*conn]*connStatusSubs{}, byTarget: map[statusKey]map[*conn]struct{}{}}
	g.statusInterest = broker.NewInterest(g.Broker, g.onStatusEnvelope)
	g.statusEnding = make(chan struct{}, statusEnds)
	g.ops["user.setSelfStatus"] = g.setSelfStatus
	g.ops["user.getStatus"] = g.getUserStatus
	g.ops["user.subscribeStatus"] = g.subscribeUserStatus
	g.ops["user.unsubscribeStatus"] = g.unsubscribeUserStatus
}

// UserStatus is the status service the gateway uses (for another door).
func (g *Gateway) UserStatus() *status.Service { return g.userStatus }

func (g *Gateway) setSelfStatus(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		CustomStatus string `json:"customStatus"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	s := c.session
	st, err := g.userStatus.SetCustom(ctx, c.app, s.User, d.CustomStatus)
	if err != nil {
		return nil, err
	}
	g.publishStatus(s.App, st, true)
	return st, nil
}

func (g *Gateway) getUserStatus(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d userIDs
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	list, failures, err := g.userStatus.Get(ctx, c.app, c.session.User, d.UserIDs)
	if err != nil {
		return nil, err
	}
	return map[string]any{"statuses": list, "failures": orEmpty(failures)}, nil
}

func (g *Gateway) subscribeUserStatus(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d userIDs
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	s := c.session
	users, failures, err := g.userStatus.CheckSubscribe(ctx, c.app, s.User, d.UserIDs, false)
	if err != nil {
		return nil, err
	}
	if err := g.statusSubs.add(g, c, s.App, users); err != nil {
		return nil, err
	}
	return map[string]any{"failures": orEmpty(failures)}, nil
}

func (g *Gateway) unsubscribeUserStatus(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d userIDs
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	s := c.session
	users, _, err := g.userStatus.CheckSubscribe(ctx, c.app, s.User, d.UserIDs, true)
	if err != nil {
		return nil, err
	}
	g.statusSubs.remove(g, c, s.App, users, len(d.UserIDs) == 0)
	return map[string]any{"failures": []status.Failure{}}, nil
}

func orEmpty(f []status.Failure) []status.Failure {
	if f == nil {
		return []status.Failure{}
	}
	return f
}

// publishStatus tells st to every session subscribed to its user and, with
// ownDevices, to every session of the user, on any node: one frame, one
// publish per subject.
func (g *Gateway) publishStatus(app uint64, st status.Status, ownDevices bool) {
	frame := PushFrame(PushStatusChanged, 0, st)
	env := envelope{app: app, user: st.UserID, node: g.nodeID, frame: frame}
	data := env.encode()
	if subject := broker.UserSubject(app, st.UserID); ownDevices && g.mayListen(subject) {
		g.publishBytes(subject, data)
	}
	if subject := broker.StatusSubject(app, st.UserID); g.mayListen(subject) {
		g.publishBytes(subject, data)
	}
}

// onStatusEnvelope hands a status change to this node's subscribers of its
// user.
func (g *Gateway) onStatusEnvelope(subject string, data []byte) {
	env, err := decodeEnvelope(data)
	if err != nil {
		g.Logger.Warn("broker: dropped a malformed status envelope", "subject", subject)
		return
	}
	for _, c := range g.statusSubs.subscribers(statusKey{env.app, env.user}) {
		c.Push(env.frame)
	}
}

// statusLoggedIn publishes s's user online to its subscribers when s is
// the user's only session. (The user's own devices need not hear it: there
// is no other.) Nothing is read when the app has no subscriptions (its
// switch is off) or no node listens (the in-process broker knows).
func (g *Gateway) statusLoggedIn(ctx context.Context, c *conn, s *presence.Session) {
	if !c.app.Switches.UserStatus || !g.mayListen(broker.StatusSubject(s.App, s.User)) {
		return
	}
	n, err := g.liveSessions(ctx, s)
	if err == nil && n == 1 {
		var st status.Status
		if st, err = g.userStatus.LoggedIn(ctx, s.App, s.User); err == nil {
			g.publishStatus(s.App, st, false)
		}
	}
	if err != nil {
		g.Logger.Warn("user status: the status after a login was not sent", "sdkappid", s.App, "user", s.User, "error", err.Error())
	}
}

// statusConnClosed ends c's subscriptions and, when s (nil before a login)
// was its user's last session, records and publishes the user's new status:
// unlogined after a logout, offline otherwise. A draining node changes no
// status: its clients are about to reconnect elsewhere. The store work runs
// off the closing connection's goroutine, statusEnds at a time.
func (g *Gateway) statusConnClosed(c *conn, s *presence.Session, loggedOut bool) {
	g.statusSubs.drop(g, c)
	if s == nil || g.Draining() {
		return
	}
	go func() {
		g.statusEnding <- struct{}{}
		defer func() { <-g.statusEnding }()
		ctx, cancel := context.WithTimeout(context.Background(), g.requestTimeout)
		defer cancel()
		n, err := g.liveSessions(ctx, s)
		if err == nil && n == 0 {
			var st status.Status
			if st, err = g.userStatus.Ended(ctx, s.App, s.User, loggedOut); err == nil {
				g.publishStatus(s.App, st, false)
			}
		}
		if err != nil {
			g.Logger.Warn("user status: the end of a session was not recorded", "sdkappid", s.App, "user", s.User, "error", err.Error())
		}
	}()
}

// liveSessions counts the sessions s's user has: this node's registry's
// (authoritative here: an ended session has left it) and the directory's
// rows of other nodes (this node's rows may outlive their sessions a
// moment, their deletion batched).
func (g *Gateway) liveSessions(ctx context.Context, s *presence.Session) (int, error) {
	n := len(g.Presence.Sessions(s.App, s.User))
	if g.directory == nil {
		return n, nil
	}
	var rows map[string][]store.SessionRow
	err := g.Store.Read(ctx, func(tx store.Tx) (err error) {
		rows, err = tx.OnlineSessions(ctx, store.AppID(s.App), []string{s.User}, time.Now().UnixMilli())
		return err
	})
	if err != nil {
		return 0, err
	}
	for _, r := range rows[s.User] {
		if r.Node != g.nodeID {
			n++
		}
	}
	return n, nil
}

type statusKey struct {
	app  uint64
	user string
}

// statusSubs is this node's status subscriptions: per connection the users
// it follows, oldest first (at most status.MaxSubscriptions: a new one
// evicts the oldest), and per followed user the connections following.
// Each (connection, user) pair holds one reference on the user's status
// subject, taken before the pair is added and given back after it is
// removed, outside mu (a subscribe is network I/O with NATS).
type statusSubs struct {
	mu       sync.Mutex
	byConn   map[*conn]*connStatusSubs
	byTarget map[statusKey]map[*conn]struct{}
}

type connStatusSubs struct {
	users []string // oldest first
}

func (x *statusSubs) add(g *Gateway, c *conn, app uint64, users []string) error {
	// Take the subjects first, for the users c does not follow yet.
	x.mu.Lock()
	cs := x.byConn[c]
	var fresh []string
	for _, u := range users {
		if cs == nil || !containsUser(cs.users, u) {
			fresh = append(fresh, u)
		}
	}
	x.mu.Unlock()
	var taken []string
	for _, u := range fresh {
		if err := g.statusInterest.Acquire(broker.StatusSubject(app, u)); err != nil {
			for _, t := range taken {
				g.statusInterest.Release(broker.StatusSubject(app, t))
			}
			return errcode.Wrapf(err, "gateway: subscribe to the status of %s", u)
		}
		taken = append(taken, u)
	}
	var release []string
	x.mu.Lock()
	if closedConn(c) {
		x.mu.Unlock()
		release = taken
	} else {
		cs = x.byConn[c]
		if cs == nil {
			cs = &connStatusSubs{}
			x.byConn[c] = cs
		}
		for _, u := range taken {
			if containsUser(cs.users, u) {
				release = append(release, u) // added meanwhile: one reference per pair
				continue
			}
			cs.users = append(cs.users, u)
			x.link(c, app, u)
		}
		// Users already followed move to the newest end: subscribing again
		// renews a subscription.
		for _, u := range users {
			if !containsUser(taken, u) {
				if i := indexUser(cs.users, u); i >= 0 {
					cs.users = append(append(cs.users[:i:i], cs.users[i+1:]...), u)
				}
			}
		}
		for len(cs.users) > status.MaxSubscriptions {
			old := cs.users[0]
			cs.users = cs.users[1:]
			x.unlink(c, app, old)
			release = append(release, old)
		}
		x.mu.Unlock()
	}
	for _, u := range release {
		g.statusInterest.Release(broker.StatusSubject(app, u))
	}
	return nil
}

// remove ends c's subscriptions to users, or to everyone with all.
func (x *statusSubs) remove(g *Gateway, c *conn, app uint64, users []string, all bool) {
	var release []string
	x.mu.Lock()
	if cs := x.byConn[c]; cs != nil {
		kept := cs.users[:0]
		for _, u := range cs.users {
			if all || containsUser(users, u) {
				x.unlink(c, app, u)
				release = append(release, u)
			} else {
				kept = append(kept, u)
			}
		}
		cs.users = kept
		if len(kept) == 0 {
			delete(x.byConn, c)
		}
	}
	x.mu.Unlock()
	for _, u := range release {
		g.statusInterest.Release(broker.StatusSubject(app, u))
	}
}

// drop ends every subscription of a closed connection.
func (x *statusSubs) drop(g *Gateway, c *conn) {
	app := c.app.SDKAppID
	x.mu.Lock()
	cs := x.byConn[c]
	delete(x.byConn, c)
	if cs == nil {
		x.mu.Unlock()
		return
	}
	for _, u := range cs.users {
		x.unlink(c, app, u)
	}
	x.mu.Unlock()
	for _, u := range cs.users {
		g.statusInterest.Release(broker.StatusSubject(app, u))
	}
}

// subscribers returns the connections following k.
func (x *statusSubs) subscribers(k statusKey) []*conn {
	x.mu.Lock()
	defer x.mu.Unlock()
	set := x.byTarget[k]
	out := make([]*conn, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	return out
}

func (x *statusSubs) link(c *conn, app uint64, u string) {
	k := statusKey{app, u}
	set := x.byTarget[k]
	if set == nil {
		set = map[*conn]struct{}{}
		x.byTarget[k] = set
	}
	set[c] = struct{}{}
}

func (x *statusSubs) unlink(c *conn, app uint64, u string) {
	k := statusKey{app, u}
	if set := x.byTarget[k]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(x.byTarget, k)
		}
	}
}

// closedConn reports whether c has shut down (its subscriptions dropped).
func closedConn(c *conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func containsUser(list []string, u string) bool { return indexUser(list, u) >= 0 }

func indexUser(list []string, u string) int {
	for i, v := range list {
		if v == u {
			return i
		}
	}
	return -1
}
