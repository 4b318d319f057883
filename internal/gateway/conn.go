package gateway

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/presence"
)

// maxQueuedFrames bounds a connection's outbound queue. A client that falls
// this far behind is disconnected; it resyncs by seq when it reconnects, so
// nothing is lost and the server's memory stays bounded.
const maxQueuedFrames = 1024

// conn is one client WebSocket. Its reader goroutine only reads and queues;
// requests run on a worker goroutine that exists while requests are pending,
// and frames are written by a flusher goroutine that exists while frames are
// queued. An idle connection therefore costs one shallow goroutine.
type conn struct {
	g   *Gateway
	nc  net.Conn
	app *app.App

	mu       sync.Mutex
	out      [][]byte
	flushing bool
	closing  bool // no more frames accepted; close after the queue drains
	closed   bool
	reqs     [][]byte
	working  bool
	// closeAfterNext makes the next queued frame the last (logout's answer).
	closeAfterNext bool

	// Set once at login, read by the worker afterwards.
	session *presence.Session
	expiry  *time.Timer
}

func (c *conn) serve() {
	defer c.shutdown()
	for {
		deadline := c.g.loginTimeout
		if c.loggedIn() {
			deadline = 3 * c.g.heartbeat
		}
		c.nc.SetReadDeadline(time.Now().Add(deadline))
		msg, op, err := c.readMessage()
		if err != nil {
			if errors.Is(err, wsutil.ErrFrameTooLarge) {
				c.sendAndClose(tooBigFrame)
			} else if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				c.g.Logger.Debug("ws read", "error", err.Error())
			}
			return
		}
		if op != ws.OpText {
			c.send(responseFrame("", nil, errcode.New(CodeInvalidRequest, "binary frames are not part of the protocol")))
			continue
		}
		// Decoding happens on the worker: the reader stays a shallow
		// goroutine whose small stack is most of an idle connection's cost.
		c.enqueue(msg)
	}
}

// readMessage reads the next data message. The size is checked against
// MaxFrameBytes from the frame header, before any payload is buffered, so a
// client cannot make the server allocate what it declares. Control frames are
// answered through the write queue: the flusher is the only writer of the
// socket.
func (c *conn) readMessage() ([]byte, ws.OpCode, error) {
	rd := wsutil.Reader{Source: c.nc, State: ws.StateServerSide, CheckUTF8: true,
		MaxFrameSize: MaxFrameBytes, MaxMessageSize: MaxFrameBytes}
	for {
		hdr, err := rd.NextFrame()
		if err != nil {
			return nil, 0, err
		}
		switch hdr.OpCode {
		case ws.OpPing:
			payload, err := io.ReadAll(&rd)
			if err != nil {
				return nil, 0, err
			}
			c.send(controlFrame(ws.OpPong, payload))
			continue
		case ws.OpPong:
			if err := rd.Discard(); err != nil {
				return nil, 0, err
			}
			continue
		case ws.OpClose:
			c.sendAndClose(closeFrame)
			return nil, 0, io.EOF
		}
		msg, err := io.ReadAll(&rd)
		return msg, hdr.OpCode, err
	}
}

func (c *conn) loggedIn() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session != nil
}

// enqueue hands a request to the worker, starting it if idle, so requests
// of one connection run one at a time and in order.
func (c *conn) enqueue(r []byte) {
	c.mu.Lock()
	c.reqs = append(c.reqs, r)
	start := !c.working
	c.working = true
	c.mu.Unlock()
	if start {
		go c.work()
	}
}

func (c *conn) work() {
	for {
		c.mu.Lock()
		if len(c.reqs) == 0 || c.closed {
			c.reqs = nil
			c.working = false
			c.mu.Unlock()
			return
		}
		msg := c.reqs[0]
		c.reqs = c.reqs[1:]
		c.mu.Unlock()
		req, err := DecodeRequest(msg)
		if err != nil {
			c.send(responseFrame(req.ID, nil, err))
			continue
		}
		data, err := c.g.handle(context.Background(), c, req)
		c.send(responseFrame(req.ID, data, err))
	}
}

// Push implements presence.Endpoint.
func (c *conn) Push(frame []byte) { c.send(frame) }

// Kick implements presence.Endpoint.
func (c *conn) Kick(reason string) {
	c.sendAndClose(PushFrame("kicked", 0, map[string]string{"reason": reason}))
}

func (c *conn) send(frame []byte) { c.queue(frame, false) }

// sendAndClose queues a last frame; the connection closes once it is out.
func (c *conn) sendAndClose(frame []byte) { c.queue(frame, true) }

func (c *conn) queue(frame []byte, last bool) {
	c.mu.Lock()
	if c.closing || c.closed {
		c.mu.Unlock()
		return
	}
	if c.closeAfterNext {
		last, c.closeAfterNext = true, false
	}
	if len(c.out) >= maxQueuedFrames {
		c.closing = true
		c.mu.Unlock()
		c.g.Logger.Warn("closing slow websocket client", "queued", maxQueuedFrames)
		c.nc.Close()
		return
	}
	c.out = append(c.out, frame)
	if last {
		c.out = append(c.out, closeFrame)
		c.closing = true
	}
	start := !c.flushing
	c.flushing = true
	c.mu.Unlock()
	if start {
		go c.flush()
	}
}

// flush writes queued frames without holding the lock during I/O.
func (c *conn) flush() {
	var batch [][]byte
	for {
		c.mu.Lock()
		if len(c.out) == 0 {
			c.flushing = false
			done := c.closing
			c.mu.Unlock()
			if done {
				c.nc.Close()
			}
			return
		}
		batch, c.out = c.out, batch[:0]
		c.mu.Unlock()
		c.nc.SetWriteDeadline(time.Now().Add(c.g.writeTimeout))
		bufs := net.Buffers(batch)
		if _, err := bufs.WriteTo(c.nc); err != nil {
			c.mu.Lock()
			c.out, c.flushing, c.closing = nil, false, true
			c.mu.Unlock()
			c.nc.Close()
			return
		}
		for i := range batch {
			batch[i] = nil
		}
	}
}

// shutdown runs when the reader stops: the session leaves the registry and
// the socket closes.
func (c *conn) shutdown() {
	c.mu.Lock()
	c.closed = true
	c.closing = true
	s := c.session
	t := c.expiry
	// A flusher still writing (a close frame, a kick) closes the socket when
	// its queue is out; its write deadline bounds how long that takes.
	flusherCloses := c.flushing
	c.mu.Unlock()
	if t != nil {
		t.Stop()
	}
	if s != nil {
		c.g.Presence.Remove(s)
	}
	if !flusherCloses {
		c.nc.Close()
	}
}
