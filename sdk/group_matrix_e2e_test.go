package sdk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/storetest"
)

// The group rule matrix (seed inventory §8.2, §8.4, §8.5; encoded in
// internal/group/rules) through both doors of one running node, on each
// storage engine: every row is one operation by one role, with the outcome
// per group type through the Go SDK (the WebSocket gateway, V2TIM-shaped
// GroupManager calls) and through REST (group_open_http_svc). Each cell is
// run on a fresh group of its type set up the same way for both doors, and
// its outcome is the answer's code and what the call changed:
//
//	0        done, and the group's state changed
//	noop     done, nothing to change (a kick of a non-member)
//	online   a message delivered to the members online and not stored
//	10007 …  refused with that Tencent code, and nothing changed
//	pending  a join that filed an application (NeedPermission)
//	sees     history: the message sent before the join is in it
//	hidden   history: it is not
//	unread N the member's unread count after two messages
//	-        not applicable (Work groups have no admins; REST has no call)
//
// A success that changed nothing, or a refusal that changed something,
// shows as a different outcome, so every cell can fail.
//
// REST acts as the app's admin for every group command but the sender of
// send_group_msg (From_Account) and the owner of create_group
// (Owner_Account): the column restAs, the REST operator, says per row what
// the REST variant is. Where it is the role (create, and send by members),
// both doors give the same outcome; where it is the admin, the REST outcome
// is the admin's rule (whatever the type allows anyone: add to a Public
// group, kick an admin, dismiss a Work group), and an AVChatRoom refuses
// what it refuses everyone (kick, invite, transfer) and what the REST API
// does not serve for it (modify_group_member_info, group_msg_get_simple).

// The matrix's columns, in the task's order, by the SDK's and REST's names.
var (
	mxSDKTypes  = [5]string{GroupTypeWork, GroupTypePublic, GroupTypeMeeting, GroupTypeAVChatRoom, GroupTypeCommunity}
	mxRESTTypes = [5]string{"Private", "Public", "ChatRoom", "AVChatRoom", "Community"}
)

// The cast: every group of the matrix starts with owner, the admins adm
// and adm2 (common members in a Work group, which has no admins) and the
// common members m1 and m2; out is in none, app applies to join, late
// joins after a message.
const (
	mxOwner     = "owner"
	mxAdmin     = "adm"
	mxAdmin2    = "adm2"
	mxMember    = "m1"
	mxMember2   = "m2"
	mxOutsider  = "out"
	mxApplicant = "app"
	mxLate      = "late"
)

var mxCast = []string{mxOwner, mxAdmin, mxAdmin2, mxMember, mxMember2, mxOutsider, mxApplicant, mxLate}

// REST operators.
const (
	restAsAdmin   = "app admin"
	restAsOwner   = "app admin, Owner_Account = the creator"
	restAsSender  = "app admin, From_Account = the role"
	restAdminAdds = "none (no join call); the app admin adds: add_group_member"
	restAdminDels = "none (no quit call); the app admin removes: delete_group_member"
	restAdminRead = "none (no member's history); the app admin reads it all: group_msg_get_simple"
	restNoApply   = "none: no REST call handles a join application"
	restNoUnread  = "none: no REST call reads a member's unread count"
)

type mxRow struct {
	op            string // a key of mxOps
	role          string // who acts on whom
	actor, target string
	sdk           string // outcomes: Work Public Meeting AVChatRoom Community
	restAs        string // the REST operator
	rest          string // outcomes through REST
}

var mxTable = []mxRow{
	// Create with an initial member (AVChatRoom: none, the creator joins
	// after; 10004).
	{"create", "any user creates with m1", mxOwner, mxMember, "0 0 0 10004 0", restAsOwner, "0 0 0 10004 0"},

	// Join by request: Work by invitation only; Public by its default
	// join option, NeedPermission; the rest at once.
	{"join", "non-member joins", mxOutsider, "", "10007 pending 0 0 0", restAdminAdds, "0 0 0 10007 0"},
	{"joinDisabled", "non-member joins, applications disabled", mxOutsider, "", "10007 10007 0 0 10007", restAdminAdds, "0 0 0 10007 0"},

	// Invite: Work and Community members; Public and Meeting the app's
	// admin only; AVChatRoom nobody.
	{"invite", "owner invites", mxOwner, mxOutsider, "0 10007 10007 10007 0", restAsAdmin, "0 0 0 10007 0"},
	{"invite", "admin invites", mxAdmin, mxOutsider, "- 10007 10007 10007 0", restAsAdmin, "- 0 0 10007 0"},
	{"invite", "member invites", mxMember, mxOutsider, "0 10007 10007 10007 0", restAsAdmin, "0 0 0 10007 0"},
	{"invite", "non-member invites", mxOutsider, mxApplicant, "10007 10007 10007 10007 10007", restAsAdmin, "0 0 0 10007 0"},

	// Quit: only a Work group's owner may leave it.
	{"quit", "owner quits", mxOwner, "", "0 10007 10007 10007 10007", restAdminDels, "0 0 0 10007 0"},
	{"quit", "admin quits", mxAdmin, "", "- 0 0 0 0", restAdminDels, "- 0 0 10007 0"},
	{"quit", "member quits", mxMember, "", "0 0 0 0 0", restAdminDels, "0 0 0 10007 0"},
	{"quit", "non-member quits", mxOutsider, "", "10007 10007 10007 10007 10007", restAdminDels, "noop noop noop 10007 noop"},

	// Kick: Work's owner; elsewhere the owner and admins, an admin common
	// members only; AVChatRoom nobody (mute instead).
	{"kick", "owner kicks member", mxOwner, mxMember2, "0 0 0 10007 0", restAsAdmin, "0 0 0 10007 0"},
	{"kick", "owner kicks admin", mxOwner, mxAdmin, "- 0 0 10007 0", restAsAdmin, "- 0 0 10007 0"},
	{"kick", "admin kicks admin", mxAdmin, mxAdmin2, "- 10007 10007 10007 10007", restAsAdmin, "- 0 0 10007 0"},
	{"kick", "admin kicks member", mxAdmin, mxMember2, "- 0 0 10007 0", restAsAdmin, "- 0 0 10007 0"},
	{"kick", "member kicks member", mxMember, mxMember2, "10007 10007 10007 10007 10007", restAsAdmin, "0 0 0 10007 0"},
	{"kick", "non-member kicks member", mxOutsider, mxMember2, "10007 10007 10007 10007 10007", restAsAdmin, "0 0 0 10007 0"},

	// Kick with a duration, a ban: an AVChatRoom's owner (REST
	// ban_group_member, the app's admin); no other type has bans. A banned
	// user cannot join again.
	{"ban", "owner bans member", mxOwner, mxMember2, "10007 10007 10007 0 10007", restAsAdmin, "10007 10007 10007 0 10007"},
	{"ban", "admin bans member", mxAdmin, mxMember2, "- 10007 10007 10007 10007", restAsAdmin, "- 10007 10007 0 10007"},
	{"ban", "member bans member", mxMember, mxMember2, "10007 10007 10007 10007 10007", restAsAdmin, "10007 10007 10007 0 10007"},
	{"ban", "non-member bans member", mxOutsider, mxMember2, "10007 10007 10007 10007 10007", restAsAdmin, "10007 10007 10007 0 10007"},
	{"rejoinBanned", "banned member joins", mxMember2, "", "- - - 10007 -", restAdminAdds, "- - - 10007 -"},

	// Mute a member: not in Work groups; the owner and admins, an admin
	// common members only.
	{"mute", "owner mutes member", mxOwner, mxMember2, "10007 0 0 0 0", restAsAdmin, "10007 0 0 0 0"},
	{"mute", "owner mutes admin", mxOwner, mxAdmin, "- 0 0 0 0", restAsAdmin, "- 0 0 0 0"},
	{"mute", "admin mutes admin", mxAdmin, mxAdmin2, "- 10007 10007 10007 10007", restAsAdmin, "- 0 0 0 0"},
	{"mute", "admin mutes member", mxAdmin, mxMember2, "- 0 0 0 0", restAsAdmin, "- 0 0 0 0"},
	{"mute", "member mutes member", mxMember, mxMember2, "10007 10007 10007 10007 10007", restAsAdmin, "10007 0 0 0 0"},
	{"mute", "non-member mutes member", mxOutsider, mxMember2, "10007 10007 10007 10007 10007", restAsAdmin, "10007 0 0 0 0"},

	// Mute all: the owner and admins, not in Work groups.
	{"muteAll", "owner mutes all", mxOwner, "", "10007 0 0 0 0", restAsAdmin, "10007 0 0 0 0"},
	{"muteAll", "admin mutes all", mxAdmin, "", "- 0 0 0 0", restAsAdmin, "- 0 0 0 0"},
	{"muteAll", "member mutes all", mxMember, "", "10007 10007 10007 10007 10007", restAsAdmin, "10007 0 0 0 0"},
	{"muteAll", "non-member mutes all", mxOutsider, "", "10007 10007 10007 10007 10007", restAsAdmin, "10007 0 0 0 0"},

	// Set an admin: the owner, where the type has admins (REST's
	// modify_group_member_info is not for AVChatRoom groups).
	{"setAdmin", "owner makes m2 admin", mxOwner, mxMember2, "10007 0 0 0 0", restAsAdmin, "10007 0 0 10007 0"},
	{"setAdmin", "admin makes m2 admin", mxAdmin, mxMember2, "- 10007 10007 10007 10007", restAsAdmin, "- 0 0 10007 0"},
	{"setAdmin", "member makes m2 admin", mxMember, mxMember2, "10007 10007 10007 10007 10007", restAsAdmin, "10007 0 0 10007 0"},
	{"setAdmin", "non-member makes m2 admin", mxOutsider, mxMember2, "10007 10007 10007 10007 10007", restAsAdmin, "10007 0 0 10007 0"},

	// Transfer the ownership: the owner, not in an AVChatRoom.
	{"transfer", "owner transfers to m2", mxOwner, mxMember2, "0 0 0 10007 0", restAsAdmin, "0 0 0 10007 0"},
	{"transfer", "admin transfers to m2", mxAdmin, mxMember2, "- 10007 10007 10007 10007", restAsAdmin, "- 0 0 10007 0"},
	{"transfer", "member transfers to m2", mxMember, mxMember2, "10007 10007 10007 10007 10007", restAsAdmin, "0 0 0 10007 0"},
	{"transfer", "non-member transfers to m2", mxOutsider, mxMember2, "10007 10007 10007 10007 10007", restAsAdmin, "0 0 0 10007 0"},

	// Modify the profile: any Work member; an AVChatRoom's owner; the
	// owner and admins elsewhere.
	{"profile", "owner renames", mxOwner, "", "0 0 0 0 0", restAsAdmin, "0 0 0 0 0"},
	{"profile", "admin renames", mxAdmin, "", "- 0 0 10007 0", restAsAdmin, "- 0 0 0 0"},
	{"profile", "member renames", mxMember, "", "0 10007 10007 10007 10007", restAsAdmin, "0 0 0 0 0"},
	{"profile", "non-member renames", mxOutsider, "", "10007 10007 10007 10007 10007", restAsAdmin, "0 0 0 0 0"},

	// Approve an application (Public by default, Community set to
	// NeedPermission): the owner and admins; the other types take none.
	{"approve", "owner accepts", mxOwner, mxApplicant, "10007 0 10007 10007 0", restNoApply, "- - - - -"},
	{"approve", "admin accepts", mxAdmin, mxApplicant, "- 0 10007 10007 0", restNoApply, "- - - - -"},
	{"approve", "member accepts", mxMember, mxApplicant, "10007 10007 10007 10007 10007", restNoApply, "- - - - -"},
	{"approve", "non-member accepts", mxOutsider, mxApplicant, "10007 10007 10007 10007 10007", restNoApply, "- - - - -"},

	// Dismiss: never a Work group from a client; the owner elsewhere.
	{"dismiss", "owner dismisses", mxOwner, "", "10007 0 0 0 0", restAsAdmin, "0 0 0 0 0"},
	{"dismiss", "admin dismisses", mxAdmin, "", "- 10007 10007 10007 10007", restAsAdmin, "- 0 0 0 0"},
	{"dismiss", "member dismisses", mxMember, "", "10007 10007 10007 10007 10007", restAsAdmin, "0 0 0 0 0"},
	{"dismiss", "non-member dismisses", mxOutsider, "", "10007 10007 10007 10007 10007", restAsAdmin, "0 0 0 0 0"},

	// Send a message: members; REST's From_Account need not be one.
	{"send", "owner sends", mxOwner, "", "0 0 0 online 0", restAsSender, "0 0 0 online 0"},
	{"send", "admin sends", mxAdmin, "", "- 0 0 online 0", restAsSender, "- 0 0 online 0"},
	{"send", "member sends", mxMember, "", "0 0 0 online 0", restAsSender, "0 0 0 online 0"},
	{"send", "non-member sends", mxOutsider, "", "10007 10007 10007 10007 10007", restAsSender, "0 0 0 online 0"},
	{"sendMuted", "muted member sends", mxMember, "", "- 10017 10017 10017 10017", restAsSender, "- 10017 10017 10017 10017"},
	{"sendAllMuted", "member sends, all muted", mxMember, "", "- 10017 10017 10017 10017", restAsSender, "- 10017 10017 10017 10017"},
	{"sendAllMuted", "admin sends, all muted", mxAdmin, "", "- 0 0 online 0", restAsSender, "- 0 0 online 0"},

	// History from before the join: Meeting and Community show it;
	// AVChatRoom stores none.
	{"history", "late joiner reads", mxLate, "", "hidden hidden sees hidden sees", restAdminRead, "sees sees sees 10007 sees"},

	// Unread: not counted in Meeting and AVChatRoom groups.
	{"unread", "member after 2 messages", mxMember, "", "unread 2 unread 2 unread 0 unread 0 unread 2", restNoUnread, "- - - - -"},
}

// mxEnv is the node under test and a logged-in device per user of the
// cast; inbox hears the group messages m2's device receives.
type mxEnv struct {
	n     *node
	devs  map[string]*device
	inbox *mxInbox
	ctx   context.Context
	ids   atomic.Int64
}

// mxInbox records the group messages a device receives, by group and
// text, for a test to wait for one.
type mxInbox struct {
	BaseAdvancedMsgListener
	mu   sync.Mutex
	got  map[string]bool
	wake chan struct{} // closed and replaced on each message
}

func newMXInbox() *mxInbox { return &mxInbox{got: map[string]bool{}, wake: make(chan struct{})} }

func (b *mxInbox) OnRecvNewMessage(m *Message) {
	for _, el := range m.Elems {
		if te, ok := el.(*TextElem); ok {
			b.mu.Lock()
			b.got[m.GroupID+"/"+te.Text] = true
			close(b.wake)
			b.wake = make(chan struct{})
			b.mu.Unlock()
		}
	}
}

// received waits until the message text of groupID has arrived, or the
// test's wait bound passed.
func (b *mxInbox) received(groupID, text string) bool {
	deadline := time.After(waitTimeout)
	for {
		b.mu.Lock()
		got, wake := b.got[groupID+"/"+text], b.wake
		b.mu.Unlock()
		if got {
			return true
		}
		select {
		case <-wake:
		case <-deadline:
			return false
		}
	}
}

// mxDoor is the door a cell goes through.
type mxDoor int

const (
	doorSDK mxDoor = iota
	doorREST
)

func (d mxDoor) String() string { return [...]string{"SDK", "REST"}[d] }

// mxCell is one cell: a fresh group of a type and a row's operation
// through one door.
type mxCell struct {
	e                     *mxEnv
	door                  mxDoor
	sdkType, restType, id string
	actor, target         string
}

// mxOp is an operation of the matrix: setup, if any, after the base group
// exists; run through the cell's door, returning its outcome.
type mxOp struct {
	noBase bool // the operation creates the group itself
	// delivers: a success that stores nothing is "online" (an
	// AVChatRoom's messages), not "noop".
	delivers bool
	setup    func(t *testing.T, c *mxCell)
	run      func(t *testing.T, c *mxCell) string
}

// mxCode is a call's outcome: "0" or the Tencent code of its error.
func mxCode(err error) string {
	if err == nil {
		return "0"
	}
	var e *Error
	if errors.As(err, &e) {
		return strconv.Itoa(e.Code)
	}
	return "not an SDK error: " + err.Error()
}

func restCode(resp map[string]any) string { return strconv.Itoa(resttest.Code(resp)) }

func (c *mxCell) dev() *device { return c.e.devs[c.actor] }

func (c *mxCell) rest(api string, body map[string]any) map[string]any {
	body["GroupId"] = c.id
	return c.e.n.Call("group_open_http_svc/"+api, body)
}

func (c *mxCell) mustREST(t *testing.T, api string, body map[string]any) {
	t.Helper()
	if resp := c.rest(api, body); resttest.Code(resp) != 0 {
		t.Fatalf("%s setup %s: %v", c.id, api, resp)
	}
}

// restSend sends a text message through REST as from.
func (c *mxCell) restSend(from, text string) map[string]any {
	return c.rest("send_group_msg", map[string]any{"From_Account": from, "Random": c.e.ids.Add(1),
		"MsgBody": []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": text}}}})
}

// base creates the cell's group with the cast: through REST, but an
// AVChatRoom, which takes no initial members, is joined by each member's
// device and its admins are made by the owner's.
func (c *mxCell) base(t *testing.T) {
	t.Helper()
	if c.sdkType == GroupTypeAVChatRoom {
		c.mustREST(t, "create_group", map[string]any{"Type": c.restType, "Name": "matrix", "Owner_Account": mxOwner})
		for _, u := range []string{mxAdmin, mxAdmin2, mxMember, mxMember2} {
			if joined, err := c.e.devs[u].Group().JoinGroup(c.e.ctx, c.id, ""); err != nil || !joined {
				t.Fatalf("%s setup: %s joins: %v %v", c.id, u, joined, err)
			}
		}
		for _, u := range []string{mxAdmin, mxAdmin2} {
			if err := c.e.devs[mxOwner].Group().SetGroupMemberRole(c.e.ctx, c.id, u, GroupMemberRoleAdmin); err != nil {
				t.Fatalf("%s setup: %s made admin: %v", c.id, u, err)
			}
		}
		return
	}
	adminRole := "Admin"
	if c.sdkType == GroupTypeWork {
		adminRole = "Member"
	}
	c.mustREST(t, "create_group", map[string]any{"Type": c.restType, "Name": "matrix", "Owner_Account": mxOwner,
		"MemberList": []map[string]any{{"Member_Account": mxAdmin, "Role": adminRole}, {"Member_Account": mxAdmin2, "Role": adminRole},
			{"Member_Account": mxMember}, {"Member_Account": mxMember2}}})
}

// admit makes user a member after the group's creation: the app's admin
// adds them, or, in an AVChatRoom (no adds), they join.
func (c *mxCell) admit(t *testing.T, user string) {
	t.Helper()
	if c.sdkType == GroupTypeAVChatRoom {
		if joined, err := c.e.devs[user].Group().JoinGroup(c.e.ctx, c.id, ""); err != nil || !joined {
			t.Fatalf("%s setup: %s joins: %v %v", c.id, user, joined, err)
		}
		return
	}
	c.mustREST(t, "add_group_member", map[string]any{"MemberList": []map[string]any{{"Member_Account": user}}})
}

// snapshot is what the cell's group is, read from the group service as
// the app's admin (door-neutral, and the same for every type): whether it
// exists, its owner, name, mute-all and last seq, and each of the cast's
// role and whether they are muted.
func (c *mxCell) snapshot(t *testing.T) string {
	t.Helper()
	n := c.e.n
	info, err := n.Node.Groups.Info(c.e.ctx, n.App, []string{c.id})
	if err != nil {
		t.Fatal(err)
	}
	if info[0].Err != nil {
		return fmt.Sprintf("no group (%d)", info[0].Err.Code)
	}
	g := info[0].Group
	members, err := n.Node.Groups.MembersInfo(c.e.ctx, n.App, group.Actor{User: resttest.Admin, AppAdmin: true}, c.id, mxCast)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(members, func(a, b store.GroupMember) int { return strings.Compare(a.User, b.User) })
	var b strings.Builder
	fmt.Fprintf(&b, "owner=%q name=%q muteAll=%v lastSeq=%d", g.Owner, g.Name, g.MuteAll, g.LastSeq)
	for _, m := range members {
		fmt.Fprintf(&b, " %s:%d", m.User, m.Role)
		if m.MuteUntil > 0 {
			b.WriteString(":muted")
		}
	}
	return b.String()
}

var mxOps = map[string]mxOp{
	"create": {noBase: true, run: func(t *testing.T, c *mxCell) string {
		if c.door == doorSDK {
			_, _, err := c.dev().Group().CreateGroup(c.e.ctx, GroupInfo{GroupID: c.id, GroupType: c.sdkType, GroupName: "matrix"},
				[]CreateGroupMember{{UserID: c.target}})
			return mxCode(err)
		}
		return restCode(c.rest("create_group", map[string]any{"Type": c.restType, "Name": "matrix", "Owner_Account": c.actor,
			"MemberList": []map[string]any{{"Member_Account": c.target}}}))
	}},
	"join": {run: mxJoin},
	"joinDisabled": {
		setup: func(t *testing.T, c *mxCell) {
			// Only Public and Community groups may change their join option.
			if c.sdkType == GroupTypePublic || c.sdkType == GroupTypeCommunity {
				c.mustREST(t, "modify_group_base_info", map[string]any{"ApplyJoinOption": "DisableApply"})
			}
		},
		run: mxJoin},
	"ban": {run: func(t *testing.T, c *mxCell) string {
		if c.door == doorREST {
			return restCode(c.rest("ban_group_member", map[string]any{"Members_Account": []string{c.target}, "Duration": 600}))
		}
		return mxCode(c.dev().Group().KickGroupMemberWithDuration(c.e.ctx, c.id, []string{c.target}, "matrix", 600))
	}},
	"rejoinBanned": {
		setup: func(t *testing.T, c *mxCell) {
			c.mustREST(t, "ban_group_member", map[string]any{"Members_Account": []string{c.actor}, "Duration": 600})
		},
		run: mxJoin},
	"invite": {run: func(t *testing.T, c *mxCell) string {
		if c.door == doorREST {
			return restCode(c.rest("add_group_member", map[string]any{"MemberList": []map[string]any{{"Member_Account": c.target}}}))
		}
		_, err := c.dev().Group().InviteUserToGroup(c.e.ctx, c.id, []string{c.target})
		return mxCode(err)
	}},
	"quit": {run: func(t *testing.T, c *mxCell) string {
		if c.door == doorREST {
			return restCode(c.rest("delete_group_member", map[string]any{"MemberToDel_Account": []string{c.actor}}))
		}
		return mxCode(c.dev().Group().QuitGroup(c.e.ctx, c.id))
	}},
	"kick": {run: func(t *testing.T, c *mxCell) string {
		if c.door == doorREST {
			return restCode(c.rest("delete_group_member", map[string]any{"MemberToDel_Account": []string{c.target}}))
		}
		return mxCode(c.dev().Group().KickGroupMember(c.e.ctx, c.id, []string{c.target}, "matrix"))
	}},
	"mute": {run: func(t *testing.T, c *mxCell) string {
		if c.door == doorREST {
			return restCode(c.rest("forbid_send_msg", map[string]any{"Members_Account": []string{c.target}, "MuteTime": 600}))
		}
		return mxCode(c.dev().Group().MuteGroupMember(c.e.ctx, c.id, c.target, 600))
	}},
	"muteAll": {run: func(t *testing.T, c *mxCell) string {
		if c.door == doorREST {
			return restCode(c.rest("modify_group_base_info", map[string]any{"MuteAllMember": "On"}))
		}
		return mxCode(c.dev().Group().MuteAllGroupMembers(c.e.ctx, c.id, true))
	}},
	"setAdmin": {run: func(t *testing.T, c *mxCell) string {
		if c.door == doorREST {
			return restCode(c.rest("modify_group_member_info", map[string]any{"Member_Account": c.target, "Role": "Admin"}))
		}
		return mxCode(c.dev().Group().SetGroupMemberRole(c.e.ctx, c.id, c.target, GroupMemberRoleAdmin))
	}},
	"transfer": {run: func(t *testing.T, c *mxCell) string {
		if c.door == doorREST {
			return restCode(c.rest("change_group_owner", map[string]any{"NewOwner_Account": c.target}))
		}
		return mxCode(c.dev().Group().TransferGroupOwner(c.e.ctx, c.id, c.target))
	}},
	"profile": {run: func(t *testing.T, c *mxCell) string {
		if c.door == doorREST {
			return restCode(c.rest("modify_group_base_info", map[string]any{"Name": "renamed"}))
		}
		name := "renamed"
		return mxCode(c.dev().Group().SetGroupInfo(c.e.ctx, c.id, GroupInfoChange{GroupName: &name}))
	}},
	"approve": {
		setup: func(t *testing.T, c *mxCell) {
			if c.sdkType == GroupTypeCommunity {
				c.mustREST(t, "modify_group_base_info", map[string]any{"ApplyJoinOption": "NeedPermission"})
			}
			// The application (Public, Community), or a refusal (Work), or
			// a join at once (Meeting, AVChatRoom): the types without
			// applications are still asked to accept one.
			c.e.devs[mxApplicant].Group().JoinGroup(c.e.ctx, c.id, "let me in")
		},
		run: func(t *testing.T, c *mxCell) string {
			return mxCode(c.dev().Group().AcceptGroupApplication(c.e.ctx, GroupApplication{GroupID: c.id, FromUser: c.target}))
		}},
	"dismiss": {run: func(t *testing.T, c *mxCell) string {
		if c.door == doorREST {
			return restCode(c.rest("destroy_group", map[string]any{}))
		}
		return mxCode(c.dev().Group().DismissGroup(c.e.ctx, c.id))
	}},
	"send": {delivers: true, run: mxSend},
	"sendMuted": {
		delivers: true,
		setup: func(t *testing.T, c *mxCell) {
			c.mustREST(t, "forbid_send_msg", map[string]any{"Members_Account": []string{mxMember}, "MuteTime": 600})
		},
		run: mxSend},
	"sendAllMuted": {
		delivers: true,
		setup: func(t *testing.T, c *mxCell) {
			c.mustREST(t, "modify_group_base_info", map[string]any{"MuteAllMember": "On"})
		},
		run: mxSend},
	"history": {
		setup: func(t *testing.T, c *mxCell) {
			if resp := c.restSend(mxOwner, "before the join"); resttest.Code(resp) != 0 {
				t.Fatalf("%s setup: send: %v", c.id, resp)
			}
			c.admit(t, mxLate)
		},
		run: func(t *testing.T, c *mxCell) string {
			if c.door == doorREST {
				resp := c.rest("group_msg_get_simple", map[string]any{"ReqMsgNumber": 20})
				if resttest.Code(resp) != 0 {
					return restCode(resp)
				}
				for _, m := range resttest.Items(resp, "RspMsgList") {
					if strings.Contains(fmt.Sprint(m["MsgBody"]), "before the join") {
						return "sees"
					}
				}
				return "hidden"
			}
			msgs, err := c.dev().Message().GetGroupHistoryMessageList(c.e.ctx, c.id, 20, nil)
			if err != nil {
				return mxCode(err)
			}
			for _, m := range msgs {
				for _, el := range m.Elems {
					if te, ok := el.(*TextElem); ok && te.Text == "before the join" {
						return "sees"
					}
				}
			}
			return "hidden"
		}},
	"unread": {
		setup: func(t *testing.T, c *mxCell) {
			for _, text := range []string{"one", "two"} {
				if resp := c.restSend(mxOwner, text); resttest.Code(resp) != 0 {
					t.Fatalf("%s setup: send: %v", c.id, resp)
				}
			}
		},
		run: func(t *testing.T, c *mxCell) string {
			conv, err := c.dev().Conversation().GetConversation(c.e.ctx, "group_"+c.id)
			if err != nil {
				return mxCode(err)
			}
			return fmt.Sprintf("unread %d", conv.UnreadCount)
		}},
}

// mxJoin is the actor's request to join; REST has none, its variant is
// the app's admin adding the actor.
func mxJoin(t *testing.T, c *mxCell) string {
	if c.door == doorREST {
		return restCode(c.rest("add_group_member", map[string]any{"MemberList": []map[string]any{{"Member_Account": c.actor}}}))
	}
	joined, err := c.dev().Group().JoinGroup(c.e.ctx, c.id, "let me in")
	if err != nil || joined {
		return mxCode(err)
	}
	// Not joined: the owner must see the application.
	apps, err := c.e.devs[mxOwner].Group().GetGroupApplicationList(c.e.ctx)
	if err != nil {
		return "pending, but the owner's list: " + mxCode(err)
	}
	for _, a := range apps {
		if a.GroupID == c.id && a.FromUser == c.actor {
			return "pending"
		}
	}
	return fmt.Sprintf("pending, but not in the owner's list %+v", apps)
}

// mxSend sends a text message as the cell's actor; a message sent must
// reach m2's device, whether the type stores it or not.
func mxSend(t *testing.T, c *mxCell) string {
	text := "from " + c.actor
	var got string
	if c.door == doorREST {
		got = restCode(c.restSend(c.actor, text))
	} else {
		_, err := c.dev().Message().SendGroupMessage(c.e.ctx, c.dev().Message().CreateTextMessage(text), c.id, SendOptions{})
		got = mxCode(err)
	}
	if got == "0" && !c.e.inbox.received(c.id, text) {
		return "0, but m2 never got it"
	}
	return got
}

// outcome runs one cell and names what happened: the call's outcome, and
// for a plain code, whether the group's state changed as it should.
func (c *mxCell) outcome(t *testing.T, op mxOp) string {
	t.Helper()
	if !op.noBase {
		c.base(t)
	}
	if op.setup != nil {
		op.setup(t, c)
	}
	before := c.snapshot(t)
	got := op.run(t, c)
	after := c.snapshot(t)
	if _, err := strconv.Atoi(got); err != nil {
		return got // a read's outcome, or an application
	}
	switch changed := before != after; {
	case got == "0" && !changed && op.delivers:
		return "online"
	case got == "0" && !changed:
		return "noop"
	case got != "0" && changed:
		return got + fmt.Sprintf(", but the group changed: %s -> %s", before, after)
	}
	return got
}

func TestE2EGroupRuleMatrix(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, st store.Store) {
		// The owner and the admin set up a fresh group set for every cell:
		// far more writes a second than a person makes, so the socket's
		// per-user limits (tested on their own) are off here.
		n := &node{resttest.StartOn(t, st, func(a *app.App) { a.ClientRateLimits = app.ClientRateLimits{} })}
		n.Import(mxCast...)
		e := &mxEnv{n: n, devs: map[string]*device{}, ctx: t.Context()}
		for _, u := range mxCast {
			e.devs[u] = n.device(t, u, PlatformAndroid)
		}
		e.inbox = newMXInbox()
		e.devs[mxMember2].Message().AddAdvancedMsgListener(e.inbox)
		for _, row := range mxTable {
			op, ok := mxOps[row.op]
			if !ok {
				t.Fatalf("row %q: no operation %q", row.role, row.op)
			}
			sdkWant, restWant := mxCells(row.sdk), mxCells(row.rest)
			if len(sdkWant) != 5 || len(restWant) != 5 {
				t.Fatalf("row %s/%s: want 5 outcomes per door: %q, %q", row.op, row.role, row.sdk, row.rest)
			}
			for i := range mxSDKTypes {
				for door, want := range [...]string{doorSDK: sdkWant[i], doorREST: restWant[i]} {
					if want == "-" {
						continue
					}
					c := &mxCell{e: e, door: mxDoor(door), sdkType: mxSDKTypes[i], restType: mxRESTTypes[i],
						id: fmt.Sprintf("mx%d", e.ids.Add(1)), actor: row.actor, target: row.target}
					if got := c.outcome(t, op); got != want {
						t.Errorf("%s: %s (%s) in %s through %s (REST operator: %s): %s, want %s",
							c.id, row.op, row.role, mxSDKTypes[i], c.door, row.restAs, got, want)
					}
					// Dismissed groups free the cast's joined-group count.
					n.Call("group_open_http_svc/destroy_group", map[string]any{"GroupId": c.id})
				}
			}
		}
	})
}

// mxCells splits a row's five outcomes; "unread N" is one outcome.
func mxCells(s string) []string {
	f := strings.Fields(s)
	var out []string
	for i := 0; i < len(f); i++ {
		if f[i] == "unread" && i+1 < len(f) {
			out = append(out, f[i]+" "+f[i+1])
			i++
			continue
		}
		out = append(out, f[i])
	}
	return out
}
