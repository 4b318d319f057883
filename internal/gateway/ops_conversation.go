package gateway

import (
	"context"
	"encoding/json"

	"github.com/parleyim/parley/internal/conversation"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/store"
)

func (g *Gateway) conversationOps() {
	g.ops["conversation.list"] = g.conversationList
	g.ops["conversation.get"] = g.conversationGet
	g.ops["conversation.sync"] = g.conversationSync
	g.ops["conversation.totalUnread"] = g.conversationTotalUnread
	g.ops["conversation.pin"] = g.conversationPin
	g.ops["conversation.delete"] = g.conversationDelete
	g.ops["conversation.mark"] = g.conversationMark
	g.ops["conversation.setDraft"] = g.conversationSetDraft
	g.ops["conversation_group.create"] = g.conversationGroupCreate
	g.ops["conversation_group.delete"] = g.conversationGroupDelete
	g.ops["conversation_group.rename"] = g.conversationGroupRename
	g.ops["conversation_group.add"] = g.conversationGroupMembers(true)
	g.ops["conversation_group.remove"] = g.conversationGroupMembers(false)
	g.ops["conversation_group.list"] = g.conversationGroupList
}

// Conversation is one entry of the conversation list (V2TIMConversation).
type Conversation struct {
	ConversationID string   `json:"conversationID"` // c2c_<peer> or group_<groupID>
	Type           string   `json:"type"`           // c2c or group
	UserID         string   `json:"userID"`         // the peer ("" for a group)
	GroupID        string   `json:"groupID,omitempty"`
	LastSeq        uint64   `json:"lastSeq"`
	LastTimeMs     int64    `json:"lastTimeMs"`
	ReadSeq        uint64   `json:"readSeq"`
	UnreadCount    int      `json:"unreadCount"`
	Pinned         bool     `json:"pinned"`
	LastMessage    *Message `json:"lastMessage,omitempty"`
	DraftText      string   `json:"draftText"`
	DraftTimeMs    int64    `json:"draftTimeMs"`
	MarkList       []uint64 `json:"markList"`
	CustomMark     string   `json:"customMark"`
	RecvOpt        int      `json:"recvOpt"` // 0 receive, 1 not_receive, 2 receive_not_notify
	GroupNames     []string `json:"groupNames"`
	// GroupAtInfoList is a group conversation's unread mentions.
	GroupAtInfoList []GroupAtInfo `json:"groupAtInfoList,omitempty"`
}

func (g *Gateway) wireConversations(ctx context.Context, c *conn, convs []conversation.Conversation) ([]Conversation, error) {
	views := make([]store.Conversation, len(convs))
	for i := range convs {
		views[i] = convs[i].Conversation
	}
	lasts, err := g.Messages.LastMessages(ctx, c.app, c.session.User, views)
	if err != nil {
		return nil, err
	}
	out := make([]Conversation, len(convs))
	for i := range convs {
		cv := &convs[i]
		out[i] = Conversation{ConversationID: cv.ID, Type: cv.Conv.Kind.String(), UserID: cv.Peer, LastSeq: cv.LastSeq, LastTimeMs: cv.LastTime,
			ReadSeq: cv.ReadSeq, UnreadCount: cv.Unread, Pinned: cv.Pinned(), DraftText: cv.Draft, DraftTimeMs: cv.DraftTime,
			MarkList: conversation.MarkList(cv.Marks), CustomMark: cv.CustomMark, GroupNames: cv.Groups,
			RecvOpt: cv.RecvOpt}
		if cv.Conv.Kind == convid.KindGroup {
			out[i].GroupID = cv.Conv.Target
		}
		if out[i].GroupNames == nil {
			out[i].GroupNames = []string{}
		}
		if last := lasts[i]; last != nil {
			w := wireMessage(*last)
			out[i].LastMessage = &w
		}
	}
	return out, g.addGroupAtInfo(ctx, c, out)
}

type conversationResult struct {
	ConversationID string `json:"conversationID"`
	Code           int    `json:"code"`
	Info           string `json:"info"`
}

func conversationResults(in []conversation.Result) []conversationResult {
	out := make([]conversationResult, len(in))
	for i, r := range in {
		out[i] = conversationResult{ConversationID: r.ID}
		if r.Err != nil {
			out[i].Code, out[i].Info = r.Err.Code, r.Err.Info
		}
	}
	return out
}

// conversationList answers one page of the list (V2TIM
// getConversationList(nextSeq, count)): at most conversation.MaxListCount
// conversations, so neither the answer nor its cost grows with the list.
// totalUnreadCount is over the whole list on every page (one store
// statement; see conversation.Service.TotalUnread for its cost).
func (g *Gateway) conversationList(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		MarkType  uint64 `json:"markType"`
		GroupName string `json:"groupName"`
		NextSeq   string `json:"nextSeq"`
		Count     int    `json:"count"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	user := c.session.User
	// The total is read before the page: the two are separate reads, and a
	// message arriving between them must not be counted in the total while
	// its conversation is missing from the page (the page, read after,
	// has every message the total saw).
	total, err := g.Conversations.TotalUnread(ctx, c.app, user)
	if err != nil {
		return nil, err
	}
	page, err := g.Conversations.ListPage(ctx, c.app, user, conversation.ListQuery{
		Filter: conversation.Filter{IncludeEmpty: true, MarkType: d.MarkType, GroupName: d.GroupName},
		Cursor: d.NextSeq, Count: d.Count,
	})
	if err != nil {
		return nil, err
	}
	out, err := g.wireConversations(ctx, c, page.Items)
	if err != nil {
		return nil, err
	}
	return map[string]any{"conversations": out, "totalUnreadCount": total, "nextSeq": page.NextCursor, "isFinished": page.Finished}, nil
}

func (g *Gateway) conversationGet(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		ConversationIDs []string `json:"conversationIDs"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if len(d.ConversationIDs) == 0 || len(d.ConversationIDs) > conversation.MaxBatch {
		return nil, errcode.Newf(CodeInvalidRequest, "conversationIDs: 1 to %d", conversation.MaxBatch)
	}
	convs, err := g.Conversations.Get(ctx, c.app, c.session.User, d.ConversationIDs)
	if err != nil {
		return nil, err
	}
	out, err := g.wireConversations(ctx, c, convs)
	if err != nil {
		return nil, err
	}
	return map[string]any{"conversations": out}, nil
}

// conversationSync answers the conversations whose view changed after
// afterVersion (a bounded page, in version order): a client that kept the
// list at a version catches up without paging it whole.
func (g *Gateway) conversationSync(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		AfterVersion uint64 `json:"afterVersion"`
		Count        int    `json:"count"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	page, err := g.Conversations.Sync(ctx, c.app, c.session.User, d.AfterVersion, d.Count)
	if err != nil {
		return nil, err
	}
	out, err := g.wireConversations(ctx, c, page.Changed)
	if err != nil {
		return nil, err
	}
	deleted := page.Deleted
	if deleted == nil {
		deleted = []string{}
	}
	return map[string]any{"conversations": out, "deletedConversationIDs": deleted, "version": page.Version,
		"isFinished": page.Finished}, nil
}

func (g *Gateway) conversationTotalUnread(ctx context.Context, c *conn, _ json.RawMessage) (any, error) {
	total, err := g.Conversations.TotalUnread(ctx, c.app, c.session.User)
	if err != nil {
		return nil, err
	}
	return map[string]int{"totalUnreadCount": total}, nil
}

func (g *Gateway) conversationPin(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		ConversationID string `json:"conversationID"`
		Pinned         *bool  `json:"pinned"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if d.Pinned == nil {
		return nil, errcode.New(CodeInvalidRequest, "pinned: true or false is required")
	}
	return struct{}{}, g.Conversations.Pin(ctx, c.app, c.session.User, d.ConversationID, *d.Pinned)
}

func (g *Gateway) conversationDelete(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		ConversationIDs []string `json:"conversationIDs"`
		ClearMessages   bool     `json:"clearMessages"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	results, err := g.Conversations.Delete(ctx, c.app, c.session.User, d.ConversationIDs, d.ClearMessages)
	if err != nil {
		return nil, err
	}
	return map[string]any{"results": conversationResults(results)}, nil
}

func (g *Gateway) conversationMark(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		ConversationIDs []string `json:"conversationIDs"`
		MarkType        uint64   `json:"markType"`
		Enable          bool     `json:"enable"`
		CustomMark      *string  `json:"customMark"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if d.MarkType == 0 && d.CustomMark == nil {
		return nil, errcode.New(CodeInvalidRequest, "markType or customMark is required")
	}
	items := make([]conversation.MarkItem, len(d.ConversationIDs))
	for i, id := range d.ConversationIDs {
		items[i].ID, items[i].ClientMarks = id, true
		if d.Enable {
			items[i].Set = d.MarkType
		} else {
			items[i].Clear = d.MarkType
		}
		if d.CustomMark != nil {
			items[i].SetCustom, items[i].Custom = true, *d.CustomMark
		}
	}
	results, err := g.Conversations.Mark(ctx, c.app, c.session.User, items)
	if err != nil {
		return nil, err
	}
	return map[string]any{"results": conversationResults(results)}, nil
}

func (g *Gateway) conversationSetDraft(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		ConversationID string `json:"conversationID"`
		Text           string `json:"text"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	return struct{}{}, g.Conversations.SetDraft(ctx, c.app, c.session.User, d.ConversationID, d.Text)
}

func (g *Gateway) conversationGroupCreate(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		Name            string   `json:"name"`
		ConversationIDs []string `json:"conversationIDs"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	grp, results, err := g.Conversations.CreateGroup(ctx, c.app, c.session.User, d.Name, d.ConversationIDs)
	if err != nil {
		return nil, err
	}
	return map[string]any{"groupID": grp.ID, "results": conversationResults(results)}, nil
}

func (g *Gateway) conversationGroupDelete(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		Name string `json:"name"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	_, err := g.Conversations.DeleteGroups(ctx, c.app, c.session.User, []string{d.Name})
	return struct{}{}, err
}

func (g *Gateway) conversationGroupRename(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		OldName string `json:"oldName"`
		NewName string `json:"newName"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if d.NewName == "" {
		return nil, errcode.New(CodeInvalidRequest, "newName is required")
	}
	_, _, err := g.Conversations.UpdateGroup(ctx, c.app, c.session.User, d.OldName, d.NewName, nil)
	return struct{}{}, err
}

func (g *Gateway) conversationGroupMembers(add bool) opFunc {
	return func(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
		var d struct {
			Name            string   `json:"name"`
			ConversationIDs []string `json:"conversationIDs"`
		}
		if err := decode(data, &d); err != nil {
			return nil, err
		}
		if len(d.ConversationIDs) == 0 || len(d.ConversationIDs) > conversation.MaxBatch {
			return nil, errcode.Newf(CodeInvalidRequest, "conversationIDs: 1 to %d", conversation.MaxBatch)
		}
		ops := make([]conversation.GroupOp, len(d.ConversationIDs))
		for i, id := range d.ConversationIDs {
			ops[i] = conversation.GroupOp{ID: id, Add: add}
		}
		_, results, err := g.Conversations.UpdateGroup(ctx, c.app, c.session.User, d.Name, "", ops)
		if err != nil {
			return nil, err
		}
		return map[string]any{"results": conversationResults(results)}, nil
	}
}

type conversationGroup struct {
	Name            string   `json:"name"`
	GroupID         int64    `json:"groupID"`
	ConversationIDs []string `json:"conversationIDs"`
}

func (g *Gateway) conversationGroupList(ctx context.Context, c *conn, _ json.RawMessage) (any, error) {
	groups, err := g.Conversations.Groups(ctx, c.app, c.session.User)
	if err != nil {
		return nil, err
	}
	out := make([]conversationGroup, len(groups))
	for i, grp := range groups {
		out[i] = conversationGroup{Name: grp.Name, GroupID: grp.ID, ConversationIDs: grp.Members}
		if out[i].ConversationIDs == nil {
			out[i].ConversationIDs = []string{}
		}
	}
	return map[string]any{"groups": out}, nil
}

// conversationPushData is the data of a conversation push: the
// conversations (or, for conversation_group.changed, the group names) the
// change touched. Other kinds report false.
func conversationPushData(e event.Event) (any, bool) {
	ids := e.Peers
	if ids == nil {
		ids = []string{}
	}
	switch e.Kind {
	case event.ConversationChanged, event.ConversationDeleted:
		return map[string][]string{"conversationIDs": ids}, true
	case event.ConversationGroupChanged:
		return map[string][]string{"names": ids}, true
	}
	return nil, false
}

// conversationSyncEvent moves the IDs of a conversation event out of
// userIDs, where sync puts a logged event's peers.
func conversationSyncEvent(se syncEvent) syncEvent {
	switch event.Kind(se.Kind) {
	case event.ConversationChanged, event.ConversationDeleted:
		se.ConversationIDs, se.UserIDs = se.UserIDs, []string{}
	case event.ConversationGroupChanged:
		se.Names, se.UserIDs = se.UserIDs, []string{}
	}
	return se
}
