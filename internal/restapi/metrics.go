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
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (m *Metrics) observe(api string, code int, d time.Duration) {
	svc, cmd, ok := strings.Cut(api, "/")
	if !ok {
		svc, cmd = "unknown", "unknown"
	}
	m.requests.WithLabelValues(svc, cmd, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(svc, cmd).Observe(d.Seconds())
}
