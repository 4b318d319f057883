package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/webhook"
)

// OutboxFlushTimeout bounds the outbox flush on shutdown, after the
// connections are drained: what is not dispatched by then stays in the
// store for the next start (or another node).
const OutboxFlushTimeout = 5 * time.Second

// buildOutbox makes the node's dispatcher over its consumers, with its
// metrics, and the producer the services append through.
func (n *Node) buildOutbox(reg *prometheus.Registry, o outbox.Options) (*outbox.Producer, error) {
	depth := prometheus.NewGauge(prometheus.GaugeOpts{Name: "parley_outbox_depth",
		Help: "Outbox entries waiting to be dispatched (all nodes), as of the last poll."})
	oldest := prometheus.NewGauge(prometheus.GaugeOpts{Name: "parley_outbox_oldest_seconds",
		Help: "Age of the oldest outbox entry waiting, as of the last poll."})
	o.Metrics.Depth = func(d int64, age time.Duration) {
		depth.Set(float64(d))
		oldest.Set(age.Seconds())
	}
	if o.Logger == nil {
		o.Logger = n.Logger
	}
	d, err := outbox.New(outbox.StoreOf(n.Store), n.Consumers.Handler(), o)
	if err != nil {
		return nil, err
	}
	n.Outbox = d
	counter := func(name, help string, v func(outbox.Stats) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(v(d.Stats())) })
	}
	reg.MustRegister(depth, oldest,
		counter("parley_outbox_dispatched_total", "Outbox entries this node delivered to their consumers.",
			func(s outbox.Stats) int64 { return s.Dispatched }),
		counter("parley_outbox_failed_total", "Outbox deliveries that failed and were scheduled again.",
			func(s outbox.Stats) int64 { return s.Retried }),
		counter("parley_outbox_dropped_total", "Outbox entries given up after their last attempt.",
			func(s outbox.Stats) int64 { return s.Dropped }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "parley_outbox_state_dropped_total",
			Help: "Session state changes not recorded because their queue was full."},
			func() float64 {
				if n.States == nil {
					return 0
				}
				return float64(n.States.Dropped())
			}))
	return &outbox.Producer{Consumers: n.Consumers, Wake: d.Notify}, nil
}

// StartOutbox starts the state recorder and the dispatcher (Serve does; an
// embedder serving Handler itself calls it once); the returned function
// stops them after the connections are drained (the sessions'
// last state changes are then queued): it writes the queued state changes,
// stops the dispatcher, flushes what is ready within OutboxFlushTimeout
// and logs what it did.
func (n *Node) StartOutbox(ctx context.Context) (stop func()) {
	base := context.WithoutCancel(ctx)
	stateCtx, stopStates := context.WithCancel(base)
	go n.States.Run(stateCtx, OutboxFlushTimeout)
	runCtx, stopRun := context.WithCancel(base)
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		if err := n.Outbox.Run(runCtx); err != nil {
			n.Logger.Error("outbox dispatcher", "err", err)
		}
	}()
	return func() {
		start := time.Now()
		stopStates()
		<-n.States.Done()
		stopRun()
		<-ran
		fctx, cancel := context.WithTimeout(base, OutboxFlushTimeout)
		defer cancel()
		flushed, _ := n.Outbox.Flush(fctx)
		var left store.OutboxStats
		sctx, scancel := context.WithTimeout(base, 2*time.Second)
		defer scancel()
		err := n.Store.Read(sctx, func(tx store.Tx) (err error) {
			left, err = tx.OutboxStats(sctx)
			return err
		})
		if err != nil {
			n.Logger.Error("outbox flushed", "dispatched", flushed, "left", "unknown", "err", err)
			return
		}
		n.Logger.Info("outbox flushed", "dispatched", flushed, "left_for_next_start", left.Depth,
			"dispatched_since_start", n.Outbox.Stats().Dispatched, "flush_ms", time.Since(start).Milliseconds())
	}
}

// buildWebhooks registers the apps' after-callbacks as outbox consumers and
// makes their before-callbacks the node's hook, when any app has a webhook.
func (n *Node) buildWebhooks(reg *prometheus.Registry, o *Options) error {
	if len(o.Webhooks) == 0 {
		return nil
	}
	if o.Hook != nil {
		return errors.New("server: Options.Hook and Options.Webhooks both set: the webhooks' before-callbacks are the hook")
	}
	for id := range o.Webhooks {
		if _, ok := n.Apps.Lookup(id); !ok {
			return fmt.Errorf("webhook of app %d: no such app", id)
		}
	}
	svc, err := webhook.New(o.Webhooks, webhook.NewMetrics(reg), n.Logger)
	if err != nil {
		return err
	}
	if err := svc.Register(n.Consumers, o.Outbox.MaxAttempts); err != nil {
		return err
	}
	n.Webhooks = svc
	if svc.HasBefore() {
		o.Hook = svc.HookRunner()
	}
	return nil
}
