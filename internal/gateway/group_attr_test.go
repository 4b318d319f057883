package gateway_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/group/rules"
)

// TestGroupAttrOpsPushToEveryDevice: a member's attribute and counter
// writes through the socket reach both devices of another member at once,
// the attributes as the whole map; the answers carry the new state.
func TestGroupAttrOpsPushToEveryDevice(t *testing.T) {
	f := newGroupFixture(t)
	f.makeGroup(t, "room", rules.AVChatRoom)
	m2b := dial(t, f.s)
	m2b.login(f.s, "m2", "Android")
	m1, m2 := f.clients["m1"], f.clients["m2"]
	data := func(frame map[string]any) string {
		b, _ := json.Marshal(frame["data"])
		return string(b)
	}

	out := m1.mustCall("group.initAttributes", map[string]any{"groupID": "room", "attributes": map[string]string{"seat1": "m1"}})
	if b, _ := json.Marshal(out); string(b) != `{"attributes":{"seat1":"m1"},"groupID":"room"}` {
		t.Errorf("initAttributes answer %s", b)
	}
	out = m1.mustCall("group.setAttributes", map[string]any{"groupID": "room", "attributes": map[string]string{"seat2": "m2"}})
	if b, _ := json.Marshal(out); string(b) != `{"attributes":{"seat1":"m1","seat2":"m2"},"groupID":"room"}` {
		t.Errorf("setAttributes answer %s", b)
	}
	for i, dev := range []*client{m2, m2b} {
		if d := data(dev.push("group.attributes_changed")); d != `{"attributes":{"seat1":"m1"},"groupID":"room","operator":"m1"}` {
			t.Errorf("device %d: first attributes_changed %s", i, d)
		}
		if d := data(dev.push("group.attributes_changed")); d != `{"attributes":{"seat1":"m1","seat2":"m2"},"groupID":"room","operator":"m1"}` {
			t.Errorf("device %d: second attributes_changed (the whole map) %s", i, d)
		}
	}
	got := m2b.mustCall("group.getAttributes", map[string]any{"groupID": "room", "keys": []string{"seat2"}})
	if b, _ := json.Marshal(got); string(b) != `{"attributes":{"seat2":"m2"},"groupID":"room"}` {
		t.Errorf("getAttributes %s", b)
	}
	del := m2.mustCall("group.deleteAttributes", map[string]any{"groupID": "room"})
	if b, _ := json.Marshal(del); string(b) != `{"groupID":"room","keys":["seat1","seat2"]}` {
		t.Errorf("deleteAttributes %s", b)
	}
	// The other device of the writer hears it too; the writing one does
	// not (it has the answer).
	if d := data(m2b.push("group.attributes_changed")); d != `{"attributes":{},"groupID":"room","operator":"m2"}` {
		t.Errorf("the writer's other device: %s", d)
	}

	m1.mustCall("group.setCounters", map[string]any{"groupID": "room", "counters": map[string]int64{"like": 5}})
	inc := m1.mustCall("group.increaseCounter", map[string]any{"groupID": "room", "key": "like", "value": 2})
	if b, _ := json.Marshal(inc); string(b) != `{"groupID":"room","key":"like","value":7}` {
		t.Errorf("increaseCounter %s", b)
	}
	dec := m1.mustCall("group.decreaseCounter", map[string]any{"groupID": "room", "key": "like", "value": 10})
	if b, _ := json.Marshal(dec); string(b) != `{"groupID":"room","key":"like","value":-3}` {
		t.Errorf("decreaseCounter %s", b)
	}
	for i, dev := range []*client{m2, m2b} {
		for _, want := range []string{`{"like":5}`, `{"like":7}`, `{"like":-3}`} {
			if d := data(dev.push("group.counters_changed")); d != fmt.Sprintf(`{"counters":%s,"groupID":"room","operator":"m1"}`, want) {
				t.Errorf("device %d: counters_changed %s, want counters %s", i, d, want)
			}
		}
	}
	counters := m2.mustCall("group.getCounters", map[string]any{"groupID": "room"})
	if b, _ := json.Marshal(counters); string(b) != `{"counters":{"like":-3},"groupID":"room"}` {
		t.Errorf("getCounters %s", b)
	}
}

// TestGroupAttrOpsCodes: the client door's codes: attributes only in an
// AVChatRoom (2641) its member has joined (2642), the limits' codes, and
// counters for members only (10007).
func TestGroupAttrOpsCodes(t *testing.T) {
	f := newGroupFixture(t)
	f.makeGroup(t, "room", rules.AVChatRoom)
	f.makeGroup(t, "pub", rules.Public)
	seventeen := map[string]string{}
	for i := range 17 {
		seventeen[fmt.Sprintf("k%02d", i)] = "v"
	}
	for _, c := range []struct {
		what, user, op string
		data           map[string]any
		code           int
	}{
		{"a Public group's attributes", "m1", "group.setAttributes", map[string]any{"groupID": "pub", "attributes": map[string]string{"k": "v"}}, 2641},
		{"a Public group's read", "owner", "group.getAttributes", map[string]any{"groupID": "pub"}, 2641},
		{"not joined", "out", "group.setAttributes", map[string]any{"groupID": "room", "attributes": map[string]string{"k": "v"}}, 2642},
		{"not joined: read", "out", "group.getAttributes", map[string]any{"groupID": "room"}, 2642},
		{"17 keys", "m1", "group.initAttributes", map[string]any{"groupID": "room", "attributes": seventeen}, 10047},
		{"33-byte key", "m1", "group.setAttributes", map[string]any{"groupID": "room", "attributes": map[string]string{fmt.Sprintf("%033d", 0): "v"}}, 10045},
		{"a missing group", "m1", "group.deleteAttributes", map[string]any{"groupID": "nope"}, 10010},
		{"attributes of the wrong type", "m1", "group.setAttributes", map[string]any{"groupID": "room", "attributes": []string{"k"}}, 6017}, // the protocol's bad-request code
		{"a non-member's counters", "out", "group.getCounters", map[string]any{"groupID": "pub"}, 10007},
		{"an increase without a value", "m1", "group.increaseCounter", map[string]any{"groupID": "pub", "key": "like"}, 10004},
		{"a Public member's counters", "m1", "group.increaseCounter", map[string]any{"groupID": "pub", "key": "like", "value": 1}, 0},
	} {
		if code, out := f.clients[c.user].call(c.op, c.data); code != c.code {
			t.Errorf("%s: code %d (%v), want %d", c.what, code, out, c.code)
		}
	}
}
