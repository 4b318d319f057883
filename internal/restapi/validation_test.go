package restapi_test

import (
	"testing"
	"time"

	"github.com/parleyim/parley/internal/resttest"
)

// importmsg's MsgTimeStamp must be a sane Unix time: from 2000 to now plus
// five minutes. A refused import stores nothing, so the conversation's last
// time cannot be pushed into the far future (the attacker report's year
// 36812 stuck at the top of the list).
func TestImportMsgTimeRange(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice", "bob")
	now := time.Now().Unix()
	imp := func(ts int64, random int) map[string]any {
		return s.Call("openim/importmsg", map[string]any{"SyncFromOldSystem": 2, "From_Account": "alice", "To_Account": "bob",
			"MsgRandom": random, "MsgTimeStamp": ts, "MsgBody": oimBody("old")})
	}
	for i, ts := range []int64{1 << 40, now + 3600, 946684799, 0, -1, 1 << 62} {
		if resp := imp(ts, i+1); resttest.Code(resp) != 90006 {
			t.Errorf("MsgTimeStamp %d: %v, want 90006", ts, resp)
		}
	}
	list := s.MustOK("recentcontact/get_list", map[string]any{"From_Account": "alice", "TimeStamp": 0, "StartIndex": 0,
		"TopTimeStamp": 0, "TopStartIndex": 0, "AssistFlags": 7})
	if items := resttest.Items(list, "SessionItem"); len(items) != 0 {
		t.Fatalf("refused imports left conversations: %v", items)
	}
	for i, ts := range []int64{946684800, now - 86400, now + 60} {
		if resp := imp(ts, 100+i); resttest.Code(resp) != 0 {
			t.Errorf("MsgTimeStamp %d: %v, want 0", ts, resp)
		}
	}
	list = s.MustOK("recentcontact/get_list", map[string]any{"From_Account": "alice", "AssistFlags": 7})
	items := resttest.Items(list, "SessionItem")
	if len(items) != 1 || resttest.Int(items[0]["MsgTime"]) != int(now+60) {
		t.Fatalf("conversation after valid imports: %v, want MsgTime %d", items, now+60)
	}
}

// get_list's cursors out of range are 50002 and a TimeStamp past any
// storable time bounds nothing (no internal error).
func TestGetListCursorRange(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice", "bob")
	s.MustOK("openim/sendmsg", map[string]any{"From_Account": "bob", "To_Account": "alice", "MsgRandom": 1, "MsgBody": oimBody("hi")})
	for _, field := range []string{"TimeStamp", "StartIndex", "TopTimeStamp", "TopStartIndex"} {
		resp := s.Call("recentcontact/get_list", map[string]any{"From_Account": "alice", field: -1})
		if resttest.Code(resp) != 50002 {
			t.Errorf("%s -1: %v, want 50002", field, resp)
		}
	}
	resp := s.MustOK("recentcontact/get_list", map[string]any{"From_Account": "alice", "TimeStamp": int64(1) << 62, "StartIndex": 0})
	if items := resttest.Items(resp, "SessionItem"); len(items) != 1 {
		t.Fatalf("TimeStamp 2^62: %v, want bob's conversation", resp)
	}
}

// friend_import's AddTime and RemarkTime are unix seconds from 2000 to now
// (0 means now): an item out of range fails alone with 30001 and writes
// nothing.
func TestFriendImportTimeRange(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice", "bob", "carol", "dave")
	now := time.Now().Unix()
	resp := s.MustOK("sns/friend_import", map[string]any{"From_Account": "alice", "AddFriendItem": []map[string]any{
		{"To_Account": "bob", "AddSource": "AddSource_Type_Web", "AddTime": 1 << 40},
		{"To_Account": "carol", "AddSource": "AddSource_Type_Web", "RemarkTime": -5},
		{"To_Account": "dave", "AddSource": "AddSource_Type_Web", "AddTime": now - 86400},
	}})
	items := resttest.Items(resp, "ResultItem")
	if len(items) != 3 || resttest.Int(items[0]["ResultCode"]) != 30001 || resttest.Int(items[1]["ResultCode"]) != 30001 || resttest.Int(items[2]["ResultCode"]) != 0 {
		t.Fatalf("results %v: want 30001, 30001, 0", items)
	}
	check := s.MustOK("sns/friend_check", map[string]any{"From_Account": "alice", "To_Account": []string{"bob", "carol", "dave"},
		"CheckType": "CheckResult_Type_Single"})
	got := map[string]string{}
	for _, it := range resttest.Items(check, "InfoItem") {
		got[it["To_Account"].(string)] = it["Relation"].(string)
	}
	if got["bob"] != "CheckResult_Type_NoRelation" || got["carol"] != "CheckResult_Type_NoRelation" || got["dave"] != "CheckResult_Type_AWithB" {
		t.Fatalf("after the import: %v", got)
	}
}
