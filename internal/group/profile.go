package group

import (
	"context"
	"maps"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/store"
)

// MaxInfoGroups bounds the groups one profile read names.
const MaxInfoGroups = 50

// InfoResult is one group of a profile read: the group, or why not.
type InfoResult struct {
	GroupID string
	Group   store.Group
	Err     *errcode.Error // 10010 no such group, 10015 bad ID
}

// Info reads the profiles of groupIDs (anyone may read a group's base
// profile; the member list is a member's read, Members).
func (s *Service) Info(ctx context.Context, a *app.App, groupIDs []string) ([]InfoResult, error) {
	if len(groupIDs) == 0 {
		return nil, newErr(CodeInvalidParam, "Err_Group_GroupIdList_Empty: which groups?")
	}
	if len(groupIDs) > MaxInfoGroups {
		return nil, newErr(CodeInvalidParam, "Err_Group_Too_Many_Groups: at most %d per call", MaxInfoGroups)
	}
	out := make([]InfoResult, len(groupIDs))
	err := s.Store.Read(ctx, func(tx Tx) error {
		for i, id := range groupIDs {
			out[i] = InfoResult{GroupID: id}
			if err := checkExisting(id); err != nil {
				out[i].Err = errcode.As(err, CodeBadGroupID)
				continue
			}
			g, ok, err := tx.Group(ctx, a.SDKAppID, id)
			if err != nil {
				return err
			}
			if !ok {
				out[i].Err = errcode.Newf(CodeNoSuchGroup, "Err_Group_Not_Exist: %q", id)
				continue
			}
			out[i].Group = g
		}
		return nil
	})
	return out, wrap(err, "info")
}

// SetInfo changes groupID's profile: who may is the type's EditProfile
// rule (Work: any member; AVChatRoom: the owner; the rest: owner and
// admins); mute-all is the type's Mute rule instead (not Work), and the
// join option may change only where the type allows (Public, Community). Every online
// member hears info_changed with the fields that changed.
func (s *Service) SetInfo(ctx context.Context, a *app.App, actor Actor, groupID string, p Profile) error {
	var change PushInfo
	var events []event.Event
	err := s.write(ctx, &events, func(tx Tx) error {
		st, err := load(ctx, tx, a, groupID, actor, true, false)
		if err != nil {
			return err
		}
		if err := checkProfile(a, st.r, p); err != nil {
			return err
		}
		// Mute-all is a mute (the Mute rule: an AVChatRoom's admins may),
		// everything else a profile edit.
		rest := p
		rest.MuteAll = nil
		if rest.Name != nil || rest.Introduction != nil || rest.Notification != nil || rest.FaceURL != nil ||
			rest.MaxMembers != nil || rest.JoinOption != nil || len(rest.Custom) > 0 || p.MuteAll == nil {
			if err := st.permit(st.r.EditProfile, actor, 0, "editing the profile"); err != nil {
				return err
			}
		}
		if p.MuteAll != nil {
			if err := st.permit(st.r.Mute, actor, 0, "muting all"); err != nil {
				return err
			}
		}
		if p.JoinOption != nil && *p.JoinOption != st.g.JoinOption && !st.r.JoinOptionMutable {
			return newErr(CodeNoPermission, "Err_Group_JoinOption_Fixed: the join option of a %s group cannot change", st.r.V2TIMName)
		}
		if p.MaxMembers != nil && *p.MaxMembers < st.g.MemberCount {
			return newErr(CodeInvalidParam, "Err_Group_MaxMemberNum_Invalid: %d is below the %d members", *p.MaxMembers, st.g.MemberCount)
		}
		g := st.g
		change = PushInfo{GroupID: groupID, Operator: actor.User}
		setString(&g.Name, p.Name, &change.Name)
		setString(&g.Introduction, p.Introduction, &change.Introduction)
		setString(&g.Notification, p.Notification, &change.Notification)
		setString(&g.FaceURL, p.FaceURL, &change.FaceURL)
		setString(&g.JoinOption, p.JoinOption, &change.JoinOption)
		if p.MaxMembers != nil && *p.MaxMembers != g.MaxMembers {
			g.MaxMembers, change.MaxMembers = *p.MaxMembers, p.MaxMembers
		}
		if p.MuteAll != nil && *p.MuteAll != g.MuteAll {
			g.MuteAll, change.MuteAll = *p.MuteAll, p.MuteAll
		}
		if len(p.Custom) > 0 {
			custom := maps.Clone(g.Custom)
			if custom == nil {
				custom = map[string]string{}
			}
			for k, v := range p.Custom {
				if custom[k] != v {
					if change.Custom == nil {
						change.Custom = map[string]string{}
					}
					change.Custom[k] = v
				}
				if v == "" {
					delete(custom, k)
				} else {
					custom[k] = v
				}
			}
			g.Custom = nonEmpty(custom)
		}
		g.InfoTime = s.now().Unix()
		if _, err = tx.UpdateGroup(ctx, g); err != nil {
			return err
		}
		return s.outboxInfoChanged(ctx, tx, a, st, actor, change)
	})
	if err != nil {
		return wrap(err, "set info of %s", groupID)
	}
	s.push(a, groupID, PushInfoChanged, change, actor.Origin)
	return nil
}

func setString(dst, v *string, changed **string) {
	if v != nil && *v != *dst {
		*dst, *changed = *v, v
	}
}

// JoinedFilter narrows a joined-group list.
type JoinedFilter struct {
	// Type keeps one group type (REST or V2TIM name); "" all.
	Type string
	// ForClient leaves out what a client's list does not show: AVChatRoom
	// and topic-enabled communities (getJoinedGroupList).
	ForClient bool
}

// JoinedGroups returns the groups user is in, with their membership, by
// group ID.
func (s *Service) JoinedGroups(ctx context.Context, a *app.App, user string, f JoinedFilter) ([]store.JoinedGroup, error) {
	var want string
	if f.Type != "" {
		r, ok := rules.Of(f.Type)
		if !ok {
			return nil, newErr(CodeInvalidParam, "Err_Group_Type_Invalid: %q", f.Type)
		}
		want = r.Type
	}
	var all []store.JoinedGroup
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		all, err = tx.JoinedGroups(ctx, a.SDKAppID, user)
		return err
	})
	if err != nil {
		return nil, wrap(err, "joined groups of %s", user)
	}
	out := all[:0]
	for _, j := range all {
		if want != "" && j.Group.Type != want {
			continue
		}
		if f.ForClient && !rules.OrWork(j.Group.Type).InJoinedList(j.Group.SupportTopic) {
			continue
		}
		out = append(out, j)
	}
	return out, nil
}

// MemberPage is a page of a group's members and the group's count.
type MemberPage struct {
	Total   int
	Members []store.GroupMember
}

// Members lists a page of groupID's members in join order, optionally by
// role: a member's read (10007 for others), or the app's admin's.
func (s *Service) Members(ctx context.Context, a *app.App, actor Actor, groupID string, q store.MemberQuery) (MemberPage, error) {
	if q.Limit <= 0 || q.Limit > MaxMemberPage {
		q.Limit = MaxMemberPage
	}
	if q.Offset < 0 {
		return MemberPage{}, newErr(CodeInvalidParam, "Err_Group_Offset_Invalid: %d", q.Offset)
	}
	for _, r := range q.Roles {
		if r != rules.RoleOwner && r != rules.RoleAdmin && r != rules.RoleMember {
			return MemberPage{}, newErr(CodeInvalidParam, "Err_Group_Role_Invalid: %d", r)
		}
	}
	var page MemberPage
	err := s.Store.Read(ctx, func(tx Tx) error {
		st, err := load(ctx, tx, a, groupID, actor, false, false)
		if err != nil {
			return err
		}
		page.Total = st.g.MemberCount
		page.Members, err = tx.ListGroupMembers(ctx, a.SDKAppID, groupID, q)
		return err
	})
	return page, wrap(err, "members of %s", groupID)
}

// MembersInfo returns the members among users (non-members are absent):
// a member's read, or the app's admin's.
func (s *Service) MembersInfo(ctx context.Context, a *app.App, actor Actor, groupID string, users []string) ([]store.GroupMember, error) {
	users, err := uniqueUsers(users, MaxUsersPerCall)
	if err != nil {
		return nil, err
	}
	var out []store.GroupMember
	err = s.Store.Read(ctx, func(tx Tx) error {
		if _, err := load(ctx, tx, a, groupID, actor, false, false); err != nil {
			return err
		}
		out, err = tx.GroupMembersAmong(ctx, a.SDKAppID, groupID, users)
		return err
	})
	return out, wrap(err, "members info of %s", groupID)
}

// Roles returns each of users' role in groupID (0: not a member). The
// group must exist; no membership is needed to ask (get_role_in_group).
func (s *Service) Roles(ctx context.Context, a *app.App, groupID string, users []string) (map[string]int, error) {
	users, err := uniqueUsers(users, MaxUsersPerCall)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(users))
	err = s.Store.Read(ctx, func(tx Tx) error {
		if _, err := load(ctx, tx, a, groupID, Actor{AppAdmin: true}, false, true); err != nil {
			return err
		}
		ms, err := tx.GroupMembersAmong(ctx, a.SDKAppID, groupID, users)
		for _, m := range ms {
			out[m.User] = m.Role
		}
		return err
	})
	return out, wrap(err, "roles in %s", groupID)
}

// MemberChange is a change to one member; nil fields are left as they are.
type MemberChange struct {
	User string
	// Role (rules.RoleAdmin or RoleMember) is the owner's to set, where
	// the type has admins.
	Role *int
	// NameCard and Custom are the member's own to set, or the owner's and
	// admins' over common members, where the type stores member profiles.
	NameCard *string
	Custom   map[string]string
	// MuteSeconds mutes for that long (0 unmutes; ForeverSeconds never
	// ends), by the type's Mute rule.
	MuteSeconds *int64
}

// SetMember applies c to a member of groupID. Every online member hears
// admin_granted / admin_revoked for a role, member_changed for the rest.
func (s *Service) SetMember(ctx context.Context, a *app.App, actor Actor, groupID string, c MemberChange) error {
	if c.User == "" {
		return newErr(CodeInvalidParam, "Err_Group_Account_Empty: Member_Account is required")
	}
	if err := checkLen("NameCard", c.NameCard, MaxNameCardBytes); err != nil {
		return err
	}
	if err := checkCustom("AppMemberDefinedData", c.Custom, a.GroupMemberCustomFields); err != nil {
		return err
	}
	if c.MuteSeconds != nil && (*c.MuteSeconds < 0 || *c.MuteSeconds > ForeverSeconds) {
		return newErr(CodeInvalidParam, "Err_Group_MuteTime_Invalid: 0 to %d seconds", int64(ForeverSeconds))
	}
	var roleKind string
	var changed PushMember
	var events []event.Event
	err := s.write(ctx, &events, func(tx Tx) error {
		roleKind, changed = "", PushMember{UserID: c.User}
		st, err := load(ctx, tx, a, groupID, actor, true, false)
		if err != nil {
			return err
		}
		m, ok, err := tx.GroupMember(ctx, a.SDKAppID, groupID, c.User)
		if err != nil {
			return err
		}
		if !ok {
			return newErr(CodeNoPermission, "Err_Group_Not_Member: %q is not a member of %q", c.User, groupID)
		}
		if c.Role != nil && *c.Role != m.Role {
			if !st.r.Admins {
				return st.permit(rules.Nobody, actor, 0, "admins")
			}
			if *c.Role != rules.RoleAdmin && *c.Role != rules.RoleMember {
				return newErr(CodeInvalidParam, "Err_Group_Role_Invalid: Admin or Member")
			}
			if err := st.permit(rules.Owner, actor, m.Role, "setting roles"); err != nil {
				return err
			}
			m.Role = *c.Role
			roleKind = PushAdminRevoked
			if m.Role == rules.RoleAdmin {
				roleKind = PushAdminGranted
			}
		}
		if c.NameCard != nil || len(c.Custom) > 0 {
			if !st.r.SetMemberInfo {
				return st.permit(rules.Nobody, actor, 0, "member profiles")
			}
			if c.User != actor.User || actor.AppAdmin {
				if err := st.permit(rules.OwnerAndAdmins, actor, m.Role, "setting another member's profile"); err != nil {
					return err
				}
			}
			if c.NameCard != nil && *c.NameCard != m.NameCard {
				m.NameCard, changed.NameCard = *c.NameCard, c.NameCard
			}
			if len(c.Custom) > 0 {
				custom := maps.Clone(m.Custom)
				if custom == nil {
					custom = map[string]string{}
				}
				maps.Copy(custom, c.Custom)
				m.Custom = nonEmpty(custom)
			}
		}
		if c.MuteSeconds != nil {
			if err := st.permit(st.r.Mute, actor, m.Role, "muting"); err != nil {
				return err
			}
			m.MuteUntil = muteUntil(s.now().Unix(), *c.MuteSeconds)
			changed.MuteUntil = &m.MuteUntil
		}
		_, err = tx.SetGroupMember(ctx, m)
		return err
	})
	if err != nil {
		return wrap(err, "set member %s of %s", c.User, groupID)
	}
	if roleKind != "" {
		s.push(a, groupID, roleKind, PushUsers{GroupID: groupID, Operator: actor.User, UserIDs: []string{c.User}}, actor.Origin)
	}
	if changed.NameCard != nil || changed.MuteUntil != nil || len(c.Custom) > 0 {
		s.push(a, groupID, PushMemberChanged, PushMembers{GroupID: groupID, Operator: actor.User, Members: []PushMember{changed}}, actor.Origin)
	}
	return nil
}

func muteUntil(now, seconds int64) int64 {
	if seconds == 0 {
		return 0
	}
	return now + seconds
}

// Mute mutes users in groupID for seconds (0 unmutes): the type's Mute
// rule (an admin mutes common members only; Work groups have no muting,
// 10007). Non-members are skipped. Every online member, the muted
// included, hears member_changed with each muteUntil. A topic ID mutes in
// that topic only (topic_mute.go).
func (s *Service) Mute(ctx context.Context, a *app.App, actor Actor, groupID string, users []string, seconds int64) error {
	users, err := uniqueUsers(users, MaxUsersPerCall)
	if err != nil {
		return err
	}
	if seconds < 0 || seconds > ForeverSeconds {
		return newErr(CodeInvalidParam, "Err_Group_MuteTime_Invalid: 0 to %d seconds", int64(ForeverSeconds))
	}
	if community, ok := convid.CommunityOf(groupID); ok {
		return s.muteInTopic(ctx, a, actor, community, groupID, users, seconds)
	}
	var changed []PushMember
	var events []event.Event
	err = s.write(ctx, &events, func(tx Tx) error {
		changed = changed[:0]
		st, err := load(ctx, tx, a, groupID, actor, true, false)
		if err != nil {
			return err
		}
		if st.r.Mute == rules.Nobody {
			return st.permit(rules.Nobody, actor, 0, "muting")
		}
		targets, err := tx.GroupMembersAmong(ctx, a.SDKAppID, groupID, users)
		if err != nil {
			return err
		}
		for _, m := range targets {
			if err := st.permit(st.r.Mute, actor, m.Role, "muting "+m.User); err != nil {
				return err
			}
		}
		until := muteUntil(s.now().Unix(), seconds)
		for _, m := range targets {
			m.MuteUntil = until
			if _, err := tx.SetGroupMember(ctx, m); err != nil {
				return err
			}
			changed = append(changed, PushMember{UserID: m.User, MuteUntil: &until})
		}
		return nil
	})
	if err != nil {
		return wrap(err, "mute in %s", groupID)
	}
	if len(changed) > 0 {
		s.push(a, groupID, PushMemberChanged, PushMembers{GroupID: groupID, Operator: actor.User, Members: changed}, actor.Origin)
	}
	return nil
}

// Muted returns groupID's members muted now: a member's read, or the app's
// admin's. A topic ID gives those muted in that topic (topic_mute.go).
func (s *Service) Muted(ctx context.Context, a *app.App, actor Actor, groupID string) ([]store.GroupMember, error) {
	if community, ok := convid.CommunityOf(groupID); ok {
		return s.mutedInTopic(ctx, a, actor, community, groupID)
	}
	var out []store.GroupMember
	err := s.Store.Read(ctx, func(tx Tx) error {
		if _, err := load(ctx, tx, a, groupID, actor, false, false); err != nil {
			return err
		}
		var err error
		out, err = tx.MutedGroupMembers(ctx, a.SDKAppID, groupID, s.now().Unix())
		return err
	})
	return out, wrap(err, "muted of %s", groupID)
}
