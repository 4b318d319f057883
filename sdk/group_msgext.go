package sdk

import (
	"context"
	"encoding/json"
	"time"
)

// Group message features: @mentions (Message.AtUserList and the
// conversation's GroupAtInfoList), targeted group messages, group read
// receipts and message priority.

// AtAllTag in a message's AtUserList mentions every member (V2TIM's
// kImSDK_MesssageAtALL).
const AtAllTag = "__kImSDK_MesssageAtALL__"

// GroupAtType is what a GroupAtInfo says (V2TIMGroupAtInfo.atType).
type GroupAtType int

// At types.
const (
	GroupAtMe      GroupAtType = 0 // the user was mentioned
	GroupAtAll     GroupAtType = 1 // everyone was mentioned
	GroupAtAllAtMe GroupAtType = 2 // both, in one message
)

// GroupAtInfo is one unread mention of the user in a group conversation
// (V2TIMGroupAtInfo): the message with Seq. Reading past it
// (MarkGroupMessageAsRead) clears it on every device.
type GroupAtInfo struct {
	Seq    uint64
	AtType GroupAtType
}

// MessagePriority orders a group's messages under its rate limit (the
// server's 40 messages a second): lower priorities are refused first
// (V2TIM_PRIORITY_*).
type MessagePriority int

// Priorities.
const (
	PriorityDefault MessagePriority = iota // Normal
	PriorityHigh
	PriorityNormal
	PriorityLow
	PriorityLowest
)

func (p MessagePriority) wire() string {
	switch p {
	case PriorityHigh:
		return "High"
	case PriorityLow:
		return "Low"
	case PriorityLowest:
		return "Lowest"
	}
	return ""
}

// CreateTextAtMessage returns a text message mentioning atUserList
// (createTextAtMessage; AtAllTag mentions everyone). Only group messages
// carry mentions.
func (mm *MessageManager) CreateTextAtMessage(text string, atUserList []string) *Message {
	m := newMessage(&TextElem{Text: text})
	m.AtUserList = append([]string(nil), atUserList...)
	return m
}

// CreateTargetedGroupMessage makes msg a targeted group message
// (createTargetedGroupMessage): only receiverList (members, at most 50)
// and the sender's devices get it, it is in nobody else's history and
// counts as unread for nobody. It cannot mention anyone, and Community
// and AVChatRoom groups refuse it (10007).
func (mm *MessageManager) CreateTargetedGroupMessage(msg *Message, receiverList []string) *Message {
	if msg != nil {
		msg.TargetGroupMemberList = append([]string(nil), receiverList...)
	}
	return msg
}

// wireGroupAt is one GroupAtInfo entry of a stored body.
type wireGroupAt struct {
	GroupAtAllFlag int    `json:"GroupAtAllFlag"`
	GroupAtAccount string `json:"GroupAt_Account,omitempty"`
}

// atUsers is the body's mentions as V2TIM's atUserList.
func (b *wireBody) atUsers() []string {
	var out []string
	for _, a := range b.GroupAtInfo {
		if a.GroupAtAllFlag == 1 {
			out = append(out, AtAllTag)
		} else if a.GroupAtAccount != "" {
			out = append(out, a.GroupAtAccount)
		}
	}
	return out
}

// addGroupSendFields puts msg's group features into a msg.send request.
func addGroupSendFields(req map[string]any, msg *Message, groupID string) error {
	if groupID == "" {
		if len(msg.AtUserList) > 0 || len(msg.TargetGroupMemberList) > 0 {
			return newError(ErrCodeInvalidParameters, "mentions and targeted receivers are for group messages")
		}
		return nil
	}
	if len(msg.AtUserList) > 0 {
		req["atUserList"] = msg.AtUserList
	}
	if len(msg.TargetGroupMemberList) > 0 {
		req["receiverList"] = msg.TargetGroupMemberList
	}
	if p := msg.Priority.wire(); p != "" {
		req["priority"] = p
	}
	return nil
}

type wireGroupReceipt struct {
	MsgKey      string `json:"msgKey"`
	Seq         uint64 `json:"seq"`
	Code        int    `json:"code"`
	ReadCount   int    `json:"readCount"`
	UnreadCount int    `json:"unreadCount"`
}

// groupMessagesOf checks msgs are stored messages of one group and returns
// it with their keys.
func groupMessagesOf(msgs []*Message, received bool) (string, []string, error) {
	if len(msgs) == 0 || len(msgs) > MaxReadReceipts {
		return "", nil, newError(ErrCodeInvalidParameters, "1 to %d messages", MaxReadReceipts)
	}
	keys := make([]string, len(msgs))
	group := ""
	for i, msg := range msgs {
		if msg == nil || msg.Seq == 0 || msg.MsgKey == "" || msg.GroupID == "" || (received && msg.IsSelf) || (!received && !msg.IsSelf) {
			return "", nil, newError(ErrCodeInvalidParameters, "message %d: not a stored group message the user may name here", i)
		}
		if i == 0 {
			group = msg.GroupID
		} else if msg.GroupID != group {
			return "", nil, newError(ErrCodeInvalidParameters, "the messages must belong to one conversation")
		}
		keys[i] = msg.MsgKey
	}
	return group, keys, nil
}

// sendGroupReadReceipts is SendMessageReadReceipts for group messages:
// the senders get OnRecvMessageReadReceipts with the new counts.
func (mm *MessageManager) sendGroupReadReceipts(ctx context.Context, msgs []*Message) error {
	group, keys, err := groupMessagesOf(msgs, true)
	if err != nil {
		return err
	}
	return mm.m.call(ctx, "msg.receipt", map[string]any{"groupID": group, "msgKeys": keys}, nil)
}

// GetMessageReadReceipts returns the read receipt counts of group messages
// the user sent with NeedReadReceipt (getMessageReadReceipts; 1 to 30 of
// one group), in order. ReadCount 0 is none read, UnreadCount 0 all read.
// A message without receipt information fails the call with 10062.
func (mm *MessageManager) GetMessageReadReceipts(ctx context.Context, msgs []*Message) ([]MessageReceipt, error) {
	group, keys, err := groupMessagesOf(msgs, false)
	if err != nil {
		return nil, err
	}
	var ans struct {
		Receipts []wireGroupReceipt `json:"receipts"`
	}
	if err := mm.m.call(ctx, "msg.groupReceipts", map[string]any{"groupID": group, "msgKeys": keys}, &ans); err != nil {
		return nil, err
	}
	out := make([]MessageReceipt, len(ans.Receipts))
	for i, r := range ans.Receipts {
		if r.Code != 0 {
			return nil, newError(r.Code, "message %s has no read receipt information", keys[i])
		}
		out[i] = MessageReceipt{MsgID: keys[i], GroupID: group, Seq: r.Seq, ReadCount: r.ReadCount, UnreadCount: r.UnreadCount}
	}
	return out, nil
}

// GroupMessageReadMembersFilter chooses GetGroupMessageReadMemberList's
// list (V2TIM_GROUP_MESSAGE_READ_MEMBERS_FILTER_*).
type GroupMessageReadMembersFilter int

// Filters.
const (
	GroupMessageReadMembersRead   GroupMessageReadMembersFilter = 0
	GroupMessageReadMembersUnread GroupMessageReadMembersFilter = 1
)

// GroupMessageReadMemberList is one page of a message's read or unread
// members.
type GroupMessageReadMemberList struct {
	UserIDs []string
	// NextSeq continues the list; IsFinished says there is no more.
	NextSeq    string
	IsFinished bool
}

// GetGroupMessageReadMemberList pages the members who read (or have not
// read) msg, a group message the user sent with NeedReadReceipt
// (getGroupMessageReadMemberList): nextSeq "" first, count 1 to 100.
// 10062 for a message without receipt information.
func (mm *MessageManager) GetGroupMessageReadMemberList(ctx context.Context, msg *Message, filter GroupMessageReadMembersFilter, nextSeq string, count int) (*GroupMessageReadMemberList, error) {
	group, keys, err := groupMessagesOf([]*Message{msg}, false)
	if err != nil {
		return nil, err
	}
	var ans struct {
		UserIDs    []string `json:"userIDs"`
		Cursor     string   `json:"cursor"`
		IsFinished bool     `json:"isFinished"`
	}
	in := map[string]any{"groupID": group, "msgKey": keys[0], "filter": int(filter), "cursor": nextSeq, "count": count}
	if err := mm.m.call(ctx, "msg.groupReadMembers", in, &ans); err != nil {
		return nil, err
	}
	return &GroupMessageReadMemberList{UserIDs: ans.UserIDs, NextSeq: ans.Cursor, IsFinished: ans.IsFinished}, nil
}

// onGroupReceiptPush reports msg.groupReceipt: members read group
// messages the user sent.
func (m *Manager) onGroupReceiptPush(data json.RawMessage) {
	var d struct {
		GroupID  string             `json:"groupID"`
		From     string             `json:"from"`
		Receipts []wireGroupReceipt `json:"receipts"`
	}
	if data == nil || json.Unmarshal(data, &d) != nil || d.GroupID == "" {
		m.log.Warn("parley sdk: ignoring an invalid msg.groupReceipt push")
		return
	}
	now := time.Now().Unix()
	r := make([]MessageReceipt, len(d.Receipts))
	for i, x := range d.Receipts {
		r[i] = MessageReceipt{MsgID: x.MsgKey, GroupID: d.GroupID, UserID: d.From, Seq: x.Seq, ReadCount: x.ReadCount,
			UnreadCount: x.UnreadCount, Timestamp: now}
	}
	m.messages.fire(func(l AdvancedMsgListener) { l.OnRecvMessageReadReceipts(r) })
}

func wireAtInfos(in []wireAtInfo) []GroupAtInfo {
	if len(in) == 0 {
		return nil
	}
	out := make([]GroupAtInfo, len(in))
	for i, a := range in {
		out[i] = GroupAtInfo{Seq: a.Seq, AtType: GroupAtType(a.AtType)}
	}
	return out
}

type wireAtInfo struct {
	Seq    uint64 `json:"seq"`
	AtType int    `json:"atType"`
}
