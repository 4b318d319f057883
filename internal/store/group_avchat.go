package store

import "context"

// GroupBan is a user who may not join a group (an AVChatRoom) until Until,
// unix seconds: a kick with a duration, or REST ban_group_member.
type GroupBan struct {
	App         AppID
	GroupID     string
	User        string
	Until       int64
	Description string
}

// MemberMarks are the owner's marks on one member of a room (each ≥ 1000).
// JoinedAt is the member row's join time they were set under: marks set
// before a member left and came back are not theirs any more.
type MemberMarks struct {
	User     string
	JoinedAt int64
	Marks    []uint32
}

// GroupAVChat is the AVChatRoom state that is not a member row (migration
// 0017): bans, member marks, the ring of recent messages for new members,
// the rooms of an app and who in a group is online.
type GroupAVChat interface {
	// PutGroupBans bans each user of bans (replacing an earlier ban).
	PutGroupBans(ctx context.Context, bans []GroupBan) error
	// DeleteGroupBans lifts the bans of users; it returns how many existed.
	DeleteGroupBans(ctx context.Context, app AppID, groupID string, users []string) (int64, error)
	// ActiveGroupBan is user's ban in groupID lasting past now (false: none).
	ActiveGroupBan(ctx context.Context, app AppID, groupID, user string, now int64) (GroupBan, bool, error)
	// ActiveGroupBans pages groupID's bans lasting past now, by user.
	ActiveGroupBans(ctx context.Context, app AppID, groupID string, now int64, offset, limit int) ([]GroupBan, error)

	// PutMemberMarks replaces the marks of each member of marks; an empty
	// Marks deletes the row.
	PutMemberMarks(ctx context.Context, app AppID, groupID string, marks []MemberMarks) error
	// MemberMarksOf returns the marks rows of groupID's users (all when
	// users is nil), whatever JoinedAt they carry.
	MemberMarksOf(ctx context.Context, app AppID, groupID string, users []string) ([]MemberMarks, error)

	// AppendRecentMessage puts m in groupID's ring of keep slots, over the
	// oldest entry once the ring is full: a room never holds more than keep.
	AppendRecentMessage(ctx context.Context, app AppID, groupID string, m Message, keep int) error
	// RecentMessages returns groupID's ring entries sent at or after since
	// (unix ms), oldest first.
	RecentMessages(ctx context.Context, app AppID, groupID string, since int64) ([]Message, error)

	// GroupsOfType pages app's groups of a type by ID: up to limit with an
	// ID after after.
	GroupsOfType(ctx context.Context, app AppID, groupType, after string, limit int) ([]string, error)
	// OnlineGroupMemberCount counts groupID's members with a live session
	// (on a node alive at now, unix ms, and not kicked) in the directory.
	OnlineGroupMemberCount(ctx context.Context, app AppID, groupID string, now int64) (int, error)
}
