package gateway_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
)

// sessionLines returns the JSON log records with msg, in order.
func sessionLines(t *testing.T, logs *resttest.LogSink, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// waitMetric waits up to 5 s for series to read want.
func waitMetric(t *testing.T, s *resttest.Server, series, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := metric(t, s, series)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %q, want %q", series, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A short session load moves the counters by exactly what happened: logins
// by platform and outcome, messages by door and kind, pushes queued, kicks
// by reason; and each session's login and end is logged once.
func TestSessionMetricsAndLogs(t *testing.T) {
	var logs resttest.LogSink
	s := resttest.StartLogged(t, slog.New(slog.NewJSONHandler(&logs, nil)), server.Options{}, unlimited)
	s.Import("alice", "bob")

	alice := dial(t, s)
	alice.login(s, "alice", "Android")
	bob := dial(t, s)
	bob.login(s, "bob", "Web")
	if code, _ := dial(t, s).call("login", map[string]any{"userID": "bob", "userSig": "forged", "platform": "iOS"}); code == 0 {
		t.Fatal("a forged UserSig logged in")
	}

	// Three stored messages and one online-only on the socket, one over
	// REST; a retry (same clientMsgID) is not a second message.
	for i := range 3 {
		if code, out := alice.call("msg.send", map[string]any{"to": "bob", "random": i, "clientMsgID": "m" + string(rune('0'+i)), "body": text("hi")}); code != 0 {
			t.Fatalf("msg.send: %d %v", code, out)
		}
	}
	if code, out := alice.call("msg.send", map[string]any{"to": "bob", "random": 1, "clientMsgID": "m1", "body": text("hi")}); code != 0 || out["duplicate"] != true {
		t.Fatalf("retry: %d %v", code, out)
	}
	if code, _ := alice.call("msg.send", map[string]any{"to": "bob", "random": 9, "onlineUserOnly": true, "body": text("typing")}); code != 0 {
		t.Fatal("online-only msg.send failed")
	}
	s.MustOK("openim/sendmsg", map[string]any{"From_Account": "alice", "To_Account": "bob", "MsgRandom": 7, "MsgBody": text("rest")["MsgBody"]})
	// bob: 3 + 1 online-only + 1 REST msg.new; alice: the REST one, sent
	// as her from no connection of hers.
	for range 5 {
		bob.push("msg.new")
	}
	alice.push("msg.new")

	// A second Web login pushes the first out; REST kicks alice.
	bob2 := dial(t, s)
	bob2.login(s, "bob", "Web")
	if f := bob.push("kicked"); f["data"].(map[string]any)["reason"] != "multiple_account" {
		t.Fatalf("kick push %v", f)
	}
	s.MustOK("im_open_login_svc/kick", map[string]any{"UserID": "alice"})
	alice.push("kicked")
	bob.waitClosed()
	alice.waitClosed()
	// bob2 logs out; a third connection just goes away.
	carol := dial(t, s)
	carol.login(s, "carol", "iOS")
	if code, _ := bob2.call("logout", nil); code != 0 {
		t.Fatal("logout failed")
	}
	carol.nc.Close()

	for series, want := range map[string]string{
		`parley_gateway_logins_total{outcome="ok",platform="Android"}`:      "1",
		`parley_gateway_logins_total{outcome="ok",platform="Web"}`:          "2",
		`parley_gateway_logins_total{outcome="ok",platform="iOS"}`:          "1",
		`parley_gateway_logins_total{outcome="bad_usersig",platform="iOS"}`: "1",
		`parley_messages_sent_total{door="socket",kind="c2c"}`:              "3",
		`parley_messages_sent_total{door="socket",kind="c2c_online"}`:       "1",
		`parley_messages_sent_total{door="rest",kind="c2c"}`:                "1",
		`parley_messages_sent_total{door="rest",kind="c2c_online"}`:         "0",
		`parley_gateway_kicks_total{reason="multiple_account"}`:             "1",
		`parley_gateway_kicks_total{reason="rest_api"}`:                     "1",
		`parley_gateway_kicks_total{reason="usersig_expired"}`:              "0",
		`parley_gateway_pushes_delivered_total`:                             "6",
		`parley_gateway_pushes_dropped_total{reason="slow_consumer"}`:       "0",
		`parley_gateway_outbound_queued_bytes`:                              "0",
		`parley_gateway_sessions`:                                           "0",
	} {
		waitMetric(t, s, series, want)
	}

	logins := sessionLines(t, &logs, "session login")
	if len(logins) != 4 {
		t.Fatalf("%d login lines, want 4: %v", len(logins), logins)
	}
	if l := logins[0]; l["level"] != "INFO" || l["sdkappid"] != float64(resttest.SDKAppID) || l["user"] != "alice" ||
		l["platform"] != "Android" || l["instance"] != "" {
		t.Fatalf("login line %v", l)
	}
	kicks := map[string]string{}
	for _, k := range sessionLines(t, &logs, "session kicked") {
		kicks[k["user"].(string)] = k["reason"].(string)
		if _, ok := k["duration_ms"].(float64); !ok {
			t.Fatalf("kick line without duration_ms: %v", k)
		}
	}
	if len(kicks) != 2 || kicks["bob"] != "multiple_account" || kicks["alice"] != "rest_api" {
		t.Fatalf("kick lines %v", kicks)
	}
	if out := sessionLines(t, &logs, "session logout"); len(out) != 1 || out[0]["user"] != "bob" {
		t.Fatalf("logout lines %v", out)
	}
	// Each session ends with one line: kicked and logged-out sessions are
	// not "disconnected" as well.
	var gone []map[string]any
	deadline := time.Now().Add(5 * time.Second)
	for len(gone) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		gone = sessionLines(t, &logs, "session disconnected")
	}
	if len(gone) != 1 || gone[0]["user"] != "carol" || gone[0]["reason"] != "connection_lost" {
		t.Fatalf("disconnect lines %v", gone)
	}
}

// A client's close frame is logged with its code.
func TestDisconnectLogsClientCloseCode(t *testing.T) {
	var logs resttest.LogSink
	s := resttest.StartLogged(t, slog.New(slog.NewJSONHandler(&logs, nil)), server.Options{})
	r := dialRaw(t, s)
	r.login(s, "alice")
	r.writeFrame(0x8, true, []byte{0x03, 0xe9}) // close 1001 (going away)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if gone := sessionLines(t, &logs, "session disconnected"); len(gone) > 0 {
			if g := gone[0]; g["reason"] != "client_close" || g["code"] != 1001.0 || g["user"] != "alice" || g["platform"] != "Android" {
				t.Fatalf("disconnect line %v", g)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no disconnect line:\n%s", logs.String())
}
