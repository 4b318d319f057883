package restapi

import (
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/message"
)

// The AVChatRoom APIs of rest-spec §3.7: bans (ban_group_member,
// unban_group_member, get_group_ban_member), the online member count
// (get_online_member_num, every type), send_broadcast_msg (one message to
// every room of the app) and group_open_avchatroom_http_svc's get_members
// and modify_user_info (member marks). The rules are internal/group's.

var svcAVChatRoom = &service{"group_open_avchatroom_http_svc", codeGroupBadParam, codeGroupNoPermission, codeGroupInternal, false}

// groupAVChatRoutes is called from groupRoutes.
func (s *Server) groupAVChatRoutes() {
	s.add(svcGroup, "ban_group_member", s.banGroupMember)
	s.add(svcGroup, "unban_group_member", s.unbanGroupMember)
	s.add(svcGroup, "get_group_ban_member", s.getGroupBanMember)
	s.add(svcGroup, "get_online_member_num", s.getOnlineMemberNum)
	s.add(svcGroup, "send_broadcast_msg", s.sendBroadcastMsg)
	s.add(svcAVChatRoom, "get_members", s.getRoomMembers)
	s.add(svcAVChatRoom, "modify_user_info", s.modifyRoomUserInfo)
}

func (s *Server) banGroupMember(c *call) (response, error) {
	var f struct {
		GroupId         string
		Members_Account []string
		Duration        *int64
		Description     string
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if f.Duration == nil {
		return nil, errcode.New(codeGroupBadParam, "Err_Group_Duration_Missing: Duration (seconds) is required")
	}
	return &Envelope{}, s.Groups.Ban(c.ctx, c.app, c.admin(), f.GroupId, f.Members_Account, *f.Duration, f.Description)
}

func (s *Server) unbanGroupMember(c *call) (response, error) {
	var f struct {
		GroupId         string
		Members_Account []string
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	return &Envelope{}, s.Groups.Unban(c.ctx, c.app, c.admin(), f.GroupId, f.Members_Account)
}

func (s *Server) getGroupBanMember(c *call) (response, error) {
	var f struct {
		GroupId string
		Limit   int
		Offset  int
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	bans, err := s.Groups.Bans(c.ctx, c.app, c.admin(), f.GroupId, f.Offset, f.Limit)
	if err != nil {
		return nil, err
	}
	type item struct {
		Member_Account string
		BannedUntil    int64
	}
	out := make([]item, len(bans))
	for i, b := range bans {
		out[i] = item{b.User, b.Until}
	}
	// NextOffset is 0 on the last page, as Tencent's cursors are.
	next, limit := 0, f.Limit
	if limit == 0 {
		limit = group.MaxBanPage
	}
	if len(bans) == limit {
		next = f.Offset + len(bans)
	}
	return &struct {
		Envelope
		BannedAccountList []item
		NextOffset        int
	}{BannedAccountList: out, NextOffset: next}, nil
}

func (s *Server) getOnlineMemberNum(c *call) (response, error) {
	var f struct{ GroupId string }
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	n, _, err := s.Groups.OnlineMemberCount(c.ctx, c.app, c.admin(), f.GroupId)
	if err != nil {
		return nil, err
	}
	return &struct {
		Envelope
		OnlineMemberNum int
	}{OnlineMemberNum: n}, nil
}

func (s *Server) sendBroadcastMsg(c *call) (response, error) {
	var f struct {
		From_Account    string
		Random          *int64
		MsgBody         []message.Element
		CloudCustomData string
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if f.Random == nil || *f.Random < 0 || *f.Random > 0xFFFFFFFF {
		return nil, errcode.New(codeGroupBadParam, "Err_Group_Random_Invalid: an integer 0 to 4294967295 is required")
	}
	if len(f.MsgBody) == 0 {
		return nil, errcode.New(codeGroupBadParam, "Err_Group_MsgBody_Missing: MsgBody is required")
	}
	from := f.From_Account
	if from == "" {
		from = c.identifier
	} else {
		exists, err := s.Messages.Existing(c.ctx, c.app, from)
		if err != nil {
			return nil, err
		}
		if !exists[from] {
			return nil, errcode.Newf(group.CodeNoSuchAccount, "Err_Group_From_Account_Not_Exist: %q", from)
		}
	}
	sent, _, err := s.Messages.SendBroadcast(c.ctx, c.app, message.BroadcastRequest{From: from, Random: uint32(*f.Random),
		Content: message.Content{MsgBody: f.MsgBody, CloudCustomData: f.CloudCustomData}})
	if err != nil {
		return nil, err
	}
	// Room messages have no seq: nothing of them is stored.
	return &struct {
		Envelope
		MsgSeq  uint64
		MsgTime int64
	}{MsgSeq: sent.Message.Seq, MsgTime: sent.Message.SentAt / 1000}, nil
}

func (s *Server) getRoomMembers(c *call) (response, error) {
	var f struct {
		GroupId   string
		Timestamp int64
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	members, err := s.Groups.RoomMembers(c.ctx, c.app, c.admin(), f.GroupId, 0)
	if err != nil {
		return nil, err
	}
	type item struct {
		Member_Account string
		JoinTime       int64
		Marks          []uint32 `json:",omitempty"`
	}
	out := make([]item, 0, len(members))
	for _, m := range members {
		// Timestamp pages by join time: members who joined before it. The
		// list is the latest 1000 at most, in one page (NextTimestamp 0).
		if f.Timestamp > 0 && m.JoinedAt >= f.Timestamp {
			continue
		}
		out = append(out, item{m.User, m.JoinedAt, m.Marks})
	}
	return &struct {
		Envelope
		MemberList    []item
		NextTimestamp int64
	}{MemberList: out}, nil
}

// Command types of modify_user_info.
const (
	markCommandSet    = 1
	markCommandDelete = 2
)

func (s *Server) modifyRoomUserInfo(c *call) (response, error) {
	type member struct {
		Member_Account string
		Marks          []uint32
	}
	var f struct {
		GroupId     string
		CommandType int
		MemberList  []member
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if f.CommandType != markCommandSet && f.CommandType != markCommandDelete {
		return nil, errcode.Newf(codeGroupBadParam, "Err_Group_CommandType_Invalid: %d (1 set, 2 delete)", f.CommandType)
	}
	changes := make([]group.MarkChange, len(f.MemberList))
	for i, m := range f.MemberList {
		changes[i] = group.MarkChange{User: m.Member_Account, Marks: m.Marks}
	}
	marked, err := s.Groups.MarkMembers(c.ctx, c.app, c.admin(), f.GroupId, changes, f.CommandType == markCommandSet,
		group.MaxMarkUsersPerRESTCall)
	if err != nil {
		return nil, err
	}
	out := make([]member, len(marked))
	for i, m := range marked {
		out[i] = member{m.User, m.Marks}
	}
	return &struct {
		Envelope
		CommandType int
		MemberList  []member
	}{CommandType: f.CommandType, MemberList: out}, nil
}
