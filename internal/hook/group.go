package hook

import (
	"context"
	"encoding/json"

	"github.com/parleyim/parley/internal/store"
)

// The group before-hooks (Group.CallbackBefore*). They are a separate
// interface so a Before that predates groups keeps compiling: a Before
// that does not implement GroupBefore allows every group change.

// CodeGroupRejected is the code of a group change a before-callback
// refused without naming an app code (Tencent's 10016: "the app's
// callback refused the operation").
const CodeGroupRejected = 10016

// GroupCreate is a group about to be created
// (Group.CallbackBeforeCreateGroup).
type GroupCreate struct {
	App      store.AppID
	Operator string
	Owner    string
	Type     string
	Name     string
	Members  []string
	// Created is how many groups Operator created before (Tencent's
	// CreateGroupNum); Parley does not count them and sends 0.
	Created int
}

// GroupApply is a user's request to join a group
// (Group.CallbackBeforeApplyJoinGroup).
type GroupApply struct {
	App       store.AppID
	GroupID   string
	Type      string
	Requestor string
}

// GroupInvite is an add of members to a group
// (Group.CallbackBeforeInviteJoinGroup). A verdict's Items refuse single
// members (the answer's RefusedMembers_Account).
type GroupInvite struct {
	App      store.AppID
	GroupID  string
	Type     string
	Operator string
	Members  []string
}

// GroupMessage is a group message about to be written
// (Group.CallbackBeforeSendMsg).
type GroupMessage struct {
	App             store.AppID
	GroupID         string
	Type            string
	From            string
	Random          uint32
	MsgBody         json.RawMessage
	CloudCustomData string
	OnlineOnly      bool
	// Admin marks a message sent through the REST API.
	Admin bool
}

// GroupBefore is the group part of the hook point.
type GroupBefore interface {
	BeforeCreateGroup(ctx context.Context, g GroupCreate) (Verdict, error)
	BeforeApplyJoinGroup(ctx context.Context, g GroupApply) (Verdict, error)
	BeforeInviteJoinGroup(ctx context.Context, g GroupInvite) (Verdict, error)
	BeforeSendGroupMessage(ctx context.Context, m GroupMessage) (Verdict, error)
}

func (r *Runner) group() GroupBefore {
	if r == nil || r.Before == nil {
		return nil
	}
	g, _ := r.Before.(GroupBefore)
	return g
}

// HasGroup reports whether the runner asks group hooks at all, so a
// service can skip building their arguments.
func (r *Runner) HasGroup() bool { return r.group() != nil }

// CreateGroup asks about a group creation.
func (r *Runner) CreateGroup(ctx context.Context, g GroupCreate) Verdict {
	b := r.group()
	if b == nil {
		return AllowVerdict
	}
	return call(r, ctx, "BeforeCreateGroup", func(c context.Context) (Verdict, error) { return b.BeforeCreateGroup(c, g) })
}

// ApplyJoinGroup asks about a join request.
func (r *Runner) ApplyJoinGroup(ctx context.Context, g GroupApply) Verdict {
	b := r.group()
	if b == nil {
		return AllowVerdict
	}
	return call(r, ctx, "BeforeApplyJoinGroup", func(c context.Context) (Verdict, error) { return b.BeforeApplyJoinGroup(c, g) })
}

// InviteJoinGroup asks about an add of members.
func (r *Runner) InviteJoinGroup(ctx context.Context, g GroupInvite) Verdict {
	b := r.group()
	if b == nil {
		return AllowVerdict
	}
	return call(r, ctx, "BeforeInviteJoinGroup", func(c context.Context) (Verdict, error) { return b.BeforeInviteJoinGroup(c, g) })
}

// SendGroupMessage asks about a group message; a request that suppressed
// its before-send callback (ForbidCallbackControl) is allowed unasked.
func (r *Runner) SendGroupMessage(ctx context.Context, m GroupMessage) Verdict {
	b := r.group()
	if b == nil || BeforeSendForbidden(ctx) {
		return AllowVerdict
	}
	return call(r, ctx, "BeforeSendGroupMessage", func(c context.Context) (Verdict, error) { return b.BeforeSendGroupMessage(c, m) })
}
