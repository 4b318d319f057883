package restapi

import (
	"time"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/store"
)

// The rest of group_open_http_svc (rest-spec §3.7) and openim's
// modify_group_msg: imported members and history, a sender's messages
// recalled, unread counts, system notifications, the app's group
// directory, and members' receive options (MsgFlag).

func (s *Server) groupMoreRoutes() {
	s.add(svcGroup, "import_group_member", s.importGroupMember)
	s.add(svcGroup, "import_group_msg", s.importGroupMsg)
	s.add(svcGroup, "delete_group_msg_by_sender", s.deleteGroupMsgBySender)
	s.add(svcGroup, "set_unread_msg_num", s.setUnreadMsgNum)
	s.add(svcGroup, "send_group_system_notification", s.sendGroupSystemNotification)
	s.add(svcGroup, "get_appid_group_list", s.getAppIDGroupList)
	s.add(svcOpenIM, "modify_group_msg", s.modifyGroupMsg)
	// The seed inventory names the command under the group service too.
	s.add(svcGroup, "modify_group_msg", s.modifyGroupMsg)
}

// MsgFlag's wire names, by store.RecvOpt* value.
var msgFlagNames = [...]string{
	store.RecvOptReceive:    "AcceptAndNotify",
	store.RecvOptNotReceive: "Discard",
	store.RecvOptNotNotify:  "AcceptNotNotify",
}

func msgFlagName(opt int) string {
	if opt < 0 || opt >= len(msgFlagNames) {
		return msgFlagNames[store.RecvOptReceive]
	}
	return msgFlagNames[opt]
}

func msgFlagValue(name string) (int, bool) {
	for v, n := range msgFlagNames {
		if n == name {
			return v, true
		}
	}
	return 0, false
}

// setMemberAndMsgFlag applies modify_group_member_info: the member change
// when it changes anything, then the receive option when MsgFlag is
// given (a bad MsgFlag refuses the call before either).
func (s *Server) setMemberAndMsgFlag(c *call, groupID string, ch group.MemberChange, msgFlag *string) error {
	opt := -1
	if msgFlag != nil {
		v, ok := msgFlagValue(*msgFlag)
		if !ok {
			return errcode.Newf(codeGroupBadParam, "Err_Group_MsgFlag_Invalid: %q (AcceptAndNotify, AcceptNotNotify or Discard)", *msgFlag)
		}
		opt = v
	}
	if opt < 0 || ch.Role != nil || ch.NameCard != nil || ch.MuteSeconds != nil || len(ch.Custom) > 0 {
		if err := s.Groups.SetMember(c.ctx, c.app, c.admin(), groupID, ch); err != nil {
			return err
		}
	}
	if opt >= 0 {
		return s.Groups.SetRecvOpt(c.ctx, c.app, c.admin(), groupID, ch.User, opt)
	}
	return nil
}

type importResultOut struct {
	Member_Account string
	Result         int
}

func (s *Server) importGroupMember(c *call) (response, error) {
	var f struct {
		GroupId    string
		MemberList []struct {
			Member_Account string
			Role           string
			JoinTime       int64
			UnreadMsgNum   int64
		}
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if err := s.notForAVChatRoom(c, f.GroupId); err != nil {
		return nil, err
	}
	members := make([]group.ImportMember, len(f.MemberList))
	for i, m := range f.MemberList {
		members[i] = group.ImportMember{User: m.Member_Account, JoinAt: m.JoinTime, Unread: m.UnreadMsgNum}
		switch m.Role {
		case "", "Member":
			members[i].Role = rules.RoleMember
		case "Admin":
			members[i].Role = rules.RoleAdmin
		default:
			return nil, errcode.Newf(codeGroupBadParam, "Err_Group_Role_Invalid: %q (Admin or Member)", m.Role)
		}
	}
	results, err := s.Groups.ImportMembers(c.ctx, c.app, f.GroupId, members)
	if err != nil {
		return nil, err
	}
	out := make([]importResultOut, len(results))
	for i, r := range results {
		out[i] = importResultOut{r.User, r.Result}
	}
	return &struct {
		Envelope
		MemberList []importResultOut
	}{MemberList: out}, nil
}

type importMsgResultOut struct {
	Result  int
	MsgTime int64
	MsgSeq  uint64
}

func (s *Server) importGroupMsg(c *call) (response, error) {
	var f struct {
		GroupId           string
		RecentContactFlag int
		TopicId           string
		MsgList           []struct {
			From_Account    string
			SendTime        int64
			Random          *int64
			MsgBody         []message.Element
			CloudCustomData string
		}
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	// A topic's history is its own stream, numbered by the topic's seqs.
	target, err := topicTarget(f.GroupId, f.TopicId)
	if err != nil {
		return nil, err
	}
	if f.RecentContactFlag != 0 && f.RecentContactFlag != 1 {
		return nil, errcode.Newf(codeGroupBadParam, "Err_Group_RecentContactFlag_Invalid: %d (0 or 1)", f.RecentContactFlag)
	}
	msgs := make([]message.GroupImport, len(f.MsgList))
	for i, m := range f.MsgList {
		if m.Random != nil && (*m.Random < 0 || *m.Random > 0xFFFFFFFF) {
			return nil, errcode.Newf(codeGroupBadParam, "Err_Group_Random_Invalid: message %d: 0 to 4294967295", i)
		}
		if m.SendTime <= 0 {
			return nil, errcode.Newf(codeGroupBadParam, "Err_Group_SendTime_Invalid: message %d: SendTime is required", i)
		}
		msgs[i] = message.GroupImport{From: m.From_Account, Time: time.Unix(m.SendTime, 0),
			Content: message.Content{MsgBody: m.MsgBody, CloudCustomData: m.CloudCustomData}}
		if m.Random != nil {
			msgs[i].Random = uint32(*m.Random)
		}
	}
	results, err := s.Messages.ImportGroupMessages(c.ctx, c.app, target, msgs, f.RecentContactFlag == 1)
	if err != nil {
		return nil, err
	}
	out := make([]importMsgResultOut, len(results))
	for i, r := range results {
		out[i] = importMsgResultOut{Result: r.Result, MsgTime: r.Time, MsgSeq: r.Seq}
	}
	return &struct {
		Envelope
		ImportMsgResult []importMsgResultOut
	}{ImportMsgResult: out}, nil
}

func (s *Server) deleteGroupMsgBySender(c *call) (response, error) {
	var f struct {
		GroupId        string
		Sender_Account string
		TopicId        string
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	target, err := topicTarget(f.GroupId, f.TopicId)
	if err != nil {
		return nil, err
	}
	_, err = s.Messages.RecallBySender(c.ctx, c.app, c.identifier, target, f.Sender_Account)
	return ok(), err
}

func (s *Server) setUnreadMsgNum(c *call) (response, error) {
	var f struct {
		GroupId        string
		Member_Account string
		UnreadMsgNum   *int64
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if f.UnreadMsgNum == nil {
		return nil, errcode.New(codeGroupBadParam, "Err_Group_UnreadMsgNum_Missing: UnreadMsgNum is required")
	}
	return ok(), s.Messages.SetGroupUnread(c.ctx, c.app, f.GroupId, f.Member_Account, *f.UnreadMsgNum)
}

func (s *Server) sendGroupSystemNotification(c *call) (response, error) {
	var f struct {
		GroupId           string
		ToMembers_Account []string
		Content           string
		TopicId           string
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	// A topic's notice goes to the community's members, naming the topic.
	target, err := topicTarget(f.GroupId, f.TopicId)
	if err != nil {
		return nil, err
	}
	return ok(), s.Groups.SystemNotice(c.ctx, c.app, target, f.Content, f.ToMembers_Account)
}

func (s *Server) getAppIDGroupList(c *call) (response, error) {
	var f struct {
		Limit     int
		Next      int64
		GroupType string
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if f.Next < 0 || f.Next > 1<<31 {
		return nil, errcode.Newf(codeGroupBadParam, "Err_Group_Next_Invalid: %d", f.Next)
	}
	p, err := s.Groups.AppGroups(c.ctx, c.app, f.GroupType, int(f.Next), f.Limit)
	if err != nil {
		return nil, err
	}
	type groupIDOut struct{ GroupId string }
	ids := make([]groupIDOut, len(p.IDs))
	for i, id := range p.IDs {
		ids[i] = groupIDOut{id}
	}
	return &struct {
		Envelope
		TotalCount  int
		GroupIdList []groupIDOut
		Next        int
	}{TotalCount: p.Total, GroupIdList: ids, Next: p.Next}, nil
}

func (s *Server) modifyGroupMsg(c *call) (response, error) {
	var f struct {
		GroupId         string
		MsgSeq          *int64
		MsgBody         []message.Element
		CloudCustomData *string
		TopicId         string
	}
	if err := c.decodeMsg(&f); err != nil {
		return nil, err
	}
	if f.GroupId == "" {
		return nil, errcode.New(message.CodeInvalidRequest, "Err_Msg_GroupId_Missing: GroupId is required")
	}
	target, err := topicTarget(f.GroupId, f.TopicId)
	if err != nil {
		return nil, err
	}
	if f.MsgSeq == nil || *f.MsgSeq <= 0 {
		return nil, errcode.New(message.CodeInvalidRequest, "Err_Msg_MsgSeq_Invalid: a positive MsgSeq is required")
	}
	_, err = s.Messages.ModifyGroupMessage(c.ctx, c.app, target, uint64(*f.MsgSeq), message.Modification{MsgBody: f.MsgBody, CloudCustomData: f.CloudCustomData})
	return ok(), err
}
