package restapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/internal/resttest"
)

func attrBody(group string, kv ...string) string {
	items := make([]string, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		items = append(items, fmt.Sprintf(`{"key":%q,"value":%q}`, kv[i], kv[i+1]))
	}
	return fmt.Sprintf(`{"GroupId":%q,"GroupAttr":[%s]}`, group, strings.Join(items, ","))
}

func attrsOf(t *testing.T, s *resttest.Server, group string) string {
	t.Helper()
	resp := s.MustOK("group_open_attr_http_svc/get_group_attr", fmt.Sprintf(`{"GroupId":%q}`, group))
	b, _ := json.Marshal(resp["GroupAttrAry"])
	return string(b)
}

// TestGroupAttrREST: set_group_attr replaces, modify_group_attr upserts,
// clear_group_attr empties, get_group_attr lists by key, with the exact
// codes of each limit and of the group's type.
func TestGroupAttrREST(t *testing.T) {
	s := grpStart(t)
	for _, g := range []struct{ id, typ string }{{"ga", "Public"}, {"gb", "Private"}, {"gc", "Community"}, {"gd", "AVChatRoom"},
		{"ge", "ChatRoom"}} {
		grpCreate(t, s, g.id, g.typ)
	}
	if got := attrsOf(t, s, "ga"); got != `[]` {
		t.Errorf("a new group's attributes: %s", got)
	}
	s.MustOK("group_open_http_svc/set_group_attr", attrBody("ga", "seat1", "alice", "seat2", "bob"))
	s.MustOK("group_open_http_svc/modify_group_attr", attrBody("ga", "seat2", "carol", "seat3", ""))
	if got := attrsOf(t, s, "ga"); got != `[{"key":"seat1","value":"alice"},{"key":"seat2","value":"carol"},{"key":"seat3","value":""}]` {
		t.Errorf("after modify: %s", got)
	}
	s.MustOK("group_open_http_svc/set_group_attr", attrBody("ga", "only", "1"))
	if got := attrsOf(t, s, "ga"); got != `[{"key":"only","value":"1"}]` {
		t.Errorf("set replaces: %s", got)
	}
	s.MustOK("group_open_http_svc/clear_group_attr", `{"GroupId":"ga"}`)
	if got := attrsOf(t, s, "ga"); got != `[]` {
		t.Errorf("after clear: %s", got)
	}

	// Every type but Community's clear (rest-spec's type tables).
	for _, g := range []string{"gb", "gc", "gd", "ge"} {
		s.MustOK("group_open_http_svc/modify_group_attr", attrBody(g, "k", g))
		if got := attrsOf(t, s, g); got != fmt.Sprintf(`[{"key":"k","value":%q}]`, g) {
			t.Errorf("%s: %s", g, got)
		}
	}
	rcWant(t, "clear a Community's", s.Call("group_open_http_svc/clear_group_attr", `{"GroupId":"gc"}`), 10007)
	s.MustOK("group_open_http_svc/clear_group_attr", `{"GroupId":"gd"}`)

	seventeen := make([]string, 0, 34)
	for i := range 17 {
		seventeen = append(seventeen, fmt.Sprintf("k%02d", i), "v")
	}
	big := strings.Repeat("v", 4094)
	for _, c := range []struct {
		what, api, body string
		code            int
	}{
		{"17 keys", "set_group_attr", attrBody("gb", seventeen...), 10047},
		{"33-byte key", "modify_group_attr", attrBody("gb", strings.Repeat("k", 33), "v"), 10045},
		{"empty key", "modify_group_attr", attrBody("gb", "", "v"), 10004},
		{"4 KB + 1 value", "modify_group_attr", attrBody("gb", "k", strings.Repeat("v", 4097)), 10046},
		{"16 KB + 1 in all", "set_group_attr", attrBody("gb", "k1", big, "k2", big, "k3", big, "k4", big+"v"), 10048},
		{"no GroupAttr", "set_group_attr", `{"GroupId":"gb"}`, 10004},
		{"empty GroupAttr", "modify_group_attr", `{"GroupId":"gb","GroupAttr":[]}`, 10004},
		{"GroupAttr of the wrong type", "modify_group_attr", `{"GroupId":"gb","GroupAttr":"k=v"}`, 10004},
		{"a missing group", "modify_group_attr", attrBody("nope", "k", "v"), 10010},
		{"a bad group ID", "modify_group_attr", attrBody(strings.Repeat("g", 49), "k", "v"), 10015},
		{"clear a missing group", "clear_group_attr", `{"GroupId":"nope"}`, 10010},
		{"no GroupId", "clear_group_attr", `{}`, 10015},
		{"not JSON", "set_group_attr", `{"GroupId":`, 60003},
	} {
		rcWant(t, c.what, s.Call("group_open_http_svc/"+c.api, c.body), c.code)
	}
	rcWant(t, "get a missing group", s.Call("group_open_attr_http_svc/get_group_attr", `{"GroupId":"nope"}`), 10010)
	if got := attrsOf(t, s, "gb"); got != `[{"key":"k","value":"gb"}]` {
		t.Errorf("refused writes changed the attributes: %s", got)
	}

	// A modify is checked on the map it would leave.
	s.MustOK("group_open_http_svc/set_group_attr", attrBody("ge", seventeen[:30]...))
	rcWant(t, "modify to 17 keys", s.Call("group_open_http_svc/modify_group_attr", attrBody("ge", "new1", "v", "new2", "v")), 10047)
}

// TestGroupAttrRESTWriteRate: the app's admin too writes one group's
// attributes at most five times a second (10049). Whether a sixth write
// falls within the second depends on the machine's speed, so the test
// checks what the rule implies either way.
func TestGroupAttrRESTWriteRate(t *testing.T) {
	s := grpStart(t)
	grpCreate(t, s, "busy", "Public")
	start := time.Now()
	oks, refused := 0, 0
	for i := range 10 {
		switch code := resttest.Code(s.Call("group_open_http_svc/modify_group_attr", attrBody("busy", "k", fmt.Sprint(i)))); code {
		case 0:
			if refused == 0 {
				oks++
			}
		case 10049:
			refused++
		default:
			t.Fatalf("write %d: code %d", i, code)
		}
		if refused > 0 {
			break
		}
	}
	elapsed := time.Since(start)
	switch {
	case refused > 0 && oks < 5:
		t.Errorf("refused after %d writes, want 5 allowed", oks)
	case refused == 0 && elapsed < time.Second:
		t.Errorf("10 writes in %v were all allowed", elapsed)
	}
	// Another group is apart.
	grpCreate(t, s, "calm", "Public")
	s.MustOK("group_open_http_svc/modify_group_attr", attrBody("calm", "k", "v"))
}

// TestGroupCounterREST: update_group_counter in its three modes, get and
// delete_group_counter, with the exact codes.
func TestGroupCounterREST(t *testing.T) {
	s := grpStart(t)
	grpCreate(t, s, "gc", "Public")
	grpCreate(t, s, "com", "Community")
	counters := func(resp map[string]any) string {
		b, _ := json.Marshal(resp["GroupCounter"])
		return string(b)
	}
	resp := s.MustOK("group_open_http_svc/update_group_counter", `{"GroupId":"gc","GroupCounter":[{"Key":"like","Value":5},{"Key":"unlike","Value":1}],"Mode":"Set"}`)
	if got := counters(resp); got != `[{"Key":"like","Value":5},{"Key":"unlike","Value":1}]` {
		t.Errorf("set: %s", got)
	}
	resp = s.MustOK("group_open_http_svc/update_group_counter", `{"GroupId":"gc","GroupCounter":[{"Key":"unlike","Value":3},{"Key":"like","Value":2}],"Mode":"Increase"}`)
	if got := counters(resp); got != `[{"Key":"unlike","Value":4},{"Key":"like","Value":7}]` {
		t.Errorf("increase (request order): %s", got)
	}
	resp = s.MustOK("group_open_http_svc/update_group_counter", `{"GroupId":"gc","GroupCounter":[{"Key":"like","Value":10}],"Mode":"Decrease"}`)
	if got := counters(resp); got != `[{"Key":"like","Value":-3}]` {
		t.Errorf("decrease: %s", got)
	}
	resp = s.MustOK("group_open_http_svc/update_group_counter", `{"GroupId":"gc","GroupCounter":[{"Key":"new","Value":9}]}`)
	if got := counters(resp); got != `[{"Key":"new","Value":9}]` {
		t.Errorf("default mode (Set): %s", got)
	}
	if got := counters(s.MustOK("group_open_http_svc/get_group_counter", `{"GroupId":"gc"}`)); got != `[{"Key":"like","Value":-3},{"Key":"new","Value":9},{"Key":"unlike","Value":4}]` {
		t.Errorf("get all: %s", got)
	}
	if got := counters(s.MustOK("group_open_http_svc/get_group_counter", `{"GroupId":"gc","GroupCounterKeys":["unlike","missing","like"]}`)); got != `[{"Key":"unlike","Value":4},{"Key":"like","Value":-3}]` {
		t.Errorf("get some: %s", got)
	}
	s.MustOK("group_open_http_svc/delete_group_counter", `{"GroupId":"gc","GroupCounterKeys":["like"]}`)
	if got := counters(s.MustOK("group_open_http_svc/get_group_counter", `{"GroupId":"gc"}`)); got != `[{"Key":"new","Value":9},{"Key":"unlike","Value":4}]` {
		t.Errorf("after delete: %s", got)
	}

	twentyOne := make([]string, 21)
	for i := range twentyOne {
		twentyOne[i] = fmt.Sprintf(`{"Key":"c%02d","Value":1}`, i)
	}
	nineteen := strings.Join(twentyOne[:19], ",")
	for _, c := range []struct {
		what, api, body string
		code            int
	}{
		{"21 counters in a request", "update_group_counter", `{"GroupId":"gc","GroupCounter":[` + strings.Join(twentyOne, ",") + `]}`, 10063},
		{"21 counters in the group", "update_group_counter", `{"GroupId":"gc","GroupCounter":[` + nineteen + `]}`, 10063},
		{"an unknown mode", "update_group_counter", `{"GroupId":"gc","GroupCounter":[{"Key":"k","Value":1}],"Mode":"Double"}`, 10004},
		{"no GroupCounter", "update_group_counter", `{"GroupId":"gc"}`, 10004},
		{"a key twice in Increase", "update_group_counter", `{"GroupId":"gc","GroupCounter":[{"Key":"k","Value":1},{"Key":"k","Value":1}],"Mode":"Increase"}`, 10004},
		{"a value that is not an integer", "update_group_counter", `{"GroupId":"gc","GroupCounter":[{"Key":"k","Value":"1"}]}`, 10004},
		{"past int64", "update_group_counter", `{"GroupId":"gc","GroupCounter":[{"Key":"new","Value":9223372036854775807}],"Mode":"Increase"}`, 10004},
		{"a 129-byte key", "update_group_counter", `{"GroupId":"gc","GroupCounter":[{"Key":"` + strings.Repeat("k", 129) + `","Value":1}]}`, 10004},
		{"a Community", "update_group_counter", `{"GroupId":"com","GroupCounter":[{"Key":"k","Value":1}]}`, 10007},
		{"a Community's get", "get_group_counter", `{"GroupId":"com"}`, 10007},
		{"a Community's delete", "delete_group_counter", `{"GroupId":"com"}`, 10007},
		{"a missing group", "get_group_counter", `{"GroupId":"nope"}`, 10010},
		{"a bad group ID", "delete_group_counter", `{"GroupId":""}`, 10015},
	} {
		rcWant(t, c.what, s.Call("group_open_http_svc/"+c.api, c.body), c.code)
	}
	s.MustOK("group_open_http_svc/update_group_counter", `{"GroupId":"gc","GroupCounter":[`+strings.Join(twentyOne[:18], ",")+`]}`)
	s.MustOK("group_open_http_svc/delete_group_counter", `{"GroupId":"gc"}`)
	if got := counters(s.MustOK("group_open_http_svc/get_group_counter", `{"GroupId":"gc"}`)); got != `[]` {
		t.Errorf("after delete all: %s", got)
	}
}

// TestGroupAttrRESTReachesOnlineMembers: a REST write of attributes or
// counters reaches a member's socket at once, the attributes as the whole
// map.
func TestGroupAttrRESTReachesOnlineMembers(t *testing.T) {
	s := grpStart(t)
	grpCreate(t, s, "live", "Public")
	nc, _, _, err := ws.Dial(context.Background(), s.WebSocketURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := wsutil.WriteClientText(nc, []byte(`{"v":1,"id":"1","op":"login","data":{"userID":"m1","userSig":"`+s.UserSig("m1")+`","platform":"Web"}}`)); err != nil {
		t.Fatal(err)
	}
	next := func() map[string]any {
		t.Helper()
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		msg, err := wsutil.ReadServerText(nc)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		json.Unmarshal(msg, &out)
		return out
	}
	if login := next(); login["code"] != float64(0) {
		t.Fatalf("login: %v", login)
	}
	wait := func(push string) string {
		t.Helper()
		for range 10 {
			if f := next(); f["push"] == push {
				d, _ := json.Marshal(f["data"])
				return string(d)
			}
		}
		t.Fatalf("no %s push", push)
		return ""
	}
	s.MustOK("group_open_http_svc/set_group_attr", attrBody("live", "seat1", "m1"))
	if d := wait("group.attributes_changed"); d != `{"attributes":{"seat1":"m1"},"groupID":"live","operator":"administrator"}` {
		t.Errorf("attributes_changed after set: %s", d)
	}
	s.MustOK("group_open_http_svc/modify_group_attr", attrBody("live", "seat2", "m2"))
	if d := wait("group.attributes_changed"); d != `{"attributes":{"seat1":"m1","seat2":"m2"},"groupID":"live","operator":"administrator"}` {
		t.Errorf("attributes_changed after modify (the whole map): %s", d)
	}
	s.MustOK("group_open_http_svc/update_group_counter", `{"GroupId":"live","GroupCounter":[{"Key":"like","Value":2}],"Mode":"Increase"}`)
	if d := wait("group.counters_changed"); d != `{"counters":{"like":2},"groupID":"live","operator":"administrator"}` {
		t.Errorf("counters_changed: %s", d)
	}
	s.MustOK("group_open_http_svc/delete_group_counter", `{"GroupId":"live"}`)
	if d := wait("group.counters_changed"); d != `{"counters":{},"deleted":["like"],"groupID":"live","operator":"administrator"}` {
		t.Errorf("counters_changed on delete: %s", d)
	}
}
