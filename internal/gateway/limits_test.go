package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/gateway"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/usersig"
)

// rawConn speaks WebSocket frame by frame, so tests can send what a
// well-behaved client never would and read close frames with their codes.
type rawConn struct {
	t  testing.TB
	nc net.Conn
}

func dialRaw(t testing.TB, s *resttest.Server) *rawConn {
	t.Helper()
	nc, _, _, err := ws.Dial(context.Background(), s.WebSocketURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc}
}

func (r *rawConn) writeFrame(op ws.OpCode, fin bool, payload []byte) error {
	f := ws.NewFrame(op, fin, append([]byte(nil), payload...))
	return ws.WriteFrame(r.nc, ws.MaskFrame(f))
}

func (r *rawConn) request(id, op string, data any) []byte {
	b, _ := json.Marshal(map[string]any{"v": 1, "id": id, "op": op, "data": data})
	return b
}

func (r *rawConn) send(id, op string, data any) {
	r.t.Helper()
	if err := r.writeFrame(ws.OpText, true, r.request(id, op, data)); err != nil {
		r.t.Fatal(err)
	}
}

// next reads the next frame within d; ok is false if the connection ended.
func (r *rawConn) next(d time.Duration) (op ws.OpCode, payload []byte, ok bool) {
	r.nc.SetReadDeadline(time.Now().Add(d))
	h, err := ws.ReadHeader(r.nc)
	if err != nil {
		return 0, nil, false
	}
	payload = make([]byte, h.Length)
	if _, err := io.ReadFull(r.nc, payload); err != nil {
		return 0, nil, false
	}
	return h.OpCode, payload, true
}

// answer reads frames until the answer to id.
func (r *rawConn) answer(id string) map[string]any {
	r.t.Helper()
	for {
		op, p, ok := r.next(5 * time.Second)
		if !ok {
			r.t.Fatalf("connection ended before the answer to %s", id)
		}
		if op != ws.OpText {
			continue
		}
		var m map[string]any
		json.Unmarshal(p, &m)
		if m["id"] == id {
			return m
		}
	}
}

func (r *rawConn) login(s *resttest.Server, user string) {
	r.t.Helper()
	r.send("login", "login", map[string]any{"userID": user, "userSig": s.UserSig(user), "platform": "Android"})
	if a := r.answer("login"); a["code"] != 0.0 {
		r.t.Fatalf("login: %v", a)
	}
}

// closeCode reads until the server's close frame and returns its code, and
// the text frames seen before it.
func (r *rawConn) closeCode(within time.Duration) (ws.StatusCode, []map[string]any) {
	r.t.Helper()
	deadline := time.Now().Add(within)
	var texts []map[string]any
	for time.Now().Before(deadline) {
		op, p, ok := r.next(time.Until(deadline))
		if !ok {
			r.t.Fatalf("connection ended without a close frame (after %d text frames)", len(texts))
		}
		switch op {
		case ws.OpText:
			var m map[string]any
			json.Unmarshal(p, &m)
			texts = append(texts, m)
		case ws.OpClose:
			code, _ := ws.ParseCloseFrameData(p)
			return code, texts
		}
	}
	r.t.Fatalf("no close frame within %s", within)
	return 0, nil
}

func unlimited(a *app.App) { a.ClientRateLimits = app.ClientRateLimits{} }

// Before login a frame is at most 16 KiB: a connection that has not proved
// who it is cannot make the server buffer 256 KiB (close 1009).
func TestLoginFrameCap(t *testing.T) {
	s := resttest.Start(t)
	r := dialRaw(t, s)
	if err := r.writeFrame(ws.OpText, true, bytes.Repeat([]byte(" "), gateway.MaxLoginFrameBytes+1)); err != nil {
		t.Fatal(err)
	}
	if code, _ := r.closeCode(5 * time.Second); code != ws.StatusMessageTooBig {
		t.Fatalf("close code %d, want 1009", code)
	}
	// A logged-in connection takes a frame of that size.
	r = dialRaw(t, s)
	r.login(s, "alice")
	pad := strings.Repeat("x", 100<<10)
	r.send("p", "ping", map[string]any{"pad": pad})
	if a := r.answer("p"); a["code"] != 0.0 {
		t.Fatalf("ping with padding: %v", a)
	}
}

// A message is bounded as a whole: fragments adding up to more than 256 KiB
// close with 1009, even when each fragment is small; a ping between
// fragments is answered; a text message that is not UTF-8 closes with
// 1007; an unmasked client frame closes with 1002.
func TestFragmentsAndCloseCodes(t *testing.T) {
	s := resttest.Start(t)

	r := dialRaw(t, s)
	r.login(s, "alice")
	req := r.request("f", "ping", nil)
	r.writeFrame(ws.OpText, false, req[:5])
	r.writeFrame(ws.OpPing, true, []byte("between"))
	op, p, ok := r.next(5 * time.Second)
	if !ok || op != ws.OpPong || string(p) != "between" {
		t.Fatalf("pong between fragments: op %v %q %v", op, p, ok)
	}
	r.writeFrame(ws.OpContinuation, true, req[5:])
	if a := r.answer("f"); a["code"] != 0.0 {
		t.Fatalf("fragmented ping: %v", a)
	}

	chunk := bytes.Repeat([]byte(" "), 64<<10)
	r.writeFrame(ws.OpText, false, []byte(`{"v":1,"id":"big","op":"ping","data":{"pad":"`))
	for range 5 {
		if err := r.writeFrame(ws.OpContinuation, false, chunk); err != nil {
			break
		}
	}
	if code, _ := r.closeCode(5 * time.Second); code != ws.StatusMessageTooBig {
		t.Fatalf("fragmented oversize: close code %d, want 1009", code)
	}

	r = dialRaw(t, s)
	r.login(s, "alice")
	r.writeFrame(ws.OpText, true, []byte("{\"v\":1,\"id\":\"u\",\"op\":\"ping\",\"data\":{\"x\":\"\xff\xfe\"}}"))
	if code, _ := r.closeCode(5 * time.Second); code != ws.StatusInvalidFramePayloadData {
		t.Fatalf("bad UTF-8: close code %d, want 1007", code)
	}

	r = dialRaw(t, s)
	ws.WriteFrame(r.nc, ws.NewTextFrame([]byte(`{"v":1,"id":"1","op":"ping"}`))) // not masked
	if code, _ := r.closeCode(5 * time.Second); code != ws.StatusProtocolError {
		t.Fatalf("unmasked frame: close code %d, want 1002", code)
	}
}

// The login deadline runs from the upgrade: frames sent before login do not
// extend it (they used to reset it). The close carries 1008.
func TestLoginDeadlineIsAbsolute(t *testing.T) {
	s := resttest.StartNode(t, server.Options{Gateway: gateway.Options{LoginTimeout: 600 * time.Millisecond}})
	r := dialRaw(t, s)
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(150 * time.Millisecond):
				if r.writeFrame(ws.OpText, true, r.request(fmt.Sprint(i), "ping", nil)) != nil {
					return
				}
			}
		}
	}()
	code, texts := r.closeCode(5 * time.Second)
	if code != ws.StatusPolicyViolation {
		t.Fatalf("close code %d, want 1008", code)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("closed after %s; the login deadline is 600ms from the upgrade", took)
	}
	for _, m := range texts {
		if m["code"] != 6014.0 {
			t.Fatalf("a request before login answered %v, want 6014", m)
		}
	}
}

// holdWrites blocks the store's writer until the returned func is called,
// so every writing request of a client stays in flight.
func holdWrites(t *testing.T, s *resttest.Server) (release func()) {
	t.Helper()
	held, done := make(chan struct{}), make(chan struct{})
	go s.Node.Store.Write(context.Background(), func(store.Tx) error {
		close(held)
		<-done
		return nil
	})
	<-held
	var once sync.Once
	release = func() { once.Do(func() { close(done) }) }
	t.Cleanup(release)
	return release
}

// A client may have at most 64 requests read and not answered; one more is
// answered 7008 and the connection is closed with 1008. The bound holds in
// bytes too (1 MiB), whatever the count.
func TestRequestsInFlightAreBounded(t *testing.T) {
	s := resttest.Start(t, unlimited)
	s.Call("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob"}})

	r := dialRaw(t, s)
	r.login(s, "alice")
	release := holdWrites(t, s)
	for i := range gateway.MaxQueuedRequests + 1 {
		r.send(fmt.Sprint(i), "msg.read", map[string]any{"userID": "bob"})
	}
	code, texts := r.closeCode(5 * time.Second)
	if code != ws.StatusPolicyViolation {
		t.Fatalf("close code %d, want 1008", code)
	}
	if len(texts) == 0 || texts[len(texts)-1]["code"] != float64(gateway.CodeRateLimited) {
		t.Fatalf("want a 7008 error frame before the close, got %v", texts)
	}
	release()

	// Bytes: five requests of 250 KiB are more than 1 MiB in flight.
	r = dialRaw(t, s)
	r.login(s, "alice")
	release = holdWrites(t, s)
	pad := strings.Repeat("x", 250<<10)
	for i := range 5 {
		if r.writeFrame(ws.OpText, true, r.request(fmt.Sprint(i), "msg.read", map[string]any{"userID": "bob", "pad": pad})) != nil {
			break
		}
	}
	if code, _ := r.closeCode(5 * time.Second); code != ws.StatusPolicyViolation {
		t.Fatalf("bytes in flight: close code %d, want 1008", code)
	}
	release()

	// Other clients are served meanwhile, and the closes are counted.
	c := dial(t, s)
	c.login(s, "bob", "Android")
	if code, _ := c.call("ping", nil); code != 0 {
		t.Fatalf("another client's ping: %d", code)
	}
	if n := metric(t, s, "parley_gateway_inbound_overflow_closes_total"); n != "2" {
		t.Fatalf("inbound overflow metric %q, want 2", n)
	}
}

// metric returns the value of an unlabelled series from /metrics.
func metric(t *testing.T, s *resttest.Server, name string) string {
	t.Helper()
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return ""
}

// A client that does not read its answers is closed once its outbound queue
// passes the byte limit, and counted; the server does not keep its frames.
func TestSlowConsumerIsClosed(t *testing.T) {
	s := resttest.StartNode(t, server.Options{Gateway: gateway.Options{MaxOutboundBytes: 256 << 10}}, unlimited)
	s.Call("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob"}})
	for i := range 100 {
		s.Call("openim/sendmsg", map[string]any{"From_Account": "bob", "To_Account": "alice", "MsgRandom": i,
			"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": strings.Repeat("m", 4000)}}}})
	}
	r := dialRaw(t, s)
	r.login(s, "alice")
	// Never read: each answer is about 400 KB; the socket buffers fill, then
	// the queue passes 256 KiB. Requests are paced (20 ms apart) so that the
	// in-flight bound is not what closes the connection.
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; metric(t, s, "parley_gateway_slow_consumer_closes_total") != "1"; i++ {
		if time.Now().After(deadline) {
			t.Fatal("slow consumer not closed within 20 s")
		}
		if n := metric(t, s, "parley_gateway_inbound_overflow_closes_total"); n != "0" {
			t.Fatalf("closed for requests in flight (%s), not as a slow consumer", n)
		}
		r.nc.SetWriteDeadline(time.Now().Add(time.Second))
		r.writeFrame(ws.OpText, true, r.request(fmt.Sprint(i), "msg.history", map[string]any{"userID": "bob", "count": 100}))
		time.Sleep(20 * time.Millisecond)
	}
	// The session is gone with the socket.
	for s.Node.Presence.Count() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := s.Node.Presence.Count(); n != 0 {
		t.Fatalf("%d sessions still online after the slow consumer was closed", n)
	}
}

// Requests pipelined right after logout do not run: the logout answer is
// the connection's last frame.
func TestNothingRunsAfterLogout(t *testing.T) {
	s := resttest.Start(t, unlimited)
	s.Call("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob"}})
	r := dialRaw(t, s)
	r.login(s, "alice")
	var batch []byte
	for _, f := range [][]byte{
		r.request("out", "logout", nil),
		r.request("after", "msg.send", map[string]any{"to": "bob", "random": 1,
			"body": map[string]any{"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "late"}}}}}),
	} {
		var b bytes.Buffer
		ws.WriteFrame(&b, ws.MaskFrame(ws.NewTextFrame(f)))
		batch = append(batch, b.Bytes()...)
	}
	r.nc.Write(batch) // both frames in one write: the reader has both before the logout runs
	code, texts := r.closeCode(5 * time.Second)
	if code != ws.StatusNormalClosure {
		t.Fatalf("close code %d after logout", code)
	}
	for _, m := range texts {
		if m["id"] == "after" {
			t.Fatalf("a request after logout was answered: %v", m)
		}
	}
	out := s.Call("openim/admin_getroammsg", map[string]any{"Operator_Account": "alice", "Peer_Account": "bob",
		"MaxCnt": 10, "MinTime": 0, "MaxTime": time.Now().Unix() + 60})
	if msgs, _ := out["MsgList"].([]any); len(msgs) != 0 {
		t.Fatalf("the message sent after logout was stored: %v", out)
	}
}

// No request runs at or after the UserSig's expiry, however busy the
// socket: the session is kicked with usersig_expired instead.
func TestNothingRunsAfterUserSigExpiry(t *testing.T) {
	s := resttest.Start(t, unlimited)
	s.Call("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob"}})
	sig, err := usersig.Generate(resttest.SDKAppID, resttest.Key, "alice", 2, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := dialRaw(t, s)
	r.send("login", "login", map[string]any{"userID": "alice", "userSig": sig, "platform": "Android"})
	a := r.answer("login")
	expireAt := time.Unix(int64(a["data"].(map[string]any)["userSigExpireAt"].(float64)), 0)
	// Keep the socket busy until past the expiry, then send a message.
	for time.Now().Before(expireAt.Add(50 * time.Millisecond)) {
		if r.writeFrame(ws.OpText, true, r.request("p", "ping", nil)) != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.writeFrame(ws.OpText, true, r.request("late", "msg.send", map[string]any{"to": "bob", "random": 2,
		"body": map[string]any{"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "late"}}}}}))
	_, texts := r.closeCode(5 * time.Second)
	kicked := false
	for _, m := range texts {
		if m["id"] == "late" {
			t.Fatalf("a request after expiry was answered: %v", m)
		}
		if m["push"] == "kicked" && m["data"].(map[string]any)["reason"] == "usersig_expired" {
			kicked = true
		}
	}
	if !kicked {
		t.Fatalf("no usersig_expired kick in %v", texts)
	}
	out := s.Call("openim/admin_getroammsg", map[string]any{"Operator_Account": "alice", "Peer_Account": "bob",
		"MaxCnt": 10, "MinTime": 0, "MaxTime": time.Now().Unix() + 60})
	if msgs, _ := out["MsgList"].([]any); len(msgs) != 0 {
		t.Fatalf("the message sent after expiry was stored: %v", out)
	}
}

// Client-door rate limits are per user (all of the user's connections
// together) and per class, configurable per app: messages past the limit
// are 7008, friend requests 30540; a refused request has no effect, and
// other classes are not touched.
func TestClientRateLimits(t *testing.T) {
	s := resttest.Start(t, func(a *app.App) {
		a.ClientRateLimits = app.ClientRateLimits{Messages: 5, FriendRequests: 2, Writes: 100, Reads: 100}
	})
	var users []string
	for i := range 10 {
		users = append(users, fmt.Sprint("u", i))
	}
	s.Call("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": append(users, "alice")})
	c1, c2 := dial(t, s), dial(t, s)
	c1.login(s, "alice", "Android")
	c2.login(s, "alice", "iOS")
	sent, limited := 0, 0
	start := time.Now()
	for i := range 12 {
		c := []*client{c1, c2}[i%2]
		code, _ := c.call("msg.send", map[string]any{"to": "u0", "random": i,
			"body": map[string]any{"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "hi"}}}}})
		switch code {
		case 0:
			sent++
		case gateway.CodeRateLimited:
			limited++
		default:
			t.Fatalf("msg.send: code %d", code)
		}
	}
	// The 5-message bucket across both devices, plus what refilled (5/s)
	// while the twelve sends ran.
	allowed := 5 + int(time.Since(start).Seconds()*5) + 1
	if sent < 5 || sent > allowed || limited == 0 {
		t.Fatalf("sent %d, limited %d in %s; want 5 to %d sent and the rest refused", sent, limited, time.Since(start), allowed)
	}
	out := s.Call("openim/admin_getroammsg", map[string]any{"Operator_Account": "alice", "Peer_Account": "u0",
		"MaxCnt": 100, "MinTime": 0, "MaxTime": time.Now().Unix() + 60})
	if msgs, _ := out["MsgList"].([]any); len(msgs) != sent {
		t.Fatalf("%d messages stored, %d acknowledged", len(msgs), sent)
	}
	if code, _ := c1.call("conversation.list", nil); code != 0 {
		t.Fatalf("a read after the message limit: %d", code)
	}
	friendLimited := 0
	for i := 1; i < 6; i++ {
		code, _ := c1.call("friend.add", map[string]any{"userID": users[i], "addType": "both"})
		if code == 30540 {
			friendLimited++
		}
	}
	if friendLimited == 0 {
		t.Fatal("five friend requests at once with a limit of 2/s: none refused with 30540")
	}
	if n := metric(t, s, `parley_gateway_rate_limited_total{class="messages"}`); n != fmt.Sprint(limited) {
		t.Fatalf("rate-limited metric %q, want %d", n, limited)
	}
	// The bucket refills: after a second a message goes through.
	time.Sleep(1100 * time.Millisecond)
	if code, _ := c1.call("msg.send", map[string]any{"to": "u0", "random": 99,
		"body": map[string]any{"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "hi"}}}}}); code != 0 {
		t.Fatalf("after a second: %d", code)
	}
}

// An internal failure (here: the store is gone) is answered 20005 with a
// request ID, and the server logs the op, app, user and that request ID.
func TestInternalErrorsAreLoggedWithRequestID(t *testing.T) {
	var logs resttest.LogSink
	s := resttest.StartLogged(t, slog.New(slog.NewJSONHandler(&logs, nil)), server.Options{})
	c := dial(t, s)
	c.login(s, "alice", "Android")
	s.Node.Store.Close()
	code, _ := c.call("conversation.list", nil)
	if code != gateway.CodeInternal {
		t.Fatalf("code %d, want %d", code, gateway.CodeInternal)
	}
	var answer map[string]any
	// call() drops the envelope; read the raw frame again through a request
	// of our own.
	c.sendRaw(`{"v":1,"id":"raw","op":"friend.list"}`)
	for answer == nil {
		if f := c.frame(); f["id"] == "raw" {
			answer = f
		}
	}
	id, _ := answer["requestID"].(string)
	if len(id) != 16 || !strings.Contains(answer["info"].(string), id) {
		t.Fatalf("answer %v: want a 16-digit requestID named in info", answer)
	}
	var line map[string]any
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, id) {
			json.Unmarshal([]byte(l), &line)
		}
	}
	if line["op"] != "friend.list" || line["user"] != "alice" || line["sdkappid"] != float64(resttest.SDKAppID) || line["level"] != "ERROR" || line["error"] == "" {
		t.Fatalf("log line for request %s: %v\nlogs:\n%s", id, line, logs.String())
	}
}

// An answer over the cap is replaced by a 6017 that says to ask for less;
// the connection stays, and a smaller request is answered.
func TestAnswerCap(t *testing.T) {
	s := resttest.StartNode(t, server.Options{Gateway: gateway.Options{MaxAnswerBytes: 8 << 10}}, unlimited)
	s.Call("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob"}})
	for i := range 10 {
		s.Call("openim/sendmsg", map[string]any{"From_Account": "bob", "To_Account": "alice", "MsgRandom": i,
			"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": strings.Repeat("m", 1000)}}}})
	}
	c := dial(t, s)
	c.login(s, "alice", "Android")
	code, _ := c.call("msg.history", map[string]any{"userID": "bob", "count": 10})
	if code != gateway.CodeInvalidRequest {
		t.Fatalf("10 messages of 1 KB under an 8 KiB cap: code %d, want 6017", code)
	}
	if code, out := c.call("msg.history", map[string]any{"userID": "bob", "count": 2}); code != 0 || len(out["messages"].([]any)) != 2 {
		t.Fatalf("2 messages: %d %v", code, out)
	}
}
