package gateway_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/resttest"
)

// groupFixture is a node with the five users of the rule matrix, each
// logged in once.
type groupFixture struct {
	s       *resttest.Server
	clients map[string]*client
}

func newGroupFixture(t *testing.T) *groupFixture {
	// No client rate limits: the matrix makes some two hundred groups from
	// one owner's socket, past the default writes rate.
	s := resttest.Start(t, func(a *app.App) {
		a.GroupMemberCustomFields = []string{"level"}
		a.ClientRateLimits = app.ClientRateLimits{}
	})
	users := []string{"owner", "adm", "m1", "m2", "out"}
	s.Import(users...)
	f := &groupFixture{s: s, clients: map[string]*client{}}
	for _, u := range users {
		c := dial(t, s)
		c.login(s, u, "iOS")
		f.clients[u] = c
	}
	return f
}

// makeGroup creates, through the owner's socket, a group of typ with
// "adm" an admin where the type has admins and "m1", "m2" common members
// (an AVChatRoom's join by themselves, then the owner grants adm).
func (f *groupFixture) makeGroup(t *testing.T, id, typ string) {
	t.Helper()
	r, _ := rules.Of(typ)
	data := map[string]any{"groupID": id, "groupType": typ, "groupName": "n"}
	if r.InitialMembers {
		members := []map[string]any{{"userID": "m1"}, {"userID": "m2"}}
		if r.Admins {
			members = append(members, map[string]any{"userID": "adm", "role": rules.RoleAdmin})
		}
		data["memberList"] = members
	}
	f.clients["owner"].mustCall("group.create", data)
	if !r.InitialMembers {
		for _, u := range []string{"m1", "m2", "adm"} {
			f.clients[u].mustCall("group.join", map[string]any{"groupID": id})
		}
		f.clients["owner"].mustCall("group.setMemberInfo", map[string]any{"groupID": id, "userID": "adm", "role": rules.RoleAdmin})
	}
}

// TestGroupSocketMatrix is the group service's rule matrix (and the REST
// door's TestGroupRESTMatrix) as clients meet it through the socket: each
// type × each client-reachable operation × owner, admin and common
// member, with the exact answer code.
func TestGroupSocketMatrix(t *testing.T) {
	f := newGroupFixture(t)
	type op struct {
		name string
		op   string
		data func(g, actor string) map[string]any
	}
	ops := []op{
		{"kick member", "group.kick", func(g, _ string) map[string]any { return map[string]any{"groupID": g, "userIDs": []string{"m2"}} }},
		{"kick admin", "group.kick", func(g, _ string) map[string]any { return map[string]any{"groupID": g, "userIDs": []string{"adm"}} }},
		{"mute member", "group.mute", func(g, _ string) map[string]any {
			return map[string]any{"groupID": g, "userID": "m2", "seconds": 60}
		}},
		{"mute admin", "group.mute", func(g, _ string) map[string]any {
			return map[string]any{"groupID": g, "userID": "adm", "seconds": 60}
		}},
		{"edit profile", "group.setInfo", func(g, _ string) map[string]any { return map[string]any{"groupID": g, "groupName": "new"} }},
		{"mute all", "group.muteAll", func(g, _ string) map[string]any { return map[string]any{"groupID": g, "mute": true} }},
		{"invite", "group.invite", func(g, _ string) map[string]any { return map[string]any{"groupID": g, "userIDs": []string{"out"}} }},
		{"grant admin", "group.setMemberInfo", func(g, _ string) map[string]any {
			return map[string]any{"groupID": g, "userID": "m2", "role": rules.RoleAdmin}
		}},
		{"transfer", "group.transferOwner", func(g, _ string) map[string]any { return map[string]any{"groupID": g, "userID": "m2"} }},
		{"dismiss", "group.dismiss", func(g, _ string) map[string]any { return map[string]any{"groupID": g} }},
		{"quit", "group.quit", func(g, _ string) map[string]any { return map[string]any{"groupID": g} }},
		{"name card of another", "group.setMemberInfo", func(g, _ string) map[string]any {
			return map[string]any{"groupID": g, "userID": "m2", "nameCard": "x"}
		}},
		{"own name card", "group.setMemberInfo", func(g, actor string) map[string]any {
			return map[string]any{"groupID": g, "userID": actor, "nameCard": "me"}
		}},
		{"member list", "group.getMembers", func(g, _ string) map[string]any { return map[string]any{"groupID": g} }},
		{"send", "msg.send", func(g, actor string) map[string]any {
			return map[string]any{"groupID": g, "random": 1, "body": text("hi from " + actor)}
		}},
	}
	// owner, admin, common member: y done, n 10007, - not applicable
	// (Work groups have no admins).
	matrix := map[string]map[string]string{
		"Work": {
			"kick member": "y-n", "kick admin": "---", "mute member": "n-n", "mute admin": "---", "edit profile": "y-y",
			"mute all": "n-n", "invite": "y-y", "grant admin": "n-n", "transfer": "y-n", "dismiss": "n-n", "quit": "y-y",
			"name card of another": "y-n", "own name card": "y-y", "member list": "y-y", "send": "y-y",
		},
		"Public": {
			"kick member": "yyn", "kick admin": "ynn", "mute member": "yyn", "mute admin": "ynn", "edit profile": "yyn",
			"mute all": "yyn", "invite": "nnn", "grant admin": "ynn", "transfer": "ynn", "dismiss": "ynn", "quit": "nyy",
			"name card of another": "yyn", "own name card": "yyy", "member list": "yyy", "send": "yyy",
		},
		"Meeting": {
			"kick member": "yyn", "kick admin": "ynn", "mute member": "yyn", "mute admin": "ynn", "edit profile": "yyn",
			"mute all": "yyn", "invite": "nnn", "grant admin": "ynn", "transfer": "ynn", "dismiss": "ynn", "quit": "nyy",
			"name card of another": "yyn", "own name card": "yyy", "member list": "yyy", "send": "yyy",
		},
		"Community": {
			"kick member": "yyn", "kick admin": "ynn", "mute member": "yyn", "mute admin": "ynn", "edit profile": "yyn",
			"mute all": "yyn", "invite": "yyy", "grant admin": "ynn", "transfer": "ynn", "dismiss": "ynn", "quit": "nyy",
			"name card of another": "yyn", "own name card": "yyy", "member list": "yyy", "send": "yyy",
		},
		"AVChatRoom": {
			"kick member": "nnn", "kick admin": "nnn", "mute member": "yyn", "mute admin": "ynn", "edit profile": "ynn",
			"mute all": "yyn", "invite": "nnn", "grant admin": "ynn", "transfer": "nnn", "dismiss": "ynn", "quit": "nyy",
			"name card of another": "nnn", "own name card": "nnn", "member list": "yyy", "send": "yyy",
		},
	}
	actors := []string{"owner", "adm", "m1"}
	n := 0
	for _, typ := range []string{"Work", "Public", "Meeting", "Community", "AVChatRoom"} {
		for _, o := range ops {
			cells := matrix[typ][o.name]
			if len(cells) != 3 {
				t.Fatalf("%s %s: no expectation", typ, o.name)
			}
			for i, actor := range actors {
				want := cells[i]
				if want == '-' {
					continue
				}
				n++
				g := fmt.Sprintf("%s-%d", strings.ToLower(typ), n)
				f.makeGroup(t, g, typ)
				code, out := f.clients[actor].call(o.op, o.data(g, actor))
				switch {
				case want == 'y' && code != 0:
					t.Errorf("%s: %s by %s: %d %v, want done", typ, o.name, actor, code, out)
				case want == 'n' && code != group.CodeNoPermission:
					t.Errorf("%s: %s by %s: %d %v, want 10007", typ, o.name, actor, code, out)
				}
			}
		}
	}
	// An outsider is neither a member nor the app's admin.
	f.makeGroup(t, "pub-outside", "Public")
	for _, tc := range []struct {
		op   string
		data map[string]any
		want int
	}{
		{"group.getMembers", map[string]any{"groupID": "pub-outside"}, group.CodeNoPermission},
		{"group.setInfo", map[string]any{"groupID": "pub-outside", "groupName": "x"}, group.CodeNoPermission},
		{"msg.send", map[string]any{"groupID": "pub-outside", "random": 1, "body": text("x")}, group.CodeNoPermission},
		{"msg.history", map[string]any{"conversationID": "group_pub-outside"}, group.CodeNoPermission},
		{"group.getInfo", map[string]any{"groupIDs": []string{"pub-outside"}}, 0},
		{"group.quit", map[string]any{"groupID": "nope"}, group.CodeNoSuchGroup},
		{"group.join", map[string]any{"groupID": "nope"}, group.CodeNoSuchGroup},
	} {
		if code, out := f.clients["out"].call(tc.op, tc.data); code != tc.want {
			t.Errorf("outsider %s %v: %d %v, want %d", tc.op, tc.data, code, out, tc.want)
		}
	}
}

// Bad input is refused with the group service's codes and changes
// nothing: IDs and lengths at creation, filters and pages of the member
// list, roles, mute times, a msg.* request naming a non-group conversation.
func TestGroupSocketValidation(t *testing.T) {
	f := newGroupFixture(t)
	owner := f.clients["owner"]
	f.makeGroup(t, "pub", "Public")
	for _, tc := range []struct {
		name string
		op   string
		data map[string]any
		want int
	}{
		{"unknown type", "group.create", map[string]any{"groupType": "BChatRoom", "groupName": "n"}, group.CodeInvalidParam},
		{"no name", "group.create", map[string]any{"groupType": "Public"}, group.CodeInvalidParam},
		{"name 31 bytes", "group.create", map[string]any{"groupType": "Public", "groupName": strings.Repeat("n", 31)}, group.CodeInvalidParam},
		{"reserved ID prefix", "group.create", map[string]any{"groupID": "@TGS#mine", "groupType": "Public", "groupName": "n"}, group.CodeBadGroupID},
		{"taken ID", "group.create", map[string]any{"groupID": "pub", "groupType": "Public", "groupName": "n"}, group.CodeGroupIDTaken},
		{"introduction 241", "group.setInfo", map[string]any{"groupID": "pub", "introduction": strings.Repeat("i", 241)}, group.CodeInvalidParam},
		{"bad filter", "group.getMembers", map[string]any{"groupID": "pub", "filter": 8}, group.CodeInvalidParam},
		{"negative page", "group.getMembers", map[string]any{"groupID": "pub", "nextSeq": -1}, group.CodeInvalidParam},
		{"owner role", "group.setMemberInfo", map[string]any{"groupID": "pub", "userID": "m1", "role": rules.RoleOwner}, group.CodeInvalidParam},
		{"no mute time", "group.mute", map[string]any{"groupID": "pub", "userID": "m1"}, group.CodeInvalidParam},
		{"negative mute time", "group.mute", map[string]any{"groupID": "pub", "userID": "m1", "seconds": -1}, group.CodeInvalidParam},
		{"no mute flag", "group.muteAll", map[string]any{"groupID": "pub"}, 6017},
		{"c2c conversation ID", "msg.history", map[string]any{"conversationID": "c2c_m1"}, 6017},
		{"both to and groupID", "msg.send", map[string]any{"to": "m1", "groupID": "pub", "random": 1, "body": text("x")}, 6017},
		{"undeclared member field", "group.setMemberInfo", map[string]any{"groupID": "pub", "userID": "owner", "customInfo": map[string]string{"rank": "1"}}, group.CodeInvalidParam},
	} {
		if code, out := owner.call(tc.op, tc.data); code != tc.want {
			t.Errorf("%s: %d %v, want %d", tc.name, code, out, tc.want)
		}
	}
	info := owner.mustCall("group.getInfo", map[string]any{"groupIDs": []string{"pub"}})
	g := info["results"].([]any)[0].(map[string]any)["groupInfo"].(map[string]any)
	if g["groupName"] != "n" || g["introduction"] != "" || g["groupType"] != "Public" || g["memberCount"] != float64(4) ||
		g["joinOption"] != rules.NeedPermission || g["owner"] != "owner" {
		t.Fatalf("group info after refused changes: %v", g)
	}
}

// The joined list, the member pages by role and member profiles read back
// what the ops wrote; a join needing approval is an application that one
// handler takes, and the applicant's socket hears the outcome.
func TestGroupSocketReadsAndApplications(t *testing.T) {
	f := newGroupFixture(t)
	owner, adm, out := f.clients["owner"], f.clients["adm"], f.clients["out"]
	f.makeGroup(t, "pub", "Public")
	f.makeGroup(t, "room", "AVChatRoom")
	owner.mustCall("group.setMemberInfo", map[string]any{"groupID": "pub", "userID": "m1", "nameCard": "Mia", "customInfo": map[string]string{"level": "3"}})

	list := owner.mustCall("group.getJoinedList", map[string]any{})["groups"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["groupID"] != "pub" || list[0].(map[string]any)["role"] != float64(rules.RoleOwner) {
		t.Fatalf("joined list %v: want pub as owner (an AVChatRoom is not listed)", list)
	}
	page := owner.mustCall("group.getMembers", map[string]any{"groupID": "pub", "filter": 2})
	if ms := page["members"].([]any); len(ms) != 1 || ms[0].(map[string]any)["userID"] != "adm" || page["memberCount"] != float64(4) {
		t.Fatalf("admins page %v", page)
	}
	var seen []string
	next := 0.0
	for range 4 {
		page := owner.mustCall("group.getMembers", map[string]any{"groupID": "pub", "nextSeq": next, "count": 3})
		for _, m := range page["members"].([]any) {
			seen = append(seen, m.(map[string]any)["userID"].(string))
		}
		if next = page["nextSeq"].(float64); next == 0 {
			break
		}
	}
	slices.Sort(seen)
	if !slices.Equal(seen, []string{"adm", "m1", "m2", "owner"}) {
		t.Fatalf("paged members %v", seen)
	}
	ms := adm.mustCall("group.getMemberInfo", map[string]any{"groupID": "pub", "userIDs": []string{"m1", "out"}})["members"].([]any)
	if len(ms) != 1 || ms[0].(map[string]any)["nameCard"] != "Mia" || ms[0].(map[string]any)["customInfo"].(map[string]any)["level"] != "3" {
		t.Fatalf("member info %v", ms)
	}

	if st := out.mustCall("group.join", map[string]any{"groupID": "pub", "message": "let me in"})["status"]; st != "awaitingApproval" {
		t.Fatalf("join status %v", st)
	}
	apps := adm.mustCall("group.getApplications", map[string]any{})["applications"].([]any)
	if len(apps) != 1 || apps[0].(map[string]any)["fromUser"] != "out" || apps[0].(map[string]any)["requestMsg"] != "let me in" {
		t.Fatalf("applications %v", apps)
	}
	if code, _ := f.clients["m1"].call("group.acceptApplication", map[string]any{"groupID": "pub", "fromUser": "out"}); code != group.CodeNoPermission {
		t.Fatalf("a common member accepted: %d", code)
	}
	adm.mustCall("group.acceptApplication", map[string]any{"groupID": "pub", "fromUser": "out"})
	if code, _ := owner.call("group.refuseApplication", map[string]any{"groupID": "pub", "fromUser": "out"}); code != group.CodeNoPermission {
		t.Fatalf("a handled application was handled twice: %d", code)
	}
	if p := out.push("group.application_accepted"); p["seq"] == float64(0) {
		t.Fatalf("application outcome without a seq: %v", p)
	}
	out.mustCall("msg.send", map[string]any{"groupID": "pub", "random": 1, "body": text("thanks")})
}

// Every group push of a client-made change reaches every online session
// of every member it names, both devices of one member and the other
// members' devices, but not the session that made it; a kicked member's
// devices hear the kick and then nothing of the group.
func TestGroupSocketMultiDevicePushes(t *testing.T) {
	f := newGroupFixture(t)
	f.makeGroup(t, "pub", "Public")
	m1Web := dial(t, f.s)
	m1Web.login(f.s, "m1", "Web")
	m1iOS, m2, owner, adm := f.clients["m1"], f.clients["m2"], f.clients["owner"], f.clients["adm"]
	listeners := []*client{m1iOS, m1Web, m2, adm}

	expect := func(kind string, check func(d map[string]any) bool) {
		t.Helper()
		for _, c := range listeners {
			p := c.push(kind)
			if d := p["data"].(map[string]any); d["groupID"] != "pub" || !check(d) {
				t.Fatalf("%s push %v", kind, d)
			}
		}
		owner.noPush(kind) // the session that made the change
	}
	has := func(key, want string) func(d map[string]any) bool {
		return func(d map[string]any) bool { return fmt.Sprint(d[key]) == want }
	}
	owner.mustCall("group.setInfo", map[string]any{"groupID": "pub", "notification": "read me"})
	expect("group.info_changed", has("notification", "read me"))
	if code, _ := owner.call("group.invite", map[string]any{"groupID": "pub", "userIDs": []string{"out"}}); code != group.CodeNoPermission {
		t.Fatalf("a client invited to a Public group: %d", code)
	}
	owner.mustCall("group.setMemberInfo", map[string]any{"groupID": "pub", "userID": "m2", "role": rules.RoleAdmin})
	expect("group.admin_granted", has("userIDs", "[m2]"))
	owner.mustCall("group.mute", map[string]any{"groupID": "pub", "userID": "m1", "seconds": 600})
	expect("group.member_changed", func(d map[string]any) bool {
		m := d["members"].([]any)[0].(map[string]any)
		return m["userID"] == "m1" && m["muteUntil"].(float64) > 0
	})
	if code, _ := m1Web.call("msg.send", map[string]any{"groupID": "pub", "random": 1, "body": text("muted")}); code != group.CodeMuted {
		t.Fatalf("a muted member sent: %d", code)
	}
	owner.mustCall("group.muteAll", map[string]any{"groupID": "pub", "mute": true})
	expect("group.info_changed", has("muteAll", "true"))

	sent := owner.mustCall("msg.send", map[string]any{"groupID": "pub", "random": 7, "body": text("hello all")})["message"].(map[string]any)
	expect("msg.new", has("seq", "1"))
	owner.mustCall("msg.recall", map[string]any{"groupID": "pub", "msgKey": sent["msgKey"]})
	expect("msg.recalled", has("seq", "1"))

	owner.mustCall("group.kick", map[string]any{"groupID": "pub", "userIDs": []string{"m1"}})
	listeners = []*client{m2, adm}
	expect("group.member_kicked", has("userIDs", "[m1]"))
	// The kicked member's devices hear it on their own change log (the
	// group push races their removal from the group's sessions).
	for _, c := range []*client{m1iOS, m1Web} {
		if p := c.push("group.kicked"); p["seq"] == float64(0) || fmt.Sprint(p["data"].(map[string]any)["userIDs"]) != "[group_pub owner]" {
			t.Fatalf("kicked push %v", p)
		}
	}
	owner.mustCall("group.setInfo", map[string]any{"groupID": "pub", "introduction": "after the kick"})
	for _, c := range []*client{m2, adm} {
		c.push("group.info_changed")
	}
	m1iOS.noPush("group.info_changed")
	m1Web.noPush("group.info_changed")

	owner.mustCall("group.dismiss", map[string]any{"groupID": "pub"})
	for _, c := range []*client{m2, adm} {
		c.push("group.dismissed")
	}
}

// Group messages through the socket: sends by groupID and by conversation
// ID, seqs per group, history (both directions), the read cursor and the
// conversation's unread count, and one-to-one messages unchanged.
func TestGroupSocketMessages(t *testing.T) {
	f := newGroupFixture(t)
	f.makeGroup(t, "work", "Work")
	owner, m1 := f.clients["owner"], f.clients["m1"]
	for i := range 5 {
		data := map[string]any{"random": i, "body": text(fmt.Sprint("w", i))}
		if i%2 == 0 {
			data["groupID"] = "work"
		} else {
			data["conversationID"] = "group_work"
		}
		m := owner.mustCall("msg.send", data)["message"].(map[string]any)
		if m["seq"] != float64(i+1) || m["groupID"] != "work" || m["to"] != "" {
			t.Fatalf("send %d: %v", i, m)
		}
	}
	msgs := m1.mustCall("msg.history", map[string]any{"groupID": "work", "ascending": true, "seq": 2, "count": 2})["messages"].([]any)
	if len(msgs) != 2 || msgs[0].(map[string]any)["seq"] != float64(2) || msgs[1].(map[string]any)["seq"] != float64(3) {
		t.Fatalf("ascending history %v", msgs)
	}
	msgs = m1.mustCall("msg.history", map[string]any{"conversationID": "group_work"})["messages"].([]any)
	if len(msgs) != 5 || msgs[0].(map[string]any)["seq"] != float64(5) {
		t.Fatalf("newest-first history %v", msgs)
	}
	unread := func() float64 {
		for _, c := range m1.mustCall("conversation.list", map[string]any{})["conversations"].([]any) {
			if c := c.(map[string]any); c["conversationID"] == "group_work" {
				return c["unreadCount"].(float64)
			}
		}
		t.Fatal("group_work not in m1's conversation list")
		return 0
	}
	if u := unread(); u != 5 {
		t.Fatalf("unread %v, want 5", u)
	}
	m1.mustCall("msg.read", map[string]any{"groupID": "work", "seq": 3})
	if u := unread(); u != 2 {
		t.Fatalf("unread after reading to 3: %v, want 2", u)
	}
	first := msgs[4].(map[string]any)
	if code, _ := m1.call("msg.recall", map[string]any{"groupID": "work", "msgKey": first["msgKey"]}); code == 0 {
		t.Fatal("a member recalled another's message")
	}
	// One-to-one behaviour is unchanged.
	c2c := owner.mustCall("msg.send", map[string]any{"to": "m1", "random": 1, "body": text("direct")})["message"].(map[string]any)
	if c2c["to"] != "m1" || c2c["groupID"] != nil || c2c["seq"] != float64(1) {
		t.Fatalf("one-to-one send %v", c2c)
	}
	if msgs := m1.mustCall("msg.history", map[string]any{"userID": "owner"})["messages"].([]any); len(msgs) != 1 {
		t.Fatalf("one-to-one history %v", msgs)
	}
}
