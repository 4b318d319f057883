package sdk

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/ws"
)

// Config configures a Manager (V2TIMSDKConfig plus connection settings).
type Config struct {
	// ServerURL is the Parley node's base URL: ws://, wss://, http:// or
	// https:// (http becomes ws, https wss). /v1/ws?sdkappid=N is appended.
	ServerURL string
	// SDKAppID is the app to log in to.
	SDKAppID uint64
	// Platform is the device kind this instance logs in as; the default is
	// PlatformWeb.
	Platform Platform
	// HeartbeatInterval is how often the SDK pings; zero (or more than the
	// server asks for) uses the interval the server gives at login.
	HeartbeatInterval time.Duration
	// RequestTimeout bounds every call, each connection attempt and the wait
	// for a reconnect; the default is 10 seconds.
	RequestTimeout time.Duration
	// ReconnectMinDelay and ReconnectMaxDelay bound the exponential backoff
	// between reconnect attempts (defaults 500ms and 30s); every delay is
	// drawn from [d/2, d].
	ReconnectMinDelay, ReconnectMaxDelay time.Duration
	// Dialer, if set, opens the TCP connections (for proxies and tests).
	Dialer func(ctx context.Context, network, addr string) (net.Conn, error)
	// Logger, if set, receives the SDK's diagnostics; the default discards
	// them.
	Logger *slog.Logger
}

const (
	defaultRequestTimeout = 10 * time.Second
	defaultReconnectMin   = 500 * time.Millisecond
	defaultReconnectMax   = 30 * time.Second
	defaultHeartbeat      = 30 * time.Second
)

// Manager is one SDK instance: one logged-in account at a time on one
// connection (V2TIMManager). Create it with NewManager; all methods are safe
// for concurrent use.
type Manager struct {
	cfg        Config
	endpoint   string
	endpointEr error
	log        *slog.Logger
	instanceID string
	friendship *FriendshipManager
	// messages and conversations: message.go, conversation.go.
	messages      *MessageManager
	conversations *ConversationManager
	groups        *GroupManager // group.go

	tasks *taskQueue
	quit  chan struct{}

	mu              sync.Mutex
	closed          bool
	status          LoginStatus
	sess            *session
	sdkListeners    []SDKListener
	friendListeners []FriendshipListener
}

// session is one login: it lives from Login until Logout, a kick, a refused
// UserSig or Close, across any number of connections.
type session struct {
	userID string
	ctx    context.Context // ends with the session
	cancel context.CancelFunc
	// loopCtx is ctx for the callback goroutine's requests (noWaitKey).
	loopCtx context.Context

	// Guarded by Manager.mu.
	userSig     string
	established bool          // the first login answered
	conn        *conn         // the live connection, nil while (re)connecting
	connected   chan struct{} // closed while conn is set
	statusSubs  []string      // the users subscribed to, oldest first (status.go)

	// Owned by the callback goroutine.
	started  bool
	primed   bool // cache holds the state read at some point
	lastSeq  uint64
	needSync bool
	cache    *relCache

	// msg is the message and conversation state (message_sync.go).
	msg *msgSession
}

// NewManager creates an SDK instance (initSDK). It does not connect: call
// Login. Close releases it.
func NewManager(cfg Config) *Manager {
	if cfg.Platform == "" {
		cfg.Platform = PlatformWeb
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = defaultRequestTimeout
	}
	if cfg.ReconnectMinDelay <= 0 {
		cfg.ReconnectMinDelay = defaultReconnectMin
	}
	if cfg.ReconnectMaxDelay < cfg.ReconnectMinDelay {
		cfg.ReconnectMaxDelay = max(defaultReconnectMax, cfg.ReconnectMinDelay)
	}
	m := &Manager{
		cfg:    cfg,
		log:    cfg.Logger,
		tasks:  newTaskQueue(),
		quit:   make(chan struct{}),
		status: StatusLoggedOut,
	}
	if m.log == nil {
		m.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m.endpoint, m.endpointEr = endpointURL(cfg.ServerURL, cfg.SDKAppID)
	var id [8]byte
	_, _ = crand.Read(id[:])
	m.instanceID = hex.EncodeToString(id[:])
	m.friendship = &FriendshipManager{m: m}
	m.messages = &MessageManager{m: m}
	m.conversations = &ConversationManager{m: m}
	m.groups = &GroupManager{m: m}
	go m.loop()
	return m
}

// endpointURL turns the configured base into the WebSocket endpoint.
func endpointURL(base string, app uint64) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	case "ws", "wss":
	default:
		return "", fmt.Errorf("server URL %q: scheme must be ws, wss, http or https", base)
	}
	if u.Host == "" {
		return "", fmt.Errorf("server URL %q has no host", base)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	if !strings.HasSuffix(u.Path, "/v1/ws") {
		u.Path += "/v1/ws"
	}
	u.RawPath = ""
	q := u.Query()
	q.Set("sdkappid", strconv.FormatUint(app, 10))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Close logs out (if logged in) and releases the Manager (unInitSDK).
// Callbacks still queued are dropped; one running at that moment finishes.
// Every later call fails with ErrCodeNotInitialized.
func (m *Manager) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	m.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.RequestTimeout)
	m.logout(ctx)
	cancel()
	close(m.quit)
}

// Friendship returns the relationship-chain manager
// (getFriendshipManager).
func (m *Manager) Friendship() *FriendshipManager { return m.friendship }

// GetLoginUser returns the logged-in (or logging-in) UserID, or "".
func (m *Manager) GetLoginUser() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sess == nil {
		return ""
	}
	return m.sess.userID
}

// GetLoginStatus returns the login state. While the SDK reconnects after a
// dropped connection it is StatusLoggingIn.
func (m *Manager) GetLoginStatus() LoginStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.status
}

// AddSDKListener registers l; listeners are compared with ==, so pass a
// pointer. Adding one twice has no effect.
func (m *Manager) AddSDKListener(l SDKListener) {
	if l == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.sdkListeners {
		if x == l {
			return
		}
	}
	m.sdkListeners = append(m.sdkListeners, l)
}

// RemoveSDKListener unregisters l.
func (m *Manager) RemoveSDKListener(l SDKListener) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, x := range m.sdkListeners {
		if x == l {
			m.sdkListeners = append(m.sdkListeners[:i:i], m.sdkListeners[i+1:]...)
			return
		}
	}
}

// Login logs userID in with userSig, which the app's server computed
// (login). An unknown userID is signed up by the server. It returns once the
// server accepted the login; from then on the SDK keeps the session online,
// reconnecting by itself after a dropped connection, until Logout, a kick
// (OnKickedOffline) or the UserSig's expiry (OnUserSigExpired).
//
// Logging in the user already logged in succeeds at once (and the new
// userSig is used for later reconnects); logging in another user logs the
// current one out first. A Login while another Login runs fails with
// ErrCodeLoginInProgress.
func (m *Manager) Login(ctx context.Context, userID, userSig string) error {
	if userID == "" || userSig == "" {
		return newError(ErrCodeInvalidParameters, "userID and userSig are required")
	}
	if !m.cfg.Platform.valid() {
		return newError(ErrCodeInvalidParameters, "unknown platform %q", m.cfg.Platform)
	}
	if m.endpointEr != nil {
		return wrapError(ErrCodeInvalidParameters, m.endpointEr, m.endpointEr.Error())
	}
	for {
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			return errClosed()
		}
		old := m.sess
		if old == nil {
			break // keep the lock
		}
		if !old.established {
			m.mu.Unlock()
			return newError(ErrCodeLoginInProgress, "a login is in progress")
		}
		if old.userID == userID {
			old.userSig = userSig
			m.mu.Unlock()
			return nil
		}
		m.mu.Unlock()
		m.logout(ctx) // switching accounts
	}
	s := &session{userID: userID, userSig: userSig, connected: make(chan struct{}), msg: newMsgSession()}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.loopCtx = context.WithValue(s.ctx, noWaitKey{}, true)
	m.sess = s
	m.status = StatusLoggingIn
	m.mu.Unlock()

	m.notifySDK(func(l SDKListener) { l.OnConnecting() })
	c, err := m.connect(ctx, s)
	m.mu.Lock()
	if err == nil && m.sess != s {
		err = newError(ErrCodeNotLoggedIn, "logged out while logging in")
	}
	if err != nil {
		ended := m.sess == s
		if ended {
			m.sess = nil
			m.status = StatusLoggedOut
		}
		m.mu.Unlock()
		s.cancel()
		if c != nil {
			c.close(nil)
		}
		if ended {
			code, info := errorParts(err)
			m.notifySDK(func(l SDKListener) { l.OnConnectFailed(code, info) })
		}
		return err
	}
	// onLoggedIn installed c (unless it dropped already: then the
	// supervisor reconnects at once).
	m.mu.Unlock()
	go m.supervise(s, c)
	return nil
}

// Logout ends the session (logout): the server is told, the connection
// closes and the SDK does not reconnect. Logging out when not logged in
// succeeds.
func (m *Manager) Logout(ctx context.Context) error {
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return errClosed()
	}
	return m.logout(ctx)
}

func (m *Manager) logout(ctx context.Context) error {
	m.mu.Lock()
	s := m.sess
	if s == nil {
		m.mu.Unlock()
		return nil
	}
	c := s.conn
	m.sess = nil
	m.status = StatusLoggedOut
	m.mu.Unlock()
	s.cancel()
	if c == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.RequestTimeout)
	defer cancel()
	_, err := c.roundTrip(ctx, "logout", nil)
	c.closeGracefully()
	if err != nil && !isNetworkError(err) {
		return err
	}
	return nil
}

// endSession ends s if it is still the Manager's session; it reports
// whether it did.
func (m *Manager) endSession(s *session) bool {
	m.mu.Lock()
	if m.sess != s {
		m.mu.Unlock()
		return false
	}
	m.sess = nil
	m.status = StatusLoggedOut
	m.mu.Unlock()
	s.cancel()
	return true
}

func errClosed() *Error { return newError(ErrCodeNotInitialized, "the SDK was closed") }

func errorParts(err error) (int, string) {
	var e *Error
	if errors.As(err, &e) {
		return e.Code, e.Info
	}
	return -1, err.Error()
}

// connect dials and logs s in on a new connection.
func (m *Manager) connect(ctx context.Context, s *session) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.RequestTimeout)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel) // Logout or Close abandons the attempt
	defer stop()
	d := ws.Dialer{NetDial: m.cfg.Dialer, Timeout: m.cfg.RequestTimeout}
	nc, br, _, err := d.Dial(ctx, m.endpoint)
	if err != nil {
		code := ErrCodeNetDisconnected
		var ne net.Error
		if ctx.Err() != nil || (errors.As(err, &ne) && ne.Timeout()) {
			code = ErrCodeNetConnectTimeout
		}
		return nil, wrapError(code, err, "connect: "+err.Error())
	}
	c := newConn(m, s, nc, br)
	c.start()
	m.mu.Lock()
	sig := s.userSig
	m.mu.Unlock()
	f, err := c.roundTripID(ctx, c.loginID, "login", map[string]string{
		"userID": s.userID, "userSig": sig, "platform": string(m.cfg.Platform), "instanceID": m.instanceID,
	})
	if err != nil {
		c.close(err)
		return nil, err
	}
	a := parseLoginAnswer(f.Data)
	interval := defaultHeartbeat
	if a.Heartbeat > 0 {
		interval = time.Duration(a.Heartbeat) * time.Second
	}
	if hb := m.cfg.HeartbeatInterval; hb > 0 && hb < interval {
		interval = hb
	}
	go c.heartbeat(interval)
	return c, nil
}

// connLost runs when c closes: calls made from now on wait for the
// reconnect instead of failing on the dead connection.
func (m *Manager) connLost(c *conn) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := c.sess
	if m.sess != s || s.conn != c {
		return
	}
	s.conn = nil
	s.connected = make(chan struct{})
	m.status = StatusLoggingIn
}

// supervise keeps s online: when its connection drops it reconnects with
// exponential backoff and jitter, logging in again with the same UserSig.
func (m *Manager) supervise(s *session, c *conn) {
	for {
		select {
		case <-c.done:
		case <-s.ctx.Done():
			return
		}
		if s.ctx.Err() != nil {
			return
		}
		m.log.Info("parley sdk: connection lost, reconnecting", "user", s.userID, "error", c.closedErr())
		if c = m.reconnect(s); c == nil {
			return
		}
	}
}

// reconnect returns the new connection, or nil when the session ended.
func (m *Manager) reconnect(s *session) *conn {
	delay := m.cfg.ReconnectMinDelay
	for {
		wait := delay/2 + rand.N(delay/2+1)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			return nil
		}
		m.notifySDK(func(l SDKListener) { l.OnConnecting() })
		c, err := m.connect(s.ctx, s)
		if err == nil {
			if !m.isCurrent(s) {
				c.close(nil)
				return nil
			}
			return c
		}
		if s.ctx.Err() != nil {
			return nil
		}
		code, info := errorParts(err)
		m.notifySDK(func(l SDKListener) { l.OnConnectFailed(code, info) })
		if isUserSigError(code) {
			if m.endSession(s) && (code == ErrCodeUserSigExpired || code == 70001) {
				m.notifySDK(func(l SDKListener) { l.OnUserSigExpired() })
			}
			return nil
		}
		m.log.Info("parley sdk: reconnect failed", "user", s.userID, "error", err, "next", delay)
		delay = min(delay*2, m.cfg.ReconnectMaxDelay)
	}
}

// onPushFrame runs on c's reader for every push.
func (m *Manager) onPushFrame(c *conn, f frame) {
	if f.Push == "kicked" {
		var d struct {
			Reason string `json:"reason"`
		}
		if f.Data != nil {
			_ = jsonUnmarshal(f.Data, &d)
		}
		m.log.Info("parley sdk: kicked", "user", c.sess.userID, "reason", d.Reason)
		if m.endSession(c.sess) {
			if d.Reason == "usersig_expired" {
				m.notifySDK(func(l SDKListener) { l.OnUserSigExpired() })
			} else {
				m.notifySDK(func(l SDKListener) { l.OnKickedOffline() })
			}
		}
		c.close(newError(ErrCodeKickedOffline, "kicked: %s", d.Reason))
		return
	}
	m.tasks.push(task{kind: taskPush, sess: c.sess, frame: f})
}

// onLoggedIn runs on c's reader when the login answer arrives, before any
// push that follows it. The task it queues fires OnConnectSuccess and then
// catches up, so the listeners see the reconnect before the changes it
// brings.
func (m *Manager) onLoggedIn(c *conn, f frame) {
	s := c.sess
	m.mu.Lock()
	if m.sess == s && s.conn == nil {
		s.conn = c
		s.established = true
		close(s.connected)
		m.status = StatusLoggedIn
	}
	m.mu.Unlock()
	m.tasks.push(task{kind: taskConnected, sess: c.sess, eventSeq: parseLoginAnswer(f.Data).EventSeq})
}

// current returns the session calls go to.
func (m *Manager) current() (*session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, errClosed()
	}
	if m.sess == nil {
		return nil, newError(ErrCodeNotLoggedIn, "not logged in")
	}
	return m.sess, nil
}

func (m *Manager) isCurrent(s *session) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sess == s && !m.closed
}

// noWaitKey marks the contexts of the callback goroutine's own requests:
// they fail at once while the connection is down instead of waiting for the
// reconnect, so connection-state callbacks queued behind them are not
// delayed; the reconnect's catch-up applies what they could not.
type noWaitKey struct{}

// activeConn returns s's live connection, waiting for a reconnect in
// progress (unless ctx says not to).
func (m *Manager) activeConn(ctx context.Context, s *session) (*conn, error) {
	for {
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			return nil, errClosed()
		}
		if m.sess != s {
			m.mu.Unlock()
			return nil, newError(ErrCodeNotLoggedIn, "not logged in")
		}
		c, wait := s.conn, s.connected
		m.mu.Unlock()
		if c != nil {
			return c, nil
		}
		if ctx.Value(noWaitKey{}) != nil {
			return nil, newError(ErrCodeNetDisconnected, "not connected")
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctxError(ctx)
		case <-s.ctx.Done():
			return nil, newError(ErrCodeNotLoggedIn, "not logged in")
		}
	}
}

// call runs op for the current session and decodes the answer's data into
// out (if not nil).
func (m *Manager) call(ctx context.Context, op string, in, out any) error {
	s, err := m.current()
	if err != nil {
		return err
	}
	_, err = m.callSess(ctx, s, op, in, out)
	return err
}

// callSess runs op on s within the request timeout, waiting for a reconnect
// if one is in progress. The frame is returned also with a server error.
func (m *Manager) callSess(ctx context.Context, s *session, op string, in, out any) (frame, error) {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.RequestTimeout)
	defer cancel()
	c, err := m.activeConn(ctx, s)
	if err != nil {
		return frame{}, err
	}
	f, err := c.roundTrip(ctx, op, in)
	if out != nil && f.Data != nil {
		if derr := jsonUnmarshal(f.Data, out); derr != nil && err == nil {
			err = wrapError(ErrCodeParseResponse, derr, op+": cannot decode the answer: "+derr.Error())
		}
	}
	return f, err
}
