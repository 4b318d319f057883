package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// NATSOptions configures a NATS broker.
type NATSOptions struct {
	// URL is the server (or a comma-separated list of servers).
	URL string
	// Name names the connection in the server's monitoring (the node ID).
	Name string
	// Limits bounds each subscription's pending messages in the client
	// (nats.go's pending limits); over them NATS drops and counts.
	Limits Limits
	// ReconnectWait is the first delay between reconnect attempts; it
	// doubles per failed attempt up to MaxReconnectWait, with up to 20 %
	// jitter so that nodes do not reconnect in step. Defaults 100 ms, 5 s.
	ReconnectWait, MaxReconnectWait time.Duration
	// ReconnectBufSize bounds the publishes buffered while disconnected;
	// over it Publish fails. Default 8 MiB.
	ReconnectBufSize int
	// DrainTimeout bounds Close's drain; default 5 s.
	DrainTimeout time.Duration
	// WriteTimeout bounds a write to the server (nats.go's flusher
	// timeout, one minute by default there); a write that takes longer
	// fails the connection, which then reconnects. Default 2 s.
	WriteTimeout time.Duration
	// Logger gets connection state changes and asynchronous errors;
	// default slog.Default().
	Logger *slog.Logger
}

// NATS is a Broker on core NATS subjects (no JetStream: nothing is
// retained, delivery is at most once). One connection per node; nats.go
// re-subscribes every subscription after a reconnect, so subscribers
// resume without any action, having missed what was published meanwhile.
//
// Each subscription is a nats.go asynchronous subscription, which has its
// own goroutine calling fn in order, and its pending limits set to Limits:
// over them nats.go drops messages and counts them per subscription,
// which Dropped adds up (the slow-consumer error nats.go reports is only
// logged: it fires once per episode, not once per message).
type NATS struct {
	nc           *nats.Conn
	limits       Limits
	drainTimeout time.Duration
	log          *slog.Logger
	closedCh     chan struct{}

	mu          sync.Mutex
	subs        map[*natsSub]struct{}
	retired     uint64 // drops of the subscriptions that have ended
	closed      bool
	onReconnect []func()
}

type natsSub struct {
	b   *NATS
	sub *nats.Subscription
	// once makes Unsubscribe idempotent and keeps Close from counting a
	// subscription's drops twice.
	once sync.Once
}

// ConnectNATS connects to opts.URL. The first connection must succeed (a
// wrong URL fails the start rather than leaving a node that hears nothing);
// after that the connection reconnects forever.
func ConnectNATS(opts NATSOptions) (*NATS, error) {
	if opts.ReconnectWait <= 0 {
		opts.ReconnectWait = 100 * time.Millisecond
	}
	if opts.MaxReconnectWait <= 0 {
		opts.MaxReconnectWait = 5 * time.Second
	}
	if opts.ReconnectBufSize <= 0 {
		opts.ReconnectBufSize = 8 << 20
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = 5 * time.Second
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	b := &NATS{
		limits:       opts.Limits.withDefaults(),
		drainTimeout: opts.DrainTimeout,
		log:          opts.Logger.With("component", "broker"),
		closedCh:     make(chan struct{}),
		subs:         map[*natsSub]struct{}{},
	}
	base, maxWait := opts.ReconnectWait, opts.MaxReconnectWait
	nc, err := nats.Connect(opts.URL,
		nats.Name(opts.Name),
		nats.MaxReconnects(-1),
		nats.CustomReconnectDelay(func(attempts int) time.Duration {
			d := maxWait
			if attempts < 30 {
				d = min(base<<attempts, maxWait)
			}
			return d + rand.N(d/5+1)
		}),
		nats.ReconnectBufSize(opts.ReconnectBufSize),
		nats.DrainTimeout(opts.DrainTimeout),
		nats.FlusherTimeout(opts.WriteTimeout),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: our own Close
				b.log.Warn("nats disconnected, reconnecting", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			b.log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted())
			b.mu.Lock()
			hooks := b.onReconnect
			b.mu.Unlock()
			for _, fn := range hooks {
				fn()
			}
		}),
		nats.ClosedHandler(func(*nats.Conn) { close(b.closedCh) }),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrSlowConsumer) {
				subject := ""
				if sub != nil {
					subject = sub.Subject
				}
				b.log.Warn("broker subscriber too slow, dropping messages", "subject", subject)
				return
			}
			b.log.Error("nats error", "err", err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("broker: connect to nats: %w", err)
	}
	b.nc = nc
	return b, nil
}

// Publish implements Broker. nats.go copies data into its write buffer
// (or its bounded reconnect buffer while disconnected) and a background
// flusher sends it, so Publish does not wait for any subscriber: the NATS
// server drops a subscriber connection that cannot keep up rather than
// slow the publisher. It can wait for this node's own socket: when the
// 32 KiB write buffer is full nats.go writes inline, for at most
// WriteTimeout, after which the connection is failed and re-established.
func (b *NATS) Publish(ctx context.Context, subject string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !ValidSubject(subject) {
		return ErrBadSubject
	}
	if b.isClosed() {
		return ErrClosed
	}
	if err := b.nc.Publish(subject, data); err != nil {
		if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrConnectionDraining) {
			return ErrClosed
		}
		return fmt.Errorf("broker: publish: %w", err)
	}
	return nil
}

// Subscribe implements Broker. The SUB is written to the connection's
// buffer (nats.go holds its own lock for that, not ours), so a Publish
// made after Subscribe returns, on this connection, reaches the server
// after it.
func (b *NATS) Subscribe(subject string, fn func(data []byte)) (Subscription, error) {
	if !ValidSubject(subject) {
		return nil, ErrBadSubject
	}
	if b.isClosed() {
		return nil, ErrClosed
	}
	sub, err := b.nc.Subscribe(subject, func(m *nats.Msg) { fn(m.Data) })
	if err != nil {
		if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrConnectionDraining) {
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("broker: subscribe: %w", err)
	}
	if err := sub.SetPendingLimits(b.limits.Messages, b.limits.Bytes); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("broker: subscribe: %w", err)
	}
	s := &natsSub{b: b, sub: sub}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		_ = sub.Unsubscribe()
		return nil, ErrClosed
	}
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s, nil
}

// Unsubscribe implements Subscription.
func (s *natsSub) Unsubscribe() error {
	var err error
	s.once.Do(func() {
		b := s.b
		// Move the drop count to retired while the subscription is still
		// readable (it is not after), under b.mu so that Dropped sees it
		// in one place or the other and never goes down. Drops in the
		// moment between this and the unsubscribe are not counted. A
		// subscription no longer in b.subs was taken by Close, whose drain
		// ends it and which counted its drops.
		b.mu.Lock()
		if _, live := b.subs[s]; !live {
			b.mu.Unlock()
			return
		}
		if d, err := s.sub.Dropped(); err == nil && d > 0 {
			b.retired += uint64(d)
		}
		delete(b.subs, s)
		b.mu.Unlock()
		err = s.sub.Unsubscribe()
		if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrConnectionDraining) ||
			errors.Is(err, nats.ErrBadSubscription) {
			err = nil // already ended by Close
		}
	})
	return err
}

// Dropped implements Broker: the drops of ended subscriptions plus the
// current count of each live one. It holds b.mu while it reads them (each
// read only takes nats.go's subscription lock: no I/O, no callback), so a
// subscription ending meanwhile is counted once and the sum never goes
// down, as a Prometheus counter must not.
func (b *NATS) Dropped() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	total := b.retired
	for s := range b.subs {
		if d, err := s.sub.Dropped(); err == nil && d > 0 {
			total += uint64(d)
		}
	}
	return total
}

// Close implements Broker with nats.go's drain: it unsubscribes every
// subscription, lets the messages already received be handled, flushes
// what was published, and closes; nats.go bounds it with DrainTimeout.
func (b *NATS) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	for s := range b.subs {
		// Count drops now: they are unreadable once the drain ends them.
		// The subscriptions leave b.subs, which makes a later Unsubscribe
		// of any of them a no-op; Close must not enter their once here,
		// under b.mu: an Unsubscribe inside it waits for b.mu.
		if d, err := s.sub.Dropped(); err == nil && d > 0 {
			b.retired += uint64(d)
		}
	}
	clear(b.subs)
	b.mu.Unlock()

	if err := b.nc.Drain(); err != nil {
		b.nc.Close()
		if errors.Is(err, nats.ErrConnectionClosed) {
			return nil
		}
		return fmt.Errorf("broker: drain: %w", err)
	}
	// nats.go closes the connection when the drain ends or times out; the
	// extra second only guards against that callback never coming.
	select {
	case <-b.closedCh:
	case <-time.After(b.drainTimeout + time.Second):
		b.nc.Close()
		return ErrDrainTimeout
	}
	if err := b.nc.LastError(); errors.Is(err, nats.ErrDrainTimeout) {
		return ErrDrainTimeout
	}
	return nil
}

func (b *NATS) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// OnReconnect has fn called each time the connection is re-established,
// after nats.go re-sent the subscriptions: what was published meanwhile was
// lost, and a subscriber that keeps durable state elsewhere can catch up.
// fn runs on nats.go's callback goroutine and must not block.
func (b *NATS) OnReconnect(fn func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.onReconnect = append(b.onReconnect[:len(b.onReconnect):len(b.onReconnect)], fn)
}

// Connected reports whether the connection to NATS is up (for readiness:
// while it is down this node neither hears nor is heard).
func (b *NATS) Connected() bool { return b.nc.IsConnected() }

// Flush waits until the server has processed everything this node sent
// so far, subscriptions included: after it, a publish from another node
// reaches this node's subscribers.
// Without a deadline on ctx it waits at most 5 s.
func (b *NATS) Flush(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
	}
	if err := b.nc.FlushWithContext(ctx); err != nil {
		return fmt.Errorf("broker: flush: %w", err)
	}
	return nil
}
