package message

// The message service's part in the delivery core: the before-send hook,
// consulted before anything is written, and the outbox entries appended in
// the write of each change for consumers outside the process (webhooks,
// offline push). Both cost one nil check when not configured.

import (
	"context"
	"encoding/json"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// Kinds of the entries this service appends, named here so the service's
// other files need not import outbox.
const (
	outboxKindSent     = outbox.KindMessageSent
	outboxKindRecalled = outbox.KindMessageRecalled
	outboxKindRead     = outbox.KindMessageRead
	outboxKindReceipt  = outbox.KindMessageReceipt
)

// Attachments are the delivery core's parts a Service may be given.
type Attachments struct {
	// Outbox appends the entries consumers want; nil appends none.
	Outbox *outbox.Producer
	// Hook is asked before a one-to-one message is written; nil allows.
	Hook *hook.Runner
}

// hooked reports whether a before-send hook is configured.
func (s *Service) hooked() bool { return s.Hook != nil && s.Hook.Before != nil }

// beforeSend asks the hook about req, outside any transaction. done means
// the caller returns sent and err as they are: a rejection (err), or a drop
// (sent: the sender is told the message was sent, nothing is stored or
// delivered). A rewrite replaces req's body and cloud custom data, so what
// is stored and delivered is the rewrite.
func (s *Service) beforeSend(ctx context.Context, a *app.App, req *SendRequest) (sent Sent, done bool, err error) {
	if !s.hooked() {
		return Sent{}, false, nil
	}
	if req.To == "" {
		return Sent{}, true, errcode.New(CodeNoReceiver, "Err_Msg_To_Account_Invalid")
	}
	// The hook sees only messages the service would accept.
	if _, err := req.Content.Validate(); err != nil {
		return Sent{}, true, err
	}
	body, err := json.Marshal(req.Content.MsgBody)
	if err != nil {
		return Sent{}, true, err
	}
	v := s.Hook.SendMessage(ctx, hook.Message{App: a.SDKAppID, From: req.From, To: req.To, Random: req.Random, MsgBody: body,
		CloudCustomData: req.Content.CloudCustomData, OnlineOnly: req.OnlineOnly, Admin: req.Admin})
	switch v.Action {
	case hook.Reject:
		return Sent{}, true, v.Err()
	case hook.Drop:
		m := store.Message{App: a.SDKAppID, ConvKey: ConvKey(req.From, req.To), Sender: req.From, Receiver: req.To,
			Random: req.Random, SentAt: s.now().UnixMilli()}
		return Sent{Message: m, Key: MsgKey(m), Dropped: true}, true, nil
	case hook.Rewrite:
		if v.MsgBody != nil {
			var elems []Element
			if err := json.Unmarshal(v.MsgBody, &elems); err != nil {
				return Sent{}, true, errcode.Newf(CodeBadFormat, "Err_Msg_Callback_MsgBody_Invalid: %v", err)
			}
			req.Content.MsgBody = elems
		}
		if v.CloudCustomData != nil {
			req.Content.CloudCustomData = *v.CloudCustomData
		}
	}
	return Sent{}, false, nil
}

// outboxSent appends the message-sent entry of a stored message, in its
// write and after AppendMessage (which locks the conversation, so entry
// order is seq order).
func (s *Service) outboxSent(ctx context.Context, tx Tx, a *app.App, m store.Message, admin bool) error {
	if !s.Outbox.Wants(a.SDKAppID, outbox.KindMessageSent) {
		return nil
	}
	var c struct {
		MsgBody         json.RawMessage
		CloudCustomData string
	}
	if err := json.Unmarshal(m.Body, &c); err != nil {
		return err
	}
	p := outbox.MessageSent{From: m.Sender, To: m.Receiver, MsgSeq: m.Seq, MsgRandom: m.Random, MsgTime: m.SentAt / 1000,
		MsgKey: MsgKey(m), MsgBody: c.MsgBody, CloudCustomData: c.CloudCustomData, EventTime: s.now().UnixMilli()}
	if admin {
		p.OptPlatform, p.ClientIP = "RESTAPI", hook.OriginOf(ctx).ClientIP // the REST caller's
	} else {
		o := hook.OriginOf(ctx)
		p.OptPlatform, p.ClientIP = o.Platform, o.ClientIP
	}
	p.ForbidAfterSendMsgCallback = hook.AfterSendForbidden(ctx)
	_, err := s.Outbox.Add(ctx, tx, a.SDKAppID, outbox.KindMessageSent, m.ConvKey, p)
	return err
}

// outboxRecalled appends the recall entry of m, recalled by by (group
// recalls are Group.CallbackAfterRecallMsg, not C2C.CallbackAfterMsgWithDraw).
func (s *Service) outboxRecalled(ctx context.Context, tx Tx, a *app.App, m store.Message, by string) error {
	if convid.KeyKind(m.ConvKey) == convid.KindGroup {
		return s.outboxGroupRecalled(ctx, tx, a, m, by)
	}
	if !s.Outbox.Wants(a.SDKAppID, outbox.KindMessageRecalled) || convid.KeyKind(m.ConvKey) != convid.KindC2C {
		return nil
	}
	p := outbox.MessageRecalled{From: m.Sender, To: m.Receiver, MsgKey: MsgKey(m), EventTime: s.now().UnixMilli()}
	if by != m.Sender {
		p.Operator = by
	}
	p.OptPlatform, p.ClientIP = hook.PlatformOf(ctx)
	_, err := s.Outbox.Add(ctx, tx, a.SDKAppID, outbox.KindMessageRecalled, m.ConvKey, p)
	return err
}

// outboxRead appends the read-report entry of user reading the one-to-one
// conversation id up to seq (groups have no C2C.CallbackAfterMsgReport).
func (s *Service) outboxRead(ctx context.Context, tx Tx, a *app.App, user string, id convid.ID, seq uint64) error {
	if id.Kind != convid.KindC2C || !s.Outbox.Wants(a.SDKAppID, outbox.KindMessageRead) {
		return nil
	}
	now := s.now()
	p := outbox.MessageRead{Report: user, Peer: id.Target, LastReadTime: now.Unix(), ReadSeq: seq, EventTime: now.UnixMilli()}
	p.OptPlatform, p.ClientIP = hook.PlatformOf(ctx)
	_, err := s.Outbox.Add(ctx, tx, a.SDKAppID, outbox.KindMessageRead, ConvKey(user, id.Target), p)
	return err
}

// outboxReceipt appends the receipt entry of reader's receipts for peer's
// messages keys.
func (s *Service) outboxReceipt(ctx context.Context, tx Tx, a *app.App, reader, peer string, keys []string) error {
	if len(keys) == 0 || !s.Outbox.Wants(a.SDKAppID, outbox.KindMessageReceipt) {
		return nil
	}
	p := outbox.MessageReceipt{Reader: reader, Peer: peer, MsgKeys: keys, EventTime: s.now().UnixMilli()}
	p.OptPlatform, p.ClientIP = hook.PlatformOf(ctx)
	_, err := s.Outbox.Add(ctx, tx, a.SDKAppID, outbox.KindMessageReceipt, ConvKey(reader, peer), p)
	return err
}

// outboxCommitted wakes the dispatcher after a commit that appended an
// entry of kind.
func (s *Service) outboxCommitted(a *app.App, kind string) {
	if s.Outbox.Wants(a.SDKAppID, kind) {
		s.Outbox.Committed()
	}
}
