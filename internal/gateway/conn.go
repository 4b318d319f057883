package gateway

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/gobwas/ws"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/presence"
)

// Per-connection bounds (docs/protocol.md, "Limits"). Everything a client
// can make the server hold for it is bounded here: what it sends and the
// server has not answered yet, and what the server has queued for it and
// the client has not read yet.
const (
	// MaxQueuedRequests bounds the requests of one connection that are read
	// but not answered yet (the one running included). Past it the client
	// gets an error frame (7008) and the connection is closed with 1008.
	MaxQueuedRequests = 64
	// MaxQueuedSends bounds a connection's sends begun and not yet
	// answered (their writes queued for the store's next commits); more
	// wait to be read from the requests above.
	MaxQueuedSends = 16
	// MaxQueuedRequestBytes bounds the bytes of those requests.
	MaxQueuedRequestBytes = 1 << 20
	// MaxRequestsBeforeLogin bounds the frames a connection may send before
	// its login succeeds (the login included): past it the connection is
	// closed with 1008, so a client that never logs in cannot keep the
	// server decoding its frames.
	MaxRequestsBeforeLogin = 8
	// MaxLoginFrameBytes caps a message read before the connection is
	// logged in: a login is well under 2 KiB, so a connection that has not
	// proved who it is cannot make the server buffer 256 KiB.
	MaxLoginFrameBytes = 16 << 10
	// DefaultMaxOutboundBytes bounds the frames queued to one connection
	// and not yet written to its socket. A client that falls this far behind
	// is a slow consumer: it is disconnected (and counted), and resyncs by
	// seq when it reconnects, so nothing is lost.
	DefaultMaxOutboundBytes = 8 << 20
	// DefaultMaxAnswerBytes caps one answer frame; a larger answer is
	// replaced by an error telling the client to ask for less (every list
	// op pages or caps its count).
	DefaultMaxAnswerBytes = 2 << 20
)

// conn is one client WebSocket. Its reader goroutine only reads and queues,
// and returns (parks, netpoll_linux.go) when the socket has nothing to read;
// requests run on a worker goroutine that exists while requests are pending,
// and frames are written by a flusher goroutine that exists while frames are
// queued. An idle logged-in connection therefore holds no goroutine (one
// shallow reader where it cannot park: TLS, parking off, not Linux).
type conn struct {
	g   *Gateway
	nc  net.Conn
	app *app.App
	// loginDeadline is absolute from the upgrade: frames sent before login
	// do not extend it.
	loginDeadline int64 // unix ns

	mu  sync.Mutex
	out [][]byte
	// spare is the flusher's last batch slice, emptied, which the next
	// queue after an idle spell takes as out: a busy room's pass costs a
	// session no allocation (under mu).
	spare    [][]byte
	outBytes int // queued in out
	writing  int // bytes of the batch the flusher is writing
	reqs     [][]byte
	// arrived, while the worker waits for a begun send's write with no
	// request to begin, is closed by the next request's arrival (under mu).
	arrived  chan struct{}
	pending  int    // requests read and not answered (queued or running)
	reqBytes int    // their bytes
	preLogin int    // frames read before the login succeeded
	id       uint64 // this node's number for it (envelope origins)
	subject  string // the broker subject it holds an interest in, once logged in
	park     parkState

	// No context is kept per connection (a cancelCtx with its Done channel
	// and children map is half a kilobyte): requests run one at a time, and
	// the running one's context (running, with its cancel, under mu) is
	// cancelled by cancel when the connection closes or starts closing
	// (logout, kick, slow consumer), so work done for a client that is gone
	// stops; stopped says cancel ran, and later requests start cancelled.
	running     context.Context
	stopRunning context.CancelFunc

	// Set once at login under mu, read by the worker afterwards.
	// The UserSig's expiry (unix ns): no request runs at or after it, and
	// the connection is kicked then, by the timer expiry on a connection
	// that cannot park, by the poller's sweep or the reader on one that can.
	session   *presence.Session
	expiry    *time.Timer
	expiresAt int64

	// endReason is the first known cause of the connection's end (set once,
	// under mu, by ending), and endCode the WebSocket close code sent or
	// received for it, if any. A session's end is logged once: a logout or a
	// kick logs its own line; any other cause is logged by shutdown as
	// "session disconnected".
	endReason string
	endCode   ws.StatusCode

	// The small fields together, so the struct has no padding between them.
	flushing bool
	closing  bool // no more frames accepted, no more requests run; close after the queue drains
	closed   bool
	working  bool
	stopped  bool
	// parkable: a plain TCP socket on a node that parks idle connections
	// (netpoll_linux.go), set once at the upgrade. readerWaiting: the
	// reader of a connection not logged in waits for bytes without
	// reading (waitReadable), so a login may wake it to park (under mu).
	parkable      bool
	readerWaiting bool
	shard         uint8 // of Gateway.conns, set once at the upgrade
}

// writevLists are the flushers' writev lists (net.Buffers escapes into the
// write), shared rather than kept on every connection.
var writevLists = sync.Pool{New: func() any { return new(net.Buffers) }}

// clientContext is what every request's context derives from: marked as a
// client's (hook.FromClient), never cancelled itself.
var clientContext = hook.FromClient(context.Background())

// cancel cancels the running request's context and every later one's.
func (c *conn) cancel() {
	c.mu.Lock()
	c.stopped = true
	stop := c.stopRunning
	c.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// cancelled reports whether cancel ran.
func (c *conn) cancelled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopped
}

// startRequest makes the context of the request about to run on the
// worker: from the connection's origin, under timeout, cancelled by cancel.
// endRequest must follow.
func (c *conn) startRequest(timeout time.Duration) context.Context {
	ctx, stop := context.WithTimeout(c.origin(), timeout)
	c.setRunning(ctx, stop)
	return ctx
}

// setRunning makes ctx the running context, which cancel cancels (at once if it
// already ran).
func (c *conn) setRunning(ctx context.Context, stop context.CancelFunc) {
	c.mu.Lock()
	c.running, c.stopRunning = ctx, stop
	stopped := c.stopped
	c.mu.Unlock()
	if stopped {
		stop()
	}
}

// startQueued makes the context of a request begun while the ones before
// it may be unanswered (conn.work): under timeout, from a context the
// connection holds while it has such requests (its running context, which
// cancel cancels, and endRequest gives back once the last is answered).
func (c *conn) startQueued(timeout time.Duration) (context.Context, context.CancelFunc) {
	c.mu.Lock()
	parent := c.running
	c.mu.Unlock()
	if parent == nil {
		var stop context.CancelFunc
		parent, stop = context.WithCancel(c.origin())
		c.setRunning(parent, stop)
	}
	return context.WithTimeout(parent, timeout)
}

func (c *conn) endRequest() {
	c.mu.Lock()
	stop := c.stopRunning
	c.running, c.stopRunning = nil, nil
	c.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// requestContext is the context of the request running on the worker (the
// caller's); outside a request, a cancelled one.
func (c *conn) requestContext() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running != nil {
		return c.running
	}
	return cancelledContext
}

var cancelledContext = func() context.Context {
	ctx, cancel := context.WithCancel(clientContext)
	cancel()
	return ctx
}()

// End causes that log their own line (see conn.endReason).
const (
	endLogout = "logout"
	endKicked = "kicked"
)

// ending records reason (and the close code, 0 for none) as the cause of
// the connection's end unless one is known already or the connection is
// closed, and reports whether it did.
func (c *conn) ending(reason string, code ws.StatusCode) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.endReason != "" || c.closed {
		return false
	}
	c.endReason, c.endCode = reason, code
	return true
}

// logSession logs msg at info with the session's identity and attrs; it
// logs nothing before login.
func (c *conn) logSession(msg string, attrs ...slog.Attr) {
	ctx := context.Background()
	if !c.g.Logger.Enabled(ctx, slog.LevelInfo) {
		return
	}
	c.mu.Lock()
	s := c.session
	c.mu.Unlock()
	if s == nil {
		return
	}
	all := make([]slog.Attr, 0, 5+len(attrs))
	all = append(all, slog.Uint64("sdkappid", s.App), slog.String("user", s.User), slog.String("platform", s.Platform),
		slog.String("instance", s.Instance))
	if msg != "session login" {
		all = append(all, slog.Int64("duration_ms", time.Since(s.LoginAt).Milliseconds()))
	}
	c.g.Logger.LogAttrs(ctx, slog.LevelInfo, msg, append(all, attrs...)...)
}

// serve is the connection's reader from the upgrade on.
func (c *conn) serve() { c.read(time.Time{}) }

// read reads messages and queues them for the worker until the connection
// ends (then it runs shutdown) or, for a connection that can park, until it
// would block with nothing on the socket (then it parks and returns; the
// poller runs read again when the socket is readable). deadline is the
// read deadline in effect, zero for a new one: silence is counted from the
// last data message, so control frames do not extend it.
func (c *conn) read(deadline time.Time) {
	deadlineLoggedIn := !deadline.IsZero() // a parked connection's is
	for {
		c.mu.Lock()
		loggedIn, expiresAt, closing := c.session != nil, c.expiresAt, c.closing
		var loginAt time.Time
		if loggedIn {
			loginAt = c.session.LoginAt
		}
		c.mu.Unlock()
		switch {
		case deadline.IsZero() && loggedIn:
			deadline = time.Now().Add(3 * c.g.heartbeat)
		case deadline.IsZero():
			deadline = time.Unix(0, c.loginDeadline)
		case loggedIn && !deadlineLoggedIn:
			// The login finished while the reader waited under the login
			// deadline (only control frames came since): silence counts
			// from the login.
			deadline = loginAt.Add(3 * c.g.heartbeat)
		}
		deadlineLoggedIn = loggedIn
		if c.parkable {
			if loggedIn {
				if !closing && time.Now().UnixNano() >= expiresAt {
					c.Kick(presence.KickUserSigExpired)
				}
				if c.tryPark(deadline, expiresAt) {
					return
				}
			} else if err := c.waitReadable(deadline); c.loggedIn() {
				// Logged in meanwhile: silence is judged by the heartbeat
				// from now on, and the reader may park.
				deadline = time.Time{}
				continue
			} else if err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) && time.Now().Before(deadline) {
					continue // woken by a login that was undone (its registration failed)
				}
				c.readFailed(err)
				c.shutdown()
				return
			}
		}
		c.nc.SetReadDeadline(deadline)
		msg, op, err := c.readMessage()
		if err != nil {
			c.readFailed(err)
			c.shutdown()
			return
		}
		if op.IsControl() {
			continue
		}
		deadline = time.Time{}
		if op != ws.OpText {
			c.send(responseFrame("", nil, invalidRequest("binary frames are not part of the protocol")))
			continue
		}
		// Decoding happens on the worker: the reader stays a shallow
		// goroutine, and returns (parks) as soon as the socket is empty.
		if !c.enqueue(msg) {
			c.shutdown()
			return
		}
	}
}

// closeError is a read failure that ends the connection with a close code.
type closeError struct {
	code   ws.StatusCode
	reason string
}

func (e *closeError) Error() string { return e.reason }

var errClientClosed = errors.New("client sent close")

// readFailed ends the connection after a failed read, with the close frame
// the failure calls for.
func (c *conn) readFailed(err error) {
	var ce *closeError
	var ne net.Error
	switch {
	case errors.As(err, &ce):
		c.ending("protocol_error", ce.code)
		c.g.metrics.closed(ce.code)
		c.sendAndClose(closeFrameWith(ce.code, ce.reason))
	case errors.As(err, &ne) && ne.Timeout():
		reason := "heartbeat timeout: no frame for 3 heartbeats"
		if !c.loggedIn() {
			reason = "login timeout: no login within the login deadline"
		}
		c.ending("heartbeat_timeout", ws.StatusPolicyViolation)
		c.g.metrics.closed(ws.StatusPolicyViolation)
		c.sendAndClose(closeFrameWith(ws.StatusPolicyViolation, reason))
	case errors.Is(err, errClientClosed):
		// readMessage recorded the client's close code.
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		c.ending("connection_lost", 0)
	default:
		c.ending("read_error", 0)
		c.g.Logger.Debug("ws read", "error", err.Error())
	}
}

// readMessage reads the next data message (its fragments reassembled) of at
// most MaxFrameBytes, or MaxLoginFrameBytes while not logged in (judged when
// the message's first frame arrives: the login may finish while the reader
// waits for it). Sizes are checked from each frame header before the
// payload is read, and a payload's buffer grows with the bytes that actually
// arrive, so a client cannot make the server allocate what it only declares.
// Control frames, also between fragments, are handled here; answers to them
// go through the write queue, since the flusher is the only writer of the
// socket; a control frame outside a fragmented message is returned (with a
// nil payload) once handled. Text messages must be valid UTF-8 (RFC 6455:
// else close 1007).
func (c *conn) readMessage() ([]byte, ws.OpCode, error) {
	var (
		msg        []byte
		op         ws.OpCode
		fragmented bool
		limit      int64
	)
	for {
		hdr, err := ws.ReadHeader(c.nc)
		if err != nil {
			return nil, 0, err
		}
		state := ws.StateServerSide
		if fragmented {
			state |= ws.StateFragmented
		}
		if err := ws.CheckHeader(hdr, state); err != nil {
			return nil, 0, &closeError{ws.StatusProtocolError, err.Error()}
		}
		if hdr.OpCode.IsControl() {
			payload, err := readPayload(c.nc, hdr, nil)
			if err != nil {
				return nil, 0, err
			}
			switch hdr.OpCode {
			case ws.OpPing:
				c.send(controlFrame(ws.OpPong, payload))
			case ws.OpClose:
				var code ws.StatusCode
				if len(payload) >= 2 {
					code = ws.StatusCode(binary.BigEndian.Uint16(payload))
				}
				c.ending("client_close", code)
				c.sendAndClose(closeFrame)
				return nil, 0, errClientClosed
			}
			if !fragmented {
				// Answered; the reader may park before the next frame.
				return nil, hdr.OpCode, nil
			}
			continue
		}
		if !fragmented {
			limit = MaxFrameBytes
			if !c.loggedIn() {
				limit = MaxLoginFrameBytes
			}
		}
		if int64(len(msg))+hdr.Length > limit {
			return nil, 0, &closeError{ws.StatusMessageTooBig, tooBigReason(limit)}
		}
		if !fragmented {
			op = hdr.OpCode
		}
		if msg, err = readPayload(c.nc, hdr, msg); err != nil {
			return nil, 0, err
		}
		if !hdr.Fin {
			fragmented = true
			continue
		}
		if op == ws.OpText && !validUTF8(msg) {
			return nil, 0, &closeError{ws.StatusInvalidFramePayloadData, "text message is not valid UTF-8"}
		}
		return msg, op, nil
	}
}

// readPayload appends hdr's unmasked payload to buf. The buffer grows as the
// bytes arrive (doubling, from at most 4 KiB), never to the declared length
// up front.
func readPayload(r io.Reader, hdr ws.Header, buf []byte) ([]byte, error) {
	start := len(buf)
	end := start + int(hdr.Length)
	for len(buf) < end {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(end, max(2*cap(buf), len(buf)+4096)))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), end)])
		buf = buf[:len(buf)+n]
		if err != nil && len(buf) < end {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	if hdr.Masked {
		ws.Cipher(buf[start:], hdr.Mask, 0)
	}
	return buf, nil
}

func (c *conn) loggedIn() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session != nil
}

// enqueue hands a request to the worker, starting it if idle, so requests
// of one connection run one at a time and in order. It returns false when
// the reader must stop: the connection is closing, or the client exceeded
// its requests in flight (then it gets an error frame and close 1008).
func (c *conn) enqueue(r []byte) bool {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return false
	}
	if c.session == nil {
		if c.preLogin++; c.preLogin > MaxRequestsBeforeLogin {
			c.mu.Unlock()
			c.g.metrics.closed(ws.StatusPolicyViolation)
			c.sendAndClose(closeFrameWith(ws.StatusPolicyViolation, "log in first"))
			return false
		}
	}
	if c.pending >= MaxQueuedRequests || c.reqBytes+len(r) > MaxQueuedRequestBytes {
		c.mu.Unlock()
		c.ending("too_many_in_flight", ws.StatusPolicyViolation)
		c.g.metrics.inboundOverflow.Inc()
		c.g.metrics.closed(ws.StatusPolicyViolation)
		c.send(responseFrame("", nil, tooManyInFlight))
		c.sendAndClose(closeFrameWith(ws.StatusPolicyViolation, "too many requests in flight"))
		return false
	}
	c.reqs = append(c.reqs, r)
	c.pending++
	c.reqBytes += len(r)
	if c.arrived != nil {
		close(c.arrived) // the worker waits for a write with nothing to begin
		c.arrived = nil
	}
	start := !c.working
	c.working = true
	c.mu.Unlock()
	if start {
		go c.work()
	}
	return true
}

// work runs the connection's requests in the order they were read. A
// request of a queued op (msg.send) is begun and left unanswered while the
// worker goes on to the next, up to MaxQueuedSends, so one client's sends
// share the store's next commit instead of each waiting for the one
// before; answers are still made one at a time, in request order, and any
// other request runs only once every request before it is answered.
func (c *conn) work() {
	var queued []queuedRequest
	for {
		c.mu.Lock()
		var msg []byte
		if !c.closing && len(c.reqs) > 0 && len(queued) < MaxQueuedSends {
			msg = c.reqs[0]
			c.reqs[0] = nil
			c.reqs = c.reqs[1:]
		}
		if msg == nil && len(queued) == 0 {
			// After a logout, a kick or an expiry nothing more runs: the
			// requests still queued are dropped with the connection.
			c.reqs, c.pending, c.reqBytes = nil, 0, 0
			c.working = false
			c.mu.Unlock()
			return
		}
		var arrived chan struct{}
		if msg == nil && !c.closing && len(c.reqs) == 0 {
			// Nothing to begin yet: the oldest is answered once its write
			// is done, unless a request comes first, which is begun.
			arrived = make(chan struct{})
			c.arrived = arrived
		}
		expired := msg != nil && c.session != nil && time.Now().UnixNano() >= c.expiresAt
		c.mu.Unlock()
		if msg == nil {
			if arrived != nil && !c.awaitOldest(queued[0], arrived) {
				continue
			}
			// A begun send is finished even on a closing connection, so a
			// message that was stored is delivered.
			queued = c.answerOldest(queued)
			continue
		}
		if expired {
			// The timer may not have fired yet (or the socket kept the
			// worker busy past it): the ticket is checked before each request.
			c.Kick(presence.KickUserSigExpired)
			continue
		}
		req, err := DecodeRequest(msg)
		if err == nil {
			if op, ok := c.g.queuedOp(c, req); ok {
				queued = append(queued, c.g.begin(c, req, op, len(msg)))
				continue
			}
		}
		for len(queued) > 0 {
			queued = c.answerOldest(queued)
		}
		frame, last := c.g.run(c, req, err)
		c.answered(len(msg))
		c.queue(frame, last)
	}
}

// awaitOldest waits until q's write is done (or its request's context
// ends) and reports true, or until a request arrives (enqueue closes
// arrived) and reports false.
func (c *conn) awaitOldest(q queuedRequest, arrived chan struct{}) bool {
	var cancelled <-chan struct{}
	if q.ctx != nil {
		cancelled = q.ctx.Done()
	}
	ready := true
	select {
	case <-q.ready:
	case <-cancelled:
	case <-arrived:
		ready = false
	}
	c.mu.Lock()
	if c.arrived == arrived {
		c.arrived = nil
	}
	c.mu.Unlock()
	return ready
}

// answerOldest finishes and answers the first of queued and returns the
// rest. Once none is left the connection's queued-request context is
// given back.
func (c *conn) answerOldest(queued []queuedRequest) []queuedRequest {
	frame := c.g.finish(c, queued[0])
	c.answered(queued[0].size)
	c.queue(frame, false)
	n := copy(queued, queued[1:])
	queued[n] = queuedRequest{}
	if n == 0 {
		c.endRequest()
	}
	return queued[:n]
}

// answered gives a request's place and bytes back to the connection's bounds.
func (c *conn) answered(size int) {
	c.mu.Lock()
	c.pending--
	c.reqBytes -= size
	c.mu.Unlock()
}

// Push implements presence.Endpoint. A push is counted delivered once it is
// queued to the connection (the socket write is the flusher's), dropped when
// the connection is already closing or the push makes it a slow consumer.
func (c *conn) Push(frame []byte) { c.pushFrames([][]byte{frame}) }

// Kick implements presence.Endpoint. Only the first cause of a connection's
// end is a kick to count and log: a UserSig expiry found by both its timer
// and the worker, or a kick of a connection already closing, is not counted
// again.
func (c *conn) Kick(reason string) {
	if c.ending(endKicked, 0) {
		c.g.metrics.kicked(reason)
		c.logSession("session kicked", slog.String("reason", reason))
		c.stateKicked(reason)
	}
	c.sendAndClose(PushFrame("kicked", 0, map[string]string{"reason": reason}))
}

func (c *conn) send(frame []byte) { c.queue(frame, false) }

// sendAndClose queues a last frame; the connection closes once it is out.
func (c *conn) sendAndClose(frame []byte) { c.queue(frame, true) }

// queueResult is what became of a frame given to queue.
type queueResult uint8

const (
	queued         queueResult = iota
	refusedClosing             // the connection is closing or closed
	refusedSlow                // the frame passed the outbound byte bound: the connection is closed
)

func (c *conn) queue(frame []byte, last bool) queueResult {
	return c.queueFrames([][]byte{frame}, last)
}

// pushFrames is Push for several frames at once (a group pass's events for
// one session): one lock and at most one flusher start for all of them, so
// they leave in one write. Counted as Push counts.
func (c *conn) pushFrames(frames [][]byte) {
	switch c.queueFrames(frames, false) {
	case queued:
		c.g.metrics.pushed.Add(float64(len(frames)))
	case refusedClosing:
		c.g.metrics.dropClosing.Add(float64(len(frames)))
	case refusedSlow:
		c.g.metrics.dropSlow.Add(float64(len(frames)))
	}
}

// queueFrames queues frames (at least one) in order, with a close after
// the last one when last is set.
func (c *conn) queueFrames(frames [][]byte, last bool) queueResult {
	size := 0
	for _, f := range frames {
		size += len(f)
	}
	c.mu.Lock()
	if c.closing || c.closed {
		c.mu.Unlock()
		return refusedClosing
	}
	if c.outBytes+c.writing+size > c.g.maxOutboundBytes {
		// A slow consumer: what is queued is dropped and the socket closed
		// at once (a close frame would wait behind what it does not read).
		c.closing = true
		c.g.metrics.outboundBytes.Add(-int64(c.outBytes))
		c.out, c.outBytes = nil, 0
		if c.endReason == "" {
			c.endReason = "slow_consumer"
		}
		c.mu.Unlock()
		c.g.metrics.slowConsumers.Inc()
		c.g.Logger.Warn("closing slow websocket client", "sdkappid", c.app.SDKAppID, "queued_bytes_limit", c.g.maxOutboundBytes)
		c.cancel()
		c.closeSocket()
		return refusedSlow
	}
	if c.out == nil {
		c.out, c.spare = c.spare, nil
	}
	c.out = append(c.out, frames...)
	n := size
	if last {
		if frames[len(frames)-1][0]&0x0f != byte(ws.OpClose) {
			c.out = append(c.out, closeFrame)
			n += len(closeFrame)
		}
		c.closing = true
	}
	c.outBytes += n
	c.g.metrics.outboundBytes.Add(int64(n))
	start := !c.flushing
	c.flushing = true
	c.mu.Unlock()
	if last {
		c.cancel()
	}
	if start {
		c.startFlush()
	}
	return queued
}

// startFlush runs on the goroutine that queued frames onto a connection
// with no flusher (flushing is set for it). What is queued is written at
// once when the socket takes all of it without waiting (writeNow): a client
// that reads keeps its socket buffer empty, so most writes cost no
// goroutine and no write deadline, and a room's pass writes its sessions
// from the deliverer itself. Whatever the socket does not take at once
// (a full socket buffer, a TLS connection, a long backlog) goes to the
// flusher goroutine, in order, ahead of anything queued meanwhile. The
// end of a write is handled as flush handles it: a write error closes the
// connection, and a closing connection's socket is closed once its queue
// is out.
func (c *conn) startFlush() {
	c.mu.Lock()
	batch := c.out
	c.out = nil
	c.writing, c.outBytes = c.outBytes, 0
	c.mu.Unlock()
	n, tried, err := c.writeNow(batch)
	c.mu.Lock()
	if err != nil {
		c.writeFailed()
		return
	}
	if n == c.writing && tried {
		c.g.metrics.outboundBytes.Add(-int64(n))
		c.writing = 0
		clear(batch)
		if c.spare == nil && cap(batch) <= maxSpareFrames {
			c.spare = batch[:0]
		}
		if len(c.out) == 0 {
			c.flushing = false
			done := c.closing
			c.mu.Unlock()
			if done {
				c.closeSocket()
			}
			return
		}
		c.mu.Unlock()
		go c.flush()
		return
	}
	// Left for the flusher: the frames from the first byte not written.
	c.g.metrics.outboundBytes.Add(-int64(n))
	c.outBytes += c.writing - n
	c.writing = 0
	rest := batch
	for n > 0 {
		if n >= len(rest[0]) {
			n -= len(rest[0])
			rest[0] = nil
			rest = rest[1:]
			continue
		}
		rest[0] = rest[0][n:]
		n = 0
	}
	c.out = append(rest, c.out...)
	c.mu.Unlock()
	go c.flush()
}

// maxSpareFrames bounds the batch slice an idle connection keeps (spare):
// one that once queued thousands of frames does not keep their slots.
const maxSpareFrames = 64

// flush writes queued frames without holding the lock during I/O.
func (c *conn) flush() {
	var batch [][]byte
	for {
		c.mu.Lock()
		if len(c.out) == 0 {
			c.flushing = false
			done := c.closing
			if cap(batch) <= maxSpareFrames {
				c.spare = batch[:0]
			}
			c.mu.Unlock()
			if done {
				c.closeSocket()
			}
			return
		}
		batch, c.out = c.out, batch[:0]
		c.writing, c.outBytes = c.outBytes, 0
		c.mu.Unlock()
		c.nc.SetWriteDeadline(time.Now().Add(c.g.writeTimeout))
		var err error
		if len(batch) == 1 {
			// One frame: a plain write, so a socket that only ever gets
			// single frames never allocates writev's iovec array.
			_, err = c.nc.Write(batch[0])
		} else {
			bufs := writevLists.Get().(*net.Buffers)
			*bufs = batch
			_, err = bufs.WriteTo(c.nc)
			*bufs = nil
			writevLists.Put(bufs)
		}
		for i := range batch {
			batch[i] = nil
		}
		c.mu.Lock()
		if err != nil {
			c.writeFailed()
			return
		}
		c.g.metrics.outboundBytes.Add(-int64(c.writing))
		c.writing = 0
		c.mu.Unlock()
	}
}

// writeFailed ends the connection after a failed socket write: what was
// being written and what is queued are lost with the socket, no flusher
// runs any more, and the socket closes. c.mu is held and released here.
func (c *conn) writeFailed() {
	c.g.metrics.outboundBytes.Add(-int64(c.writing + c.outBytes))
	c.writing = 0
	if c.endReason == "" {
		c.endReason = "write_error"
	}
	c.out, c.outBytes, c.flushing, c.closing = nil, 0, false, true
	c.mu.Unlock()
	c.cancel()
	c.closeSocket()
}

// shutdown runs when the reader stops (or a parked connection's heartbeat
// deadline passes): the session leaves the registry, the
// connection's context is cancelled and the socket closes.
func (c *conn) shutdown() {
	c.mu.Lock()
	c.closed = true
	c.closing = true
	s := c.session
	t := c.expiry
	// A flusher still writing (a close frame, a kick) closes the socket when
	// its queue is out; its write deadline bounds how long that takes.
	flusherCloses := c.flushing
	reason, code := c.endReason, c.endCode
	subject := c.subject
	c.subject = ""
	c.mu.Unlock()
	c.cancel()
	if subject != "" {
		c.g.unsubscribe(c, subject)
	}
	if t != nil {
		t.Stop()
	}
	if s != nil {
		c.g.leave(s)
		if reason != endLogout && reason != endKicked {
			if reason == "" {
				reason = "connection_lost"
			}
			attrs := []slog.Attr{slog.String("reason", reason)}
			if code != 0 {
				attrs = append(attrs, slog.Int("code", int(code)))
			}
			c.logSession("session disconnected", attrs...)
			c.stateDisconnected(reason)
		}
	}
	c.g.statusConnClosed(c, s, reason == endLogout)
	if !flusherCloses {
		c.closeSocket()
	}
	c.g.conns.remove(c)
}
