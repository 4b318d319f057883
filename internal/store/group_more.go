package store

import "context"

// GroupMore is the storage of the rest of the group REST API and of group
// receive options (migration 0020): the app's group directory, a member's
// receive option and unread count, a sender's messages, and the members
// who do not receive a group's messages.
type GroupMore interface {
	// AppGroups returns up to limit IDs of app's groups, by group ID,
	// skipping the first offset; of groupType only when it is not "". total
	// is how many there are in all (of that type).
	AppGroups(ctx context.Context, app AppID, groupType string, offset, limit int) (ids []string, total int, err error)
	// SetGroupMemberMsgFlag sets user's receive option for groupID
	// (RecvOpt*); false when user is not a member.
	SetGroupMemberMsgFlag(ctx context.Context, app AppID, groupID, user string, flag int) (bool, error)
	// GroupMsgFlags returns user's receive option of each group they are
	// in whose option is not RecvOptReceive, by group ID.
	GroupMsgFlags(ctx context.Context, app AppID, user string) (map[string]int, error)
	// GroupNotReceiving returns up to limit members of groupID whose
	// receive option is RecvOptNotReceive, by UserID.
	GroupNotReceiving(ctx context.Context, app AppID, groupID string, limit int) ([]string, error)
	// SetGroupUnread makes user's unread count of groupID exactly unread
	// from now on (new messages add to it as usual; reading clears it);
	// false when user is not a member.
	SetGroupUnread(ctx context.Context, app AppID, groupID, user string, unread uint64) (bool, error)
	// BackdateGroupJoin moves user's join in groupID back to joinedAtMs
	// (unix ms): the join seq becomes that of the group's latest message
	// sent before it, so history from then on is the member's (an
	// imported member's JoinTime); never forward. False when user is not
	// a member.
	BackdateGroupJoin(ctx context.Context, app AppID, groupID, user string, joinedAtMs int64) (bool, error)
	// GroupMessagesBySender returns up to limit of groupID's stored
	// messages sent by sender with seq after afterSeq, ascending.
	GroupMessagesBySender(ctx context.Context, app AppID, groupID, sender string, afterSeq uint64, limit int) ([]Message, error)
}
