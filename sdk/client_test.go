package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// world is the fake server's state for the client-logic tests.
type world struct {
	mu       sync.Mutex
	user     string
	eventSeq uint64
	log      []map[string]any // change log entries, seq = index+1
	reset    bool             // the next sync answers reset
	friends  []string
	blocked  []string
	requests []map[string]any
	loginErr int // answer login with this code when non-zero
	nick     string
}

func (w *world) handle(c *fakeConn, op string, data json.RawMessage) (any, int, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch op {
	case "login":
		if w.loginErr != 0 {
			return nil, w.loginErr, "refused"
		}
		return loginOK(w.user, w.eventSeq), 0, ""
	case "ping", "logout":
		return map[string]any{}, 0, ""
	case "friend.list":
		list := []map[string]any{}
		for _, f := range w.friends {
			list = append(list, map[string]any{"userID": f, "profile": map[string]any{"userID": f}})
		}
		return map[string]any{"friends": list}, 0, ""
	case "block.list":
		list := []map[string]any{}
		for _, b := range w.blocked {
			list = append(list, map[string]any{"userID": b, "addTime": 1})
		}
		return map[string]any{"users": list}, 0, ""
	case "friend_request.list":
		reqs := w.requests
		if reqs == nil {
			reqs = []map[string]any{}
		}
		return map[string]any{"requests": reqs, "unreadCount": len(reqs)}, 0, ""
	case "friend.info":
		var d struct{ UserIDs []string }
		json.Unmarshal(data, &d)
		results := []map[string]any{}
		for _, id := range d.UserIDs {
			results = append(results, map[string]any{"userID": id, "code": 0, "info": "", "relation": "both_way",
				"friend": map[string]any{"userID": id, "remark": "r-" + id, "profile": map[string]any{"userID": id, "nickName": "n-" + id}}})
		}
		return map[string]any{"results": results}, 0, ""
	case "user.get":
		var d struct{ UserIDs []string }
		json.Unmarshal(data, &d)
		users := []map[string]any{}
		for _, id := range d.UserIDs {
			users = append(users, map[string]any{"userID": id, "nickName": w.nick})
		}
		return map[string]any{"users": users}, 0, ""
	case "sync":
		var d struct{ After uint64 }
		json.Unmarshal(data, &d)
		if w.reset {
			w.reset = false
			return map[string]any{"events": []any{}, "latestSeq": w.eventSeq, "complete": true, "reset": true}, 0, ""
		}
		events := []map[string]any{}
		for i := d.After; i < uint64(len(w.log)); i++ {
			events = append(events, w.log[i])
		}
		return map[string]any{"events": events, "latestSeq": w.eventSeq, "complete": true, "reset": false}, 0, ""
	}
	return nil, 6017, "unknown op " + op
}

// logEvent appends to the change log and returns the push to send.
func (w *world) logEvent(kind string, ids ...string) (string, uint64, map[string]any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.eventSeq++
	if ids == nil {
		ids = []string{}
	}
	w.log = append(w.log, map[string]any{"seq": w.eventSeq, "kind": kind, "userIDs": ids, "time": 1})
	return kind, w.eventSeq, map[string]any{"userIDs": ids}
}

// loginSig is the UserSig tests log in with; the end-to-end tests replace
// it with a real one (the fake server accepts anything).
var loginSig = func(t testing.TB, user string) string { return "sig-" + user }

func login(t testing.TB, m *Manager, user string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := m.Login(ctx, user, loginSig(t, user)); err != nil {
		t.Fatalf(
			"login %s: %v",
			user, err)
	}
}

func TestPushSequencing(t *testing.T) {
	w := &world{user: "alice", eventSeq: 5, log: make([]map[string]any, 5)}
	f := newFakeServer(t, w.handle)
	m := f.manager(t)
	rec := newRecorder("alice")
	m.AddSDKListener(rec)
	m.Friendship().AddFriendListener(rec)
	login(t, m, "alice")
	c := f.nextConn(t)
	rec.expect(t, "connecting", "connected")

	c.push(w.logEvent("friend.deleted", "bob"))
	rec.expect(t, "friend- bob")

	// A duplicate is ignored.
	c.push("friend.deleted", 6, map[string]any{"userIDs": []string{"bob"}})

	// Three changes, only the last pushed: a gap, filled by sync.
	w.logEvent("friend.deleted", "carol")
	w.logEvent("block.added", "erin")
	c.push(w.logEvent("friend.added", "dave"))
	if r := f.nextReq(t, "sync"); string(r.data) != `{"after":6,"limit":100}` {
		t.Fatalf(
			"sync data = %s, want after 6",
			r.data)
	}
	rec.expect(t, "friend- carol", "block+ erin", "friend+ dave")

	// Late duplicates of what sync delivered are ignored too.
	c.push("block.added", 8, map[string]any{"userIDs": []string{"erin"}})
	c.push("friend.added", 9, map[string]any{"userIDs": []string{"dave"}})
	c.push(w.logEvent("friend_group.changed"))
	rec.expect(t, "groups~")
	c.push(w.logEvent("friend_request.read"))
	rec.expect(t, "app-read")
	rec.expectQuiet(t, 100*time.Millisecond)
}

func TestFriendInfoFromPush(t *testing.T) {
	w := &world{user: "alice"}
	f := newFakeServer(t, w.handle)
	m := f.manager(t)
	got := make(chan []FriendInfo, 1)
	m.Friendship().AddFriendListener(&friendAddedFunc{fn: func(fi []FriendInfo) { got <- fi }})
	login(t, m, "alice")
	c := f.nextConn(t)
	c.push(w.logEvent("friend.added", "bob"))
	select {
	case fi := <-got:
		if len(fi) != 1 || fi[0].UserID != "bob" || fi[0].FriendRemark != "r-bob" || fi[0].UserProfile.NickName != "n-bob" {
			t.Fatalf(
				"OnFriendListAdded(%+v): want bob with remark and profile read by friend.info",
				fi)
		}
	case <-time.After(waitTimeout):
		t.Fatal("no OnFriendListAdded")
	}
}

type friendAddedFunc struct {
	BaseFriendshipListener
	fn func([]FriendInfo)
}

func (l *friendAddedFunc) OnFriendListAdded(f []FriendInfo) { l.fn(f) }

func TestResetReloadsAndReportsDifference(t *testing.T) {
	w := &world{user: "alice", eventSeq: 3, log: make([]map[string]any, 3),
		friends: []string{"bob", "carol"}, blocked: []string{"eve"},
		requests: []map[string]any{{"userID": "frank", "type": "come_in"}}}
	f := newFakeServer(t, w.handle)
	m := f.manager(t)
	rec := newRecorder("alice")
	m.AddSDKListener(rec)
	m.Friendship().AddFriendListener(rec)
	login(t, m, "alice")
	c := f.nextConn(t)
	f.nextReq(t, "friend_request.list") // the state is loaded

	w.mu.Lock()
	w.friends = []string{"carol", "dan"}
	w.blocked = nil
	w.requests = []map[string]any{{"userID": "gina", "type": "send_out"}}
	w.eventSeq = 12
	w.log = make([]map[string]any, 12)
	w.reset = true
	w.nick = "Alice"
	w.mu.Unlock()
	c.push("friend.added", 11, map[string]any{"userIDs": []string{"dan"}}) // a gap: sync answers reset
	rec.expect(t, "friend- bob", "friend+ dan", "friend~ carol", "block- eve", "app- frank", "app+ gina/out", "groups~", "self alice nick=Alice")

	// It continues after latestSeq.
	c.push(w.logEvent("friend.deleted", "carol"))
	rec.expect(t, "friend- carol")
}

func TestReconnectCatchesUp(t *testing.T) {
	w := &world{user: "alice"}
	f := newFakeServer(t, w.handle)
	m := f.manager(t)
	rec := newRecorder("alice")
	m.AddSDKListener(rec)
	m.Friendship().AddFriendListener(rec)
	login(t, m, "alice")
	c := f.nextConn(t)
	rec.expect(t, "connecting", "connected")
	f.nextReq(t, "login")

	// Changes while the connection is down.
	w.mu.Lock()
	w.loginErr = 0
	w.mu.Unlock()
	c.nc.Close()
	w.logEvent("friend.added", "bob")
	w.logEvent("friend.deleted", "bob")
	w.logEvent("friend_request.added", "carol")
	c2 := f.nextConn(t)
	if r := f.nextReq(t, "login"); !bytes.Contains(r.data, []byte(`"userSig":"`+loginSig(t, "alice")+`"`)) {
		t.Fatalf(
			"relogin data = %s, want the same UserSig",
			r.data)
	}
	rec.expect(t, "connecting", "connected")
	rec.expect(t, "friend+ bob", "friend- bob", "app+ carol/?")
	if s := m.GetLoginStatus(); s != StatusLoggedIn {
		t.Fatalf(
			"status after reconnect = %v",
			s)
	}
	c2.push(w.logEvent("friend.added", "dan"))
	rec.expect(t, "friend+ dan")
}

func TestKickedDoesNotReconnect(t *testing.T) {
	for _, tc := range []struct {
		reason string
		want   string
	}{
		{reason: "multiple_device", want: "kicked"},
		{reason: "rest_api", want: "kicked"},
		{reason: "usersig_expired", want: "usersig-expired"},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			w := &world{user: "alice"}
			f := newFakeServer(t, w.handle)
			m := f.manager(t)
			rec := newRecorder("alice")
			m.AddSDKListener(rec)
			login(t, m, "alice")
			c := f.nextConn(t)
			c.push("kicked", 0, map[string]string{"reason": tc.reason})
			c.nc.Close()
			rec.expect(t, tc.want)
			if s := m.GetLoginStatus(); s != StatusLoggedOut {
				t.Fatalf(
					"status after kick = %v",
					s)
			}
			if u := m.GetLoginUser(); u != "" {
				t.Fatalf(
					"login user after kick = %q",
					u)
			}
			select {
			case <-f.connsCh:
				t.Fatal("the SDK reconnected after a kick")
			case <-time.After(300 * time.Millisecond): // 15× the reconnect delay
			}
			if err := m.Friendship().SetFriendApplicationRead(context.Background()); ErrorCode(err) != ErrCodeNotLoggedIn {
				t.Fatalf(
					"call after kick: %v, want %d",
					err, ErrCodeNotLoggedIn)
			}
		})
	}
}

func TestReconnectRefusedUserSig(t *testing.T) {
	w := &world{user: "alice"}
	f := newFakeServer(t, w.handle)
	m := f.manager(t)
	rec := newRecorder("alice")
	m.AddSDKListener(rec)
	login(t, m, "alice")
	c := f.nextConn(t)
	rec.expect(t, "connecting", "connected")
	w.mu.Lock()
	w.loginErr = ErrCodeUserSigExpired
	w.mu.Unlock()
	c.nc.Close()
	rec.expect(t, "connecting", "connect-failed 6206", "usersig-expired")
	f.nextConn(t)
	select {
	case <-f.connsCh:
		t.Fatal("the SDK kept reconnecting with a refused UserSig")
	case <-time.After(300 * time.Millisecond):
	}
	if s := m.GetLoginStatus(); s != StatusLoggedOut {
		t.Fatalf(
			"status = %v",
			s)
	}
}

func TestReconnectBacksOff(t *testing.T) {
	w := &world{user: "alice"}
	f := newFakeServer(t, w.handle)
	m := f.manager(t)
	rec := newRecorder("alice")
	m.AddSDKListener(rec)
	login(t, m, "alice")
	c := f.nextConn(t)
	rec.expect(t, "connecting", "connected")
	w.mu.Lock()
	w.loginErr = 70500 // a server failure: retried
	w.mu.Unlock()
	c.nc.Close()
	rec.expect(t, "connecting", "connect-failed 70500", "connecting", "connect-failed 70500")
	w.mu.Lock()
	w.loginErr = 0
	w.mu.Unlock()
	rec.waitFor(t, "connected")
	if s := m.GetLoginStatus(); s != StatusLoggedIn {
		t.Fatalf(
			"status = %v",
			s)
	}
	// Calls made during the outage wait for the reconnect and succeed.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if _, err := m.Friendship().GetFriendList(ctx); err != nil {
		t.Fatal(err)
	}
}

// A listener may call the SDK, and may block, without stalling the socket.
func TestListenerReentrancyAndSlowListener(t *testing.T) {
	w := &world{user: "alice", friends: []string{"bob"}}
	f := newFakeServer(t, w.handle)
	m := f.manager(t)
	release := make(chan struct{})
	inside := make(chan error, 1)
	rec := newRecorder("alice")
	m.Friendship().AddFriendListener(&reentrant{m: m, inside: inside, release: release})
	m.Friendship().AddFriendListener(rec)
	login(t, m, "alice")
	c := f.nextConn(t)
	c.push(w.logEvent("friend.added", "carol"))
	select {
	case err := <-inside:
		if err != nil {
			t.Fatalf(
				"call from a callback: %v",
				err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("a call made from a callback did not return")
	}
	// The callback goroutine is blocked; calls and reads still work.
	c.push(w.logEvent("friend.deleted", "carol"))
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if _, err := m.Friendship().GetFriendList(ctx); err != nil {
		t.Fatal(err)
	}
	close(release)
	rec.expect(t, "friend+ carol", "friend- carol")
}

type reentrant struct {
	BaseFriendshipListener
	m       *Manager
	inside  chan error
	release chan struct{}
	once    sync.Once
}

func (r *reentrant) OnFriendListAdded([]FriendInfo) {
	r.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		_, err := r.m.Friendship().GetFriendList(ctx)
		r.inside <- err
		<-r.release
	})
}

func TestLoginStateAndErrors(t *testing.T) {
	w := &world{user: "alice"}
	f := newFakeServer(t, w.handle)
	m := f.manager(t)
	ctx := context.Background()
	if s := m.GetLoginStatus(); s != StatusLoggedOut {
		t.Fatalf(
			"initial status = %v",
			s)
	}
	if _, err := m.Friendship().GetFriendList(ctx); ErrorCode(err) != ErrCodeNotLoggedIn {
		t.Fatalf(
			"call before login: %v",
			err)
	}
	w.mu.Lock()
	w.loginErr = 70003
	w.mu.Unlock()
	if err := m.Login(ctx, "alice", "bad"); ErrorCode(err) != 70003 {
		t.Fatalf(
			"login with a bad sig: %v, want 70003",
			err)
	}
	if s := m.GetLoginStatus(); s != StatusLoggedOut {
		t.Fatalf(
			"status after a refused login = %v",
			s)
	}
	w.mu.Lock()
	w.loginErr = 0
	w.mu.Unlock()
	login(t, m, "alice")
	if m.GetLoginUser() != "alice" || m.GetLoginStatus() != StatusLoggedIn {
		t.Fatalf(
			"after login: %q %v",
			m.GetLoginUser(), m.GetLoginStatus())
	}
	login(t, m, "alice") // repeated login: no-op
	if err := m.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	f.nextReq(t, "logout")
	if m.GetLoginUser() != "" || m.GetLoginStatus() != StatusLoggedOut {
		t.Fatalf(
			"after logout: %q %v",
			m.GetLoginUser(), m.GetLoginStatus())
	}
	m.Close()
	if err := m.Login(ctx, "alice", "x"); ErrorCode(err) != ErrCodeNotInitialized {
		t.Fatalf(
			"login after Close: %v",
			err)
	}
	bad := NewManager(Config{ServerURL: "ftp://x", SDKAppID: 7})
	defer bad.Close()
	if err := bad.Login(ctx, "alice", "x"); ErrorCode(err) != ErrCodeInvalidParameters {
		t.Fatalf(
			"login with a bad URL: %v",
			err)
	}
}

// A push may overtake the login answer (the session is registered before
// the answer is written): it is applied once, after the login.
func TestPushBeforeLoginAnswer(t *testing.T) {
	w := &world{user: "alice"}
	f := newFakeServer(t, func(c *fakeConn, op string, data json.RawMessage) (any, int, string) {
		ans, code, info := w.handle(c, op, data) // eventSeq 0
		if op == "login" {
			c.push(w.logEvent("friend.added", "bob")) // seq 1, before the answer
		}
		return ans, code, info
	})
	m := f.manager(t)
	rec := newRecorder("alice")
	m.Friendship().AddFriendListener(rec)
	login(t, m, "alice")
	c := f.nextConn(t)
	rec.expect(t, "friend+ bob")
	c.push(w.logEvent("friend.deleted", "bob"))
	rec.expect(t, "friend- bob")
	rec.expectQuiet(t, 100*time.Millisecond)
}

// A server that stops answering pings is left: the heartbeat closes the
// connection and the SDK reconnects.
func TestHeartbeatDetectsSilentServer(t *testing.T) {
	w := &world{user: "alice"}
	mute := make(chan struct{})
	f := newFakeServer(t, func(c *fakeConn, op string, data json.RawMessage) (any, int, string) {
		if op == "ping" {
			select {
			case <-mute:
				return nil, -1, "" // no answer
			default:
			}
		}
		return w.handle(c, op, data)
	})
	m := NewManager(Config{ServerURL: f.hs.URL, SDKAppID: 7, HeartbeatInterval: 30 * time.Millisecond,
		RequestTimeout: 300 * time.Millisecond, ReconnectMinDelay: 10 * time.Millisecond})
	defer m.Close()
	rec := newRecorder("alice")
	m.AddSDKListener(rec)
	login(t, m, "alice")
	f.nextConn(t)
	rec.expect(t, "connecting", "connected")
	f.nextReq(t, "ping") // answered
	close(mute)
	f.nextConn(t) // the reconnect after the unanswered ping
	rec.expect(t, "connecting", "connected")
}

func TestEndpointURL(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{in: "http://127.0.0.1:8080", want: "ws://127.0.0.1:8080/v1/ws?sdkappid=1400000001"},
		{in: "https://im.example.com/", want: "wss://im.example.com/v1/ws?sdkappid=1400000001"},
		{in: "ws://im.example.com/base", want: "ws://im.example.com/base/v1/ws?sdkappid=1400000001"},
		{in: "wss://im.example.com/v1/ws", want: "wss://im.example.com/v1/ws?sdkappid=1400000001"},
	} {
		got, err := endpointURL(tc.in, 1400000001)
		if err != nil || got != tc.want {
			t.Errorf(
				"endpointURL(%q) = %q, %v; want %q",
				tc.in, got, err, tc.want)
		}
	}
}

// TestConnFrames checks the client's WebSocket framing against raw frames:
// masked text requests, fragmented messages with a ping in between, pong
// replies, ignored binary frames, and a close on an oversized frame.
func TestConnFrames(t *testing.T) {
	conns := make(chan *rawPeer, 10)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nc, _, _, err := ws.UpgradeHTTP(r, w)
		if err != nil {
			return
		}
		conns <- &rawPeer{t: t, c: nc}
	}))
	defer hs.Close()
	m := NewManager(Config{ServerURL: hs.URL, SDKAppID: 7, Platform: PlatformMac, RequestTimeout: 5 * time.Second,
		ReconnectMinDelay: 20 * time.Millisecond, ReconnectMaxDelay: 50 * time.Millisecond})
	defer m.Close()
	rec := newRecorder("raw")
	m.AddSDKListener(rec)
	m.Friendship().AddFriendListener(rec)

	done := make(chan error, 1)
	go func() { done <- m.Login(context.Background(), "alice", "sig") }()
	p := <-conns
	h, req := p.read()
	if !h.Masked || h.OpCode != ws.OpText || !h.Fin {
		t.Fatalf(
			"login frame header %+v: want a masked final text frame",
			h)
	}
	var lr struct {
		V    int    `json:"v"`
		ID   string `json:"id"`
		Op   string `json:"op"`
		Data struct {
			UserID, UserSig, Platform, InstanceID string
		} `json:"data"`
	}
	if err := json.Unmarshal(req, &lr); err != nil || lr.V != 1 || lr.Op != "login" || lr.ID == "" ||
		lr.Data.UserID != "alice" || lr.Data.UserSig != "sig" || lr.Data.Platform != "Mac" || lr.Data.InstanceID == "" {
		t.Fatalf(
			"login request %s (%v)",
			req, err)
	}
	p.write(ws.NewTextFrame([]byte(`{"v":1,"id":"` + lr.ID + `","code":0,"info":"","data":{"userID":"alice","heartbeat":30,"eventSeq":0}}`)))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The initial state load.
	for _, op := range []string{"friend.list", "block.list", "friend_request.list", "conversation.list"} {
		id := p.expectOp(op)
		p.write(ws.NewTextFrame([]byte(`{"v":1,"id":"` + id + `","code":0,"data":{}}`)))
	}

	// A push in three fragments with a ping in the middle.
	msg := []byte(`{"v":1,"push":"friend.deleted","seq":1,"data":{"userIDs":["bob"]}}`)
	p.write(ws.Frame{Header: ws.Header{OpCode: ws.OpText, Length: 10}, Payload: msg[:10]})
	p.write(ws.Frame{Header: ws.Header{OpCode: ws.OpContinuation, Length: 20}, Payload: msg[10:30]})
	p.write(ws.NewPingFrame([]byte("hb")))
	p.write(ws.Frame{Header: ws.Header{Fin: true, OpCode: ws.OpContinuation, Length: int64(len(msg) - 30)}, Payload: msg[30:]})
	h, pong := p.read()
	if h.OpCode != ws.OpPong || !h.Masked || string(pong) != "hb" {
		t.Fatalf(
			"answer to ping: %+v %q, want a masked pong \"hb\"",
			h, pong)
	}
	rec.expect(t, "friend- bob")

	// A binary frame is ignored; an invalid text frame too.
	p.write(ws.NewBinaryFrame([]byte(`{"v":1,"push":"friend.deleted","seq":2,"data":{"userIDs":["x"]}}`)))
	p.write(ws.NewTextFrame([]byte(`{"v":3,"push":"friend.deleted","seq":2,"data":{"userIDs":["y"]}}`)))
	p.write(ws.NewTextFrame([]byte(`{"v":1,"push":"friend.deleted","seq":2,"data":{"userIDs":["carol"]}}`)))
	rec.expect(t, "friend- carol")

	// An oversized frame: the client drops the connection and reconnects.
	p.write(ws.Frame{Header: ws.Header{Fin: true, OpCode: ws.OpText, Length: MaxFrameBytes + 1}, Payload: bytes.Repeat([]byte(" "), MaxFrameBytes+1)})
	select {
	case p2 := <-conns:
		_, req := p2.read()
		if !bytes.Contains(req, []byte(`"op":"login"`)) {
			t.Fatalf(
				"first frame after reconnect: %s",
				req)
		}
	case <-time.After(waitTimeout):
		t.Fatal("no reconnect after an oversized frame")
	}
}

type rawPeer struct {
	t testing.TB
	c io.ReadWriteCloser
}

func (p *rawPeer) read() (ws.Header, []byte) {
	p.t.Helper()
	h, err := ws.ReadHeader(p.c)
	if err != nil || h.Length > 1<<20 {
		p.t.Fatalf("read frame header: %+v %v", h, err)
	}
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(p.c, payload); err != nil {
		p.t.Fatalf("read frame payload: %v", err)
	}
	if h.Masked {
		ws.Cipher(payload, h.Mask, 0)
	}
	return h, payload
}

func (p *rawPeer) write(f ws.Frame) {
	p.t.Helper()
	if err := ws.WriteFrame(p.c, f); err != nil {
		p.t.Fatalf(
			"write frame: %v",
			err)
	}
}

// expectOp reads text frames until a request with op and returns its id.
func (p *rawPeer) expectOp(op string) string {
	p.t.Helper()
	for {
		h, b := p.read()
		if h.OpCode != ws.OpText {
			continue
		}
		var r struct{ ID, Op string }
		json.Unmarshal(b, &r)
		if r.Op == op {
			return r.ID
		}
	}
}

var _ = wsutil.WriteServerText
