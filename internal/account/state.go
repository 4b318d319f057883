package account

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// Session state changes (login, logout, kick, disconnect) are not store
// writes, yet webhooks want them (State.StateChange) through the outbox.
// They get small writes of their own, off the path of the session: Record
// queues the change and returns at once (a login does not wait for a
// commit, and a kick, which runs on the event bus, never blocks), and the
// StateRecorder's loop writes whatever is queued in one transaction per
// round, so a login storm costs one commit per batch. A change is durable
// once its batch commits, normally within a commit's time; a crash before
// that loses it, as it loses the session it reports. The queue is bounded:
// past it changes are dropped, counted and logged, never waited for.
//
// Only changes some consumer wants are queued: an app without a
// state-change consumer pays one map lookup per login.

// StateQueue is how many state changes may wait for their write.
const StateQueue = 8192

// stateBatch bounds the entries of one write.
const stateBatch = 500

// StateRecorder writes session state changes to the outbox.
type StateRecorder struct {
	store  Store
	outbox *outbox.Producer
	log    *slog.Logger
	queue  chan store.OutboxEntry

	dropped, written atomic.Int64
	lastDropLog      atomic.Int64
	done             chan struct{}
}

// NewStateRecorder returns a recorder writing to st for the consumers of
// producer; Run starts its loop.
func NewStateRecorder(st Store, producer *outbox.Producer, logger *slog.Logger) *StateRecorder {
	if logger == nil {
		logger = slog.Default()
	}
	return &StateRecorder{store: st, outbox: producer, log: logger, queue: make(chan store.OutboxEntry, StateQueue),
		done: make(chan struct{})}
}

// Session is the session a state change is about.
type Session struct {
	App      store.AppID
	User     string
	Platform string
}

// RecordState queues a state change of a session: action and reason are
// outbox.Action* and outbox.Reason*, kickReason Parley's cause of a kick,
// kicked the platforms a login pushed out. It never blocks, and does
// nothing when there is no service or recorder, or nobody wants the
// change.
func (s *Service) RecordState(sess Session, action, reason, kickReason string, kicked ...string) {
	if s == nil || s.States == nil {
		return
	}
	r := s.States
	if !r.outbox.Wants(sess.App, outbox.KindStateChanged) {
		return
	}
	now := time.Now()
	p := outbox.StateChange{Info: outbox.StateInfo{Action: action, User: sess.User, Reason: reason},
		OptPlatform: sess.Platform, KickReason: kickReason, EventTime: now.UnixMilli()}
	for _, k := range kicked {
		p.KickedDevice = append(p.KickedDevice, outbox.KickedDevice{Platform: k})
	}
	e, err := outbox.Encode(sess.App, outbox.KindStateChanged, "u:"+sess.User, p)
	if err != nil {
		r.log.Error("state change not recorded", "err", err)
		return
	}
	e.CreatedAt = now.UnixMilli()
	select {
	case r.queue <- e:
	default:
		r.dropped.Add(1)
		if last := r.lastDropLog.Load(); now.UnixMilli()-last >= 1000 && r.lastDropLog.CompareAndSwap(last, now.UnixMilli()) {
			r.log.Warn("state changes dropped: the queue is full", "dropped_total", r.dropped.Load(), "queue", StateQueue)
		}
	}
}

// Dropped is how many state changes the full queue refused.
func (r *StateRecorder) Dropped() int64 { return r.dropped.Load() }

// Written is how many state changes were committed to the outbox.
func (r *StateRecorder) Written() int64 { return r.written.Load() }

// Run writes queued changes until ctx ends, then writes what is still
// queued (bounded by flushTimeout) and returns. A write under way when ctx
// ends is not cancelled: stopping must not lose the changes it carries.
func (r *StateRecorder) Run(ctx context.Context, flushTimeout time.Duration) {
	defer close(r.done)
	base := context.WithoutCancel(ctx)
	for {
		select {
		case e := <-r.queue:
			wctx, cancel := context.WithTimeout(base, stateWriteTimeout)
			r.write(wctx, e)
			cancel()
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(base, flushTimeout)
			defer cancel()
			for {
				select {
				case e := <-r.queue:
					r.write(fctx, e)
				default:
					return
				}
			}
		}
	}
}

// stateWriteTimeout bounds one write of state changes.
const stateWriteTimeout = 10 * time.Second

// Done is closed when Run has returned.
func (r *StateRecorder) Done() <-chan struct{} { return r.done }

// write commits first and whatever else is queued, up to stateBatch, in one
// transaction. A failed write is logged and its changes lost: retrying
// would hold the queue behind a store that is down.
func (r *StateRecorder) write(ctx context.Context, first store.OutboxEntry) {
	batch := []store.OutboxEntry{first}
	for more := true; more && len(batch) < stateBatch; {
		select {
		case e := <-r.queue:
			batch = append(batch, e)
		default:
			more = false
		}
	}
	err := r.store.Write(ctx, func(tx Tx) error {
		_, err := outbox.Append(ctx, tx, batch...)
		return err
	})
	if err != nil {
		r.log.Error("state changes not recorded", "count", len(batch), "err", err)
		return
	}
	r.written.Add(int64(len(batch)))
	r.outbox.Committed()
}
