package sdk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// outFrame is a complete, masked WebSocket frame for the writer; last makes
// the writer close the connection after writing it.
type outFrame struct {
	b    []byte
	last bool
}

// conn is one WebSocket connection of a session. Its reader goroutine only
// decodes frames, routes answers to their waiting callers and queues pushes
// for the Manager's callback goroutine; its writer goroutine does all
// writes. No lock is held during network I/O.
type conn struct {
	m    *Manager
	sess *session
	nc   net.Conn
	src  io.Reader

	out  chan outFrame
	done chan struct{}
	once sync.Once
	// inflight holds a token per request sent and not answered: the server
	// closes a connection with more than 64 unanswered requests, so callers
	// beyond maxInFlight wait here for an answer instead.
	inflight chan struct{}

	loginID string
	nextID  atomic.Uint64

	mu      sync.Mutex
	pending map[string]chan frame // nil once closed
	err     error                 // why it closed
}

func newConn(m *Manager, s *session, nc net.Conn, br *bufio.Reader) *conn {
	c := &conn{
		m:        m,
		sess:     s,
		nc:       nc,
		out:      make(chan outFrame, 64),
		done:     make(chan struct{}),
		inflight: make(chan struct{}, maxInFlight),
		pending:  map[string]chan frame{},
		loginID:  "login",
	}
	if br != nil {
		c.src = br // holds bytes the server sent right after the handshake, then reads nc
	} else {
		c.src = bufio.NewReaderSize(nc, 4096)
	}
	return c
}

func (c *conn) start() {
	go c.readLoop()
	go c.writeLoop()
}

// close ends the connection once: the session learns it lost it (so new
// calls wait for the reconnect), every waiting call fails, the socket closes.
func (c *conn) close(err error) {
	c.once.Do(func() {
		if err == nil {
			err = errors.New("connection closed")
		}
		c.mu.Lock()
		c.err = err
		c.pending = nil
		c.mu.Unlock()
		c.m.connLost(c)
		close(c.done)
		c.nc.Close()
	})
}

// closeGracefully sends a close frame and closes after it is written (or
// at once if the writer is stuck).
func (c *conn) closeGracefully() {
	body := ws.NewCloseFrameBody(ws.StatusNormalClosure, "")
	b, _ := ws.CompileFrame(ws.MaskFrameInPlace(ws.NewCloseFrame(body)))
	select {
	case c.out <- outFrame{b: b, last: true}:
		t := time.AfterFunc(time.Second, func() { c.close(nil) })
		go func() {
			<-c.done
			t.Stop()
		}()
	default:
		c.close(nil)
	}
}

func (c *conn) closedErr() *Error {
	c.mu.Lock()
	err := c.err
	c.mu.Unlock()
	info := "connection closed"
	if err != nil {
		info += ": " + err.Error()
	}
	return wrapError(ErrCodeNetDisconnected, err, info)
}

func (c *conn) writeLoop() {
	for {
		select {
		case f := <-c.out:
			c.nc.SetWriteDeadline(time.Now().Add(c.m.cfg.RequestTimeout))
			if _, err := c.nc.Write(f.b); err != nil {
				c.close(err)
				return
			}
			if f.last {
				c.close(nil)
				return
			}
		case <-c.done:
			return
		}
	}
}

func (c *conn) readLoop() {
	rd := &wsutil.Reader{
		Source:         c.src,
		State:          ws.StateClientSide,
		MaxFrameSize:   MaxFrameBytes,
		MaxMessageSize: MaxFrameBytes,
		OnIntermediate: c.control,
	}
	for {
		h, err := rd.NextFrame()
		if err != nil {
			c.close(err)
			return
		}
		if h.OpCode.IsControl() {
			if err := c.control(h, rd); err != nil {
				c.close(err)
				return
			}
			continue
		}
		if h.OpCode != ws.OpText {
			// Binary frames are not part of the protocol.
			if err := rd.Discard(); err != nil {
				c.close(err)
				return
			}
			c.m.log.Warn("parley sdk: ignoring a non-text frame", "opcode", h.OpCode)
			continue
		}
		payload, err := io.ReadAll(rd)
		if err != nil {
			c.close(err)
			return
		}
		c.handle(payload)
	}
}

// control answers a control frame (pong to ping, close to close) through
// the writer.
func (c *conn) control(h ws.Header, r io.Reader) error {
	var buf bytes.Buffer
	err := wsutil.ControlHandler{Src: r, Dst: &buf, State: ws.StateClientSide, DisableSrcCiphering: true}.Handle(h)
	if buf.Len() > 0 {
		select {
		case c.out <- outFrame{b: buf.Bytes()}:
		default:
		}
	}
	return err
}

// handle routes one text message.
func (c *conn) handle(payload []byte) {
	f, err := decodeFrame(payload)
	if err != nil {
		c.m.log.Warn("parley sdk: ignoring an invalid frame", "error", err)
		return
	}
	if f.isPush() {
		c.m.onPushFrame(c, f)
		return
	}
	if f.ID == c.loginID && f.Code == 0 {
		// Queued before any push that follows on this connection.
		c.m.onLoggedIn(c, f)
	}
	c.mu.Lock()
	ch := c.pending[f.ID]
	delete(c.pending, f.ID)
	c.mu.Unlock()
	if ch != nil {
		ch <- f
	} else if f.ID == "" {
		c.m.log.Warn("parley sdk: the server could not parse a request", "code", f.Code, "info", f.Info)
	}
}

// roundTrip sends a request and waits for its answer. A non-zero code is
// returned as an *Error together with the frame (some answers carry data
// with a non-zero code).
func (c *conn) roundTrip(ctx context.Context, op string, data any) (frame, error) {
	return c.roundTripID(ctx, strconv.FormatUint(c.nextID.Add(1), 10), op, data)
}

// maxInFlight is how many requests one connection has unanswered at most,
// half the server's bound (docs/protocol.md, "Limits").
const maxInFlight = 32

func (c *conn) roundTripID(ctx context.Context, id, op string, data any) (frame, error) {
	select {
	case c.inflight <- struct{}{}:
		defer func() { <-c.inflight }()
	case <-c.done:
		return frame{}, c.closedErr()
	case <-ctx.Done():
		return frame{}, ctxError(ctx)
	}
	payload, err := encodeRequest(id, op, data)
	if err != nil {
		return frame{}, err
	}
	b, err := ws.CompileFrame(ws.MaskFrameInPlace(ws.NewTextFrame(payload)))
	if err != nil {
		return frame{}, wrapError(ErrCodeInvalidParameters, err, "encode frame: "+err.Error())
	}
	ch := make(chan frame, 1)
	c.mu.Lock()
	if c.pending == nil {
		c.mu.Unlock()
		return frame{}, c.closedErr()
	}
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		if c.pending != nil {
			delete(c.pending, id)
		}
		c.mu.Unlock()
	}()
	select {
	case c.out <- outFrame{b: b}:
	case <-c.done:
		return frame{}, c.closedErr()
	case <-ctx.Done():
		return frame{}, ctxError(ctx)
	}
	select {
	case f := <-ch:
		if f.Code != 0 {
			return f, &Error{Code: f.Code, Info: f.Info}
		}
		return f, nil
	case <-c.done:
		return frame{}, c.closedErr()
	case <-ctx.Done():
		return frame{}, ctxError(ctx)
	}
}

// heartbeat pings every interval; a ping without answer closes the
// connection, which starts a reconnect.
func (c *conn) heartbeat(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), c.m.cfg.RequestTimeout)
		_, err := c.roundTrip(ctx, "ping", nil)
		cancel()
		if err != nil && isNetworkError(err) {
			c.m.log.Info("parley sdk: heartbeat failed, reconnecting", "error", err)
			c.close(err)
			return
		}
	}
}

// loginAnswer is login's answer data.
type loginAnswer struct {
	UserID          string  `json:"userID"`
	ServerTime      flexInt `json:"serverTime"`
	Heartbeat       flexInt `json:"heartbeat"`
	EventSeq        uint64  `json:"eventSeq"`
	UserSigExpireAt flexInt `json:"userSigExpireAt"`
}

func parseLoginAnswer(data json.RawMessage) loginAnswer {
	var a loginAnswer
	if len(data) > 0 {
		_ = json.Unmarshal(data, &a)
	}
	return a
}
