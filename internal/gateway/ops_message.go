package gateway

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/jsonscan"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/store"
)

// Message is a one-to-one message in the protocol's vocabulary. It names
// both ends rather than "the peer", so the same bytes serve the receiver
// and the sender's other devices.
type Message struct {
	MsgKey  string          `json:"msgKey"`
	From    string          `json:"from"`
	To      string          `json:"to"`
	Seq     uint64          `json:"seq"`
	Random  uint32          `json:"random"`
	TimeMs  int64           `json:"timeMs"`
	Status  string          `json:"status"` // normal or recalled
	Version int             `json:"version"`
	Flags   int             `json:"flags"`
	Body    json.RawMessage `json:"body"`
	// GroupID is set on a group message (then To is "").
	GroupID string `json:"groupID,omitempty"`
	// IsPeerRead is in msg.history answers, on messages sent with a read
	// receipt requested (flags & 4): the receiver sent a msg.receipt.
	IsPeerRead *bool `json:"isPeerRead,omitempty"`
}

func wireMessage(m store.Message) Message {
	status := "normal"
	if m.Status == store.MessageRecalled {
		status = "recalled"
	}
	body := json.RawMessage(m.Body)
	if len(body) == 0 || m.Status == store.MessageRecalled {
		body = json.RawMessage(`{"MsgBody":[]}`)
	}
	w := Message{MsgKey: message.MsgKey(m), From: m.Sender, To: m.Receiver, Seq: m.Seq, Random: m.Random,
		TimeMs: m.SentAt, Status: status, Version: m.Version, Flags: m.Flags, Body: body}
	if id, ok := convid.FromKey(m.Sender, m.ConvKey); ok && id.Kind == convid.KindGroup {
		w.GroupID = id.Target
	}
	return w
}

func (g *Gateway) messageOps() {
	g.queuedOps["msg.send"] = g.msgSend
	g.ops["msg.history"] = g.msgHistory
	g.ops["msg.read"] = g.msgRead
	g.ops["msg.recall"] = g.msgRecall
	g.ops["msg.modify"] = g.msgModify
	g.ops["msg.delete"] = g.msgDelete
	g.ops["msg.clear"] = g.msgClear
	g.ops["msg.receipt"] = g.msgReceipt
	g.ops["user.setC2CReceiveOpt"] = g.userSetC2CReceiveOpt
	g.ops["user.getC2CReceiveOpt"] = g.userGetC2CReceiveOpt
}

// sendData is msg.send's parameters, for a user or (embedded, with the group
// features) for a group.
type sendData struct {
	To                string          `json:"to"`
	Random            uint32          `json:"random"`
	ClientMsgID       string          `json:"clientMsgID"`
	Body              message.Content `json:"body"`
	OnlineUserOnly    bool            `json:"onlineUserOnly"`
	ExcludeFromUnread bool            `json:"excludedFromUnreadCount"`
	ExcludeFromLast   bool            `json:"excludedFromLastMessage"`
	NeedReadReceipt   bool            `json:"needReadReceipt"`
}

// check is what the gateway asks of a send's parameters before the message
// core: the client message ID's bound.
func (d *sendData) check() error {
	if len(d.ClientMsgID) > 64 {
		return errcode.New(CodeInvalidRequest, "clientMsgID: at most 64 bytes")
	}
	return nil
}

var sendDataFields = []string{"to", "random", "clientMsgID", "body", "onlineUserOnly",
	"excludedFromUnreadCount", "excludedFromLastMessage", "needReadReceipt"}

// decodeSendFast reads msg.send's parameters as decode would, without
// reflection, or answers ok=false (jsonscan's contract).
func decodeSendFast(data []byte) (d sendData, ok bool) {
	rd := jsonscan.New(data)
	ok = rd.Fields(sendDataFields, func(i int) bool {
		var ok bool
		switch i {
		case 0:
			d.To, ok = rd.String()
		case 1:
			var v uint64
			v, ok = rd.Uint(1<<32 - 1)
			d.Random = uint32(v)
		case 2:
			d.ClientMsgID, ok = rd.String()
		case 3:
			d.Body, ok = message.ScanContent(rd)
		case 4:
			d.OnlineUserOnly, ok = rd.Bool()
		case 5:
			d.ExcludeFromUnread, ok = rd.Bool()
		case 6:
			d.ExcludeFromLast, ok = rd.Bool()
		default:
			d.NeedReadReceipt, ok = rd.Bool()
		}
		return ok
	})
	return d, ok && rd.End()
}

func (g *Gateway) msgSend(ctx context.Context, c *conn, data json.RawMessage) begun {
	d, ok := decodeSendFast(data)
	if !ok {
		d = sendData{}
		if err := decode(data, &d); err != nil {
			return answerNow(nil, err)
		}
	}
	if err := d.check(); err != nil {
		return answerNow(nil, err)
	}
	sent := g.Messages.SendC2CQueued(ctx, c.app, message.SendRequest{
		From: c.session.User, To: d.To, Random: d.Random, ClientMsgID: d.ClientMsgID, Content: d.Body,
		OnlineOnly: d.OnlineUserOnly, ExcludeFromUnread: d.ExcludeFromUnread, ExcludeFromLast: d.ExcludeFromLast,
		NeedReadReceipt: d.NeedReadReceipt, Origin: c,
	})
	return begun{ready: sent.Ready, finish: func() (any, error) {
		s, err := sent.Finish()
		if err != nil {
			return nil, err
		}
		if !s.Duplicate {
			if d.OnlineUserOnly {
				g.metrics.sentOnline.Inc()
			} else {
				g.metrics.sentC2C.Inc()
			}
		}
		return sendAnswer{Message: wireMessage(s.Message), Duplicate: s.Duplicate}, nil
	}}
}

func (g *Gateway) msgHistory(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		UserID    string `json:"userID"`
		Seq       uint64 `json:"seq"`
		Ascending bool   `json:"ascending"`
		Count     int    `json:"count"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	msgs, err := g.Messages.History(ctx, c.app, c.session.User, d.UserID, d.Seq, d.Ascending, d.Count)
	if err != nil {
		return nil, err
	}
	out := make([]Message, len(msgs))
	for i, m := range msgs {
		out[i] = wireMessage(m)
		if m.Flags&store.MessageNeedReadReceipt != 0 {
			out[i].IsPeerRead = &msgs[i].PeerRead
		}
	}
	return map[string]any{"messages": out}, nil
}

func (g *Gateway) msgReceipt(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		UserID  string   `json:"userID"`
		MsgKeys []string `json:"msgKeys"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	keys, err := g.Messages.SendReceipts(ctx, c.app, c.session.User, d.UserID, d.MsgKeys)
	if err != nil {
		return nil, err
	}
	return map[string]any{"msgKeys": keys}, nil
}

func (g *Gateway) userSetC2CReceiveOpt(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		UserIDs []string `json:"userIDs"`
		Opt     *int     `json:"opt"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if d.Opt == nil {
		return nil, errcode.New(CodeInvalidRequest, "opt: 0 receive, 1 not_receive or 2 receive_not_notify")
	}
	return struct{}{}, g.Messages.SetRecvOpt(ctx, c.app, c.session.User, d.UserIDs, *d.Opt)
}

func (g *Gateway) userGetC2CReceiveOpt(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		UserIDs []string `json:"userIDs"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	infos, err := g.Messages.RecvOpts(ctx, c.app, c.session.User, d.UserIDs)
	if err != nil {
		return nil, err
	}
	type optInfo struct {
		UserID string `json:"userID"`
		Opt    int    `json:"opt"`
	}
	out := make([]optInfo, len(infos))
	for i, in := range infos {
		out[i] = optInfo{in.UserID, in.Opt}
	}
	return map[string]any{"opts": out}, nil
}

func (g *Gateway) msgRead(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		UserID string `json:"userID"`
		Seq    uint64 `json:"seq"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	return struct{}{}, g.Messages.MarkRead(ctx, c.app, c.session.User, d.UserID, d.Seq, c)
}

func (g *Gateway) msgRecall(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		UserID string `json:"userID"`
		MsgKey string `json:"msgKey"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	_, err := g.Messages.Recall(ctx, c.app, c.session.User, d.UserID, d.MsgKey, false, c)
	return struct{}{}, err
}

func (g *Gateway) msgModify(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		UserID  string `json:"userID"`
		MsgKey  string `json:"msgKey"`
		Version *int   `json:"version"`
		Body    struct {
			MsgBody         []message.Element `json:"MsgBody"`
			CloudCustomData *string           `json:"CloudCustomData"`
		} `json:"body"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if d.Version == nil {
		return nil, errcode.New(CodeInvalidRequest, "version: the version of the message being modified is required")
	}
	m, err := g.Messages.Modify(ctx, c.app, c.session.User, d.UserID, d.MsgKey, d.Version,
		message.Modification{MsgBody: d.Body.MsgBody, CloudCustomData: d.Body.CloudCustomData}, c)
	if err != nil && m.Seq == 0 {
		return nil, err
	}
	// On a conflict (2480) the answer carries the current message.
	return map[string]any{"message": wireMessage(m)}, err
}

func (g *Gateway) msgDelete(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		UserID  string   `json:"userID"`
		MsgKeys []string `json:"msgKeys"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if len(d.MsgKeys) == 0 || len(d.MsgKeys) > message.MaxDeletePerCall {
		return nil, errcode.Newf(CodeInvalidRequest, "msgKeys: 1 to %d messages of one conversation", message.MaxDeletePerCall)
	}
	keys, err := g.Messages.DeleteForMe(ctx, c.app, c.session.User, d.UserID, d.MsgKeys, c)
	if err != nil {
		return nil, err
	}
	return map[string]any{"msgKeys": keys}, nil
}

func (g *Gateway) msgClear(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		UserID string `json:"userID"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	seq, err := g.Messages.ClearHistory(ctx, c.app, c.session.User, d.UserID, c)
	if err != nil {
		return nil, err
	}
	return map[string]any{"clearedSeq": seq}, nil
}

// deliverMessage sends a msg.* event to the sessions of its users (the
// conversation's two, or only one of them) but the one that made it,
// encoding the frame once.
func (g *Gateway) deliverMessage(e event.Event) {
	m := e.Message
	var data any
	switch e.Kind {
	case event.MessageNew, event.MessageModified:
		data = wireMessage(*m)
	case event.MessageRecalled:
		data = map[string]any{"msgKey": message.MsgKey(*m), "from": m.Sender, "to": m.Receiver, "seq": m.Seq}
	case event.MessageRead:
		data = map[string]any{"from": m.Sender, "to": m.Receiver, "seq": m.Seq}
	case event.MessageReceipt:
		// To the messages' sender: from is the reader.
		data = map[string]any{"from": m.Sender, "to": m.Receiver, "msgKeys": e.MsgKeys}
	case event.MessageDeleted:
		// To the user who deleted: userID is the conversation's peer.
		data = map[string]any{"userID": m.Receiver, "msgKeys": e.MsgKeys}
	case event.GroupMessageReceipt:
		data = groupReceiptPush(e)
	case event.ConversationCleared:
		id, _ := convid.FromKey(e.User, m.ConvKey)
		data = map[string]any{"conversationID": id.String(), "userID": m.Receiver, "clearedSeq": m.Seq}
	default:
		return
	}
	if group, ok := strings.CutPrefix(m.ConvKey, convid.GroupKey("")); ok {
		switch e.Kind {
		case event.MessageNew, event.MessageModified, event.MessageRecalled:
			if e.Kind == event.MessageRecalled {
				// to is "" in a group: groupID says which conversation.
				data.(map[string]any)["groupID"] = group
			}
			// Every member hears it, through the group's subject: one
			// publish whatever the group's size.
			p := GroupPush{Frame: PushFrame(string(e.Kind), 0, data), Origin: e.Origin, Only: e.Only}
			if e.Kind == event.MessageNew {
				p.Seq = m.Seq
				if e.Only == nil {
					p.Except = e.Except
				}
			}
			if err := g.PublishGroup(e.App, group, p); err != nil {
				g.Logger.Error("group push refused", "app", e.App, "group", group, "kind", e.Kind, "err", err)
			}
			return
		}
	}
	// Encoded once, for every user and node.
	var frame []byte
	for i, user := range append([]string{e.User}, e.Peers...) {
		if i > 0 && user == e.User {
			continue
		}
		subject := broker.UserSubject(e.App, user)
		if !g.mayListen(subject) || g.reachesOnlyOrigin(e.App, user, subject, e.Origin) {
			continue
		}
		if frame == nil {
			frame = PushFrame(string(e.Kind), 0, data)
		}
		g.publish(e.App, user, subject, e.Origin, frame)
	}
}
