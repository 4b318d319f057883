package group

import (
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/event"
)

// Events of the group service. Two ways out, by whom they concern:
//
//   - Logged kinds are appended, in the change's transaction, to the change
//     log of each user whose own membership changed (or who must act:
//     the owner and admins on a join application), then published on the
//     bus: durable, replayed by sync. Their Peers are the group's
//     conversation ID (group_<groupID>) followed by the users concerned
//     (the operator first where there is one), which the gateway renders
//     as the push's userIDs.
//   - Group pushes go to every online member session of the group at once
//     (Delivery.PushGroup: one publish whatever the group's size), at most
//     once like any push; a member that missed one reads the group again
//     (its info, its member list) on reconnect.
const (
	// Logged, to the user who became a member: Peers [group, operator].
	KindJoined event.Kind = "group.joined"
	// Logged, to the creator (and the initial members, as KindJoined).
	KindCreated event.Kind = "group.created"
	// Logged, to the member who quit: Peers [group].
	KindQuit event.Kind = "group.quit"
	// Logged, to each kicked member: Peers [group, operator].
	KindKicked event.Kind = "group.kicked"
	// Logged, to every member of a dismissed group (AVChatRoom: pushed
	// only): Peers [group, operator].
	KindDismissed event.Kind = "group.dismissed"
	// Logged, to the owner and every admin: Peers [group, applicant].
	KindApplication event.Kind = "group.application"
	// Logged, to the applicant: Peers [group, handler].
	KindApplicationAccepted event.Kind = "group.application_accepted"
	KindApplicationRefused  event.Kind = "group.application_refused"
)

// Group push kinds (Delivery.PushGroup), with their data (see the Push*
// types).
const (
	PushMemberEntered  = "group.member_entered" // joined by themselves: request, free join, accepted application
	PushMemberInvited  = "group.member_invited" // added by a member or the app's admin
	PushMemberLeft     = "group.member_left"
	PushMemberKicked   = "group.member_kicked"
	PushMemberChanged  = "group.member_changed" // mute, name card, custom data
	PushInfoChanged    = "group.info_changed"   // profile, mute-all, owner
	PushAdminGranted   = "group.admin_granted"
	PushAdminRevoked   = "group.admin_revoked"
	PushGroupDismissed = "group.dismissed"
)

// Delivery carries group events to online clients: the gateway (through a
// small adapter, internal/server). The service calls it after commit, never
// inside a transaction, and never waits on the network through it.
type Delivery interface {
	// JoinedGroup and LeftGroup tell the gateway of a committed membership
	// change, so the user's sessions start or stop hearing the group.
	JoinedGroup(app uint64, group, user string)
	LeftGroup(app uint64, group, user string)
	// PushGroup sends one event to every online member session of group
	// (except the origin connection).
	PushGroup(app uint64, group, kind string, data any, origin any)
}

// PushUsers is the data of member_entered, member_invited, member_kicked,
// admin_granted, admin_revoked and dismissed.
type PushUsers struct {
	GroupID  string   `json:"groupID"`
	Operator string   `json:"operator,omitempty"`
	UserIDs  []string `json:"userIDs"`
}

// PushMember is the data of member_left and of each member of
// member_changed.
type PushMember struct {
	UserID    string  `json:"userID"`
	MuteUntil *int64  `json:"muteUntil,omitempty"`
	NameCard  *string `json:"nameCard,omitempty"`
}

// PushMembers is the data of member_changed (and member_left: one member).
type PushMembers struct {
	GroupID  string       `json:"groupID"`
	Operator string       `json:"operator,omitempty"`
	Members  []PushMember `json:"members"`
}

// PushInfo is the data of info_changed: only the fields that changed.
type PushInfo struct {
	GroupID      string            `json:"groupID"`
	Operator     string            `json:"operator,omitempty"`
	Name         *string           `json:"name,omitempty"`
	Introduction *string           `json:"introduction,omitempty"`
	Notification *string           `json:"notification,omitempty"`
	FaceURL      *string           `json:"faceURL,omitempty"`
	JoinOption   *string           `json:"joinOption,omitempty"`
	MaxMembers   *int              `json:"maxMemberCount,omitempty"`
	MuteAll      *bool             `json:"muteAll,omitempty"`
	Owner        *string           `json:"owner,omitempty"`
	Custom       map[string]string `json:"custom,omitempty"`
}

// logged builds a logged event of kind for user about group.
func logged(app uint64, kind event.Kind, user, group string, others ...string) event.Event {
	return event.Event{App: app, Kind: kind, User: user, Peers: append([]string{convid.Group(group).String()}, others...)}
}
