package message

import (
	"context"
	"sync"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/gather"
	"github.com/parleyim/parley/internal/store"
)

// checkedSends gathers admins' checked sends (the REST door's sendmsg) that
// arrive while others are being written, and writes them together
// (package gather): one AppendCheckedMessages for all of them, which on
// PostgreSQL is one statement however many there are, where each alone
// would be a statement of its own in its group commit.
//
// A gathered write that fails (a retry racing its first attempt, whose
// seq would leave a gap; the store's fault) commits nothing of its sends,
// and each is then written alone, so one send's failure is its own.
type checkedSends struct {
	once  sync.Once
	queue gather.Queue[*gatheredSend]
}

const (
	// maxGatherWriters bounds the gathered writes under way at once; more
	// sends wait in the queue, which is what makes the writes gather. Two
	// keep one being built while the other commits.
	maxGatherWriters = 2
	// maxGathered bounds the sends of one gathered write.
	maxGathered = 128
	// maxQueuedSends bounds the sends waiting for a gathered write; past
	// it a send is written alone.
	maxQueuedSends = 4096
)

// gatheredSend is one queued send: its request, its delivery (answered
// in place) and where the error of its write is told.
type gatheredSend struct {
	ctx  context.Context
	a    *app.App
	req  SendRequest
	out  []Delivery // one delivery
	err  error
	done chan struct{}
}

// checkedQueue is the service's queue of gathered sends, set up on first
// use.
func (s *Service) checkedQueue() *gather.Queue[*gatheredSend] {
	c := &s.checked
	c.once.Do(func() {
		c.queue.Write, c.queue.MaxWriters, c.queue.MaxBatch, c.queue.MaxQueued = s.writeBatch, maxGatherWriters, maxGathered, maxQueuedSends
	})
	return &c.queue
}

// sendGathered queues a checked send and returns once it is written (or
// failed).
func (s *Service) sendGathered(ctx context.Context, a *app.App, req SendRequest, out []Delivery) ([]Delivery, error) {
	g := &gatheredSend{ctx: ctx, a: a, req: req, out: out, done: make(chan struct{})}
	if !s.checkedQueue().Add(g) {
		return s.sendChecked(ctx, a, req, out)
	}
	// Once queued a send is waited for even if ctx ends: returning early
	// would let a caller report failure for a write that then commits.
	<-g.done
	if g.err != nil {
		return nil, g.err
	}
	return g.out, nil
}

// writeBatch writes a batch of gathered sends in one write and answers
// each; if the write fails, each is written alone.
func (s *Service) writeBatch(batch []*gatheredSend) {
	if len(batch) == 1 {
		g := batch[0]
		g.out, g.err = s.sendChecked(g.ctx, g.a, g.req, g.out)
		close(g.done)
		return
	}
	composed := make([]store.Message, len(batch))
	for i, g := range batch {
		composed[i] = checkedMessage(g.req, g.out[0])
	}
	var results []store.CheckedAppend
	// The write is the batch's, not any one caller's: no caller's end may
	// stop it (each waits for its answer anyway).
	ctx := context.WithoutCancel(batch[0].ctx)
	err := s.Store.Write(ctx, func(tx Tx) error {
		var err error
		if results, err = tx.AppendCheckedMessages(ctx, composed); err != nil {
			return err
		}
		for i, r := range results {
			if r.Appended && !r.Duplicate {
				// The entry carries its own request's values (the caller's
				// address, ForbidCallbackControl), not the batch's.
				if err := s.outboxSent(context.WithoutCancel(batch[i].ctx), tx, batch[i].a, r.Stored, true); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		for _, g := range batch {
			g.out, g.err = s.sendChecked(g.ctx, g.a, g.req, g.out)
			close(g.done)
		}
		return
	}
	for i, g := range batch {
		g.out, g.err = s.checkedSent(g.a, g.req, g.out, results[i])
		close(g.done)
	}
}

// checkedSent answers a checked send from what its append found and did,
// once the write is durable, and delivers the message.
func (s *Service) checkedSent(a *app.App, req SendRequest, out []Delivery, res store.CheckedAppend) ([]Delivery, error) {
	d := &out[0]
	switch {
	case !res.Check.SenderExists:
		return nil, ErrUnknownSender
	case !res.Check.ReceiverExists:
		d.Err = ErrUnknownReceiver
		return out, nil
	}
	d.Sent.Message, d.Sent.Duplicate = res.Stored, res.Duplicate
	if req.From != d.To {
		d.Sent.RecvOpt = res.Check.RecvOpt
	}
	s.sendCommitted(a, req, out)
	return out, nil
}
