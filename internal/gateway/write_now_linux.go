//go:build linux

package gateway

import (
	"net"

	"golang.org/x/sys/unix"
)

// maxWriteNowFrames bounds the frames writeNow passes to one writev (Linux
// refuses more than IOV_MAX, 1024, and a longer list is a backlog the
// flusher is for).
const maxWriteNowFrames = 64

// writeNow writes as much of frames as a plain TCP socket takes at once,
// without waiting: one non-blocking writev. It returns the bytes written
// and whether it tried: it does not for a socket that is not plain TCP
// (TLS encrypts in user space), for more than maxWriteNowFrames frames, or
// when the flusher's last write deadline has passed or the socket is closed
// (Go's poller refuses the write before it starts); the caller then hands
// everything to the flusher goroutine. err is a write error, never EAGAIN
// (a full socket buffer is n short of the total with a nil error).
//
// The write goes through the connection's RawConn, which holds a reference
// on the descriptor for its duration, so a concurrent closeSocket cannot
// let the number be reused under it.
func (c *conn) writeNow(frames [][]byte) (n int, tried bool, err error) {
	tc, ok := c.nc.(*net.TCPConn)
	if !ok || len(frames) > maxWriteNowFrames {
		return 0, false, nil
	}
	rc, rerr := tc.SyscallConn()
	if rerr != nil {
		return 0, false, nil
	}
	rc.Write(func(fd uintptr) bool {
		tried = true
		for {
			n, err = unix.Writev(int(fd), frames)
			if err != unix.EINTR {
				break
			}
		}
		if err == unix.EAGAIN {
			err = nil
		}
		n = max(n, 0)
		return true // never wait for writability: the flusher does that
	})
	return n, tried, err
}
