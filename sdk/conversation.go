package sdk

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// c2cPrefix and groupPrefix start the ID of a one-to-one and of a group
// conversation.
const (
	c2cPrefix   = "c2c_"
	groupPrefix = "group_"
)

// C2CConversationID is the ID of the one-to-one conversation with userID.
func C2CConversationID(userID string) string { return c2cPrefix + userID }

// GroupConversationID is the ID of group groupID's conversation.
func GroupConversationID(groupID string) string { return groupPrefix + groupID }

// ParseConversationID reads a conversation ID: its type and its target
// (the user ID or the group ID); ok is false for anything else.
func ParseConversationID(id string) (t ConversationType, target string, ok bool) {
	if userID, found := strings.CutPrefix(id, c2cPrefix); found && userID != "" {
		return ConversationC2C, userID, true
	}
	if groupID, found := strings.CutPrefix(id, groupPrefix); found && groupID != "" {
		return ConversationGroup, groupID, true
	}
	return 0, "", false
}

// ConversationType is a conversation's kind (V2TIM_C2C, V2TIM_GROUP).
type ConversationType int

// Conversation types, with V2TIM's values.
const (
	ConversationC2C   ConversationType = 1
	ConversationGroup ConversationType = 2
)

// Conversation is an entry of the user's conversation list
// (V2TIMConversation). The server keeps it: every device of the user sees
// the same list.
type Conversation struct {
	// GroupAtInfoList is a group conversation's unread mentions of the
	// user, ascending by seq (getGroupAtInfoList).
	GroupAtInfoList []GroupAtInfo
	// ConversationID is "c2c_<userID>" or "group_<groupID>".
	ConversationID string
	Type           ConversationType
	UserID         string // the other user ("" for a group)
	GroupID        string // the group ("" for a one-to-one conversation)
	// UnreadCount counts the other user's messages after the user's read
	// position (not those excluded from the count, not recalled ones).
	UnreadCount int
	// LastMessage is the newest message not excluded from being the last
	// one; nil when there is none.
	LastMessage *Message
	IsPinned    bool
	// OrderKey orders the list: it grows whenever the conversation gets a
	// message (the server's time of its last message, in ms). The list
	// comes pinned conversations first, then by OrderKey, newest first.
	OrderKey uint64
	// LastSeq is the conversation's newest seq; ReadSeq the user's read
	// position.
	LastSeq uint64
	ReadSeq uint64
	// DraftText is the user's draft, kept on the server and the same on
	// all devices; DraftTimestamp when it was set (unix seconds).
	DraftText      string
	DraftTimestamp int64
	// MarkList holds one ConversationMark* value per mark set.
	MarkList []uint64
	// CustomMark is the app's free-form mark (SetConversationCustomMark).
	CustomMark string
	// ConversationGroupList names the conversation groups it is in.
	ConversationGroupList []string
	// RecvOpt is the user's receive option for the other user
	// (SetC2CReceiveMessageOpt).
	RecvOpt ReceiveMessageOpt
}

// Conversation marks (V2TIM_CONVERSATION_MARK_TYPE_*); the app's own are
// 1<<32 to 1<<63.
const (
	ConversationMarkStar   uint64 = 1
	ConversationMarkUnread uint64 = 2 // metadata only: UnreadCount does not change
	ConversationMarkFold   uint64 = 4
	ConversationMarkHide   uint64 = 8
)

// Limits of the conversation calls.
const (
	MaxConversationBatch = 100 // conversation IDs per call
)

// ConversationOperationResult is the per-conversation result of a batch
// call (V2TIMConversationOperationResult).
type ConversationOperationResult struct {
	ConversationID string
	ResultCode     int
	ResultInfo     string
}

// ConversationListFilter selects conversations (V2TIMConversationListFilter).
type ConversationListFilter struct {
	// MarkType keeps the conversations that have all these marks (0: any).
	MarkType uint64
	// GroupName keeps the conversations of this conversation group ("":
	// any).
	GroupName string
}

// ConversationResult is a page of the conversation list
// (V2TIMConversationResult).
type ConversationResult struct {
	// NextSeq is the nextSeq argument for the next page: an opaque
	// server cursor ("" once IsFinished), as V2TIM's Flutter and Web SDKs
	// pass it.
	NextSeq string
	// IsFinished: this page is the last.
	IsFinished       bool
	ConversationList []*Conversation
}

type wireConversation struct {
	ConversationID string       `json:"conversationID"`
	Type           string       `json:"type"`
	UserID         string       `json:"userID"`
	GroupID        string       `json:"groupID"`
	LastSeq        uint64       `json:"lastSeq"`
	LastTimeMs     flexInt      `json:"lastTimeMs"`
	ReadSeq        uint64       `json:"readSeq"`
	UnreadCount    flexInt      `json:"unreadCount"`
	Pinned         bool         `json:"pinned"`
	LastMessage    *wireMessage `json:"lastMessage"`
	DraftText      string       `json:"draftText"`
	DraftTimeMs    flexInt      `json:"draftTimeMs"`
	MarkList       []uint64     `json:"markList"`
	CustomMark     string       `json:"customMark"`
	GroupNames     []string     `json:"groupNames"`
	RecvOpt        flexInt      `json:"recvOpt"`
	GroupAtInfos   []wireAtInfo `json:"groupAtInfoList"`
}

type conversationListAnswer struct {
	Conversations    []wireConversation `json:"conversations"`
	TotalUnreadCount flexInt            `json:"totalUnreadCount"`
	NextSeq          string             `json:"nextSeq"`
	IsFinished       bool               `json:"isFinished"`
}

// maxConversationPage is the server's largest conversation.list page.
const maxConversationPage = 100

func (w *wireConversation) conversation(me string) *Conversation {
	c := &Conversation{
		ConversationID: w.ConversationID, Type: ConversationC2C, UserID: w.UserID, UnreadCount: int(w.UnreadCount),
		IsPinned: w.Pinned, OrderKey: uint64(max(w.LastTimeMs, 0)), LastSeq: w.LastSeq, ReadSeq: w.ReadSeq,
		DraftText: w.DraftText, DraftTimestamp: int64(w.DraftTimeMs) / 1000, MarkList: w.MarkList, CustomMark: w.CustomMark,
		ConversationGroupList: w.GroupNames, RecvOpt: ReceiveMessageOpt(w.RecvOpt),
		GroupAtInfoList: wireAtInfos(w.GroupAtInfos),
	}
	if w.Type == "group" {
		c.Type, c.GroupID, c.UserID = ConversationGroup, w.GroupID, ""
		if c.ConversationID == "" {
			c.ConversationID = GroupConversationID(w.GroupID)
		}
		if c.GroupID == "" {
			_, c.GroupID, _ = ParseConversationID(c.ConversationID)
		}
	}
	if c.ConversationID == "" {
		c.ConversationID = C2CConversationID(w.UserID)
	}
	if c.UserID == "" && c.Type == ConversationC2C {
		c.UserID = strings.TrimPrefix(c.ConversationID, c2cPrefix)
	}
	if w.LastMessage != nil {
		c.LastMessage = w.LastMessage.message(me)
	}
	return c
}

// convVersion is what makes two readings of a conversation differ for
// OnConversationChanged.
type convVersion struct {
	lastSeq, readSeq uint64
	unread           int
	pinned           bool
	orderKey         uint64
	lastKey          string
	lastStatus       MessageStatus
	lastVersion      int
	draft            string
	draftTime        int64
	marks            string
	customMark       string
	groups           string
	recvOpt          ReceiveMessageOpt
}

func (c *Conversation) version() convVersion {
	marks := make([]string, len(c.MarkList))
	for i, mk := range c.MarkList {
		marks[i] = strconv.FormatUint(mk, 10)
	}
	slices.Sort(marks)
	groups := slices.Clone(c.ConversationGroupList)
	slices.Sort(groups)
	v := convVersion{lastSeq: c.LastSeq, readSeq: c.ReadSeq, unread: c.UnreadCount, pinned: c.IsPinned, orderKey: c.OrderKey,
		draft: c.DraftText, draftTime: c.DraftTimestamp, marks: strings.Join(marks, ","), customMark: c.CustomMark,
		groups: strings.Join(groups, "\x00"), recvOpt: c.RecvOpt}
	if c.LastMessage != nil {
		v.lastKey, v.lastStatus, v.lastVersion = c.LastMessage.MsgKey, c.LastMessage.Status, c.LastMessage.Version
	}
	return v
}

// conversationList reads the whole list, every page of it: the SDK's
// catch-up compares each conversation's lastSeq with what it has, so it
// must see them all.
func (m *Manager) conversationList(ctx context.Context, s *session) ([]*Conversation, int, error) {
	var all []*Conversation
	total, cursor := 0, ""
	for {
		page, t, next, done, err := m.conversationPage(ctx, s, ConversationListFilter{}, cursor, maxConversationPage)
		if err != nil {
			return nil, 0, err
		}
		all, total, cursor = append(all, page...), t, next
		if done {
			return all, total, nil
		}
	}
}

// conversationPage reads one server page. A server that answers without a
// cursor has given everything (done).
func (m *Manager) conversationPage(ctx context.Context, s *session, f ConversationListFilter, cursor string, count int) (
	list []*Conversation, total int, next string, done bool, err error) {
	req := map[string]any{"count": count}
	if cursor != "" {
		req["nextSeq"] = cursor
	}
	if f.MarkType != 0 {
		req["markType"] = f.MarkType
	}
	if f.GroupName != "" {
		req["groupName"] = f.GroupName
	}
	var ans conversationListAnswer
	if _, err := m.callSess(ctx, s, "conversation.list", req, &ans); err != nil {
		return nil, 0, "", false, err
	}
	list = make([]*Conversation, len(ans.Conversations))
	for i := range ans.Conversations {
		list[i] = ans.Conversations[i].conversation(s.userID)
	}
	done = ans.IsFinished || ans.NextSeq == ""
	if done {
		ans.NextSeq = ""
	}
	return list, int(ans.TotalUnreadCount), ans.NextSeq, done, nil
}

// ConversationManager is the user's conversation list
// (V2TIMConversationManager). Get it from Manager.Conversation.
type ConversationManager struct {
	m *Manager

	mu        sync.Mutex
	listeners []ConversationListener
}

// Conversation returns the conversation manager
// (getConversationManager).
func (m *Manager) Conversation() *ConversationManager { return m.conversations }

// AddConversationListener registers l (compared with ==, so pass a
// pointer). Adding one twice has no effect. The list as it is when the
// first listener is added (or at login) is the baseline: the callbacks
// report the changes after it.
func (cm *ConversationManager) AddConversationListener(l ConversationListener) {
	if l == nil {
		return
	}
	cm.mu.Lock()
	for _, x := range cm.listeners {
		if x == l {
			cm.mu.Unlock()
			return
		}
	}
	cm.listeners = append(cm.listeners, l)
	first := len(cm.listeners) == 1
	cm.mu.Unlock()
	if first {
		cm.m.convRebase()
	}
}

// RemoveConversationListener unregisters l.
func (cm *ConversationManager) RemoveConversationListener(l ConversationListener) {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	for i, x := range cm.listeners {
		if x == l {
			cm.listeners = append(cm.listeners[:i:i], cm.listeners[i+1:]...)
			return
		}
	}
}

func (cm *ConversationManager) hasListeners() bool {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	return len(cm.listeners) > 0
}

// fire calls every conversation listener now; only the callback goroutine
// calls it.
func (cm *ConversationManager) fire(fn func(ConversationListener)) {
	cm.mu.Lock()
	ls := append([]ConversationListener(nil), cm.listeners...)
	cm.mu.Unlock()
	for _, l := range ls {
		fn(l)
	}
}

// GetConversationList returns a page of the conversation list
// (getConversationList): pinned conversations first, then by OrderKey,
// newest first. Start with nextSeq "" and pass the answer's NextSeq for the
// next page until IsFinished. The server answers at most 100 per request;
// a larger count (V2TIM's one-time pull passes INT_MAX) reads as many
// server pages as it takes.
func (cm *ConversationManager) GetConversationList(ctx context.Context, nextSeq string, count int) (ConversationResult, error) {
	return cm.GetConversationListByFilter(ctx, ConversationListFilter{}, nextSeq, count)
}

// GetConversationListByFilter is GetConversationList for the
// conversations that match filter (getConversationListByFilter).
func (cm *ConversationManager) GetConversationListByFilter(ctx context.Context, filter ConversationListFilter, nextSeq string, count int) (ConversationResult, error) {
	if count <= 0 {
		return ConversationResult{}, newError(ErrCodeInvalidParameters, "count must be positive")
	}
	s, err := cm.m.current()
	if err != nil {
		return ConversationResult{}, err
	}
	res := ConversationResult{NextSeq: nextSeq, ConversationList: []*Conversation{}}
	for len(res.ConversationList) < count {
		page, _, next, done, err := cm.m.conversationPage(ctx, s, filter, res.NextSeq, min(count-len(res.ConversationList), maxConversationPage))
		if err != nil {
			return ConversationResult{}, err
		}
		res.ConversationList = append(res.ConversationList, page...)
		res.NextSeq, res.IsFinished = next, done
		if done {
			break
		}
	}
	return res, nil
}

// GetConversation returns one conversation (getConversation). A
// conversation that is not in the list (no message yet, or deleted) is
// returned empty (no LastMessage, no unread), as V2TIM does.
func (cm *ConversationManager) GetConversation(ctx context.Context, conversationID string) (*Conversation, error) {
	list, err := cm.GetConversationListByIDs(ctx, []string{conversationID})
	if err != nil {
		return nil, err
	}
	return list[0], nil
}

// GetConversationListByIDs returns up to MaxConversationBatch
// conversations (getConversationList with IDs), in the order asked; those
// not in the list come empty, as in GetConversation.
func (cm *ConversationManager) GetConversationListByIDs(ctx context.Context, conversationIDs []string) ([]*Conversation, error) {
	if len(conversationIDs) == 0 || len(conversationIDs) > MaxConversationBatch {
		return nil, newError(ErrCodeInvalidParameters, "conversationIDs: 1 to %d", MaxConversationBatch)
	}
	for _, id := range conversationIDs {
		if _, _, ok := ParseConversationID(id); !ok {
			return nil, newError(ErrCodeInvalidParameters, "conversationID %q: want c2c_<userID> or group_<groupID>", id)
		}
	}
	s, err := cm.m.current()
	if err != nil {
		return nil, err
	}
	var ans struct {
		Conversations []wireConversation `json:"conversations"`
	}
	if _, err := cm.m.callSess(ctx, s, "conversation.get", map[string]any{"conversationIDs": conversationIDs}, &ans); err != nil {
		return nil, err
	}
	byID := map[string]*Conversation{}
	for i := range ans.Conversations {
		c := ans.Conversations[i].conversation(s.userID)
		byID[c.ConversationID] = c
	}
	out := make([]*Conversation, len(conversationIDs))
	for i, id := range conversationIDs {
		if c, ok := byID[id]; ok {
			out[i] = c
		} else {
			out[i] = emptyConversation(id)
		}
	}
	return out, nil
}

func emptyConversation(id string) *Conversation {
	t, target, _ := ParseConversationID(id)
	if t == ConversationGroup {
		return &Conversation{ConversationID: id, Type: ConversationGroup, GroupID: target}
	}
	return &Conversation{ConversationID: id, Type: ConversationC2C, UserID: target}
}

// ConversationSyncResult is one page of SyncConversations.
type ConversationSyncResult struct {
	// Changed are the conversations whose view changed (still in the
	// list); DeletedConversationIDs those taken out of it.
	Changed                []*Conversation
	DeletedConversationIDs []string
	// Version is what to pass as afterVersion next; IsFinished says the
	// device is up to date at Version.
	Version    uint64
	IsFinished bool
}

// SyncConversations returns the conversations whose view changed after
// afterVersion (0: all), at most count per call (0 or more than 100:
// 100), from the server's per-user conversation version: a device that
// kept the list catches up without reading it whole. Pass the answer's
// Version until IsFinished. A message changes no view's version (only a
// conversation's first creates views): new messages are learnt from their
// pushes, or from the head of GetConversationList, ordered by last message.
func (cm *ConversationManager) SyncConversations(ctx context.Context, afterVersion uint64, count int) (ConversationSyncResult, error) {
	if count < 0 {
		return ConversationSyncResult{}, newError(ErrCodeInvalidParameters, "count must not be negative")
	}
	s, err := cm.m.current()
	if err != nil {
		return ConversationSyncResult{}, err
	}
	var ans struct {
		Conversations []wireConversation `json:"conversations"`
		Deleted       []string           `json:"deletedConversationIDs"`
		Version       uint64             `json:"version"`
		IsFinished    bool               `json:"isFinished"`
	}
	if _, err := cm.m.callSess(ctx, s, "conversation.sync", map[string]any{"afterVersion": afterVersion, "count": count}, &ans); err != nil {
		return ConversationSyncResult{}, err
	}
	out := ConversationSyncResult{Changed: make([]*Conversation, len(ans.Conversations)), DeletedConversationIDs: ans.Deleted,
		Version: ans.Version, IsFinished: ans.IsFinished}
	for i := range ans.Conversations {
		out.Changed[i] = ans.Conversations[i].conversation(s.userID)
	}
	if out.DeletedConversationIDs == nil {
		out.DeletedConversationIDs = []string{}
	}
	return out, nil
}

// GetTotalUnreadMessageCount returns the unread count of all
// conversations (getTotalUnreadMessageCount).
func (cm *ConversationManager) GetTotalUnreadMessageCount(ctx context.Context) (int, error) {
	var ans struct {
		Total flexInt `json:"totalUnreadCount"`
	}
	if err := cm.m.call(ctx, "conversation.totalUnread", nil, &ans); err != nil {
		return 0, err
	}
	return int(ans.Total), nil
}

// PinConversation pins or unpins a conversation (pinConversation): pinned
// ones come first in the list, on every device of the user. Pinning a
// conversation that is not in the list puts it there.
func (cm *ConversationManager) PinConversation(ctx context.Context, conversationID string, isPinned bool) error {
	if conversationID == "" {
		return newError(ErrCodeInvalidParameters, "conversationID is required")
	}
	return cm.m.call(ctx, "conversation.pin", map[string]any{"conversationID": conversationID, "pinned": isPinned}, nil)
}

// DeleteConversation deletes a conversation and the user's history of it
// (deleteConversation): it leaves the list (pin, draft and unread gone)
// until a newer message brings it back; the other user keeps their
// messages. Every device of the user gets OnConversationDeleted.
func (cm *ConversationManager) DeleteConversation(ctx context.Context, conversationID string) error {
	res, err := cm.DeleteConversationList(ctx, []string{conversationID}, true)
	if err != nil {
		return err
	}
	if r := res[0]; r.ResultCode != 0 {
		return &Error{Code: r.ResultCode, Info: r.ResultInfo}
	}
	return nil
}

// DeleteConversationList deletes up to MaxConversationBatch conversations
// (deleteConversationList); clearMessages also clears the user's history
// of them.
func (cm *ConversationManager) DeleteConversationList(ctx context.Context, conversationIDs []string, clearMessages bool) ([]ConversationOperationResult, error) {
	if len(conversationIDs) == 0 || len(conversationIDs) > MaxConversationBatch {
		return nil, newError(ErrCodeInvalidParameters, "conversationIDs: 1 to %d", MaxConversationBatch)
	}
	return cm.batch(ctx, "conversation.delete", map[string]any{"conversationIDs": conversationIDs, "clearMessages": clearMessages})
}

// MarkConversation sets (enable) or clears the marks of markType on up to
// MaxConversationBatch conversations (markConversation). Marks are
// metadata: ConversationMarkUnread does not change UnreadCount.
func (cm *ConversationManager) MarkConversation(ctx context.Context, conversationIDs []string, markType uint64, enable bool) ([]ConversationOperationResult, error) {
	if len(conversationIDs) == 0 || len(conversationIDs) > MaxConversationBatch || markType == 0 {
		return nil, newError(ErrCodeInvalidParameters, "1 to %d conversationIDs and a markType are required", MaxConversationBatch)
	}
	return cm.batch(ctx, "conversation.mark", map[string]any{"conversationIDs": conversationIDs, "markType": markType, "enable": enable})
}

// SetConversationCustomMark replaces the app's custom mark (at most 256
// bytes; "" clears it) of up to MaxConversationBatch conversations.
func (cm *ConversationManager) SetConversationCustomMark(ctx context.Context, conversationIDs []string, customMark string) ([]ConversationOperationResult, error) {
	if len(conversationIDs) == 0 || len(conversationIDs) > MaxConversationBatch {
		return nil, newError(ErrCodeInvalidParameters, "conversationIDs: 1 to %d", MaxConversationBatch)
	}
	return cm.batch(ctx, "conversation.mark", map[string]any{"conversationIDs": conversationIDs, "markType": 0, "enable": true, "customMark": customMark})
}

// SetConversationDraft sets the draft of a conversation
// (setConversationDraft); "" clears it. Unlike V2TIM's local draft it is
// kept on the server and the same on every device of the user.
func (cm *ConversationManager) SetConversationDraft(ctx context.Context, conversationID, draftText string) error {
	if conversationID == "" {
		return newError(ErrCodeInvalidParameters, "conversationID is required")
	}
	return cm.m.call(ctx, "conversation.setDraft", map[string]any{"conversationID": conversationID, "text": draftText}, nil)
}

// errCodeGroupName is the server's code for a conversation group name that
// is empty or over 32 bytes (seed 002: 51011).
const errCodeGroupName = 51011

// CreateConversationGroup creates a conversation group with at least one
// conversation (createConversationGroup): names are 1-32 bytes (51011), at
// most 20 groups (51010).
func (cm *ConversationManager) CreateConversationGroup(ctx context.Context, groupName string, conversationIDs []string) ([]ConversationOperationResult, error) {
	if groupName == "" {
		return nil, newError(errCodeGroupName, "a conversation group name is 1 to 32 bytes")
	}
	if len(conversationIDs) == 0 {
		return nil, newError(ErrCodeInvalidParameters, "conversation IDs are required")
	}
	return cm.batch(ctx, "conversation_group.create", map[string]any{"name": groupName, "conversationIDs": conversationIDs})
}

// DeleteConversationGroup deletes a conversation group (51009 when there is
// none); its conversations stay.
func (cm *ConversationManager) DeleteConversationGroup(ctx context.Context, groupName string) error {
	return cm.m.call(ctx, "conversation_group.delete", map[string]any{"name": groupName}, nil)
}

// RenameConversationGroup renames a conversation group.
func (cm *ConversationManager) RenameConversationGroup(ctx context.Context, oldName, newName string) error {
	if oldName == "" || newName == "" {
		return newError(errCodeGroupName, "a conversation group name is 1 to 32 bytes")
	}
	return cm.m.call(ctx, "conversation_group.rename", map[string]any{"oldName": oldName, "newName": newName}, nil)
}

// AddConversationsToGroup adds up to MaxConversationBatch conversations to
// a conversation group.
func (cm *ConversationManager) AddConversationsToGroup(ctx context.Context, groupName string, conversationIDs []string) ([]ConversationOperationResult, error) {
	if len(conversationIDs) == 0 || len(conversationIDs) > MaxConversationBatch {
		return nil, newError(ErrCodeInvalidParameters, "conversationIDs: 1 to %d", MaxConversationBatch)
	}
	return cm.batch(ctx, "conversation_group.add", map[string]any{"name": groupName, "conversationIDs": conversationIDs})
}

// DeleteConversationsFromGroup removes up to MaxConversationBatch
// conversations from a conversation group.
func (cm *ConversationManager) DeleteConversationsFromGroup(ctx context.Context, groupName string, conversationIDs []string) ([]ConversationOperationResult, error) {
	if len(conversationIDs) == 0 || len(conversationIDs) > MaxConversationBatch {
		return nil, newError(ErrCodeInvalidParameters, "conversationIDs: 1 to %d", MaxConversationBatch)
	}
	return cm.batch(ctx, "conversation_group.remove", map[string]any{"name": groupName, "conversationIDs": conversationIDs})
}

// GetConversationGroupList returns the names of the user's conversation
// groups (getConversationGroupList).
func (cm *ConversationManager) GetConversationGroupList(ctx context.Context) ([]string, error) {
	s, err := cm.m.current()
	if err != nil {
		return nil, err
	}
	groups, err := cm.m.conversationGroups(ctx, s)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(groups))
	for i, g := range groups {
		out[i] = g.Name
	}
	return out, nil
}

type wireConversationGroup struct {
	Name            string   `json:"name"`
	GroupID         int64    `json:"groupID"`
	ConversationIDs []string `json:"conversationIDs"`
}

func (m *Manager) conversationGroups(ctx context.Context, s *session) ([]wireConversationGroup, error) {
	var ans struct {
		Groups []wireConversationGroup `json:"groups"`
	}
	if _, err := m.callSess(ctx, s, "conversation_group.list", nil, &ans); err != nil {
		return nil, err
	}
	return ans.Groups, nil
}

// batch runs a conversation op answered with per-conversation results.
func (cm *ConversationManager) batch(ctx context.Context, op string, req map[string]any) ([]ConversationOperationResult, error) {
	var ans struct {
		Results []struct {
			ConversationID string  `json:"conversationID"`
			Code           flexInt `json:"code"`
			Info           string  `json:"info"`
		} `json:"results"`
	}
	if err := cm.m.call(ctx, op, req, &ans); err != nil {
		return nil, err
	}
	out := make([]ConversationOperationResult, len(ans.Results))
	for i, r := range ans.Results {
		out[i] = ConversationOperationResult{ConversationID: r.ConversationID, ResultCode: int(r.Code), ResultInfo: r.Info}
	}
	return out, nil
}

// ConversationListener receives changes of the conversation list
// (V2TIMConversationListener). Register it with
// ConversationManager.AddConversationListener. Callbacks run on the
// Manager's callback goroutine (see SDKListener), after the
// OnRecvNewMessage calls of the messages that caused them.
//
// The SDK re-reads the list from the server after a change (a message
// sent, received or recalled, a conversation read here or on another
// device) and reports the difference to what it reported before; changes
// that come in a burst are reported together. After a reconnect the
// difference covers everything that happened while the connection was
// down.
type ConversationListener interface {
	// OnSyncServerStart, OnSyncServerFinish, OnSyncServerFailed: the SDK
	// catches up with the server after a (re)connect.
	OnSyncServerStart()
	OnSyncServerFinish()
	OnSyncServerFailed()
	// OnNewConversation: conversations appeared in the list.
	OnNewConversation(conversations []*Conversation)
	// OnConversationChanged: conversations changed (last message, unread
	// count, read position, pin, draft, marks, groups).
	OnConversationChanged(conversations []*Conversation)
	// OnConversationDeleted: conversations left the list.
	OnConversationDeleted(conversationIDs []string)
	// OnTotalUnreadMessageCountChanged: the unread count of all
	// conversations changed.
	OnTotalUnreadMessageCountChanged(total int)
	// Conversation groups (the SDK reads the group list after a change and
	// reports the difference): created with its conversations, deleted,
	// renamed, conversations added or removed.
	OnConversationGroupCreated(groupName string, conversations []*Conversation)
	OnConversationGroupDeleted(groupName string)
	OnConversationGroupNameChanged(oldName, newName string)
	OnConversationsAddedToGroup(groupName string, conversations []*Conversation)
	OnConversationsDeletedFromGroup(groupName string, conversations []*Conversation)
}

// BaseConversationListener implements ConversationListener with methods
// that do nothing; embed it to implement only the callbacks you need.
type BaseConversationListener struct{}

func (BaseConversationListener) OnSyncServerStart()                                      {}
func (BaseConversationListener) OnSyncServerFinish()                                     {}
func (BaseConversationListener) OnSyncServerFailed()                                     {}
func (BaseConversationListener) OnNewConversation([]*Conversation)                       {}
func (BaseConversationListener) OnConversationChanged([]*Conversation)                   {}
func (BaseConversationListener) OnConversationDeleted([]string)                          {}
func (BaseConversationListener) OnTotalUnreadMessageCountChanged(int)                    {}
func (BaseConversationListener) OnConversationGroupCreated(string, []*Conversation)      {}
func (BaseConversationListener) OnConversationGroupDeleted(string)                       {}
func (BaseConversationListener) OnConversationGroupNameChanged(string, string)           {}
func (BaseConversationListener) OnConversationsAddedToGroup(string, []*Conversation)     {}
func (BaseConversationListener) OnConversationsDeletedFromGroup(string, []*Conversation) {}
