package store

// Member roles, V2TIM's values (V2TIM_GROUP_MEMBER_ROLE_*).
const (
	RoleMember = 200
	RoleAdmin  = 300
	RoleOwner  = 400
)

// GroupMember is one member of a group as the group service manages it.
type GroupMember struct {
	App       AppID
	GroupID   string
	User      string
	Role      int // RoleMember, RoleAdmin or RoleOwner
	NameCard  string
	MuteUntil int64 // unix seconds; 0 (or past) is not muted
	JoinedAt  int64 // unix seconds
	JoinSeq   uint64
	ReadSeq   uint64 // the member's read cursor (read only)
	// MsgFlag is the member's receive option for the group (RecvOpt*;
	// SetGroupMemberMsgFlag writes it).
	MsgFlag int
	// LastSendAt is the time of the member's latest message in the group
	// (unix seconds, 0 for none; kept by AppendMessage).
	LastSendAt int64
	// Custom is the app-defined member data (declared keys only).
	Custom map[string]string
}

// JoinedGroup is a group a user is in, with their membership.
type JoinedGroup struct {
	Group  Group
	Member GroupMember
}

// MemberQuery selects a page of a group's members (ListGroupMembers), in
// join order (join time, then UserID).
type MemberQuery struct {
	// Roles, when not empty, keeps only members with one of these roles.
	Roles  []int
	Offset int
	Limit  int
}

// GroupApplication is a pending request to join a group.
type GroupApplication struct {
	App       AppID
	GroupID   string
	Applicant string
	Message   string
	CreatedAt int64 // unix seconds
}
