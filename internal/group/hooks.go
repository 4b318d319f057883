package group

// The group service's part in the delivery core: the before-hooks
// (Group.CallbackBeforeCreateGroup, ...ApplyJoinGroup, ...InviteJoinGroup),
// asked before a write and outside any transaction or lock, and the outbox
// entries of the after-callbacks, appended inside the change's write after
// the group row's lock (partition: the group ID, so a group's entries keep
// the order of its writes). Both cost one nil check when not configured.

import (
	"context"
	"slices"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// Attachments are the delivery core's parts a Service may be given.
type Attachments struct {
	// Outbox appends the entries consumers want; nil appends none.
	Outbox *outbox.Producer
	// Hook is asked before a create, a join request and an add; nil allows.
	Hook *hook.Runner
}

// beforeCreate asks the create hook; a non-nil error refuses the create.
func (s *Service) beforeCreate(ctx context.Context, a *app.App, actor Actor, owner, typ, name string, members []InitialMember) error {
	if !s.Hook.HasGroup() {
		return nil
	}
	users := make([]string, 0, len(members))
	for _, m := range members {
		users = append(users, m.User)
	}
	return s.Hook.CreateGroup(ctx, hook.GroupCreate{App: a.SDKAppID, Operator: operatorOf(actor), Owner: owner, Type: typ, Name: name,
		Members: users}).Err()
}

// beforeApply asks the join-request hook about user joining groupID; it
// reads the group's type first (outside any write), and a group that does
// not exist is left to the join's own check.
func (s *Service) beforeApply(ctx context.Context, a *app.App, groupID, user string) error {
	if !s.Hook.HasGroup() {
		return nil
	}
	typ, ok, err := s.groupType(ctx, a, groupID)
	if err != nil || !ok {
		return err
	}
	return s.Hook.ApplyJoinGroup(ctx, hook.GroupApply{App: a.SDKAppID, GroupID: groupID, Type: typ, Requestor: user}).Err()
}

// beforeInvite asks the invite hook about adding users to groupID. It
// returns the users to add (those the hook refused one by one removed) and
// the refused ones; an error refuses the whole add.
func (s *Service) beforeInvite(ctx context.Context, a *app.App, actor Actor, groupID string, users []string) (keep, refused []string, err error) {
	if !s.Hook.HasGroup() {
		return users, nil, nil
	}
	typ, ok, err := s.groupType(ctx, a, groupID)
	if err != nil || !ok {
		return users, nil, err
	}
	v := s.Hook.InviteJoinGroup(ctx, hook.GroupInvite{App: a.SDKAppID, GroupID: groupID, Type: typ, Operator: operatorOf(actor),
		Members: users})
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	if len(v.Items) == 0 {
		return users, nil, nil
	}
	for _, u := range users {
		if it, ok := v.Items[u]; ok && it.Code != 0 {
			refused = append(refused, u)
		} else {
			keep = append(keep, u)
		}
	}
	return keep, refused, nil
}

func (s *Service) groupType(ctx context.Context, a *app.App, groupID string) (string, bool, error) {
	if err := checkExisting(groupID); err != nil {
		return "", false, nil
	}
	var g store.Group
	var ok bool
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		g, ok, err = tx.Group(ctx, a.SDKAppID, groupID)
		return err
	})
	return g.Type, ok, err
}

// operatorOf is the Operator_Account of a change: the acting user, or the
// app's admin account for a REST call naming none.
func operatorOf(actor Actor) string {
	if actor.User != "" {
		return actor.User
	}
	return "administrator"
}

// outboxAdd appends one group entry of kind inside tx when a consumer
// wants it, with the origin's OptPlatform and ClientIP set by fill.
func (s *Service) outboxAdd(ctx context.Context, tx Tx, a *app.App, kind, groupID string, payload any) error {
	if !s.Outbox.Wants(a.SDKAppID, kind) {
		return nil
	}
	_, err := s.Outbox.Add(ctx, tx, a.SDKAppID, kind, groupID, payload)
	return err
}

// outboxCommitted wakes the dispatcher after a group write. It does not
// track whether the write appended (write is shared by every change): the
// wake-up is a non-blocking notify, and a dispatcher woken for nothing
// finds nothing to claim.
func (s *Service) outboxCommitted() {
	if s.Outbox != nil {
		s.Outbox.Committed()
	}
}

func (s *Service) outboxCreated(ctx context.Context, tx Tx, a *app.App, actor Actor, g store.Group, members []string) error {
	if !s.Outbox.Wants(a.SDKAppID, outbox.KindGroupCreated) {
		return nil
	}
	p := outbox.GroupCreated{GroupID: g.ID, Operator: operatorOf(actor), Owner: g.Owner, Type: g.Type, Name: g.Name,
		Members: outbox.MembersOf(members), EventTime: s.now().UnixMilli()}
	for _, k := range sortedKeys(g.Custom) {
		p.UserDefinedDataList = append(p.UserDefinedDataList, outbox.GroupKeyValue{Key: k, Value: g.Custom[k]})
	}
	p.OptPlatform, p.ClientIP = hook.PlatformOf(ctx)
	return s.outboxAdd(ctx, tx, a, outbox.KindGroupCreated, g.ID, p)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// outboxJoined appends the new-member entry of users joining st's group
// (joinType: outbox.JoinType*), and the group-full one when they filled it.
func (s *Service) outboxJoined(ctx context.Context, tx Tx, a *app.App, st state, joinType, operator string, users []string) error {
	if len(users) == 0 {
		return nil
	}
	platform, ip := hook.PlatformOf(ctx)
	if s.Outbox.Wants(a.SDKAppID, outbox.KindGroupMemberJoined) {
		p := outbox.GroupMembersJoined{GroupID: st.g.ID, Type: st.g.Type, JoinType: joinType, Operator: operator,
			Members: outbox.MembersOf(users), OptPlatform: platform, ClientIP: ip, EventTime: s.now().UnixMilli()}
		if err := s.outboxAdd(ctx, tx, a, outbox.KindGroupMemberJoined, st.g.ID, p); err != nil {
			return err
		}
	}
	if st.g.MaxMembers > 0 && st.g.MemberCount >= st.g.MaxMembers {
		return s.outboxAdd(ctx, tx, a, outbox.KindGroupFull, st.g.ID, outbox.GroupFull{GroupID: st.g.ID, OptPlatform: platform,
			ClientIP: ip, EventTime: s.now().UnixMilli()})
	}
	return nil
}

// outboxExited appends the member-exit entry of users leaving st's group.
func (s *Service) outboxExited(ctx context.Context, tx Tx, a *app.App, st state, exitType, operator string, users []string) error {
	if len(users) == 0 || !s.Outbox.Wants(a.SDKAppID, outbox.KindGroupMemberExited) {
		return nil
	}
	p := outbox.GroupMembersExited{GroupID: st.g.ID, Type: st.g.Type, ExitType: exitType, Operator: operator,
		Members: outbox.MembersOf(users), EventTime: s.now().UnixMilli()}
	p.OptPlatform, p.ClientIP = hook.PlatformOf(ctx)
	return s.outboxAdd(ctx, tx, a, outbox.KindGroupMemberExited, st.g.ID, p)
}

// outboxDestroyed appends the destroyed entry of st's group with the
// members it had.
func (s *Service) outboxDestroyed(ctx context.Context, tx Tx, a *app.App, st state, members []string) error {
	if !s.Outbox.Wants(a.SDKAppID, outbox.KindGroupDestroyed) {
		return nil
	}
	p := outbox.GroupDestroyed{GroupID: st.g.ID, Type: st.g.Type, Owner: st.g.Owner, Name: st.g.Name,
		Members: outbox.MembersOf(members), EventTime: s.now().UnixMilli()}
	p.OptPlatform, p.ClientIP = hook.PlatformOf(ctx)
	return s.outboxAdd(ctx, tx, a, outbox.KindGroupDestroyed, st.g.ID, p)
}

// outboxInfoChanged appends the info-changed entry of change (only the
// profile fields Tencent's callback names; none changed appends nothing).
func (s *Service) outboxInfoChanged(ctx context.Context, tx Tx, a *app.App, st state, actor Actor, change PushInfo) error {
	if !s.Outbox.Wants(a.SDKAppID, outbox.KindGroupInfoChanged) ||
		change.Name == nil && change.Introduction == nil && change.Notification == nil && change.FaceURL == nil {
		return nil
	}
	p := outbox.GroupInfoChanged{GroupID: st.g.ID, Type: st.g.Type, Operator: operatorOf(actor), Name: change.Name,
		Introduction: change.Introduction, Notification: change.Notification, FaceURL: change.FaceURL, EventTime: s.now().UnixMilli()}
	p.OptPlatform, p.ClientIP = hook.PlatformOf(ctx)
	return s.outboxAdd(ctx, tx, a, outbox.KindGroupInfoChanged, st.g.ID, p)
}

// outboxOwnerChanged appends the owner-changed entry.
func (s *Service) outboxOwnerChanged(ctx context.Context, tx Tx, a *app.App, st state, actor Actor, oldOwner, newOwner string) error {
	if !s.Outbox.Wants(a.SDKAppID, outbox.KindGroupOwnerChanged) {
		return nil
	}
	p := outbox.GroupOwnerChanged{GroupID: st.g.ID, Type: st.g.Type, Operator: operatorOf(actor), OldOwner: oldOwner,
		NewOwner: newOwner, EventTime: s.now().UnixMilli()}
	p.OptPlatform, p.ClientIP = hook.PlatformOf(ctx)
	return s.outboxAdd(ctx, tx, a, outbox.KindGroupOwnerChanged, st.g.ID, p)
}

// withRefused adds the users the invite hook refused to an add's results,
// as failed (add_group_member's Result 0).
func withRefused(results []AddResult, refused []string) []AddResult {
	for _, u := range refused {
		results = append(results, AddResult{u, AddFailed})
	}
	return results
}
