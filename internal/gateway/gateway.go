// Package gateway is the client door: Parley's WebSocket protocol
// (docs/protocol.md). It authenticates logins with the same UserSig
// verifier as REST, applies the multi-instance policy through presence,
// runs client operations on the same domain services the REST API calls,
// and delivers change-log events to every online instance of their user.
package gateway

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"github.com/parleyim/parley/internal/account"
	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/conversation"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/presence"
	"github.com/parleyim/parley/internal/profile"
	"github.com/parleyim/parley/internal/relation"
	"github.com/parleyim/parley/internal/status"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/usersig"
)

// Gateway serves /v1/ws.
type Gateway struct {
	Apps      *app.Registry
	Store     store.Store
	Accounts  *account.Service
	Profiles  *profile.Service
	Relations *relation.Service
	Messages  *message.Service
	Presence  *presence.Registry
	Logger    *slog.Logger

	Conversations *conversation.Service

	// Metrics counts what the connection bounds refuse; nil records nothing.
	Metrics *Metrics
	// Broker carries pushes to the nodes with sessions of their user; nil
	// is an in-process broker (one node).
	Broker broker.Broker
	// Groups says which groups a user is in at login (group delivery,
	// group_delivery.go); nil: no groups until JoinedGroup says otherwise.
	Groups GroupDirectory
	// GroupService serves the group.* ops and group conversations of the
	// msg.* ops (ops_group.go); set before serving.
	GroupService *group.Service
	// ClusterPresence keeps sessions in the store's session directory
	// (presence.Directory) so the login policy, kicks and online status
	// cover every node sharing the store; kicks of sessions on other nodes
	// travel on the broker. Off, presence is this node's Registry alone.
	ClusterPresence bool

	heartbeat           time.Duration
	loginTimeout        time.Duration
	writeTimeout        time.Duration
	requestTimeout      time.Duration
	maxOutboundBytes    int
	maxAnswerBytes      int
	passPausePerSession time.Duration // Options.GroupPassPausePerSession
	// testHookSweepPart, when set (tests only, before any delivery), is
	// called by a group sweep after each part with the sweep's member list
	// and the number of them done so far.
	testHookSweepPart func(members []*groupMember, done int)
	netpoll           bool // park idle connections (netpoll_linux.go)
	ops               map[string]opFunc
	queuedOps         map[string]queuedOpFunc
	limiter           *userLimiter
	metrics           *Metrics
	conns             connSet
	draining          atomic.Bool
	nodeID            uint64 // this node in envelopes, random per start
	interest          *broker.Interest
	groups            *groupIndex
	directory         *presence.Directory // nil unless ClusterPresence
	nodeSub           broker.Subscription
	nextConnID        atomic.Uint64
	publishFailures   atomic.Uint64 // broker publishes that failed
	publishLogged     atomic.Int64  // unix ns of the last failure logged
	userStatus        *status.Service
	statusSubs        *statusSubs      // ops_status.go
	statusInterest    *broker.Interest // in status subjects
	statusEnding      chan struct{}    // bounds the status work of ending sessions
}

// Options tunes timing and bounds; zero values take the protocol's defaults.
type Options struct {
	Heartbeat    time.Duration // client ping interval; silence for 3× closes
	LoginTimeout time.Duration // from the upgrade to the login's answer, absolute
	WriteTimeout time.Duration // one batch of frames to a socket
	// RequestTimeout bounds one request's work (6012 past it).
	RequestTimeout time.Duration
	// MaxOutboundBytes bounds the bytes queued to one connection; past it
	// the connection is closed as a slow consumer.
	MaxOutboundBytes int
	// MaxAnswerBytes caps one answer (DefaultMaxAnswerBytes).
	MaxAnswerBytes int
	// PresenceRenewEvery is how often a node of a cluster renews its
	// liveness in the session directory and ends the sessions kicked
	// there whose envelope it missed (presence.DefaultRenewEvery).
	PresenceRenewEvery time.Duration
	// GroupPassPausePerSession paces a big group's delivery sweeps: the
	// least time between the starts of two sweeps is this times the group's local
	// sessions, capped at 100 ms (DefaultGroupPassPausePerSession when 0;
	// negative: no pacing). See passPause in group_delivery.go.
	GroupPassPausePerSession time.Duration
	// DisableNetpoll keeps a blocking reader goroutine on every connection
	// instead of parking idle logged-in ones on the node's epoll poller
	// (Linux, plain TCP); the gateway_netpoll setting (false) sets it.
	DisableNetpoll bool
}

type opFunc func(ctx context.Context, c *conn, data json.RawMessage) (any, error)

// Init prepares the gateway and subscribes delivery to events.
func (g *Gateway) Init(events *event.Bus, opt Options) {
	g.heartbeat = orDefault(opt.Heartbeat, 30*time.Second)
	g.loginTimeout = orDefault(opt.LoginTimeout, 10*time.Second)
	g.writeTimeout = orDefault(opt.WriteTimeout, 10*time.Second)
	g.requestTimeout = orDefault(opt.RequestTimeout, 30*time.Second)
	g.maxOutboundBytes = opt.MaxOutboundBytes
	if g.maxOutboundBytes <= 0 {
		g.maxOutboundBytes = DefaultMaxOutboundBytes
	}
	g.passPausePerSession = orDefault(opt.GroupPassPausePerSession, DefaultGroupPassPausePerSession)
	g.maxAnswerBytes = opt.MaxAnswerBytes
	if g.maxAnswerBytes <= 0 {
		g.maxAnswerBytes = DefaultMaxAnswerBytes
	}
	if g.Logger == nil {
		g.Logger = slog.Default()
	}
	g.metrics = g.Metrics
	if g.metrics == nil {
		g.metrics = NewMetrics(nil)
	}
	g.limiter = newUserLimiter()
	g.netpoll = !opt.DisableNetpoll
	g.initDelivery()
	g.initPresence(opt)
	g.ops = map[string]opFunc{}
	g.queuedOps = map[string]queuedOpFunc{}
	g.userOps()
	g.friendOps()
	g.messageOps()
	g.conversationOps()
	g.chatGroupOps() // after messageOps: it routes msg.* requests naming a group
	g.statusOps()
	events.Subscribe(g.deliver)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// ServeHTTP upgrades to WebSocket and returns at once: the connection runs
// on its own goroutine so that net/http's per-request buffers are freed,
// which is most of an idle connection's memory.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.Draining() {
		refuseWhileDraining(w)
		return
	}
	id, err := strconv.ParseUint(r.URL.Query().Get("sdkappid"), 10, 32)
	if err != nil {
		http.Error(w, "sdkappid required", http.StatusBadRequest)
		return
	}
	a, ok := g.Apps.Lookup(id)
	if !ok {
		http.Error(w, "unknown sdkappid", http.StatusNotFound)
		return
	}
	nc, _, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return
	}
	c := &conn{g: g, nc: nc, app: a, loginDeadline: time.Now().Add(g.loginTimeout).UnixNano(), id: g.nextConnID.Add(1)}
	c.parkable = g.netpoll && c.initPark()
	g.conns.add(c)
	go c.serve()
}

// run runs one request of c to its end (req and decodeErr are
// DecodeRequest's) and returns its answer frame, and whether the
// connection closes after it (a logout).
func (g *Gateway) run(c *conn, req Request, decodeErr error) (frame []byte, last bool) {
	if decodeErr != nil {
		return responseFrame(req.ID, nil, decodeErr), false
	}
	if err := g.allow(c, req); err != nil {
		return responseFrame(req.ID, nil, err), false
	}
	ctx := c.startRequest(g.requestTimeout)
	data, err := g.handle(ctx, c, req)
	timedOut := ctx.Err() == context.DeadlineExceeded
	c.endRequest()
	frame, err = g.answer(c, req, data, err, timedOut)
	return frame, req.Op == "logout" && err == nil
}

// allow applies the per-user rate limit to req.
func (g *Gateway) allow(c *conn, req Request) error {
	if err := g.limiter.allow(c, req.Op, time.Now()); err != nil {
		g.metrics.rateLimited[opClass(req.Op)].Inc()
		return err
	}
	return nil
}

// answer is the frame answering req with data or err, and the error it
// carries. Internal failures are logged with the op, app, user and a
// request ID the client also gets; a request past its deadline is 6012;
// an answer over the answer cap is replaced by an error, so no answer
// exceeds the cap.
func (g *Gateway) answer(c *conn, req Request, data any, err error, timedOut bool) ([]byte, error) {
	if err != nil && !isDomainError(err) {
		if timedOut {
			err = errcode.Newf(CodeRequestTimeout, "request timed out after %s", g.requestTimeout)
		} else if !c.cancelled() {
			err = g.internalError(c, req, err)
		}
	}
	frame := responseFrame(req.ID, data, err)
	if len(frame) > g.maxAnswerBytes {
		frame = responseFrame(req.ID, nil, errcode.Newf(CodeInvalidRequest,
			"answer of %d bytes is over the %d-byte limit: ask for fewer items (page with the op's cursor)", len(frame), g.maxAnswerBytes))
	}
	return frame, err
}

// queuedOpFunc begins a request of an op that may be queued behind the
// unanswered requests of its connection (Gateway.queuedOps): it checks the
// request and queues its write.
type queuedOpFunc func(ctx context.Context, c *conn, data json.RawMessage) begun

// begun is a queued op's request once begun: finish, which the worker
// calls in request order, waits for its write and makes the answer; ready
// is closed once finish would not wait for a write queued as it began (a
// request that is not queued, as a group's send, is ready at once and does
// its work in finish).
type begun struct {
	ready  <-chan struct{}
	finish func() (any, error)
}

// answerNow is a queued request decided when it began.
func answerNow(data any, err error) begun {
	return begun{ready: store.ReadyNow, finish: func() (any, error) { return data, err }}
}

// queuedRequest is a request begun (begin) and not yet answered (finish).
type queuedRequest struct {
	begun
	req  Request
	size int // bytes as read, given back to the connection's bound once answered
	ctx  context.Context
	stop context.CancelFunc
}

// queuedOp returns the op of req if it may be queued: a queued op of a
// logged-in connection.
func (g *Gateway) queuedOp(c *conn, req Request) (queuedOpFunc, bool) {
	op, ok := g.queuedOps[req.Op]
	if !ok {
		return nil, false
	}
	c.mu.Lock()
	loggedIn := c.session != nil
	c.mu.Unlock()
	return op, loggedIn
}

// begin starts req, of op, while the connection's earlier requests may be
// unanswered.
func (g *Gateway) begin(c *conn, req Request, op queuedOpFunc, size int) queuedRequest {
	q := queuedRequest{req: req, size: size}
	if err := g.allow(c, req); err != nil {
		q.begun = answerNow(nil, err)
		return q
	}
	q.ctx, q.stop = c.startQueued(g.requestTimeout)
	q.begun = op(q.ctx, c, req.Data)
	return q
}

// finish answers a begun request.
func (g *Gateway) finish(c *conn, q queuedRequest) []byte {
	data, err := q.finish()
	timedOut := q.ctx != nil && q.ctx.Err() == context.DeadlineExceeded
	if q.stop != nil {
		q.stop()
	}
	frame, _ := g.answer(c, q.req, data, err, timedOut)
	return frame
}

// internalError logs a failure that is not the client's and returns what the
// client is told: 20005 with a request ID that names the log line.
func (g *Gateway) internalError(c *conn, req Request, err error) error {
	id := newRequestID()
	user := ""
	if c.session != nil {
		user = c.session.User
	}
	g.metrics.internalErrors.Inc()
	g.Logger.Error("gateway request failed", "op", req.Op, "sdkappid", c.app.SDKAppID, "user", user,
		"request_id", id, "error", err.Error())
	return &internalError{requestID: id}
}

// handle runs one request.
func (g *Gateway) handle(ctx context.Context, c *conn, r Request) (any, error) {
	if r.Op == "login" {
		return g.login(ctx, c, r.Data)
	}
	c.mu.Lock()
	s := c.session
	c.mu.Unlock()
	if s == nil {
		return nil, errcode.New(CodeNotLoggedIn, "not logged in: send login first")
	}
	fn, ok := g.ops[r.Op]
	if !ok {
		return nil, errcode.Newf(CodeInvalidRequest, "unknown op %q", r.Op)
	}
	return fn(ctx, c, r.Data)
}

func decode(data json.RawMessage, v any) error {
	if len(data) == 0 {
		data = []byte("{}")
	}
	if err := json.Unmarshal(data, v); err != nil {
		return errcode.Newf(CodeInvalidRequest, "invalid data: %v", err)
	}
	return nil
}

type loginData struct {
	UserID     string `json:"userID"`
	UserSig    string `json:"userSig"`
	Platform   string `json:"platform"`
	InstanceID string `json:"instanceID"`
}

// login runs a login request and counts it by platform and outcome
// (parley_gateway_logins_total).
func (g *Gateway) login(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d loginData
	outcome := loginError
	defer func() { g.metrics.login(d.Platform, outcome) }()
	if err := decode(data, &d); err != nil {
		outcome = loginBadRequest
		return nil, err
	}
	if c.loggedIn() {
		outcome = loginBadRequest
		return nil, errcode.New(CodeInvalidRequest, "already logged in on this connection")
	}
	if !presence.ValidPlatform(d.Platform) {
		outcome = loginBadRequest
		return nil, errcode.Newf(CodeInvalidRequest, "unknown platform %q", d.Platform)
	}
	if !account.ValidUserID(d.UserID) {
		outcome = loginBadRequest
		return nil, errcode.Newf(CodeInvalidRequest, "invalid userID %q", d.UserID)
	}
	// Not the caching verifier: a user logs in rarely, and caching every
	// user's ticket would cost memory per connection for no gain.
	ticket, err := usersig.Verify(d.UserSig, c.app.SDKAppID, c.app.SecretKey, d.UserID, time.Now())
	if err != nil {
		if se, ok := err.(*usersig.Error); ok {
			if se.Code == usersig.CodeExpired {
				outcome = loginExpired
				return nil, errcode.New(CodeUserSigExpired, "ERR_USER_SIG_EXPIRED")
			}
			outcome = loginBadSig
			return nil, errcode.New(se.Code, se.Info)
		}
		return nil, err
	}
	if err := g.Accounts.SignUp(ctx, c.app, d.UserID); err != nil {
		return nil, err
	}
	// On one node the voided-UserSig check is a read here; with the session
	// directory it runs inside the login's transaction (sessionGuard).
	if g.directory == nil {
		if valid, err := g.Accounts.UserSigValid(ctx, c.app, d.UserID, ticket.Time); err != nil {
			return nil, err
		} else if !valid {
			return nil, errUserSigVoided
		}
	}
	var seq uint64
	if err := g.Store.Read(ctx, func(tx store.Tx) (err error) {
		seq, err = tx.UserEventSeq(ctx, c.app.SDKAppID, d.UserID)
		return err
	}); err != nil {
		return nil, errcode.Wrapf(err, "gateway: change log position of %s", d.UserID)
	}
	s := &presence.Session{ID: c.id, App: c.app.SDKAppID, User: d.UserID, Platform: d.Platform, Instance: d.InstanceID, LoginAt: time.Now(), Endpoint: c}
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return nil, errcode.New(CodeInvalidRequest, "connection closed")
	}
	c.session = s
	c.expiresAt = ticket.ExpiresAt().UnixNano()
	// The reader is blocked with the login deadline; from now on silence is
	// judged by the heartbeat. A reader waiting for bytes without reading
	// (waitReadable) is woken instead, to park.
	if c.readerWaiting {
		c.nc.SetReadDeadline(time.Now())
	} else {
		c.nc.SetReadDeadline(time.Now().Add(3 * g.heartbeat))
	}
	// A connection that parks is kicked at the expiry by the poller's sweep
	// (or its reader), without a timer of its own.
	if wait := time.Until(ticket.ExpiresAt()); wait > 0 && !c.parkable {
		c.expiry = time.AfterFunc(wait, func() { c.Kick(presence.KickUserSigExpired) })
	}
	c.mu.Unlock()
	kicks, err := g.register(ctx, s, c.app.Login.Limit(d.Platform), ticket.Time)
	if err != nil {
		// Nothing was registered: the connection is not logged in.
		c.mu.Lock()
		c.session = nil
		if c.expiry != nil {
			c.expiry.Stop()
			c.expiry = nil
		}
		c.mu.Unlock()
		return nil, err
	}
	outcome = loginOK
	c.logSession("session login")
	c.mu.Lock()
	gone := c.closing
	c.mu.Unlock()
	if gone {
		// The socket died while logging in; its shutdown ran before the
		// session was registered, so the registration is undone here.
		g.leave(s)
	}
	g.kick(kicks)
	if !gone {
		if err := g.subscribe(c, c.app.SDKAppID, d.UserID); err != nil {
			// Without the subscription this session would hear nothing.
			g.leave(s)
			return nil, err
		}
	}
	if !gone {
		c.stateLogin(kicks)
		g.statusLoggedIn(ctx, c, s)
	}
	return map[string]any{
		"userID":          d.UserID,
		"serverTime":      time.Now().Unix(),
		"heartbeat":       int(g.heartbeat / time.Second),
		"eventSeq":        seq,
		"userSigExpireAt": ticket.ExpiresAt().Unix(),
	}, nil
}

// deliver sends a logged event to every online instance of its user. The
// frame is encoded once; each connection only queues the same bytes.
func (g *Gateway) deliver(e event.Event) {
	if e.Message != nil {
		g.deliverMessage(e)
		return
	}
	if e.Kind == event.AccountDeleted {
		if g.directory == nil {
			g.Kick(context.Background(), e.App, e.User, presence.KickRESTAPI)
			return
		}
		// The user's sessions may be on any node: the directory is a store
		// write, not for the bus's goroutine.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), g.requestTimeout)
			defer cancel()
			if _, err := g.Kick(ctx, e.App, e.User, presence.KickRESTAPI); err != nil {
				g.Logger.Warn("kicking a deleted account's sessions failed", "sdkappid", e.App, "user", e.User, "error", err.Error())
			}
		}()
		return
	}
	if e.Seq == 0 {
		return
	}
	subject := broker.UserSubject(e.App, e.User)
	if !g.mayListen(subject) {
		return
	}
	g.publish(e.App, e.User, subject, nil, PushFrame(string(e.Kind), e.Seq, pushData(e)))
}

type userIDs struct {
	UserIDs []string `json:"userIDs"`
}

func pushData(e event.Event) any {
	if d, ok := conversationPushData(e); ok {
		return d
	}
	switch e.Kind {
	case event.FriendRequestsRead, event.FriendListsChanged:
		return struct{}{}
	}
	ids := e.Peers
	if ids == nil {
		ids = []string{}
	}
	return userIDs{ids}
}

// origin is the connection's context marked with its session's platform
// and address, which the callbacks report (OptPlatform, ClientIP); before
// login, the connection's context as it is.
func (c *conn) origin() context.Context {
	c.mu.Lock()
	s := c.session
	c.mu.Unlock()
	if s == nil {
		return clientContext
	}
	ip := ""
	if a, ok := c.nc.RemoteAddr().(*net.TCPAddr); ok {
		ip = a.IP.String()
	}
	return hook.WithOrigin(clientContext, hook.Origin{Platform: s.Platform, ClientIP: ip})
}
