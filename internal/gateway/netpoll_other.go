//go:build !linux

package gateway

import "time"

// Without epoll every connection keeps its blocking reader (netpoll_linux.go
// parks idle ones).

type parkState struct{}

func (c *conn) initPark() bool                { return false }
func (c *conn) tryPark(time.Time, int64) bool { return false }
func (c *conn) waitReadable(time.Time) error  { return nil }
func (c *conn) closeSocket() error            { return c.nc.Close() }
func (c *conn) isParked() bool                { return false }

// writeNow never writes here: every write goes through the flusher.
func (c *conn) writeNow([][]byte) (int, bool, error) { return 0, false, nil }
