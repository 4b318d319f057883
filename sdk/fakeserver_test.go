package sdk

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// fakeServer is a scripted protocol peer for tests of the client logic that
// need exact control over frames: gaps, duplicates, resets, drops.
type fakeServer struct {
	t  testing.TB
	hs *httptest.Server

	mu      sync.Mutex
	handle  func(c *fakeConn, op string, data json.RawMessage) (any, int, string)
	conns   []*fakeConn
	connsCh chan *fakeConn
	reqs    chan fakeReq
	dials   atomic.Int32
}

type fakeReq struct {
	conn *fakeConn
	op   string
	data json.RawMessage
}

type fakeConn struct {
	nc  net.Conn
	wmu sync.Mutex
}

func (c *fakeConn) writeText(s string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return wsutil.WriteServerText(c.nc, []byte(s))
}

func (c *fakeConn) push(kind string, seq uint64, data any) {
	b, _ := json.Marshal(map[string]any{"v": 1, "push": kind, "seq": seq, "data": data})
	if seq == 0 {
		b, _ = json.Marshal(map[string]any{"v": 1, "push": kind, "data": data})
	}
	c.writeText(string(b))
}

func newFakeServer(t testing.TB, handle func(c *fakeConn, op string, data json.RawMessage) (any, int, string)) *fakeServer {
	f := &fakeServer{t: t, handle: handle, connsCh: make(chan *fakeConn, 100), reqs: make(chan fakeReq, 1000)}
	f.hs = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.hs.CloseClientConnections()
		f.hs.Close()
	})
	return f
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/ws" || r.URL.Query().Get("sdkappid") != "7" {
		http.NotFound(w, r)
		return
	}
	nc, _, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return
	}
	c := &fakeConn{nc: nc}
	f.mu.Lock()
	f.conns = append(f.conns, c)
	f.mu.Unlock()
	f.connsCh <- c
	go func() {
		defer nc.Close()
		for {
			msg, op, err := wsutil.ReadClientData(nc)
			if err != nil {
				return
			}
			if op != ws.OpText {
				continue
			}
			var req struct {
				V    int             `json:"v"`
				ID   string          `json:"id"`
				Op   string          `json:"op"`
				Data json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(msg, &req); err != nil || req.V != 1 {
				c.writeText(`{"v":1,"id":"","code":6017,"info":"invalid frame"}`)
				continue
			}
			f.mu.Lock()
			h := f.handle
			f.mu.Unlock()
			data, code, info := h(c, req.Op, req.Data)
			// Recorded once answered, so a test that saw it may change the
			// world without racing the answer.
			f.reqs <- fakeReq{conn: c, op: req.Op, data: req.Data}
			if data == nil && code == -1 {
				continue // no answer
			}
			resp := map[string]any{"v": 1, "id": req.ID, "code": code, "info": info}
			if data != nil {
				resp["data"] = data
			}
			b, _ := json.Marshal(resp)
			c.writeText(string(b))
		}
	}()
}

// nextConn waits for the next accepted connection.
func (f *fakeServer) nextConn(t testing.TB) *fakeConn {
	t.Helper()
	select {
	case c := <-f.connsCh:
		return c
	case <-time.After(waitTimeout):
		t.Fatal("no connection")
		return nil
	}
}

// nextReq waits for the next request with op (skipping others such as ping).
func (f *fakeServer) nextReq(t testing.TB, op string) fakeReq {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case r := <-f.reqs:
			if r.op == op {
				return r
			}
		case <-deadline:
			t.Fatalf(
				"no %s request",
				op)
		}
	}
}

// manager returns a Manager for the fake server with fast reconnects and a
// dialer that counts dials.
func (f *fakeServer) manager(t testing.TB) *Manager {
	m := NewManager(Config{
		ServerURL:         f.hs.URL,
		SDKAppID:          7,
		Platform:          PlatformAndroid,
		RequestTimeout:    5 * time.Second,
		ReconnectMinDelay: 20 * time.Millisecond,
		ReconnectMaxDelay: 100 * time.Millisecond,
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			f.dials.Add(1)
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	})
	t.Cleanup(m.Close)
	return m
}

// loginOK answers login with eventSeq.
func loginOK(user string, eventSeq uint64) map[string]any {
	return map[string]any{"userID": user, "serverTime": time.Now().Unix(), "heartbeat": 30, "eventSeq": eventSeq, "userSigExpireAt": time.Now().Add(time.Hour).Unix()}
}
