package restapi_test

import (
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

func TestOpenIMImportMsg(t *testing.T) {
	s := resttest.Start(t)
	s.Import("lumotuwe1", "lumotuwe2")
	// A message sent here first, then older ones imported from the old system.
	oimSend(s, "lumotuwe1", "lumotuwe2", 9, "live")
	// The spec's sample: a real-time import (5) counts as unread.
	sample := `{ "SyncFromOldSystem": 5, "From_Account": "lumotuwe1", "To_Account": "lumotuwe2", "MsgSeq": 827092,
		"MsgRandom": 1287657, "MsgTimeStamp": 1556178721, "MsgBody": [ { "MsgType": "TIMTextElem", "MsgContent": { "Text": "hi, beauty" } } ],
		"CloudCustomData": "your cloud custom data" }`
	resp := s.Call("openim/importmsg", sample)
	oimWant(t, "sample", resp, 0)
	if n := oimUnread(s, "lumotuwe2"); n != 2 {
		t.Fatalf("unread after a real-time import: %d", n)
	}
	// Idempotent on MsgSeq, MsgRandom and MsgTimeStamp, whatever the body,
	// and in the other direction too.
	oimWant(t, "again", s.Call("openim/importmsg", sample), 0)
	oimWant(t, "other body", s.Call("openim/importmsg", strings.Replace(sample, "hi, beauty", "changed", 1)), 0)
	reversed := strings.NewReplacer(`"From_Account": "lumotuwe1", "To_Account": "lumotuwe2"`,
		`"From_Account": "lumotuwe2", "To_Account": "lumotuwe1"`).Replace(sample)
	oimWant(t, "reversed", s.Call("openim/importmsg", reversed), 0)

	// A history import (2) is read already.
	s.MustOK("openim/importmsg", map[string]any{"SyncFromOldSystem": 2, "From_Account": "lumotuwe2", "To_Account": "lumotuwe1",
		"MsgRandom": 1, "MsgTimeStamp": 1556178000, "MsgBody": oimBody("older")})
	if n := oimUnread(s, "lumotuwe1"); n != 0 {
		t.Fatalf("a history import counted as unread: %d", n)
	}
	// Same random and time but another MsgSeq: a different message.
	s.MustOK("openim/importmsg", map[string]any{"SyncFromOldSystem": 2, "From_Account": "lumotuwe2", "To_Account": "lumotuwe1",
		"MsgSeq": 2, "MsgRandom": 1, "MsgTimeStamp": 1556178000, "MsgBody": oimBody("older too")})

	// Imported messages keep their times and take the next seqs; the
	// history is ordered by time.
	got := oimRoam(s, "lumotuwe1", "lumotuwe2")
	if texts := oimTexts(got); strings.Join(texts, "|") != "older|older too|hi, beauty|live" {
		t.Fatalf("history %v", texts)
	}
	if ts := resttest.Int(got[2]["MsgTimeStamp"]); ts != 1556178721 {
		t.Fatalf("imported time %d", ts)
	}
	if seq := resttest.Int(got[2]["MsgSeq"]); seq != 2 {
		t.Fatalf("imported seq %d, want 2", seq)
	}
	if got[2]["MsgKey"] != "2_1287657_1556178721" || got[2]["CloudCustomData"] != "your cloud custom data" {
		t.Fatalf("imported message %v", got[2])
	}

	body := oimBody("x")
	base := func(extra map[string]any) map[string]any {
		req := map[string]any{"SyncFromOldSystem": 2, "From_Account": "lumotuwe1", "To_Account": "lumotuwe2",
			"MsgRandom": 1, "MsgTimeStamp": 1556178000, "MsgBody": body}
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
		{"not JSON", `{"SyncFromOldSystem"`, 90001},
		{"empty body", base(map[string]any{"MsgBody": []any{}}), 90002},
		{"no To_Account", base(map[string]any{"To_Account": nil}), 90003},
		{"no MsgRandom", base(map[string]any{"MsgRandom": nil}), 90005},
		{"MsgRandom a string", base(map[string]any{"MsgRandom": "1"}), 90005},
		{"no MsgTimeStamp", base(map[string]any{"MsgTimeStamp": nil}), 90006},
		{"MsgTimeStamp a string", base(map[string]any{"MsgTimeStamp": "now"}), 90006},
		{"MsgBody not an array", base(map[string]any{"MsgBody": "x"}), 90007},
		{"no From_Account", base(map[string]any{"From_Account": nil}), 90008},
		{"unknown From_Account", base(map[string]any{"From_Account": "ghost"}), 90008},
		{"bad element", base(map[string]any{"MsgBody": []any{map[string]any{"MsgType": "TIMBogus", "MsgContent": map[string]any{}}}}), 90010},
		{"unknown To_Account", base(map[string]any{"To_Account": "ghost"}), 90012},
		{"no SyncFromOldSystem", base(map[string]any{"SyncFromOldSystem": nil}), 90030},
		{"SyncFromOldSystem 3", base(map[string]any{"SyncFromOldSystem": 3}), 90030},
		{"SyncFromOldSystem a string", base(map[string]any{"SyncFromOldSystem": "2"}), 90030},
		{"over 12 KB", base(map[string]any{"MsgBody": oimBody(strings.Repeat("z", 13<<10))}), 93000},
	}
	for _, tc := range cases {
		oimWant(t, tc.name, s.Call("openim/importmsg", tc.req), tc.code)
	}
	if n := len(oimRoam(s, "lumotuwe1", "lumotuwe2")); n != 4 {
		t.Fatalf("failed imports stored messages: %d", n)
	}
}
