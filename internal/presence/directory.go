package presence

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/store"
)

// Directory timing: a node renews its liveness every DefaultRenewEvery for
// DefaultNodeTTL, so it survives two missed renewals (a slow database, a
// long GC) before the other nodes stop counting its sessions. A dead node's
// sessions marked kicked are kept DefaultKickRetention after the kick, so a
// node cut off for up to that long still ends them when it comes back.
const (
	DefaultRenewEvery    = 10 * time.Second
	DefaultNodeTTL       = 30 * time.Second
	DefaultKickRetention = time.Hour
)

// kickBatch bounds the marked rows one statement reads and one write
// deletes when this node catches up with its kicks.
const kickBatch = 500

// Directory makes presence cluster-wide: every session of every node sharing
// the store is a row of its session directory (store.Sessions), so the
// login policy counts a user's sessions on all nodes, a kick finds them
// wherever they are, and online status answers for the whole cluster.
//
// Why the store and not the broker: the policy needs an answer that two
// nodes logging in the same user at once agree on. The login reads the
// user's live sessions and writes its outcome in one write transaction
// under the user's account lock, so concurrent logins of a user serialise
// (on SQLite, the single writer does the same) and each sees the other's.
// The broker is at most once; it only carries the kicks that follow.
//
// Kicks are durable. A session pushed out on another node, or kicked by
// REST, is not deleted by the deciding transaction but marked kicked with
// the reason and time (store.Sessions): from the commit on it counts for
// no policy and no online status. The owning node ends it when the kick
// envelope arrives (TakeKicked, the fast path) and otherwise on its next
// liveness pass or broker reconnect, which reads its marked rows
// (CatchUpKicks, the slow path), so a lost envelope delays a kick by at
// most RenewEvery. Either way the row is deleted once the session is told.
//
// Liveness: the node's row in the nodes table is renewed every RenewEvery
// for NodeTTL (Run); a node that stops renewing (crashed, cut off) has its
// sessions ignored once its row lapses, and any node's next pass deletes
// them. A node that finds its own row gone (it was cut off past the TTL and
// pruned) writes its local sessions again. A clean stop deletes the node's
// rows (Leave).
//
// The Registry stays this node's map from sessions to endpoints; the
// Directory inserts into it before the login's transaction, so a kick sent
// by another node as soon as the row is visible finds the session here.
type Directory struct {
	Store  Store
	Node   uint64
	Local  *Registry
	Logger *slog.Logger
	// RenewEvery, NodeTTL and KickRetention: zero takes the defaults.
	RenewEvery    time.Duration
	NodeTTL       time.Duration
	KickRetention time.Duration

	// leaving holds the sessions that ended on this node and whose rows
	// are not deleted yet: ends are batched into one write (a drained node
	// closes thousands at once), and a login applies them first, so a
	// session that left before a login began is never counted by it.
	mu       sync.Mutex
	leaving  []store.SessionKey
	flushing bool // a flusher goroutine is running; it exits when leaving is empty

	wakeOnce sync.Once
	wake     chan struct{} // Wake's signal to Run: catch up with kicks now
}

// Remote is a session on another node that must be kicked there.
type Remote = store.SessionRow

// Kicks is what a login or a kick pushed out: this node's sessions, already
// unregistered here, to kick directly, and other nodes' to ask them to kick,
// all with Reason.
type Kicks struct {
	Local  []*Session
	Remote []Remote
	Reason string
}

func (d *Directory) ttl() time.Duration {
	if d.NodeTTL > 0 {
		return d.NodeTTL
	}
	return DefaultNodeTTL
}

func (d *Directory) kickRetention() time.Duration {
	if d.KickRetention > 0 {
		return d.KickRetention
	}
	return DefaultKickRetention
}

func (d *Directory) wakeCh() chan struct{} {
	d.wakeOnce.Do(func() { d.wake = make(chan struct{}, 1) })
	return d.wake
}

// Wake asks Run to catch up with this node's kicks now rather than at the
// next renewal: the broker reconnected, and envelopes sent meanwhile were
// lost. It never blocks (a broker's callback calls it); wakes coalesce.
func (d *Directory) Wake() {
	select {
	case d.wakeCh() <- struct{}{}:
	default:
	}
}

func (d *Directory) renewEvery() time.Duration {
	if d.RenewEvery > 0 {
		return d.RenewEvery
	}
	return DefaultRenewEvery
}

func nowMillis() int64 { return time.Now().UnixMilli() }

// Register writes this node's liveness once; a node calls it before it
// serves, so its first logins count.
func (d *Directory) Register(ctx context.Context) error {
	_, err := d.renew(ctx)
	return err
}

func (d *Directory) renew(ctx context.Context) (existed bool, err error) {
	until := time.Now().Add(d.ttl()).UnixMilli()
	err = d.Store.Write(ctx, func(tx Tx) (err error) {
		existed, err = tx.RenewNode(ctx, d.Node, until)
		return err
	})
	return existed, errcode.Wrapf(err, "presence: renew node %d", d.Node)
}

// Run renews this node's liveness, catches up with its kicks and prunes
// dead nodes every RenewEvery, and catches up with its kicks whenever woken
// (Wake), until ctx ends.
func (d *Directory) Run(ctx context.Context) {
	t := time.NewTicker(d.renewEvery())
	defer t.Stop()
	wake := d.wakeCh()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.Maintain(ctx)
		case <-wake:
			d.catchUp(ctx)
		}
	}
}

// Maintain is one liveness pass: renew this node, end its sessions marked
// kicked whose envelope it missed (before re-announcing its sessions if its
// row had been pruned, so a kicked one is not announced again), and prune
// the nodes past their TTL.
func (d *Directory) Maintain(ctx context.Context) {
	existed, err := d.renew(ctx)
	if err != nil {
		d.logger().Warn("presence: renewing this node failed; other nodes stop counting its sessions after the TTL",
			"error", err.Error(), "ttl", d.ttl())
		return
	}
	d.catchUp(ctx)
	if !existed {
		d.reannounce(ctx)
	}
	var pruned int64
	now := time.Now()
	if err := d.Store.Write(ctx, func(tx Tx) (err error) {
		pruned, err = tx.PruneNodes(ctx, now.UnixMilli(), now.Add(-d.kickRetention()).UnixMilli())
		return err
	}); err != nil {
		d.logger().Warn("presence: pruning dead nodes failed", "error", err.Error())
	} else if pruned > 0 {
		d.logger().Info("presence: removed the sessions of nodes that stopped renewing", "sessions", pruned)
	}
}

func (d *Directory) catchUp(ctx context.Context) {
	n, err := d.CatchUpKicks(ctx)
	if err != nil {
		d.logger().Warn("presence: reading this node's kicked sessions failed; retried at the next renewal",
			"error", err.Error(), "every", d.renewEvery())
	}
	if n > 0 {
		d.logger().Info("presence: ended sessions kicked by another node whose kick envelope was lost", "sessions", n)
	}
}

// CatchUpKicks ends this node's sessions that the directory marks kicked
// (their envelope was lost, or is still on its way), each told the recorded
// reason, then deletes those rows, kickBatch at a time until none is left.
// It reports how many sessions it ended; a marked row whose session has
// already ended here is only deleted. Endpoint.Kick does not block, and no
// lock is held across the store calls.
func (d *Directory) CatchUpKicks(ctx context.Context) (int, error) {
	ended := 0
	for {
		var rows []store.SessionRow
		if err := d.Store.Read(ctx, func(tx Tx) (err error) {
			rows, err = tx.KickedSessions(ctx, d.Node, kickBatch)
			return err
		}); err != nil {
			return ended, errcode.Wrapf(err, "presence: read the kicked sessions of node %d", d.Node)
		}
		if len(rows) == 0 {
			return ended, nil
		}
		keys := make([]store.SessionKey, len(rows))
		for i, r := range rows {
			keys[i] = store.SessionKey{Node: r.Node, Conn: r.Conn}
			if s := d.Local.Take(uint64(r.App), r.User, r.Conn); s != nil {
				s.Endpoint.Kick(r.KickedReason)
				ended++
			}
		}
		// Deleted only after the sessions were told: a failure here leaves
		// the rows for the next pass, whose Take finds nothing to tell.
		if err := d.Store.Write(ctx, func(tx Tx) error {
			_, err := tx.DeleteSessions(ctx, keys)
			return err
		}); err != nil {
			return ended, errcode.Wrapf(err, "presence: delete %d kicked sessions of node %d", len(keys), d.Node)
		}
		if len(rows) < kickBatch {
			return ended, nil
		}
	}
}

// TakeKicked unregisters user's session conn of this node, kicked by
// another node's decision whose envelope just arrived, and returns it for
// the caller to tell (nil if it has ended meanwhile). Its marked row is
// deleted soon either way, batched with the ended sessions (Leave).
func (d *Directory) TakeKicked(app uint64, user string, conn uint64) *Session {
	s := d.Local.Take(app, user, conn)
	d.forget(store.SessionKey{Node: d.Node, Conn: conn})
	return s
}

// reannounce writes every local session again after this node's rows were
// pruned (it was cut off past its TTL while its clients stayed connected).
// They count as the newest of their users: their old order is lost.
func (d *Directory) reannounce(ctx context.Context) {
	all := d.Local.All()
	const batch = 256
	for len(all) > 0 {
		part := all[:min(batch, len(all))]
		all = all[len(part):]
		if err := d.Store.Write(ctx, func(tx Tx) error {
			for _, s := range part {
				if _, err := tx.PutSession(ctx, d.row(s)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			d.logger().Warn("presence: re-announcing this node's sessions failed", "error", err.Error())
			return
		}
	}
	d.logger().Warn("presence: this node had been pruned as dead; its sessions are announced again", "sessions", d.Local.Count())
}

func (d *Directory) row(s *Session) store.SessionRow {
	return store.SessionRow{App: store.AppID(s.App), User: s.User, Node: d.Node, Conn: s.ID, Platform: s.Platform,
		Instance: s.Instance, LoginAt: s.LoginAt.UnixMilli()}
}

// Login registers s, on this node and in the directory, and applies the
// login policy (PushedOut, limit for s's platform) over the user's live
// sessions on every node, all in one write transaction after locking the
// user's account; guard, if not nil, runs first in it (the gateway checks
// the UserSig was not voided by a kick, so a login racing a kick either
// sees the kick or is seen by it). The sessions pushed out are returned,
// this node's ones unregistered here and deleted from the directory in the
// same transaction, the other nodes' marked kicked there with the reason
// (so they count no more, even if the kick envelope is lost). On an error
// nothing is registered.
func (d *Directory) Login(ctx context.Context, s *Session, limit int, guard func(ctx context.Context, tx store.UserSigBounds) error) (Kicks, error) {
	d.Local.Insert(s)
	left := d.takeLeaving()
	var out []store.SessionRow
	var reason string
	err := d.Store.Write(ctx, func(tx Tx) error {
		out, reason = nil, ""
		if err := tx.LockAccounts(ctx, store.AppID(s.App), s.User); err != nil {
			return err
		}
		if guard != nil {
			if err := guard(ctx, tx); err != nil {
				return err
			}
		}
		if len(left) > 0 {
			if _, err := tx.DeleteSessions(ctx, left); err != nil {
				return err
			}
		}
		live, err := tx.LiveSessions(ctx, store.AppID(s.App), s.User, nowMillis())
		if err != nil {
			return err
		}
		platforms := make([]string, len(live))
		for i, r := range live {
			platforms[i] = r.Platform
		}
		var idx []int
		idx, reason = PushedOut(platforms, s.Platform, limit)
		var own, others []store.SessionKey
		for _, j := range idx {
			out = append(out, live[j])
			k := store.SessionKey{Node: live[j].Node, Conn: live[j].Conn}
			if k.Node == d.Node {
				own = append(own, k)
			} else {
				others = append(others, k)
			}
		}
		if _, err := tx.DeleteSessions(ctx, own); err != nil {
			return err
		}
		if _, err := tx.MarkSessionsKicked(ctx, others, reason, nowMillis()); err != nil {
			return err
		}
		_, err = tx.PutSession(ctx, d.row(s))
		return err
	})
	if err != nil {
		d.Local.Remove(s)
		d.requeueLeaving(left)
		return Kicks{}, errcode.Wrapf(err, "presence: log %s in", s.User)
	}
	return d.split(out, reason), nil
}

// split sorts pushed-out rows into this node's sessions (unregistered here)
// and other nodes'.
func (d *Directory) split(rows []store.SessionRow, reason string) Kicks {
	k := Kicks{Reason: reason}
	for _, r := range rows {
		if r.Node != d.Node {
			k.Remote = append(k.Remote, r)
			continue
		}
		if s := d.Local.Take(uint64(r.App), r.User, r.Conn); s != nil {
			k.Local = append(k.Local, s)
		}
	}
	return k
}

// Leave unregisters s here and deletes its row soon: ends are batched into
// one write by a flusher goroutine that exists while ends are pending (a
// draining node closes thousands at once), and a login on this node applies
// the pending ones first. It never blocks on the store, so a closing
// connection does not wait for a write.
func (d *Directory) Leave(s *Session) {
	if s == nil {
		return
	}
	d.Local.Remove(s)
	d.forget(store.SessionKey{Node: d.Node, Conn: s.ID})
}

// forget queues the deletion of this node's row k (see Leave).
func (d *Directory) forget(k store.SessionKey) {
	d.mu.Lock()
	d.leaving = append(d.leaving, k)
	start := !d.flushing
	d.flushing = true
	d.mu.Unlock()
	if start {
		go d.flushLeaving()
	}
}

func (d *Directory) takeLeaving() []store.SessionKey {
	d.mu.Lock()
	defer d.mu.Unlock()
	l := d.leaving
	d.leaving = nil
	return l
}

func (d *Directory) requeueLeaving(keys []store.SessionKey) {
	if len(keys) == 0 {
		return
	}
	d.mu.Lock()
	d.leaving = append(d.leaving, keys...)
	d.mu.Unlock()
}

// flushLeaving deletes the rows of the sessions that ended until none is
// pending; a failed write is retried a second later (the rows meanwhile
// count as online, and vanish with the node if it dies).
func (d *Directory) flushLeaving() {
	for {
		d.mu.Lock()
		left := d.leaving
		d.leaving = nil
		if len(left) == 0 {
			d.flushing = false
			d.mu.Unlock()
			return
		}
		d.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := d.Store.Write(ctx, func(tx Tx) error {
			_, err := tx.DeleteSessions(ctx, left)
			return err
		})
		cancel()
		if err != nil {
			d.requeueLeaving(left)
			d.logger().Warn("presence: deleting ended sessions failed; retrying", "sessions", len(left), "error", err.Error())
			time.Sleep(time.Second)
		}
	}
}

// KickUser ends every session of user in the directory, on every node, and
// returns them to be kicked with reason: this node's (every local session
// of the user, also one whose login is still committing; their rows are
// deleted) and the other nodes' (marked kicked, so they count no more and
// their nodes end them even if the kick envelope is lost). A session marked
// kicked already keeps its first reason and is not returned.
func (d *Directory) KickUser(ctx context.Context, app uint64, user, reason string) (Kicks, error) {
	var rows []store.SessionRow
	err := d.Store.Write(ctx, func(tx Tx) (err error) {
		rows, err = tx.KickUserSessions(ctx, store.AppID(app), user, d.Node, reason, nowMillis())
		return err
	})
	if err != nil {
		return Kicks{}, errcode.Wrapf(err, "presence: kick %s", user)
	}
	k := Kicks{Reason: reason, Local: d.Local.RemoveAll(app, user)}
	for _, r := range rows {
		if r.Node != d.Node {
			k.Remote = append(k.Remote, r)
		}
	}
	return k, nil
}

// Online returns, for each of users with a session on a live node, the
// platforms of their sessions, oldest first, read in one statement per 500
// users.
func (d *Directory) Online(ctx context.Context, app uint64, users []string) (map[string][]string, error) {
	var rows map[string][]store.SessionRow
	if err := d.Store.Read(ctx, func(tx Tx) (err error) {
		rows, err = tx.OnlineSessions(ctx, store.AppID(app), users, nowMillis())
		return err
	}); err != nil {
		return nil, errcode.Wrapf(err, "presence: online status of %d users", len(users))
	}
	out := make(map[string][]string, len(rows))
	for u, rs := range rows {
		ps := make([]string, len(rs))
		for i, r := range rs {
			ps[i] = r.Platform
		}
		out[u] = ps
	}
	return out, nil
}

// Stop deletes this node and its sessions from the directory: a clean
// shutdown, after its connections closed, so the other nodes stop counting
// them at once rather than after the TTL.
func (d *Directory) Stop(ctx context.Context) error {
	d.takeLeaving()
	err := d.Store.Write(ctx, func(tx Tx) error { return tx.DeleteNode(ctx, d.Node) })
	return errcode.Wrapf(err, "presence: delete node %d", d.Node)
}

func (d *Directory) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.Default()
}
