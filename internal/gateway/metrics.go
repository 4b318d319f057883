package gateway

import (
	"strconv"

	"github.com/gobwas/ws"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts what the gateway's per-connection bounds refused, so an
// operator sees slow consumers, floods and internal failures.
type Metrics struct {
	slowConsumers   prometheus.Counter
	inboundOverflow prometheus.Counter
	closes          *prometheus.CounterVec
	rateLimited     *prometheus.CounterVec
	internalErrors  prometheus.Counter
}

// NewMetrics registers the gateway's metrics on reg; a nil reg gives
// working, unregistered counters.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		slowConsumers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_gateway_slow_consumer_closes_total",
			Help: "Connections closed because their outbound queue passed its byte limit.",
		}),
		inboundOverflow: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_gateway_inbound_overflow_closes_total",
			Help: "Connections closed because they had too many requests (or bytes) in flight.",
		}),
		closes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_gateway_protocol_closes_total",
			Help: "Connections the server closed with a WebSocket close code (1002, 1007, 1008, 1009).",
		}, []string{"code"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_gateway_rate_limited_total",
			Help: "Client requests refused by a per-user rate limit, by class.",
		}, []string{"class"}),
		internalErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_gateway_internal_errors_total",
			Help: "Client requests that failed with an internal error (logged with a request ID).",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.slowConsumers, m.inboundOverflow, m.closes, m.rateLimited, m.internalErrors)
	}
	return m
}

func (m *Metrics) closed(code ws.StatusCode) {
	m.closes.WithLabelValues(strconv.Itoa(int(code))).Inc()
}
