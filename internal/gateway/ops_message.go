package gateway

import (
	"context"
	"encoding/json"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
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
	return Message{MsgKey: message.MsgKey(m), From: m.Sender, To: m.Receiver, Seq: m.Seq, Random: m.Random,
		TimeMs: m.SentAt, Status: status, Version: m.Version, Flags: m.Flags, Body: body}
}

func (g *Gateway) messageOps() {
	g.ops["msg.send"] = g.msgSend
	g.ops["msg.history"] = g.msgHistory
	g.ops["msg.read"] = g.msgRead
	g.ops["msg.recall"] = g.msgRecall
	g.ops["conversation.list"] = g.conversationList
}

func (g *Gateway) msgSend(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		To                string          `json:"to"`
		Random            uint32          `json:"random"`
		ClientMsgID       string          `json:"clientMsgID"`
		Body              message.Content `json:"body"`
		OnlineUserOnly    bool            `json:"onlineUserOnly"`
		ExcludeFromUnread bool            `json:"excludedFromUnreadCount"`
		ExcludeFromLast   bool            `json:"excludedFromLastMessage"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if len(d.ClientMsgID) > 64 {
		return nil, errcode.New(CodeInvalidRequest, "clientMsgID: at most 64 bytes")
	}
	sent, err := g.Messages.SendC2C(ctx, c.app, message.SendRequest{
		From: c.session.User, To: d.To, Random: d.Random, ClientMsgID: d.ClientMsgID, Content: d.Body,
		OnlineOnly: d.OnlineUserOnly, ExcludeFromUnread: d.ExcludeFromUnread, ExcludeFromLast: d.ExcludeFromLast, Origin: c,
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"message": wireMessage(sent.Message), "duplicate": sent.Duplicate}, nil
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
	}
	return map[string]any{"messages": out}, nil
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
	seq, err := message.ParseMsgKey(d.MsgKey)
	if err != nil {
		return nil, err
	}
	_, err = g.Messages.Recall(ctx, c.app, c.session.User, d.UserID, seq, false, c)
	return struct{}{}, err
}

// Conversation is one entry of the conversation list.
type Conversation struct {
	ConversationID string   `json:"conversationID"` // c2c_<peer>
	UserID         string   `json:"userID"`
	LastSeq        uint64   `json:"lastSeq"`
	LastTimeMs     int64    `json:"lastTimeMs"`
	ReadSeq        uint64   `json:"readSeq"`
	UnreadCount    int      `json:"unreadCount"`
	Pinned         bool     `json:"pinned"`
	LastMessage    *Message `json:"lastMessage,omitempty"`
}

func (g *Gateway) conversationList(ctx context.Context, c *conn, _ json.RawMessage) (any, error) {
	convs, err := g.Messages.Conversations(ctx, c.app, c.session.User)
	if err != nil {
		return nil, err
	}
	out := make([]Conversation, len(convs))
	total := 0
	for i, cv := range convs {
		out[i] = Conversation{ConversationID: "c2c_" + cv.Peer, UserID: cv.Peer, LastSeq: cv.LastSeq, LastTimeMs: cv.LastTime,
			ReadSeq: cv.ReadSeq, UnreadCount: cv.Unread, Pinned: cv.PinnedAt > 0}
		last, err := g.Messages.LastMessage(ctx, c.app, c.session.User, cv)
		if err != nil {
			return nil, err
		}
		if last != nil {
			w := wireMessage(*last)
			out[i].LastMessage = &w
		}
		total += cv.Unread
	}
	return map[string]any{"conversations": out, "totalUnreadCount": total}, nil
}

// deliverMessage sends a msg.* event to both users' sessions but the one
// that made it, encoding the frame once.
func (g *Gateway) deliverMessage(e event.Event) {
	m := e.Message
	var data any
	switch e.Kind {
	case event.MessageNew:
		data = wireMessage(*m)
	case event.MessageRecalled:
		data = map[string]any{"msgKey": message.MsgKey(*m), "from": m.Sender, "to": m.Receiver, "seq": m.Seq}
	case event.MessageRead:
		data = map[string]any{"from": m.Sender, "to": m.Receiver, "seq": m.Seq}
	default:
		return
	}
	var frame []byte
	for _, user := range []string{m.Receiver, m.Sender} {
		for _, s := range g.Presence.Sessions(e.App, user) {
			if e.Origin != nil && s.Endpoint == e.Origin {
				continue
			}
			if frame == nil {
				frame = PushFrame(string(e.Kind), 0, data)
			}
			s.Endpoint.Push(frame)
		}
		if m.Receiver == m.Sender {
			break
		}
	}
}
