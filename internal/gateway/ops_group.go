package gateway

import (
	"context"
	"encoding/json"

	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/jsonscan"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/store"
)

// Group ops: the client door of internal/group. Every op acts as the
// logged-in member (group.Actor without AppAdmin), so the rule matrix of
// group/rules decides exactly as it does for the REST door's members, and
// answers with the group service's codes (10004, 10007, 10010, ...).
// V2TIM's vocabulary on the wire: types Work/Public/Meeting/AVChatRoom/
// Community (the REST names are accepted too), roles 200/300/400.

// Member filters of group.getMembers (V2TIM_GROUP_MEMBER_FILTER_*).
const (
	memberFilterOwner  = 0x01
	memberFilterAdmin  = 0x02
	memberFilterCommon = 0x04
)

// maxMemberPageClient bounds one group.getMembers page (V2TIM pages of at
// most 100 members), so one answer stays far under the answer cap.
const maxMemberPageClient = 100

func (g *Gateway) chatGroupOps() {
	g.ops["group.create"] = g.needGroups(g.chatGroupCreate)
	g.ops["group.dismiss"] = g.needGroups(g.chatGroupDismiss)
	g.ops["group.join"] = g.needGroups(g.chatGroupJoin)
	g.ops["group.quit"] = g.needGroups(g.chatGroupQuit)
	g.ops["group.invite"] = g.needGroups(g.chatGroupInvite)
	g.ops["group.kick"] = g.needGroups(g.chatGroupKick)
	g.ops["group.getInfo"] = g.needGroups(g.chatGroupGetInfo)
	g.ops["group.setInfo"] = g.needGroups(g.chatGroupSetInfo)
	g.ops["group.getJoinedList"] = g.needGroups(g.chatGroupJoinedList)
	g.ops["group.getMembers"] = g.needGroups(g.chatGroupGetMembers)
	g.ops["group.getMemberInfo"] = g.needGroups(g.chatGroupGetMemberInfo)
	g.ops["group.setMemberInfo"] = g.needGroups(g.chatGroupSetMemberInfo)
	g.ops["group.mute"] = g.needGroups(g.chatGroupMute)
	g.ops["group.muteAll"] = g.needGroups(g.chatGroupMuteAll)
	g.ops["group.transferOwner"] = g.needGroups(g.chatGroupTransferOwner)
	g.ops["group.getApplications"] = g.needGroups(g.chatGroupApplications)
	g.ops["group.acceptApplication"] = g.needGroups(g.chatGroupHandleApplication(true))
	g.ops["group.refuseApplication"] = g.needGroups(g.chatGroupHandleApplication(false))
	g.chatGroupAttrOps() // ops_group_attr.go
	g.chatGroupMoreOps()
	g.chatGroupTopicOps()
	g.chatAVChatOps() // ops_group_avchat.go

	// The message ops serve a group conversation when the request names a
	// groupID (or a group_<id> conversationID); otherwise they are the
	// one-to-one ops, unchanged.
	g.queuedOps["msg.send"] = g.groupOrQueued(g.queuedOps["msg.send"], g.chatGroupMsgSend)
	g.ops["msg.history"] = g.groupOr(g.ops["msg.history"], g.chatGroupMsgHistory)
	g.ops["msg.read"] = g.groupOr(g.ops["msg.read"], g.chatGroupMsgRead)
	g.ops["msg.recall"] = g.groupOr(g.ops["msg.recall"], g.chatGroupMsgRecall)
	g.groupMsgExtOps()
}

// errNoGroups answers the group ops of a gateway built without a group
// service (the node always has one).
var errNoGroups = errcode.New(CodeInvalidRequest, "groups are not served by this node")

// needGroups is op when the gateway has a group service, else an op that
// refuses with errNoGroups: the check is made once here, not in each op.
func (g *Gateway) needGroups(op opFunc) opFunc {
	return func(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
		if g.GroupService == nil {
			return nil, errNoGroups
		}
		return op(ctx, c, data)
	}
}

func (c *conn) member() group.Actor { return group.Actor{User: c.session.User, Origin: c} }

// GroupInfo is a group's profile in the protocol (V2TIMGroupInfo).
type GroupInfo struct {
	GroupID         string            `json:"groupID"`
	GroupType       string            `json:"groupType"`
	GroupName       string            `json:"groupName"`
	Introduction    string            `json:"introduction"`
	Notification    string            `json:"notification"`
	FaceURL         string            `json:"faceURL"`
	Owner           string            `json:"owner"`
	CreateTime      int64             `json:"createTime"`
	InfoTime        int64             `json:"infoTime"`
	MemberCount     int               `json:"memberCount"`
	MaxMemberCount  int               `json:"maxMemberCount"`
	JoinOption      string            `json:"joinOption"`
	AllMuted        bool              `json:"allMuted"`
	IsSupportTopic  bool              `json:"isSupportTopic"`
	LastSeq         uint64            `json:"lastSeq"`
	LastMessageTime int64             `json:"lastMessageTimeMs"`
	CustomInfo      map[string]string `json:"customInfo"`
	// Role and the rest are this user's membership, in joined-list answers.
	Role     int    `json:"role,omitempty"`
	NameCard string `json:"nameCard,omitempty"`
	JoinTime int64  `json:"joinTime,omitempty"`
	RecvOpt  int    `json:"recvOpt,omitempty"` // the group's receive option (0 receive, 1 not_receive, 2 receive_not_notify)
}

func wireGroup(gr store.Group) GroupInfo {
	custom := gr.Custom
	if custom == nil {
		custom = map[string]string{}
	}
	return GroupInfo{GroupID: gr.ID, GroupType: rules.OrWork(gr.Type).V2TIMName, GroupName: gr.Name,
		Introduction: gr.Introduction, Notification: gr.Notification, FaceURL: gr.FaceURL, Owner: gr.Owner,
		CreateTime: gr.CreatedAt, InfoTime: gr.InfoTime, MemberCount: gr.MemberCount, MaxMemberCount: gr.MaxMembers,
		JoinOption: gr.JoinOption, AllMuted: gr.MuteAll, IsSupportTopic: gr.SupportTopic, LastSeq: gr.LastSeq,
		LastMessageTime: gr.LastTime, CustomInfo: custom}
}

// GroupMember is a member in the protocol (V2TIMGroupMemberFullInfo).
type GroupMember struct {
	UserID     string            `json:"userID"`
	Role       int               `json:"role"`
	NameCard   string            `json:"nameCard"`
	MuteUntil  int64             `json:"muteUntil"`
	JoinTime   int64             `json:"joinTime"`
	CustomInfo map[string]string `json:"customInfo"`
}

func wireMember(m store.GroupMember) GroupMember {
	custom := m.Custom
	if custom == nil {
		custom = map[string]string{}
	}
	return GroupMember{UserID: m.User, Role: m.Role, NameCard: m.NameCard, MuteUntil: m.MuteUntil,
		JoinTime: m.JoinedAt, CustomInfo: custom}
}

func wireMembers(ms []store.GroupMember) []GroupMember {
	out := make([]GroupMember, len(ms))
	for i, m := range ms {
		out[i] = wireMember(m)
	}
	return out
}

// groupProfile is the writable profile as group.create and group.setInfo
// take it; absent fields are left as they are.
type groupProfile struct {
	GroupName      *string           `json:"groupName"`
	Introduction   *string           `json:"introduction"`
	Notification   *string           `json:"notification"`
	FaceURL        *string           `json:"faceURL"`
	MaxMemberCount *int              `json:"maxMemberCount"`
	JoinOption     *string           `json:"joinOption"`
	CustomInfo     map[string]string `json:"customInfo"`
}

func (p groupProfile) profile() group.Profile {
	return group.Profile{Name: p.GroupName, Introduction: p.Introduction, Notification: p.Notification,
		FaceURL: p.FaceURL, MaxMembers: p.MaxMemberCount, JoinOption: p.JoinOption, Custom: p.CustomInfo}
}

func (g *Gateway) chatGroupCreate(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID        string `json:"groupID"`
		GroupType      string `json:"groupType"`
		IsSupportTopic bool   `json:"isSupportTopic"`
		groupProfile
		Members []struct {
			UserID string `json:"userID"`
			Role   int    `json:"role"`
		} `json:"memberList"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	svc := g.GroupService
	if len(d.Members) > group.MaxUsersPerCall {
		return nil, errcode.Newf(group.CodeTooManyAccounts, "Err_Group_Too_Many_Members: at most %d initial members", group.MaxUsersPerCall)
	}
	members := make([]group.InitialMember, len(d.Members))
	for i, m := range d.Members {
		members[i] = group.InitialMember{User: m.UserID, Role: m.Role}
	}
	created, err := svc.Create(ctx, c.app, c.member(), group.CreateRequest{GroupID: d.GroupID, Type: d.GroupType,
		Profile: d.profile(), Owner: c.session.User, Members: members, SupportTopic: d.IsSupportTopic})
	if err != nil {
		return nil, err
	}
	overLimit := created.OverLimit
	if overLimit == nil {
		overLimit = []string{}
	}
	return map[string]any{"groupID": created.GroupID, "overLimitUserIDs": overLimit}, nil
}

type groupRef struct {
	GroupID string `json:"groupID"`
}

func (g *Gateway) chatGroupDismiss(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d groupRef
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	svc := g.GroupService
	return struct{}{}, svc.Dismiss(ctx, c.app, c.member(), d.GroupID)
}

func (g *Gateway) chatGroupJoin(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID string `json:"groupID"`
		Message string `json:"message"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	svc := g.GroupService
	status, err := svc.Join(ctx, c.app, c.member(), d.GroupID, d.Message)
	if err != nil {
		return nil, err
	}
	name := "joined"
	switch status {
	case group.AwaitingApproval:
		name = "awaitingApproval"
	case group.AlreadyMember:
		name = "alreadyMember"
	}
	return map[string]any{"status": name}, nil
}

func (g *Gateway) chatGroupQuit(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d groupRef
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	svc := g.GroupService
	return struct{}{}, svc.Quit(ctx, c.app, c.member(), d.GroupID)
}

func (g *Gateway) chatGroupInvite(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID string   `json:"groupID"`
		UserIDs []string `json:"userIDs"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	svc := g.GroupService
	results, err := svc.AddMembers(ctx, c.app, c.member(), d.GroupID, d.UserIDs, false)
	if err != nil {
		return nil, err
	}
	type result struct {
		UserID string `json:"userID"`
		Result int    `json:"result"` // 0 failed, 1 added, 2 already a member (V2TIMGroupMemberOperationResult)
	}
	out := make([]result, len(results))
	for i, r := range results {
		out[i] = result{r.User, r.Result}
	}
	return map[string]any{"results": out}, nil
}

func (g *Gateway) chatGroupKick(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID string   `json:"groupID"`
		UserIDs []string `json:"userIDs"`
		Reason  string   `json:"reason"`
		// Duration (seconds, AVChatRoom only) bans the kicked from
		// rejoining for that long: the owner's kick of a room.
		Duration int64 `json:"duration"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	svc := g.GroupService
	if d.Duration != 0 {
		return struct{}{}, svc.Ban(ctx, c.app, c.member(), d.GroupID, d.UserIDs, d.Duration, d.Reason)
	}
	return struct{}{}, svc.Kick(ctx, c.app, c.member(), d.GroupID, d.UserIDs, d.Reason)
}

func (g *Gateway) chatGroupGetInfo(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupIDs []string `json:"groupIDs"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	svc := g.GroupService
	results, err := svc.Info(ctx, c.app, d.GroupIDs)
	if err != nil {
		return nil, err
	}
	type resultOut struct {
		GroupID string     `json:"groupID"`
		Code    int        `json:"code"`
		Message string     `json:"message,omitempty"`
		Info    *GroupInfo `json:"groupInfo,omitempty"`
	}
	out := make([]resultOut, len(results))
	for i, r := range results {
		out[i].GroupID = r.GroupID
		if r.Err != nil {
			out[i].Code, out[i].Message = r.Err.Code, r.Err.Info
			continue
		}
		info := wireGroup(r.Group)
		out[i].Info = &info
	}
	return map[string]any{"results": out}, nil
}

func (g *Gateway) chatGroupSetInfo(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID string `json:"groupID"`
		groupProfile
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	svc := g.GroupService
	return struct{}{}, svc.SetInfo(ctx, c.app, c.member(), d.GroupID, d.profile())
}

func (g *Gateway) chatGroupMuteAll(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID string `json:"groupID"`
		Mute    *bool  `json:"mute"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if d.Mute == nil {
		return nil, errcode.New(CodeInvalidRequest, "mute: true to mute every common member, false to lift it")
	}
	svc := g.GroupService
	return struct{}{}, svc.SetInfo(ctx, c.app, c.member(), d.GroupID, group.Profile{MuteAll: d.Mute})
}

func (g *Gateway) chatGroupJoinedList(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupType string `json:"groupType"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	svc := g.GroupService
	joined, err := svc.JoinedGroups(ctx, c.app, c.session.User, group.JoinedFilter{Type: d.GroupType, ForClient: true})
	if err != nil {
		return nil, err
	}
	out := make([]GroupInfo, len(joined))
	for i, j := range joined {
		out[i] = wireGroup(j.Group)
		out[i].Role, out[i].NameCard, out[i].JoinTime = j.Member.Role, j.Member.NameCard, j.Member.JoinedAt
		out[i].RecvOpt = j.Member.MsgFlag
	}
	return map[string]any{"groups": out}, nil
}

func (g *Gateway) chatGroupGetMembers(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID string `json:"groupID"`
		Filter  int    `json:"filter"`
		NextSeq int    `json:"nextSeq"`
		Count   int    `json:"count"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if d.Filter&^(memberFilterOwner|memberFilterAdmin|memberFilterCommon) != 0 {
		return nil, errcode.Newf(group.CodeInvalidParam, "Err_Group_Filter_Invalid: %d (0 all, or the sum of 1 owner, 2 admins, 4 common members)", d.Filter)
	}
	if d.NextSeq < 0 || d.Count < 0 {
		return nil, errcode.New(group.CodeInvalidParam, "Err_Group_Page_Invalid: nextSeq and count are not negative")
	}
	if d.Count == 0 || d.Count > maxMemberPageClient {
		d.Count = maxMemberPageClient
	}
	svc := g.GroupService
	var roles []int
	for bit, role := range map[int]int{memberFilterOwner: rules.RoleOwner, memberFilterAdmin: rules.RoleAdmin, memberFilterCommon: rules.RoleMember} {
		if d.Filter&bit != 0 {
			roles = append(roles, role)
		}
	}
	page, err := svc.Members(ctx, c.app, c.member(), d.GroupID, store.MemberQuery{Roles: roles, Offset: d.NextSeq, Limit: d.Count})
	if err != nil {
		return nil, err
	}
	// nextSeq is the offset of the next page; 0 once this page is short.
	next := 0
	if len(page.Members) == d.Count {
		next = d.NextSeq + d.Count
	}
	return map[string]any{"members": wireMembers(page.Members), "nextSeq": next, "memberCount": page.Total}, nil
}

func (g *Gateway) chatGroupGetMemberInfo(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID string   `json:"groupID"`
		UserIDs []string `json:"userIDs"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	svc := g.GroupService
	ms, err := svc.MembersInfo(ctx, c.app, c.member(), d.GroupID, d.UserIDs)
	if err != nil {
		return nil, err
	}
	return map[string]any{"members": wireMembers(ms)}, nil
}

func (g *Gateway) chatGroupSetMemberInfo(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID    string            `json:"groupID"`
		UserID     string            `json:"userID"`
		NameCard   *string           `json:"nameCard"`
		Role       *int              `json:"role"`
		CustomInfo map[string]string `json:"customInfo"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if d.Role != nil && *d.Role != rules.RoleAdmin && *d.Role != rules.RoleMember {
		return nil, errcode.Newf(group.CodeInvalidParam, "Err_Group_Role_Invalid: %d (300 admin or 200 member; the owner changes by group.transferOwner)", *d.Role)
	}
	svc := g.GroupService
	return struct{}{}, svc.SetMember(ctx, c.app, c.member(), d.GroupID,
		group.MemberChange{User: d.UserID, Role: d.Role, NameCard: d.NameCard, Custom: d.CustomInfo})
}

func (g *Gateway) chatGroupMute(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID string   `json:"groupID"`
		UserIDs []string `json:"userIDs"`
		UserID  string   `json:"userID"`
		Seconds *int64   `json:"seconds"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if d.Seconds == nil {
		return nil, errcode.New(group.CodeInvalidParam, "Err_Group_MuteTime_Invalid: seconds is required (0 unmutes)")
	}
	if d.UserID != "" {
		d.UserIDs = append(d.UserIDs, d.UserID)
	}
	svc := g.GroupService
	return struct{}{}, svc.Mute(ctx, c.app, c.member(), d.GroupID, d.UserIDs, *d.Seconds)
}

func (g *Gateway) chatGroupTransferOwner(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID string `json:"groupID"`
		UserID  string `json:"userID"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	svc := g.GroupService
	return struct{}{}, svc.TransferOwner(ctx, c.app, c.member(), d.GroupID, d.UserID)
}

func (g *Gateway) chatGroupApplications(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	if err := decode(data, &struct{}{}); err != nil {
		return nil, err
	}
	svc := g.GroupService
	apps, err := svc.Applications(ctx, c.app, c.member())
	if err != nil {
		return nil, err
	}
	type application struct {
		GroupID     string `json:"groupID"`
		FromUser    string `json:"fromUser"`
		RequestMsg  string `json:"requestMsg"`
		AddTime     int64  `json:"addTime"`
		HandleState int    `json:"handleStatus"` // 0: not handled (only pending ones are listed)
	}
	out := make([]application, len(apps))
	for i, a := range apps {
		out[i] = application{GroupID: a.GroupID, FromUser: a.Applicant, RequestMsg: a.Message, AddTime: a.CreatedAt}
	}
	return map[string]any{"applications": out}, nil
}

func (g *Gateway) chatGroupHandleApplication(accept bool) opFunc {
	return func(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
		var d struct {
			GroupID  string `json:"groupID"`
			FromUser string `json:"fromUser"`
		}
		if err := decode(data, &d); err != nil {
			return nil, err
		}
		svc := g.GroupService
		return struct{}{}, svc.HandleApplication(ctx, c.app, c.member(), d.GroupID, d.FromUser, accept)
	}
}

// groupTarget is what names a group conversation in a msg.* request.
type groupTarget struct {
	GroupID        string `json:"groupID"`
	ConversationID string `json:"conversationID"`
}

var groupTargetFields = []string{"groupID", "conversationID"}

// decodeGroupTargetFast reads a request's group target as decode would,
// without reflection, or answers ok=false (jsonscan's contract): every
// msg.send passes here before its own decode, and encoding/json's pass
// over the whole message was a twentieth of the one-to-one path's CPU.
func decodeGroupTargetFast(data []byte) (t groupTarget, ok bool) {
	if len(data) == 0 {
		data = []byte("{}") // as decode
	}
	rd := jsonscan.New(data)
	ok = rd.Fields(groupTargetFields, func(i int) bool {
		var ok bool
		if i == 0 {
			t.GroupID, ok = rd.String()
		} else {
			t.ConversationID, ok = rd.String()
		}
		return ok
	})
	return t, ok && rd.End()
}

// group returns the group the request names ("" for a one-to-one
// request), or 6017 for a conversationID that is not a group's.
func (t groupTarget) group() (string, error) {
	if t.GroupID != "" {
		return t.GroupID, nil
	}
	if t.ConversationID == "" {
		return "", nil
	}
	id, err := convid.Parse(t.ConversationID)
	if err != nil || id.Kind != convid.KindGroup {
		return "", errcode.Newf(CodeInvalidRequest, "conversationID: %q is not a group conversation (group_<groupID>; a one-to-one one is named by userID)", t.ConversationID)
	}
	return id.Target, nil
}

// groupOrQueued is groupOr for a queued op. A group's request is not
// queued: it runs when finished, after the requests before it are answered.
func (g *Gateway) groupOrQueued(c2cOp queuedOpFunc, groupOp func(ctx context.Context, c *conn, groupID string, data json.RawMessage) (any, error)) queuedOpFunc {
	return func(ctx context.Context, c *conn, data json.RawMessage) begun {
		groupID, err := groupTargetOf(data)
		if err != nil {
			return answerNow(nil, err)
		}
		if groupID == "" {
			return c2cOp(ctx, c, data)
		}
		return begun{ready: store.ReadyNow, finish: func() (any, error) {
			if g.GroupService == nil {
				return nil, errNoGroups
			}
			return groupOp(ctx, c, groupID, data)
		}}
	}
}

// groupTargetOf is the group a msg.* request names ("" for none).
func groupTargetOf(data json.RawMessage) (string, error) {
	t, ok := decodeGroupTargetFast(data)
	if !ok {
		t = groupTarget{}
		if err := decode(data, &t); err != nil {
			return "", err
		}
	}
	return t.group()
}

// groupOr routes a msg.* request naming a group to groupOp, any other to
// the one-to-one op.
func (g *Gateway) groupOr(c2cOp opFunc, groupOp func(ctx context.Context, c *conn, groupID string, data json.RawMessage) (any, error)) opFunc {
	return func(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
		groupID, err := groupTargetOf(data)
		if err != nil {
			return nil, err
		}
		if groupID == "" {
			return c2cOp(ctx, c, data)
		}
		if g.GroupService == nil {
			return nil, errNoGroups
		}
		return groupOp(ctx, c, groupID, data)
	}
}

func (g *Gateway) chatGroupMsgSend(ctx context.Context, c *conn, groupID string, data json.RawMessage) (any, error) {
	var d struct {
		sendData
		// The group message features (ops_group_msgext.go): mentions
		// (AtAllLabel for everyone), a targeted message's receivers and
		// the priority under the group's rate limit (and sendData's read
		// receipt).
		AtUserList   []string `json:"atUserList"`
		ReceiverList []string `json:"receiverList"`
		Priority     string   `json:"priority"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	priority, err := message.ParsePriority(d.Priority)
	if err != nil {
		return nil, err
	}
	if len(d.AtUserList) > 0 {
		d.Body.GroupAtInfo = message.AtUsers(d.AtUserList)
	}
	if d.To != "" {
		return nil, errcode.New(CodeInvalidRequest, "to and groupID: a message goes to a user or to a group, not both")
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	sent, err := g.Messages.SendGroup(ctx, c.app, message.GroupSendRequest{
		From: c.session.User, GroupID: groupID, Random: d.Random, ClientMsgID: d.ClientMsgID, Content: d.Body,
		OnlineOnly: d.OnlineUserOnly, ExcludeFromUnread: d.ExcludeFromUnread, ExcludeFromLast: d.ExcludeFromLast, Origin: c,
		Targets: d.ReceiverList, NeedReadReceipt: d.NeedReadReceipt, Priority: priority,
	})
	if err != nil {
		return nil, err
	}
	w := wireMessage(sent.Message)
	w.GroupID, w.To = groupID, ""
	return sendAnswer{Message: w, Duplicate: sent.Duplicate}, nil
}

func (g *Gateway) chatGroupMsgHistory(ctx context.Context, c *conn, groupID string, data json.RawMessage) (any, error) {
	var d struct {
		Seq       uint64 `json:"seq"`
		Ascending bool   `json:"ascending"`
		Count     int    `json:"count"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	msgs, err := g.Messages.HistoryIn(ctx, c.app, c.session.User, convid.Group(groupID), d.Seq, d.Ascending, d.Count)
	if err != nil {
		return nil, err
	}
	out := make([]Message, len(msgs))
	for i, m := range msgs {
		out[i] = wireMessage(m)
	}
	return map[string]any{"messages": out}, nil
}

func (g *Gateway) chatGroupMsgRead(ctx context.Context, c *conn, groupID string, data json.RawMessage) (any, error) {
	var d struct {
		Seq uint64 `json:"seq"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	return struct{}{}, g.Messages.MarkReadIn(ctx, c.app, c.session.User, convid.Group(groupID), d.Seq, c)
}

func (g *Gateway) chatGroupMsgRecall(ctx context.Context, c *conn, groupID string, data json.RawMessage) (any, error) {
	var d struct {
		MsgKey string `json:"msgKey"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	_, err := g.Messages.RecallIn(ctx, c.app, c.session.User, convid.Group(groupID), d.MsgKey, false, c)
	return struct{}{}, err
}
