package restapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

func TestRecentContactGetList(t *testing.T) {
	s := resttest.Start(t)
	s.Import("id1", "id2", "id4")
	// The sample's conversations (its group conversations aside): id2
	// pinned, id4 newer.
	rcMessages(s, "id1", 1630997627_000, "id2")
	rcMessages(s, "id1", 1630997630_000, "id4")
	if err := s.Node.Conversations.Pin(context.Background(), s.App, "id1", "c2c_id2", true); err != nil {
		t.Fatal(err)
	}
	resp := s.Call("recentcontact/get_list", `{ "From_Account": "id1", "TimeStamp": 0, "StartIndex": 0, "TopTimeStamp": 0,
		"TopStartIndex": 0, "AssistFlags": 7 }`)
	rcSame(t, "the sample", resp, `{ "SessionItem": [
		{ "Type": 1, "To_Account": "id2", "MsgTime": 1630997627, "TopFlag": 1 },
		{ "Type": 1, "To_Account": "id4", "MsgTime": 1630997630, "TopFlag": 0 } ],
		"CompleteFlag": 1, "TimeStamp": 1630997630, "StartIndex": 1, "TopTimeStamp": 1630997627, "TopStartIndex": 1,
		"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": "" }`)

	// Without pinned support the list is by time; TopFlag still tells.
	resp = s.MustOK("recentcontact/get_list", map[string]any{"From_Account": "id1", "AssistFlags": 0})
	items := resttest.Items(resp, "SessionItem")
	if len(items) != 2 || items[0]["To_Account"] != "id4" || resttest.Int(items[1]["TopFlag"]) != 1 {
		t.Fatalf("by time: %v", resp)
	}

	// Paging: 105 conversations in one second; the cursor counts within it.
	senders := make([]string, 105)
	for i := range senders {
		senders[i] = fmt.Sprintf("p%03d", i)
	}
	s.Import("many")
	s.Import(senders[:100]...)
	s.Import(senders[100:]...)
	rcMessages(s, "many", 1700000000_500, senders...)
	req := map[string]any{"From_Account": "many", "TimeStamp": 0, "StartIndex": 0, "TopTimeStamp": 0, "TopStartIndex": 0, "AssistFlags": 7}
	seen := map[string]bool{}
	for page := 1; ; page++ {
		resp := s.MustOK("recentcontact/get_list", req)
		for _, it := range resttest.Items(resp, "SessionItem") {
			id := it["To_Account"].(string)
			if seen[id] {
				t.Fatalf("page %d repeats %s", page, id)
			}
			seen[id] = true
		}
		n := len(resttest.Items(resp, "SessionItem"))
		if page == 1 && (n != 100 || resttest.Int(resp["CompleteFlag"]) != 0 || resttest.Int(resp["TimeStamp"]) != 1700000000 ||
			resttest.Int(resp["StartIndex"]) != 100) {
			t.Fatalf("first page: %d items, %v", n, resp)
		}
		if resttest.Int(resp["CompleteFlag"]) == 1 {
			if page != 2 || n != 5 {
				t.Fatalf("last page %d with %d items", page, n)
			}
			break
		}
		for _, k := range []string{"TimeStamp", "StartIndex", "TopTimeStamp", "TopStartIndex"} {
			req[k] = resp[k]
		}
	}
	if len(seen) != 105 {
		t.Fatalf("paged %d conversations, want 105", len(seen))
	}

	for _, c := range []struct {
		what, body string
		code       int
	}{
		{"unknown user", `{"From_Account":"ghost","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}`, 50001},
		{"no user", `{"TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}`, 50002},
		{"wrong type", `{"From_Account":"id1","TimeStamp":"0"}`, 50002},
		{"negative cursor", `{"From_Account":"id1","StartIndex":-1}`, 50002},
		{"bad JSON", `{"From_Account":`, 60003},
	} {
		rcWant(t, c.what, s.Call("recentcontact/get_list", c.body), c.code)
	}
	resp = rcAsUser(s, "recentcontact/get_list", `{"From_Account":"id1"}`)
	rcWant(t, "not an admin", resp, 50003)
	if _, ok := resp["ErrorDisplay"]; !ok {
		t.Fatalf("recentcontact answers carry ErrorDisplay: %v", resp)
	}
}

func TestRecentContactDelete(t *testing.T) {
	s := resttest.Start(t)
	s.Import("id1", "id2", "id3")
	rcMessages(s, "id1", 1700000001_000, "id2")
	rcMessages(s, "id1", 1700000002_000, "id2", "id3")
	list := func() string {
		resp := s.MustOK("recentcontact/get_list", map[string]any{"From_Account": "id1", "AssistFlags": 7})
		out := ""
		for _, it := range resttest.Items(resp, "SessionItem") {
			out += it["To_Account"].(string) + " "
		}
		return out
	}
	history := func(user, peer string) int {
		ms, err := s.Node.Messages.History(context.Background(), s.App, user, peer, 0, false, 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(ms)
	}
	if got := list(); got != "id2 id3 " {
		t.Fatalf("before: %q", got)
	}
	// The sample: delete the conversation and its messages.
	resp := s.Call("recentcontact/delete", `{ "From_Account":"id1", "Type":1, "To_Account":"id2", "ClearRamble":1 }`)
	rcSame(t, "the sample", resp, `{ "ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": "" }`)
	if got := list(); got != "id3 " {
		t.Fatalf("after deleting id2: %q", got)
	}
	if h, peer := history("id1", "id2"), history("id2", "id1"); h != 0 || peer != 2 {
		t.Fatalf("histories after ClearRamble 1: mine %d, peer's %d", h, peer)
	}
	// Without ClearRamble the messages stay.
	s.MustOK("recentcontact/delete", map[string]any{"From_Account": "id1", "Type": 1, "To_Account": "id3"})
	if got, h := list(), history("id1", "id3"); got != "" || h != 1 {
		t.Fatalf("after deleting id3: list %q, history %d", got, h)
	}
	// Deleting again, or a conversation that never was, succeeds.
	s.MustOK("recentcontact/delete", map[string]any{"From_Account": "id1", "Type": 1, "To_Account": "id3", "ClearRamble": 0})
	s.MustOK("recentcontact/delete", map[string]any{"From_Account": "id1", "Type": 1, "To_Account": "nobody"})
	// The group sample: Parley has no group conversations, nothing to do.
	s.MustOK("recentcontact/delete", `{ "From_Account":"id1", "Type":2, "ToGroupid":"id2", "ClearRamble":1 }`)
	// A newer message brings a conversation back, with only itself.
	rcMessages(s, "id1", 1700000003_000, "id2")
	if got, h := list(), history("id1", "id2"); got != "id2 " || h != 1 {
		t.Fatalf("after a new message: list %q, history %d", got, h)
	}
	n, err := s.Node.Conversations.TotalUnread(context.Background(), s.App, "id1")
	if err != nil || n != 1 {
		t.Fatalf("unread after coming back: %d %v", n, err)
	}

	for _, c := range []struct {
		what, body string
		code       int
	}{
		{"unknown user", `{"From_Account":"ghost","Type":1,"To_Account":"id2"}`, 50001},
		{"no user", `{"Type":1,"To_Account":"id2"}`, 50002},
		{"bad type", `{"From_Account":"id1","Type":3,"To_Account":"id2"}`, 50002},
		{"no type", `{"From_Account":"id1","To_Account":"id2"}`, 50002},
		{"no peer", `{"From_Account":"id1","Type":1}`, 50002},
		{"bad peer", `{"From_Account":"id1","Type":1,"To_Account":"not valid!"}`, 50002},
		{"no group", `{"From_Account":"id1","Type":2}`, 50002},
		{"group of an unknown user", `{"From_Account":"ghost","Type":2,"ToGroupid":"g"}`, 50001},
		{"bad ClearRamble", `{"From_Account":"id1","Type":1,"To_Account":"id2","ClearRamble":2}`, 50002},
		{"wrong type", `{"From_Account":"id1","Type":"1","To_Account":"id2"}`, 50002},
	} {
		rcWant(t, c.what, s.Call("recentcontact/delete", c.body), c.code)
	}
	rcWant(t, "not an admin", rcAsUser(s, "recentcontact/delete", `{"From_Account":"id1","Type":1,"To_Account":"id2"}`), 50003)
	if got := list(); got != "id2 " {
		t.Fatalf("failed calls changed the list: %q", got)
	}
}
