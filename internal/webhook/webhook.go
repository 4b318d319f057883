// Package webhook sends Tencent's callbacks to an app server: the
// after-callbacks as a consumer of the durable outbox (at least once, in
// order per conversation, retried with the dispatcher's backoff), the
// before-callbacks as the hook.Before the services ask before a write. The
// HTTP protocol is rest-spec §4.1: POST to the app's URL with SdkAppid,
// CallbackCommand, contenttype=json, ClientIP and OptPlatform in the query,
// with a token Sign = hex(SHA-256(token ‖ RequestTime)) and RequestTime;
// the JSON body repeats CallbackCommand and carries EventTime in ms.
//
// A receiver that fails or hangs never holds a send or a REST answer past
// the app's timeout (before-callbacks), and never more than one of the
// dispatcher's workers per app for long (after-callbacks): each app has its
// own bounded concurrency and, once its receiver failed, a breaker that
// fails its deliveries at once, without I/O, until a single probe gets
// through again.
package webhook

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/parleyim/parley/internal/store"
)

// Config is one app's webhook ([apps.webhook], PARLEY_WEBHOOK_*).
type Config struct {
	// URL receives every callback (http or https).
	URL string
	// Token, when set, signs each request (Sign, RequestTime).
	Token string
	// Commands are the callbacks sent (ParseCommands: "*" for all); a
	// command not listed is never called.
	Commands []string
	// Timeout bounds one callback request: DefaultTimeout when zero.
	Timeout time.Duration
	// AllowOnTimeout decides a before-callback that timed out, failed
	// (HTTP status not 200, a body that is not JSON) or could not be sent:
	// true allows the change (Tencent's default), false rejects it with
	// hook.CodeTimeout.
	AllowOnTimeout bool
	// Concurrency bounds this app's callback requests in flight on a node:
	// DefaultConcurrency when zero.
	Concurrency int
}

// Defaults of Config.
const (
	DefaultTimeout     = 2 * time.Second // Tencent's callback timeout
	DefaultConcurrency = 16
	// maxResponse bounds what is read of a callback's answer.
	maxResponse = 64 << 10
	// breakerMin and breakerMax bound how long a failed receiver is left
	// alone before the next probe (doubling per failed probe).
	breakerMin = 500 * time.Millisecond
	breakerMax = 30 * time.Second
)

// Validate checks c (the command names, the URL, the bounds).
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("webhook url %q: want an http:// or https:// URL", c.URL)
	}
	if _, err := ParseCommands(c.Commands); err != nil {
		return fmt.Errorf("webhook commands: %w", err)
	}
	if c.Timeout < 0 || c.Timeout > time.Minute {
		return fmt.Errorf("webhook timeout %s: want 1 ms to 60 s", c.Timeout)
	}
	if c.Concurrency < 0 {
		return fmt.Errorf("webhook concurrency %d: want a positive number", c.Concurrency)
	}
	return nil
}

// endpoint is one app's receiver: its settings, its HTTP client, its
// concurrency slots and its breaker.
type endpoint struct {
	app      store.AppID
	url      *url.URL
	token    string
	commands map[string]bool
	timeout  time.Duration
	allow    bool
	client   *http.Client
	slots    chan struct{}

	mu sync.Mutex
	// downUntil: after a failure no request is sent before it, except one
	// probe (probing) once it has passed.
	downUntil time.Time
	downFor   time.Duration
	probing   bool
}

func newEndpoint(app store.AppID, c Config) (*endpoint, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("app %d: %w", app, err)
	}
	cmds, _ := ParseCommands(c.Commands)
	u, _ := url.Parse(c.URL)
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: c.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: c.Concurrency,
		MaxConnsPerHost:     c.Concurrency,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: c.Timeout,
	}
	return &endpoint{app: app, url: u, token: c.Token, commands: cmds, timeout: c.Timeout, allow: c.AllowOnTimeout,
		client: &http.Client{Transport: tr, Timeout: c.Timeout,
			// A callback is answered where it was sent: a redirect is a
			// misconfiguration, reported as the failure it is.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		slots: make(chan struct{}, c.Concurrency)}, nil
}

// Response is a callback's answer (the fields Parley reads).
type Response struct {
	ActionStatus    string
	ErrorCode       int
	ErrorInfo       string
	MsgBody         json.RawMessage
	CloudCustomData *string
	// ResultItem steers the items of a Prev friend callback.
	ResultItem []struct {
		To_Account string
		ResultCode int
		ResultInfo string
	}
	// RefusedMembers_Account lists the members a
	// Group.CallbackBeforeInviteJoinGroup refuses.
	RefusedMembers_Account []string
}

// Failure reasons, the label of parley_webhook_failures_total.
const (
	reasonTimeout  = "timeout"
	reasonNetwork  = "network"
	reasonStatus   = "status"
	reasonBody     = "body"
	reasonDown     = "receiver_down"
	reasonCanceled = "canceled"
)

// callError is a callback that got no usable answer.
type callError struct {
	reason string
	err    error
}

func (e *callError) Error() string { return e.reason + ": " + e.err.Error() }
func (e *callError) Unwrap() error { return e.err }

// errDown is a delivery refused without I/O while the app's receiver is
// considered down.
var errDown = errors.New("receiver failed recently; waiting before the next attempt")

// Sign is the signature of a callback sent at requestTime (Unix seconds):
// lowercase hex SHA-256 of the token followed by the decimal time.
func Sign(token string, requestTime int64) string {
	sum := sha256.Sum256([]byte(token + strconv.FormatInt(requestTime, 10)))
	return hex.EncodeToString(sum[:])
}

// requestURL is the URL of one callback.
func (ep *endpoint) requestURL(command, platform, clientIP string, now time.Time) string {
	q := ep.url.Query()
	q.Set("SdkAppid", strconv.FormatUint(uint64(ep.app), 10))
	q.Set("CallbackCommand", command)
	q.Set("contenttype", "json")
	q.Set("ClientIP", clientIP)
	q.Set("OptPlatform", platform)
	if ep.token != "" {
		t := now.Unix()
		q.Set("RequestTime", strconv.FormatInt(t, 10))
		q.Set("Sign", Sign(ep.token, t))
	}
	u := *ep.url
	u.RawQuery = q.Encode()
	return u.String()
}

// admit reports whether a request may be sent now: not while the breaker
// is open, and only one probe once it may close.
func (ep *endpoint) admit(now time.Time) (probe, ok bool) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if ep.downUntil.IsZero() {
		return false, true
	}
	if now.Before(ep.downUntil) || ep.probing {
		return false, false
	}
	ep.probing = true
	return true, true
}

// settle records the outcome of a request for the breaker.
func (ep *endpoint) settle(probe bool, failed bool, now time.Time) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if probe {
		ep.probing = false
	}
	if !failed {
		ep.downUntil, ep.downFor = time.Time{}, 0
		return
	}
	if probe || ep.downUntil.IsZero() {
		ep.downFor = min(max(2*ep.downFor, breakerMin), breakerMax)
	}
	ep.downUntil = now.Add(ep.downFor)
}

// post sends one callback and decodes its answer. breaker says whether
// the breaker applies (after-callbacks: a refused delivery is retried by
// the outbox; before-callbacks always try, under their own timeout, since
// a refusal would decide the change without asking).
func (s *Service) post(ctx context.Context, ep *endpoint, command, platform, clientIP string, body []byte, breaker bool) (Response, error) {
	m := s.metrics.of(command)
	probe := false
	if breaker {
		var ok bool
		if probe, ok = ep.admit(s.now()); !ok {
			m.failure(reasonDown)
			return Response{}, &callError{reasonDown, errDown}
		}
	}
	m.queued(1)
	defer m.queued(-1)
	select {
	case ep.slots <- struct{}{}:
	case <-ctx.Done():
		if probe {
			ep.settle(true, false, s.now())
		}
		m.failure(reasonCanceled)
		return Response{}, &callError{reasonCanceled, ctx.Err()}
	}
	defer func() { <-ep.slots }()
	start := time.Now()
	resp, err := s.send(ctx, ep, command, platform, clientIP, body)
	m.observe(time.Since(start))
	if breaker || err == nil {
		ep.settle(probe, err != nil && ctx.Err() == nil, s.now())
	}
	if err != nil {
		var ce *callError
		if errors.As(err, &ce) {
			m.failure(ce.reason)
		}
		return Response{}, err
	}
	return resp, nil
}

func (s *Service) send(ctx context.Context, ep *endpoint, command, platform, clientIP string, body []byte) (Response, error) {
	ctx, cancel := context.WithTimeout(ctx, ep.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.requestURL(command, platform, clientIP, s.now()), bytes.NewReader(body))
	if err != nil {
		return Response{}, &callError{reasonNetwork, err}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Parley-Webhook")
	res, err := ep.client.Do(req)
	if err != nil {
		reason := reasonNetwork
		if ctx.Err() != nil || isTimeout(err) {
			reason = reasonTimeout
		}
		return Response{}, &callError{reason, err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxResponse+1))
	if err != nil {
		reason := reasonNetwork
		if ctx.Err() != nil || isTimeout(err) {
			reason = reasonTimeout
		}
		return Response{}, &callError{reason, err}
	}
	if res.StatusCode != http.StatusOK {
		return Response{}, &callError{reasonStatus, fmt.Errorf("HTTP %d", res.StatusCode)}
	}
	if len(b) > maxResponse {
		return Response{}, &callError{reasonBody, fmt.Errorf("answer over %d bytes", maxResponse)}
	}
	var r Response
	if err := json.Unmarshal(b, &r); err != nil {
		return Response{}, &callError{reasonBody, fmt.Errorf("answer is not JSON: %w", err)}
	}
	return r, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Service is every app's webhook: the after-callback consumer (Register)
// and the before-callback hook (it implements hook.Before).
type Service struct {
	endpoints map[store.AppID]*endpoint
	metrics   *Metrics
	log       *slog.Logger
	// maxAttempts is the outbox dispatcher's budget, to count and log
	// the deliveries given up (Register).
	maxAttempts int
	now         func() time.Time
}

// New builds the webhooks of apps (by SDKAppID); metrics may be nil.
func New(apps map[store.AppID]Config, metrics *Metrics, log *slog.Logger) (*Service, error) {
	if log == nil {
		log = slog.Default()
	}
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	s := &Service{endpoints: map[store.AppID]*endpoint{}, metrics: metrics, log: log, now: time.Now}
	for app, c := range apps {
		ep, err := newEndpoint(app, c)
		if err != nil {
			return nil, err
		}
		s.endpoints[app] = ep
	}
	return s, nil
}

// MaxTimeout is the longest timeout of the apps' webhooks: the hook
// runner's own bound must exceed it, so each app's AllowOnTimeout decides
// rather than the runner's policy.
func (s *Service) MaxTimeout() time.Duration {
	d := time.Duration(0)
	for _, ep := range s.endpoints {
		d = max(d, ep.timeout)
	}
	return d
}

// wants returns the endpoint of app when it sends command.
func (s *Service) wants(app store.AppID, command string) *endpoint {
	if s == nil {
		return nil
	}
	ep := s.endpoints[app]
	if ep == nil || !ep.commands[command] {
		return nil
	}
	return ep
}
