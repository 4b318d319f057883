package message

// The group message's part in the delivery core: Group.CallbackBeforeSendMsg
// asked before anything is written, and the outbox entries of a stored or
// recalled group message appended in its write (partition: the group ID, so
// a group's entries keep the order of its writes, messages and membership
// changes alike).

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

const (
	outboxKindGroupSent     = outbox.KindGroupMessageSent
	outboxKindGroupRecalled = outbox.KindGroupMessageRecalled
)

// beforeSendGroup asks the group before-send hook about req, outside any
// transaction, after checking on the read side that the send would be
// accepted (a valid body, an existing group, a member or the app's admin):
// the hook sees only messages the service would store. done means the
// caller returns sent and err as they are (a rejection, or a drop: the
// sender is told it was sent, nothing is stored or delivered). A rewrite
// replaces req's body and cloud custom data.
func (s *Service) beforeSendGroup(ctx context.Context, a *app.App, req *GroupSendRequest) (sent Sent, done bool, err error) {
	if !s.Hook.HasGroup() {
		return Sent{}, false, nil
	}
	if _, err := req.Content.Validate(); err != nil {
		return Sent{}, true, err
	}
	var c conv
	err = s.Store.Read(ctx, func(tx Tx) (err error) {
		c, err = resolve(ctx, tx, a, req.From, convid.Group(req.GroupID), req.Admin)
		return err
	})
	if err != nil {
		return Sent{}, true, errcode.Wrapf(err, "message: resolve group %s for %s", req.GroupID, req.From)
	}
	body, err := json.Marshal(req.Content.MsgBody)
	if err != nil {
		return Sent{}, true, err
	}
	v := s.Hook.SendGroupMessage(ctx, hook.GroupMessage{App: a.SDKAppID, GroupID: req.GroupID, Type: c.group.Type, From: req.From,
		Random: req.Random, MsgBody: body, CloudCustomData: req.Content.CloudCustomData, OnlineOnly: req.OnlineOnly, Admin: req.Admin})
	switch v.Action {
	case hook.Reject:
		return Sent{}, true, v.Err()
	case hook.Drop:
		m := store.Message{App: a.SDKAppID, ConvKey: convid.GroupKey(req.GroupID), Sender: req.From, Random: req.Random,
			SentAt: s.now().UnixMilli()}
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

// outboxGroupSent appends the group-message-sent entry of m, stored in g,
// in its write after AppendMessage (which takes the group's seq under the
// group row, so entry order is seq order).
func (s *Service) outboxGroupSent(ctx context.Context, tx Tx, a *app.App, g store.Group, m store.Message, admin bool) error {
	if !s.Outbox.Wants(a.SDKAppID, outboxKindGroupSent) {
		return nil
	}
	var c struct {
		MsgBody         json.RawMessage
		CloudCustomData string
	}
	if err := json.Unmarshal(m.Body, &c); err != nil {
		return err
	}
	p := outbox.GroupMessageSent{GroupID: memberGroupOf(g.ID), TopicID: topicOf(g.ID), Type: g.Type, From: m.Sender, Operator: m.Sender, Random: m.Random, MsgSeq: m.Seq,
		MsgTime: m.SentAt / 1000, MsgBody: c.MsgBody, CloudCustomData: c.CloudCustomData, EventTime: s.now().UnixMilli()}
	p.OptPlatform, p.ClientIP = groupPlatform(ctx, admin)
	p.ForbidAfterSendMsgCallback = hook.AfterSendForbidden(ctx)
	_, err := s.Outbox.Add(ctx, tx, a.SDKAppID, outboxKindGroupSent, g.ID, p)
	return err
}

// outboxGroupRecalled appends the recall entry of group message m,
// recalled by by, in the recall's write.
func (s *Service) outboxGroupRecalled(ctx context.Context, tx Tx, a *app.App, m store.Message, by string) error {
	if !s.Outbox.Wants(a.SDKAppID, outboxKindGroupRecalled) {
		return nil
	}
	id, _ := convid.FromKey(by, m.ConvKey)
	groupID := id.Target
	g, _, err := tx.Group(ctx, a.SDKAppID, groupID)
	if err != nil {
		return err
	}
	p := outbox.GroupMessageRecalled{GroupID: memberGroupOf(groupID), TopicID: topicOf(groupID), Type: g.Type, Operator: by, MsgSeqs: []outbox.GroupMsgSeq{{MsgSeq: m.Seq}},
		EventTime: s.now().UnixMilli()}
	p.OptPlatform, p.ClientIP = hook.PlatformOf(ctx)
	_, err = s.Outbox.Add(ctx, tx, a.SDKAppID, outboxKindGroupRecalled, groupID, p)
	return err
}

// groupPlatform is a group send's OptPlatform and ClientIP: RESTAPI for
// the admin's, the session's otherwise.
func groupPlatform(ctx context.Context, admin bool) (string, string) {
	if admin {
		return "RESTAPI", hook.OriginOf(ctx).ClientIP
	}
	return hook.PlatformOf(ctx)
}
