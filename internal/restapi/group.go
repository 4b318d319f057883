package restapi

import (
	"encoding/json"

	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/store"
)

// The group service, group_open_http_svc (rest-spec §3.7). Every handler
// maps wire fields onto internal/group (or the message core for group
// messages) acting as the app's admin; the rules are the service's.

// Group service codes.
const (
	codeGroupInternal     = 10002
	codeGroupBadParam     = group.CodeInvalidParam
	codeGroupNoPermission = group.CodeNoPermission
)

var svcGroup = &service{"group_open_http_svc", codeGroupBadParam, codeGroupNoPermission, codeGroupInternal, false}

// Per-call bounds of the group REST API (rest-spec §3.7).
const (
	MaxCreateMembers     = 100 // create_group MemberList
	MaxAddGroupMembers   = 100 // add_group_member MemberList
	MaxGroupAccounts     = 500 // delete_group_member, forbid_send_msg, get_role_in_group
	MaxGroupMsgReceivers = 50
)

func (s *Server) groupRoutes() {
	s.add(svcGroup, "create_group", s.createGroup)
	s.add(svcGroup, "import_group", s.importGroup)
	s.add(svcGroup, "destroy_group", s.destroyGroup)
	s.add(svcGroup, "get_group_info", s.getGroupInfo)
	s.add(svcGroup, "modify_group_base_info", s.modifyGroupBaseInfo)
	s.add(svcGroup, "add_group_member", s.addGroupMember)
	s.add(svcGroup, "delete_group_member", s.deleteGroupMember)
	s.add(svcGroup, "get_group_member_info", s.getGroupMemberInfo)
	s.add(svcGroup, "modify_group_member_info", s.modifyGroupMemberInfo)
	s.add(svcGroup, "get_joined_group_list", s.getJoinedGroupList)
	s.add(svcGroup, "get_role_in_group", s.getRoleInGroup)
	s.add(svcGroup, "change_group_owner", s.changeGroupOwner)
	s.add(svcGroup, "forbid_send_msg", s.forbidSendMsg)
	s.add(svcGroup, "get_group_muted_account", s.getGroupMutedAccount)
	s.add(svcGroup, "get_group_shutted_uin", s.getGroupShuttedUin)
	s.add(svcGroup, "send_group_msg", s.sendGroupMsg)
	s.add(svcGroup, "group_msg_get_simple", s.groupMsgGetSimple)
	s.add(svcGroup, "group_msg_recall", s.groupMsgRecall)
	s.groupAttrRoutes()
	s.add(svcGroup, "get_group_msg_receipt", s.getGroupMsgReceipt)
	s.add(svcGroup, "get_group_msg_receipt_detail", s.getGroupMsgReceiptDetail)
	s.groupMoreRoutes()
	s.groupTopicRoutes()
	s.groupAVChatRoutes() // group_avchatroom.go
}

func (c *call) admin() group.Actor { return group.Actor{User: c.identifier, AppAdmin: true} }

// keyValue is Tencent's {Key, Value} of AppDefinedData.
type keyValue struct {
	Key   string
	Value string
}

func customMap(kvs []keyValue) (map[string]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		if kv.Key == "" {
			return nil, errcode.New(codeGroupBadParam, "Err_Group_AppDefinedData_Key_Empty")
		}
		m[kv.Key] = kv.Value
	}
	return m, nil
}

func customList(m map[string]string, filter []string) []keyValue {
	out := []keyValue{}
	for k, v := range m {
		if filter == nil || contains(filter, k) {
			out = append(out, keyValue{k, v})
		}
	}
	sortKV(out)
	return out
}

func sortKV(kvs []keyValue) {
	for i := 1; i < len(kvs); i++ {
		for j := i; j > 0 && kvs[j].Key < kvs[j-1].Key; j-- {
			kvs[j], kvs[j-1] = kvs[j-1], kvs[j]
		}
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// roleName is the wire name of a role; roleValue the reverse.
func roleName(r int) string {
	switch r {
	case rules.RoleOwner:
		return "Owner"
	case rules.RoleAdmin:
		return "Admin"
	case rules.RoleMember:
		return "Member"
	}
	return "NotMember"
}

func roleValue(name string) (int, bool) {
	switch name {
	case "Owner":
		return rules.RoleOwner, true
	case "Admin":
		return rules.RoleAdmin, true
	case "Member":
		return rules.RoleMember, true
	}
	return 0, false
}

func onOff(b bool) string {
	if b {
		return "On"
	}
	return "Off"
}

type createGroupFields struct {
	Owner_Account   string
	Type            string
	GroupId         string
	Name            *string
	Introduction    *string
	Notification    *string
	FaceUrl         *string
	MaxMemberCount  *int
	MaxMemberNum    *int // the name modify_group_base_info uses, accepted here too
	ApplyJoinOption *string
	AppDefinedData  []keyValue
	MemberList      []struct {
		Member_Account       string
		Role                 string
		AppMemberDefinedData []keyValue
	}
	SupportTopic int
	CreateTime   int64 // import_group
}

func (s *Server) createGroup(c *call) (response, error) { return s.createOrImport(c, false) }
func (s *Server) importGroup(c *call) (response, error) { return s.createOrImport(c, true) }

func (s *Server) createOrImport(c *call, imported bool) (response, error) {
	var f createGroupFields
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if f.Type == "" {
		return nil, errcode.New(codeGroupBadParam, "Err_Group_Type_Missing: Type is required")
	}
	if r, ok := rules.Of(f.Type); ok && imported && r.Type == rules.AVChatRoom {
		return nil, errcode.New(codeGroupNoPermission, "Err_Group_Type_Not_Support: AVChatRoom groups cannot be imported")
	}
	if len(f.MemberList) > MaxCreateMembers {
		return nil, errcode.Newf(group.CodeTooManyAccounts, "Err_Group_Too_Many_Members: at most %d", MaxCreateMembers)
	}
	custom, err := customMap(f.AppDefinedData)
	if err != nil {
		return nil, err
	}
	max := f.MaxMemberCount
	if max == nil {
		max = f.MaxMemberNum
	}
	req := group.CreateRequest{GroupID: f.GroupId, Type: f.Type, Owner: f.Owner_Account, SupportTopic: f.SupportTopic == 1,
		Profile: group.Profile{Name: f.Name, Introduction: f.Introduction, Notification: f.Notification, FaceURL: f.FaceUrl,
			MaxMembers: max, JoinOption: f.ApplyJoinOption, Custom: custom}}
	if imported {
		req.CreatedAt = f.CreateTime
	}
	for _, m := range f.MemberList {
		im := group.InitialMember{User: m.Member_Account, Role: rules.RoleMember}
		if m.Role != "" {
			r, ok := roleValue(m.Role)
			if !ok || r == rules.RoleOwner {
				return nil, errcode.Newf(codeGroupBadParam, "Err_Group_Role_Invalid: %q (Admin or Member)", m.Role)
			}
			im.Role = r
		}
		if im.Custom, err = customMap(m.AppMemberDefinedData); err != nil {
			return nil, err
		}
		req.Members = append(req.Members, im)
	}
	created, err := s.Groups.Create(c.ctx, c.app, c.admin(), req)
	if err != nil {
		return nil, err
	}
	return &struct {
		Envelope
		GroupId string
	}{GroupId: created.GroupID}, nil
}

type groupIDField struct {
	GroupId string
}

func (s *Server) destroyGroup(c *call) (response, error) {
	var f groupIDField
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	return ok(), s.Groups.Dismiss(c.ctx, c.app, c.admin(), f.GroupId)
}

// groupInfo is one group of get_group_info, every field omitted unless
// the filter asks for it (all when there is no filter).
type groupInfo struct {
	GroupId         string
	ErrorCode       int
	ErrorInfo       string
	Type            string          `json:",omitempty"`
	Name            *string         `json:",omitempty"`
	Appid           *uint64         `json:",omitempty"`
	Introduction    *string         `json:",omitempty"`
	Notification    *string         `json:",omitempty"`
	FaceUrl         *string         `json:",omitempty"`
	Owner_Account   *string         `json:",omitempty"`
	CreateTime      *int64          `json:",omitempty"`
	LastInfoTime    *int64          `json:",omitempty"`
	LastMsgTime     *int64          `json:",omitempty"`
	NextMsgSeq      *uint64         `json:",omitempty"`
	MemberNum       *int            `json:",omitempty"`
	MaxMemberNum    *int            `json:",omitempty"`
	ApplyJoinOption *string         `json:",omitempty"`
	MuteAllMember   *string         `json:",omitempty"`
	ShutUpAllMember *string         `json:",omitempty"`
	AppDefinedData  []keyValue      `json:",omitempty"`
	MemberList      []memberInfoOut `json:",omitempty"`
}

// memberInfoOut is one member on the wire (get_group_info's MemberList,
// get_group_member_info).
type memberInfoOut struct {
	Member_Account       string
	Role                 string     `json:",omitempty"`
	JoinTime             *int64     `json:",omitempty"`
	MsgSeq               *uint64    `json:",omitempty"`
	MsgFlag              *string    `json:",omitempty"`
	LastSendMsgTime      *int64     `json:",omitempty"`
	ShutUpUntil          *int64     `json:",omitempty"`
	MuteUntil            *int64     `json:",omitempty"`
	NameCard             *string    `json:",omitempty"`
	AppMemberDefinedData []keyValue `json:",omitempty"`
}

// wants is a field filter: nil keeps every field.
type wants []string

func (w wants) has(f string) bool { return w == nil || contains(w, f) }

func memberOut(m store.GroupMember, w wants, customFilter []string) memberInfoOut {
	o := memberInfoOut{Member_Account: m.User}
	if w.has("Role") {
		o.Role = roleName(m.Role)
	}
	if w.has("JoinTime") {
		o.JoinTime = &m.JoinedAt
	}
	if w.has("MsgSeq") {
		o.MsgSeq = &m.ReadSeq
	}
	if w.has("MsgFlag") {
		flag := msgFlagName(m.MsgFlag)
		o.MsgFlag = &flag
	}
	if w.has("LastSendMsgTime") {
		o.LastSendMsgTime = &m.LastSendAt
	}
	if w.has("ShutUpUntil") || w.has("MuteUntil") {
		until := m.MuteUntil
		o.ShutUpUntil, o.MuteUntil = &until, &until
	}
	if w.has("NameCard") {
		o.NameCard = &m.NameCard
	}
	if len(m.Custom) > 0 {
		o.AppMemberDefinedData = customList(m.Custom, customFilter)
	}
	return o
}

func (s *Server) getGroupInfo(c *call) (response, error) {
	var f struct {
		GroupIdList    []string
		ResponseFilter *struct {
			GroupBaseInfoFilter              []string
			MemberInfoFilter                 []string
			AppDefinedDataFilter_Group       []string
			AppDefinedDataFilter_GroupMember []string
		}
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	results, err := s.Groups.Info(c.ctx, c.app, f.GroupIdList)
	if err != nil {
		return nil, err
	}
	var base, member wants
	var groupCustom, memberCustom []string
	withMembers := true
	if rf := f.ResponseFilter; rf != nil {
		base, member = rf.GroupBaseInfoFilter, rf.MemberInfoFilter
		groupCustom, memberCustom = rf.AppDefinedDataFilter_Group, rf.AppDefinedDataFilter_GroupMember
		withMembers = rf.MemberInfoFilter != nil
	}
	out := make([]groupInfo, len(results))
	for i, r := range results {
		gi := groupInfo{GroupId: r.GroupID}
		if r.Err != nil {
			gi.ErrorCode, gi.ErrorInfo = r.Err.Code, r.Err.Info
			out[i] = gi
			continue
		}
		g := r.Group
		gi.Type = g.Type
		set := func(name string, fn func()) {
			if base.has(name) {
				fn()
			}
		}
		appID := uint64(g.App)
		next := g.LastSeq + 1
		lastMsg := g.LastTime / 1000
		muted := onOff(g.MuteAll)
		set("Name", func() { gi.Name = &g.Name })
		set("Appid", func() { gi.Appid = &appID })
		set("Introduction", func() { gi.Introduction = &g.Introduction })
		set("Notification", func() { gi.Notification = &g.Notification })
		set("FaceUrl", func() { gi.FaceUrl = &g.FaceURL })
		set("Owner_Account", func() { gi.Owner_Account = &g.Owner })
		set("CreateTime", func() { gi.CreateTime = &g.CreatedAt })
		set("LastInfoTime", func() { gi.LastInfoTime = &g.InfoTime })
		set("LastMsgTime", func() { gi.LastMsgTime = &lastMsg })
		set("NextMsgSeq", func() { gi.NextMsgSeq = &next })
		set("MemberNum", func() { gi.MemberNum = &g.MemberCount })
		set("MaxMemberNum", func() { gi.MaxMemberNum = &g.MaxMembers })
		set("ApplyJoinOption", func() { gi.ApplyJoinOption = &g.JoinOption })
		set("MuteAllMember", func() { gi.MuteAllMember, gi.ShutUpAllMember = &muted, &muted })
		set("ShutUpAllMember", func() { gi.MuteAllMember, gi.ShutUpAllMember = &muted, &muted })
		if len(g.Custom) > 0 {
			gi.AppDefinedData = customList(g.Custom, groupCustom)
		}
		if withMembers && g.Type != rules.AVChatRoom {
			page, err := s.Groups.Members(c.ctx, c.app, c.admin(), g.ID, store.MemberQuery{Limit: group.MaxMemberPage})
			if err != nil {
				return nil, err
			}
			gi.MemberList = make([]memberInfoOut, len(page.Members))
			for j, m := range page.Members {
				gi.MemberList[j] = memberOut(m, member, memberCustom)
			}
		}
		out[i] = gi
	}
	return &struct {
		Envelope
		GroupInfo []groupInfo
	}{GroupInfo: out}, nil
}

func (s *Server) modifyGroupBaseInfo(c *call) (response, error) {
	var f struct {
		GroupId         string
		Name            *string
		Introduction    *string
		Notification    *string
		FaceUrl         *string
		MaxMemberNum    *int
		ApplyJoinOption *string
		MuteAllMember   *string
		ShutUpAllMember *string
		AppDefinedData  []keyValue
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	p := group.Profile{Name: f.Name, Introduction: f.Introduction, Notification: f.Notification, FaceURL: f.FaceUrl,
		MaxMembers: f.MaxMemberNum, JoinOption: f.ApplyJoinOption}
	mute := f.MuteAllMember
	if mute == nil {
		mute = f.ShutUpAllMember
	}
	if mute != nil {
		var on bool
		switch *mute {
		case "On":
			on = true
		case "Off":
		default:
			return nil, errcode.Newf(codeGroupBadParam, "Err_Group_MuteAllMember_Invalid: %q (On or Off)", *mute)
		}
		p.MuteAll = &on
	}
	var err error
	if p.Custom, err = customMap(f.AppDefinedData); err != nil {
		return nil, err
	}
	return ok(), s.Groups.SetInfo(c.ctx, c.app, c.admin(), f.GroupId, p)
}

func (s *Server) addGroupMember(c *call) (response, error) {
	var f struct {
		GroupId    string
		Silence    int
		MemberList []struct{ Member_Account string }
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if len(f.MemberList) > MaxAddGroupMembers {
		return nil, errcode.Newf(group.CodeTooManyAccounts, "Err_Group_Too_Many_Accounts: at most %d", MaxAddGroupMembers)
	}
	users := make([]string, len(f.MemberList))
	for i, m := range f.MemberList {
		users[i] = m.Member_Account
	}
	results, err := s.Groups.AddMembers(c.ctx, c.app, c.admin(), f.GroupId, users, f.Silence == 1)
	if err != nil {
		return nil, err
	}
	type item struct {
		Member_Account string
		Result         int
	}
	out := make([]item, len(results))
	for i, r := range results {
		out[i] = item{r.User, r.Result}
	}
	return &struct {
		Envelope
		MemberList []item
	}{MemberList: out}, nil
}

func (s *Server) deleteGroupMember(c *call) (response, error) {
	var f struct {
		GroupId             string
		Silence             int
		Reason              string
		MemberToDel_Account []string
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if len(f.MemberToDel_Account) == 0 {
		return nil, errcode.New(codeGroupBadParam, "Err_Group_MemberToDel_Account_Empty")
	}
	if len(f.MemberToDel_Account) > MaxGroupAccounts {
		return nil, errcode.Newf(group.CodeTooManyAccounts, "Err_Group_Too_Many_Accounts: at most %d", MaxGroupAccounts)
	}
	return ok(), s.Groups.Kick(c.ctx, c.app, c.admin(), f.GroupId, f.MemberToDel_Account, f.Reason)
}

// notForAVChatRoom refuses the APIs rest-spec §3.7 lists as not applying
// to AVChatRoom groups (10007, like a permission the type lacks).
func (s *Server) notForAVChatRoom(c *call, groupID string) error {
	res, err := s.Groups.Info(c.ctx, c.app, []string{groupID})
	if err != nil {
		return err
	}
	if res[0].Err != nil {
		return res[0].Err
	}
	if res[0].Group.Type == rules.AVChatRoom {
		return errcode.New(codeGroupNoPermission, "Err_Group_Type_Not_Support: not for AVChatRoom groups")
	}
	return nil
}

func (s *Server) getGroupMemberInfo(c *call) (response, error) {
	var f struct {
		GroupId                          string
		MemberInfoFilter                 []string
		MemberRoleFilter                 []string
		AppDefinedDataFilter_GroupMember []string
		Limit                            *int
		Offset                           int
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if f.Limit != nil && (*f.Limit < 0 || *f.Limit > group.MaxMemberPage) {
		return nil, errcode.Newf(codeGroupBadParam, "Err_Group_Limit_Invalid: 0 to %d", group.MaxMemberPage)
	}
	if err := s.notForAVChatRoom(c, f.GroupId); err != nil {
		return nil, err
	}
	q := store.MemberQuery{Offset: f.Offset}
	if f.Limit != nil {
		q.Limit = *f.Limit
	}
	for _, name := range f.MemberRoleFilter {
		r, ok := roleValue(name)
		if !ok {
			return nil, errcode.Newf(codeGroupBadParam, "Err_Group_MemberRoleFilter_Invalid: %q", name)
		}
		q.Roles = append(q.Roles, r)
	}
	page, err := s.Groups.Members(c.ctx, c.app, c.admin(), f.GroupId, q)
	if err != nil {
		return nil, err
	}
	out := make([]memberInfoOut, len(page.Members))
	for i, m := range page.Members {
		out[i] = memberOut(m, f.MemberInfoFilter, f.AppDefinedDataFilter_GroupMember)
	}
	return &struct {
		Envelope
		MemberNum  int
		MemberList []memberInfoOut
	}{MemberNum: page.Total, MemberList: out}, nil
}

func (s *Server) modifyGroupMemberInfo(c *call) (response, error) {
	var f struct {
		GroupId              string
		Member_Account       string
		Role                 *string
		MsgFlag              *string
		NameCard             *string
		AppMemberDefinedData []keyValue
		MuteTime             *int64
		ShutUpTime           *int64
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if err := s.notForAVChatRoom(c, f.GroupId); err != nil {
		return nil, err
	}
	ch := group.MemberChange{User: f.Member_Account, NameCard: f.NameCard, MuteSeconds: f.MuteTime}
	if ch.MuteSeconds == nil {
		ch.MuteSeconds = f.ShutUpTime
	}
	if f.Role != nil {
		r, ok := roleValue(*f.Role)
		if !ok || r == rules.RoleOwner {
			return nil, errcode.Newf(codeGroupBadParam, "Err_Group_Role_Invalid: %q (Admin or Member)", *f.Role)
		}
		ch.Role = &r
	}
	var err error
	if ch.Custom, err = customMap(f.AppMemberDefinedData); err != nil {
		return nil, err
	}
	return ok(), s.setMemberAndMsgFlag(c, f.GroupId, ch, f.MsgFlag)
}

func (s *Server) getJoinedGroupList(c *call) (response, error) {
	var f struct {
		Member_Account     string
		WithHugeGroups     int
		WithNoActiveGroups int
		Limit              *int
		Offset             int
		GroupType          string
		SupportTopic       int
		ResponseFilter     *struct {
			GroupBaseInfoFilter []string
			SelfInfoFilter      []string
		}
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if f.Member_Account == "" {
		return nil, errcode.New(codeGroupBadParam, "Err_Group_Member_Account_Missing")
	}
	if f.Offset < 0 || f.Limit != nil && *f.Limit < 0 {
		return nil, errcode.New(codeGroupBadParam, "Err_Group_Limit_Invalid")
	}
	all, err := s.Groups.JoinedGroups(c.ctx, c.app, f.Member_Account, group.JoinedFilter{Type: f.GroupType})
	if err != nil {
		return nil, err
	}
	// AVChatRoom groups only with WithHugeGroups, topic-enabled
	// communities only with SupportTopic.
	list := all[:0]
	for _, j := range all {
		if j.Group.Type == rules.AVChatRoom && f.WithHugeGroups != 1 || j.Group.SupportTopic && f.SupportTopic != 1 {
			continue
		}
		list = append(list, j)
	}
	total := len(list)
	list = list[min(f.Offset, len(list)):]
	if f.Limit != nil && *f.Limit > 0 && *f.Limit < len(list) {
		list = list[:*f.Limit]
	}
	type selfInfo struct {
		Role     string  `json:",omitempty"`
		JoinTime *int64  `json:",omitempty"`
		MsgFlag  *string `json:",omitempty"`
	}
	type item struct {
		groupInfo
		SelfInfo *selfInfo `json:",omitempty"`
	}
	var base, self wants = []string{}, nil
	withSelf := false
	if rf := f.ResponseFilter; rf != nil {
		base, self = rf.GroupBaseInfoFilter, rf.SelfInfoFilter
		withSelf = rf.SelfInfoFilter != nil
	}
	out := make([]json.RawMessage, len(list))
	for i, j := range list {
		g := j.Group
		it := item{groupInfo: groupInfo{GroupId: g.ID}}
		if len(base) > 0 {
			muted := onOff(g.MuteAll)
			next, last := g.LastSeq+1, g.LastTime/1000
			for _, name := range base {
				switch name {
				case "Type":
					it.Type = g.Type
				case "Name":
					it.Name = &g.Name
				case "Introduction":
					it.Introduction = &g.Introduction
				case "Notification":
					it.Notification = &g.Notification
				case "FaceUrl":
					it.FaceUrl = &g.FaceURL
				case "Owner_Account":
					it.Owner_Account = &g.Owner
				case "CreateTime":
					it.CreateTime = &g.CreatedAt
				case "LastInfoTime":
					it.LastInfoTime = &g.InfoTime
				case "LastMsgTime":
					it.LastMsgTime = &last
				case "NextMsgSeq":
					it.NextMsgSeq = &next
				case "MemberNum":
					it.MemberNum = &g.MemberCount
				case "MaxMemberNum":
					it.MaxMemberNum = &g.MaxMembers
				case "ApplyJoinOption":
					it.ApplyJoinOption = &g.JoinOption
				case "MuteAllMember", "ShutUpAllMember":
					it.MuteAllMember, it.ShutUpAllMember = &muted, &muted
				}
			}
		}
		if withSelf {
			m := j.Member
			si := &selfInfo{}
			if self.has("Role") {
				si.Role = roleName(m.Role)
			}
			if self.has("JoinTime") {
				si.JoinTime = &m.JoinedAt
			}
			if self.has("MsgFlag") {
				flag := msgFlagName(m.MsgFlag)
				si.MsgFlag = &flag
			}
			it.SelfInfo = si
		}
		b, err := json.Marshal(it)
		if err != nil {
			return nil, err
		}
		// get_joined_group_list's items carry no per-group error fields.
		out[i] = stripGroupErrorFields(b)
	}
	return &struct {
		Envelope
		TotalCount  int
		GroupIdList []json.RawMessage
	}{TotalCount: total, GroupIdList: out}, nil
}

// stripGroupErrorFields removes the ErrorCode and ErrorInfo an embedded
// groupInfo always encodes.
func stripGroupErrorFields(b []byte) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return b
	}
	delete(m, "ErrorCode")
	delete(m, "ErrorInfo")
	out, err := json.Marshal(m)
	if err != nil {
		return b
	}
	return out
}

func (s *Server) getRoleInGroup(c *call) (response, error) {
	var f struct {
		GroupId      string
		User_Account []string
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if len(f.User_Account) == 0 {
		return nil, errcode.New(codeGroupBadParam, "Err_Group_User_Account_Empty")
	}
	if len(f.User_Account) > MaxGroupAccounts {
		return nil, errcode.Newf(group.CodeTooManyAccounts, "Err_Group_Too_Many_Accounts: at most %d", MaxGroupAccounts)
	}
	if err := s.notForAVChatRoom(c, f.GroupId); err != nil {
		return nil, err
	}
	roles, err := s.Groups.Roles(c.ctx, c.app, f.GroupId, f.User_Account)
	if err != nil {
		return nil, err
	}
	type item struct {
		Member_Account string
		Role           string
	}
	out := make([]item, len(f.User_Account))
	for i, u := range f.User_Account {
		out[i] = item{u, roleName(roles[u])}
	}
	return &struct {
		Envelope
		UserIdList []item
	}{UserIdList: out}, nil
}

func (s *Server) changeGroupOwner(c *call) (response, error) {
	var f struct {
		GroupId          string
		NewOwner_Account string
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	return ok(), s.Groups.TransferOwner(c.ctx, c.app, c.admin(), f.GroupId, f.NewOwner_Account)
}

func (s *Server) forbidSendMsg(c *call) (response, error) {
	var f struct {
		GroupId         string
		Members_Account []string
		MuteTime        *int64
		ShutUpTime      *int64
		TopicId         string
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	// A topic's mute is the topic's alone (group.Service.Mute).
	target, err := topicTarget(f.GroupId, f.TopicId)
	if err != nil {
		return nil, err
	}
	t := f.MuteTime
	if t == nil {
		t = f.ShutUpTime
	}
	if t == nil {
		return nil, errcode.New(codeGroupBadParam, "Err_Group_MuteTime_Missing: MuteTime is required")
	}
	if len(f.Members_Account) == 0 {
		return nil, errcode.New(codeGroupBadParam, "Err_Group_Members_Account_Empty")
	}
	if len(f.Members_Account) > MaxGroupAccounts {
		return nil, errcode.Newf(group.CodeTooManyAccounts, "Err_Group_Too_Many_Accounts: at most %d", MaxGroupAccounts)
	}
	return ok(), s.Groups.Mute(c.ctx, c.app, c.admin(), target, f.Members_Account, *t)
}

// mutedOf is GroupId's muted members, or with TopicId those muted in
// that topic of it.
func (s *Server) mutedOf(c *call) (string, []store.GroupMember, error) {
	var f struct {
		GroupId string
		TopicId string
	}
	if err := c.decode(&f); err != nil {
		return "", nil, err
	}
	target, err := topicTarget(f.GroupId, f.TopicId)
	if err != nil {
		return "", nil, err
	}
	muted, err := s.Groups.Muted(c.ctx, c.app, c.admin(), target)
	return f.GroupId, muted, err
}

func (s *Server) getGroupMutedAccount(c *call) (response, error) {
	id, muted, err := s.mutedOf(c)
	if err != nil {
		return nil, err
	}
	type item struct {
		Member_Account string
		MutedUntil     int64
	}
	out := make([]item, len(muted))
	for i, m := range muted {
		out[i] = item{m.User, m.MuteUntil}
	}
	return &struct {
		Envelope
		GroupId          string
		MutedAccountList []item
	}{GroupId: id, MutedAccountList: out}, nil
}

// getGroupShuttedUin is get_group_muted_account's legacy name and fields.
func (s *Server) getGroupShuttedUin(c *call) (response, error) {
	id, muted, err := s.mutedOf(c)
	if err != nil {
		return nil, err
	}
	type item struct {
		Member_Account string
		ShuttedUntil   int64
	}
	out := make([]item, len(muted))
	for i, m := range muted {
		out[i] = item{m.User, m.MuteUntil}
	}
	return &struct {
		Envelope
		GroupId        string
		ShuttedUinList []item
	}{GroupId: id, ShuttedUinList: out}, nil
}

func (s *Server) sendGroupMsg(c *call) (response, error) {
	var f struct {
		GroupId                 string
		Random                  *int64
		MsgPriority             string
		MsgBody                 []message.Element
		From_Account            string
		OfflinePushInfo         json.RawMessage
		ForbidCallbackControl   []string
		OnlineOnlyFlag          int
		SendMsgControl          []string
		CloudCustomData         string
		SupportMessageExtension int
		To_Account              []string
		TopicId                 string
		GroupAtInfo             []message.GroupAt
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	priority, err := message.ParsePriority(f.MsgPriority)
	if err != nil {
		return nil, err
	}
	if f.Random == nil || *f.Random < 0 || *f.Random > 0xFFFFFFFF {
		return nil, errcode.New(codeGroupBadParam, "Err_Group_Random_Invalid: an integer 0 to 4294967295 is required")
	}
	if len(f.MsgBody) == 0 {
		return nil, errcode.New(codeGroupBadParam, "Err_Group_MsgBody_Missing: MsgBody is required")
	}
	if len(f.To_Account) > MaxGroupMsgReceivers {
		return nil, errcode.Newf(codeGroupBadParam, "Err_Group_To_Account_Too_Many: at most %d receivers", MaxGroupMsgReceivers)
	}
	groupID, err := topicTarget(f.GroupId, f.TopicId)
	if err != nil {
		return nil, err
	}
	f.GroupId = groupID
	if err := checkOfflinePush(f.OfflinePushInfo); err != nil {
		return nil, err
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
	req := message.GroupSendRequest{From: from, GroupID: f.GroupId, Random: uint32(*f.Random), OnlineOnly: f.OnlineOnlyFlag == 1,
		Admin: true, Content: message.Content{MsgBody: f.MsgBody, CloudCustomData: f.CloudCustomData, OfflinePushInfo: f.OfflinePushInfo,
			GroupAtInfo: f.GroupAtInfo}, Targets: f.To_Account, Priority: priority}
	for _, ctl := range f.SendMsgControl {
		switch ctl {
		case "NoUnread":
			req.ExcludeFromUnread = true
		case "NoLastMsg":
			req.ExcludeFromLast = true
		}
	}
	// Admin: the sender need not be a member; one who is a member is still
	// subject to mutes (10017).
	sent, err := s.Messages.SendGroup(hook.WithForbidden(c.ctx, f.ForbidCallbackControl), c.app, req)
	if err != nil {
		return nil, err
	}
	resp := &struct {
		Envelope
		MsgTime       int64
		MsgSeq        uint64
		MsgDropReason string `json:",omitempty"`
	}{MsgTime: sent.Message.SentAt / 1000, MsgSeq: sent.Message.Seq}
	return resp, nil
}

// Group history and recall codes (group_msg_get_simple, group_msg_recall).
const (
	MaxGroupMsgNumber      = 20 // ReqMsgNumber
	MaxGroupRecallSeqs     = 10 // MsgSeqList
	codeGroupMsgNotExist   = 10030
	codeGroupMsgNoRecall   = 10032
	codeGroupRecallTooLate = 10031
)

// groupMsgOut is one message of group_msg_get_simple.
type groupMsgOut struct {
	From_Account string
	IsPlaceMsg   int // 2: recalled (only with WithRecalledMsg), its body empty
	MsgBody      json.RawMessage
	MsgPriority  int
	MsgRandom    uint32
	MsgSeq       uint64
	MsgTimeStamp int64
}

func (s *Server) groupMsgGetSimple(c *call) (response, error) {
	var f struct {
		GroupId         string
		ReqMsgNumber    *int
		ReqMsgSeq       uint64
		WithRecalledMsg int
		TopicId         string
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if f.ReqMsgNumber == nil || *f.ReqMsgNumber < 1 || *f.ReqMsgNumber > MaxGroupMsgNumber {
		return nil, errcode.Newf(codeGroupBadParam, "Err_Group_ReqMsgNumber_Invalid: 1 to %d", MaxGroupMsgNumber)
	}
	if err := s.notForAVChatRoom(c, f.GroupId); err != nil {
		return nil, err
	}
	conv, err := topicTarget(f.GroupId, f.TopicId)
	if err != nil {
		return nil, err
	}
	// Recalled messages are skipped unless asked for: read past them, a
	// page at a time, so a page still holds ReqMsgNumber messages.
	want := *f.ReqMsgNumber
	before := f.ReqMsgSeq
	out := make([]groupMsgOut, 0, want)
	finished := false
	for len(out) < want && !finished {
		page, err := s.Messages.GroupMessages(c.ctx, c.app, conv, before, want)
		if err != nil {
			return nil, err
		}
		finished = len(page) < want
		for _, m := range page {
			before = m.Seq - 1
			if before == 0 {
				finished = true
			}
			recalled := m.Status == store.MessageRecalled
			if recalled && f.WithRecalledMsg != 1 {
				continue
			}
			if len(out) == want {
				finished = false
				break
			}
			o := groupMsgOut{From_Account: m.Sender, MsgBody: json.RawMessage(`[]`), MsgPriority: 1, MsgRandom: m.Random,
				MsgSeq: m.Seq, MsgTimeStamp: m.SentAt / 1000}
			if recalled {
				o.IsPlaceMsg = 2
			} else {
				var body struct{ MsgBody json.RawMessage }
				if json.Unmarshal(m.Body, &body) == nil && len(body.MsgBody) > 0 {
					o.MsgBody = body.MsgBody
				}
			}
			out = append(out, o)
		}
	}
	isFinished := 0
	if finished {
		isFinished = 1
	}
	return &struct {
		Envelope
		GroupId    string
		IsFinished int
		RspMsgList []groupMsgOut
	}{GroupId: f.GroupId, IsFinished: isFinished, RspMsgList: out}, nil
}

func (s *Server) groupMsgRecall(c *call) (response, error) {
	var f struct {
		GroupId    string
		MsgSeqList []struct{ MsgSeq uint64 }
		TopicId    string
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if len(f.MsgSeqList) == 0 || len(f.MsgSeqList) > MaxGroupRecallSeqs {
		return nil, errcode.Newf(codeGroupBadParam, "Err_Group_MsgSeqList_Invalid: 1 to %d seqs", MaxGroupRecallSeqs)
	}
	if err := s.notForAVChatRoom(c, f.GroupId); err != nil {
		return nil, err
	}
	conv, err := topicTarget(f.GroupId, f.TopicId)
	if err != nil {
		return nil, err
	}
	type ret struct {
		MsgSeq  uint64
		RetCode int
	}
	out := make([]ret, len(f.MsgSeqList))
	for i, item := range f.MsgSeqList {
		out[i].MsgSeq = item.MsgSeq
		key, found, err := s.Messages.GroupMessageKey(c.ctx, c.app, conv, item.MsgSeq)
		if err != nil {
			return nil, err
		}
		if !found {
			out[i].RetCode = codeGroupMsgNotExist
			continue
		}
		_, err = s.Messages.RecallIn(c.ctx, c.app, c.identifier, convid.Group(conv), key, true, nil)
		switch code := errcode.As(err, codeGroupInternal); {
		case err == nil:
		case code.Code == message.CodeNoSuchMessage:
			out[i].RetCode = codeGroupMsgNotExist
		case code.Code == message.CodeAlreadyRecalled:
			out[i].RetCode = codeGroupMsgNoRecall
		case code.Code == message.CodeRecallTooLate:
			out[i].RetCode = codeGroupRecallTooLate
		default:
			return nil, err
		}
	}
	return &struct {
		Envelope
		RecallRetList []ret
	}{RecallRetList: out}, nil
}
