package sdk

import (
	"context"
	"encoding/json"
	"sync"
)

// Group types (V2TIM's names).
const (
	GroupTypeWork       = "Work"
	GroupTypePublic     = "Public"
	GroupTypeMeeting    = "Meeting"
	GroupTypeAVChatRoom = "AVChatRoom"
	GroupTypeCommunity  = "Community"
)

// GroupMemberRole is a member's role (V2TIMGroupMemberRole).
type GroupMemberRole int

// Roles.
const (
	GroupMemberRoleMember GroupMemberRole = 200
	GroupMemberRoleAdmin  GroupMemberRole = 300
	GroupMemberRoleOwner  GroupMemberRole = 400
)

// GroupMemberFilter selects members by role in GetGroupMemberList
// (V2TIM_GROUP_MEMBER_FILTER_*): 0 is all, otherwise a sum of the three.
type GroupMemberFilter int

// Filters.
const (
	GroupMemberFilterAll    GroupMemberFilter = 0x00
	GroupMemberFilterOwner  GroupMemberFilter = 0x01
	GroupMemberFilterAdmin  GroupMemberFilter = 0x02
	GroupMemberFilterCommon GroupMemberFilter = 0x04
)

// Join options (V2TIMGroupAddOpt).
const (
	GroupAddAny    = "FreeAccess"
	GroupAddAuth   = "NeedPermission"
	GroupAddForbid = "DisableApply"
)

// GroupInfo is a group's profile (V2TIMGroupInfo). In GetJoinedGroupList
// answers Role, NameCard and JoinTime are the user's membership.
type GroupInfo struct {
	GroupID           string            `json:"groupID"`
	GroupType         string            `json:"groupType"`
	GroupName         string            `json:"groupName"`
	Introduction      string            `json:"introduction"`
	Notification      string            `json:"notification"`
	FaceURL           string            `json:"faceURL"`
	Owner             string            `json:"owner"`
	CreateTime        int64             `json:"createTime"`
	InfoTime          int64             `json:"infoTime"`
	MemberCount       int               `json:"memberCount"`
	MaxMemberCount    int               `json:"maxMemberCount"`
	JoinOption        string            `json:"joinOption"`
	AllMuted          bool              `json:"allMuted"`
	IsSupportTopic    bool              `json:"isSupportTopic"`
	LastSeq           uint64            `json:"lastSeq"`
	LastMessageTimeMs int64             `json:"lastMessageTimeMs"`
	CustomInfo        map[string]string `json:"customInfo"`
	Role              GroupMemberRole   `json:"role"`
	NameCard          string            `json:"nameCard"`
	JoinTime          int64             `json:"joinTime"`
	// RecvOpt is the user's receive option for the group, in joined-list
	// answers (SetGroupReceiveMessageOpt).
	RecvOpt ReceiveMessageOpt `json:"recvOpt"`
}

// GroupInfoResult is one group of GetGroupsInfo: its profile, or why not
// (ResultCode 10010 no such group, 10015 a malformed ID).
type GroupInfoResult struct {
	ResultCode    int
	ResultMessage string
	Info          GroupInfo
}

// GroupMemberFullInfo is a member (V2TIMGroupMemberFullInfo).
type GroupMemberFullInfo struct {
	UserID     string            `json:"userID"`
	Role       GroupMemberRole   `json:"role"`
	NameCard   string            `json:"nameCard"`
	MuteUntil  int64             `json:"muteUntil"`
	JoinTime   int64             `json:"joinTime"`
	CustomInfo map[string]string `json:"customInfo"`
}

// GroupMemberOperationResult is one user of InviteUserToGroup: 0 failed,
// 1 added, 2 already a member (V2TIMGroupMemberOperationResult).
type GroupMemberOperationResult struct {
	UserID string `json:"userID"`
	Result int    `json:"result"`
}

// GroupApplication is a pending join request (V2TIMGroupApplication).
type GroupApplication struct {
	GroupID    string `json:"groupID"`
	FromUser   string `json:"fromUser"`
	RequestMsg string `json:"requestMsg"`
	AddTime    int64  `json:"addTime"`
}

// GroupMemberInfo names a member in a listener event
// (V2TIMGroupMemberInfo).
type GroupMemberInfo struct {
	UserID string
}

// GroupMemberChangeInfo is one member's change in OnMemberInfoChanged.
type GroupMemberChangeInfo struct {
	UserID    string
	NameCard  string
	MuteUntil int64
}

// GroupListener hears the changes of the user's groups
// (V2TIMGroupListener). Callbacks run on the SDK's callback goroutine.
type GroupListener interface {
	OnMemberEnter(groupID string, members []GroupMemberInfo)
	OnMemberLeave(groupID string, member GroupMemberInfo)
	OnMemberInvited(groupID string, opUser string, members []GroupMemberInfo)
	OnMemberKicked(groupID string, opUser string, members []GroupMemberInfo)
	OnMemberInfoChanged(groupID string, changes []GroupMemberChangeInfo)
	// OnGroupInfoChanged carries the changed fields by their protocol
	// names (groupName is "name", ...; see docs/protocol.md).
	OnGroupInfoChanged(groupID string, changes map[string]any)
	OnGroupDismissed(groupID string, opUser string)
	OnGrantAdministrator(groupID string, opUser string, members []GroupMemberInfo)
	OnRevokeAdministrator(groupID string, opUser string, members []GroupMemberInfo)
	// OnReceiveJoinApplication reaches the owner and admins.
	OnReceiveJoinApplication(groupID string, member GroupMemberInfo, opReason string)
	// OnApplicationProcessed reaches the applicant.
	OnApplicationProcessed(groupID string, opUser string, isAgreeJoin bool, opReason string)
	// OnQuitFromGroup: this user left the group on another device.
	OnQuitFromGroup(groupID string)
	// OnGroupAttributeChanged carries all of the group's attributes after
	// a change; OnGroupCounterChanged one counter's new value (group_attr.go).
	OnGroupAttributeChanged(groupID string, attributes map[string]string)
	OnGroupCounterChanged(groupID string, key string, newValue int64)
}

// BaseGroupListener implements GroupListener doing nothing; embed it to
// implement only some callbacks.
type BaseGroupListener struct{}

func (BaseGroupListener) OnMemberEnter(string, []GroupMemberInfo)                  {}
func (BaseGroupListener) OnMemberLeave(string, GroupMemberInfo)                    {}
func (BaseGroupListener) OnMemberInvited(string, string, []GroupMemberInfo)        {}
func (BaseGroupListener) OnMemberKicked(string, string, []GroupMemberInfo)         {}
func (BaseGroupListener) OnMemberInfoChanged(string, []GroupMemberChangeInfo)      {}
func (BaseGroupListener) OnGroupInfoChanged(string, map[string]any)                {}
func (BaseGroupListener) OnGroupDismissed(string, string)                          {}
func (BaseGroupListener) OnGrantAdministrator(string, string, []GroupMemberInfo)   {}
func (BaseGroupListener) OnRevokeAdministrator(string, string, []GroupMemberInfo)  {}
func (BaseGroupListener) OnReceiveJoinApplication(string, GroupMemberInfo, string) {}
func (BaseGroupListener) OnApplicationProcessed(string, string, bool, string)      {}
func (BaseGroupListener) OnQuitFromGroup(string)                                   {}
func (BaseGroupListener) OnGroupAttributeChanged(string, map[string]string)        {}
func (BaseGroupListener) OnGroupCounterChanged(string, string, int64)              {}

// GroupManager is V2TIMGroupManager: groups, members and join requests,
// over the protocol's group.* ops. Every call acts as the logged-in user;
// the server's rule matrix decides, and its refusals come back with
// Tencent's codes (10007 not permitted, 10010 no such group, 10017 muted,
// ...).
type GroupManager struct {
	m         *Manager
	mu        sync.Mutex
	listeners []GroupListener
	// dismissed holds the groups whose dismissal was reported: it comes
	// both logged (to every member) and as a group push, either of which
	// may arrive first or alone. Owned by the callback goroutine; a group
	// leaves it when the user joins a group of that ID again.
	dismissed map[string]bool
}

// reportDismissed fires OnGroupDismissed once per dismissal.
func (g *GroupManager) reportDismissed(groupID, op string) {
	if g.dismissed[groupID] {
		return
	}
	if g.dismissed == nil {
		g.dismissed = map[string]bool{}
	}
	g.dismissed[groupID] = true
	g.fire(func(l GroupListener) { l.OnGroupDismissed(groupID, op) })
}

// Group returns the group manager.
func (m *Manager) Group() *GroupManager { return m.groups }

// AddGroupListener adds l (once).
func (g *GroupManager) AddGroupListener(l GroupListener) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, x := range g.listeners {
		if x == l {
			return
		}
	}
	g.listeners = append(g.listeners, l)
}

// RemoveGroupListener removes l.
func (g *GroupManager) RemoveGroupListener(l GroupListener) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, x := range g.listeners {
		if x == l {
			g.listeners = append(g.listeners[:i:i], g.listeners[i+1:]...)
			return
		}
	}
}

func (g *GroupManager) fire(fn func(GroupListener)) {
	g.mu.Lock()
	ls := append([]GroupListener(nil), g.listeners...)
	g.mu.Unlock()
	for _, l := range ls {
		fn(l)
	}
}

// CreateGroupMember is an initial member of CreateGroup.
type CreateGroupMember struct {
	UserID string          `json:"userID"`
	Role   GroupMemberRole `json:"role,omitempty"`
}

// CreateGroup creates a group owned by the user (createGroup): info's
// GroupID ("" for a server-assigned @TGS#... one), GroupType, GroupName
// and the optional profile fields; members are added with it (not for an
// AVChatRoom). It returns the group's ID and the members not added
// because they are in too many groups.
func (g *GroupManager) CreateGroup(ctx context.Context, info GroupInfo, members []CreateGroupMember) (string, []string, error) {
	req := map[string]any{"groupID": info.GroupID, "groupType": info.GroupType, "groupName": info.GroupName,
		"isSupportTopic": info.IsSupportTopic}
	setIf(req, "introduction", info.Introduction)
	setIf(req, "notification", info.Notification)
	setIf(req, "faceURL", info.FaceURL)
	setIf(req, "joinOption", info.JoinOption)
	if info.MaxMemberCount > 0 {
		req["maxMemberCount"] = info.MaxMemberCount
	}
	if len(info.CustomInfo) > 0 {
		req["customInfo"] = info.CustomInfo
	}
	if len(members) > 0 {
		req["memberList"] = members
	}
	var ans struct {
		GroupID   string   `json:"groupID"`
		OverLimit []string `json:"overLimitUserIDs"`
	}
	if err := g.m.call(ctx, "group.create", req, &ans); err != nil {
		return "", nil, err
	}
	return ans.GroupID, ans.OverLimit, nil
}

func setIf(req map[string]any, key, v string) {
	if v != "" {
		req[key] = v
	}
}

// JoinGroup asks to join groupID (joinGroup). It returns true when the
// user is a member now, false when an application waits for the owner or
// an admin (NeedPermission); 10007 by invitation only or applications
// disabled.
func (g *GroupManager) JoinGroup(ctx context.Context, groupID, message string) (bool, error) {
	var ans struct {
		Status string `json:"status"`
	}
	if err := g.m.call(ctx, "group.join", map[string]any{"groupID": groupID, "message": message}, &ans); err != nil {
		return false, err
	}
	return ans.Status != "awaitingApproval", nil
}

// QuitGroup leaves groupID (quitGroup).
func (g *GroupManager) QuitGroup(ctx context.Context, groupID string) error {
	return g.m.call(ctx, "group.quit", map[string]any{"groupID": groupID}, nil)
}

// DismissGroup dismisses groupID (dismissGroup): its owner's, by the type.
func (g *GroupManager) DismissGroup(ctx context.Context, groupID string) error {
	return g.m.call(ctx, "group.dismiss", map[string]any{"groupID": groupID}, nil)
}

// GetJoinedGroupList returns the user's groups (getJoinedGroupList),
// without AVChatRooms and topic-enabled communities.
func (g *GroupManager) GetJoinedGroupList(ctx context.Context) ([]GroupInfo, error) {
	var ans struct {
		Groups []GroupInfo `json:"groups"`
	}
	if err := g.m.call(ctx, "group.getJoinedList", map[string]any{}, &ans); err != nil {
		return nil, err
	}
	return ans.Groups, nil
}

// GetGroupsInfo reads the profiles of groupIDs (getGroupsInfo, ≤ 50).
func (g *GroupManager) GetGroupsInfo(ctx context.Context, groupIDs []string) ([]GroupInfoResult, error) {
	var ans struct {
		Results []struct {
			GroupID string     `json:"groupID"`
			Code    int        `json:"code"`
			Message string     `json:"message"`
			Info    *GroupInfo `json:"groupInfo"`
		} `json:"results"`
	}
	if err := g.m.call(ctx, "group.getInfo", map[string]any{"groupIDs": groupIDs}, &ans); err != nil {
		return nil, err
	}
	out := make([]GroupInfoResult, len(ans.Results))
	for i, r := range ans.Results {
		out[i] = GroupInfoResult{ResultCode: r.Code, ResultMessage: r.Message}
		if r.Info != nil {
			out[i].Info = *r.Info
		} else {
			out[i].Info.GroupID = r.GroupID
		}
	}
	return out, nil
}

// GroupInfoChange is what SetGroupInfo changes; nil fields are kept.
type GroupInfoChange struct {
	GroupName, Introduction, Notification, FaceURL, JoinOption *string
	MaxMemberCount                                             *int
	// CustomInfo sets declared custom fields ("" deletes one).
	CustomInfo map[string]string
}

// SetGroupInfo changes groupID's profile (setGroupInfo); members hear
// OnGroupInfoChanged.
func (g *GroupManager) SetGroupInfo(ctx context.Context, groupID string, c GroupInfoChange) error {
	req := map[string]any{"groupID": groupID}
	for k, v := range map[string]*string{"groupName": c.GroupName, "introduction": c.Introduction,
		"notification": c.Notification, "faceURL": c.FaceURL, "joinOption": c.JoinOption} {
		if v != nil {
			req[k] = *v
		}
	}
	if c.MaxMemberCount != nil {
		req["maxMemberCount"] = *c.MaxMemberCount
	}
	if c.CustomInfo != nil {
		req["customInfo"] = c.CustomInfo
	}
	return g.m.call(ctx, "group.setInfo", req, nil)
}

// MuteAllGroupMembers mutes (or unmutes) every common member
// (setGroupInfo's isAllMuted).
func (g *GroupManager) MuteAllGroupMembers(ctx context.Context, groupID string, mute bool) error {
	return g.m.call(ctx, "group.muteAll", map[string]any{"groupID": groupID, "mute": mute}, nil)
}

// GetGroupMemberList returns a page of groupID's members by filter
// (getGroupMemberList): pass nextSeq 0 first, then the returned one until
// it is 0. Pages hold at most 100 members.
func (g *GroupManager) GetGroupMemberList(ctx context.Context, groupID string, filter GroupMemberFilter, nextSeq uint64) ([]GroupMemberFullInfo, uint64, error) {
	var ans struct {
		Members []GroupMemberFullInfo `json:"members"`
		NextSeq uint64                `json:"nextSeq"`
	}
	err := g.m.call(ctx, "group.getMembers", map[string]any{"groupID": groupID, "filter": int(filter), "nextSeq": nextSeq}, &ans)
	if err != nil {
		return nil, 0, err
	}
	return ans.Members, ans.NextSeq, nil
}

// GetGroupMembersInfo returns the members among userIDs
// (getGroupMembersInfo); non-members are absent.
func (g *GroupManager) GetGroupMembersInfo(ctx context.Context, groupID string, userIDs []string) ([]GroupMemberFullInfo, error) {
	var ans struct {
		Members []GroupMemberFullInfo `json:"members"`
	}
	if err := g.m.call(ctx, "group.getMemberInfo", map[string]any{"groupID": groupID, "userIDs": userIDs}, &ans); err != nil {
		return nil, err
	}
	return ans.Members, nil
}

// GroupMemberChange is what SetGroupMemberInfo changes; nil fields are
// kept.
type GroupMemberChange struct {
	NameCard   *string
	CustomInfo map[string]string
}

// SetGroupMemberInfo changes userID's name card or custom data
// (setGroupMemberInfo): one's own, or an owner's or admin's over common
// members, by the type.
func (g *GroupManager) SetGroupMemberInfo(ctx context.Context, groupID, userID string, c GroupMemberChange) error {
	req := map[string]any{"groupID": groupID, "userID": userID}
	if c.NameCard != nil {
		req["nameCard"] = *c.NameCard
	}
	if c.CustomInfo != nil {
		req["customInfo"] = c.CustomInfo
	}
	return g.m.call(ctx, "group.setMemberInfo", req, nil)
}

// SetGroupMemberRole makes userID an admin or a common member again
// (setGroupMemberRole): the owner's.
func (g *GroupManager) SetGroupMemberRole(ctx context.Context, groupID, userID string, role GroupMemberRole) error {
	return g.m.call(ctx, "group.setMemberInfo", map[string]any{"groupID": groupID, "userID": userID, "role": int(role)}, nil)
}

// MuteGroupMember mutes userID for seconds, 0 unmutes (muteGroupMember).
func (g *GroupManager) MuteGroupMember(ctx context.Context, groupID, userID string, seconds int64) error {
	return g.m.call(ctx, "group.mute", map[string]any{"groupID": groupID, "userID": userID, "seconds": seconds}, nil)
}

// KickGroupMember removes userIDs from groupID (kickGroupMember).
func (g *GroupManager) KickGroupMember(ctx context.Context, groupID string, userIDs []string, reason string) error {
	return g.m.call(ctx, "group.kick", map[string]any{"groupID": groupID, "userIDs": userIDs, "reason": reason}, nil)
}

// InviteUserToGroup adds userIDs to groupID (inviteUserToGroup), where the
// type lets the user invite.
func (g *GroupManager) InviteUserToGroup(ctx context.Context, groupID string, userIDs []string) ([]GroupMemberOperationResult, error) {
	var ans struct {
		Results []GroupMemberOperationResult `json:"results"`
	}
	if err := g.m.call(ctx, "group.invite", map[string]any{"groupID": groupID, "userIDs": userIDs}, &ans); err != nil {
		return nil, err
	}
	return ans.Results, nil
}

// TransferGroupOwner makes userID the owner (transferGroupOwner).
func (g *GroupManager) TransferGroupOwner(ctx context.Context, groupID, userID string) error {
	return g.m.call(ctx, "group.transferOwner", map[string]any{"groupID": groupID, "userID": userID}, nil)
}

// GetGroupApplicationList returns the pending join requests to the groups
// the user owns or administers (getGroupApplicationList).
func (g *GroupManager) GetGroupApplicationList(ctx context.Context) ([]GroupApplication, error) {
	var ans struct {
		Applications []GroupApplication `json:"applications"`
	}
	if err := g.m.call(ctx, "group.getApplications", map[string]any{}, &ans); err != nil {
		return nil, err
	}
	return ans.Applications, nil
}

// AcceptGroupApplication admits the applicant (acceptGroupApplication);
// once one handler took an application no other can (10007).
func (g *GroupManager) AcceptGroupApplication(ctx context.Context, app GroupApplication) error {
	return g.m.call(ctx, "group.acceptApplication", map[string]any{"groupID": app.GroupID, "fromUser": app.FromUser}, nil)
}

// RefuseGroupApplication refuses the applicant (refuseGroupApplication).
func (g *GroupManager) RefuseGroupApplication(ctx context.Context, app GroupApplication) error {
	return g.m.call(ctx, "group.refuseApplication", map[string]any{"groupID": app.GroupID, "fromUser": app.FromUser}, nil)
}

// onGroupPush turns a group push (seq 0, to every online member) into its
// listener event; it runs on the callback goroutine.
func (m *Manager) onGroupPush(kind string, data json.RawMessage) {
	var d struct {
		GroupID  string   `json:"groupID"`
		Operator string   `json:"operator"`
		UserIDs  []string `json:"userIDs"`
		Members  []struct {
			UserID    string `json:"userID"`
			NameCard  string `json:"nameCard"`
			MuteUntil int64  `json:"muteUntil"`
		} `json:"members"`
	}
	if data == nil || json.Unmarshal(data, &d) != nil || d.GroupID == "" {
		m.log.Warn("parley sdk: ignoring an invalid group push", "push", kind)
		return
	}
	users := make([]GroupMemberInfo, len(d.UserIDs))
	for i, u := range d.UserIDs {
		users[i] = GroupMemberInfo{UserID: u}
	}
	g, id, op := m.groups, d.GroupID, d.Operator
	switch kind {
	case "group.member_entered":
		g.fire(func(l GroupListener) { l.OnMemberEnter(id, users) })
	case "group.member_invited":
		g.fire(func(l GroupListener) { l.OnMemberInvited(id, op, users) })
	case "group.member_left":
		for _, mm := range d.Members {
			g.fire(func(l GroupListener) { l.OnMemberLeave(id, GroupMemberInfo{UserID: mm.UserID}) })
		}
	case "group.member_kicked":
		g.fire(func(l GroupListener) { l.OnMemberKicked(id, op, users) })
	case "group.member_changed":
		changes := make([]GroupMemberChangeInfo, len(d.Members))
		for i, mm := range d.Members {
			changes[i] = GroupMemberChangeInfo{UserID: mm.UserID, NameCard: mm.NameCard, MuteUntil: mm.MuteUntil}
		}
		g.fire(func(l GroupListener) { l.OnMemberInfoChanged(id, changes) })
	case "group.info_changed":
		var all map[string]any
		_ = json.Unmarshal(data, &all)
		delete(all, "groupID")
		delete(all, "operator")
		g.fire(func(l GroupListener) { l.OnGroupInfoChanged(id, all) })
	case "group.admin_granted":
		g.fire(func(l GroupListener) { l.OnGrantAdministrator(id, op, users) })
	case "group.admin_revoked":
		g.fire(func(l GroupListener) { l.OnRevokeAdministrator(id, op, users) })
	case "group.dismissed":
		g.reportDismissed(id, op)
	case "group.attributes_changed", "group.counters_changed":
		m.onGroupAttrPush(kind, data)
	case "group.system_notice":
		m.onGroupSystemNotice(data)
	case "group.topic_created", "group.topic_deleted", "group.topic_changed":
		m.onTopicPush(kind, data)
	default:
		m.log.Info("parley sdk: ignoring an unknown group push", "push", kind)
	}
}

// applyGroupLog applies a logged group change of this user (userIDs:
// group_<id>, then the users concerned, the operator first). It reports
// what the group pushes do not reach this user with: its own kick (its
// sessions leave the group's pushes with it), applications and their
// outcome, a quit on another device, a dismissal (also pushed, reported
// once).
func (m *Manager) applyGroupLog(s *session, kind string, ids []string) {
	if len(ids) == 0 {
		return
	}
	_, groupID, ok := ParseConversationID(ids[0])
	if !ok || groupID == "" {
		return
	}
	other := ""
	if len(ids) > 1 {
		other = ids[1]
	}
	g := m.groups
	s.msg.dirty = true // the group conversation may come or go
	switch kind {
	case "group.created", "group.joined":
		delete(g.dismissed, groupID)
	case "group.dismissed":
		g.reportDismissed(groupID, other)
	case "group.kicked":
		me := []GroupMemberInfo{{UserID: s.userID}}
		g.fire(func(l GroupListener) { l.OnMemberKicked(groupID, other, me) })
	case "group.quit":
		g.fire(func(l GroupListener) { l.OnQuitFromGroup(groupID) })
	case "group.application":
		g.fire(func(l GroupListener) { l.OnReceiveJoinApplication(groupID, GroupMemberInfo{UserID: other}, "") })
	case "group.application_accepted", "group.application_refused":
		agree := kind == "group.application_accepted"
		g.fire(func(l GroupListener) { l.OnApplicationProcessed(groupID, other, agree, "") })
	}
}
