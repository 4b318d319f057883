package sdk

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// attrRecorder turns the attribute and counter callbacks into lines.
type attrRecorder struct {
	BaseGroupListener
	r *recorder
}

func (a *attrRecorder) OnGroupAttributeChanged(id string, attrs map[string]string) {
	kv := make([]string, 0, len(attrs))
	for k, v := range attrs {
		kv = append(kv, k+"="+v)
	}
	slices.Sort(kv)
	a.r.put("attrs %s {%s}", id, strings.Join(kv, ","))
}

func (a *attrRecorder) OnGroupCounterChanged(id, key string, v int64) {
	a.r.put("counter %s %s=%d", id, key, v)
}

func (n *node) attrDevice(t *testing.T, user string, p Platform) (*groupDev, *recorder) {
	t.Helper()
	d := n.groupDevice(t, user, p)
	r := newRecorder(user + "@" + string(p) + " attrs")
	d.Group().AddGroupListener(&attrRecorder{r: r})
	return d, r
}

// The Go SDK's group attributes and counters end to end: a member's writes
// reach both devices of another member through OnGroupAttributeChanged
// (the whole map) and OnGroupCounterChanged, the getters read them back,
// and the server's codes come back as the SDK's errors.
func TestE2EGroupAttributes(t *testing.T) {
	n := startNode(t)
	n.Import("owner", "m1", "m2", "out")
	ctx := ctxT(t)
	owner, _ := n.attrDevice(t, "owner", PlatformWeb)
	m1, m1Attrs := n.attrDevice(t, "m1", PlatformWeb)
	m2Web, m2WebAttrs := n.attrDevice(t, "m2", PlatformWeb)
	m2Android, m2AndroidAttrs := n.attrDevice(t, "m2", PlatformAndroid)

	room, _, err := owner.Group().CreateGroup(ctx, GroupInfo{GroupID: "room", GroupType: GroupTypeAVChatRoom, GroupName: "live"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*groupDev{m1, m2Web} {
		if joined, err := d.Group().JoinGroup(ctx, room, ""); err != nil || !joined {
			t.Fatalf("%s joins: %v %v", d.user, joined, err)
		}
	}
	// m2's Android session hears the room from the join on m2's Web: wait
	// until it does (the enter of m2 reaches it or not by the race; an
	// attribute write after its own login is certain to).
	if err := m2Android.Group().InitGroupAttributes(ctx, room, map[string]string{"probe": "x"}); err != nil {
		t.Fatal(err)
	}
	m1Attrs.waitFor(t, "attrs room {probe=x}")
	m2WebAttrs.waitFor(t, "attrs room {probe=x}")

	if err := m1.Group().InitGroupAttributes(ctx, room, map[string]string{"seat1": "m1"}); err != nil {
		t.Fatal(err)
	}
	if err := m1.Group().SetGroupAttributes(ctx, room, map[string]string{"seat2": "m2"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*recorder{m2WebAttrs, m2AndroidAttrs} {
		r.waitFor(t, "attrs room {seat1=m1}")
		r.expect(t, "attrs room {seat1=m1,seat2=m2}")
	}
	got, err := m2Android.Group().GetGroupAttributes(ctx, room, nil)
	if err != nil || fmt.Sprint(got) != "map[seat1:m1 seat2:m2]" {
		t.Fatalf("get all: %v %v", got, err)
	}
	got, err = m2Android.Group().GetGroupAttributes(ctx, room, []string{"seat2"})
	if err != nil || fmt.Sprint(got) != "map[seat2:m2]" {
		t.Fatalf("get some: %v %v", got, err)
	}
	if err := m2Web.Group().DeleteGroupAttributes(ctx, room, []string{"seat1"}); err != nil {
		t.Fatal(err)
	}
	m1Attrs.waitFor(t, "attrs room {seat2=m2}")
	m2AndroidAttrs.expect(t, "attrs room {seat2=m2}") // the writer's other device

	set, err := m1.Group().SetGroupCounters(ctx, room, map[string]int64{"like": 5})
	if err != nil || set["like"] != 5 {
		t.Fatalf("set counters: %v %v", set, err)
	}
	if v, err := m1.Group().IncreaseGroupCounter(ctx, room, "like", 3); err != nil || v["like"] != 8 {
		t.Fatalf("increase: %v %v", v, err)
	}
	if v, err := m1.Group().DecreaseGroupCounter(ctx, room, "like", 10); err != nil || v["like"] != -2 {
		t.Fatalf("decrease: %v %v", v, err)
	}
	for _, r := range []*recorder{m2WebAttrs, m2AndroidAttrs} {
		r.expect(t, "counter room like=5", "counter room like=8", "counter room like=-2")
	}
	if c, err := m2Web.Group().GetGroupCounters(ctx, room, nil); err != nil || fmt.Sprint(c) != "map[like:-2]" {
		t.Fatalf("get counters: %v %v", c, err)
	}

	// The server's codes.
	pub, _, err := owner.Group().CreateGroup(ctx, GroupInfo{GroupType: GroupTypePublic, GroupName: "pub"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := owner.Group().SetGroupAttributes(ctx, pub, map[string]string{"k": "v"}); ErrorCode(err) != 2641 {
		t.Errorf("a Public group's attributes: %v, want 2641", err)
	}
	out := n.groupDevice(t, "out", PlatformWeb)
	if _, err := out.Group().GetGroupAttributes(ctx, room, nil); ErrorCode(err) != 2642 {
		t.Errorf("not joined: %v, want 2642", err)
	}
	if err := m1.Group().SetGroupAttributes(ctx, room, map[string]string{strings.Repeat("k", 33): "v"}); ErrorCode(err) != 10045 {
		t.Errorf("a 33-byte key: %v, want 10045", err)
	}
	if _, err := out.Group().IncreaseGroupCounter(ctx, room, "like", 1); ErrorCode(err) != 10007 {
		t.Errorf("a non-member's counter: %v, want 10007", err)
	}
}
