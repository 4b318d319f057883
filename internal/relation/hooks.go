package relation

// The relationship chain's part in the delivery core: the friend
// before-hooks (client requests only, as at Tencent) and the outbox entries
// (friend and blocklist rows added or removed) appended in the write of the
// change, derived from the change-log events the write already records.

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/outbox"
)

// outboxKinds maps the change-log kinds a consumer may want onto outbox
// kinds.
var outboxKinds = map[event.Kind]string{
	event.FriendAdded:   outbox.KindFriendAdded,
	event.FriendDeleted: outbox.KindFriendDeleted,
	event.BlockAdded:    outbox.KindBlockAdded,
	event.BlockDeleted:  outbox.KindBlockDeleted,
}

// pairMeta is what the events of a call do not say: who acted, through
// which command, and whether the targets' AllowType was skipped.
type pairMeta struct {
	actor     string // the partition key: one user's calls stay in order
	initiator string // Initiator_Account of friend adds
	cmd       string // outbox.CmdFriend*, for friend adds
	force     bool
}

// withOutbox wraps a write so that, after fn, the friend and blocklist rows
// its events announce are appended to the outbox in the same transaction:
// one entry per kind with every pair of the call.
func (s *Service) withOutbox(ctx context.Context, a *app.App, events *[]event.Event, m pairMeta, fn func(Tx) error) func(Tx) error {
	if s.Outbox == nil {
		return fn
	}
	return func(tx Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		pairs := map[string][]outbox.Pair{}
		var order []string
		for _, e := range *events {
			kind, ok := outboxKinds[e.Kind]
			if !ok || !s.Outbox.Wants(a.SDKAppID, kind) {
				continue
			}
			if _, seen := pairs[kind]; !seen {
				order = append(order, kind)
			}
			for _, p := range e.Peers {
				pair := outbox.Pair{From: e.User, To: p}
				if kind == outbox.KindFriendAdded {
					pair.Initiator = m.initiator
				}
				pairs[kind] = append(pairs[kind], pair)
			}
		}
		now := s.nowMilli()
		for _, kind := range order {
			p := outbox.Pairs{Pairs: pairs[kind], EventTime: now}
			p.OptPlatform, p.ClientIP = hook.PlatformOf(ctx)
			if kind == outbox.KindFriendAdded {
				p.ClientCmd = m.cmd
				if m.force {
					p.ForceFlag = 1
				}
			}
			if _, err := s.Outbox.Add(ctx, tx, a.SDKAppID, kind, "u:"+m.actor, p); err != nil {
				return err
			}
		}
		return nil
	}
}

// outboxCommitted wakes the dispatcher after a commit whose events were
// appended (withOutbox).
func (s *Service) outboxCommitted(a *app.App, events []event.Event) {
	if s.Outbox == nil {
		return
	}
	for _, e := range events {
		if kind, ok := outboxKinds[e.Kind]; ok && s.Outbox.Wants(a.SDKAppID, kind) {
			s.Outbox.Committed()
			return
		}
	}
}

func (s *Service) nowMilli() int64 { return s.now() * 1000 }

// beforeAdd asks the hook about a client's add, outside any transaction:
// a rejection fails the call, a per-item code fails that item (recorded in
// pre, which the add then skips). REST adds are not asked.
func (s *Service) beforeAdd(ctx context.Context, a *app.App, from string, items []AddItem, opt AddOptions, pre []*errcode.Error) error {
	if s.Hook == nil || s.Hook.Before == nil || !hook.IsFromClient(ctx) {
		return nil
	}
	req := hook.FriendAdd{App: a.SDKAppID, From: from, AddType: string(opt.Type), Force: opt.Force}
	for i, it := range items {
		if pre[i] == nil {
			req.Items = append(req.Items, hook.FriendAddItem{To: it.To, Remark: it.Remark, GroupName: it.GroupName,
				AddSource: it.AddSource, AddWording: it.AddWording})
		}
	}
	if len(req.Items) == 0 {
		return nil
	}
	v := s.Hook.FriendAdd(ctx, req)
	if err := v.Err(); err != nil {
		return err
	}
	for i, it := range items {
		if iv, ok := v.Items[it.To]; ok && iv.Code != 0 && pre[i] == nil {
			pre[i] = errcode.New(iv.Code, iv.Message)
		}
	}
	return nil
}

// Response actions of hook.FriendResponse, Tencent's words.
const (
	responseAgreeAndAdd = "Response_Action_AgreeAndAdd"
	responseAgree       = "Response_Action_Agree"
	responseReject      = "Response_Action_Reject"
)

// beforeResponse asks the hook about a client's answer to from's request;
// a rejection or a code for from fails the answer.
func (s *Service) beforeResponse(ctx context.Context, a *app.App, user, from, action, remark string) error {
	if s.Hook == nil || s.Hook.Before == nil || !hook.IsFromClient(ctx) {
		return nil
	}
	v := s.Hook.FriendResponse(ctx, hook.FriendResponse{App: a.SDKAppID, From: user, To: from, Action: action, Remark: remark})
	if err := v.Err(); err != nil {
		return err
	}
	if iv, ok := v.Items[from]; ok && iv.Code != 0 {
		return errcode.New(iv.Code, iv.Message)
	}
	return nil
}
