package gateway

import (
	"context"
	"encoding/json"

	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/group/rules"
)

// AVChatRoom ops (docs/protocol.md "AVChatRoom"): the online member count
// (V2TIM getGroupOnlineMemberCount), the owner's member marks
// (markGroupMemberList) and the room's member list with its mark filter.
// A kick with a duration, the ban, is group.kick's "duration".

func init() {
	opClasses["group.markMembers"] = classWrite
}

func (g *Gateway) chatAVChatOps() {
	g.ops["group.getOnlineMemberCount"] = g.needGroups(g.chatGroupOnlineCount)
	g.ops["group.markMembers"] = g.needGroups(g.chatGroupMarkMembers)
	g.ops["group.getRoomMembers"] = g.needGroups(g.chatGroupRoomMembers)
}

// chatGroupOnlineCount answers {count}: the room's members online anywhere
// in the cluster. As in V2TIM, only an AVChatRoom counts; other types
// answer 0 (REST get_online_member_num counts every type).
func (g *Gateway) chatGroupOnlineCount(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID string `json:"groupID"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	n, typ, err := g.GroupService.OnlineMemberCount(ctx, c.app, c.member(), d.GroupID)
	if err != nil {
		return nil, err
	}
	if typ != rules.AVChatRoom {
		n = 0
	}
	return map[string]int{"count": n}, nil
}

// chatGroupMarkMembers sets (enableMark) or clears one mark on up to 100
// members: the room's owner only.
func (g *Gateway) chatGroupMarkMembers(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID    string   `json:"groupID"`
		UserIDs    []string `json:"userIDs"`
		MarkType   uint32   `json:"markType"`
		EnableMark bool     `json:"enableMark"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	changes := make([]group.MarkChange, 0, min(len(d.UserIDs), group.MaxMarkUsersPerCall+1))
	for i, u := range d.UserIDs {
		if i > group.MaxMarkUsersPerCall {
			break // enough to be refused for too many
		}
		changes = append(changes, group.MarkChange{User: u, Marks: []uint32{d.MarkType}})
	}
	_, err := g.GroupService.MarkMembers(ctx, c.app, c.member(), d.GroupID, changes, d.EnableMark, group.MaxMarkUsersPerCall)
	return struct{}{}, err
}

// RoomMember is a member of a room's list in the protocol.
type RoomMember struct {
	UserID   string   `json:"userID"`
	Role     int      `json:"role"`
	JoinTime int64    `json:"joinTime"`
	Marks    []uint32 `json:"marks"`
}

// chatGroupRoomMembers answers {members}: the room's latest members (at
// most 1000, newest first), only those with markType when it is set.
func (g *Gateway) chatGroupRoomMembers(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID  string `json:"groupID"`
		MarkType uint32 `json:"markType"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	members, err := g.GroupService.RoomMembers(ctx, c.app, c.member(), d.GroupID, d.MarkType)
	if err != nil {
		return nil, err
	}
	out := make([]RoomMember, len(members))
	for i, m := range members {
		marks := m.Marks
		if marks == nil {
			marks = []uint32{}
		}
		out[i] = RoomMember{UserID: m.User, Role: m.Role, JoinTime: m.JoinedAt, Marks: marks}
	}
	return map[string]any{"members": out}, nil
}
