package webhook

import (
	"context"
	"encoding/json"

	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/outbox"
)

// The group before-callbacks (rest-spec §4.3). Each answers 0 to allow, 1
// to refuse with hook.CodeGroupRejected (10016), an app code in
// [10100, 10200] to refuse with it; only the send may also drop (2) or
// rewrite.

var _ hook.GroupBefore = (*Service)(nil)

type groupBeforeCreate struct {
	CallbackCommand string               `json:"CallbackCommand"`
	Operator        string               `json:"Operator_Account"`
	Owner           string               `json:"Owner_Account"`
	Type            string               `json:"Type"`
	Name            string               `json:"Name"`
	CreateGroupNum  int                  `json:"CreateGroupNum"`
	MemberList      []outbox.GroupMember `json:"MemberList"`
	EventTime       int64                `json:"EventTime"`
}

// BeforeCreateGroup sends Group.CallbackBeforeCreateGroup.
func (s *Service) BeforeCreateGroup(ctx context.Context, g hook.GroupCreate) (hook.Verdict, error) {
	ep := s.wants(g.App, CmdGroupBeforeCreate)
	if ep == nil {
		return hook.AllowVerdict, nil
	}
	platform, ip := platformOf(ctx, false)
	r, failed := s.ask(ctx, ep, CmdGroupBeforeCreate, platform, ip, groupBeforeCreate{CallbackCommand: CmdGroupBeforeCreate,
		Operator: g.Operator, Owner: g.Owner, Type: g.Type, Name: g.Name, CreateGroupNum: g.Created,
		MemberList: outbox.MembersOf(g.Members), EventTime: s.now().UnixMilli()})
	if failed != nil {
		return *failed, nil
	}
	v, _ := topVerdict(r, hook.CodeGroupRejected, false, groupCodeLow, groupCodeHigh)
	return v, nil
}

type groupBeforeApply struct {
	CallbackCommand string `json:"CallbackCommand"`
	GroupID         string `json:"GroupId"`
	Type            string `json:"Type"`
	Requestor       string `json:"Requestor_Account"`
	EventTime       int64  `json:"EventTime"`
}

// BeforeApplyJoinGroup sends Group.CallbackBeforeApplyJoinGroup.
func (s *Service) BeforeApplyJoinGroup(ctx context.Context, g hook.GroupApply) (hook.Verdict, error) {
	ep := s.wants(g.App, CmdGroupBeforeApplyJoin)
	if ep == nil {
		return hook.AllowVerdict, nil
	}
	platform, ip := platformOf(ctx, false)
	r, failed := s.ask(ctx, ep, CmdGroupBeforeApplyJoin, platform, ip, groupBeforeApply{CallbackCommand: CmdGroupBeforeApplyJoin,
		GroupID: g.GroupID, Type: g.Type, Requestor: g.Requestor, EventTime: s.now().UnixMilli()})
	if failed != nil {
		return *failed, nil
	}
	v, _ := topVerdict(r, hook.CodeGroupRejected, false, groupCodeLow, groupCodeHigh)
	return v, nil
}

type groupBeforeInvite struct {
	CallbackCommand    string               `json:"CallbackCommand"`
	GroupID            string               `json:"GroupId"`
	Type               string               `json:"Type"`
	Operator           string               `json:"Operator_Account"`
	DestinationMembers []outbox.GroupMember `json:"DestinationMembers"`
	EventTime          int64                `json:"EventTime"`
}

// BeforeInviteJoinGroup sends Group.CallbackBeforeInviteJoinGroup; the
// members its answer lists in RefusedMembers_Account are refused one by
// one (Items, with hook.CodeGroupRejected), the rest added.
func (s *Service) BeforeInviteJoinGroup(ctx context.Context, g hook.GroupInvite) (hook.Verdict, error) {
	ep := s.wants(g.App, CmdGroupBeforeInviteJoin)
	if ep == nil {
		return hook.AllowVerdict, nil
	}
	platform, ip := platformOf(ctx, false)
	r, failed := s.ask(ctx, ep, CmdGroupBeforeInviteJoin, platform, ip, groupBeforeInvite{CallbackCommand: CmdGroupBeforeInviteJoin,
		GroupID: g.GroupID, Type: g.Type, Operator: g.Operator, DestinationMembers: outbox.MembersOf(g.Members),
		EventTime: s.now().UnixMilli()})
	if failed != nil {
		return *failed, nil
	}
	v, allowed := topVerdict(r, hook.CodeGroupRejected, false, groupCodeLow, groupCodeHigh)
	if !allowed {
		return v, nil
	}
	for _, u := range r.RefusedMembers_Account {
		if v.Items == nil {
			v.Items = map[string]hook.ItemVerdict{}
		}
		v.Items[u] = hook.ItemVerdict{Code: hook.CodeGroupRejected, Message: "refused by the app's before-callback"}
	}
	return v, nil
}

type groupBeforeSend struct {
	CallbackCommand string          `json:"CallbackCommand"`
	GroupID         string          `json:"GroupId"`
	Type            string          `json:"Type"`
	From            string          `json:"From_Account"`
	Operator        string          `json:"Operator_Account"`
	Random          uint32          `json:"Random"`
	OnlineOnlyFlag  int             `json:"OnlineOnlyFlag"`
	MsgBody         json.RawMessage `json:"MsgBody"`
	CloudCustomData string          `json:"CloudCustomData"`
	EventTime       int64           `json:"EventTime"`
}

// BeforeSendGroupMessage sends Group.CallbackBeforeSendMsg: 0 allows (a
// returned MsgBody or CloudCustomData rewrites the message), 1 refuses
// with 10016, 2 drops, an app code in [10100, 10200] refuses with it.
func (s *Service) BeforeSendGroupMessage(ctx context.Context, m hook.GroupMessage) (hook.Verdict, error) {
	ep := s.wants(m.App, CmdGroupBeforeSendMsg)
	if ep == nil {
		return hook.AllowVerdict, nil
	}
	online := 0
	if m.OnlineOnly {
		online = 1
	}
	platform, ip := platformOf(ctx, m.Admin)
	r, failed := s.ask(ctx, ep, CmdGroupBeforeSendMsg, platform, ip, groupBeforeSend{CallbackCommand: CmdGroupBeforeSendMsg,
		GroupID: m.GroupID, Type: m.Type, From: m.From, Operator: m.From, Random: m.Random, OnlineOnlyFlag: online,
		MsgBody: m.MsgBody, CloudCustomData: m.CloudCustomData, EventTime: s.now().UnixMilli()})
	if failed != nil {
		return *failed, nil
	}
	v, allowed := topVerdict(r, hook.CodeGroupRejected, true, groupCodeLow, groupCodeHigh)
	if !allowed {
		return v, nil
	}
	body := len(r.MsgBody) > 0 && string(r.MsgBody) != "null"
	if body || r.CloudCustomData != nil {
		v = hook.Verdict{Action: hook.Rewrite, CloudCustomData: r.CloudCustomData}
		if body {
			v.MsgBody = r.MsgBody
		}
	}
	return v, nil
}
