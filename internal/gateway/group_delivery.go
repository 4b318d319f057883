package gateway

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/convid"
)

// Group delivery. A group event is encoded once and published once, on the
// group's broker subject; it is never expanded into one publish per member.
// Each node keeps an index of which of its sessions belong to which group
// and holds an interest in a group's subject exactly while one of its
// sessions is a member, so a node with no member online hears nothing of the
// group, and offline members cost nothing anywhere. The node that hears an
// event writes the same bytes to each of its member sessions.
//
// Membership comes from two places: at login the GroupDirectory says which
// groups the user is in, and afterwards the group service tells the gateway
// of each change (JoinedGroup, LeftGroup) once it is committed.

// GroupDirectory tells the gateway which groups a user is a member of. The
// gateway asks it when the first session of a user logs in on this node;
// later changes come through JoinedGroup and LeftGroup.
type GroupDirectory interface {
	// UserGroups returns the IDs of the groups user is a member of in app
	// (in any order; nil for none). It is called on the login's path, so
	// it must be an indexed read. An error fails the login.
	UserGroups(ctx context.Context, app uint64, user string) ([]string, error)
}

// MaxGroupPushUsers bounds GroupPush.Only and GroupPush.Except: the list
// travels in the envelope to every node with a member online.
const MaxGroupPushUsers = 1000

// GroupPush is one event for the online members of a group.
type GroupPush struct {
	// Frame is the complete WebSocket frame (see PushFrame), written as is
	// to every member session that hears it.
	Frame []byte
	// Origin is the connection the change came from (an event's Origin),
	// which is not sent it back; nil for none.
	Origin any
	// Only, when not nil, limits the event to these members (a message
	// targeted to some members). An empty non-nil list reaches nobody.
	Only []string
	// Except lists members who must not hear it (muted, blocked). Only and
	// Except are exclusive.
	Except []string
	// Seq is the group's seq when the event is a new stored message (0
	// otherwise): each node hands those to its sessions in seq order,
	// whichever order the commits' publishes reach it (group_order.go).
	// A topic's message has the topic's seq, ordered apart from the
	// community's and the other topics'.
	Seq uint64
	// EndedTopics, when the push reports topics of the community group
	// deleted (group.topic_deleted), lists them: each node hands out
	// what it held of them and forgets their order state. At most
	// group.MaxTopics, each a topic ID of group.
	EndedTopics []string
}

// ErrGroupPush is returned by PublishGroup for a push it cannot carry: the
// group service validates what clients send (with the group API's codes)
// before it gets here, so this is a caller's bug, not a client's error.
var ErrGroupPush = errors.New("gateway: invalid group push")

// PublishGroup sends p to every online session of every member of group, on
// every node, once. The cost here is one encode and one publish whatever the
// group's size: the fan-out to members happens on each node that has some.
// At most once, like every push: a member that misses it resyncs by seq.
func (g *Gateway) PublishGroup(app uint64, group string, p GroupPush) error {
	// A topic's events are its community's members' (convid.CommunityOf),
	// on the community's subject. A topic's new message names the topic
	// its seq belongs to: each node orders each topic's messages by the
	// topic's seqs, apart from the community's own (group_order.go).
	var topic string
	if community, ok := convid.CommunityOf(group); ok {
		if p.Seq != 0 {
			topic = group
		}
		group = community
	}
	env := groupEnvelope{app: app, group: group, node: g.nodeID, frame: p.Frame, seq: p.Seq, topic: topic}
	switch {
	case len(p.Frame) == 0:
		return fmt.Errorf("%w: empty frame", ErrGroupPush)
	case len(group) == 0 || len(group) > 255 || len(topic) > 255:
		return fmt.Errorf("%w: group ID must be 1 to 255 bytes", ErrGroupPush)
	case len(p.EndedTopics) > maxEndedTopics:
		return fmt.Errorf("%w: over %d ended topics", ErrGroupPush, maxEndedTopics)
	case p.Only != nil && p.Except != nil:
		return fmt.Errorf("%w: Only and Except are exclusive", ErrGroupPush)
	case p.Only != nil:
		env.mode, env.users = groupOnly, p.Only
		if len(p.Only) == 0 {
			return nil
		}
	case len(p.Except) > 0:
		env.mode, env.users = groupExcept, p.Except
	}
	if len(env.users) > MaxGroupPushUsers {
		return fmt.Errorf("%w: over 1000 listed members", ErrGroupPush)
	}
	for _, u := range env.users {
		if len(u) == 0 || len(u) > 255 {
			return fmt.Errorf("%w: a listed UserID must be 1 to 255 bytes", ErrGroupPush)
		}
	}
	for _, t := range p.EndedTopics {
		if len(t) > 255 || !isTopicOf(t, group) {
			return fmt.Errorf("%w: an ended topic must be a topic ID of %s", ErrGroupPush, group)
		}
	}
	env.endedTopics = p.EndedTopics
	if c, ok := p.Origin.(*conn); ok {
		env.origin = c.id
	}
	subject := broker.GroupSubject(app, group)
	if !g.mayListen(subject) {
		return nil
	}
	g.publishBytes(subject, env.encode())
	return nil
}

// JoinedGroup tells the gateway that user became a member of group; the
// group service calls it after the change is committed, in commit order for
// a given user. The user's sessions on this node start hearing the group's
// events (the node subscribes to the group if it had no member online).
func (g *Gateway) JoinedGroup(app uint64, group, user string) {
	g.membershipChanged(app, group, user, true)
}

// LeftGroup tells the gateway that user is no longer a member of group
// (left, kicked, group dismissed), after the change is committed.
func (g *Gateway) LeftGroup(app uint64, group, user string) {
	g.membershipChanged(app, group, user, false)
}

func (g *Gateway) membershipChanged(app uint64, group, user string, joined bool) {
	touched := g.groups.change(userKey{app, user}, group, joined)
	if touched == nil {
		return
	}
	if err := g.groups.reconcile(g.interest, *touched); err != nil {
		g.Logger.Warn("group subscription failed: its members on this node resync by seq",
			"sdkappid", app, "group", group, "error", err.Error())
	}
}

// joinGroups registers c (logged in as user) in the index and makes it a
// member of the user's groups, returning once this node is subscribed to
// each of them. On error c is in no group.
func (g *Gateway) joinGroups(c *conn, app uint64, user string) error {
	key := userKey{app, user}
	for attempt := 0; ; attempt++ {
		e, start, touched := g.groups.connect(c, key, g.Groups != nil)
		if e != nil {
			list, err := g.Groups.UserGroups(c.requestContext(), app, user)
			if err != nil {
				g.groups.loadFailed(e, key)
				g.leaveGroups(c, app, user)
				return err
			}
			var retry bool
			touched, retry = g.groups.loaded(e, key, start, list)
			if retry && attempt < 3 {
				// More membership changes arrived during the read than the
				// entry records: read again rather than guess.
				continue
			}
		}
		for _, k := range touched {
			if err := g.groups.reconcile(g.interest, k); err != nil {
				g.leaveGroups(c, app, user)
				return err
			}
		}
		return nil
	}
}

// leaveGroups takes c out of the index and of every group, unsubscribing
// from the groups it was the last local member of.
func (g *Gateway) leaveGroups(c *conn, app uint64, user string) {
	for _, k := range g.groups.disconnect(c, userKey{app, user}) {
		// Release cannot fail in a way that leaves anything to undo.
		_ = g.groups.reconcile(g.interest, k)
	}
}

// onGroupEnvelope queues a group event for this node's member sessions.
// It returns at once: the group's deliverer (one goroutine per group, while
// it has events queued) writes them, in order. When events arrive faster
// than the deliverer goes through the members, they queue, and the next
// pass gives each session all of them at once, so its flusher writes them
// in one system call instead of one each: under load, the cost per delivery
// falls instead of the queue growing.
func (g *Gateway) onGroupEnvelope(subject string, data []byte) {
	env, err := decodeGroupEnvelope(data)
	if err != nil {
		g.Logger.Warn("broker: dropped a malformed group envelope", "subject", subject)
		return
	}
	k := groupKey{env.app, env.group}
	sh := g.groups.groupShard(k)
	sh.mu.Lock()
	lg := sh.m[k]
	if lg == nil || len(lg.members) == 0 {
		sh.mu.Unlock()
		return
	}
	// Deleted topics' held messages go ahead of the deletion's push (this
	// moves them from held to pending: the queue's size is the same).
	lg.endTopics(env.endedTopics)
	if len(lg.pending)+lg.heldEvents >= maxQueuedGroupEvents || lg.pendingBytes+lg.heldBytes+len(env.frame) > maxQueuedGroupBytes {
		g.startDelivering(sh, lg)
		g.groupEventDropped(subject)
		return
	}
	if o := lg.admitOrdered(env); o != nil {
		// Held until the message before it in its stream arrives
		// (group_order.go).
		if wait := o.armTimer(); wait > 0 {
			topic := env.topic
			time.AfterFunc(wait, func() { g.releaseEarly(sh, k, lg, topic, o) })
		}
		sh.mu.Unlock()
		return
	}
	g.startDelivering(sh, lg)
}

// startDelivering starts lg's deliverer if it has none and some session
// may lack an event; the group's shard lock is held and released here.
func (g *Gateway) startDelivering(sh *groupShard, lg *localGroup) {
	start := !lg.delivering && lg.logEnd() > lg.swept
	if start {
		lg.delivering = true
	}
	sh.mu.Unlock()
	if start {
		go g.deliverGroup(sh, lg)
	}
}

// Bounds of the events queued on a node for one group's deliverer; past
// them an event is dropped (its members resync by seq), as a broker drops
// for a subscriber that falls behind.
const (
	maxQueuedGroupEvents = 1024
	maxQueuedGroupBytes  = 4 << 20
)

// deliverGroup sweeps lg's member sessions, giving each the events of the
// group's log it has not had, until every session has every event. No lock
// is held while pushing.
//
// The log (localGroup.pending, from index logBase) holds the events heard
// and not yet given to every session; each member session keeps the index
// of the first one it lacks (groupMember.next). A sweep goes over the
// member list once, in parts (sweepPart sessions), and looks at the log
// again before each part, so an event heard in the middle of a sweep
// reaches the sessions after that point in the same sweep and the ones
// before it in the next: in a room so big that a sweep takes a while, a
// message waits at most about one sweep for any session, not for the sweep
// under way to end and then for its own. Each session is written once per
// sweep, every event it lacks in one write.
//
// A sweep over many sessions starts at least passPause after the last one
// started, so that the events that arrive meanwhile go out together. At
// the end of a sweep every session it went over, and every one that joined
// since (a new member's next is the log's end at its join), has every event
// logged before the sweep began: those leave the log.
func (g *Gateway) deliverGroup(sh *groupShard, lg *localGroup) {
	sh.mu.Lock()
	for {
		lg.retire(lg.swept)
		end := lg.logEnd()
		if end == lg.swept {
			lg.delivering = false
			sh.mu.Unlock()
			return
		}
		members := lg.memberList()
		sh.mu.Unlock()
		start := time.Now()
		for part := members; len(part) > 0; {
			n := min(len(part), sweepPart)
			sh.mu.Lock()
			base, log := lg.logBase, lg.pending
			sh.mu.Unlock()
			g.pushGroupEvents(part[:n], base, log)
			part = part[n:]
			if g.testHookSweepPart != nil {
				g.testHookSweepPart(members, len(members)-len(part))
			}
		}
		if pause := g.passPause(len(members)) - time.Since(start); pause > 0 {
			time.Sleep(pause)
		}
		sh.mu.Lock()
		lg.swept = end
	}
}

// sweepPart is the number of member sessions a sweep gives events to
// before it looks at the group's log again for events heard meanwhile.
const sweepPart = 1024

// logEnd is the index after the last event in lg's log; the group's shard
// lock is held.
func (lg *localGroup) logEnd() uint64 { return lg.logBase + uint64(len(lg.pending)) }

// retire drops the log's events before index upTo (every session has
// them); the group's shard lock is held. Only the deliverer calls it,
// between sweeps, so no sweep is reading what it clears.
func (lg *localGroup) retire(upTo uint64) {
	k := int(min(upTo-min(upTo, lg.logBase), uint64(len(lg.pending))))
	if k == 0 {
		return
	}
	for i := range lg.pending[:k] {
		lg.pendingBytes -= len(lg.pending[i].frame)
		lg.pending[i] = groupEnvelope{}
	}
	lg.logBase += uint64(k)
	if lg.pending = lg.pending[k:]; len(lg.pending) == 0 {
		lg.pending = nil // the array goes with the last event
	}
}

// Pacing of a group's sweeps. A sweep costs each member session a write (a
// writev, and a read in the client) whatever number of events it carries,
// so a big room that swept once per message would spend its node's CPU on
// per-session overhead and fall behind: 20 messages a second to 19,000
// local members is 380,000 writes a second. Sweeps of a group with n local
// sessions start at most every n × the pause per session
// (DefaultGroupPassPausePerSession, Options.GroupPassPausePerSession; capped
// at maxPassPause), and each write carries every event that arrived during
// the pause. The cost is latency, at most the pause: none for a small group
// (under minPacedMembers it is not paced), 10 ms for 2,000 local members,
// 100 ms from 20,000. (A sweep over 19,000 sessions takes longer than that
// on a small machine: the sweeps then follow each other and the CPU sets
// the rate.)
const (
	DefaultGroupPassPausePerSession = 5 * time.Microsecond
	maxPassPause                    = 100 * time.Millisecond
	minPacedMembers                 = 200
)

// passPause is the least time between the starts of two passes of a group
// with members local sessions.
func (g *Gateway) passPause(members int) time.Duration {
	if members < minPacedMembers || g.passPausePerSession < 0 {
		return 0
	}
	return min(maxPassPause, time.Duration(members)*g.passPausePerSession)
}

// pushGroupEvents gives each of members the events of log (the group's log
// from index base) meant for it that it has not had, in order, and records
// that it has them. Every session gets the same bytes (encoded once, on
// the sending node), all of them in one write (conn.startFlush), so a
// burst costs a session one system call, and a pass costs a session no
// allocation (conn.spare). A member that left since the sweep took its list
// gets nothing more.
//
// A slow member is disconnected, never waited for: Push never blocks, and
// a session whose bounded queue (Options.MaxOutboundBytes) is full is
// closed at once, its queue dropped, while the pass goes on to the next
// member. Disconnecting rather than skipping its messages is deliberate:
// a room's messages carry no seq (nothing is stored), so a skipped one is
// a gap its client could never see; a closed socket is one it sees, and
// it comes back (reconnect, rejoin) with a fresh queue. The room and its
// other members never wait for it.
func (g *Gateway) pushGroupEvents(members []*groupMember, base uint64, log []groupEnvelope) {
	type filter struct {
		origin uint64 // the connection not to send it to; 0 none
		only   bool
		listed map[string]struct{}
	}
	end := base + uint64(len(log))
	filters := make([]filter, len(log))
	for i, env := range log {
		if env.origin != 0 && env.node == g.nodeID {
			filters[i].origin = env.origin
		}
		if env.mode != groupToAll {
			filters[i].only = env.mode == groupOnly
			filters[i].listed = make(map[string]struct{}, len(env.users))
			for _, u := range env.users {
				filters[i].listed[u] = struct{}{}
			}
		}
	}
	push := func(members []*groupMember) {
		frames := make([][]byte, 0, len(log))
		for _, m := range members {
			from := max(m.next, base)
			if from >= end || m.left.Load() {
				continue
			}
			m.next = end
			frames = frames[:0]
			for i := int(from - base); i < len(log); i++ {
				f := &filters[i]
				if f.origin != 0 && m.c.id == f.origin {
					continue
				}
				if f.listed != nil {
					if _, in := f.listed[m.user]; in != f.only {
						continue
					}
				}
				frames = append(frames, log[i].frame)
			}
			if len(frames) > 0 {
				m.c.pushFrames(frames)
			}
		}
	}
	// A session's writes happen on the goroutine that pushes to it (see
	// conn.startFlush), so a big pass is cut into one part per processor,
	// pushed side by side: each session is in one part, and a session's
	// events still leave in order, pass after pass.
	parts := min(runtime.GOMAXPROCS(0), len(members)/minParallelPassPart)
	if parts <= 1 {
		push(members)
		return
	}
	var wg sync.WaitGroup
	per := (len(members) + parts - 1) / parts
	for len(members) > per {
		part := members[:per]
		members = members[per:]
		wg.Go(func() { push(part) })
	}
	push(members)
	wg.Wait()
}

// minParallelPassPart is the fewest member sessions a pass gives one
// goroutine of its own: under it a pass is pushed by the deliverer alone.
const minParallelPassPart = 500

// groupEventDropped counts an event dropped for a group's full queue and
// logs at most one line a second about it.
func (g *Gateway) groupEventDropped(subject string) {
	dropped := g.groups.dropped.Add(1)
	now := time.Now().UnixNano()
	if last := g.groups.droppedLogged.Load(); now-last >= int64(time.Second) && g.groups.droppedLogged.CompareAndSwap(last, now) {
		g.Logger.Warn("group delivery behind: events dropped, the members resync by seq", "subject", subject,
			"dropped_so_far", dropped)
	}
}

// userKey (app, user) is ratelimit.go's.

type groupKey struct {
	app   uint64
	group string
}

// groupIndex is one node's view of group membership, for its online users
// only. Lock order: a user shard, then a group shard; delivery takes only a
// group shard, and for no longer than a copy of a group's member list.
type groupIndex struct {
	dropped       atomic.Uint64 // group events dropped for a full queue
	droppedLogged atomic.Int64  // unix ns of the last line about it
	seed          maphash.Seed
	users         [groupIndexShards]userShard
	groups        [groupIndexShards]groupShard
}

const groupIndexShards = 64

// maxPendingChanges bounds the membership changes an online user's entry
// records while its groups are being read; past it the read is retried.
const maxPendingChanges = 256

type userShard struct {
	mu sync.Mutex
	m  map[userKey]*onlineUser
}

type groupShard struct {
	mu sync.Mutex
	m  map[groupKey]*localGroup
}

// onlineUser is a user with at least one session on this node.
type onlineUser struct {
	conns  []*conn             // the user's sessions on this node (a few: a slice, not a map)
	groups map[string]struct{} // the user's groups, as far as this node knows
	known  bool                // groups was read from the directory
	// While reads of the directory are in flight (loading > 0), changes
	// that arrive are recorded in order and replayed on top of each read,
	// since the read may or may not have seen them.
	loading  int
	changes  []membershipChange
	overflow bool
}

type membershipChange struct {
	group  string
	joined bool
}

// localGroup is a group with a local member session, or one whose
// subscription is being taken or given back.
type localGroup struct {
	members map[*conn]*groupMember
	// snapshot is members as a list for delivery, rebuilt by the first
	// delivery after a change: joins cost a map insert, and a delivery
	// holds the shard lock for at most one copy of the list.
	snapshot []*groupMember
	held     bool          // this node holds an interest in the group's subject
	syncing  chan struct{} // non-nil while one goroutine aligns held with members

	// The log: events heard and not yet given to every member session,
	// the first of them the logBase-th event the node heard of the group;
	// swept is the index up to which every session has them; and whether
	// the deliverer goroutine exists (see deliverGroup).
	pending      []groupEnvelope
	pendingBytes int
	logBase      uint64
	swept        uint64
	delivering   bool
	// order puts new messages back in seq order before they are pending;
	// topics does for each topic of a community, by the topic's seqs
	// (nil while none has a state); heldEvents and heldBytes are what all
	// of them hold (group_order.go).
	order       seqOrder
	topics      map[string]*topicOrder
	topicsSwept time.Time
	heldEvents  int
	heldBytes   int
}

// groupMember is one member session of a localGroup.
type groupMember struct {
	c    *conn
	user string
	// next is the log index of the first event the session lacks: the
	// log's end when it joined, then moved by the deliverer alone (one
	// goroutine per member at a time; see deliverGroup).
	next uint64
	// left is set when the session leaves the group: a sweep that took
	// the member list before gives it nothing more.
	left atomic.Bool
}

func newGroupIndex() *groupIndex {
	x := &groupIndex{seed: maphash.MakeSeed()}
	for i := range x.users {
		x.users[i].m = map[userKey]*onlineUser{}
		x.groups[i].m = map[groupKey]*localGroup{}
	}
	return x
}

func (x *groupIndex) userShard(k userKey) *userShard {
	return &x.users[(maphash.String(x.seed, k.user)^k.app)%groupIndexShards]
}

func (x *groupIndex) groupShard(k groupKey) *groupShard {
	return &x.groups[(maphash.String(x.seed, k.group)^k.app)%groupIndexShards]
}

// connect adds c to its user's entry. If the user's groups are known it
// joins them now and returns them as touched; otherwise, when load is true,
// it returns the entry and the position in its change record from which the
// caller, after reading the directory, passes the result to loaded.
func (x *groupIndex) connect(c *conn, k userKey, load bool) (e *onlineUser, start int, touched []groupKey) {
	sh := x.userShard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	u := sh.m[k]
	if u == nil {
		// groups stays nil while empty: most online users' maps would be.
		u = &onlineUser{known: !load}
		sh.m[k] = u
	}
	if !slices.Contains(u.conns, c) { // a retried connect
		u.conns = append(u.conns, c)
	}
	for gr := range u.groups {
		gk := groupKey{k.app, gr}
		x.addMember(gk, c, k.user)
		touched = append(touched, gk)
	}
	if u.known {
		return nil, 0, touched
	}
	u.loading++
	return u, len(u.changes), touched
}

// loaded applies a directory read begun at change position start: the read
// with the changes recorded since replayed on it becomes the user's groups,
// and every session of the user is made a member of exactly those. It
// returns the groups touched, and retry when the changes overflowed.
func (x *groupIndex) loaded(e *onlineUser, k userKey, start int, list []string) (touched []groupKey, retry bool) {
	sh := x.userShard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.m[k] != e {
		// Every session of the user left meanwhile.
		return nil, false
	}
	defer x.endLoad(e)
	if e.overflow {
		return nil, true
	}
	var groups map[string]struct{} // nil while empty (written only by the loops below)
	if len(list) > 0 || len(e.changes) > start {
		groups = make(map[string]struct{}, len(list))
	}
	for _, gr := range list {
		groups[gr] = struct{}{}
	}
	for _, ch := range e.changes[start:] {
		if ch.joined {
			groups[ch.group] = struct{}{}
		} else {
			delete(groups, ch.group)
		}
	}
	for gr := range e.groups {
		if _, still := groups[gr]; !still {
			gk := groupKey{k.app, gr}
			for _, c := range e.conns {
				x.removeMember(gk, c)
			}
			touched = append(touched, gk)
		}
	}
	for gr := range groups {
		gk := groupKey{k.app, gr}
		for _, c := range e.conns {
			x.addMember(gk, c, k.user)
		}
		touched = append(touched, gk)
	}
	e.groups, e.known = groups, true
	return touched, false
}

// loadFailed ends a load that got no answer.
func (x *groupIndex) loadFailed(e *onlineUser, k userKey) {
	sh := x.userShard(k)
	sh.mu.Lock()
	if sh.m[k] == e {
		x.endLoad(e)
	}
	sh.mu.Unlock()
}

func (x *groupIndex) endLoad(e *onlineUser) {
	if e.loading--; e.loading == 0 {
		e.changes, e.overflow = nil, false
	}
}

// change records that user joined or left group. It returns the group to
// reconcile, or nil when the user has no session here (its next login reads
// the directory).
func (x *groupIndex) change(k userKey, group string, joined bool) *groupKey {
	sh := x.userShard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	u := sh.m[k]
	if u == nil {
		return nil
	}
	if u.loading > 0 {
		if len(u.changes) < maxPendingChanges {
			u.changes = append(u.changes, membershipChange{group, joined})
		} else {
			u.overflow = true
		}
	}
	gk := groupKey{k.app, group}
	if joined {
		if u.groups == nil {
			u.groups = map[string]struct{}{}
		}
		u.groups[group] = struct{}{}
		for _, c := range u.conns {
			x.addMember(gk, c, k.user)
		}
	} else {
		delete(u.groups, group)
		for _, c := range u.conns {
			x.removeMember(gk, c)
		}
	}
	return &gk
}

// disconnect takes c out of its user's entry and out of every group,
// returning the groups to reconcile.
func (x *groupIndex) disconnect(c *conn, k userKey) (touched []groupKey) {
	sh := x.userShard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	u := sh.m[k]
	if u == nil {
		return nil
	}
	i := slices.Index(u.conns, c)
	if i < 0 {
		return nil
	}
	u.conns = slices.Delete(u.conns, i, i+1)
	for gr := range u.groups {
		gk := groupKey{k.app, gr}
		x.removeMember(gk, c)
		touched = append(touched, gk)
	}
	if len(u.conns) == 0 {
		delete(sh.m, k)
	}
	return touched
}

// addMember and removeMember are called with the user's shard locked.
func (x *groupIndex) addMember(k groupKey, c *conn, user string) {
	sh := x.groupShard(k)
	sh.mu.Lock()
	lg := sh.m[k]
	if lg == nil {
		lg = &localGroup{members: map[*conn]*groupMember{}}
		sh.m[k] = lg
	}
	if _, in := lg.members[c]; !in {
		lg.members[c] = &groupMember{c: c, user: user, next: lg.logEnd()}
		lg.snapshot = nil
	}
	sh.mu.Unlock()
}

func (x *groupIndex) removeMember(k groupKey, c *conn) {
	sh := x.groupShard(k)
	sh.mu.Lock()
	if lg := sh.m[k]; lg != nil {
		if m := lg.members[c]; m != nil {
			m.left.Store(true)
			delete(lg.members, c)
			lg.snapshot = nil
		}
	}
	sh.mu.Unlock()
}

// members returns the group's local member sessions. The list is shared
// and never changed once built: a change builds the next one.
func (x *groupIndex) members(k groupKey) []*groupMember {
	sh := x.groupShard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	lg := sh.m[k]
	if lg == nil {
		return nil
	}
	return lg.memberList()
}

// memberList is members as a list, built once per change; the group's
// shard lock must be held.
func (lg *localGroup) memberList() []*groupMember {
	if lg.snapshot == nil && len(lg.members) > 0 {
		s := make([]*groupMember, 0, len(lg.members))
		for _, m := range lg.members {
			s = append(s, m)
		}
		lg.snapshot = s
	}
	return lg.snapshot
}

// reconcile makes this node hold an interest in k's subject exactly when k
// has a local member, and returns once it does (or the subscription
// failed). One goroutine at a time changes a group's interest, with no
// index lock held across Acquire or Release (on NATS they write to the
// connection); the others wait for it and look again, so acquires and
// releases of a group never cross.
func (x *groupIndex) reconcile(in *broker.Interest, k groupKey) error {
	sh := x.groupShard(k)
	subject := broker.GroupSubject(k.app, k.group)
	sh.mu.Lock()
	for {
		lg := sh.m[k]
		if lg == nil {
			sh.mu.Unlock()
			return nil
		}
		want := len(lg.members) > 0
		if lg.syncing != nil {
			wait := lg.syncing
			sh.mu.Unlock()
			<-wait
			sh.mu.Lock()
			continue
		}
		if want == lg.held {
			if !want {
				delete(sh.m, k)
			}
			sh.mu.Unlock()
			return nil
		}
		done := make(chan struct{})
		lg.syncing = done
		sh.mu.Unlock()
		var err error
		if want {
			err = in.Acquire(subject)
		} else {
			in.Release(subject)
		}
		sh.mu.Lock()
		if err == nil {
			lg.held = want
		}
		lg.syncing = nil
		close(done)
		if err != nil {
			if len(lg.members) == 0 && !lg.held {
				delete(sh.m, k)
			}
			sh.mu.Unlock()
			return err
		}
	}
}

// heldGroups is the number of groups this node is subscribed to (tests).
func (x *groupIndex) heldGroups() int {
	n := 0
	for i := range x.groups {
		sh := &x.groups[i]
		sh.mu.Lock()
		for _, lg := range sh.m {
			if lg.held {
				n++
			}
		}
		sh.mu.Unlock()
	}
	return n
}
