package group

import (
	"context"
	"errors"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// CreateRequest is a new group.
type CreateRequest struct {
	// GroupID is a custom ID; "" has the server assign one (@TGS#...).
	GroupID string
	// Type is the REST name (Private, Public, ChatRoom, AVChatRoom,
	// Community) or the V2TIM one (Work, Meeting).
	Type    string
	Profile Profile // Name is required; MuteAll is ignored
	// Owner is the group's owner. A client's create is owned by the actor;
	// the app's admin may name anyone, or no one.
	Owner string
	// Members are added with the group (not for AVChatRoom), each as a
	// member or, where the type has admins, an admin.
	Members      []InitialMember
	SupportTopic bool // Community only
	// CreatedAt (unix s) is an imported group's creation time; 0 is now.
	CreatedAt int64
}

// InitialMember is one member listed at creation.
type InitialMember struct {
	User   string
	Role   int // rules.RoleMember (or 0) or rules.RoleAdmin
	Custom map[string]string
}

// Created is the outcome of a create.
type Created struct {
	GroupID string
	// OverLimit lists initial members not added because they are in too
	// many groups already (MaxJoinedGroups).
	OverLimit []string
}

// Create makes a group with its owner and initial members in one write.
// The creator hears group.created, each added member group.joined.
func (s *Service) Create(ctx context.Context, a *app.App, actor Actor, req CreateRequest) (Created, error) {
	r, ok := rules.Of(req.Type)
	if !ok {
		return Created{}, newErr(CodeInvalidParam, "Err_Group_Type_Invalid: %q", req.Type)
	}
	if req.GroupID != "" {
		if err := ValidateGroupID(req.GroupID); err != nil {
			return Created{}, err
		}
	}
	p := req.Profile
	if p.Name == nil || *p.Name == "" {
		return Created{}, newErr(CodeInvalidParam, "Err_Group_Name_Empty: Name is required")
	}
	if err := checkProfile(a, r, p); err != nil {
		return Created{}, err
	}
	if req.SupportTopic && r.Type != rules.Community {
		return Created{}, newErr(CodeInvalidParam, "Err_Group_SupportTopic_Invalid: only communities have topics")
	}
	if len(req.Members) > 0 && !r.InitialMembers {
		return Created{}, newErr(CodeInvalidParam, "Err_Group_Members_Not_Allowed: %s groups start with no members", r.V2TIMName)
	}
	if len(req.Members) > MaxInitialMembers {
		return Created{}, newErr(CodeTooManyAccounts, "Err_Group_Too_Many_Members: at most %d initial members", MaxInitialMembers)
	}
	owner := req.Owner
	if !actor.AppAdmin {
		owner = actor.User
	}
	g := store.Group{App: a.SDKAppID, ID: req.GroupID, Type: r.Type, Owner: owner, Name: *p.Name,
		MaxMembers: r.DefaultMaxMembers, JoinOption: r.DefaultJoinOption, SupportTopic: req.SupportTopic, Custom: nonEmpty(p.Custom),
		NoUnread: !r.Unread || !r.Stored}
	for _, f := range []struct {
		dst *string
		v   *string
	}{{&g.Introduction, p.Introduction}, {&g.Notification, p.Notification}, {&g.FaceURL, p.FaceURL}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if p.MaxMembers != nil {
		g.MaxMembers = *p.MaxMembers
	}
	// A type whose join option is fixed keeps its own, whatever is asked.
	if p.JoinOption != nil && r.JoinOptionMutable {
		g.JoinOption = *p.JoinOption
	}
	now := s.now().Unix()
	g.CreatedAt, g.InfoTime = now, now
	if req.CreatedAt > 0 {
		g.CreatedAt = req.CreatedAt
	}
	members := make([]InitialMember, 0, len(req.Members))
	seen := map[string]bool{owner: true}
	for _, m := range req.Members {
		if m.User == "" {
			return Created{}, newErr(CodeInvalidParam, "Err_Group_Account_Empty: an initial member without Member_Account")
		}
		switch m.Role {
		case 0:
			m.Role = rules.RoleMember
		case rules.RoleMember:
		case rules.RoleAdmin:
			if !r.Admins {
				return Created{}, newErr(CodeInvalidParam, "Err_Group_Role_Invalid: %s groups have no admins", r.V2TIMName)
			}
		default:
			return Created{}, newErr(CodeInvalidParam, "Err_Group_Role_Invalid: an initial member is Admin or Member")
		}
		if err := checkCustom("AppMemberDefinedData", m.Custom, a.GroupMemberCustomFields); err != nil {
			return Created{}, err
		}
		if !seen[m.User] {
			seen[m.User] = true
			members = append(members, m)
		}
	}
	if g.MaxMembers > 0 && len(members)+boolInt(owner != "") > g.MaxMembers {
		return Created{}, newErr(CodeGroupFull, "Err_Group_Full: %d members over the cap of %d", len(members)+1, g.MaxMembers)
	}
	if err := s.beforeCreate(ctx, a, actor, owner, r.Type, g.Name, members); err != nil {
		return Created{}, err
	}
	users := make([]string, 0, len(members)+1)
	if owner != "" {
		users = append(users, owner)
	}
	for _, m := range members {
		users = append(users, m.User)
	}
	var out Created
	var added []string
	var events []event.Event
	for attempt := 0; ; attempt++ {
		if req.GroupID == "" {
			g.ID = autoID()
		}
		out, added, events = Created{GroupID: g.ID}, nil, nil
		err := s.write(ctx, &events, func(tx Tx) error {
			out.OverLimit, added = nil, nil
			exist, err := tx.ExistingAccounts(ctx, a.SDKAppID, users)
			if err != nil {
				return err
			}
			for _, u := range users {
				if !exist[u] {
					return newErr(CodeNoSuchAccount, "Err_Group_Account_Not_Exist: %q", u)
				}
			}
			created, err := tx.CreateGroup(ctx, g)
			if err != nil {
				return err
			}
			if !created {
				return errIDTaken
			}
			st := state{g: g, r: r}
			if owner != "" {
				if _, err := add(ctx, tx, a, &st, owner, rules.RoleOwner, now); err != nil {
					return err
				}
				added = append(added, owner)
				events = append(events, logged(a.SDKAppID, KindCreated, owner, g.ID, owner))
			}
			operator := owner
			if operator == "" {
				operator = actor.User
			}
			for _, m := range members {
				ok, err := add(ctx, tx, a, &st, m.User, m.Role, now)
				if codeOf(err) == CodeTooManyJoined {
					out.OverLimit = append(out.OverLimit, m.User)
					continue
				}
				if err != nil {
					return err
				}
				if ok && len(m.Custom) > 0 {
					if _, err := tx.SetGroupMember(ctx, store.GroupMember{App: a.SDKAppID, GroupID: g.ID, User: m.User, Role: m.Role,
						Custom: m.Custom}); err != nil {
						return err
					}
				}
				added = append(added, m.User)
				events = append(events, logged(a.SDKAppID, KindJoined, m.User, g.ID, operator))
			}
			return s.outboxCreated(ctx, tx, a, actor, st.g, added)
		})
		if errors.Is(err, errIDTaken) {
			if req.GroupID == "" && attempt < 3 {
				continue
			}
			return Created{}, newErr(CodeGroupIDTaken, "Err_Group_ID_Used: %q is taken", g.ID)
		}
		if err != nil {
			return Created{}, wrap(err, "create %s", g.ID)
		}
		break
	}
	s.joined(a, g.ID, added...)
	return out, nil
}

var errIDTaken = errors.New("group ID taken")

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nonEmpty drops deleted ("") custom values.
func nonEmpty(m map[string]string) map[string]string {
	var out map[string]string
	for k, v := range m {
		if v == "" {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out
}

// Dismiss deletes a group with its members and messages. Every member
// hears group.dismissed (logged, except in an AVChatRoom, which keeps no
// membership worth replaying; pushed to all online).
func (s *Service) Dismiss(ctx context.Context, a *app.App, actor Actor, groupID string) error {
	var members []string
	var events []event.Event
	err := s.write(ctx, &events, func(tx Tx) error {
		members = members[:0]
		st, err := load(ctx, tx, a, groupID, actor, true, false)
		if err != nil {
			return err
		}
		if err := st.permit(st.r.Dismiss, actor, 0, "dismissing the group"); err != nil {
			return err
		}
		if st.r.Stored {
			for offset := 0; ; offset += MaxMemberPage {
				page, err := tx.ListGroupMembers(ctx, a.SDKAppID, groupID, store.MemberQuery{Offset: offset, Limit: MaxMemberPage})
				if err != nil {
					return err
				}
				for _, m := range page {
					members = append(members, m.User)
					events = append(events, logged(a.SDKAppID, KindDismissed, m.User, groupID, actor.User))
				}
				if len(page) < MaxMemberPage {
					break
				}
			}
		}
		if err := s.outboxDestroyed(ctx, tx, a, st, members); err != nil {
			return err
		}
		// A community's topics go with it, with their messages.
		if err := tx.DeleteCommunityTopics(ctx, a.SDKAppID, groupID); err != nil {
			return err
		}
		_, err = tx.DeleteGroup(ctx, a.SDKAppID, groupID)
		return err
	})
	if err != nil {
		return wrap(err, "dismiss %s", groupID)
	}
	s.push(a, groupID, PushGroupDismissed, PushUsers{GroupID: groupID, Operator: actor.User, UserIDs: []string{}}, actor.Origin)
	s.left(a, groupID, members...)
	return nil
}

// JoinStatus is the outcome of a join request.
type JoinStatus int

const (
	Joined           JoinStatus = iota // a member now
	AwaitingApproval                   // an application is filed for the owner and admins
	AlreadyMember                      // nothing changed
)

// Join is actor's request to join groupID, by the type's join rule: a
// Work group refuses (invitation only, 10007), a group whose join option
// is DisableApply refuses (10007), NeedPermission files an application
// (message is its text) that the owner and admins hear of, and the rest
// admit at once.
func (s *Service) Join(ctx context.Context, a *app.App, actor Actor, groupID, message string) (JoinStatus, error) {
	if actor.User == "" {
		return 0, newErr(CodeInvalidParam, "Err_Group_Account_Empty: who joins?")
	}
	if err := checkLen("ApplyMessage", &message, MaxNotificationBytes); err != nil {
		return 0, err
	}
	if err := s.beforeApply(ctx, a, groupID, actor.User); err != nil {
		return 0, err
	}
	status := Joined
	var events []event.Event
	err := s.write(ctx, &events, func(tx Tx) error {
		st, err := load(ctx, tx, a, groupID, Actor{User: actor.User}, true, true)
		if err != nil {
			return err
		}
		if st.role != 0 {
			status = AlreadyMember
			return nil
		}
		option := rules.FreeAccess
		switch st.r.Join {
		case rules.JoinNever:
			return newErr(CodeNoPermission, "Err_Group_Join_By_Invitation_Only: %s groups are joined by invitation", st.r.V2TIMName)
		case rules.JoinByOption:
			option = st.g.JoinOption
		}
		switch option {
		case rules.DisableApply:
			return newErr(CodeNoPermission, "Err_Group_Apply_Disabled: %q takes no join requests", groupID)
		case rules.NeedPermission:
			status = AwaitingApproval
			if err := tx.PutGroupApplication(ctx, store.GroupApplication{App: a.SDKAppID, GroupID: groupID, Applicant: actor.User,
				Message: message, CreatedAt: s.now().Unix()}); err != nil {
				return err
			}
			handlers, err := tx.ListGroupMembers(ctx, a.SDKAppID, groupID, store.MemberQuery{Roles: []int{rules.RoleOwner, rules.RoleAdmin},
				Limit: MaxMemberPage})
			if err != nil {
				return err
			}
			for _, h := range handlers {
				events = append(events, logged(a.SDKAppID, KindApplication, h.User, groupID, actor.User))
			}
			return nil
		}
		if _, err := add(ctx, tx, a, &st, actor.User, rules.RoleMember, s.now().Unix()); err != nil {
			return err
		}
		events = append(events, logged(a.SDKAppID, KindJoined, actor.User, groupID, actor.User))
		return s.outboxJoined(ctx, tx, a, st, outbox.JoinTypeApply, actor.User, []string{actor.User})
	})
	if err != nil {
		return 0, wrap(err, "join %s as %s", groupID, actor.User)
	}
	if status == Joined {
		s.joined(a, groupID, actor.User)
		s.push(a, groupID, PushMemberEntered, PushUsers{GroupID: groupID, UserIDs: []string{actor.User}}, actor.Origin)
	}
	return status, nil
}

// Quit takes actor out of groupID. An owner may quit only where the type
// allows it (Work: the group goes on with no owner); elsewhere they must
// transfer the group or dismiss it (10007).
func (s *Service) Quit(ctx context.Context, a *app.App, actor Actor, groupID string) error {
	var events []event.Event
	err := s.write(ctx, &events, func(tx Tx) error {
		st, err := load(ctx, tx, a, groupID, Actor{User: actor.User}, true, false)
		if err != nil {
			return err
		}
		if st.role == rules.RoleOwner {
			if !st.r.OwnerMayQuit {
				return newErr(CodeNoPermission, "Err_Group_Owner_Cannot_Quit: the owner of a %s group transfers or dismisses it", st.r.V2TIMName)
			}
			st.g.Owner = ""
			if _, err := tx.UpdateGroup(ctx, st.g); err != nil {
				return err
			}
		}
		if _, err := tx.LeaveGroup(ctx, a.SDKAppID, groupID, actor.User); err != nil {
			return err
		}
		events = append(events, logged(a.SDKAppID, KindQuit, actor.User, groupID))
		return s.outboxExited(ctx, tx, a, st, outbox.ExitTypeQuit, actor.User, []string{actor.User})
	})
	if err != nil {
		return wrap(err, "quit %s as %s", groupID, actor.User)
	}
	s.push(a, groupID, PushMemberLeft, PushMembers{GroupID: groupID, Members: []PushMember{{UserID: actor.User}}}, actor.Origin)
	s.left(a, groupID, actor.User)
	return nil
}

// AddResult is one user of an add, with add_group_member's Result values.
type AddResult struct {
	User   string
	Result int // AddFailed, AddAdded, AddAlready
}

// Results of AddMembers per user.
const (
	AddFailed  = 0 // no such account, or in too many groups
	AddAdded   = 1
	AddAlready = 2
)

// AddMembers adds users to groupID (inviteUserToGroup, add_group_member):
// who may is the type's Invite rule (Work and Community members; the app's
// admin for all but AVChatRoom). A full group refuses the whole call
// (10014). Added users hear group.joined; unless silent, every online
// member hears member_invited.
func (s *Service) AddMembers(ctx context.Context, a *app.App, actor Actor, groupID string, users []string, silent bool) ([]AddResult, error) {
	users, err := uniqueUsers(users, MaxUsersPerCall)
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, newErr(CodeInvalidParam, "Err_Group_MemberList_Empty: whom to add?")
	}
	users, refused, err := s.beforeInvite(ctx, a, actor, groupID, users)
	if err != nil {
		return nil, err
	}
	var results []AddResult
	var added []string
	var events []event.Event
	err = s.write(ctx, &events, func(tx Tx) error {
		results, added = results[:0], added[:0]
		st, err := load(ctx, tx, a, groupID, actor, true, false)
		if err != nil {
			return err
		}
		if err := st.permit(st.r.Invite, actor, 0, "adding members"); err != nil {
			return err
		}
		exist, err := tx.ExistingAccounts(ctx, a.SDKAppID, users)
		if err != nil {
			return err
		}
		current, err := tx.GroupMembersAmong(ctx, a.SDKAppID, groupID, users)
		if err != nil {
			return err
		}
		isMember := map[string]bool{}
		for _, m := range current {
			isMember[m.User] = true
		}
		newcomers := 0
		for _, u := range users {
			if exist[u] && !isMember[u] {
				newcomers++
			}
		}
		if st.g.MaxMembers > 0 && st.g.MemberCount+newcomers > st.g.MaxMembers {
			return newErr(CodeGroupFull, "Err_Group_Full: %d members and %d more over the cap of %d", st.g.MemberCount, newcomers, st.g.MaxMembers)
		}
		for _, u := range users {
			switch {
			case !exist[u]:
				results = append(results, AddResult{u, AddFailed})
			case isMember[u]:
				results = append(results, AddResult{u, AddAlready})
			default:
				ok, err := add(ctx, tx, a, &st, u, rules.RoleMember, s.now().Unix())
				if codeOf(err) == CodeTooManyJoined {
					results = append(results, AddResult{u, AddFailed})
					continue
				}
				if err != nil {
					return err
				}
				if !ok {
					results = append(results, AddResult{u, AddAlready})
					continue
				}
				results = append(results, AddResult{u, AddAdded})
				added = append(added, u)
				events = append(events, logged(a.SDKAppID, KindJoined, u, groupID, actor.User))
			}
		}
		return s.outboxJoined(ctx, tx, a, st, outbox.JoinTypeInvite, operatorOf(actor), added)
	})
	if err != nil {
		return nil, wrap(err, "add members to %s", groupID)
	}
	results = withRefused(results, refused)
	s.joined(a, groupID, added...)
	if len(added) > 0 && !silent {
		s.push(a, groupID, PushMemberInvited, PushUsers{GroupID: groupID, Operator: actor.User, UserIDs: added}, actor.Origin)
	}
	return results, nil
}

// Kick removes users from groupID: who may is the type's Kick rule (an
// admin kicks common members only; no one kicks the owner). One member the
// actor may not kick refuses the whole call (10007); non-members are
// skipped. Each kicked member hears group.kicked; every online member,
// the kicked included, hears member_kicked.
func (s *Service) Kick(ctx context.Context, a *app.App, actor Actor, groupID string, users []string, reason string) error {
	users, err := uniqueUsers(users, MaxUsersPerCall)
	if err != nil {
		return err
	}
	var kicked []string
	var events []event.Event
	err = s.write(ctx, &events, func(tx Tx) error {
		kicked = kicked[:0]
		st, err := load(ctx, tx, a, groupID, actor, true, false)
		if err != nil {
			return err
		}
		if st.r.Kick == rules.Nobody {
			return st.permit(rules.Nobody, actor, 0, "kicking members")
		}
		targets, err := tx.GroupMembersAmong(ctx, a.SDKAppID, groupID, users)
		if err != nil {
			return err
		}
		for _, m := range targets {
			if m.User == actor.User && !actor.AppAdmin {
				return newErr(CodeNoPermission, "Err_Group_Kick_Self: quit instead")
			}
			if err := st.permit(st.r.Kick, actor, m.Role, "kicking "+m.User); err != nil {
				return err
			}
		}
		for _, m := range targets {
			if _, err := tx.LeaveGroup(ctx, a.SDKAppID, groupID, m.User); err != nil {
				return err
			}
			if m.Role == rules.RoleOwner {
				st.g.Owner = ""
				if _, err := tx.UpdateGroup(ctx, st.g); err != nil {
					return err
				}
			}
			kicked = append(kicked, m.User)
			events = append(events, logged(a.SDKAppID, KindKicked, m.User, groupID, actor.User))
		}
		return s.outboxExited(ctx, tx, a, st, outbox.ExitTypeKicked, operatorOf(actor), kicked)
	})
	if err != nil {
		return wrap(err, "kick from %s", groupID)
	}
	if len(kicked) > 0 {
		s.push(a, groupID, PushMemberKicked, PushUsers{GroupID: groupID, Operator: actor.User, UserIDs: kicked}, actor.Origin)
		s.left(a, groupID, kicked...)
	}
	return nil
}

// TransferOwner makes newOwner, a member, the owner (the old one becomes a
// common member): by the owner or the app's admin, where the type allows
// (not AVChatRoom). Every online member hears info_changed with the owner.
func (s *Service) TransferOwner(ctx context.Context, a *app.App, actor Actor, groupID, newOwner string) error {
	if newOwner == "" {
		return newErr(CodeInvalidParam, "Err_Group_NewOwner_Empty: NewOwner_Account is required")
	}
	var events []event.Event
	err := s.write(ctx, &events, func(tx Tx) error {
		st, err := load(ctx, tx, a, groupID, actor, true, false)
		if err != nil {
			return err
		}
		if !st.r.TransferOwner {
			return st.permit(rules.Nobody, actor, 0, "transferring ownership")
		}
		if err := st.permit(rules.Owner, actor, 0, "transferring ownership"); err != nil {
			return err
		}
		m, ok, err := tx.GroupMember(ctx, a.SDKAppID, groupID, newOwner)
		if err != nil {
			return err
		}
		if !ok {
			return newErr(CodeNoPermission, "Err_Group_NewOwner_Not_Member: %q is not a member of %q", newOwner, groupID)
		}
		if old := st.g.Owner; old != "" && old != newOwner {
			if _, err := tx.SetGroupMember(ctx, store.GroupMember{App: a.SDKAppID, GroupID: groupID, User: old, Role: rules.RoleMember}); err != nil {
				return err
			}
		}
		m.Role = rules.RoleOwner
		if _, err := tx.SetGroupMember(ctx, m); err != nil {
			return err
		}
		oldOwner := st.g.Owner
		st.g.Owner, st.g.InfoTime = newOwner, s.now().Unix()
		if _, err = tx.UpdateGroup(ctx, st.g); err != nil {
			return err
		}
		return s.outboxOwnerChanged(ctx, tx, a, st, actor, oldOwner, newOwner)
	})
	if err != nil {
		return wrap(err, "transfer %s", groupID)
	}
	s.push(a, groupID, PushInfoChanged, PushInfo{GroupID: groupID, Operator: actor.User, Owner: &newOwner}, actor.Origin)
	return nil
}
