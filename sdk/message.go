package sdk

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// MessageStatus is a message's state (V2TIM_MSG_STATUS_*).
type MessageStatus int

// Message states, with V2TIM's values. A message made by a Create method
// has status 0 until it is sent.
const (
	MsgStatusSending      MessageStatus = 1 // SendMessage is running
	MsgStatusSendSucc     MessageStatus = 2 // stored (or, online-only, delivered) by the server
	MsgStatusSendFail     MessageStatus = 3 // SendMessage failed
	MsgStatusHasDeleted   MessageStatus = 4 // deleted
	MsgStatusLocalRevoked MessageStatus = 6 // recalled
)

// MaxHistoryPage is the most messages one msg.history request returns;
// GetC2CHistoryMessageList reads longer pages in several requests.
const MaxHistoryPage = 100

// MaxDeleteMessages is the most messages one DeleteMessages call deletes.
const MaxDeleteMessages = 30

// ErrCodeModifyConflict is the server's answer to a ModifyMessage of a
// message that changed since the version edited (another participant
// modified it): ModifyMessage returns the current message with it.
const ErrCodeModifyConflict = 2480

// Message is a one-to-one message (V2TIMMessage). Create one with a
// MessageManager Create method and send it with SendMessage; received
// messages come to AdvancedMsgListener and from GetC2CHistoryMessageList.
// A Message given to a listener is shared by all listeners: do not modify
// it.
type Message struct {
	// MsgID identifies the message on every device of both users: the
	// server's MsgKey once sent, empty before. It is what the SDK reports
	// recalls and modifications by.
	MsgID string
	// ClientMsgID is the idempotency key of the send: SendMessage sets it
	// (unless the app did) and keeps it, so sending the same Message again
	// after a failure cannot store it twice.
	ClientMsgID string
	// MsgKey is the server's handle of the message, seq_random_time.
	MsgKey string
	// Seq is the message's place in its conversation: shared by both
	// users, strictly ascending by 1. Online-only messages have seq 0.
	Seq    uint64
	Random uint32
	// Timestamp is when the server got the message, in unix seconds;
	// TimeMs the same in milliseconds.
	Timestamp int64
	TimeMs    int64
	// Sender is the sending user; UserID is the other user of the
	// conversation (the receiver for a message the logged-in user sent,
	// the sender otherwise).
	Sender string
	UserID string
	// GroupID is the group of a group message (then UserID is ""); its
	// Seq is the group's.
	GroupID string
	// IsSelf: the logged-in user sent it (on this device or another).
	IsSelf  bool
	Status  MessageStatus
	Version int // bumped by every modification
	// OnlineUserOnly: an online message, not stored (seq 0).
	OnlineUserOnly          bool
	ExcludedFromUnreadCount bool
	ExcludedFromLastMessage bool
	// NeedReadReceipt: the sender asks for a read receipt
	// (needReadReceipt). Set it before SendMessage; the receiver answers
	// with SendMessageReadReceipts and the sender's devices get
	// OnRecvMessageReadReceipts.
	NeedReadReceipt bool
	// IsPeerRead: for a message the user sent with NeedReadReceipt, the
	// receiver sent a read receipt for it (SendMessageReadReceipts; the
	// conversation-level MarkC2CMessageAsRead does not count). Set on
	// messages from GetC2CHistoryMessageList.
	IsPeerRead      bool
	CloudCustomData string
	OfflinePushInfo *OfflinePushInfo
	// AtUserList is whom a group message mentions (AtAllTag: everyone);
	// TargetGroupMemberList the receivers of a targeted group message
	// (sender side: CreateTargetedGroupMessage); Priority its priority
	// under the group's rate limit (group_msgext.go).
	AtUserList            []string
	TargetGroupMemberList []string
	Priority              MessagePriority
	// Elems are the message's elements, the first one any type, the others
	// text, custom, face or location (see AppendElem). A recalled message
	// has none.
	Elems []Elem
}

// ConversationID returns the message's conversation ("c2c_<userID>").
func (m *Message) ConversationID() string {
	if m.GroupID != "" {
		return GroupConversationID(m.GroupID)
	}
	return C2CConversationID(m.UserID)
}

// ElemType returns the type of the first element.
func (m *Message) ElemType() ElemType {
	if len(m.Elems) == 0 {
		return ElemTypeNone
	}
	return m.Elems[0].ElemType()
}

// AppendElem adds an element after the first (V2TIMElem.appendElem): only
// text, custom, face and location elements may follow, so image+text is a
// message and text+image is not.
func (m *Message) AppendElem(e Elem) error {
	if e == nil {
		return newError(ErrCodeInvalidParameters, "nil element")
	}
	if len(m.Elems) == 0 {
		m.Elems = append(m.Elems, e)
		return nil
	}
	switch e.ElemType() {
	case ElemTypeText, ElemTypeCustom, ElemTypeFace, ElemTypeLocation:
		m.Elems = append(m.Elems, e)
		return nil
	}
	return newError(ErrCodeInvalidParameters, "only text, custom, face and location elements can be appended")
}

// OfflinePushInfo is what the offline push of a message shows
// (V2TIMOfflinePushInfo). Offline pushes reach Android and iOS devices.
type OfflinePushInfo struct {
	Title          string
	Desc           string
	Ext            string // passed to the app that the push opens
	DisablePush    bool
	IOSSound       string
	IgnoreIOSBadge bool
	AndroidSound   string
	// AndroidOPPOChannelID is the channel for OPPO phones (Android 8+).
	AndroidOPPOChannelID string
}

// wireOfflinePush is OfflinePushInfo in the REST API's shape.
type wireOfflinePush struct {
	PushFlag    flexInt `json:"PushFlag"`
	Title       string  `json:"Title,omitempty"`
	Desc        string  `json:"Desc,omitempty"`
	Ext         string  `json:"Ext,omitempty"`
	AndroidInfo *struct {
		Sound         string `json:"Sound,omitempty"`
		OPPOChannelID string `json:"OPPOChannelID,omitempty"`
	} `json:"AndroidInfo,omitempty"`
	ApnsInfo *struct {
		Sound     string  `json:"Sound,omitempty"`
		BadgeMode flexInt `json:"BadgeMode"`
	} `json:"ApnsInfo,omitempty"`
}

func (p *OfflinePushInfo) toWire() *wireOfflinePush {
	if p == nil {
		return nil
	}
	w := &wireOfflinePush{Title: p.Title, Desc: p.Desc, Ext: p.Ext}
	if p.DisablePush {
		w.PushFlag = 1
	}
	if p.AndroidSound != "" || p.AndroidOPPOChannelID != "" {
		w.AndroidInfo = &struct {
			Sound         string `json:"Sound,omitempty"`
			OPPOChannelID string `json:"OPPOChannelID,omitempty"`
		}{p.AndroidSound, p.AndroidOPPOChannelID}
	}
	if p.IOSSound != "" || p.IgnoreIOSBadge {
		w.ApnsInfo = &struct {
			Sound     string  `json:"Sound,omitempty"`
			BadgeMode flexInt `json:"BadgeMode"`
		}{Sound: p.IOSSound}
		if p.IgnoreIOSBadge {
			w.ApnsInfo.BadgeMode = 1
		}
	}
	return w
}

func (w *wireOfflinePush) info() *OfflinePushInfo {
	if w == nil {
		return nil
	}
	p := &OfflinePushInfo{Title: w.Title, Desc: w.Desc, Ext: w.Ext, DisablePush: w.PushFlag == 1}
	if w.AndroidInfo != nil {
		p.AndroidSound, p.AndroidOPPOChannelID = w.AndroidInfo.Sound, w.AndroidInfo.OPPOChannelID
	}
	if w.ApnsInfo != nil {
		p.IOSSound, p.IgnoreIOSBadge = w.ApnsInfo.Sound, w.ApnsInfo.BadgeMode == 1
	}
	return p
}

// ---- wire forms (docs/protocol.md, Message) ----

// Message flags.
const (
	flagExcludedFromUnread = 1
	flagExcludedFromLast   = 2
	flagNeedReadReceipt    = 4
)

type wireElem struct {
	MsgType    string          `json:"MsgType"`
	MsgContent json.RawMessage `json:"MsgContent"`
}

type wireBody struct {
	MsgBody         []wireElem       `json:"MsgBody"`
	CloudCustomData string           `json:"CloudCustomData,omitempty"`
	OfflinePushInfo *wireOfflinePush `json:"OfflinePushInfo,omitempty"`
	GroupAtInfo     []wireGroupAt    `json:"GroupAtInfo,omitempty"`
}

type wireMessage struct {
	MsgKey  string          `json:"msgKey"`
	From    string          `json:"from"`
	To      string          `json:"to"`
	Seq     uint64          `json:"seq"`
	Random  flexInt         `json:"random"`
	TimeMs  flexInt         `json:"timeMs"`
	Status  string          `json:"status"`
	Version flexInt         `json:"version"`
	Flags   flexInt         `json:"flags"`
	Body    json.RawMessage `json:"body"`
	// IsPeerRead is only in msg.history answers.
	IsPeerRead bool `json:"isPeerRead"`
	// GroupID is set on a group message (then To is "").
	GroupID string `json:"groupID"`
}

// groupSeqKey is the key of a group conversation in the SDK's per
// conversation state (msgSession.seen, own sends), which keys one-to-one
// conversations by the other user: a NUL never starts a UserID, so the two
// cannot meet.
func groupSeqKey(groupID string) string { return "\x00" + groupID }

// seqKey returns the key of the message's conversation for me.
func (w *wireMessage) seqKey(me string) string {
	if w.GroupID != "" {
		return groupSeqKey(w.GroupID)
	}
	return w.peer(me)
}

// ownPeer is the conversation key a send of this message registered.
func (w *wireMessage) ownPeer() string {
	if w.GroupID != "" {
		return groupSeqKey(w.GroupID)
	}
	return w.To
}

// historyTarget names a conversation key's conversation in msg.* requests.
func historyTarget(key string) (string, string) {
	if groupID, ok := strings.CutPrefix(key, "\x00"); ok {
		return "groupID", groupID
	}
	return "userID", key
}

// peer returns the other user of the message's conversation for me.
func (w *wireMessage) peer(me string) string {
	if w.From == me {
		return w.To
	}
	return w.From
}

// message renders w as the logged-in user me sees it.
func (w *wireMessage) message(me string) *Message {
	m := &Message{
		MsgID: w.MsgKey, MsgKey: w.MsgKey, Seq: w.Seq, Random: uint32(w.Random), TimeMs: int64(w.TimeMs),
		Timestamp: int64(w.TimeMs) / 1000, Sender: w.From, UserID: w.peer(me), IsSelf: w.From == me,
		Status: MsgStatusSendSucc, Version: int(w.Version), OnlineUserOnly: w.Seq == 0,
		ExcludedFromUnreadCount: w.Flags&flagExcludedFromUnread != 0,
		ExcludedFromLastMessage: w.Flags&flagExcludedFromLast != 0,
		NeedReadReceipt:         w.Flags&flagNeedReadReceipt != 0,
		IsPeerRead:              w.IsPeerRead,
	}
	if w.GroupID != "" {
		m.UserID, m.GroupID = "", w.GroupID
	}
	switch w.Status {
	case "recalled":
		m.Status = MsgStatusLocalRevoked
	case "deleted":
		m.Status = MsgStatusHasDeleted
	}
	var b wireBody
	if len(w.Body) > 0 && json.Unmarshal(w.Body, &b) == nil {
		m.CloudCustomData = b.CloudCustomData
		m.OfflinePushInfo = b.OfflinePushInfo.info()
		m.AtUserList = b.atUsers()
		for _, e := range b.MsgBody {
			m.Elems = append(m.Elems, decodeElem(e.MsgType, e.MsgContent))
		}
	}
	return m
}

// encodeBody renders the elements as a MsgBody, refusing what the server
// would (or what JSON cannot carry).
func encodeBody(elems []Elem, cloudCustomData string, push *OfflinePushInfo) (wireBody, error) {
	if len(elems) == 0 {
		return wireBody{}, newError(ErrCodeInvalidParameters, "the message has no element")
	}
	b := wireBody{CloudCustomData: cloudCustomData, OfflinePushInfo: push.toWire()}
	for i, e := range elems {
		if e == nil {
			return wireBody{}, newError(ErrCodeInvalidParameters, "element %d is nil", i)
		}
		if i > 0 {
			switch e.ElemType() {
			case ElemTypeText, ElemTypeCustom, ElemTypeFace, ElemTypeLocation:
			default:
				return wireBody{}, newError(ErrCodeInvalidParameters, "element %d: only text, custom, face and location elements can follow the first", i)
			}
		}
		switch x := e.(type) {
		case *CustomElem:
			if !utf8.Valid(x.Data) {
				return wireBody{}, newError(ErrCodeInvalidParameters, "element %d: custom data must be UTF-8", i)
			}
		case *FaceElem:
			if !utf8.Valid(x.Data) {
				return wireBody{}, newError(ErrCodeInvalidParameters, "element %d: face data must be UTF-8", i)
			}
		case *RawElem:
			if x.MsgType == "" {
				return wireBody{}, newError(ErrCodeInvalidParameters, "element %d: MsgType is required", i)
			}
		}
		typ, content := e.wire()
		raw, err := json.Marshal(content)
		if err != nil {
			return wireBody{}, wrapError(ErrCodeInvalidParameters, err, "element "+strconv.Itoa(i)+": "+err.Error())
		}
		b.MsgBody = append(b.MsgBody, wireElem{MsgType: typ, MsgContent: raw})
	}
	return b, nil
}

// ---- MessageManager ----

// MessageManager creates, sends and reads one-to-one messages
// (V2TIMMessageManager). Get it from Manager.Message.
//
// Every device of both users learns a message: the receiver's devices and
// the sender's other devices get OnRecvNewMessage; the device that sent it
// gets SendMessage's answer instead. Messages reach the listeners exactly
// once per device and, within a conversation, in seq order: the SDK
// ignores repeated pushes, fetches the messages a push skipped, and after
// every reconnect fetches what arrived while the connection was down (see
// AdvancedMsgListener).
type MessageManager struct {
	m *Manager

	mu        sync.Mutex
	listeners []AdvancedMsgListener
}

// Message returns the message manager (getMessageManager).
func (m *Manager) Message() *MessageManager { return m.messages }

// AddAdvancedMsgListener registers l (compared with ==, so pass a
// pointer). Adding one twice has no effect.
func (mm *MessageManager) AddAdvancedMsgListener(l AdvancedMsgListener) {
	if l == nil {
		return
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	for _, x := range mm.listeners {
		if x == l {
			return
		}
	}
	mm.listeners = append(mm.listeners, l)
}

// RemoveAdvancedMsgListener unregisters l.
func (mm *MessageManager) RemoveAdvancedMsgListener(l AdvancedMsgListener) {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	for i, x := range mm.listeners {
		if x == l {
			mm.listeners = append(mm.listeners[:i:i], mm.listeners[i+1:]...)
			return
		}
	}
}

// fire calls every message listener now; only the callback goroutine calls
// it.
func (mm *MessageManager) fire(fn func(AdvancedMsgListener)) {
	mm.mu.Lock()
	ls := append([]AdvancedMsgListener(nil), mm.listeners...)
	mm.mu.Unlock()
	for _, l := range ls {
		fn(l)
	}
}

func newMessage(e Elem) *Message { return &Message{Elems: []Elem{e}} }

// CreateTextMessage returns a text message (createTextMessage).
func (mm *MessageManager) CreateTextMessage(text string) *Message {
	return newMessage(&TextElem{Text: text})
}

// CreateCustomMessage returns a custom message (createCustomMessage);
// description doubles as the offline push text. data must be UTF-8.
func (mm *MessageManager) CreateCustomMessage(data []byte, description, extension string) *Message {
	return newMessage(&CustomElem{Data: data, Description: description, Extension: extension})
}

// CreateFaceMessage returns an emoji message (createFaceMessage).
func (mm *MessageManager) CreateFaceMessage(index int, data []byte) *Message {
	return newMessage(&FaceElem{Index: index, Data: data})
}

// CreateLocationMessage returns a location message
// (createLocationMessage).
func (mm *MessageManager) CreateLocationMessage(desc string, longitude, latitude float64) *Message {
	return newMessage(&LocationElem{Desc: desc, Longitude: longitude, Latitude: latitude})
}

// CreateImageMessage returns an image message for an image the app
// already stored at url (the SDK does not upload): its original variant.
// Add the large and thumbnail variants to the *ImageElem's Images.
func (mm *MessageManager) CreateImageMessage(url string, size int64, width, height int) *Message {
	return newMessage(&ImageElem{Images: []Image{{Type: ImageTypeOrigin, URL: url, Size: size, Width: width, Height: height}}})
}

// CreateSoundMessage returns an audio message for a clip stored at url.
func (mm *MessageManager) CreateSoundMessage(url string, size int64, durationSec int) *Message {
	return newMessage(&SoundElem{URL: url, DataSize: size, Duration: durationSec})
}

// CreateVideoMessage returns a video message for a video stored at url
// with its snapshot at snapshotURL (createVideoMessage); the sizes and
// snapshot dimensions can be set on the *VideoElem.
func (mm *MessageManager) CreateVideoMessage(url, videoType string, durationSec int, snapshotURL string) *Message {
	return newMessage(&VideoElem{VideoURL: url, VideoType: videoType, Duration: durationSec, SnapshotURL: snapshotURL})
}

// CreateFileMessage returns a file message for a file stored at url.
func (mm *MessageManager) CreateFileMessage(url, fileName string, size int64) *Message {
	return newMessage(&FileElem{URL: url, FileName: fileName, FileSize: size})
}

// SendOptions are SendMessage's options.
type SendOptions struct {
	// OnlineUserOnly sends an online message: delivered to the devices
	// online now, never stored, not counted as unread, not in history.
	OnlineUserOnly bool
	// ExcludedFromUnreadCount: the message does not count as unread.
	ExcludedFromUnreadCount bool
	// ExcludedFromLastMessage: the message does not become the
	// conversation's last message.
	ExcludedFromLastMessage bool
	// CloudCustomData, when set, replaces the message's CloudCustomData.
	CloudCustomData string
	// OfflinePushInfo, when set, replaces the message's OfflinePushInfo.
	OfflinePushInfo *OfflinePushInfo
}

// maxClientMsgID is the protocol's limit on clientMsgID.
const maxClientMsgID = 64

// newClientMsgID returns a key unique to this instance and message, in the
// shape of V2TIM's msgID: instance-time-random.
func newClientMsgID(instance string) string {
	var b [8]byte
	_, _ = crand.Read(b[:])
	return instance + "-" + strconv.FormatInt(time.Now().Unix(), 10) + "-" + hex.EncodeToString(b[:])
}

func newRandom() uint32 {
	var b [4]byte
	for {
		_, _ = crand.Read(b[:])
		if r := binary.BigEndian.Uint32(b[:]); r != 0 {
			return r
		}
	}
}

type sendAnswer struct {
	Message   wireMessage `json:"message"`
	Duplicate bool        `json:"duplicate"`
}

// SendMessage sends msg to the user receiver (sendMessage) and returns it
// as stored: MsgID, MsgKey, Seq, Random and Timestamp set, Status
// MsgStatusSendSucc. msg itself is updated the same way (and returned),
// so do not use it from another goroutine meanwhile.
//
// Sending is idempotent: the SDK gives msg a ClientMsgID and a Random the
// first time and keeps them, and when the connection drops before the
// answer it sends again after the reconnect (within Config.RequestTimeout)
// as the same message; the server stores it once. Calling SendMessage
// again with the same msg after an error is safe in the same way.
//
// The receiver's devices and this user's other devices get
// OnRecvNewMessage; this instance does not. The server's refusals come
// back with Tencent's codes: 20003 the receiver does not exist, 20007
// blocked by the receiver (when the app reports it), 20009/20010/20011
// not friends (when the app checks), 90010/93000 a malformed or too long
// body.
func (mm *MessageManager) SendMessage(ctx context.Context, msg *Message, receiver string, opts SendOptions) (*Message, error) {
	if receiver == "" {
		return nil, newError(ErrCodeInvalidParameters, "receiver is required")
	}
	return mm.send(ctx, msg, receiver, "", opts)
}

// SendGroupMessage sends msg to the group groupID (sendMessage with a
// groupID), idempotent as SendMessage. Every other online device of every
// member gets OnRecvNewMessage; the message's Seq is the group's. 10007
// not a member, 10017 muted (or all muted), 10010 no such group.
func (mm *MessageManager) SendGroupMessage(ctx context.Context, msg *Message, groupID string, opts SendOptions) (*Message, error) {
	if groupID == "" {
		return nil, newError(ErrCodeInvalidParameters, "groupID is required")
	}
	return mm.send(ctx, msg, "", groupID, opts)
}

func (mm *MessageManager) send(ctx context.Context, msg *Message, receiver, groupID string, opts SendOptions) (*Message, error) {
	m := mm.m
	if msg == nil {
		return nil, newError(ErrCodeInvalidParameters, "message is nil")
	}
	if len(msg.ClientMsgID) > maxClientMsgID {
		return nil, newError(ErrCodeInvalidParameters, "ClientMsgID: at most %d bytes", maxClientMsgID)
	}
	if opts.CloudCustomData != "" {
		msg.CloudCustomData = opts.CloudCustomData
	}
	if opts.OfflinePushInfo != nil {
		msg.OfflinePushInfo = opts.OfflinePushInfo
	}
	body, err := encodeBody(msg.Elems, msg.CloudCustomData, msg.OfflinePushInfo)
	if err != nil {
		return nil, err
	}
	s, err := m.current()
	if err != nil {
		return nil, err
	}
	if msg.ClientMsgID == "" {
		msg.ClientMsgID = newClientMsgID(m.instanceID)
	}
	if msg.Random == 0 {
		msg.Random = newRandom()
	}
	req := map[string]any{"random": msg.Random, "clientMsgID": msg.ClientMsgID, "body": body}
	convKey := receiver
	if groupID != "" {
		req["groupID"], convKey = groupID, groupSeqKey(groupID)
	} else {
		req["to"] = receiver
	}
	if opts.OnlineUserOnly {
		req["onlineUserOnly"] = true
	}
	if opts.ExcludedFromUnreadCount {
		req["excludedFromUnreadCount"] = true
	}
	if opts.ExcludedFromLastMessage {
		req["excludedFromLastMessage"] = true
	}
	if msg.NeedReadReceipt {
		req["needReadReceipt"] = true
	}
	if err := addGroupSendFields(req, msg, groupID); err != nil {
		return nil, err
	}
	msg.Status = MsgStatusSending

	// Registered before the request leaves: a catch-up or gap fill that
	// meets the message before the answer does knows it is this
	// instance's own.
	key := ownKey{peer: convKey, random: msg.Random}
	s.msg.addOwn(key)

	ctx, cancel := context.WithTimeout(ctx, m.cfg.RequestTimeout)
	defer cancel()
	var ans sendAnswer
	for {
		ans = sendAnswer{}
		_, err = m.callSess(ctx, s, "msg.send", req, &ans)
		// The connection dropped before the answer: whether the server
		// stored the message or not, sending it again (same clientMsgID)
		// after the reconnect yields the one stored message.
		if ErrorCode(err) != ErrCodeNetDisconnected || ctx.Err() != nil {
			break
		}
		m.log.Info("parley sdk: msg.send interrupted, sending again", "clientMsgID", msg.ClientMsgID)
	}
	if err == nil && ans.Message.From == "" {
		err = newError(ErrCodeParseResponse, "msg.send: the answer has no message")
	}
	if err != nil {
		// If the server did store it, this instance now learns it like a
		// message from another device, as the app was told it failed.
		s.msg.removeOwn(key)
		msg.Status = MsgStatusSendFail
		return nil, err
	}
	stored := ans.Message.message(s.userID)
	stored.ClientMsgID = msg.ClientMsgID
	// Seq 0: online-only, or (for an app that tells blocked senders
	// "sent") dropped by the server.
	stored.OnlineUserOnly = opts.OnlineUserOnly
	stored.ExcludedFromUnreadCount = stored.ExcludedFromUnreadCount || opts.ExcludedFromUnreadCount
	stored.ExcludedFromLastMessage = stored.ExcludedFromLastMessage || opts.ExcludedFromLastMessage
	*msg = *stored
	seq, peer := stored.Seq, convKey
	m.tasks.push(task{kind: taskFunc, fn: func() { m.onOwnSent(s, peer, seq, key) }})
	return msg, nil
}

type historyAnswer struct {
	Messages []wireMessage `json:"messages"`
}

// history reads one msg.history page.
// userID is a conversation key: the other user, or groupSeqKey(group).
func (m *Manager) history(ctx context.Context, s *session, userID string, seq uint64, ascending bool, count int) ([]wireMessage, error) {
	field, target := historyTarget(userID)
	req := map[string]any{field: target, "seq": seq, "count": count}
	if ascending {
		req["ascending"] = true
	}
	var ans historyAnswer
	if _, err := m.callSess(ctx, s, "msg.history", req, &ans); err != nil {
		return nil, err
	}
	return ans.Messages, nil
}

// GetC2CHistoryMessageList returns up to count messages of the
// conversation with userID (getC2CHistoryMessageList), newest first,
// starting with the newest message when lastMsg is nil and otherwise with
// the one before lastMsg (lastMsg itself is not included): pass the last
// message of a page to get the next. Fewer than count means the beginning
// was reached. Recalled messages are included (Status
// MsgStatusLocalRevoked, no elements); messages the user cleared or
// deleted, expired ones and online messages are not. Pages longer than
// MaxHistoryPage are read in several requests.
func (mm *MessageManager) GetC2CHistoryMessageList(ctx context.Context, userID string, count int, lastMsg *Message) ([]*Message, error) {
	if userID == "" || count <= 0 {
		return nil, newError(ErrCodeInvalidParameters, "userID and a positive count are required")
	}
	if lastMsg != nil && lastMsg.GroupID != "" {
		return nil, newError(ErrCodeInvalidParameters, "lastMsg is a message of the group %q", lastMsg.GroupID)
	}
	return mm.historyPages(ctx, userID, count, lastMsg)
}

// GetGroupHistoryMessageList is GetC2CHistoryMessageList for the group
// groupID (getGroupHistoryMessageList): newest first, from before lastMsg
// (nil: the newest); a member of a Meeting or Community sees nothing
// from before their join.
func (mm *MessageManager) GetGroupHistoryMessageList(ctx context.Context, groupID string, count int, lastMsg *Message) ([]*Message, error) {
	if groupID == "" || count <= 0 {
		return nil, newError(ErrCodeInvalidParameters, "groupID and a positive count are required")
	}
	if lastMsg != nil && lastMsg.GroupID != groupID {
		return nil, newError(ErrCodeInvalidParameters, "lastMsg is not a message of the group %q", groupID)
	}
	return mm.historyPages(ctx, groupSeqKey(groupID), count, lastMsg)
}

// historyPages reads count messages of the conversation key (the other
// user, or groupSeqKey) newest first, before lastMsg.
func (mm *MessageManager) historyPages(ctx context.Context, userID string, count int, lastMsg *Message) ([]*Message, error) {
	m := mm.m
	var before uint64 // 0: the newest
	if lastMsg != nil {
		switch {
		case lastMsg.Seq == 0:
			return nil, newError(ErrCodeInvalidParameters, "lastMsg has no seq (not sent, or an online message)")
		case lastMsg.GroupID == "" && lastMsg.UserID != "" && lastMsg.UserID != userID:
			return nil, newError(ErrCodeInvalidParameters, "lastMsg belongs to the conversation with %q", lastMsg.UserID)
		case lastMsg.Seq == 1:
			return []*Message{}, nil
		}
		before = lastMsg.Seq - 1 // msg.history's seq is inclusive
	}
	s, err := m.current()
	if err != nil {
		return nil, err
	}
	out := []*Message{}
	for len(out) < count {
		n := min(count-len(out), MaxHistoryPage)
		page, err := m.history(ctx, s, userID, before, false, n)
		if err != nil {
			return nil, err
		}
		for i := range page {
			out = append(out, page[i].message(s.userID))
		}
		if len(page) < n {
			break
		}
		last := page[len(page)-1].Seq
		if last <= 1 {
			break
		}
		before = last - 1
	}
	return out, nil
}

// MarkC2CMessageAsRead marks the conversation with userID read up to its
// newest message (markC2CMessageAsRead): its unread count becomes 0 on
// every device of the user (OnConversationChanged,
// OnTotalUnreadMessageCountChanged), and userID's devices get
// OnRecvC2CReadReceipt.
func (mm *MessageManager) MarkC2CMessageAsRead(ctx context.Context, userID string) error {
	m := mm.m
	if userID == "" {
		return newError(ErrCodeInvalidParameters, "userID is required")
	}
	s, err := m.current()
	if err != nil {
		return err
	}
	if _, err := m.callSess(ctx, s, "msg.read", map[string]any{"userID": userID}, nil); err != nil {
		return err
	}
	m.convChanged(s)
	return nil
}

// MarkGroupMessageAsRead marks the group conversation read up to its
// newest message (markGroupMessageAsRead): its unread count becomes 0 on
// every device of the user.
func (mm *MessageManager) MarkGroupMessageAsRead(ctx context.Context, groupID string) error {
	m := mm.m
	if groupID == "" {
		return newError(ErrCodeInvalidParameters, "groupID is required")
	}
	s, err := m.current()
	if err != nil {
		return err
	}
	if _, err := m.callSess(ctx, s, "msg.read", map[string]any{"groupID": groupID}, nil); err != nil {
		return err
	}
	m.convChanged(s)
	return nil
}

// MaxReadReceipts is how many messages one SendMessageReadReceipts names.
const MaxReadReceipts = 30

// SendMessageReadReceipts tells the senders of msgs (1 to 30 received
// messages of one conversation, sent with NeedReadReceipt) that the user
// read them (sendMessageReadReceipts). The sender's devices get
// OnRecvMessageReadReceipts once per message; the conversation's unread
// count does not change. Messages sent without NeedReadReceipt are
// ignored; 20022 if one does not exist.
func (mm *MessageManager) SendMessageReadReceipts(ctx context.Context, msgs []*Message) error {
	if len(msgs) > 0 && msgs[0] != nil && msgs[0].GroupID != "" {
		return mm.sendGroupReadReceipts(ctx, msgs)
	}
	m := mm.m
	if len(msgs) == 0 || len(msgs) > MaxReadReceipts {
		return newError(ErrCodeInvalidParameters, "1 to %d messages", MaxReadReceipts)
	}
	keys := make([]string, len(msgs))
	var peer string
	for i, msg := range msgs {
		if msg == nil || msg.Seq == 0 || msg.MsgKey == "" || msg.UserID == "" || msg.IsSelf {
			return newError(ErrCodeInvalidParameters, "message %d: only stored messages the user received take a receipt", i)
		}
		if i == 0 {
			peer = msg.UserID
		} else if msg.UserID != peer {
			return newError(ErrCodeInvalidParameters, "the messages must belong to one conversation")
		}
		keys[i] = msg.MsgKey
	}
	s, err := m.current()
	if err != nil {
		return err
	}
	_, err = m.callSess(ctx, s, "msg.receipt", map[string]any{"userID": peer, "msgKeys": keys}, nil)
	return err
}

// ReceiveMessageOpt is what the user does with a peer's messages
// (V2TIMReceiveMessageOpt).
type ReceiveMessageOpt int

// Receive options.
const (
	// ReceiveMessage: delivered online and announced by offline push (the
	// default).
	ReceiveMessage ReceiveMessageOpt = 0
	// NotReceiveMessage: nothing reaches the user's devices; the messages
	// are hidden from the user's history and unread count (the sender
	// sends and keeps them as usual).
	NotReceiveMessage ReceiveMessageOpt = 1
	// ReceiveNotNotifyMessage: delivered online, no offline push.
	ReceiveNotNotifyMessage ReceiveMessageOpt = 2
)

// ReceiveMessageOptInfo is the user's option for one peer
// (V2TIMReceiveMessageOptInfo).
type ReceiveMessageOptInfo struct {
	UserID               string
	C2CReceiveMessageOpt ReceiveMessageOpt
}

// MaxReceiveOptUsers is how many users one receive-option call names.
const MaxReceiveOptUsers = 30

// SetC2CReceiveMessageOpt sets the user's receive option for messages from
// each of userIDs (1 to 30; setC2CReceiveMessageOpt). Every device of the
// user sees the change: Conversation.RecvOpt, OnConversationChanged.
func (mm *MessageManager) SetC2CReceiveMessageOpt(ctx context.Context, userIDs []string, opt ReceiveMessageOpt) error {
	m := mm.m
	if len(userIDs) == 0 || len(userIDs) > MaxReceiveOptUsers {
		return newError(ErrCodeInvalidParameters, "1 to %d user IDs", MaxReceiveOptUsers)
	}
	if opt < ReceiveMessage || opt > ReceiveNotNotifyMessage {
		return newError(ErrCodeInvalidParameters, "unknown receive option %d", opt)
	}
	s, err := m.current()
	if err != nil {
		return err
	}
	if _, err := m.callSess(ctx, s, "user.setC2CReceiveOpt", map[string]any{"userIDs": userIDs, "opt": int(opt)}, nil); err != nil {
		return err
	}
	m.convChanged(s)
	return nil
}

// GetC2CReceiveMessageOpt returns the user's receive option for each of
// userIDs (1 to 30; getC2CReceiveMessageOpt), in the order asked.
func (mm *MessageManager) GetC2CReceiveMessageOpt(ctx context.Context, userIDs []string) ([]ReceiveMessageOptInfo, error) {
	m := mm.m
	if len(userIDs) == 0 || len(userIDs) > MaxReceiveOptUsers {
		return nil, newError(ErrCodeInvalidParameters, "1 to %d user IDs", MaxReceiveOptUsers)
	}
	s, err := m.current()
	if err != nil {
		return nil, err
	}
	var ans struct {
		Opts []struct {
			UserID string  `json:"userID"`
			Opt    flexInt `json:"opt"`
		} `json:"opts"`
	}
	if _, err := m.callSess(ctx, s, "user.getC2CReceiveOpt", map[string]any{"userIDs": userIDs}, &ans); err != nil {
		return nil, err
	}
	out := make([]ReceiveMessageOptInfo, len(ans.Opts))
	for i, o := range ans.Opts {
		out[i] = ReceiveMessageOptInfo{UserID: o.UserID, C2CReceiveMessageOpt: ReceiveMessageOpt(o.Opt)}
	}
	return out, nil
}

// RevokeMessage recalls msg (revokeMessage): only the sender may, within
// the app's recall window (2 minutes by default; 20016 after it). Everyone
// else in the conversation, the sender's other devices included, gets
// OnRecvMessageRevoked; msg's Status becomes MsgStatusLocalRevoked.
func (mm *MessageManager) RevokeMessage(ctx context.Context, msg *Message) error {
	m := mm.m
	if msg == nil || msg.Seq == 0 || msg.MsgKey == "" || (msg.UserID == "" && msg.GroupID == "") {
		return newError(ErrCodeInvalidParameters, "only a stored message (with MsgKey, Seq and UserID or GroupID) can be recalled")
	}
	s, err := m.current()
	if err != nil {
		return err
	}
	req := map[string]any{"userID": msg.UserID, "msgKey": msg.MsgKey}
	if msg.GroupID != "" {
		req = map[string]any{"groupID": msg.GroupID, "msgKey": msg.MsgKey}
	}
	if _, err := m.callSess(ctx, s, "msg.recall", req, nil); err != nil {
		return err
	}
	msg.Status = MsgStatusLocalRevoked
	msg.Elems = nil
	m.convChanged(s)
	return nil
}

// ModifyMessage changes a sent message's elements and CloudCustomData
// (modifyMessage): set them on msg (text, custom, location and face
// elements can be modified) and pass it; either user of the conversation
// may. On success msg is updated to the stored message (its Version
// grown) and returned. When the message changed since msg.Version (the
// other user modified it meanwhile), the error has code
// ErrCodeModifyConflict (2480) and the returned message is the current
// one, msg unchanged: merge and modify again. Other codes: 20026 no such
// message or recalled, 20001 nothing to modify. Both users' other
// devices get OnRecvMessageModified.
func (mm *MessageManager) ModifyMessage(ctx context.Context, msg *Message) (*Message, error) {
	m := mm.m
	if msg == nil || msg.Seq == 0 || msg.MsgKey == "" || msg.UserID == "" {
		return nil, newError(ErrCodeInvalidParameters, "only a stored message (with MsgKey, Seq and UserID) can be modified")
	}
	body, err := encodeBody(msg.Elems, msg.CloudCustomData, nil)
	if err != nil {
		return nil, err
	}
	s, err := m.current()
	if err != nil {
		return nil, err
	}
	var ans struct {
		Message *wireMessage `json:"message"`
	}
	req := map[string]any{"userID": msg.UserID, "msgKey": msg.MsgKey, "version": msg.Version,
		"body": map[string]any{"MsgBody": body.MsgBody, "CloudCustomData": body.CloudCustomData}}
	_, err = m.callSess(ctx, s, "msg.modify", req, &ans)
	var current *Message
	if ans.Message != nil && ans.Message.From != "" {
		current = ans.Message.message(s.userID)
		current.ClientMsgID = msg.ClientMsgID
	}
	if err != nil {
		if ErrorCode(err) == ErrCodeModifyConflict && current != nil {
			return current, err
		}
		return nil, err
	}
	if current == nil {
		return nil, newError(ErrCodeParseResponse, "msg.modify: the answer has no message")
	}
	*msg = *current
	m.convChanged(s)
	return msg, nil
}

// DeleteMessages deletes up to MaxDeleteMessages messages of one
// conversation for the logged-in user (deleteMessages): they are gone
// from the user's history on every device (the other user keeps them),
// and a deleted unread message no longer counts. The user's other devices
// get OnRecvMessageDeleted. The messages' Status becomes
// MsgStatusHasDeleted. 20022 if one of them does not exist.
func (mm *MessageManager) DeleteMessages(ctx context.Context, msgs []*Message) error {
	m := mm.m
	if len(msgs) == 0 || len(msgs) > MaxDeleteMessages {
		return newError(ErrCodeInvalidParameters, "1 to %d messages", MaxDeleteMessages)
	}
	keys := make([]string, len(msgs))
	var peer string
	for i, msg := range msgs {
		if msg == nil || msg.Seq == 0 || msg.MsgKey == "" || msg.UserID == "" {
			return newError(ErrCodeInvalidParameters, "message %d: only stored messages can be deleted", i)
		}
		if i == 0 {
			peer = msg.UserID
		} else if msg.UserID != peer {
			return newError(ErrCodeInvalidParameters, "the messages must belong to one conversation")
		}
		keys[i] = msg.MsgKey
	}
	s, err := m.current()
	if err != nil {
		return err
	}
	if _, err := m.callSess(ctx, s, "msg.delete", map[string]any{"userID": peer, "msgKeys": keys}, nil); err != nil {
		return err
	}
	for _, msg := range msgs {
		msg.Status = MsgStatusHasDeleted
	}
	m.convChanged(s)
	return nil
}

// ClearC2CHistoryMessage clears the logged-in user's history of the
// conversation with userID (clearC2CHistoryMessage): every message up to
// the last one is gone for this user on every device (the other user
// keeps them); the conversation stays, empty and read. The user's other
// devices get OnRecvMessageHistoryCleared.
func (mm *MessageManager) ClearC2CHistoryMessage(ctx context.Context, userID string) error {
	m := mm.m
	if userID == "" {
		return newError(ErrCodeInvalidParameters, "userID is required")
	}
	s, err := m.current()
	if err != nil {
		return err
	}
	var ans struct {
		ClearedSeq uint64 `json:"clearedSeq"`
	}
	if _, err := m.callSess(ctx, s, "msg.clear", map[string]any{"userID": userID}, &ans); err != nil {
		return err
	}
	seq := ans.ClearedSeq
	m.tasks.push(task{kind: taskFunc, fn: func() {
		if m.isCurrent(s) {
			m.cleared(s, userID, seq)
		}
	}})
	return nil
}

// convChanged queues a re-read of the conversation list after a change
// this instance made (the server does not echo it here).
func (m *Manager) convChanged(s *session) {
	m.tasks.push(task{kind: taskFunc, fn: func() {
		if m.isCurrent(s) {
			s.msg.dirty = true
		}
	}})
}

// ---- listeners ----

// MessageReceipt is a read receipt (V2TIMMessageReceipt). From
// OnRecvC2CReadReceipt: UserID read the conversation with the logged-in
// user up to Seq (MsgID empty). From OnRecvMessageReadReceipts: UserID
// read the one message MsgID (with seq Seq) that the user sent with
// NeedReadReceipt.
type MessageReceipt struct {
	MsgID  string
	UserID string
	// Seq is the last message UserID read; IsPeerRead is true for every
	// message of the conversation with seq ≤ Seq.
	Seq        uint64
	IsPeerRead bool
	// Timestamp is when the receipt reached this device (unix seconds):
	// the protocol's msg.read push carries no time.
	Timestamp int64
	// GroupID is the group of a group message's receipt, with its counts
	// after it (UserID is the member who read it, in a push).
	GroupID     string
	ReadCount   int
	UnreadCount int
}

// AdvancedMsgListener receives messages and what happens to them
// (V2TIMAdvancedMsgListener). Register it with
// MessageManager.AddAdvancedMsgListener. Callbacks run on the Manager's
// callback goroutine (see SDKListener).
//
// New messages are reported exactly once per device and, within a
// conversation, in seq order, also those that arrived while this device
// was offline or its connection was down: after every (re)connect the SDK
// compares each conversation's last seq with the last it reported and
// fetches the difference. At the first login of a session, when the SDK
// has reported nothing yet, each conversation's messages after the user's
// read position are reported: the unread ones, and the user's own sent
// since the user last read it (at most 1000 per conversation). Online
// messages (seq 0) are reported as they come, and only to the devices
// online then.
type AdvancedMsgListener interface {
	// OnRecvNewMessage: a message to or from the user, sent by the other
	// user, through the REST API, or by the user on another device.
	OnRecvNewMessage(msg *Message)
	// OnRecvC2CReadReceipt: the other user of a conversation read it
	// (markC2CMessageAsRead on their side).
	OnRecvC2CReadReceipt(receipts []MessageReceipt)
	// OnRecvMessageReadReceipts: the other user of a conversation sent
	// read receipts (SendMessageReadReceipts) for messages the user sent
	// with NeedReadReceipt; one MessageReceipt per message, with MsgID.
	OnRecvMessageReadReceipts(receipts []MessageReceipt)
	// OnRecvMessageRevoked: a message was recalled. msg carries its
	// identity (MsgID, MsgKey, Seq, Sender, UserID) with Status
	// MsgStatusLocalRevoked and no elements.
	OnRecvMessageRevoked(msg *Message)
	// OnRecvMessageModified: a message was modified (by either user, on
	// another device, or through the REST API); msg is its new content
	// and Version.
	OnRecvMessageModified(msg *Message)
	// OnRecvMessageDeleted: the user deleted these messages (MsgIDs) of
	// the conversation with userID on another device. A Parley addition:
	// V2TIM does not sync deletions.
	OnRecvMessageDeleted(userID string, msgIDs []string)
	// OnRecvMessageHistoryCleared: the user cleared the history of the
	// conversation with userID, up to seq clearedSeq, on another device.
	// A Parley addition.
	OnRecvMessageHistoryCleared(userID string, clearedSeq uint64)
}

// BaseAdvancedMsgListener implements AdvancedMsgListener with methods
// that do nothing; embed it to implement only the callbacks you need.
type BaseAdvancedMsgListener struct{}

func (BaseAdvancedMsgListener) OnRecvNewMessage(*Message)                  {}
func (BaseAdvancedMsgListener) OnRecvC2CReadReceipt([]MessageReceipt)      {}
func (BaseAdvancedMsgListener) OnRecvMessageReadReceipts([]MessageReceipt) {}
func (BaseAdvancedMsgListener) OnRecvMessageRevoked(*Message)              {}
func (BaseAdvancedMsgListener) OnRecvMessageModified(*Message)             {}
func (BaseAdvancedMsgListener) OnRecvMessageDeleted(string, []string)      {}
func (BaseAdvancedMsgListener) OnRecvMessageHistoryCleared(string, uint64) {}
