package webhook

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the webhooks' counters, per command.
type Metrics struct {
	calls    *prometheus.CounterVec
	failures *prometheus.CounterVec
	dropped  *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	depth    *prometheus.GaugeVec

	mu  sync.Mutex
	per map[string]*commandMetrics
}

// NewMetrics registers the metrics on reg (nil: kept unregistered, for
// tests and embedders).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "parley_webhook_calls_total",
			Help: "Callback requests sent to app servers, by command."}, []string{"command"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "parley_webhook_failures_total",
			Help: "Callbacks that got no usable answer, by command and reason (timeout, network, status, body, receiver_down, canceled)."},
			[]string{"command", "reason"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "parley_webhook_dropped_total",
			Help: "After-callbacks given up after the outbox's last attempt, by command."}, []string{"command"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "parley_webhook_latency_seconds",
			Help:    "Time from sending a callback request to its answer (or failure), by command.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 5}}, []string{"command"}),
		depth: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "parley_webhook_queue_depth",
			Help: "Callbacks of this node in flight or waiting for their app's concurrency slot, by command (the durable backlog is parley_outbox_depth)."},
			[]string{"command"}),
		per: map[string]*commandMetrics{},
	}
	if reg != nil {
		reg.MustRegister(m.calls, m.failures, m.dropped, m.latency, m.depth)
	}
	return m
}

// commandMetrics are one command's series, resolved once.
type commandMetrics struct {
	m       *Metrics
	command string
	calls   prometheus.Counter
	drops   prometheus.Counter
	latency prometheus.Observer
	depth   prometheus.Gauge
}

func (m *Metrics) of(command string) *commandMetrics {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.per[command]
	if c == nil {
		c = &commandMetrics{m: m, command: command, calls: m.calls.WithLabelValues(command),
			drops: m.dropped.WithLabelValues(command), latency: m.latency.WithLabelValues(command),
			depth: m.depth.WithLabelValues(command)}
		m.per[command] = c
	}
	return c
}

func (c *commandMetrics) observe(d time.Duration) {
	c.calls.Inc()
	c.latency.Observe(d.Seconds())
}

func (c *commandMetrics) failure(reason string) {
	c.m.failures.WithLabelValues(c.command, reason).Inc()
}

func (c *commandMetrics) queued(n int) { c.depth.Add(float64(n)) }
