package gateway

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/message"
)

// The group message features on the socket: read receipts of group
// messages (msg.receipt naming a group, msg.groupReceipts,
// msg.groupReadMembers, the msg.groupReceipt push) and the at-info of
// group conversations. msg.send's group fields are in chatGroupMsgSend.

// maxReadMemberPageClient is the client's page of read members (Web's
// getGroupMessageReadMemberList: count at most 100).
const maxReadMemberPageClient = 100

func (g *Gateway) groupMsgExtOps() {
	g.ops["msg.receipt"] = g.groupOr(g.ops["msg.receipt"], g.chatGroupMsgReceipt)
	g.ops["msg.groupReceipts"] = g.needGroups(g.chatGroupReceipts)
	g.ops["msg.groupReadMembers"] = g.needGroups(g.chatGroupReadMembers)
}

// GroupAtInfo is one unread mention of a group conversation
// (V2TIMGroupAtInfo): atType 0 at me, 1 at all, 2 at all and at me.
type GroupAtInfo struct {
	Seq    uint64 `json:"seq"`
	AtType int    `json:"atType"`
}

// groupReceipt is one message's read receipt counts on the wire.
type groupReceipt struct {
	MsgKey      string `json:"msgKey"`
	Seq         uint64 `json:"seq"`
	Code        int    `json:"code"`
	ReadCount   int    `json:"readCount"`
	UnreadCount int    `json:"unreadCount"`
}

func wireGroupReceipts(in []message.GroupReceipt) []groupReceipt {
	out := make([]groupReceipt, len(in))
	for i, r := range in {
		out[i] = groupReceipt{MsgKey: r.MsgKey, Seq: r.Seq, Code: r.Code, ReadCount: r.ReadCount, UnreadCount: r.UnreadCount}
	}
	return out
}

// groupReceiptPush is msg.groupReceipt's data: from read the sender's
// messages receipts in groupID.
func groupReceiptPush(e event.Event) map[string]any {
	group, _ := strings.CutPrefix(e.Message.ConvKey, convid.GroupKey(""))
	rs := make([]groupReceipt, len(e.GroupReceipts))
	for i, r := range e.GroupReceipts {
		rs[i] = groupReceipt{MsgKey: r.MsgKey, Seq: r.Seq, ReadCount: r.ReadCount, UnreadCount: r.UnreadCount}
	}
	return map[string]any{"groupID": group, "from": e.Message.Sender, "receipts": rs}
}

// addGroupAtInfo fills the at-info of the group conversations of out, in
// one store read for the page.
func (g *Gateway) addGroupAtInfo(ctx context.Context, c *conn, out []Conversation) error {
	var groups []string
	for _, cv := range out {
		if cv.GroupID != "" {
			groups = append(groups, cv.GroupID)
		}
	}
	if len(groups) == 0 {
		return nil
	}
	infos, err := g.Messages.GroupAtInfo(ctx, c.app, c.session.User, groups)
	if err != nil {
		return err
	}
	for i := range out {
		for _, in := range infos[out[i].GroupID] {
			out[i].GroupAtInfoList = append(out[i].GroupAtInfoList, GroupAtInfo{Seq: in.Seq, AtType: in.Type})
		}
	}
	return nil
}

func (g *Gateway) chatGroupMsgReceipt(ctx context.Context, c *conn, groupID string, data json.RawMessage) (any, error) {
	var d struct {
		MsgKeys []string `json:"msgKeys"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	acked, err := g.Messages.SendGroupReceipts(ctx, c.app, c.session.User, groupID, d.MsgKeys)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(acked))
	for i, r := range acked {
		keys[i] = r.MsgKey
	}
	return map[string]any{"msgKeys": keys, "receipts": wireGroupReceipts(acked)}, nil
}

// groupMessageSeq is the seq of the message a request names by msgKey or
// seq.
func groupMessageSeq(msgKey string, seq uint64) (uint64, error) {
	if msgKey != "" {
		return message.ParseMsgKey(msgKey)
	}
	if seq == 0 {
		return 0, errcode.New(CodeInvalidRequest, "msgKey or seq: which message?")
	}
	return seq, nil
}

func (g *Gateway) chatGroupReceipts(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID string   `json:"groupID"`
		MsgKeys []string `json:"msgKeys"`
		Seqs    []uint64 `json:"seqs"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	seqs := d.Seqs
	for _, k := range d.MsgKeys {
		seq, err := message.ParseMsgKey(k)
		if err != nil {
			return nil, err
		}
		seqs = append(seqs, seq)
	}
	rs, err := g.Messages.GroupReceipts(ctx, c.app, c.session.User, d.GroupID, seqs, false)
	if err != nil {
		return nil, err
	}
	return map[string]any{"groupID": d.GroupID, "receipts": wireGroupReceipts(rs)}, nil
}

func (g *Gateway) chatGroupReadMembers(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID string `json:"groupID"`
		MsgKey  string `json:"msgKey"`
		Seq     uint64 `json:"seq"`
		Filter  int    `json:"filter"` // 0 read, 1 unread (Web's values)
		Cursor  string `json:"cursor"`
		Count   int    `json:"count"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	seq, err := groupMessageSeq(d.MsgKey, d.Seq)
	if err != nil {
		return nil, err
	}
	if d.Filter != 0 && d.Filter != 1 {
		return nil, errcode.New(CodeInvalidRequest, "filter: 0 read or 1 unread")
	}
	if d.Count == 0 {
		d.Count = maxReadMemberPageClient
	}
	if d.Count < 0 || d.Count > maxReadMemberPageClient {
		return nil, errcode.Newf(CodeInvalidRequest, "count: 1 to %d", maxReadMemberPageClient)
	}
	page, err := g.Messages.GroupReadMembers(ctx, c.app, c.session.User, d.GroupID, seq, d.Filter == 0, d.Cursor, d.Count, false)
	if err != nil {
		return nil, err
	}
	return map[string]any{"groupID": d.GroupID, "seq": seq, "userIDs": page.Users, "cursor": page.Cursor, "isFinished": page.Finished}, nil
}
