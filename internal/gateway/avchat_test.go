package gateway_test

import (
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/gateway"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
)

func avchatApp(history bool) resttest.Option {
	return func(a *app.App) {
		a.ClientRateLimits = app.ClientRateLimits{}
		a.RateLimits = map[string]float64{"default": 0}
		a.Switches.AVChatRoomNewMemberHistory = history
	}
}

// room creates the AVChatRoom id owned by owner (REST) and has each of
// clients join it through its socket.
func room(t *testing.T, s *resttest.Server, id, owner string, members map[string]*client) {
	t.Helper()
	s.MustOK("group_open_http_svc/create_group", map[string]any{"Owner_Account": owner, "Type": "AVChatRoom", "GroupId": id, "Name": id})
	for _, c := range members {
		c.mustCall("group.join", map[string]any{"groupID": id})
	}
}

func roomText(s *resttest.Server, group, from, text string, random int) map[string]any {
	return s.Call("group_open_http_svc/send_group_msg", map[string]any{"GroupId": group, "From_Account": from, "Random": random,
		"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": text}}}})
}

func pushText(f map[string]any) string {
	data := f["data"].(map[string]any)
	body := data["body"].(map[string]any)["MsgBody"].([]any)
	return body[0].(map[string]any)["MsgContent"].(map[string]any)["Text"].(string)
}

// The online count of a room is its members online anywhere, each once
// whatever their devices; a member going offline leaves it; only a room
// counts for a client (V2TIM), REST counts any type.
func TestRoomOnlineMemberCount(t *testing.T) {
	s := resttest.Start(t, avchatApp(false))
	s.Import("owner", "alice", "bob", "carol")
	alice1, alice2, bob := dial(t, s), dial(t, s), dial(t, s)
	alice1.login(s, "alice", "iOS")
	alice2.login(s, "alice", "Web")
	bob.login(s, "bob", "iOS")
	room(t, s, "live", "owner", map[string]*client{"alice": alice1, "bob": bob})
	count := func() float64 {
		return alice2.mustCall("group.getOnlineMemberCount", map[string]any{"groupID": "live"})["count"].(float64)
	}
	if n := count(); n != 2 {
		t.Fatalf("online members: %v, want 2 (alice on two devices, bob; the owner is offline)", n)
	}
	if out := s.MustOK("group_open_http_svc/get_online_member_num", map[string]any{"GroupId": "live"}); fmt.Sprint(out["OnlineMemberNum"]) != "2" {
		t.Fatalf("REST online members: %v", out)
	}
	bob.nc.Close()
	deadline := time.Now().Add(5 * time.Second)
	for count() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("bob's disconnect not counted: %v online", count())
		}
		time.Sleep(10 * time.Millisecond)
	}
	carol := dial(t, s)
	carol.login(s, "carol", "iOS")
	if code, _ := carol.call("group.getOnlineMemberCount", map[string]any{"groupID": "live"}); code != 10007 {
		t.Fatalf("a non-member's count: code %d, want 10007", code)
	}
	s.MustOK("group_open_http_svc/create_group", map[string]any{"Owner_Account": "alice", "Type": "Public", "GroupId": "pub", "Name": "p"})
	if n := alice1.mustCall("group.getOnlineMemberCount", map[string]any{"groupID": "pub"})["count"]; fmt.Sprint(n) != "0" {
		t.Fatalf("a client's count of a Public group: %v, want 0 (rooms only)", n)
	}
	if out := s.MustOK("group_open_http_svc/get_online_member_num", map[string]any{"GroupId": "pub"}); fmt.Sprint(out["OnlineMemberNum"]) != "1" {
		t.Fatalf("REST count of a Public group: %v, want 1", out)
	}
}

// The owner's kick with a duration bans: the kicked hear it, cannot rejoin
// (10007) until unbanned; an admin may not ban, and nobody bans the owner.
func TestRoomBanFromTheSocket(t *testing.T) {
	s := resttest.Start(t, avchatApp(false))
	s.Import("owner", "adm", "m1")
	owner, adm, m1 := dial(t, s), dial(t, s), dial(t, s)
	owner.login(s, "owner", "iOS")
	adm.login(s, "adm", "iOS")
	m1.login(s, "m1", "iOS")
	s.MustOK("group_open_http_svc/create_group", map[string]any{"Owner_Account": "owner", "Type": "AVChatRoom", "GroupId": "live", "Name": "l"})
	owner.mustCall("group.join", map[string]any{"groupID": "live"})
	adm.mustCall("group.join", map[string]any{"groupID": "live"})
	m1.mustCall("group.join", map[string]any{"groupID": "live"})
	owner.mustCall("group.setMemberInfo", map[string]any{"groupID": "live", "userID": "adm", "role": 300})

	if code, _ := adm.call("group.kick", map[string]any{"groupID": "live", "userIDs": []string{"m1"}, "duration": 60}); code != 10007 {
		t.Fatalf("an admin's ban: code %d, want 10007 (the owner only)", code)
	}
	if code, _ := owner.call("group.kick", map[string]any{"groupID": "live", "userIDs": []string{"m1"}}); code != 10007 {
		t.Fatalf("a room kick without a duration: code %d, want 10007", code)
	}
	if code, _ := owner.call("group.kick", map[string]any{"groupID": "live", "userIDs": []string{"m1"}, "duration": -1}); code != 10004 {
		t.Fatalf("a negative duration: code %d, want 10004", code)
	}
	owner.mustCall("group.kick", map[string]any{"groupID": "live", "userIDs": []string{"m1"}, "duration": 3600, "reason": "spam"})
	if f := adm.push("group.member_kicked"); fmt.Sprint(f["data"].(map[string]any)["userIDs"]) != "[m1]" {
		t.Fatalf("kick push to the room: %v", f)
	}
	m1.push("group.kicked")
	code, out := m1.call("group.join", map[string]any{"groupID": "live"})
	if code != 10007 {
		t.Fatalf("a banned member's rejoin: code %d %v, want 10007", code, out)
	}
	bans := s.MustOK("group_open_http_svc/get_group_ban_member", map[string]any{"GroupId": "live", "Offset": 0})
	list := bans["BannedAccountList"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["Member_Account"] != "m1" || fmt.Sprint(bans["NextOffset"]) != "0" {
		t.Fatalf("bans: %v", bans)
	}
	if until := resttest.Int(list[0].(map[string]any)["BannedUntil"]); int64(until) < time.Now().Unix()+3590 {
		t.Fatalf("banned until %v, want about an hour from now", until)
	}
	s.MustOK("group_open_http_svc/unban_group_member", map[string]any{"GroupId": "live", "Members_Account": []string{"m1"}})
	m1.mustCall("group.join", map[string]any{"groupID": "live"})
}

// A new member of a room gets its last messages, at most 20 and of the last
// 24 hours, oldest first, when the app enables it; not otherwise.
func TestRoomRecentHistoryForNewMembers(t *testing.T) {
	for _, enabled := range []bool{true, false} {
		t.Run(fmt.Sprintf("enabled=%v", enabled), func(t *testing.T) {
			s := resttest.Start(t, avchatApp(enabled))
			// The clock is moved later through an atomic: a join's
			// goroutine may still be reading it when the test moves it.
			var ahead atomic.Int64
			s.Node.Groups.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
			s.Import("owner", "late", "later")
			s.MustOK("group_open_http_svc/create_group", map[string]any{"Owner_Account": "owner", "Type": "AVChatRoom", "GroupId": "live", "Name": "l"})
			for i := 1; i <= 25; i++ {
				if out := roomText(s, "live", "owner", "m"+strconv.Itoa(i), i); resttest.Code(out) != 0 {
					t.Fatal(out)
				}
			}
			late := dial(t, s)
			late.login(s, "late", "iOS")
			late.mustCall("group.join", map[string]any{"groupID": "live"})
			s.Node.Gateway.PublishUser(resttest.SDKAppID, "late", gateway.PushFrame("marker", 0, nil))
			var got []string
			for {
				f := late.frame()
				if f["push"] == "marker" {
					break
				}
				if f["push"] == "msg.new" {
					if f["data"].(map[string]any)["groupID"] != "live" {
						t.Fatalf("history push without its room: %v", f)
					}
					got = append(got, pushText(f))
				}
			}
			var want []string
			if enabled {
				for i := 6; i <= 25; i++ {
					want = append(want, "m"+strconv.Itoa(i))
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("history of a new member:\n got %v\nwant %v", got, want)
			}
			if !enabled {
				return
			}
			// A day later the ring's messages are too old for a newcomer.
			ahead.Store(int64(24*time.Hour + time.Minute))
			later := dial(t, s)
			later.login(s, "later", "iOS")
			later.mustCall("group.join", map[string]any{"groupID": "live"})
			s.Node.Gateway.PublishUser(resttest.SDKAppID, "later", gateway.PushFrame("marker", 0, nil))
			for f := later.frame(); f["push"] != "marker"; f = later.frame() {
				if f["push"] == "msg.new" {
					t.Fatalf("a message older than 24 h reached a new member: %v", f)
				}
			}
		})
	}
}

// send_broadcast_msg reaches every room of the app, each member with its
// room's groupID, and no other group.
func TestBroadcastReachesEveryRoom(t *testing.T) {
	s := resttest.Start(t, avchatApp(false))
	s.Import("owner", "a", "b", "c")
	ca, cb, cc := dial(t, s), dial(t, s), dial(t, s)
	ca.login(s, "a", "iOS")
	cb.login(s, "b", "iOS")
	cc.login(s, "c", "iOS")
	room(t, s, "r1", "owner", map[string]*client{"a": ca})
	room(t, s, "r2", "owner", map[string]*client{"b": cb})
	s.MustOK("group_open_http_svc/create_group", map[string]any{"Owner_Account": "c", "Type": "Public", "GroupId": "pub", "Name": "p"})
	out := s.MustOK("group_open_http_svc/send_broadcast_msg", map[string]any{"From_Account": "owner", "Random": 1,
		"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "to all rooms"}}}})
	if fmt.Sprint(out["MsgSeq"]) != "0" {
		t.Fatalf("broadcast answer: %v (a room message has no seq)", out)
	}
	for name, c := range map[string]*client{"r1": ca, "r2": cb} {
		f := c.push("msg.new")
		if f["data"].(map[string]any)["groupID"] != name || pushText(f) != "to all rooms" {
			t.Fatalf("broadcast in %s: %v", name, f)
		}
	}
	expectNoGroupEvent(t, s, "the Public group's member", "c", cc)

	for _, tc := range []struct {
		name string
		body map[string]any
		code int
	}{
		{"no Random", map[string]any{"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "x"}}}}, 10004},
		{"no body", map[string]any{"Random": 1}, 10004},
		{"unknown sender", map[string]any{"From_Account": "ghost", "Random": 1,
			"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "x"}}}}, 10019},
	} {
		if got := s.Call("group_open_http_svc/send_broadcast_msg", tc.body); resttest.Code(got) != tc.code {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.code)
		}
	}
}

// A room member that stops reading is disconnected once its bounded queue
// is full, while every other member gets every message in order: the
// room's delivery never waits for it, and the server never holds more for
// it than the queue's bound.
func TestRoomSlowMemberIsDroppedNotTheRoom(t *testing.T) {
	const bound = 128 << 10
	s := resttest.StartNode(t, server.Options{Gateway: gateway.Options{MaxOutboundBytes: bound}}, avchatApp(false))
	const members = 4
	users := []string{"owner", "slow"}
	for i := range members {
		users = append(users, fmt.Sprintf("m%d", i))
	}
	s.Import(users...)
	s.MustOK("group_open_http_svc/create_group", map[string]any{"Owner_Account": "owner", "Type": "AVChatRoom", "GroupId": "live", "Name": "l"})

	slow := dialRaw(t, s)
	slow.nc.(*net.TCPConn).SetReadBuffer(4 << 10)
	slow.login(s, "slow")
	slow.send("j", "group.join", map[string]any{"groupID": "live"})
	if a := slow.answer("j"); a["code"] != 0.0 {
		t.Fatalf("slow join: %v", a)
	}
	// From here on slow reads nothing.

	// Each event is a 32 KB frame published on the room's subject as a
	// room message is; the sender waits until every reading member has
	// one before the next, so what fills is the slow member's queue.
	const messages = 300
	pad := strings.Repeat("x", 32<<10)
	var wg sync.WaitGroup
	received := make([]chan int, members)
	for i := range members {
		r := dialRaw(t, s)
		r.login(s, fmt.Sprintf("m%d", i))
		r.send("j", "group.join", map[string]any{"groupID": "live"})
		if a := r.answer("j"); a["code"] != 0.0 {
			t.Fatalf("join: %v", a)
		}
		received[i] = make(chan int, messages)
		wg.Add(1)
		go func(r *rawConn, got chan<- int) {
			defer wg.Done()
			defer close(got)
			for n := 0; n < messages; {
				op, p, ok := r.next(10 * time.Second)
				if !ok {
					return
				}
				if op != ws.OpText {
					continue
				}
				var f struct {
					Push string
					Data struct{ N int }
				}
				json.Unmarshal(p, &f)
				if f.Push == "room.test" {
					got <- f.Data.N
					n++
				}
			}
		}(r, received[i])
	}
	maxQueued := 0
	seen := make([][]int, members)
	for i := range messages {
		frame := gateway.PushFrame("room.test", 0, map[string]any{"n": i, "pad": pad})
		if err := s.Node.Gateway.PublishGroup(resttest.SDKAppID, "live", gateway.GroupPush{Frame: frame}); err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			if q, _ := strconv.Atoi(metric(t, s, "parley_gateway_outbound_queued_bytes")); q > maxQueued {
				maxQueued = q
			}
		}
		for m := range members {
			select {
			case n, ok := <-received[m]:
				if !ok {
					t.Fatalf("member m%d's connection ended after %d messages", m, len(seen[m]))
				}
				seen[m] = append(seen[m], n)
			case <-time.After(10 * time.Second):
				t.Fatalf("member m%d did not get message %d within 10 s", m, i)
			}
		}
	}
	wg.Wait()
	for m, got := range seen {
		for i, n := range got {
			if n != i {
				t.Fatalf("member m%d got message %d where %d was next", m, n, i)
			}
		}
	}
	if v := metric(t, s, "parley_gateway_slow_consumer_closes_total"); v != "1" {
		t.Fatalf("slow consumer closes: %s, want 1", v)
	}
	// Every session's queue is bounded: the sum never passes the bound
	// times the sessions (the slow one's never more than the bound).
	if maxQueued > bound*(members+1) {
		t.Fatalf("queued up to %d bytes over %d sessions bounded to %d each", maxQueued, members+1, bound)
	}
	if n := s.Node.Gateway.GroupMembers(resttest.SDKAppID, "live"); n != members {
		t.Fatalf("%d local member sessions after the slow one was dropped, want %d", n, members)
	}
}
