package restapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"

	"github.com/parleyim/parley/internal/conversation"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
)

func (s *Server) recentContactRoutes() {
	s.add(svcRecentContact, "get_list", s.recentGetList)
	s.add(svcRecentContact, "delete", s.recentDelete)
	s.add(svcRecentContact, "mark_contact", s.recentMark)
	s.add(svcRecentContact, "create_contact_group", s.recentCreateGroup)
	s.add(svcRecentContact, "del_contact_group", s.recentDeleteGroups)
	s.add(svcRecentContact, "update_contact_group", s.recentUpdateGroup)
	s.add(svcRecentContact, "get_contact_group", s.recentGetMarkData)
	s.add(svcRecentContact, "search_contact_group", s.recentSearchMarkData)
}

func recentBad(format string, args ...any) error {
	return errcode.Newf(errcode.RecentContactBadParam, "Err_RecentContact_Param: "+format, args...)
}

// contactType is a conversation type, sent as 1 or 2; the field tables of
// the mark APIs call it a String, so "1" and "2" are read too.
type contactType int

func (t *contactType) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		*t = 0
		return nil
	}
	n, err := strconv.Atoi(string(b))
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string " + string(b), Type: reflect.TypeOf(0), Field: "Type"}
	}
	*t = contactType(n)
	return nil
}

// contactItem names a conversation: Type 1 with To_Account, Type 2 with
// ToGroupId.
type contactItem struct {
	Type       contactType `json:"Type"`
	ToGroupId  string      `json:"ToGroupId,omitempty"`
	To_Account string      `json:"To_Account,omitempty"`
}

// id returns the conversation ID; a malformed item gives an ID the
// conversation service refuses with 50002.
func (ci contactItem) id() string {
	switch ci.Type {
	case conversation.TypeC2C:
		return convid.C2C(ci.To_Account).String()
	case conversation.TypeGroup:
		return convid.Group(ci.ToGroupId).String()
	}
	return ""
}

// contactOf is the item naming a conversation ID the service returned
// (so one that parses).
func contactOf(raw string) contactItem {
	id, _ := convid.Parse(raw)
	if id.Kind == convid.KindGroup {
		return contactItem{Type: conversation.TypeGroup, ToGroupId: id.Target}
	}
	return contactItem{Type: conversation.TypeC2C, To_Account: id.Target}
}

type sessionItem struct {
	Type       int
	To_Account string `json:",omitempty"`
	GroupId    string `json:",omitempty"`
	MsgTime    int64
	TopFlag    int
}

type getListResponse struct {
	SessionItem   []sessionItem
	CompleteFlag  int
	TimeStamp     int64
	StartIndex    int64
	TopTimeStamp  int64
	TopStartIndex int64
	Envelope
}

func (s *Server) recentGetList(c *call) (response, error) {
	var req struct {
		From_Account                string
		TimeStamp, StartIndex       int64
		TopTimeStamp, TopStartIndex int64
		AssistFlags                 int64
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	page, err := s.Conversations.Page(c.ctx, c.app, req.From_Account, conversation.PageRequest{
		TimeStamp: req.TimeStamp, StartIndex: req.StartIndex, TopTimeStamp: req.TopTimeStamp, TopStartIndex: req.TopStartIndex,
		AssistFlags: req.AssistFlags,
	})
	if err != nil {
		return nil, err
	}
	resp := &getListResponse{SessionItem: make([]sessionItem, len(page.Items)), TimeStamp: page.TimeStamp, StartIndex: page.StartIndex,
		TopTimeStamp: page.TopTimeStamp, TopStartIndex: page.TopStartIndex}
	if page.Complete {
		resp.CompleteFlag = 1
	}
	for i := range page.Items {
		cv := &page.Items[i]
		resp.SessionItem[i] = sessionItem{Type: int(cv.Conv.Kind), MsgTime: conversation.MsgTime(cv)}
		if cv.Conv.Kind == convid.KindGroup {
			resp.SessionItem[i].GroupId = cv.Conv.Target
		} else {
			resp.SessionItem[i].To_Account = cv.Peer
		}
		if cv.Pinned() {
			resp.SessionItem[i].TopFlag = 1
		}
	}
	return resp, nil
}

func (s *Server) recentDelete(c *call) (response, error) {
	var req struct {
		From_Account string
		Type         int
		To_Account   string
		ToGroupid    string // also matches ToGroupId
		ClearRamble  int
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.ClearRamble != 0 && req.ClearRamble != 1 {
		return nil, recentBad("ClearRamble must be 0 or 1")
	}
	var id string
	switch req.Type {
	case conversation.TypeC2C:
		if req.To_Account == "" {
			return nil, recentBad("To_Account is required for a one-to-one conversation")
		}
		id = convid.C2C(req.To_Account).String()
	case conversation.TypeGroup:
		if req.ToGroupid == "" {
			return nil, recentBad("ToGroupid is required for a group conversation")
		}
		// Parley has no group conversations: there is nothing to delete,
		// once the user is known.
		_, err := s.Conversations.Get(c.ctx, c.app, req.From_Account, nil)
		return ok(), err
	default:
		return nil, recentBad("Type must be 1 (C2C) or 2 (group)")
	}
	results, err := s.Conversations.Delete(c.ctx, c.app, req.From_Account, []string{id}, req.ClearRamble == 1)
	if err != nil {
		return nil, err
	}
	if e := results[0].Err; e != nil {
		return nil, e
	}
	return ok(), nil
}

type markResult struct {
	OptType     int
	ContactItem contactItem
	ResultCode  int
	ResultInfo  string
}

type markResponse struct {
	ResultItem []markResult
	Envelope
}

// Mark operations of mark_contact.
const (
	optStandard = 1
	optCustom   = 2
	optBoth     = 3
)

func (s *Server) recentMark(c *call) (response, error) {
	var req struct {
		From_Account string
		MarkItem     []struct {
			OptType     int
			ContactItem contactItem
			ClearMark   []int
			SetMark     []int
			CustomMark  string
		}
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	items := make([]conversation.MarkItem, len(req.MarkItem))
	for i, it := range req.MarkItem {
		items[i].ID = it.ContactItem.id()
		if it.OptType < optStandard || it.OptType > optBoth {
			items[i].Err = errcode.New(errcode.RecentContactBadParam, "Err_RecentContact_Param: OptType must be 1, 2 or 3")
			continue
		}
		if it.OptType != optCustom {
			set, err := conversation.MarkBits(it.SetMark)
			if err == nil {
				items[i].Clear, err = conversation.MarkBits(it.ClearMark)
			}
			if err != nil {
				items[i].Err = errcode.As(err, errcode.RecentContactBadParam)
				continue
			}
			items[i].Set = set
		}
		if it.OptType != optStandard {
			items[i].SetCustom, items[i].Custom = true, it.CustomMark
		}
	}
	results, err := s.Conversations.Mark(c.ctx, c.app, req.From_Account, items)
	if err != nil {
		return nil, err
	}
	resp := &markResponse{ResultItem: make([]markResult, len(results))}
	for i, r := range results {
		code, info := itemStatus(r.Err)
		resp.ResultItem[i] = markResult{OptType: req.MarkItem[i].OptType, ContactItem: req.MarkItem[i].ContactItem, ResultCode: code, ResultInfo: info}
	}
	return resp, nil
}

type contactGroupItem struct {
	GroupName string
	GroupId   int64
}

type contactResult struct {
	ContactItem contactItem
	ResultCode  int
	ResultInfo  string
}

type groupResultItem struct {
	GroupItem  contactGroupItem
	ResultItem []contactResult
}

type createGroupResponse struct {
	GroupResultItem []groupResultItem
	Envelope
}

func (s *Server) recentCreateGroup(c *call) (response, error) {
	var req struct {
		From_Account     string
		GroupContactItem []struct {
			GroupName   string
			ContactItem []contactItem
		}
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if len(req.GroupContactItem) != 1 {
		return nil, recentBad("GroupContactItem: one conversation group at a time")
	}
	item := req.GroupContactItem[0]
	ids := make([]string, len(item.ContactItem))
	for i, ci := range item.ContactItem {
		ids[i] = ci.id()
	}
	g, results, err := s.Conversations.CreateGroup(c.ctx, c.app, req.From_Account, item.GroupName, ids)
	if err != nil {
		return nil, err
	}
	out := groupResultItem{GroupItem: contactGroupItem{g.Name, g.ID}, ResultItem: make([]contactResult, len(results))}
	for i, r := range results {
		code, info := itemStatus(r.Err)
		out.ResultItem[i] = contactResult{ContactItem: item.ContactItem[i], ResultCode: code, ResultInfo: info}
	}
	return &createGroupResponse{GroupResultItem: []groupResultItem{out}}, nil
}

type deleteGroupsResponse struct {
	GroupItem []contactGroupItem
	Envelope
}

func (s *Server) recentDeleteGroups(c *call) (response, error) {
	var req struct {
		From_Account string
		GroupName    []string
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	groups, err := s.Conversations.DeleteGroups(c.ctx, c.app, req.From_Account, req.GroupName)
	if err != nil {
		return nil, err
	}
	resp := &deleteGroupsResponse{GroupItem: make([]contactGroupItem, len(groups))}
	for i, g := range groups {
		resp.GroupItem[i] = contactGroupItem{g.Name, g.ID}
	}
	return resp, nil
}

// Values of update_contact_group.
const (
	updateByGroup      = 1 // UpdateType: changes per group
	updateGroupName    = 1 // UpdateGroupType: rename
	updateGroupMembers = 2 // UpdateGroupType: add or remove conversations
	contactOptAdd      = 1
	contactOptRemove   = 2
)

type contactOpResult struct {
	ContactOptType int
	ContactItem    contactItem
	ResultCode     int
	ResultInfo     string
}

type updateGroupResult struct {
	UpdateGroupType   int
	GroupName         string
	GroupId           int64
	OldGroupName      string
	ContactResultItem []contactOpResult
}

type updateGroupResponse struct {
	UpdateType        int
	UpdateGroupResult updateGroupResult
	Envelope
}

func (s *Server) recentUpdateGroup(c *call) (response, error) {
	var req struct {
		From_Account string
		UpdateType   int
		UpdateGroup  struct {
			UpdateGroupType   int
			OldGroupName      string
			NewGroupName      string
			ContactUpdateItem []struct {
				ContactOptType int
				ContactItem    contactItem
			}
		}
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.UpdateType != updateByGroup {
		return nil, recentBad("UpdateType must be 1")
	}
	u := req.UpdateGroup
	newName := ""
	switch u.UpdateGroupType {
	case updateGroupName:
		if u.NewGroupName == "" {
			return nil, recentBad("NewGroupName is required to rename a conversation group")
		}
		newName = u.NewGroupName
	case updateGroupMembers:
	default:
		return nil, recentBad("UpdateGroupType must be 1 (rename) or 2 (conversations)")
	}
	if u.OldGroupName == "" {
		return nil, recentBad("OldGroupName is required")
	}
	ops := make([]conversation.GroupOp, len(u.ContactUpdateItem))
	for i, it := range u.ContactUpdateItem {
		ops[i] = conversation.GroupOp{ID: it.ContactItem.id(), Add: it.ContactOptType == contactOptAdd}
		if it.ContactOptType != contactOptAdd && it.ContactOptType != contactOptRemove {
			ops[i].Err = errcode.New(errcode.RecentContactBadParam, "Err_RecentContact_Param: ContactOptType must be 1 (add) or 2 (remove)")
		}
	}
	g, results, err := s.Conversations.UpdateGroup(c.ctx, c.app, req.From_Account, u.OldGroupName, newName, ops)
	if err != nil {
		return nil, err
	}
	out := updateGroupResult{UpdateGroupType: u.UpdateGroupType, GroupName: g.Name, GroupId: g.ID, OldGroupName: u.OldGroupName,
		ContactResultItem: make([]contactOpResult, len(results))}
	for i, r := range results {
		code, info := itemStatus(r.Err)
		it := u.ContactUpdateItem[i]
		out.ContactResultItem[i] = contactOpResult{ContactOptType: it.ContactOptType, ContactItem: it.ContactItem, ResultCode: code, ResultInfo: info}
	}
	return &updateGroupResponse{UpdateType: req.UpdateType, UpdateGroupResult: out}, nil
}

// markDataItem is a conversation of the group/mark data.
type markDataItem struct {
	Type           int
	ToGroupId      string `json:",omitempty"`
	To_Account     string `json:",omitempty"`
	StandardMark   string
	CustomMark     string  `json:",omitempty"`
	ContactGroupId []int64 `json:",omitempty"`
	Timestamp      int64
}

func markDataItems(d conversation.MarkData) ([]markDataItem, []contactGroupItem) {
	items := make([]markDataItem, len(d.Marks))
	for i, m := range d.Marks {
		ci := contactOf(m.ConvID)
		items[i] = markDataItem{Type: int(ci.Type), ToGroupId: ci.ToGroupId, To_Account: ci.To_Account,
			StandardMark: conversation.MarkString(m.Marks), CustomMark: m.CustomMark, ContactGroupId: m.Groups, Timestamp: m.UpdatedAt}
	}
	groups := make([]contactGroupItem, len(d.Groups))
	for i, g := range d.Groups {
		groups[i] = contactGroupItem{g.Name, g.ID}
	}
	return items, groups
}

type getMarkDataResponse struct {
	ContactItem    []markDataItem
	GroupItem      []contactGroupItem
	CompleteFlag   int
	NextStartIndex int
	Envelope
}

func (s *Server) recentGetMarkData(c *call) (response, error) {
	var req struct {
		From_Account string
		StartIndex   int
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	d, err := s.Conversations.MarkData(c.ctx, c.app, req.From_Account, req.StartIndex)
	if err != nil {
		return nil, err
	}
	resp := &getMarkDataResponse{NextStartIndex: d.Next}
	resp.ContactItem, resp.GroupItem = markDataItems(d)
	if d.Complete {
		resp.CompleteFlag = 1
	}
	return resp, nil
}

type searchMarkDataResponse struct {
	ContactResultItem []markDataItem
	GroupItem         []contactGroupItem
	Envelope
}

func (s *Server) recentSearchMarkData(c *call) (response, error) {
	var req struct {
		From_Account string
		ContactItem  []contactItem
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	ids := make([]string, len(req.ContactItem))
	for i, ci := range req.ContactItem {
		ids[i] = ci.id()
	}
	d, err := s.Conversations.SearchMarks(c.ctx, c.app, req.From_Account, ids)
	if err != nil {
		return nil, err
	}
	resp := &searchMarkDataResponse{}
	resp.ContactResultItem, resp.GroupItem = markDataItems(d)
	return resp, nil
}
