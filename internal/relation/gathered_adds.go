package relation

import (
	"context"
	"sync"
	"time"

	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/gather"
	"github.com/parleyim/parley/internal/store"
)

// gatheredAdds gathers AddFriends calls that arrive while others are being
// written and writes them together (package gather), one transaction body
// for all: every account of every call locked in one statement, every
// call's relation read in one more (ReadRelationsAhead), then every call's
// decisions and writes, whose rows and seq bumps ride together on the one
// change-log append of all their events. On PostgreSQL a batch of calls
// then costs about four statements with its BEGIN and COMMIT, where each
// call alone costs three in its group commit.
//
// Calls written together touch disjoint users (a call's sender and
// receivers): each call's read is then what it would have read alone, since
// no other call of the write changes those users' rows, and its answers
// are the same. A call that shares a user with one already taken waits for
// a later write (takeDisjoint).
//
// A gathered write that fails commits nothing, and each of its calls is
// then written alone, so one call's failure is its own.
type gatheredAdds struct {
	once  sync.Once
	queue gather.Queue[*gatheredAdd]
}

const (
	// maxAddWriters bounds the gathered writes under way at once.
	maxAddWriters = 2
	// maxGatheredAdds and maxGatheredUsers bound one gathered write: its
	// calls, and the accounts its one lock statement names.
	maxGatheredAdds  = 64
	maxGatheredUsers = 1000
	// maxQueuedAdds bounds the calls waiting for a gathered write; past it
	// a call is written alone.
	maxQueuedAdds = 4096
)

type gatheredAdd struct {
	ctx  context.Context
	call *addCall
	err  error
	done chan struct{}
}

// users is every account c's write locks.
func (c *addCall) users() []string { return append([]string{c.from}, c.peers...) }

// addQueue is the service's queue of gathered calls, set up on first use.
func (s *Service) addQueue() *gather.Queue[*gatheredAdd] {
	g := &s.adds
	g.once.Do(func() {
		g.queue.Write, g.queue.Take, g.queue.MaxWriters, g.queue.MaxQueued = s.writeAdds, takeDisjoint, maxAddWriters, maxQueuedAdds
	})
	return &g.queue
}

// addGathered queues c and returns once it is written (or failed).
func (s *Service) addGathered(ctx context.Context, c *addCall) ([]ItemResult, error) {
	g := &gatheredAdd{ctx: ctx, call: c, done: make(chan struct{})}
	if !s.addQueue().Add(g) {
		return s.addAlone(ctx, c)
	}
	// Once queued a call is waited for even if ctx ends: returning early
	// would let a caller report failure for a write that then commits.
	<-g.done
	if g.err != nil {
		return nil, g.err
	}
	return c.results, nil
}

// takeDisjoint takes from queued, in order, the calls of the first one's
// app whose users no call taken before has, within the bounds; the others
// are left, compacted at the front of queued.
func takeDisjoint(queued []*gatheredAdd) (batch, rest []*gatheredAdd) {
	app := queued[0].call.a.SDKAppID
	taken := map[string]bool{}
	rest = queued[:0]
	for _, g := range queued {
		users := g.call.users()
		fits := len(batch) < maxGatheredAdds && g.call.a.SDKAppID == app && len(taken)+len(users) <= maxGatheredUsers
		for _, u := range users {
			if !fits {
				break
			}
			fits = !taken[u]
		}
		// The first call always goes, whatever its size.
		if !fits && len(batch) > 0 {
			rest = append(rest, g)
			continue
		}
		for _, u := range users {
			taken[u] = true
		}
		batch = append(batch, g)
	}
	return batch, rest
}

// writeAdds writes a batch of calls in one write and answers each; if the
// write fails, each is written alone.
func (s *Service) writeAdds(batch []*gatheredAdd) {
	if len(batch) == 1 {
		g := batch[0]
		_, g.err = s.addAlone(g.ctx, g.call)
		close(g.done)
		return
	}
	a := batch[0].call.a
	var users []string
	for _, g := range batch {
		users = append(users, g.call.users()...)
	}
	// The write is the batch's, not any one caller's: no caller's end may
	// stop it (each waits for its answer anyway).
	ctx := context.WithoutCancel(batch[0].ctx)
	err := s.Store.Write(ctx, func(tx Tx) error {
		// Every account at once, in one order; each call's own lock of its
		// accounts then finds them held.
		if err := tx.LockAccounts(ctx, a.SDKAppID, users...); err != nil {
			return err
		}
		// Every call's read, in one statement where the engine can.
		qs := make([]store.RelationQuery, len(batch))
		for i, g := range batch {
			qs[i] = store.RelationQuery{Owner: g.call.from, Peers: g.call.peers}
		}
		if err := tx.ReadRelationsAhead(ctx, a.SDKAppID, qs, addTags); err != nil {
			return err
		}
		// Each call's work runs with its own request's values (the
		// caller's platform and address in its outbox entries), not the
		// batch's.
		for _, g := range batch {
			if err := s.loadAdd(context.WithoutCancel(g.ctx), tx, g.call); err != nil {
				return err
			}
		}
		var all []event.Event
		for _, g := range batch {
			c, cctx := g.call, context.WithoutCancel(g.ctx)
			if err := s.applyAdd(cctx, c); err != nil {
				return err
			}
			// The call's outbox entries, as addAlone's write appends them.
			if err := s.withOutbox(cctx, c.a, &c.events, c.meta(), func(Tx) error { return nil })(tx); err != nil {
				return err
			}
			all = append(all, c.events...)
		}
		logged, err := event.Record(ctx, tx, time.Now().Unix(), all)
		if err != nil {
			return err
		}
		splitLogged(batch, logged)
		return nil
	})
	if err != nil {
		for _, g := range batch {
			_, g.err = s.addAlone(g.ctx, g.call)
			close(g.done)
		}
		return
	}
	for _, g := range batch {
		s.Events.Publish(g.call.events...)
		s.outboxCommitted(g.call.a, g.call.events)
		close(g.done)
	}
}

// splitLogged gives each call its events as logged, with their seqs.
// Record returns the events in their order, less those of users without an
// account (all of such a user's), so each call's events are matched in
// order by user and kind.
func splitLogged(batch []*gatheredAdd, logged []event.Event) {
	j := 0
	for _, g := range batch {
		c := g.call
		out := c.events[:0:0]
		for _, e := range c.events {
			if j < len(logged) && logged[j].User == e.User && logged[j].Kind == e.Kind {
				out = append(out, logged[j])
				j++
			}
		}
		c.events = out
	}
}
