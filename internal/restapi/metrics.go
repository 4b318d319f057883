package restapi

import (
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts REST calls by service, command and error code, and times
// them.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// Messages accepted on this door, by kind; resolved once.
	sentC2C, sentOnline prometheus.Counter
}

// NewMetrics registers the REST metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_rest_requests_total",
			Help: "REST API calls by service, command and error code (0 is success).",
		}, []string{"service", "command", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "parley_rest_request_duration_seconds",
			Help:    "REST API call latency.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"service", "command"}),
	}
	// The gateway registers the same family with door="socket" (see
	// gateway.NewMetrics); the help must stay identical for the registry
	// to merge them.
	sent := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name:        "parley_messages_sent_total",
		Help:        "Messages accepted for sending, by door and kind (c2c stored; c2c_online online-only), retries not counted.",
		ConstLabels: prometheus.Labels{"door": "rest"},
	}, []string{"kind"})
	m.sentC2C, m.sentOnline = sent.WithLabelValues("c2c"), sent.WithLabelValues("c2c_online")
	reg.MustRegister(m.requests, m.latency, sent)
	return m
}

// sent counts n messages accepted (one per receiver); a nil m counts
// nothing.
func (m *Metrics) sent(onlineOnly bool, n int) {
	if m == nil || n == 0 {
		return
	}
	if onlineOnly {
		m.sentOnline.Add(float64(n))
	} else {
		m.sentC2C.Add(float64(n))
	}
}

func (m *Metrics) observe(api string, code int, d time.Duration) {
	svc, cmd, ok := strings.Cut(api, "/")
	if !ok {
		svc, cmd = "unknown", "unknown"
	}
	m.requests.WithLabelValues(svc, cmd, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(svc, cmd).Observe(d.Seconds())
}
