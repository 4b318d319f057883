package gateway

import (
	"strconv"
	"sync/atomic"

	"github.com/gobwas/ws"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parleyim/parley/internal/presence"
)

// Metrics counts what the gateway's sessions do and what its per-connection
// bounds refused, so an operator sees logins, kicks, message traffic, slow
// consumers, floods and internal failures.
//
// Every labelled child a hot path touches is resolved here, once: counting
// a push, a send or a login is an atomic add, with no label lookup or
// allocation. Labels are bounded sets (platforms, outcomes, reasons), never
// user IDs.
type Metrics struct {
	slowConsumers   prometheus.Counter
	inboundOverflow prometheus.Counter
	closes          *prometheus.CounterVec
	closeCodes      map[ws.StatusCode]prometheus.Counter // the codes the server sends, resolved
	rateLimited     [numClasses]prometheus.Counter
	internalErrors  prometheus.Counter

	// logins[platform index][outcome]; the last platform row is "other".
	logins [][loginOutcomes]prometheus.Counter
	// kicks by presence.Kick* reason; kickOther for any other reason.
	kicks     map[string]prometheus.Counter
	kickOther prometheus.Counter
	// sent counts messages accepted on this door: c2c, c2c_online.
	sentC2C, sentOnline prometheus.Counter
	pushed              prometheus.Counter
	dropClosing         prometheus.Counter
	dropSlow            prometheus.Counter
	// outboundBytes is the sum over connections of the bytes queued and not
	// yet written to their sockets; conn.go updates it wherever a
	// connection's queue grows or shrinks.
	outboundBytes atomic.Int64
}

// Login outcomes, the values of parley_gateway_logins_total's outcome label.
const (
	loginOK         = iota // logged in
	loginBadRequest        // invalid data, platform or userID; already logged in
	loginBadSig            // UserSig refused (bad signature, wrong user or app)
	loginExpired           // UserSig expired
	loginError             // store failure, connection gone
	loginOutcomes
)

var loginOutcomeNames = [loginOutcomes]string{"ok", "bad_request", "bad_usersig", "usersig_expired", "error"}

// kickReasons are the reasons the gateway kicks with (presence's).
var kickReasons = []string{presence.KickMultipleAccount, presence.KickMultipleDevice, presence.KickUserSigExpired, presence.KickRESTAPI}

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
		internalErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_gateway_internal_errors_total",
			Help: "Client requests that failed with an internal error (logged with a request ID).",
		}),
	}
	m.closeCodes = map[ws.StatusCode]prometheus.Counter{}
	for _, code := range []ws.StatusCode{ws.StatusProtocolError, ws.StatusInvalidFramePayloadData, ws.StatusPolicyViolation, ws.StatusMessageTooBig} {
		m.closeCodes[code] = m.closes.WithLabelValues(strconv.Itoa(int(code)))
	}
	rateLimited := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parley_gateway_rate_limited_total",
		Help: "Client requests refused by a per-user rate limit, by class.",
	}, []string{"class"})
	// class="none" (login, logout, ping) is never limited and stays 0.
	for k := range numClasses {
		m.rateLimited[k] = rateLimited.WithLabelValues(k.String())
	}
	logins := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parley_gateway_logins_total",
		Help: "Client login attempts by platform (other: not a known platform) and outcome.",
	}, []string{"platform", "outcome"})
	m.logins = make([][loginOutcomes]prometheus.Counter, len(presence.Platforms)+1)
	for i := range m.logins {
		p := "other"
		if i < len(presence.Platforms) {
			p = presence.Platforms[i]
		}
		for o := range loginOutcomes {
			m.logins[i][o] = logins.WithLabelValues(p, loginOutcomeNames[o])
		}
	}
	kicks := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parley_gateway_kicks_total",
		Help: "Sessions kicked, by reason (multiple_account, multiple_device, usersig_expired, rest_api, other).",
	}, []string{"reason"})
	m.kicks = make(map[string]prometheus.Counter, len(kickReasons))
	for _, r := range kickReasons {
		m.kicks[r] = kicks.WithLabelValues(r)
	}
	m.kickOther = kicks.WithLabelValues("other")
	// The REST door registers the same family with door="rest" (see
	// restapi.NewMetrics): one family, one collector per door.
	sent := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name:        "parley_messages_sent_total",
		Help:        "Messages accepted for sending, by door and kind (c2c stored; c2c_online online-only), retries not counted.",
		ConstLabels: prometheus.Labels{"door": "socket"},
	}, []string{"kind"})
	m.sentC2C, m.sentOnline = sent.WithLabelValues("c2c"), sent.WithLabelValues("c2c_online")
	m.pushed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "parley_gateway_pushes_delivered_total",
		Help: "Push frames queued to a session's connection (one per session reached).",
	})
	dropped := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parley_gateway_pushes_dropped_total",
		Help: "Push frames not queued: the connection was closing, or the push made it a slow consumer.",
	}, []string{"reason"})
	m.dropClosing, m.dropSlow = dropped.WithLabelValues("closing"), dropped.WithLabelValues("slow_consumer")
	outbound := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "parley_gateway_outbound_queued_bytes",
		Help: "Bytes queued to client connections and not yet written to their sockets, summed over connections.",
	}, func() float64 { return float64(m.outboundBytes.Load()) })
	if reg != nil {
		reg.MustRegister(m.slowConsumers, m.inboundOverflow, m.closes, rateLimited, m.internalErrors,
			logins, kicks, sent, m.pushed, dropped, outbound)
	}
	return m
}

func (m *Metrics) closed(code ws.StatusCode) {
	if c, ok := m.closeCodes[code]; ok {
		c.Inc()
		return
	}
	m.closes.WithLabelValues(strconv.Itoa(int(code))).Inc()
}

// login counts a login attempt from platform.
func (m *Metrics) login(platform string, outcome int) {
	i := len(presence.Platforms)
	for j, p := range presence.Platforms {
		if p == platform {
			i = j
			break
		}
	}
	m.logins[i][outcome].Inc()
}

// kicked counts a kick.
func (m *Metrics) kicked(reason string) {
	if c, ok := m.kicks[reason]; ok {
		c.Inc()
		return
	}
	m.kickOther.Inc()
}
