package restapi_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/resttest"
)

func TestOpenIMGetRoamMsg(t *testing.T) {
	s := resttest.Start(t)
	s.Import("user1", "user2", "user3")
	for i := 0; i < 5; i++ {
		from, to := "user1", "user2"
		if i%2 == 1 {
			from, to = to, from
		}
		oimSend(s, from, to, 100+i, fmt.Sprintf("m%d", i))
	}
	now := time.Now().Unix()
	// The spec's sample request (its time range is in 2020: nothing).
	resp := s.Call("openim/admin_getroammsg", `{ "Operator_Account":"user2", "Peer_Account":"user1", "MaxCnt":100,
		"MinTime":1584669600, "MaxTime":1584673200 }`)
	oimWant(t, "sample", resp, 0)
	if resttest.Int(resp["Complete"]) != 1 || resttest.Int(resp["MsgCnt"]) != 0 || len(resttest.Items(resp, "MsgList")) != 0 {
		t.Fatalf("empty range: %v", resp)
	}

	// Everything: oldest first, with the exact fields and types.
	resp = s.MustOK("openim/admin_getroammsg", map[string]any{"Operator_Account": "user2", "Peer_Account": "user1",
		"MaxCnt": 100, "MinTime": now - 60, "MaxTime": now + 60})
	list := resttest.Items(resp, "MsgList")
	if resttest.Int(resp["Complete"]) != 1 || resttest.Int(resp["MsgCnt"]) != 5 || len(list) != 5 {
		t.Fatalf("all: %v", resp)
	}
	if texts := oimTexts(list); strings.Join(texts, ",") != "m0,m1,m2,m3,m4" {
		t.Fatalf("order %v", texts)
	}
	m := list[0]
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"CloudCustomData", "From_Account", "IsPeerRead", "MsgBody", "MsgFlagBits", "MsgKey", "MsgRandom", "MsgSeq",
		"MsgTimeStamp", "To_Account"}
	if !reflect.DeepEqual(keys, want) {
		t.Fatalf("MsgList fields %v, want %v", keys, want)
	}
	for _, f := range []string{"MsgSeq", "MsgRandom", "MsgTimeStamp", "MsgFlagBits", "IsPeerRead"} {
		if !oimIsInt(m[f]) {
			t.Fatalf("%s is %T, want an integer", f, m[f])
		}
	}
	if _, ok := m["MsgBody"].([]any); !ok || m["From_Account"] != "user1" || m["To_Account"] != "user2" ||
		resttest.Int(m["MsgSeq"]) != 1 || resttest.Int(m["MsgRandom"]) != 100 || m["CloudCustomData"] != "" ||
		m["MsgKey"] != fmt.Sprintf("1_100_%d", resttest.Int(m["MsgTimeStamp"])) {
		t.Fatalf("first message %v", m)
	}
	if resp["LastMsgKey"] != m["MsgKey"] || resttest.Int(resp["LastMsgTime"]) != resttest.Int(m["MsgTimeStamp"]) {
		t.Fatalf("LastMsgKey/LastMsgTime name the oldest message pulled: %v", resp)
	}

	// Paging: newest first, two at a time, continuing from LastMsgKey with
	// MaxTime = LastMsgTime.
	var pages []string
	maxTime, last := now+60, ""
	for round := 0; ; round++ {
		req := map[string]any{"Operator_Account": "user1", "Peer_Account": "user2", "MaxCnt": 2, "MinTime": now - 60, "MaxTime": maxTime}
		if last != "" {
			req["LastMsgKey"] = last
		}
		resp := s.MustOK("openim/admin_getroammsg", req)
		pages = append(pages, strings.Join(oimTexts(resttest.Items(resp, "MsgList")), ","))
		if resttest.Int(resp["Complete"]) == 1 {
			break
		}
		if round > 5 {
			t.Fatal("paging does not end")
		}
		last, maxTime = resp["LastMsgKey"].(string), int64(resttest.Int(resp["LastMsgTime"]))
	}
	if got := strings.Join(pages, "|"); got != "m3,m4|m1,m2|m0" {
		t.Fatalf("pages %s", got)
	}

	// Read and recalled messages: IsPeerRead and MsgFlagBits.
	s.MustOK("openim/admin_set_msg_read", map[string]any{"Report_Account": "user2", "Peer_Account": "user1"})
	key := list[4]["MsgKey"].(string)
	s.MustOK("openim/admin_msgwithdraw", map[string]any{"From_Account": "user1", "To_Account": "user2", "MsgKey": key})
	list = oimRoam(s, "user1", "user2")
	for i, m := range list {
		peerRead := resttest.Int(m["IsPeerRead"])
		// user2 read everything; user1 read nothing of user2's.
		if want := map[string]int{"user1": 1, "user2": 0}[m["From_Account"].(string)]; peerRead != want {
			t.Fatalf("message %d IsPeerRead %d, want %d", i, peerRead, want)
		}
	}
	if flags := resttest.Int(list[4]["MsgFlagBits"]); flags != 8 || len(list[4]["MsgBody"].([]any)) != 0 {
		t.Fatalf("recalled message %v", list[4])
	}
	if flags := resttest.Int(list[3]["MsgFlagBits"]); flags != 0 {
		t.Fatalf("normal message flags %d", flags)
	}

	base := func(extra map[string]any) map[string]any {
		req := map[string]any{"Operator_Account": "user1", "Peer_Account": "user2", "MaxCnt": 10, "MinTime": 0, "MaxTime": now}
		for k, v := range extra {
			if v == nil {
				delete(req, k)
			} else {
				req[k] = v
			}
		}
		return req
	}
	cases := []struct {
		name string
		req  any
		code int
	}{
		{"not JSON", `{`, 90001},
		{"no MaxCnt", base(map[string]any{"MaxCnt": nil}), 90001},
		{"no MaxTime", base(map[string]any{"MaxTime": nil}), 90001},
		{"MaxTime before MinTime", base(map[string]any{"MinTime": now, "MaxTime": now - 1}), 90001},
		{"MaxCnt a string", base(map[string]any{"MaxCnt": "10"}), 90001},
		{"no Peer_Account", base(map[string]any{"Peer_Account": nil}), 90003},
		{"unknown Peer_Account", base(map[string]any{"Peer_Account": "ghost"}), 90003},
		{"no Operator_Account", base(map[string]any{"Operator_Account": nil}), 90008},
		{"unknown Operator_Account", base(map[string]any{"Operator_Account": "ghost"}), 90008},
		{"bad LastMsgKey", base(map[string]any{"LastMsgKey": "nope"}), 90054},
	}
	for _, tc := range cases {
		oimWant(t, tc.name, s.Call("openim/admin_getroammsg", tc.req), tc.code)
	}
	// A third user has no conversation with user1.
	if n := len(oimRoam(s, "user3", "user1")); n != 0 {
		t.Fatalf("user3 sees %d messages", n)
	}
}

func TestOpenIMMsgWithdraw(t *testing.T) {
	// Admin recall has no time window, even a tiny one.
	s := resttest.Start(t, func(a *app.App) { a.RecallWindow = time.Nanosecond })
	s.Import("vinson", "dramon")
	key := oimSend(s, "vinson", "dramon", 833502, "oops")
	time.Sleep(2 * time.Millisecond)
	// The spec's sample request, with the real key.
	resp := s.Call("openim/admin_msgwithdraw", fmt.Sprintf(`{ "From_Account": "vinson", "To_Account": "dramon", "MsgKey": %q }`, key))
	oimWant(t, "sample", resp, 0)
	if n := oimUnread(s, "dramon"); n != 0 {
		t.Fatalf("a recalled message counts as unread: %d", n)
	}
	other := oimSend(s, "vinson", "dramon", 2, "other")
	seq, _, _ := strings.Cut(other, "_")
	cases := []struct {
		name string
		req  any
		code int
	}{
		{"again", map[string]any{"From_Account": "vinson", "To_Account": "dramon", "MsgKey": key}, 20023},
		{"the spec's sample key: no such message", `{ "From_Account": "vinson", "To_Account": "dramon", "MsgKey": "31906_833502_1572869830" }`, 20022},
		{"a seq with another random", map[string]any{"From_Account": "vinson", "To_Account": "dramon", "MsgKey": seq + "_1_1572869830"}, 20022},
		{"not JSON", `{"From_Account":1`, 90001},
		{"no To_Account", map[string]any{"From_Account": "vinson", "MsgKey": key}, 90003},
		{"unknown To_Account", map[string]any{"From_Account": "vinson", "To_Account": "ghost", "MsgKey": key}, 90003},
		{"no From_Account", map[string]any{"To_Account": "dramon", "MsgKey": key}, 90008},
		{"unknown From_Account", map[string]any{"From_Account": "ghost", "To_Account": "dramon", "MsgKey": key}, 90008},
		{"malformed MsgKey", map[string]any{"From_Account": "vinson", "To_Account": "dramon", "MsgKey": "abc"}, 90054},
		{"no MsgKey", map[string]any{"From_Account": "vinson", "To_Account": "dramon"}, 90054},
	}
	for _, tc := range cases {
		oimWant(t, tc.name, s.Call("openim/admin_msgwithdraw", tc.req), tc.code)
	}
	if list := oimRoam(s, "dramon", "vinson"); resttest.Int(list[1]["MsgFlagBits"]) != 0 {
		t.Fatalf("a failed withdraw recalled the other message: %v", list[1])
	}
}

func TestOpenIMSetMsgReadAndUnread(t *testing.T) {
	s := resttest.Start(t)
	s.Import("dramon1", "dramon2", "dramon3")
	for i := 0; i < 3; i++ {
		oimSend(s, "dramon2", "dramon1", i, fmt.Sprintf("a%d", i))
	}
	oimSend(s, "dramon3", "dramon1", 9, "b")
	oimSend(s, "dramon1", "dramon2", 10, "own messages never count")

	// The spec's unread sample.
	resp := s.Call("openim/get_c2c_unread_msg_num", `{ "To_Account":"dramon1" }`)
	oimWant(t, "unread sample", resp, 0)
	if resttest.Int(resp["AllC2CUnreadMsgNum"]) != 4 {
		t.Fatalf("unread %v", resp)
	}
	if _, has := resp["C2CUnreadMsgNumList"]; has {
		t.Fatalf("per-peer list without Peer_Account: %v", resp)
	}
	resp = s.MustOK("openim/get_c2c_unread_msg_num", map[string]any{"To_Account": "dramon1", "Peer_Account": []string{"dramon2", "ghost", "dramon3"}})
	per := map[string]int{}
	for _, it := range resttest.Items(resp, "C2CUnreadMsgNumList") {
		per[it["Peer_Account"].(string)] = resttest.Int(it["C2CUnreadMsgNum"])
	}
	errs := resttest.Items(resp, "ErrorList")
	if !reflect.DeepEqual(per, map[string]int{"dramon2": 3, "dramon3": 1}) || len(errs) != 1 ||
		errs[0]["Peer_Account"] != "ghost" || resttest.Int(errs[0]["ErrorCode"]) != 70107 {
		t.Fatalf("per peer %v", resp)
	}

	// Read up to a time: the messages sent at or before it.
	list := oimRoam(s, "dramon1", "dramon2")
	cut := resttest.Int(list[0]["MsgTimeStamp"]) - 1
	s.MustOK("openim/admin_set_msg_read", map[string]any{"Report_Account": "dramon1", "Peer_Account": "dramon2", "MsgReadTime": fmt.Sprint(cut)})
	if n := oimUnread(s, "dramon1"); n != 4 {
		t.Fatalf("reading up to before the first message: unread %d", n)
	}
	// The spec's sample: everything up to now.
	oimWant(t, "read sample", s.Call("openim/admin_set_msg_read", `{ "Report_Account":"dramon1", "Peer_Account":"dramon2" }`), 0)
	resp = s.MustOK("openim/get_c2c_unread_msg_num", map[string]any{"To_Account": "dramon1", "Peer_Account": []string{"dramon2"}})
	if resttest.Int(resp["AllC2CUnreadMsgNum"]) != 1 || resttest.Int(resttest.Items(resp, "C2CUnreadMsgNumList")[0]["C2CUnreadMsgNum"]) != 0 {
		t.Fatalf("after reading dramon2: %v", resp)
	}
	// MsgReadTime as a number is accepted too.
	s.MustOK("openim/admin_set_msg_read", map[string]any{"Report_Account": "dramon1", "Peer_Account": "dramon3", "MsgReadTime": time.Now().Unix() + 5})
	if n := oimUnread(s, "dramon1"); n != 0 {
		t.Fatalf("unread after reading all: %d", n)
	}

	tooMany := make([]string, 11)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("p%d", i)
	}
	cases := []struct {
		api  string
		req  any
		code int
	}{
		{"get_c2c_unread_msg_num", `{"To_Account":`, 90001},
		{"get_c2c_unread_msg_num", map[string]any{}, 90003},
		{"get_c2c_unread_msg_num", map[string]any{"To_Account": "ghost"}, 90003},
		{"get_c2c_unread_msg_num", map[string]any{"To_Account": "dramon1", "Peer_Account": "dramon2"}, 90003},
		{"get_c2c_unread_msg_num", map[string]any{"To_Account": "dramon1", "Peer_Account": tooMany}, 90018},
		{"admin_set_msg_read", `not json`, 90001},
		{"admin_set_msg_read", map[string]any{"Report_Account": "dramon1", "Peer_Account": "dramon2", "MsgReadTime": "soon"}, 90001},
		{"admin_set_msg_read", map[string]any{"Report_Account": "dramon1"}, 90003},
		{"admin_set_msg_read", map[string]any{"Report_Account": "dramon1", "Peer_Account": "ghost"}, 90003},
		{"admin_set_msg_read", map[string]any{"Peer_Account": "dramon2"}, 90008},
		{"admin_set_msg_read", map[string]any{"Report_Account": "ghost", "Peer_Account": "dramon2"}, 90008},
	}
	for _, tc := range cases {
		b, _ := json.Marshal(tc.req)
		oimWant(t, tc.api+" "+string(b), s.Call("openim/"+tc.api, tc.req), tc.code)
	}
}
