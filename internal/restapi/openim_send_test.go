package restapi_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/usersig"
)

// The spec's sendmsg sample: no From_Account (the admin sends),
// SyncOtherMachine 2 (kept out of the admin's history), MsgLifeTime 60.
func TestOpenIMSendMsgSample(t *testing.T) {
	s := resttest.Start(t)
	s.Import("lumotuwe2")
	before := time.Now().Unix()
	resp := s.Call("openim/sendmsg", `{ "SyncOtherMachine": 2, "To_Account": "lumotuwe2", "MsgLifeTime":60, "MsgSeq": 93847636,
		"MsgRandom": 1287657, "MsgBody": [ { "MsgType": "TIMTextElem", "MsgContent": { "Text": "hi, beauty" } } ],
		"CloudCustomData": "your cloud custom data", "SupportMessageExtension": 0 }`)
	oimWant(t, "sample", resp, 0)
	if resp["ErrorInfo"] != "" || !oimIsInt(resp["MsgTime"]) {
		t.Fatalf("sample response %v", resp)
	}
	msgTime := int64(resttest.Int(resp["MsgTime"]))
	if msgTime < before || msgTime > time.Now().Unix() {
		t.Fatalf("MsgTime %d, sent at %d", msgTime, before)
	}
	key, _ := resp["MsgKey"].(string)
	parts := oimKeyShape.FindStringSubmatch(key)
	if parts == nil || parts[2] != "1287657" || parts[3] != strconv.FormatInt(msgTime, 10) || len(key) > 50 {
		t.Fatalf("MsgKey %q: want <seq>_1287657_%d", key, msgTime)
	}

	got := oimRoam(s, "lumotuwe2", resttest.Admin)
	if len(got) != 1 {
		t.Fatalf("receiver's history: %v", got)
	}
	m := got[0]
	if m["From_Account"] != resttest.Admin || m["To_Account"] != "lumotuwe2" || m["MsgKey"] != key ||
		m["CloudCustomData"] != "your cloud custom data" || oimTexts(got)[0] != "hi, beauty" ||
		resttest.Int(m["MsgRandom"]) != 1287657 || int64(resttest.Int(m["MsgTimeStamp"])) != msgTime {
		t.Fatalf("stored message %v", m)
	}
	// SyncOtherMachine 2: not in the sender's history.
	if mine := oimRoam(s, resttest.Admin, "lumotuwe2"); len(mine) != 0 {
		t.Fatalf("SyncOtherMachine 2 kept the message in the sender's history: %v", mine)
	}
	if n := oimUnread(s, "lumotuwe2"); n != 1 {
		t.Fatalf("receiver unread %d", n)
	}
}

func TestOpenIMSendMsgAsUser(t *testing.T) {
	s := resttest.Start(t, func(a *app.App) {
		a.Switches.CheckFriendForC2C = true
		a.Switches.ShowSentToBlocked = false
	})
	s.Import("alice", "bob")
	// Admin sends skip the relationship check and the blocklist.
	s.MustOK("sns/black_list_add", map[string]any{"From_Account": "bob", "To_Account": []string{"alice"}})
	k1 := oimSend(s, "alice", "bob", 1, "one")
	// A retry (same MsgRandom and body) is the same message.
	if again := oimSend(s, "alice", "bob", 1, "one"); again != k1 {
		t.Fatalf("retry got %s, first %s", again, k1)
	}
	oimSend(s, "bob", "alice", 2, "two")
	for _, user := range []string{"alice", "bob"} {
		peer := map[string]string{"alice": "bob", "bob": "alice"}[user]
		if texts := oimTexts(oimRoam(s, user, peer)); strings.Join(texts, ",") != "one,two" {
			t.Fatalf("%s's history %v", user, texts)
		}
	}
	if !strings.HasPrefix(k1, "1_1_") {
		t.Fatalf("first message of the conversation: key %s", k1)
	}

	// SendMsgControl: NoUnread keeps it out of the count, NoLastMsg is accepted.
	s.MustOK("openim/sendmsg", map[string]any{"From_Account": "alice", "To_Account": "bob", "MsgRandom": 3,
		"MsgBody": oimBody("quiet"), "SendMsgControl": []string{"NoUnread", "NoLastMsg"}, "IsNeedReadReceipt": 1,
		"OfflinePushInfo": map[string]any{"PushFlag": 0, "Desc": "x"}})
	if n := oimUnread(s, "bob"); n != 1 {
		t.Fatalf("bob unread %d, want 1 (NoUnread not counted)", n)
	}
	// MsgLifeTime 0: online only, never stored.
	resp := s.MustOK("openim/sendmsg", map[string]any{"From_Account": "alice", "To_Account": "bob", "MsgRandom": 4,
		"MsgBody": oimBody("now"), "MsgLifeTime": 0})
	if key := resp["MsgKey"].(string); !strings.HasPrefix(key, "0_4_") {
		t.Fatalf("online-only key %s", key)
	}
	if n := len(oimRoam(s, "bob", "alice")); n != 3 {
		t.Fatalf("bob's history has %d messages, want 3", n)
	}
}

func TestOpenIMSendMsgErrors(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice", "bob")
	body := oimBody("x")
	big := strings.Repeat("x", 13<<10)
	cases := []struct {
		name string
		req  any
		code int
	}{
		{"not JSON", `{"To_Account":`, 90001},
		{"wrong type of another field", map[string]any{"To_Account": "bob", "MsgRandom": 1, "MsgBody": body, "CloudCustomData": 5}, 90001},
		{"empty MsgBody", map[string]any{"To_Account": "bob", "MsgRandom": 1, "MsgBody": []any{}}, 90002},
		{"no MsgBody", map[string]any{"To_Account": "bob", "MsgRandom": 1}, 90002},
		{"no To_Account", map[string]any{"MsgRandom": 1, "MsgBody": body}, 90003},
		{"To_Account not a string", map[string]any{"To_Account": 7, "MsgRandom": 1, "MsgBody": body}, 90003},
		{"no MsgRandom", map[string]any{"To_Account": "bob", "MsgBody": body}, 90005},
		{"MsgRandom a string", map[string]any{"To_Account": "bob", "MsgRandom": "1", "MsgBody": body}, 90005},
		{"MsgRandom too big", map[string]any{"To_Account": "bob", "MsgRandom": 4294967296, "MsgBody": body}, 90005},
		{"MsgBody an object", map[string]any{"To_Account": "bob", "MsgRandom": 1, "MsgBody": map[string]any{"MsgType": "TIMTextElem"}}, 90007},
		{"unknown MsgType", map[string]any{"To_Account": "bob", "MsgRandom": 1,
			"MsgBody": []any{map[string]any{"MsgType": "TIMNoSuchElem", "MsgContent": map[string]any{}}}}, 90010},
		{"Text not a string", map[string]any{"To_Account": "bob", "MsgRandom": 1,
			"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": 1}}}}, 90010},
		{"MsgType not a string", map[string]any{"To_Account": "bob", "MsgRandom": 1,
			"MsgBody": []any{map[string]any{"MsgType": 1, "MsgContent": map[string]any{}}}}, 90010},
		{"unknown receiver", map[string]any{"To_Account": "nobody", "MsgRandom": 1, "MsgBody": body}, 90012},
		{"unknown sender", map[string]any{"From_Account": "nobody", "To_Account": "bob", "MsgRandom": 1, "MsgBody": body}, 20003},
		// Precedence: the sender's absence, then the receiver's, before a
		// fault of the body found when the message is built.
		{"unknown sender and receiver", map[string]any{"From_Account": "nobody", "To_Account": "ghost", "MsgRandom": 1, "MsgBody": body}, 20003},
		{"unknown sender, over 12 KB", map[string]any{"From_Account": "nobody", "To_Account": "bob", "MsgRandom": 1, "MsgBody": oimBody(big)}, 20003},
		{"unknown receiver, over 12 KB", map[string]any{"To_Account": "ghost", "MsgRandom": 1, "MsgBody": oimBody(big)}, 90012},
		{"unknown receiver, unknown MsgType", map[string]any{"To_Account": "ghost", "MsgRandom": 1,
			"MsgBody": []any{map[string]any{"MsgType": "TIMNoSuchElem", "MsgContent": map[string]any{}}}}, 90012},
		{"a send to oneself, unknown", map[string]any{"From_Account": "nobody", "To_Account": "nobody", "MsgRandom": 1, "MsgBody": body}, 20003},
		{"MsgLifeTime over 7 days", map[string]any{"To_Account": "bob", "MsgRandom": 1, "MsgBody": body, "MsgLifeTime": 604801}, 90026},
		{"negative MsgLifeTime", map[string]any{"To_Account": "bob", "MsgRandom": 1, "MsgBody": body, "MsgLifeTime": -1}, 90026},
		{"SyncOtherMachine a string", map[string]any{"To_Account": "bob", "MsgRandom": 1, "MsgBody": body, "SyncOtherMachine": "1"}, 90031},
		{"SyncOtherMachine 3", map[string]any{"To_Account": "bob", "MsgRandom": 1, "MsgBody": body, "SyncOtherMachine": 3}, 90031},
		{"MsgLifeTime a string", map[string]any{"To_Account": "bob", "MsgRandom": 1, "MsgBody": body, "MsgLifeTime": "60"}, 90044},
		{"OfflinePushInfo not an object", map[string]any{"To_Account": "bob", "MsgRandom": 1, "MsgBody": body, "OfflinePushInfo": "x"}, 90043},
		{"over 12 KB", map[string]any{"To_Account": "bob", "MsgRandom": 1, "MsgBody": oimBody(big)}, 93000},
	}
	for _, tc := range cases {
		oimWant(t, tc.name, s.Call("openim/sendmsg", tc.req), tc.code)
	}
	if n := len(oimRoam(s, "bob", resttest.Admin)); n != 0 {
		t.Fatalf("failed sends stored %d messages", n)
	}

	// A user who is not an admin: 90009, before the body is looked at.
	q := s.Query()
	sig, err := usersig.Generate(resttest.SDKAppID, resttest.Key, "alice", 3600, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	q.Set("identifier", "alice")
	q.Set("usersig", sig)
	resp, _ := s.Raw("openim/sendmsg", q, []byte(`{"To_Account":"bob","MsgRandom":1,"MsgBody":[]}`))
	oimWant(t, "not an admin", resp, 90009)
}

func TestOpenIMBatchSendMsg(t *testing.T) {
	s := resttest.Start(t)
	s.Import("bonnie", "rong", "carol")
	// The spec's sample.
	resp := s.Call("openim/batchsendmsg", `{ "SyncOtherMachine": 2, "To_Account": [ "bonnie", "rong" ], "MsgSeq": 28360,
		"MsgRandom": 19901224, "MsgBody": [ { "MsgType": "TIMTextElem", "MsgContent": { "Text": "hi, beauty" } } ],
		"CloudCustomData": "your cloud custom data" }`)
	oimWant(t, "sample", resp, 0)
	key, _ := resp["MsgKey"].(string)
	if parts := oimKeyShape.FindStringSubmatch(key); parts == nil || parts[2] != "19901224" {
		t.Fatalf("MsgKey %q", key)
	}
	if _, has := resp["ErrorList"]; has {
		t.Fatalf("ErrorList without failures: %v", resp)
	}
	for _, u := range []string{"bonnie", "rong"} {
		if texts := oimTexts(oimRoam(s, u, resttest.Admin)); len(texts) != 1 || texts[0] != "hi, beauty" {
			t.Fatalf("%s got %v", u, texts)
		}
	}

	// Unknown receivers are listed with 70107; the others get the message.
	resp = s.MustOK("openim/batchsendmsg", map[string]any{"From_Account": "carol", "To_Account": []string{"bonnie", "ghost", "rong", "bonnie"},
		"MsgRandom": 5, "MsgBody": oimBody("from carol")})
	errs := resttest.Items(resp, "ErrorList")
	if len(errs) != 1 || errs[0]["To_Account"] != "ghost" || resttest.Int(errs[0]["ErrorCode"]) != 70107 {
		t.Fatalf("ErrorList %v", resp)
	}
	shared := resp["MsgKey"].(string)
	for _, u := range []string{"bonnie", "rong"} {
		if texts := oimTexts(oimRoam(s, u, "carol")); len(texts) != 1 {
			t.Fatalf("%s got %v (a duplicate receiver gets one message)", u, texts)
		}
	}
	// The shared MsgKey names each receiver's message: recall both.
	for _, u := range []string{"bonnie", "rong"} {
		s.MustOK("openim/admin_msgwithdraw", map[string]any{"From_Account": "carol", "To_Account": u, "MsgKey": shared})
		if m := oimRoam(s, u, "carol"); resttest.Int(m[0]["MsgFlagBits"]) != 8 {
			t.Fatalf("%s's message not recalled: %v", u, m)
		}
	}

	many := make([]string, 501)
	for i := range many {
		many[i] = fmt.Sprintf("u%d", i)
	}
	body := oimBody("x")
	cases := []struct {
		name string
		req  any
		code int
	}{
		{"501 receivers", map[string]any{"To_Account": many, "MsgRandom": 1, "MsgBody": body}, 90011},
		{"no receivers", map[string]any{"To_Account": []string{}, "MsgRandom": 1, "MsgBody": body}, 90003},
		{"unknown sender", map[string]any{"From_Account": "ghost", "To_Account": []string{"rong"}, "MsgRandom": 1, "MsgBody": body}, 90008},
		{"not JSON", `[`, 90001},
		{"empty body", map[string]any{"To_Account": []string{"rong"}, "MsgRandom": 1, "MsgBody": []any{}}, 90002},
		{"MsgSeq a string", map[string]any{"To_Account": []string{"rong"}, "MsgRandom": 1, "MsgBody": body, "MsgSeq": "x"}, 90004},
		{"MsgBody not an array", map[string]any{"To_Account": []string{"rong"}, "MsgRandom": 1, "MsgBody": "hi"}, 90007},
		{"bad element", map[string]any{"To_Account": []string{"rong"}, "MsgRandom": 1,
			"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": "hi"}}}, 90010},
		{"MsgLifeTime over 7 days", map[string]any{"To_Account": []string{"rong"}, "MsgRandom": 1, "MsgBody": body, "MsgLifeTime": 700000}, 90026},
		{"over 12 KB", map[string]any{"To_Account": []string{"rong"}, "MsgRandom": 1, "MsgBody": oimBody(strings.Repeat("y", 13<<10))}, 93000},
	}
	for _, tc := range cases {
		oimWant(t, tc.name, s.Call("openim/batchsendmsg", tc.req), tc.code)
	}
}

// 500 receivers in one call: all stored, one write.
func TestOpenIMBatchSendMsg500(t *testing.T) {
	s := resttest.Start(t)
	users := snsImportN(s, "r", 500)
	resp := s.MustOK("openim/batchsendmsg", map[string]any{"To_Account": users, "MsgRandom": 77, "MsgBody": oimBody("all")})
	if _, has := resp["ErrorList"]; has {
		t.Fatalf("ErrorList %v", resp["ErrorList"])
	}
	for _, u := range []string{users[0], users[250], users[499]} {
		if n := oimUnread(s, u); n != 1 {
			t.Fatalf("%s unread %d", u, n)
		}
	}
}
