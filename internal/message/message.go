// Package message owns one-to-one messages: validation of the message body,
// the sending rules (relationship check, blocklist), per-conversation seqs,
// idempotent sends, history, read cursors and recall. The REST API and the
// client gateway both send through it.
package message

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/store"
)

// Error codes of the message service.
const (
	CodeBadBody         = 90002
	CodeBadFormat       = 90010
	CodeNoReceiver      = 20003
	CodeBlockedByPeer   = 20007
	CodeNotFriends      = 20009
	CodeNotPeersFriend  = 20010
	CodePeerNotMyFriend = 20011
	CodeRecallTooLate   = 20016
	CodeNoSuchMessage   = 20022
	CodeAlreadyRecalled = 20023
	CodeTooLong         = 93000
	CodeBadMsgKey       = 90054
	MaxContentBytes     = 12 << 10
	DefaultRetention    = 7 * 24 * time.Hour
	DefaultRecallWindow = 2 * time.Minute
	MaxHistoryPage      = 100
)

// Element is one element of a message body.
type Element struct {
	MsgType    string          `json:"MsgType"`
	MsgContent json.RawMessage `json:"MsgContent"`
}

// Content is what a sender sends and a receiver gets, in the REST API's
// shape, stored as is.
type Content struct {
	MsgBody         []Element       `json:"MsgBody"`
	CloudCustomData string          `json:"CloudCustomData,omitempty"`
	OfflinePushInfo json.RawMessage `json:"OfflinePushInfo,omitempty"`
}

var elementTypes = map[string]bool{
	"TIMTextElem": true, "TIMLocationElem": true, "TIMFaceElem": true, "TIMCustomElem": true, "TIMSoundElem": true,
	"TIMImageElem": true, "TIMFileElem": true, "TIMVideoFileElem": true, "TIMRelayElem": true,
}

// Validate checks the body and returns its stored encoding.
func (c Content) Validate() ([]byte, error) {
	if len(c.MsgBody) == 0 {
		return nil, errcode.New(CodeBadBody, "Err_Msg_MsgBody_Empty")
	}
	for i, e := range c.MsgBody {
		if !elementTypes[e.MsgType] {
			return nil, errcode.Newf(CodeBadFormat, "Err_Msg_MsgType_Invalid: element %d has MsgType %q", i, e.MsgType)
		}
		// MsgContent arrived as a syntactically valid JSON value; it must be
		// an object, and a text element needs its Text.
		if raw := bytes.TrimLeft(e.MsgContent, " \t\r\n"); len(raw) == 0 || raw[0] != '{' {
			return nil, errcode.Newf(CodeBadFormat, "Err_Msg_MsgContent_Invalid: element %d", i)
		}
		if e.MsgType == "TIMTextElem" {
			var t struct{ Text *string }
			if json.Unmarshal(e.MsgContent, &t) != nil || t.Text == nil {
				return nil, errcode.Newf(CodeBadFormat, "Err_Msg_Text_Invalid: element %d needs a string Text", i)
			}
		}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxContentBytes {
		return nil, errcode.Newf(CodeTooLong, "Err_Msg_Too_Long: %d bytes, at most %d", len(b), MaxContentBytes)
	}
	return b, nil
}

// ConvKey names the conversation of two users, the same from both sides.
func ConvKey(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return "c2c:" + a + ":" + b
}

// MsgKey is the handle clients and the REST API quote for a message:
// seq_random_time, as Tencent's C2C MsgKey.
func MsgKey(m store.Message) string {
	return fmt.Sprintf("%d_%d_%d", m.Seq, m.Random, m.SentAt/1000)
}

// ParseMsgKey returns the seq of a MsgKey.
func ParseMsgKey(key string) (uint64, error) {
	seqText, _, ok := strings.Cut(key, "_")
	seq, err := strconv.ParseUint(seqText, 10, 64)
	if !ok || err != nil || seq == 0 {
		return 0, errcode.Newf(CodeBadMsgKey, "Err_Msg_MsgKey_Invalid: %q", key)
	}
	return seq, nil
}

// Service sends and reads messages.
type Service struct {
	Store  store.Store
	Events *event.Bus
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// SendRequest is one one-to-one message to send.
type SendRequest struct {
	From, To string
	Random   uint32
	// ClientMsgID, when set, is the sender's idempotency key; otherwise a
	// retry is recognised by the same Random and content.
	ClientMsgID       string
	Content           Content
	OnlineOnly        bool
	ExcludeFromUnread bool
	ExcludeFromLast   bool
	Origin            any // the connection sending, not echoed to
}

// Sent is the outcome of a send.
type Sent struct {
	Message   store.Message
	Key       string
	Duplicate bool // a retry: the first attempt's message is returned
	Dropped   bool // blocked and told "sent", or online-only: not stored
}

// SendC2C stores and delivers a one-to-one message. It is acknowledged
// only once durable; online-only messages are never stored.
func (s *Service) SendC2C(ctx context.Context, a *app.App, req SendRequest) (Sent, error) {
	body, err := req.Content.Validate()
	if err != nil {
		return Sent{}, err
	}
	if req.To == "" || req.To == req.From && req.From == "" {
		return Sent{}, errcode.New(CodeNoReceiver, "Err_Msg_To_Account_Invalid")
	}
	now := s.now()
	m := store.Message{App: a.SDKAppID, ConvKey: ConvKey(req.From, req.To), Sender: req.From, Receiver: req.To,
		Random: req.Random, SentAt: now.UnixMilli(), Body: body, ExpiresAt: now.Add(retention(a)).Unix()}
	if req.ExcludeFromUnread {
		m.Flags |= store.MessageExcludedFromUnread
	}
	if req.ExcludeFromLast {
		m.Flags |= store.MessageExcludedFromLast
	}
	m.ClientKey = req.ClientMsgID
	if m.ClientKey == "" {
		sum := sha256.Sum256(body)
		m.ClientKey = "r" + strconv.FormatUint(uint64(req.Random), 10) + ":" + hex.EncodeToString(sum[:8])
	}

	var sent Sent
	check := func(tx store.Tx) error {
		rs, err := tx.Relations(ctx, a.SDKAppID, req.To, []string{req.From})
		if err != nil {
			return err
		}
		if !rs.OwnerExists {
			return errcode.New(CodeNoReceiver, "Err_Msg_To_Account_Not_Exist")
		}
		if rs.Blocked[req.From] {
			if a.Switches.ShowSentToBlocked {
				sent.Dropped = true
				return nil
			}
			return errcode.New(CodeBlockedByPeer, "Err_Msg_Sender_In_Receiver_Blocklist")
		}
		if a.Switches.CheckFriendForC2C && !a.IsAdmin(req.From) {
			senderHas, receiverHas := rs.FriendOf[req.From], rs.Friends[req.From]
			switch {
			case !senderHas && !receiverHas:
				return errcode.New(CodeNotFriends, "Err_Msg_Not_Friends")
			case !receiverHas:
				return errcode.New(CodeNotPeersFriend, "Err_Msg_Sender_Not_In_Receiver_Friend_List")
			case !senderHas:
				return errcode.New(CodePeerNotMyFriend, "Err_Msg_Receiver_Not_In_Sender_Friend_List")
			}
		}
		return nil
	}
	if req.OnlineOnly {
		// Never stored, never counted: it reaches whoever is online now.
		if err := s.Store.Read(ctx, check); err != nil {
			return Sent{}, err
		}
		blocked := sent.Dropped
		sent.Message, sent.Dropped, sent.Key = m, true, MsgKey(m)
		if !blocked {
			s.publish(a, event.MessageNew, &sent.Message, req.Origin)
		}
		return sent, nil
	}
	// The rules are checked on the read side, not inside the write: the
	// single writer's time is the throughput of the whole node, and a block
	// or unfriend landing in between is indistinguishable from one landing
	// just after the send.
	if err := s.Store.Read(ctx, check); err != nil {
		return Sent{}, err
	}
	if sent.Dropped {
		sent.Message, sent.Key = m, MsgKey(m)
		return sent, nil
	}
	err = s.Store.Write(ctx, func(tx store.Tx) error {
		stored, dup, err := tx.AppendMessage(ctx, m)
		sent.Message, sent.Duplicate = stored, dup
		return err
	})
	if err != nil {
		return Sent{}, err
	}
	if !sent.Duplicate {
		s.publish(a, event.MessageNew, &sent.Message, req.Origin)
	}
	sent.Key = MsgKey(sent.Message)
	return sent, nil
}

func retention(a *app.App) time.Duration {
	if a.MessageRetention > 0 {
		return a.MessageRetention
	}
	return DefaultRetention
}

func (s *Service) publish(a *app.App, kind event.Kind, m *store.Message, origin any) {
	s.Events.Publish(event.Event{App: a.SDKAppID, Kind: kind, User: m.Receiver, Peers: []string{m.Sender}, Message: m, Origin: origin})
}
