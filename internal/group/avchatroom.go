package group

import (
	"context"
	"slices"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// AVChatRoom: bans, member marks, online member counts, the room's member
// list and the recent history a new member gets (seed 002 "Group
// Management" and "Message History for New Members", seed inventory §8.5,
// rest-spec §3.7). A room's messages are never stored (message policy); a
// room's member is a member row written once at join, so nothing here or
// on the message path costs anything per member per message.

// Limits of the AVChatRoom APIs (rest-spec §3.7 and seed 002).
const (
	// MaxBanUsersPerCall: ban_group_member and unban_group_member take up
	// to 20 accounts (10005 past it).
	MaxBanUsersPerCall = 20
	// MaxBanPage is get_group_ban_member's largest Limit.
	MaxBanPage = 100
	// MaxBanDescriptionBytes bounds ban_group_member's Description.
	MaxBanDescriptionBytes = 1000
	// MaxMarkUsersPerCall: markGroupMemberList marks up to 100 members a
	// call; REST modify_user_info takes up to 500.
	MaxMarkUsersPerCall     = 100
	MaxMarkUsersPerRESTCall = 500
	// MinMark is the smallest custom mark (marks are uint32 ≥ 1000) and
	// MaxMarksPerGroup how many distinct marks one room may use.
	MinMark          = 1000
	MaxMarksPerGroup = 10
	// MaxRoomMemberList is how many of the latest members get_members and
	// the client's member list of a room show (the seed's Ultimate figure).
	MaxRoomMemberList = 1000
	// RecentHistorySize and RecentHistoryAge bound the history a new member
	// of a room gets: at most 20 messages of the last 24 hours.
	RecentHistorySize = 20
	RecentHistoryAge  = 24 * time.Hour
)

// CodeBanned refuses a banned user's join. Neither the seeds nor rest-spec
// name a code for it ("cannot rejoin" until unbanned or the ban ends), so
// it is the group API's "no permission" (10007), with an ErrorInfo naming
// the ban and its end.
const CodeBanned = CodeNoPermission

// RecentDelivery is what the gateway offers, beside Delivery, to give a new
// member of a room the recent history: the messages, oldest first, as
// msg.new pushes to the joining connection (origin), or to all of user's
// sessions when origin is nil.
type RecentDelivery interface {
	PushRecent(app uint64, user string, origin any, msgs []store.Message)
}

// OnlineCounter is what the gateway offers, beside Delivery, to count a
// group's online members itself: a node that is the whole cluster (no
// session directory in the store) knows every session, and answers ok;
// otherwise the store's session directory counts, over every node.
type OnlineCounter interface {
	OnlineMembers(app uint64, group string) (n int, ok bool)
}

// roomState loads an AVChatRoom for a change by actor: any other type is
// refused (10007), as the REST APIs of rest-spec §3.7 that apply to
// AVChatRoom only are.
func roomState(ctx context.Context, tx Tx, a *app.App, groupID string, actor Actor, lock bool) (state, error) {
	st, err := load(ctx, tx, a, groupID, actor, lock, false)
	if err != nil {
		return st, err
	}
	if st.g.Type != rules.AVChatRoom {
		return st, newErr(CodeNoPermission, "Err_Group_Type_Not_Support: only AVChatRoom groups, not %s", st.r.V2TIMName)
	}
	return st, nil
}

// checkNotBanned refuses (CodeBanned) a user banned from st's group: Join
// asks it before admitting anyone to a room.
func checkNotBanned(ctx context.Context, tx Tx, a *app.App, st state, user string, now int64) error {
	if st.g.Type != rules.AVChatRoom {
		return nil
	}
	b, banned, err := tx.ActiveGroupBan(ctx, a.SDKAppID, st.g.ID, user, now)
	if err != nil || !banned {
		return err
	}
	return newErr(CodeBanned, "Err_Group_Member_Banned: %q is banned from %q until %d", user, st.g.ID, b.Until)
}

// clearMarks removes the marks of users leaving st's room (Quit, Kick,
// Ban call it): marks belong to a stay. Other types keep no marks and pay
// nothing.
func clearMarks(ctx context.Context, tx Tx, a *app.App, st state, users ...string) error {
	if st.g.Type != rules.AVChatRoom || len(users) == 0 {
		return nil
	}
	rows := make([]store.MemberMarks, len(users))
	for i, u := range users {
		rows[i] = store.MemberMarks{User: u}
	}
	return tx.PutMemberMarks(ctx, a.SDKAppID, st.g.ID, rows)
}

// Ban kicks users out of the AVChatRoom groupID and keeps them out for
// seconds (kick with a duration; REST ban_group_member): the owner, or the
// app's admin, may; users who are not members are banned all the same. At
// most 20 users (10005); seconds must be positive (10004). Each kicked
// member hears group.kicked and every online member member_kicked, as for
// a kick.
func (s *Service) Ban(ctx context.Context, a *app.App, actor Actor, groupID string, users []string, seconds int64, description string) error {
	users, err := uniqueUsers(users, MaxBanUsersPerCall)
	if err != nil {
		return err
	}
	if len(users) == 0 {
		return newErr(CodeInvalidParam, "Err_Group_Members_Account_Empty: whom to ban?")
	}
	if seconds <= 0 || seconds > ForeverSeconds {
		return newErr(CodeInvalidParam, "Err_Group_Ban_Duration_Invalid: %d (1 to %d seconds)", seconds, int64(ForeverSeconds))
	}
	if err := checkLen("Ban_Description", &description, MaxBanDescriptionBytes); err != nil {
		return err
	}
	var kicked []string
	var events []event.Event
	err = s.write(ctx, &events, func(tx Tx) error {
		kicked = kicked[:0]
		st, err := roomState(ctx, tx, a, groupID, actor, true)
		if err != nil {
			return err
		}
		if err := st.permit(rules.Owner, actor, 0, "banning members"); err != nil {
			return err
		}
		targets, err := tx.GroupMembersAmong(ctx, a.SDKAppID, groupID, users)
		if err != nil {
			return err
		}
		for _, m := range targets {
			if m.User == actor.User || m.Role == rules.RoleOwner {
				return newErr(CodeNoPermission, "Err_Group_Ban_Owner: the owner of %q cannot be banned", groupID)
			}
		}
		until := s.now().Unix() + seconds
		bans := make([]store.GroupBan, len(users))
		for i, u := range users {
			bans[i] = store.GroupBan{App: a.SDKAppID, GroupID: groupID, User: u, Until: until, Description: description}
		}
		if err := tx.PutGroupBans(ctx, bans); err != nil {
			return err
		}
		for _, m := range targets {
			if _, err := tx.LeaveGroup(ctx, a.SDKAppID, groupID, m.User); err != nil {
				return err
			}
			kicked = append(kicked, m.User)
			events = append(events, logged(a.SDKAppID, KindKicked, m.User, groupID, actor.User))
		}
		if err := clearMarks(ctx, tx, a, st, kicked...); err != nil {
			return err
		}
		return s.outboxExited(ctx, tx, a, st, outbox.ExitTypeKicked, operatorOf(actor), kicked)
	})
	if err != nil {
		return wrap(err, "ban from %s", groupID)
	}
	if len(kicked) > 0 {
		s.push(a, groupID, PushMemberKicked, PushUsers{GroupID: groupID, Operator: actor.User, UserIDs: kicked}, actor.Origin)
		s.left(a, groupID, kicked...)
	}
	return nil
}

// Unban lifts the bans of users in the AVChatRoom groupID (REST
// unban_group_member, the app's admin): they may join again. At most 20.
func (s *Service) Unban(ctx context.Context, a *app.App, actor Actor, groupID string, users []string) error {
	users, err := uniqueUsers(users, MaxBanUsersPerCall)
	if err != nil {
		return err
	}
	if len(users) == 0 {
		return newErr(CodeInvalidParam, "Err_Group_Members_Account_Empty: whom to unban?")
	}
	err = s.Store.Write(ctx, func(tx Tx) error {
		st, err := roomState(ctx, tx, a, groupID, actor, true)
		if err != nil {
			return err
		}
		if err := st.permit(rules.Owner, actor, 0, "unbanning members"); err != nil {
			return err
		}
		_, err = tx.DeleteGroupBans(ctx, a.SDKAppID, groupID, users)
		return err
	})
	return wrap(err, "unban in %s", groupID)
}

// Bans pages the AVChatRoom groupID's bans in force (REST
// get_group_ban_member): limit 1 to 100 (0: 100), by UserID from offset.
func (s *Service) Bans(ctx context.Context, a *app.App, actor Actor, groupID string, offset, limit int) ([]store.GroupBan, error) {
	if limit == 0 {
		limit = MaxBanPage
	}
	if limit < 0 || limit > MaxBanPage || offset < 0 {
		return nil, newErr(CodeInvalidParam, "Err_Group_Ban_Page_Invalid: Limit 1 to %d, Offset ≥ 0", MaxBanPage)
	}
	var out []store.GroupBan
	err := s.Store.Read(ctx, func(tx Tx) error {
		st, err := roomState(ctx, tx, a, groupID, actor, false)
		if err != nil {
			return err
		}
		if err := st.permit(rules.OwnerAndAdmins, actor, 0, "listing bans"); err != nil {
			return err
		}
		out, err = tx.ActiveGroupBans(ctx, a.SDKAppID, groupID, s.now().Unix(), offset, limit)
		return err
	})
	return out, wrap(err, "bans of %s", groupID)
}

// OnlineMemberCount is how many of groupID's members have a session online
// anywhere in the cluster: the session directory's (every node's sessions,
// live nodes only), or, on a node alone, its own (OnlineCounter). Any member may ask, and the app's admin. The count is
// one indexed query over the group's members; clients are told to ask at
// most once a minute (seed 002), REST is rate limited per app.
// It returns the group's type with the count.
func (s *Service) OnlineMemberCount(ctx context.Context, a *app.App, actor Actor, groupID string) (int, string, error) {
	var n int
	var typ string
	err := s.Store.Read(ctx, func(tx Tx) error {
		st, err := load(ctx, tx, a, groupID, actor, false, false)
		if err != nil {
			return err
		}
		typ = st.g.Type
		if oc, ok := s.Delivery.(OnlineCounter); ok {
			if local, ok := oc.OnlineMembers(a.SDKAppID, groupID); ok {
				n = local
				return nil
			}
		}
		n, err = tx.OnlineGroupMemberCount(ctx, a.SDKAppID, groupID, s.now().UnixMilli())
		return err
	})
	return n, typ, wrap(err, "online members of %s", groupID)
}

// RoomMember is one member of a room's list: when they joined and the
// owner's marks on them.
type RoomMember struct {
	User     string
	JoinedAt int64
	Role     int
	Marks    []uint32
}

// RoomMembers is the latest members of the AVChatRoom groupID, newest
// first, at most 1000 (REST get_members; the client's member list of a
// room), with their marks; when mark is not 0, only the members marked
// with it. The read is one page of the member index and one of the marks,
// whatever the room's size.
func (s *Service) RoomMembers(ctx context.Context, a *app.App, actor Actor, groupID string, mark uint32) ([]RoomMember, error) {
	var out []RoomMember
	err := s.Store.Read(ctx, func(tx Tx) error {
		out = out[:0]
		st, err := roomState(ctx, tx, a, groupID, actor, false)
		if err != nil {
			return err
		}
		offset := max(st.g.MemberCount-MaxRoomMemberList, 0)
		members, err := tx.ListGroupMembers(ctx, a.SDKAppID, groupID, store.MemberQuery{Offset: offset, Limit: MaxRoomMemberList})
		if err != nil {
			return err
		}
		users := make([]string, len(members))
		for i, m := range members {
			users[i] = m.User
		}
		marks, err := tx.MemberMarksOf(ctx, a.SDKAppID, groupID, users)
		if err != nil {
			return err
		}
		byUser := make(map[string]store.MemberMarks, len(marks))
		for _, m := range marks {
			byUser[m.User] = m
		}
		for i := len(members) - 1; i >= 0; i-- {
			m := members[i]
			rm := RoomMember{User: m.User, JoinedAt: m.JoinedAt, Role: m.Role}
			if mk, ok := byUser[m.User]; ok && mk.JoinedAt == m.JoinedAt {
				rm.Marks = mk.Marks
			}
			if mark != 0 && !slices.Contains(rm.Marks, mark) {
				continue
			}
			out = append(out, rm)
		}
		return nil
	})
	return out, wrap(err, "members of room %s", groupID)
}

// MarkChange is one member's marks to set or remove.
type MarkChange struct {
	User  string
	Marks []uint32
}

// MarkMembers adds (set) or removes (!set) marks on members of the
// AVChatRoom groupID: the owner or the app's admin; marks are ≥ 1000
// (10004) and a room uses at most 10 distinct ones (10004); users who are
// not members are left out of the result. Marks belong to a stay in the
// room: leaving clears them (clearMarks), as Tencent does, and a row is
// also tied to the join time it was set under. It returns each marked member's marks after the change.
func (s *Service) MarkMembers(ctx context.Context, a *app.App, actor Actor, groupID string, changes []MarkChange, set bool, limit int) ([]MarkChange, error) {
	if len(changes) == 0 {
		return nil, newErr(CodeInvalidParam, "Err_Group_MemberList_Empty: whom to mark?")
	}
	if len(changes) > limit {
		return nil, newErr(CodeTooManyAccounts, "Err_Group_Too_Many_Accounts: at most %d per call", limit)
	}
	users := make([]string, 0, len(changes))
	for _, c := range changes {
		if c.User == "" {
			return nil, newErr(CodeInvalidParam, "Err_Group_Account_Empty: an empty Member_Account")
		}
		if len(c.Marks) == 0 || len(c.Marks) > MaxMarksPerGroup {
			return nil, newErr(CodeInvalidParam, "Err_Group_Marks_Invalid: 1 to %d marks for %q", MaxMarksPerGroup, c.User)
		}
		for _, m := range c.Marks {
			if m < MinMark {
				return nil, newErr(CodeInvalidParam, "Err_Group_Mark_Invalid: %d (custom marks are ≥ %d)", m, MinMark)
			}
		}
		users = append(users, c.User)
	}
	var out []MarkChange
	err := s.Store.Write(ctx, func(tx Tx) error {
		out = out[:0]
		st, err := roomState(ctx, tx, a, groupID, actor, true)
		if err != nil {
			return err
		}
		if err := st.permit(rules.Owner, actor, 0, "marking members"); err != nil {
			return err
		}
		members, err := tx.GroupMembersAmong(ctx, a.SDKAppID, groupID, users)
		if err != nil {
			return err
		}
		joinedAt := make(map[string]int64, len(members))
		for _, m := range members {
			joinedAt[m.User] = m.JoinedAt
		}
		all, err := tx.MemberMarksOf(ctx, a.SDKAppID, groupID, nil)
		if err != nil {
			return err
		}
		current := map[string][]uint32{}
		used := map[uint32]bool{}
		for _, m := range all {
			if _, member := joinedAt[m.User]; member && m.JoinedAt != joinedAt[m.User] {
				continue // an earlier stay's
			}
			current[m.User] = m.Marks
			for _, v := range m.Marks {
				used[v] = true
			}
		}
		var rows []store.MemberMarks
		for _, c := range changes {
			at, member := joinedAt[c.User]
			if !member {
				continue
			}
			next := slices.Clone(current[c.User])
			for _, v := range c.Marks {
				i := slices.Index(next, v)
				switch {
				case set && i < 0:
					next = append(next, v)
					used[v] = true
				case !set && i >= 0:
					next = slices.Delete(next, i, i+1)
				}
			}
			slices.Sort(next)
			current[c.User] = next
			rows = append(rows, store.MemberMarks{User: c.User, JoinedAt: at, Marks: next})
			out = append(out, MarkChange{User: c.User, Marks: next})
		}
		if len(used) > MaxMarksPerGroup {
			return newErr(CodeInvalidParam, "Err_Group_Marks_Too_Many: a room uses at most %d distinct marks", MaxMarksPerGroup)
		}
		return tx.PutMemberMarks(ctx, a.SDKAppID, groupID, rows)
	})
	if err != nil {
		return nil, wrap(err, "mark members of %s", groupID)
	}
	return out, nil
}

// deliverRecent gives the member who just joined the room groupID the
// room's recent history, when the app enables it: at most 20 messages of
// the last 24 hours, oldest first, from the room's ring in the store (every
// node's joiners read the same ring, whichever node the messages were sent
// on). A failed read costs the joiner the history, never the join.
func (s *Service) deliverRecent(ctx context.Context, a *app.App, groupID, user string, origin any) {
	rd, ok := s.Delivery.(RecentDelivery)
	if !ok || !a.Switches.AVChatRoomNewMemberHistory {
		return
	}
	var msgs []store.Message
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		msgs, err = tx.RecentMessages(ctx, a.SDKAppID, groupID, s.now().Add(-RecentHistoryAge).UnixMilli())
		return err
	})
	if err != nil || len(msgs) == 0 {
		return
	}
	if len(msgs) > RecentHistorySize {
		msgs = msgs[len(msgs)-RecentHistorySize:]
	}
	rd.PushRecent(a.SDKAppID, user, origin, msgs)
}
