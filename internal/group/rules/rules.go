// Package rules is the group rule matrix, written once as data: how one
// joins each type of group, who may edit its profile, kick, mute and
// approve, whether its owner may quit, whether unread is counted, whether
// history from before a join is visible, whether messages are stored at
// all, its member caps and which join options may change (seed inventory
// §8.2, §8.4 and §8.5; seed 002's "Group Overview" wins where they
// disagree). The group service and the message core consult it; neither
// restates a rule. It is a leaf package so that both can.
package rules

import "github.com/parleyim/parley/internal/store"

// Tencent's group types as the REST API and the store name them (V2TIM's
// names in the comments).
const (
	Work       = "Private"  // Work
	Public     = "Public"   // Public
	Meeting    = "ChatRoom" // Meeting
	AVChatRoom = "AVChatRoom"
	Community  = "Community"
)

// Join options (ApplyJoinOption; V2TIM_GROUP_ADD_ANY, _AUTH, _FORBID).
const (
	FreeAccess     = "FreeAccess"
	NeedPermission = "NeedPermission"
	DisableApply   = "DisableApply"
)

// Who may do something in a group, by role. The app's admin (the REST
// API) may do whatever the type allows anyone to do.
type Who int

const (
	// Nobody: the type does not have the operation at all (Work groups
	// cannot mute); the app's admin is refused too.
	Nobody Who = iota
	// AppAdmin: only the app's admin (REST), no member.
	AppAdmin
	// Owner: the owner alone.
	Owner
	// OwnerAndAdmins: the owner, and admins over common members only (an
	// admin kicks or mutes a common member, never another admin or the
	// owner).
	OwnerAndAdmins
	// Members: any member.
	Members
)

// Rules is what one group type allows.
type Rules struct {
	Type string // the store's and REST's name
	// V2TIMName is the client SDK's name of the type.
	V2TIMName string

	// Join is who may join by request: JoinFree types admit at once
	// whatever the join option, JoinByOption types follow the group's join
	// option (FreeAccess admits, NeedPermission files an application for
	// the owner and admins, DisableApply refuses), JoinNever types refuse.
	Join JoinRule
	// DefaultJoinOption is the join option a new group gets.
	DefaultJoinOption string
	// JoinOptionMutable: the join option may be changed after creation.
	JoinOptionMutable bool
	// Invite is who may add other users (inviteUserToGroup,
	// add_group_member); the app's admin may add to any type but those
	// with Nobody.
	Invite Who
	// InitialMembers: members may be listed at creation (AVChatRoom: none;
	// the creator joins afterwards).
	InitialMembers bool

	// EditProfile is who may change name, introduction, notification,
	// face URL, join option and custom data.
	EditProfile Who
	// Kick is who may remove members.
	Kick Who
	// Mute is who may mute members (for N seconds) and mute all (set
	// through the profile, but under this rule: an AVChatRoom's admins may
	// mute all though only its owner edits the profile).
	Mute Who
	// Admins: the type has the admin role (set by the owner).
	Admins bool
	// SetMemberInfo: member profiles (name card, custom data) are stored
	// and may be set: by the member for themselves, by the owner and
	// admins for others.
	SetMemberInfo bool
	// Approve is who handles join applications.
	Approve Who
	// OwnerMayQuit: the owner may leave (the group goes on with no owner);
	// otherwise they must dismiss it or transfer ownership first.
	OwnerMayQuit bool
	// Dismiss is who may dismiss the group from a client; the app's admin
	// may dismiss any group.
	Dismiss Who
	// TransferOwner: ownership may be transferred (by the owner, or the
	// app's admin).
	TransferOwner bool

	// Unread: members' unread counts are kept (Meeting and AVChatRoom
	// count none).
	Unread bool
	// HistoryBeforeJoin: a member sees messages sent before their join.
	HistoryBeforeJoin bool
	// Stored: messages are stored (AVChatRoom: never; only online members
	// get them).
	Stored bool
	// Targeted: messages may be sent to some members only.
	Targeted bool
	// JoinedList: the type's groups are in the client's joined-group list
	// (AVChatRoom's are not; nor are topic-enabled communities, see
	// InJoinedList).
	JoinedList bool

	// DefaultMaxMembers is a new group's member cap when none is asked
	// for; MaxMembers the highest cap one may ask for. 0 is no cap.
	DefaultMaxMembers, MaxMembers int
}

// JoinRule is how a type takes join requests (Rules.Join).
type JoinRule int

const (
	JoinNever    JoinRule = iota // by invitation only (Work)
	JoinByOption                 // per the group's join option (Public, Community)
	JoinFree                     // anyone, at once (Meeting, AVChatRoom)
)

// matrix is seed inventory §8.2, one column per type.
var matrix = []Rules{
	{Type: Work, V2TIMName: "Work", Join: JoinNever, DefaultJoinOption: DisableApply, JoinOptionMutable: false,
		Invite: Members, InitialMembers: true, EditProfile: Members, Kick: Owner, Mute: Nobody, Admins: false,
		SetMemberInfo: true, Approve: Nobody, OwnerMayQuit: true, Dismiss: AppAdmin, TransferOwner: true,
		Unread: true, HistoryBeforeJoin: false, Stored: true, Targeted: true, JoinedList: true,
		DefaultMaxMembers: 200, MaxMembers: 6000},
	{Type: Public, V2TIMName: "Public", Join: JoinByOption, DefaultJoinOption: NeedPermission, JoinOptionMutable: true,
		Invite: AppAdmin, InitialMembers: true, EditProfile: OwnerAndAdmins, Kick: OwnerAndAdmins, Mute: OwnerAndAdmins,
		Admins: true, SetMemberInfo: true, Approve: OwnerAndAdmins, OwnerMayQuit: false, Dismiss: Owner, TransferOwner: true,
		Unread: true, HistoryBeforeJoin: false, Stored: true, Targeted: true, JoinedList: true,
		DefaultMaxMembers: 2000, MaxMembers: 6000},
	{Type: Meeting, V2TIMName: "Meeting", Join: JoinFree, DefaultJoinOption: FreeAccess, JoinOptionMutable: false,
		Invite: AppAdmin, InitialMembers: true, EditProfile: OwnerAndAdmins, Kick: OwnerAndAdmins, Mute: OwnerAndAdmins,
		Admins: true, SetMemberInfo: true, Approve: Nobody, OwnerMayQuit: false, Dismiss: Owner, TransferOwner: true,
		Unread: false, HistoryBeforeJoin: true, Stored: true, Targeted: true, JoinedList: true,
		DefaultMaxMembers: 10000, MaxMembers: 10000},
	{Type: Community, V2TIMName: "Community", Join: JoinByOption, DefaultJoinOption: FreeAccess, JoinOptionMutable: true,
		Invite: Members, InitialMembers: true, EditProfile: OwnerAndAdmins, Kick: OwnerAndAdmins, Mute: OwnerAndAdmins,
		Admins: true, SetMemberInfo: true, Approve: OwnerAndAdmins, OwnerMayQuit: false, Dismiss: Owner, TransferOwner: true,
		Unread: true, HistoryBeforeJoin: true, Stored: true, Targeted: false, JoinedList: true,
		DefaultMaxMembers: 100000, MaxMembers: 100000},
	{Type: AVChatRoom, V2TIMName: "AVChatRoom", Join: JoinFree, DefaultJoinOption: FreeAccess, JoinOptionMutable: false,
		Invite: Nobody, InitialMembers: false, EditProfile: Owner, Kick: Nobody, Mute: OwnerAndAdmins,
		Admins: true, SetMemberInfo: false, Approve: Nobody, OwnerMayQuit: false, Dismiss: Owner, TransferOwner: false,
		Unread: false, HistoryBeforeJoin: false, Stored: false, Targeted: false, JoinedList: false,
		DefaultMaxMembers: 0, MaxMembers: 0},
}

var byType = func() map[string]*Rules {
	m := map[string]*Rules{}
	for i := range matrix {
		m[matrix[i].Type] = &matrix[i]
		m[matrix[i].V2TIMName] = &matrix[i]
	}
	return m
}()

// Of returns the rules of a group type, by its REST/store name or its
// V2TIM name (Work, Meeting); false for an unknown type.
func Of(groupType string) (Rules, bool) {
	r, ok := byType[groupType]
	if !ok {
		return Rules{}, false
	}
	return *r, true
}

// OrWork is Of for a stored group: an unknown type gets Work's rules, the
// most private.
func OrWork(groupType string) Rules {
	if r, ok := Of(groupType); ok {
		return r
	}
	return matrix[0]
}

// All returns the rules of every type, in the seed's column order.
func All() []Rules { return append([]Rules(nil), matrix...) }

// ValidJoinOption reports whether o is a join option.
func ValidJoinOption(o string) bool {
	return o == FreeAccess || o == NeedPermission || o == DisableApply
}

// Role values (V2TIM's), as the store keeps them.
const (
	RoleMember = store.RoleMember
	RoleAdmin  = store.RoleAdmin
	RoleOwner  = store.RoleOwner
)

// Permits reports whether a member with role actor may do what who allows
// to a member with role target (target 0: nobody in particular, e.g. a
// profile edit). The app's admin is asked with appAdmin: it may do
// anything but what the type has Nobody for. No one acts on the owner but
// the app's admin, and an admin acts on common members only.
func Permits(who Who, appAdmin bool, actor, target int) bool {
	if who == Nobody {
		return false
	}
	if appAdmin {
		return true
	}
	if target == RoleOwner {
		return false
	}
	switch who {
	case Members:
		return actor >= RoleMember
	case Owner:
		return actor == RoleOwner
	case OwnerAndAdmins:
		if actor == RoleOwner {
			return true
		}
		return actor == RoleAdmin && (target == 0 || target == RoleMember)
	}
	return false // AppAdmin
}

// InJoinedList reports whether a group of r's type, topic-enabled or not,
// is in the client's joined-group list.
func (r Rules) InJoinedList(supportTopic bool) bool {
	return r.JoinedList && !(r.Type == Community && supportTopic)
}
