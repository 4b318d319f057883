package sdk

import "context"

// AVChatRoom (live streaming rooms) in the GroupManager: the online member
// count, the owner's member marks, the room's member list by mark and the
// owner's kick with a ban duration (V2TIM 6.6+). A room's messages arrive
// through the MessageManager like any group's, with Seq 0 (never stored:
// OnlineUserOnly), and only while the member is online.

// GetGroupOnlineMemberCount returns how many of groupID's members are
// online (getGroupOnlineMemberCount): an AVChatRoom's, anywhere in the
// cluster; 0 for the other types. Seed 002 asks for at most one call a
// minute.
func (g *GroupManager) GetGroupOnlineMemberCount(ctx context.Context, groupID string) (int, error) {
	var ans struct {
		Count int `json:"count"`
	}
	if err := g.m.call(ctx, "group.getOnlineMemberCount", map[string]any{"groupID": groupID}, &ans); err != nil {
		return 0, err
	}
	return ans.Count, nil
}

// MarkGroupMemberList sets (enableMark) or clears markType (≥ 1000) on up
// to 100 members of the AVChatRoom groupID (markGroupMemberList): the
// owner's; a room uses at most 10 distinct marks, and a member's marks end
// when they leave.
func (g *GroupManager) MarkGroupMemberList(ctx context.Context, groupID string, memberIDs []string, markType uint32, enableMark bool) error {
	return g.m.call(ctx, "group.markMembers", map[string]any{"groupID": groupID, "userIDs": memberIDs, "markType": markType,
		"enableMark": enableMark}, nil)
}

// RoomMember is a member of an AVChatRoom's list.
type RoomMember struct {
	UserID   string          `json:"userID"`
	Role     GroupMemberRole `json:"role"`
	JoinTime int64           `json:"joinTime"`
	Marks    []uint32        `json:"marks"`
}

// GetRoomMemberList returns the AVChatRoom groupID's latest members (at
// most 1,000, newest first), only those marked with markType when it is
// not 0 (getGroupMemberList with a custom mark filter).
func (g *GroupManager) GetRoomMemberList(ctx context.Context, groupID string, markType uint32) ([]RoomMember, error) {
	var ans struct {
		Members []RoomMember `json:"members"`
	}
	req := map[string]any{"groupID": groupID}
	if markType != 0 {
		req["markType"] = markType
	}
	if err := g.m.call(ctx, "group.getRoomMembers", req, &ans); err != nil {
		return nil, err
	}
	return ans.Members, nil
}

// KickGroupMemberWithDuration removes userIDs (≤ 20) from the AVChatRoom
// groupID and bans them from rejoining for seconds (kickGroupMember with a
// duration): the owner's; the app's admin lifts a ban with REST
// unban_group_member.
func (g *GroupManager) KickGroupMemberWithDuration(ctx context.Context, groupID string, userIDs []string, reason string, seconds int64) error {
	return g.m.call(ctx, "group.kick", map[string]any{"groupID": groupID, "userIDs": userIDs, "reason": reason, "duration": seconds}, nil)
}
