//go:build linux

package gateway

// Parking of idle connections (Linux). A logged-in plain-TCP connection
// with nothing to read holds no goroutine: its reader registers the socket
// with the node's poller (an epoll set of its own, level-triggered and
// one-shot) and returns; when the socket becomes readable (bytes, the peer's
// close) the poller starts a reader again, which reads exactly as before
// until it would block once more. Go's runtime keeps its own (edge-triggered)
// registration of the same descriptor; Linux allows both.
//
// The contract that keeps descriptor numbers safe: a parked connection is in
// its shard's slot table under its descriptor, and every close of the socket
// goes through closeSocket, which takes it out of the table and the epoll set
// BEFORE the descriptor is closed (a closed number is reused by the next
// accept). The poller owns a connection it has taken out of the table: it
// alone starts the reader (readable) or ends it (heartbeat timeout).

import (
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/parleyim/parley/internal/presence"
)

// parkState is what the poller keeps on a connection; guarded by the mutex
// of the connection's poller shard.
type parkState struct {
	fd         int32 // the socket's descriptor, read once at the upgrade
	registered bool  // in the epoll set: later parks re-arm it (EPOLL_CTL_MOD)
	sockClosed bool  // closeSocket ran: the connection never parks again
	// deadline (unix ns) is the read deadline in effect when it parked:
	// past it the sweep closes the connection (heartbeat timeout), and a
	// resumed reader reads under it, so a parked spell counts as silence.
	deadline int64
	// expires (unix ns) is the UserSig's expiry: past it the sweep kicks.
	expires int64
}

// pollShards spreads the slot tables (and their mutexes) over descriptors.
const pollShards = 16

type pollShard struct {
	mu     sync.Mutex
	slots  []*conn // by descriptor / pollShards
	parked int
}

// poller is the node's (the process's) epoll set of parked connections and
// the one goroutine that waits on it and sweeps their heartbeat deadlines.
type poller struct {
	epfd   int
	shards [pollShards]pollShard
	// sweepEvery is how often parked connections' deadlines are checked:
	// a tenth of the shortest heartbeat served, at most a second, so a
	// silent connection closes within 3 heartbeats and a tenth.
	sweepEvery atomic.Int64
}

var (
	pollerOnce sync.Once
	thePoller  *poller // nil if epoll is unavailable: connections keep their reader
)

func startPoller() *poller {
	pollerOnce.Do(func() {
		epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			return
		}
		p := &poller{epfd: epfd}
		p.sweepEvery.Store(int64(time.Second))
		thePoller = p
		go p.run()
	})
	return thePoller
}

// initPark prepares c for parking and reports whether it can park: a plain
// TCP socket (a TLS connection buffers decrypted bytes the kernel cannot
// see) on a node whose poller runs.
func (c *conn) initPark() bool {
	tc, ok := c.nc.(*net.TCPConn)
	if !ok {
		return false
	}
	p := startPoller()
	if p == nil {
		return false
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return false
	}
	fd := -1
	if rc.Control(func(s uintptr) { fd = int(s) }) != nil || fd < 0 {
		return false
	}
	c.park.fd = int32(fd)
	p.noteHeartbeat(c.g.heartbeat)
	return true
}

func (p *poller) noteHeartbeat(hb time.Duration) {
	every := min(max(hb/10, 10*time.Millisecond), time.Second)
	for {
		cur := p.sweepEvery.Load()
		if int64(every) >= cur || p.sweepEvery.CompareAndSwap(cur, int64(every)) {
			return
		}
	}
}

func (p *poller) shard(fd int32) *pollShard { return &p.shards[uint32(fd)%pollShards] }

// connGen is what the epoll event carries besides the descriptor, so an
// event that raced with a close and a reuse of the number cannot start
// another connection's reader.
func connGen(c *conn) int32 { return int32(uint32(c.id)) }

// tryPark parks c unless bytes are waiting on its socket (or it is closed,
// or at EOF: the reader reads those) and reports whether it did; after a
// true the caller's goroutine must return without touching the socket.
func (c *conn) tryPark(deadline time.Time, expires int64) bool {
	p := thePoller
	fd := c.park.fd
	sh := p.shard(fd)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if c.park.sockClosed {
		return false
	}
	// The descriptor is open: closeSocket marks sockClosed under this
	// mutex before it closes.
	var b [1]byte
	_, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	if errno != syscall.EAGAIN {
		return false
	}
	// The poller enforces the deadline while it is parked: no runtime timer
	// is left armed for it.
	c.nc.SetReadDeadline(time.Time{})
	// Level-triggered: bytes that arrived since the peek report at once.
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: fd, Pad: connGen(c)}
	op := syscall.EPOLL_CTL_ADD
	if c.park.registered {
		op = syscall.EPOLL_CTL_MOD
	}
	if syscall.EpollCtl(p.epfd, op, int(fd), &ev) != nil {
		return false
	}
	c.park.registered = true
	c.park.deadline = deadline.UnixNano()
	c.park.expires = expires
	i := int(uint32(fd) / pollShards)
	if i >= len(sh.slots) {
		sh.slots = append(sh.slots, make([]*conn, i+1-len(sh.slots))...)
	}
	sh.slots[i] = c
	sh.parked++
	return true
}

// unparkLocked takes c out of the table and the epoll set if it is parked;
// sh.mu is held.
func (p *poller) unparkLocked(sh *pollShard, c *conn) bool {
	i := int(uint32(c.park.fd) / pollShards)
	if i >= len(sh.slots) || sh.slots[i] != c {
		return false
	}
	sh.slots[i] = nil
	sh.parked--
	syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, int(c.park.fd), nil)
	return true
}

// closeSocket closes c's socket; every close goes through it (see the
// contract above). A parked connection has no reader to notice the close,
// so one is started: it reads the closed socket and ends the connection as
// a blocked reader would have.
func (c *conn) closeSocket() error {
	if !c.parkable {
		return c.nc.Close()
	}
	p := thePoller
	sh := p.shard(c.park.fd)
	sh.mu.Lock()
	c.park.sockClosed = true
	parked := p.unparkLocked(sh, c)
	sh.mu.Unlock()
	err := c.nc.Close()
	if parked {
		go c.resume()
	}
	return err
}

// resume is a parked connection's reader started again, under the read
// deadline it parked with.
func (c *conn) resume() { c.read(time.Unix(0, c.park.deadline)) }

// parkExpired handles a connection the sweep took out: past its read
// deadline it ends as its reader ends on a read timeout; past its UserSig's
// expiry it is kicked, and its reader runs again to end it once the kick is
// out.
func (c *conn) parkExpired(now int64) {
	if c.park.deadline <= now {
		c.readFailed(os.ErrDeadlineExceeded)
		c.shutdown()
		return
	}
	c.Kick(presence.KickUserSigExpired)
	c.resume()
}

// waitReadable blocks until bytes (or the peer's close) are waiting on the
// socket, the deadline passes or the login finishes (login wakes it through
// the read deadline), consuming nothing: a wait cut short loses no byte. A
// connection not logged in waits here rather than in a read, so that when
// its login succeeds the reader can park.
func (c *conn) waitReadable(deadline time.Time) error {
	c.mu.Lock()
	if c.session != nil || c.closing {
		c.mu.Unlock()
		return nil
	}
	c.readerWaiting = true
	c.nc.SetReadDeadline(deadline)
	c.mu.Unlock()
	var err error
	if rc, e := c.nc.(*net.TCPConn).SyscallConn(); e != nil {
		err = e
	} else {
		err = rc.Read(func(fd uintptr) bool {
			var b [1]byte
			_, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b[0])), 1,
				syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
			return errno != syscall.EAGAIN
		})
	}
	c.mu.Lock()
	c.readerWaiting = false
	c.mu.Unlock()
	return err
}

// take removes the connection parked under fd whose generation is gen.
func (p *poller) take(fd, gen int32) *conn {
	sh := p.shard(fd)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	i := int(uint32(fd) / pollShards)
	if i >= len(sh.slots) {
		return nil
	}
	c := sh.slots[i]
	if c == nil || connGen(c) != gen {
		return nil
	}
	sh.slots[i] = nil
	sh.parked--
	return c
}

func (p *poller) run() {
	events := make([]syscall.EpollEvent, 256)
	next := time.Now()
	var expired []*conn
	for {
		every := time.Duration(p.sweepEvery.Load())
		n, err := syscall.EpollWait(p.epfd, events, int(every/time.Millisecond))
		if err != nil {
			n = 0 // EINTR
		}
		for _, ev := range events[:n] {
			if c := p.take(ev.Fd, ev.Pad); c != nil {
				go c.resume()
			}
		}
		if now := time.Now(); !now.Before(next) {
			next = now.Add(every)
			ns := now.UnixNano()
			expired = p.sweep(ns, expired[:0])
			for i, c := range expired {
				go c.parkExpired(ns)
				expired[i] = nil
			}
		}
	}
}

// sweep takes the parked connections whose read deadline or UserSig expiry
// passed out of the table and appends them to out.
func (p *poller) sweep(now int64, out []*conn) []*conn {
	for s := range p.shards {
		sh := &p.shards[s]
		sh.mu.Lock()
		if sh.parked > 0 {
			for _, c := range sh.slots {
				if c != nil && (c.park.deadline <= now || c.park.expires <= now) {
					p.unparkLocked(sh, c)
					out = append(out, c)
				}
			}
		}
		sh.mu.Unlock()
	}
	return out
}

// isParked reports whether c is parked on the poller now.
func (c *conn) isParked() bool {
	p := thePoller
	if !c.parkable || p == nil {
		return false
	}
	sh := p.shard(c.park.fd)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	i := int(uint32(c.park.fd) / pollShards)
	return i < len(sh.slots) && sh.slots[i] == c
}
