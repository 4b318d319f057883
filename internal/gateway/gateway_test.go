package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/gateway"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/usersig"
)

// client is a raw protocol client: it checks the server against
// docs/protocol.md without the SDK in between.
type client struct {
	t      *testing.T
	nc     net.Conn
	mu     sync.Mutex
	next   int
	frames chan map[string]any
	// held are frames read while waiting for an answer, in arrival order;
	// they come before anything still in frames.
	held   []map[string]any
	closed chan struct{}
}

// nextFrame returns the next frame in arrival order within d.
func (c *client) nextFrame(d time.Duration) (map[string]any, bool) {
	c.mu.Lock()
	if len(c.held) > 0 {
		f := c.held[0]
		c.held = c.held[1:]
		c.mu.Unlock()
		return f, true
	}
	c.mu.Unlock()
	select {
	case f := <-c.frames:
		return f, true
	case <-time.After(d):
		return nil, false
	}
}

func dial(t *testing.T, s *resttest.Server) *client {
	t.Helper()
	nc, _, _, err := ws.Dial(context.Background(), s.WebSocketURL())
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, nc: nc, frames: make(chan map[string]any, 256), closed: make(chan struct{})}
	go func() {
		defer close(c.closed)
		for {
			msg, _, err := wsutil.ReadServerData(nc)
			if err != nil {
				return
			}
			var m map[string]any
			if err := json.Unmarshal(msg, &m); err != nil {
				panic(fmt.Sprintf("server sent non-JSON %q", msg))
			}
			c.frames <- m
		}
	}()
	t.Cleanup(func() { nc.Close() })
	return c
}

func (c *client) sendRaw(b string) {
	c.t.Helper()
	if err := wsutil.WriteClientText(c.nc, []byte(b)); err != nil {
		c.t.Fatal(err)
	}
}

// next frame within 5 s.
func (c *client) frame() map[string]any {
	c.t.Helper()
	f, ok := c.nextFrame(5 * time.Second)
	if !ok {
		c.t.Fatal("no frame within 5s")
	}
	return f
}

// call sends a request and returns its response; pushes that arrive first
// are kept for push().
func (c *client) call(op string, data any) (code int, out map[string]any) {
	c.t.Helper()
	c.mu.Lock()
	c.next++
	id := fmt.Sprint(c.next)
	c.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"v": 1, "id": id, "op": op, "data": data})
	c.sendRaw(string(b))
	// Frames before the answer are kept, in order, ahead of later ones.
	var pushes []map[string]any
	defer func() {
		c.mu.Lock()
		c.held = append(pushes, c.held...)
		c.mu.Unlock()
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		var f map[string]any
		if len(c.held) > 0 {
			f, c.held = c.held[0], c.held[1:]
		}
		c.mu.Unlock()
		if f == nil {
			select {
			case f = <-c.frames:
			case <-time.After(time.Until(deadline)):
				c.t.Fatalf("no answer to %s within 5s", op)
			}
		}
		if f["id"] == id {
			d, _ := f["data"].(map[string]any)
			return int(f["code"].(float64)), d
		}
		pushes = append(pushes, f)
	}
}

func (c *client) push(kind string) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, ok := c.nextFrame(time.Until(deadline))
		if !ok {
			c.t.Fatalf("no %s push within 5s", kind)
		}
		if f["push"] == kind {
			return f
		}
	}
}

func (c *client) login(s *resttest.Server, user, platform string) map[string]any {
	c.t.Helper()
	code, out := c.call("login", map[string]any{"userID": user, "userSig": s.UserSig(user), "platform": platform})
	if code != 0 {
		c.t.Fatalf("login %s: %d %v", user, code, out)
	}
	return out
}

func (c *client) waitClosed() {
	c.t.Helper()
	select {
	case <-c.closed:
	case <-time.After(5 * time.Second):
		c.t.Fatal("connection not closed within 5s")
	}
}

func TestProtocolErrors(t *testing.T) {
	s := resttest.Start(t)
	c := dial(t, s)
	c.sendRaw(`not json`)
	if f := c.frame(); f["code"].(float64) != gateway.CodeInvalidRequest || f["id"] != "" {
		t.Fatalf("garbage: %v", f)
	}
	if code, _ := c.call("friend.list", nil); code != gateway.CodeNotLoggedIn {
		t.Fatalf("before login: %d", code)
	}
	expired, _ := usersig.Generate(resttest.SDKAppID, resttest.Key, "alice", 1, time.Now().Add(-time.Hour))
	if code, _ := c.call("login", map[string]any{"userID": "alice", "userSig": expired, "platform": "Web"}); code != gateway.CodeUserSigExpired {
		t.Fatalf("expired sig: %d", code)
	}
	wrongKey, _ := usersig.Generate(resttest.SDKAppID, "ffffffffffffffffffffffffffffffff", "alice", 3600, time.Now())
	if code, _ := c.call("login", map[string]any{"userID": "alice", "userSig": wrongKey, "platform": "Web"}); code != 70009 {
		t.Fatalf("wrong key: %d", code)
	}
	if code, _ := c.call("login", map[string]any{"userID": "alice", "userSig": s.UserSig("bob"), "platform": "Web"}); code != 70013 {
		t.Fatalf("someone else's sig: %d", code)
	}
	if code, _ := c.call("login", map[string]any{"userID": "alice", "userSig": s.UserSig("alice"), "platform": "Fridge"}); code != gateway.CodeInvalidRequest {
		t.Fatalf("unknown platform: %d", code)
	}
	out := c.login(s, "alice", "Web")
	if out["userID"] != "alice" || out["heartbeat"].(float64) != 30 {
		t.Fatalf("login answer %v", out)
	}
	// First login signed alice up.
	resp := s.MustOK("im_open_login_svc/account_check", `{"CheckItem":[{"UserID":"alice"}]}`)
	if resttest.Items(resp, "ResultItem")[0]["AccountStatus"] != "Imported" {
		t.Fatalf("alice was not signed up: %v", resp)
	}
	if code, _ := c.call("login", map[string]any{"userID": "alice", "userSig": s.UserSig("alice"), "platform": "Web"}); code != gateway.CodeInvalidRequest {
		t.Fatalf("second login on one connection: %d", code)
	}
	if code, _ := c.call("no.such.op", nil); code != gateway.CodeInvalidRequest {
		t.Fatalf("unknown op: %d", code)
	}
	if code, _ := c.call("friend.add", "not an object"); code != gateway.CodeInvalidRequest {
		t.Fatalf("bad data: %d", code)
	}
	// The connection survives all of that.
	if code, _ := c.call("ping", nil); code != 0 {
		t.Fatalf("ping: %d", code)
	}
}

func TestMultiInstancePolicyKicksOldest(t *testing.T) {
	s := resttest.Start(t, func(a *app.App) { a.Login.MaxInstancesPerPlatform = 2 })
	web1 := dial(t, s)
	web1.login(s, "alice", "Web")
	and1, and2 := dial(t, s), dial(t, s)
	and1.login(s, "alice", "Android")
	and2.login(s, "alice", "Android")
	// A second Web login: Web allows one, so the first Web goes.
	web2 := dial(t, s)
	web2.login(s, "alice", "Web")
	if k := web1.push("kicked"); k["data"].(map[string]any)["reason"] != "multiple_account" {
		t.Fatalf("web kick: %v", k)
	}
	web1.waitClosed()
	// A third Android login: the oldest Android goes, the other stays.
	and3 := dial(t, s)
	and3.login(s, "alice", "Android")
	if k := and1.push("kicked"); k["data"].(map[string]any)["reason"] != "multiple_device" {
		t.Fatalf("android kick: %v", k)
	}
	and1.waitClosed()
	if code, _ := and2.call("ping", nil); code != 0 {
		t.Fatal("the newer Android instance must stay online")
	}
	resp := s.MustOK("openim/query_online_status", `{"To_Account":["alice","nobody"],"IsNeedDetail":1}`)
	items := resttest.Items(resp, "QueryResult")
	if len(items) != 1 || items[0]["Status"] != "Online" || items[0]["State"] != "Online" || len(items[0]["Detail"].([]any)) != 3 {
		t.Fatalf("online status: %v", resp)
	}
	if errs := resttest.Items(resp, "ErrorList"); len(errs) != 1 || resttest.Int(errs[0]["ErrorCode"]) != 70107 {
		t.Fatalf("unknown account: %v", resp)
	}
	// REST kick ends every instance.
	s.MustOK("im_open_login_svc/kick", `{"UserID":"alice"}`)
	for _, c := range []*client{and2, web2, and3} {
		if k := c.push("kicked"); k["data"].(map[string]any)["reason"] != "rest_api" {
			t.Fatalf("rest kick: %v", k)
		}
		c.waitClosed()
	}
	resp = s.MustOK("openim/querystate", `{"To_Account":["alice"]}`)
	if st := resttest.Items(resp, "QueryResult")[0]["State"]; st != "Offline" {
		t.Fatalf("after kick: %v", st)
	}
	if out := s.Call("im_open_login_svc/kick", `{"Identifier":"ghost"}`); resttest.Code(out) != 70107 {
		t.Fatalf("kick unknown: %v", out)
	}
}

func TestSilentConnectionIsDropped(t *testing.T) {
	s := resttest.StartNode(t, server.Options{Gateway: gateway.Options{Heartbeat: 100 * time.Millisecond}})
	c := dial(t, s)
	c.login(s, "alice", "iOS")
	c.waitClosed() // three heartbeats of silence
	deadline := time.Now().Add(2 * time.Second)
	for len(s.Node.Presence.Sessions(resttest.SDKAppID, "alice")) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the dead session is still registered")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestUserSigExpiryKicks(t *testing.T) {
	s := resttest.Start(t)
	c := dial(t, s)
	sig, _ := usersig.Generate(resttest.SDKAppID, resttest.Key, "alice", 2, time.Now())
	if code, _ := c.call("login", map[string]any{"userID": "alice", "userSig": sig, "platform": "Mac"}); code != 0 {
		t.Fatalf("login: %d", code)
	}
	if f, ok := c.nextFrame(6 * time.Second); !ok {
		t.Fatal("not kicked when the UserSig expired")
	} else if f["push"] != "kicked" || f["data"].(map[string]any)["reason"] != "usersig_expired" {
		t.Fatalf("got %v", f)
	}
	c.waitClosed()
}

// Changes from REST reach every online instance, in seq order, and a
// client that was offline gets exactly the missed entries from sync.
func TestPushesAndSync(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice", "bob", "carol")
	s.MustOK("profile/portrait_set", `{"From_Account":"bob","ProfileItem":[{"Tag":"Tag_Profile_IM_AllowType","Value":"AllowType_Type_AllowAny"}]}`)
	web, ios := dial(t, s), dial(t, s)
	seq0 := uint64(web.login(s, "alice", "Web")["eventSeq"].(float64))
	ios.login(s, "alice", "iOS")
	s.MustOK("sns/friend_add", `{"From_Account":"alice","AddFriendItem":[{"To_Account":"bob"}]}`)
	var seq uint64
	for _, c := range []*client{web, ios} {
		p := c.push("friend.added")
		seq = uint64(p["seq"].(float64))
		if seq != seq0+1 || p["data"].(map[string]any)["userIDs"].([]any)[0] != "bob" {
			t.Fatalf("push %v", p)
		}
	}
	web.nc.Close()
	// While alice's Web is offline: a pending request from carol, and a block.
	s.Call("sns/friend_add", `{"From_Account":"carol","AddFriendItem":[{"To_Account":"alice"}]}`)
	s.MustOK("sns/black_list_add", `{"From_Account":"alice","To_Account":["bob"]}`)
	back := dial(t, s)
	back.login(s, "alice", "Web")
	code, out := back.call("sync", map[string]any{"after": seq})
	if code != 0 || out["reset"] != false || out["complete"] != true {
		t.Fatalf("sync: %d %v", code, out)
	}
	var kinds []string
	want := seq + 1
	for _, e := range out["events"].([]any) {
		ev := e.(map[string]any)
		if uint64(ev["seq"].(float64)) != want {
			t.Fatalf("sync gap or reorder at %v: %v", want, out["events"])
		}
		want++
		kinds = append(kinds, ev["kind"].(string))
	}
	if fmt.Sprint(kinds) != "[friend_request.added block.added friend.deleted]" {
		t.Fatalf("missed events %v", kinds)
	}
	if uint64(out["latestSeq"].(float64)) != want-1 {
		t.Fatalf("latestSeq %v, last event %d", out["latestSeq"], want-1)
	}
	// A position beyond the log is a reset, not an empty success.
	if _, out := back.call("sync", map[string]any{"after": want + 100}); out["reset"] != true {
		t.Fatalf("future position: %v", out)
	}
}

// The client door runs the same rules as REST: a block made over REST stops
// a friend request made over the socket.
func TestClientOpsShareTheDomainRules(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice", "bob")
	s.MustOK("sns/black_list_add", `{"From_Account":"bob","To_Account":["alice"]}`)
	c := dial(t, s)
	c.login(s, "alice", "Windows")
	code, out := c.call("friend.add", map[string]any{"userID": "bob", "addSource": "AddSource_Type_Win"})
	if code != 30525 || out["userID"] != "bob" {
		t.Fatalf("blocked add over the socket: %d %v", code, out)
	}
	code, out = c.call("friend.check", map[string]any{"userIDs": []string{"bob"}})
	if code != 0 || out["results"].([]any)[0].(map[string]any)["relation"] != "none" {
		t.Fatalf("check: %d %v", code, out)
	}
	code, _ = c.call("user.setSelf", map[string]any{"nickName": "Al", "allowType": 0, "gender": 2})
	if code != 0 {
		t.Fatalf("setSelf: %d", code)
	}
	p := c.push("profile.updated")
	if p["data"].(map[string]any)["userIDs"].([]any)[0] != "alice" {
		t.Fatalf("self profile push %v", p)
	}
	resp := s.MustOK("profile/portrait_get", `{"To_Account":["alice"],"TagList":["Tag_Profile_IM_Nick","Tag_Profile_IM_AllowType","Tag_Profile_IM_Gender"]}`)
	items := resttest.Items(resttest.Items(resp, "UserProfileItem")[0], "ProfileItem")
	if items[0]["Value"] != "Al" || items[1]["Value"] != "AllowType_Type_AllowAny" || items[2]["Value"] != "Gender_Type_Female" {
		t.Fatalf("profile set over the socket, read over REST: %v", items)
	}
	if code, _ := c.call("user.setSelf", map[string]any{"gender": 7}); code != 40605 {
		t.Fatalf("bad gender: %d", code)
	}
}

// Deleting an account over REST ends its sessions and tells its friends'
// devices that the friend is gone.
func TestAccountDeletionReachesClients(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice", "bob")
	s.MustOK("sns/friend_import", `{"From_Account":"alice","AddFriendItem":[{"To_Account":"bob","AddSource":"AddSource_Type_t"}]}`)
	a, b := dial(t, s), dial(t, s)
	a.login(s, "alice", "Web")
	b.login(s, "bob", "iPad")
	s.MustOK("im_open_login_svc/account_delete", `{"DeleteItem":[{"UserID":"bob"}]}`)
	if k := b.push("kicked"); k["data"].(map[string]any)["reason"] != "rest_api" {
		t.Fatalf("deleted user's session: %v", k)
	}
	b.waitClosed()
	p := a.push("friend.deleted")
	if p["data"].(map[string]any)["userIDs"].([]any)[0] != "bob" {
		t.Fatalf("friend's push: %v", p)
	}
}

// A frame declaring more than 256 KiB is refused from its header, with close
// code 1009, and a WebSocket ping is answered with a pong.
func TestOversizedFrameAndPing(t *testing.T) {
	s := resttest.Start(t)
	nc, _, _, err := ws.Dial(context.Background(), s.WebSocketURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := ws.WriteFrame(nc, ws.MaskFrame(ws.NewPingFrame([]byte("hi")))); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	h, err := ws.ReadHeader(nc)
	if err != nil || h.OpCode != ws.OpPong || h.Length != 2 {
		t.Fatalf("pong: %+v %v", h, err)
	}
	body := make([]byte, h.Length)
	if _, err := io.ReadFull(nc, body); err != nil || string(body) != "hi" {
		t.Fatalf("pong body %q %v", body, err)
	}
	// Only the header of a 1 GiB frame is sent: the server must not wait for
	// (or allocate) the payload.
	hdr := ws.Header{Fin: true, OpCode: ws.OpText, Length: 1 << 30, Masked: true, Mask: ws.NewMask()}
	if err := ws.WriteHeader(nc, hdr); err != nil {
		t.Fatal(err)
	}
	h, err = ws.ReadHeader(nc)
	if err != nil || h.OpCode != ws.OpClose {
		t.Fatalf("want a close frame, got %+v %v", h, err)
	}
	payload := make([]byte, h.Length)
	io.ReadFull(nc, payload)
	if code, _ := ws.ParseCloseFrameData(payload); code != ws.StatusMessageTooBig {
		t.Fatalf("close code %d", code)
	}
}
