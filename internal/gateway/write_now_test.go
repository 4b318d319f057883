package gateway

import (
	"bytes"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
)

// tcpConn is a conn over one end of a loopback TCP connection; the other
// end is returned for the test to read.
func tcpConn(t *testing.T) (*conn, *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	g, _, _ := roomMembers(t, 0)
	return &conn{g: g, nc: server, app: app.New(1400000001, "k", "admin"), id: 1}, client.(*net.TCPConn)
}

// A push to a plain TCP connection whose socket has room is written by
// the pushing goroutine before Push returns: no flusher goroutine, nothing
// left queued.
func TestPushToAnIdleSocketIsWrittenAtOnce(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("writes at once on Linux only")
	}
	c, client := tcpConn(t)
	for i := range 3 {
		frame := PushFrame("msg.new", 0, map[string]any{"n": i})
		c.Push(frame)
		c.mu.Lock()
		flushing, queued := c.flushing, c.outBytes+c.writing
		c.mu.Unlock()
		if flushing || queued != 0 {
			t.Fatalf("push %d: flusher running %v, %d bytes queued after Push returned", i, flushing, queued)
		}
		client.SetReadDeadline(time.Now().Add(5 * time.Second))
		got := make([]byte, len(frame))
		if _, err := io.ReadFull(client, got); err != nil || !bytes.Equal(got, frame) {
			t.Fatalf("push %d: read %q, %v; want the frame", i, got, err)
		}
	}
}

// When the socket takes only part of a push (a client that does not read),
// the rest goes to the flusher from the first byte not
// written: once the client reads, it gets every frame whole, once and in
// order, and the queue drains.
func TestPushPartlyWrittenGoesOnInTheFlusher(t *testing.T) {
	c, client := tcpConn(t)
	var want []byte
	// The first frame is bigger than the socket's buffers: it is cut in
	// its middle, and the rest follows in the flusher, ahead of the others.
	for i := range 100 {
		size := 20 << 10
		if i == 0 {
			size = 3 << 20
		}
		frame := PushFrame("msg.new", 0, map[string]any{"n": i, "pad": string(bytes.Repeat([]byte{'a' + byte(i%26)}, size))})
		want = append(want, frame...)
		c.Push(frame)
	}
	c.mu.Lock()
	flushing := c.flushing
	c.mu.Unlock()
	if !flushing {
		t.Fatal("5 MB pushed to a socket nobody reads: no flusher is waiting to write the rest")
	}
	client.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, len(want))
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatalf("read %d bytes: %v", len(got), err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && got[i] == want[i] {
			i++
		}
		t.Fatalf("the frames arrived changed from byte %d of %d", i, len(want))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		flushing, queued := c.flushing, c.outBytes+c.writing
		c.mu.Unlock()
		if !flushing && queued == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue not drained: flushing %v, %d bytes", flushing, queued)
		}
		time.Sleep(time.Millisecond)
	}
}
