package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/parleyim/parley/internal/gateway"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/usersig"
)

// readerModes are the two ways a connection is read: idle logged-in
// connections parked on the poller (the default), and a blocking reader
// goroutine per connection (gateway_netpoll = false). Both must behave
// the same to a client.
var readerModes = []struct {
	name    string
	disable bool
}{{"parked", false}, {"blocking", true}}

func startMode(t *testing.T, disable bool, opt gateway.Options) *resttest.Server {
	opt.DisableNetpoll = disable
	return resttest.StartNode(t, server.Options{Gateway: opt})
}

// waitParked waits until n connections of s are parked (parking mode) and
// fails if they are not within 5 s; in the blocking mode it checks none is.
func waitParked(t *testing.T, s *resttest.Server, disable bool, n int) {
	t.Helper()
	if disable {
		if got := s.Node.Gateway.ParkedConnections(); got != 0 {
			t.Fatalf("%d connections parked with parking off", got)
		}
		return
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Node.Gateway.ParkedConnections() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d idle connections parked", s.Node.Gateway.ParkedConnections(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func code(m map[string]any) float64 { f, _ := m["code"].(float64); return f }

func TestParkedConnectionAnswersAndHears(t *testing.T) {
	for _, mode := range readerModes {
		t.Run(mode.name, func(t *testing.T) {
			s := startMode(t, mode.disable, gateway.Options{})
			alice := dialRaw(t, s)
			alice.login(s, "alice")
			bob := dial(t, s)
			bob.login(s, "bob", "iOS")
			waitParked(t, s, mode.disable, 1)

			// A request after an idle spell.
			time.Sleep(200 * time.Millisecond)
			alice.send("p1", "ping", nil)
			if a := alice.answer("p1"); code(a) != 0 {
				t.Fatalf("ping after idle: %v", a)
			}

			// A push reaches the parked connection.
			waitParked(t, s, mode.disable, 1)
			bob.mustCall("msg.send", map[string]any{"to": "alice", "random": 7, "body": text("to a parked socket")})
			if f := alice.pushOf("msg.new"); !strings.Contains(string(f), "to a parked socket") {
				t.Fatalf("push: %s", f)
			}

			// Requests back to back in one write, answered in order.
			var burst bytes.Buffer
			for i := range 40 {
				f := ws.NewFrame(ws.OpText, true, alice.request(idOf(i), "ping", nil))
				ws.WriteFrame(&burst, ws.MaskFrame(f))
			}
			waitParked(t, s, mode.disable, 1)
			if _, err := alice.nc.Write(burst.Bytes()); err != nil {
				t.Fatal(err)
			}
			for i := range 40 {
				if a := alice.nextText(); a["id"] != idOf(i) || code(a) != 0 {
					t.Fatalf("answer %d: %v", i, a)
				}
			}

			// A message split across TCP segments with a pause between:
			// the reader woken by the first part waits for the rest.
			var split bytes.Buffer
			ws.WriteFrame(&split, ws.MaskFrame(ws.NewFrame(ws.OpText, true, alice.request("split", "ping", nil))))
			waitParked(t, s, mode.disable, 1)
			b := split.Bytes()
			for _, part := range [][]byte{b[:1], b[1:9], b[9:]} {
				if _, err := alice.nc.Write(part); err != nil {
					t.Fatal(err)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if a := alice.answer("split"); code(a) != 0 {
				t.Fatalf("split message: %v", a)
			}

			// Ping and pong on a parked socket; it still answers after.
			waitParked(t, s, mode.disable, 1)
			if err := alice.writeFrame(ws.OpPing, true, []byte("are you there")); err != nil {
				t.Fatal(err)
			}
			op, p, ok := alice.next(5 * time.Second)
			if !ok || op != ws.OpPong || string(p) != "are you there" {
				t.Fatalf("pong: %v %q %v", op, p, ok)
			}
			waitParked(t, s, mode.disable, 1)
			alice.send("p2", "ping", nil)
			if a := alice.answer("p2"); code(a) != 0 {
				t.Fatalf("ping after pong: %v", a)
			}
		})
	}
}

// idOf names the i-th request of a burst.
func idOf(i int) string { return "b" + string(rune('A'+i/26)) + string(rune('a'+i%26)) }

// nextText reads the next text frame within 5 s.
func (r *rawConn) nextText() map[string]any {
	r.t.Helper()
	for {
		op, p, ok := r.next(5 * time.Second)
		if !ok {
			r.t.Fatal("connection ended")
		}
		if op == ws.OpText {
			var m map[string]any
			json.Unmarshal(p, &m)
			return m
		}
	}
}

// pushOf reads frames until a push of kind and returns its payload.
func (r *rawConn) pushOf(kind string) []byte {
	r.t.Helper()
	for {
		op, p, ok := r.next(5 * time.Second)
		if !ok {
			r.t.Fatalf("no %s push", kind)
		}
		var m map[string]any
		if op == ws.OpText && json.Unmarshal(p, &m) == nil && m["push"] == kind {
			return p
		}
	}
}

// waitGone waits until user has no session on s.
func waitGone(t *testing.T, s *resttest.Server, user string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Node.Presence.Sessions(resttest.SDKAppID, user)) > 0 || s.Node.Gateway.Connections() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%s's session or connection is still there", user)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestParkedConnectionEnds(t *testing.T) {
	for _, mode := range readerModes {
		t.Run(mode.name, func(t *testing.T) {
			s := startMode(t, mode.disable, gateway.Options{})

			// The client closes: the server answers the close frame and the
			// session ends.
			r := dialRaw(t, s)
			r.login(s, "alice")
			waitParked(t, s, mode.disable, 1)
			if err := r.writeFrame(ws.OpClose, true, ws.NewCloseFrameBody(ws.StatusNormalClosure, "bye")); err != nil {
				t.Fatal(err)
			}
			if c, _ := r.closeCode(5 * time.Second); c != ws.StatusNormalClosure {
				t.Fatalf("close answered with %d", c)
			}
			waitGone(t, s, "alice")

			// The client's socket just goes away.
			r = dialRaw(t, s)
			r.login(s, "alice")
			waitParked(t, s, mode.disable, 1)
			r.nc.Close()
			waitGone(t, s, "alice")

			// A REST kick of a parked session.
			r = dialRaw(t, s)
			r.login(s, "alice")
			waitParked(t, s, mode.disable, 1)
			s.MustOK("im_open_login_svc/kick", `{"UserID":"alice"}`)
			if c, texts := r.closeCode(5 * time.Second); c != ws.StatusNormalClosure || len(texts) == 0 || texts[len(texts)-1]["push"] != "kicked" {
				t.Fatalf("kick: close %d after %v", c, texts)
			}
			waitGone(t, s, "alice")

			// A logout from a parked connection.
			r = dialRaw(t, s)
			r.login(s, "alice")
			waitParked(t, s, mode.disable, 1)
			r.send("out", "logout", nil)
			if a := r.answer("out"); code(a) != 0 {
				t.Fatalf("logout: %v", a)
			}
			if c, _ := r.closeCode(5 * time.Second); c != ws.StatusNormalClosure {
				t.Fatalf("close after logout %d", c)
			}
			waitGone(t, s, "alice")
		})
	}
}

// A parked connection has no read deadline of the runtime's: the poller's
// sweep must close it after 3 silent heartbeats, with 1008 "heartbeat
// timeout", and control frames (pings) do not count as a heartbeat.
func TestParkedConnectionHeartbeatTimeout(t *testing.T) {
	for _, mode := range readerModes {
		t.Run(mode.name, func(t *testing.T) {
			s := startMode(t, mode.disable, gateway.Options{Heartbeat: 100 * time.Millisecond})
			r := dialRaw(t, s)
			r.login(s, "alice")
			waitParked(t, s, mode.disable, 1)
			r.nc.SetReadDeadline(time.Now().Add(3 * time.Second))
			h, err := ws.ReadHeader(r.nc)
			if err != nil || h.OpCode != ws.OpClose {
				t.Fatalf("no close frame after 3 silent heartbeats: %v %v", h.OpCode, err)
			}
			payload := make([]byte, h.Length)
			if _, err := r.nc.Read(payload); err != nil {
				t.Fatal(err)
			}
			c, reason := ws.ParseCloseFrameData(payload)
			if c != ws.StatusPolicyViolation || !strings.Contains(reason, "heartbeat timeout") {
				t.Fatalf("close %d %q", c, reason)
			}
			waitGone(t, s, "alice")

			// Pings every 50 ms do not keep a silent session alive.
			r = dialRaw(t, s)
			r.login(s, "alice")
			done := make(chan struct{})
			go func() {
				defer close(done)
				for range 100 {
					if r.writeFrame(ws.OpPing, true, nil) != nil {
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
			}()
			// The pings go on for 5 s; the session must end well before.
			// (The close frame itself may be lost to the reset the next
			// ping causes, so the session is what is checked.)
			deadline := time.Now().Add(2500 * time.Millisecond)
			for len(s.Node.Presence.Sessions(resttest.SDKAppID, "alice")) > 0 {
				if time.Now().After(deadline) {
					t.Fatal("pings kept a silent session alive")
				}
				time.Sleep(5 * time.Millisecond)
			}
			r.nc.Close()
			<-done
			waitGone(t, s, "alice")

			// A connection that does send its heartbeat stays.
			r = dialRaw(t, s)
			r.login(s, "alice")
			for i := range 10 {
				time.Sleep(60 * time.Millisecond)
				r.send(idOf(i), "ping", nil)
				if a := r.answer(idOf(i)); code(a) != 0 {
					t.Fatalf("heartbeat %d: %v", i, a)
				}
			}
		})
	}
}

// A UserSig that expires while its connection is parked is kicked.
func TestParkedConnectionUserSigExpiry(t *testing.T) {
	for _, mode := range readerModes {
		t.Run(mode.name, func(t *testing.T) {
			s := startMode(t, mode.disable, gateway.Options{})
			r := dialRaw(t, s)
			r.send("login", "login", map[string]any{"userID": "alice", "userSig": shortSig(t, "alice", 2), "platform": "Android"})
			if a := r.answer("login"); code(a) != 0 {
				t.Fatalf("login: %v", a)
			}
			waitParked(t, s, mode.disable, 1)
			c, texts := r.closeCode(6 * time.Second)
			if c != ws.StatusNormalClosure || len(texts) == 0 || !strings.Contains(texts[len(texts)-1]["data"].(map[string]any)["reason"].(string), "usersig_expired") {
				t.Fatalf("expiry: close %d after %v", c, texts)
			}
			waitGone(t, s, "alice")
		})
	}
}

// Idle logged-in connections hold no goroutine when parked (and one each
// with parking off, which shows the count measures them).
func TestIdleConnectionsHoldNoGoroutine(t *testing.T) {
	const n = 200
	for _, mode := range readerModes {
		t.Run(mode.name, func(t *testing.T) {
			s := startMode(t, mode.disable, gateway.Options{})
			warm := dialRaw(t, s)
			warm.login(s, "warm")
			waitParked(t, s, mode.disable, 1)
			settle()
			before := runtime.NumGoroutine()
			conns := make([]*rawConn, n)
			for i := range conns {
				conns[i] = dialRaw(t, s)
				conns[i].login(s, "idle"+idOf(i))
			}
			waitParked(t, s, mode.disable, n+1)
			settle()
			grown := runtime.NumGoroutine() - before
			if mode.disable {
				if grown < n {
					t.Fatalf("%d goroutines for %d blocking readers", grown, n)
				}
			} else if grown > n/20 {
				t.Fatalf("%d more goroutines with %d idle parked connections", grown, n)
			}
			// They all still hear and answer.
			for i, c := range conns {
				c.send("x", "ping", nil)
				if a := c.answer("x"); code(a) != 0 {
					t.Fatalf("connection %d: %v", i, a)
				}
			}
		})
	}
}

// settle lets goroutines that are ending (workers, flushers) end.
func settle() {
	for range 20 {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}
}

// A TLS connection keeps its blocking reader (tls.Conn buffers decrypted
// bytes the kernel cannot see) and works as before, beside parked ones.
func TestTLSConnectionIsNotParked(t *testing.T) {
	s := resttest.Start(t)
	hs := httptest.NewTLSServer(s.Node.Handler)
	t.Cleanup(hs.Close)
	d := ws.Dialer{TLSConfig: hs.Client().Transport.(*http.Transport).TLSClientConfig}
	nc, _, _, err := d.Dial(context.Background(), "wss"+strings.TrimPrefix(hs.URL, "https")+fmt.Sprintf("/v1/ws?sdkappid=%d", resttest.SDKAppID))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	alice := &rawConn{t: t, nc: nc}
	alice.login(s, "alice")
	bob := dial(t, s)
	bob.login(s, "bob", "iOS")
	waitParked(t, s, false, 1)
	time.Sleep(100 * time.Millisecond)
	if n := s.Node.Gateway.ParkedConnections(); n != 1 {
		t.Fatalf("%d connections parked, want only the plain one", n)
	}
	bob.mustCall("msg.send", map[string]any{"to": "alice", "random": 9, "body": text("over TLS")})
	if f := alice.pushOf("msg.new"); !strings.Contains(string(f), "over TLS") {
		t.Fatalf("push: %s", f)
	}
	alice.send("p", "ping", nil)
	if a := alice.answer("p"); code(a) != 0 {
		t.Fatalf("ping over TLS: %v", a)
	}
}

func shortSig(t *testing.T, user string, seconds int64) string {
	t.Helper()
	sig, err := usersig.Generate(resttest.SDKAppID, resttest.Key, user, seconds, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return sig
}
