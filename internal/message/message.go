// Package message is the one message core: validation of the message body,
// idempotent appends with a server seq per conversation, history, read
// cursors, recall, modification and per-user views, for every kind of
// conversation (convid.ID), with what differs per kind in a small Policy
// (policy.go): who may send (the one-to-one relationship rules, or group
// membership), whose views exist, what counts as unread, whether history
// before a join is visible, whether messages are stored at all. The REST
// API and the client gateway both send through it.
package message

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
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
	// CodeInvalidRequest: a request the message service cannot act on (no
	// messages to delete, more than 30, nothing to modify).
	CodeInvalidRequest = 20001
	// CodeModifyRecalled: the message to modify does not exist, or was
	// recalled (its content no longer exists): seed 002's modifyMessage.
	CodeModifyRecalled = 20026
	// CodeModifyConflict: the message was modified since the version the
	// caller edited (V2TIM's 2480); the current message comes with it.
	CodeModifyConflict  = 2480
	MaxContentBytes     = 12 << 10
	DefaultRetention    = 7 * 24 * time.Hour
	DefaultRecallWindow = 2 * time.Minute
	MaxHistoryPage      = 100
	MaxDeletePerCall    = 30
)

// The answers of a send whose sender or receiver has no account. They are
// values, so a door that answers them with codes of its own (REST sendmsg:
// 20003 and 90012) tells them apart with errors.Is; never modified.
var (
	// ErrUnknownSender: a send that asked for the check (CheckSender)
	// names a sender with no account.
	ErrUnknownSender = errcode.New(CodeNoReceiver, "Err_Msg_From_Account_Not_Exist")
	// ErrUnknownReceiver: the receiver has no account.
	ErrUnknownReceiver = errcode.New(CodeNoReceiver, "Err_Msg_To_Account_Not_Exist")
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
	// GroupAtInfo is whom a group message mentions (group_mentions.go).
	GroupAtInfo []GroupAt `json:"GroupAtInfo,omitempty"`
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
			has, known := hasStringText(e.MsgContent)
			if !known {
				var t struct{ Text *string }
				has = json.Unmarshal(e.MsgContent, &t) == nil && t.Text != nil
			}
			if !has {
				return nil, errcode.Newf(CodeBadFormat, "Err_Msg_Text_Invalid: element %d needs a string Text", i)
			}
		}
	}
	b, ok := c.encodeFast()
	if !ok {
		var err error
		if b, err = json.Marshal(c); err != nil {
			return nil, err
		}
	}
	if len(b) > MaxContentBytes {
		return nil, errcode.Newf(CodeTooLong, "Err_Msg_Too_Long: %d bytes, at most %d", len(b), MaxContentBytes)
	}
	return b, nil
}

// ConvKey is the storage key of the conversation of two users, the same
// from both sides (convid.C2CKey).
func ConvKey(a, b string) string { return convid.C2CKey(a, b) }

// MsgKey is the handle clients and the REST API quote for a message:
// seq_random_time, as Tencent's C2C MsgKey.
func MsgKey(m store.Message) string {
	// Every message's push and answer quote it: strconv, not fmt.
	var b [64]byte
	k := strconv.AppendUint(b[:0], m.Seq, 10)
	k = append(k, '_')
	k = strconv.AppendUint(k, uint64(m.Random), 10)
	k = append(k, '_')
	k = strconv.AppendInt(k, m.SentAt/1000, 10)
	return string(k)
}

// ParseMsgKey returns the seq of a MsgKey.
func ParseMsgKey(key string) (uint64, error) {
	k, err := parseKey(key)
	if err != nil {
		return 0, err
	}
	if k.seq == 0 {
		return 0, errcode.Newf(CodeBadMsgKey, "Err_Msg_MsgKey_Invalid: %q", key)
	}
	return k.seq, nil
}

// msgKey is a parsed MsgKey.
type msgKey struct {
	seq    uint64
	random uint32
	sec    int64
}

func parseKey(key string) (msgKey, error) {
	bad := errcode.Newf(CodeBadMsgKey, "Err_Msg_MsgKey_Invalid: %q (want seq_random_time)", key)
	parts := strings.Split(key, "_")
	if len(parts) != 3 {
		return msgKey{}, bad
	}
	seq, err1 := strconv.ParseUint(parts[0], 10, 63)
	random, err2 := strconv.ParseUint(parts[1], 10, 32)
	sec, err3 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || sec < 0 || sec > 1<<40 {
		return msgKey{}, bad
	}
	return msgKey{seq, uint32(random), sec}, nil
}

// parseKeys parses a batch of MsgKeys.
func parseKeys(raw []string) ([]msgKey, error) {
	keys := make([]msgKey, len(raw))
	for i, r := range raw {
		k, err := parseKey(r)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	return keys, nil
}

// lockedLookupIn is lockedLookup in any conversation. In a group the
// lock is the message's sender's account: every change of a message takes
// it before the read that decides, whoever makes the change.
func lockedLookupIn(ctx context.Context, tx Tx, a *app.App, by string, c conv, k msgKey) (store.Message, bool, error) {
	if c.id.Kind == convid.KindC2C {
		return lockedLookup(ctx, tx, a, by, c.id.Target, c.key, k)
	}
	m, ok, err := lookup(ctx, tx, a.SDKAppID, c.key, k)
	if err != nil || !ok {
		return m, ok, err
	}
	if err := tx.LockAccounts(ctx, a.SDKAppID, m.Sender); err != nil {
		return store.Message{}, false, err
	}
	return lookup(ctx, tx, a.SDKAppID, c.key, k)
}

// lockedLookup is lookup for a write that changes the message: it first
// locks the conversation's two users, so the check of the message's state
// and the update are one step for concurrent recalls and modifications
// (PostgreSQL; SQLite has a single writer).
func lockedLookup(ctx context.Context, tx Tx, a *app.App, by, peer, convKey string, k msgKey) (store.Message, bool, error) {
	if err := tx.LockAccounts(ctx, a.SDKAppID, by, peer); err != nil {
		return store.Message{}, false, err
	}
	return lookup(ctx, tx, a.SDKAppID, convKey, k)
}

// lookup finds the message a MsgKey names in a conversation: by its seq,
// checked against the key's random and time; failing that by random and
// time alone, which is how the shared MsgKey of a batch send names each
// receiver's message (their seqs differ, their random and time do not).
func lookup(ctx context.Context, tx Tx, app store.AppID, convKey string, k msgKey) (store.Message, bool, error) {
	if k.seq > 0 {
		m, ok, err := tx.Message(ctx, app, convKey, k.seq)
		if err != nil || ok && m.Random == k.random && m.SentAt/1000 == k.sec {
			return m, ok, err
		}
	}
	same, err := tx.QueryMessages(ctx, app, store.MessageQuery{ConvKey: convKey, MinTime: k.sec * 1000, MaxTime: k.sec*1000 + 999,
		ByTime: true, Limit: 1000})
	if err != nil {
		return store.Message{}, false, err
	}
	for _, m := range same {
		if m.Random == k.random {
			return m, true, nil
		}
	}
	return store.Message{}, false, nil
}

// Service sends and reads messages.
type Service struct {
	Store  Store
	Events *event.Bus
	Now    func() time.Time
	Attachments
	// groupRates is the 40 messages/s per group limit (group_ratelimit.go).
	groupRates groupRates
	// GatherSends: admins' checked sends that arrive together are written
	// together (checked_sends.go); for a store.Networked store.
	GatherSends bool
	// checked gathers admins' checked sends into shared writes
	// (checked_sends.go).
	checked checkedSends
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
	NeedReadReceipt   bool
	// Admin sends (the REST API) skip the relationship and blocklist rules:
	// only the receiver must exist.
	Admin bool
	// HideFromSender keeps the message off the sender's devices and out of
	// the sender's history (REST SyncOtherMachine 2); the receiver gets it
	// as usual.
	HideFromSender bool
	// CheckSender: the sender must have an account (an admin's send names
	// any account as its sender), read with the receivers' rules in the
	// same round trip. Its absence is ErrUnknownSender, which comes before
	// any other answer of the send: a receiver's, a body's, a hook's.
	CheckSender bool
	Origin      any // the connection sending, not echoed to
}

// Sent is the outcome of a send.
type Sent struct {
	Message   store.Message
	Key       string
	Duplicate bool // a retry: the first attempt's message is returned
	Dropped   bool // blocked and told "sent", or online-only: not stored
	// RecvOpt is the receiver's receive option for the sender
	// (store.RecvOpt*): with RecvOptNotReceive the message is stored but
	// hidden from the receiver, with RecvOptNotNotify it is delivered
	// online and flagged for offline push to skip.
	RecvOpt int
}

// Delivery is the outcome of a send to one receiver of a batch.
type Delivery struct {
	To   string
	Sent Sent
	Err  *errcode.Error // nil when sent
}

// SendC2C stores and delivers a one-to-one message. It is acknowledged
// only once durable; online-only messages are never stored.
func (s *Service) SendC2C(ctx context.Context, a *app.App, req SendRequest) (Sent, error) {
	return s.SendC2CQueued(ctx, a, req).Finish()
}

// SendC2CQueued is SendC2C in two halves: it checks the send and queues its
// write (store.QueueWrite), and the QueuedSend's Finish waits for the write
// and delivers the message, returning what SendC2C would. A client's sends
// queued one after another are stored in that order and, their Finishes
// called in that order, delivered in it: a connection's next send need not
// wait for the previous one's commit, so several share the writer's next
// commit. On a store that cannot queue in order the write is made before
// SendC2CQueued returns.
func (s *Service) SendC2CQueued(ctx context.Context, a *app.App, req SendRequest) QueuedSend {
	if req.To == "" {
		return sentNow(Sent{}, errcode.New(CodeNoReceiver, "Err_Msg_To_Account_Invalid"))
	}
	if req.CheckSender && s.hooked() {
		// The hook is asked only about sends between accounts that exist:
		// they are read first, on their own (the hook's own round trip
		// outweighs this one).
		if err := s.accountsExist(ctx, a, req.From, []string{req.To}); err != nil {
			return sentNow(Sent{}, err)
		}
		req.CheckSender = false
	}
	if sent, done, err := s.beforeSend(ctx, a, &req); done {
		return sentNow(sent, err)
	}
	q := s.sendQueued(ctx, a, req, []string{req.To})
	return QueuedSend{Ready: q.ready, Finish: func() (Sent, error) {
		out, err := q.finish()
		if err != nil {
			return Sent{}, err
		}
		if out[0].Err != nil {
			return Sent{}, out[0].Err
		}
		return out[0].Sent, nil
	}}
}

// QueuedSend is a send begun by SendC2CQueued.
type QueuedSend struct {
	// Ready is closed once Finish would not wait for the store (it may stay
	// open if the store closes before the write runs).
	Ready <-chan struct{}
	// Finish waits for the write, delivers and answers; called once.
	Finish func() (Sent, error)
}

// queuedDeliveries is a send begun by sendQueued: finish waits for its
// write (ready once it would not) and delivers.
type queuedDeliveries struct {
	ready  <-chan struct{}
	finish func() ([]Delivery, error)
}

// sentNow is a send decided before any write.
func sentNow(sent Sent, err error) QueuedSend {
	return QueuedSend{Ready: store.ReadyNow, Finish: func() (Sent, error) { return sent, err }}
}

// deliveredNow is a sendQueued decided before any write.
func deliveredNow(out []Delivery, err error) queuedDeliveries {
	return queuedDeliveries{ready: store.ReadyNow, finish: func() ([]Delivery, error) { return out, err }}
}

// SendC2CBatch sends the same message from req.From to each of tos (req.To
// is ignored), all in one durable write. A receiver that fails the rules
// fails alone; the error is for the batch as a whole.
func (s *Service) SendC2CBatch(ctx context.Context, a *app.App, req SendRequest, tos []string) ([]Delivery, error) {
	return s.sendQueued(ctx, a, req, tos).finish()
}

// compose validates a message to send and builds it, with no
// conversation yet: the part of a send every kind of conversation shares.
// The client key is the sender's idempotency key: their ClientMsgID, or
// else the random and a hash of the body.
func (s *Service) compose(a *app.App, from string, random uint32, clientMsgID string, content Content, flags int) (store.Message, error) {
	body, err := content.Validate()
	if err != nil {
		return store.Message{}, err
	}
	now := s.now()
	m := store.Message{App: a.SDKAppID, Sender: from, Random: random, SentAt: now.UnixMilli(), Body: body,
		ExpiresAt: now.Add(retention(a)).Unix(), Flags: flags, ClientKey: clientMsgID}
	if m.ClientKey == "" {
		sum := sha256.Sum256(body)
		m.ClientKey = "r" + strconv.FormatUint(uint64(random), 10) + ":" + hex.EncodeToString(sum[:8])
	}
	return m, nil
}

// sendFlags are the stored flags a send asks for.
func sendFlags(excludeFromUnread, excludeFromLast, needReadReceipt bool) int {
	flags := 0
	if excludeFromUnread {
		flags |= store.MessageExcludedFromUnread
	}
	if excludeFromLast {
		flags |= store.MessageExcludedFromLast
	}
	if needReadReceipt {
		flags |= store.MessageNeedReadReceipt
	}
	return flags
}

// sendQueued checks a send from req.From to each of tos and queues its
// write; finish waits for the write and delivers (see SendC2CQueued).
func (s *Service) sendQueued(ctx context.Context, a *app.App, req SendRequest, tos []string) queuedDeliveries {
	base, err := s.compose(a, req.From, req.Random, req.ClientMsgID, req.Content,
		sendFlags(req.ExcludeFromUnread, req.ExcludeFromLast, req.NeedReadReceipt))
	if err != nil {
		if req.CheckSender {
			// An absent account is answered before the body's fault, as
			// when the accounts are read apart: only on this failing path.
			if aerr := s.accountsExist(ctx, a, req.From, tos); aerr != nil {
				return deliveredNow(nil, aerr)
			}
		}
		return deliveredNow(nil, err)
	}
	out := make([]Delivery, len(tos))
	for i, to := range tos {
		m := base
		m.ConvKey, m.Receiver = ConvKey(req.From, to), to
		out[i] = Delivery{To: to, Sent: Sent{Message: m, Key: MsgKey(m)}}
	}

	if req.CheckSender && req.Admin && !req.OnlineOnly && len(tos) == 1 {
		if s.GatherSends {
			return deliveredNow(s.sendGathered(ctx, a, req, out))
		}
		return deliveredNow(s.sendChecked(ctx, a, req, out))
	}
	// The rules are checked on the read side, not inside the write: the
	// single writer's time is the throughput of the whole node, and a block
	// or unfriend landing in between is indistinguishable from one landing
	// just after the send.
	senderExists := true
	err = s.Store.Read(ctx, func(tx Tx) error {
		if req.Admin {
			exists, opts, err := adminReceivers(ctx, tx, a, req.From, tos, req.CheckSender)
			if err != nil {
				return err
			}
			senderExists = exists[req.From]
			for i := range out {
				if !exists[out[i].To] {
					out[i].Err = ErrUnknownReceiver
				}
				if out[i].To != req.From {
					out[i].Sent.RecvOpt = opts[out[i].To]
				}
			}
			return nil
		}
		for i := range out {
			if err := s.check(ctx, tx, a, req.From, &out[i], &senderExists); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return deliveredNow(nil, errcode.Wrapf(err, "message: check the receivers of %s", req.From))
	}
	if req.CheckSender && !senderExists {
		return deliveredNow(nil, ErrUnknownSender)
	}
	if req.OnlineOnly {
		// Never stored, never counted: it reaches whoever is online now,
		// when finished (after the sends queued before it are delivered).
		return queuedDeliveries{ready: store.ReadyNow, finish: func() ([]Delivery, error) {
			for i := range out {
				if out[i].Err == nil && !out[i].Sent.Dropped {
					s.publishNew(a, &out[i].Sent, req.HideFromSender, req.Origin)
				}
				out[i].Sent.Dropped = true
			}
			return out, nil
		}}
	}
	if !anyToStore(out) {
		// Every receiver failed or was dropped: no write to wait for.
		return deliveredNow(out, nil)
	}
	written := store.QueueScopedWrite(s.Store, ctx, func(tx Tx) error {
		for i := range out {
			d := &out[i]
			if d.Err != nil || d.Sent.Dropped {
				continue
			}
			m := d.Sent.Message
			m.Seq = 0
			// Hidden from the sender (its other devices and history), or
			// gone from the view of a receiver who does not receive the
			// peer: kept for the other side, and stored with the message
			// (one statement on PostgreSQL).
			m.HiddenFor = nil
			if req.HideFromSender && req.From != d.To {
				m.HiddenFor = append(m.HiddenFor, req.From)
			}
			if d.Sent.RecvOpt == store.RecvOptNotReceive {
				m.HiddenFor = append(m.HiddenFor, d.To)
			}
			stored, dup, err := tx.AppendMessage(ctx, m)
			if err != nil {
				return err
			}
			d.Sent.Message, d.Sent.Duplicate = stored, dup
			if !dup {
				if err := s.outboxSent(ctx, tx, a, stored, req.Admin); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return queuedDeliveries{ready: written.Ready, finish: func() ([]Delivery, error) {
		if err := written.Wait(); err != nil {
			return nil, errcode.Wrapf(err, "message: send from %s", req.From)
		}
		s.sendCommitted(a, req, out)
		return out, nil
	}}
}

// sendCommitted finishes a send once its write is durable: the outbox is
// woken, and each stored message keyed and delivered.
func (s *Service) sendCommitted(a *app.App, req SendRequest, out []Delivery) {
	s.outboxCommitted(a, outboxKindSent)
	for i := range out {
		d := &out[i]
		if d.Err != nil || d.Sent.Dropped {
			continue
		}
		d.Sent.Key = MsgKey(d.Sent.Message)
		if !d.Sent.Duplicate {
			s.publishNew(a, &d.Sent, req.HideFromSender, req.Origin)
		}
	}
}

// sendChecked is an admin's checked send to one receiver (the REST door's
// sendmsg): the accounts and the receiver's receive option are read by the
// write that appends (store's AppendCheckedMessage), which on PostgreSQL
// is one statement instead of a read and a write. An admin's send has no
// rule but the accounts' existence, so nothing is decided between the read
// and the append.
func (s *Service) sendChecked(ctx context.Context, a *app.App, req SendRequest, out []Delivery) ([]Delivery, error) {
	m := checkedMessage(req, out[0])
	var res store.CheckedAppend
	err := s.Store.Write(ctx, func(tx Tx) error {
		var err error
		if res, err = tx.AppendCheckedMessage(ctx, m); err != nil {
			return err
		}
		if res.Appended && !res.Duplicate {
			return s.outboxSent(ctx, tx, a, res.Stored, req.Admin)
		}
		return nil
	})
	if err != nil {
		return nil, errcode.Wrapf(err, "message: send from %s", req.From)
	}
	return s.checkedSent(a, req, out, res)
}

// checkedMessage is the message a checked send of d appends: the
// composed one, hidden from its sender when the request says so (the
// store adds the receiver who does not receive the sender).
func checkedMessage(req SendRequest, d Delivery) store.Message {
	m := d.Sent.Message
	if req.HideFromSender && req.From != d.To {
		m.HiddenFor = []string{req.From}
	}
	return m
}

// anyToStore reports whether a delivery of out is to be stored.
func anyToStore(out []Delivery) bool {
	for i := range out {
		if out[i].Err == nil && !out[i].Sent.Dropped {
			return true
		}
	}
	return false
}

// check applies the sending rules for one receiver: the receiver exists,
// has not blocked the sender (dropped and told "sent", or 20007), and the
// relationship check when the app has it on. The receiver's receive option
// for the sender comes back in the same round trip, and whether the sender
// exists, which clears *senderExists when it does not.
func (s *Service) check(ctx context.Context, tx Tx, a *app.App, from string, d *Delivery, senderExists *bool) error {
	if d.To == "" {
		d.Err = errcode.New(CodeNoReceiver, "Err_Msg_To_Account_Invalid")
		return nil
	}
	checkFriends := a.Switches.CheckFriendForC2C && !a.IsAdmin(from)
	rs, err := tx.SendCheck(ctx, a.SDKAppID, d.To, from, checkFriends)
	if err != nil {
		return err
	}
	if !rs.SenderExists {
		*senderExists = false
	}
	if !rs.ReceiverExists {
		d.Err = ErrUnknownReceiver
		return nil
	}
	if from != d.To {
		d.Sent.RecvOpt = rs.RecvOpt
	}
	if rs.Blocked {
		if a.Switches.ShowSentToBlocked {
			d.Sent.Dropped = true
			return nil
		}
		d.Err = errcode.New(CodeBlockedByPeer, "Err_Msg_Sender_In_Receiver_Blocklist")
		return nil
	}
	if checkFriends {
		senderHas, receiverHas := rs.SenderHasReceiver, rs.ReceiverHasSender
		switch {
		case !senderHas && !receiverHas:
			d.Err = errcode.New(CodeNotFriends, "Err_Msg_Not_Friends")
		case !receiverHas:
			d.Err = errcode.New(CodeNotPeersFriend, "Err_Msg_Sender_Not_In_Receiver_Friend_List")
		case !senderHas:
			d.Err = errcode.New(CodePeerNotMyFriend, "Err_Msg_Receiver_Not_In_Sender_Friend_List")
		}
	}
	return nil
}

// adminReceivers says which of tos exist (and from, when withSender) and
// each one's receive option toward from, for an admin's send (no block or
// friendship rule applies). One receiver is one read (SendCheck, which an
// engine may remember, and which answers for the sender too); more are two,
// whatever their number.
func adminReceivers(ctx context.Context, tx Tx, a *app.App, from string, tos []string, withSender bool) (exists map[string]bool, opts map[string]int, err error) {
	if len(tos) == 1 {
		rs, err := tx.SendCheck(ctx, a.SDKAppID, tos[0], from, false)
		if err != nil {
			return nil, nil, err
		}
		// A send to oneself: the sender is the receiver.
		return map[string]bool{from: rs.SenderExists, tos[0]: rs.ReceiverExists}, map[string]int{tos[0]: rs.RecvOpt}, nil
	}
	users := tos
	if withSender {
		users = append(tos[:len(tos):len(tos)], from)
	}
	if exists, err = tx.ExistingAccounts(ctx, a.SDKAppID, users); err != nil {
		return nil, nil, err
	}
	if !withSender {
		// Not asked: answered as existing, which is what no check means.
		exists[from] = true
	}
	opts, err = tx.RecvOptsToward(ctx, a.SDKAppID, from, tos)
	return exists, opts, err
}

// accountsExist answers ErrUnknownSender when from has no account and, for
// a send to one receiver, ErrUnknownReceiver when it has none: the check
// of CheckSender on its own, for where it must come first.
func (s *Service) accountsExist(ctx context.Context, a *app.App, from string, tos []string) error {
	users := []string{from}
	if len(tos) == 1 {
		users = append(users, tos[0])
	}
	exists, err := s.Existing(ctx, a, users...)
	if err != nil {
		return err
	}
	if !exists[from] {
		return ErrUnknownSender
	}
	if len(tos) == 1 && !exists[tos[0]] {
		return ErrUnknownReceiver
	}
	return nil
}

func retention(a *app.App) time.Duration {
	if a.MessageRetention > 0 {
		return a.MessageRetention
	}
	return DefaultRetention
}

// publish tells both users of m's conversation (all their devices but
// origin) about m.
func (s *Service) publish(a *app.App, kind event.Kind, m *store.Message, origin any) {
	s.Events.Publish(event.Event{App: a.SDKAppID, Kind: kind, User: m.Receiver, Peers: []string{m.Sender}, Message: m, Origin: origin})
}

// publishChange tells the users of m's conversation about a change of m:
// both users of a one-to-one conversation; in a group, the sender and the
// user who made the change (the fan-out to every member is the group
// delivery's, on the broker's group subjects).
func (s *Service) publishChange(a *app.App, kind event.Kind, m *store.Message, by string, origin any) {
	if convid.KeyKind(m.ConvKey) != convid.KindGroup {
		s.publish(a, kind, m, origin)
		return
	}
	e := event.Event{App: a.SDKAppID, Kind: kind, User: m.Sender, Message: m, Origin: origin}
	if by != m.Sender {
		e.Peers = []string{by}
	}
	s.Events.Publish(e)
}

// publishNew delivers a new message to its receiver (unless they do not
// receive from the sender) and, unless it is kept from them, to the
// sender's other devices.
func (s *Service) publishNew(a *app.App, sent *Sent, hideFromSender bool, origin any) {
	m := sent.Message
	users := make([]string, 0, 2)
	if sent.RecvOpt != store.RecvOptNotReceive || m.Sender == m.Receiver {
		users = append(users, m.Receiver)
	}
	if !hideFromSender || m.Sender == m.Receiver {
		users = append(users, m.Sender)
	}
	if len(users) == 0 {
		return
	}
	e := event.Event{App: a.SDKAppID, Kind: event.MessageNew, User: users[0], Peers: users[1:], Message: &sent.Message, Origin: origin,
		NoPush: sent.RecvOpt == store.RecvOptNotNotify}
	s.Events.Publish(e)
}
