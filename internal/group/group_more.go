package group

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// The rest of the group REST API (the app's group directory, imported
// members, system notifications) and group receive options.

// Bounds of these calls (rest-spec §3.7).
const (
	MaxImportMembers = 300 // import_group_member MemberList (10005)
	// MaxAppGroupPage is get_appid_group_list's largest Limit, and its
	// default.
	MaxAppGroupPage = 10000
	// MaxSystemNoticeBytes bounds a system notification's Content (a
	// message's 12 KB).
	MaxSystemNoticeBytes = 12 << 10
	// MaxSystemNoticeUsers bounds ToMembers_Account.
	MaxSystemNoticeUsers = 500
	// MaxImportUnread bounds an imported member's UnreadMsgNum.
	MaxImportUnread = 1<<31 - 1
)

// PushSystemNotice is the group push of a system notification (REST
// send_group_system_notification; V2TIM onReceiveRESTCustomData).
const PushSystemNotice = "group.system_notice"

// PushNotice is the data of group.system_notice.
type PushNotice struct {
	GroupID string `json:"groupID"`
	Content string `json:"content"`
}

// TargetedDelivery is a Delivery that can also push to some members only.
// With a Delivery that cannot, a push meant for listed members reaches
// nobody rather than every member.
type TargetedDelivery interface {
	PushGroupTo(app uint64, group, kind string, data any, members []string)
}

// AppGroupsPage is one page of the app's groups.
type AppGroupsPage struct {
	IDs   []string
	Total int
	// Next is the Next of the following page; 0 when this is the last.
	Next int
}

// AppGroups pages the app's groups by group ID (get_appid_group_list):
// limit 1 to 10000 (0 is 10000), next the Next of the previous page (0 for
// the first), groupType one of the REST type names or "" for all. Next is
// a position: a group created or dismissed between two pages shifts the
// rest by one.
func (s *Service) AppGroups(ctx context.Context, a *app.App, groupType string, next, limit int) (AppGroupsPage, error) {
	if limit == 0 {
		limit = MaxAppGroupPage
	}
	if limit < 0 || limit > MaxAppGroupPage {
		return AppGroupsPage{}, newErr(CodeInvalidParam, "Err_Group_Limit_Invalid: 1 to %d", MaxAppGroupPage)
	}
	if next < 0 {
		return AppGroupsPage{}, newErr(CodeInvalidParam, "Err_Group_Next_Invalid: %d", next)
	}
	if groupType != "" {
		r, ok := rules.Of(groupType)
		if !ok {
			return AppGroupsPage{}, newErr(CodeInvalidParam, "Err_Group_Type_Invalid: %q", groupType)
		}
		groupType = r.Type
	}
	var p AppGroupsPage
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		p.IDs, p.Total, err = tx.AppGroups(ctx, a.SDKAppID, groupType, next, limit)
		return err
	})
	if err != nil {
		return AppGroupsPage{}, wrap(err, "groups of the app")
	}
	if end := next + len(p.IDs); end < p.Total && len(p.IDs) > 0 {
		p.Next = end
	}
	return p, nil
}

// ImportMember is one member brought over from another system.
type ImportMember struct {
	User   string
	Role   int   // rules.RoleAdmin or rules.RoleMember (0: member)
	JoinAt int64 // unix seconds; 0 is now
	Unread int64 // the member's unread count in the group
}

// ImportMembers adds members with their old join times, roles and unread
// counts (import_group_member), as the app's admin: up to 300 (10005), not
// into an AVChatRoom (10007). A member's history starts at their join
// time: the group's messages sent since (imported ones included) are
// theirs; all of them count as read but for the unread count given. Results are AddFailed (no such account, in
// too many groups, a bad role or time), AddAdded or AddAlready. The group's
// member cap refuses the whole call (10014). Imported members hear
// group.joined, as members added otherwise; no member push is sent
// (imports rebuild a group, they are not news).
func (s *Service) ImportMembers(ctx context.Context, a *app.App, groupID string, members []ImportMember) ([]AddResult, error) {
	if len(members) == 0 {
		return nil, newErr(CodeInvalidParam, "Err_Group_MemberList_Empty: whom to import?")
	}
	if len(members) > MaxImportMembers {
		return nil, newErr(CodeTooManyAccounts, "Err_Group_Too_Many_Accounts: at most %d per call", MaxImportMembers)
	}
	users := make([]string, len(members))
	for i, m := range members {
		if m.User == "" {
			return nil, newErr(CodeInvalidParam, "Err_Group_Account_Empty: an empty Member_Account")
		}
		users[i] = m.User
	}
	now := s.now().Unix()
	actor := Actor{AppAdmin: true}
	var results []AddResult
	var added []string
	var events []event.Event
	err := s.write(ctx, &events, func(tx Tx) error {
		results, added = results[:0], added[:0]
		st, err := load(ctx, tx, a, groupID, actor, true, false)
		if err != nil {
			return err
		}
		if st.r.Type == rules.AVChatRoom {
			return st.permit(rules.Nobody, actor, 0, "importing members")
		}
		exist, err := tx.ExistingAccounts(ctx, a.SDKAppID, users)
		if err != nil {
			return err
		}
		newcomers := map[string]bool{}
		current, err := tx.GroupMembersAmong(ctx, a.SDKAppID, groupID, users)
		if err != nil {
			return err
		}
		isMember := map[string]bool{}
		for _, m := range current {
			isMember[m.User] = true
		}
		for _, u := range users {
			if exist[u] && !isMember[u] {
				newcomers[u] = true
			}
		}
		if st.g.MaxMembers > 0 && st.g.MemberCount+len(newcomers) > st.g.MaxMembers {
			return newErr(CodeGroupFull, "Err_Group_Full: %d members and %d more over the cap of %d", st.g.MemberCount, len(newcomers), st.g.MaxMembers)
		}
		for _, m := range members {
			role := m.Role
			if role == 0 {
				role = rules.RoleMember
			}
			joinAt := m.JoinAt
			if joinAt == 0 {
				joinAt = now
			}
			bad := role != rules.RoleMember && (role != rules.RoleAdmin || !st.r.Admins) ||
				joinAt < st.g.CreatedAt || joinAt > now || m.Unread < 0 || m.Unread > MaxImportUnread
			switch {
			case isMember[m.User]:
				results = append(results, AddResult{m.User, AddAlready})
				continue
			case !exist[m.User] || bad:
				results = append(results, AddResult{m.User, AddFailed})
				continue
			}
			ok, err := add(ctx, tx, a, &st, m.User, role, joinAt)
			if codeOf(err) == CodeTooManyJoined {
				results = append(results, AddResult{m.User, AddFailed})
				continue
			}
			if err != nil {
				return err
			}
			if !ok {
				results = append(results, AddResult{m.User, AddAlready})
				continue
			}
			isMember[m.User] = true
			// The member's history starts at their old join time, so
			// history imported before them (import_group_msg) is theirs
			// where the type hides history from before a join.
			if joinAt < now {
				if _, err := tx.BackdateGroupJoin(ctx, a.SDKAppID, groupID, m.User, joinAt*1000); err != nil {
					return err
				}
			}
			if m.Unread > 0 && st.r.Unread {
				if _, err := tx.SetGroupUnread(ctx, a.SDKAppID, groupID, m.User, uint64(m.Unread)); err != nil {
					return err
				}
			}
			results = append(results, AddResult{m.User, AddAdded})
			added = append(added, m.User)
			events = append(events, logged(a.SDKAppID, KindJoined, m.User, groupID))
		}
		return s.outboxJoined(ctx, tx, a, st, outbox.JoinTypeInvite, operatorOf(actor), added)
	})
	if err != nil {
		return nil, wrap(err, "import members into %s", groupID)
	}
	s.joined(a, groupID, added...)
	return results, nil
}

// SystemNotice sends a system notification to groupID's online members
// (send_group_system_notification): to every member, or only to those of
// to that are members. It is not a message: nothing is stored, no seq is
// taken, and like every group push it is at most once. Every type takes
// one, AVChatRoom included. A topic ID sends it to the community's members
// as a notice of that topic (topic_notice.go).
func (s *Service) SystemNotice(ctx context.Context, a *app.App, groupID, content string, to []string) error {
	if content == "" {
		return newErr(CodeInvalidParam, "Err_Group_Content_Empty: Content is required")
	}
	if len(content) > MaxSystemNoticeBytes {
		return newErr(CodeInvalidParam, "Err_Group_Content_Too_Long: at most %d bytes", MaxSystemNoticeBytes)
	}
	to, err := uniqueUsers(to, MaxSystemNoticeUsers)
	if err != nil {
		return err
	}
	var members []string
	audience := groupID
	err = s.Store.Read(ctx, func(tx Tx) (err error) {
		if audience, err = noticeAudience(ctx, tx, a, groupID); err != nil {
			return err
		}
		if len(to) == 0 {
			return nil
		}
		ms, err := tx.GroupMembersAmong(ctx, a.SDKAppID, audience, to)
		members = make([]string, 0, len(ms))
		for _, m := range ms {
			members = append(members, m.User)
		}
		return err
	})
	if err != nil {
		return wrap(err, "system notice to %s", groupID)
	}
	data := PushNotice{GroupID: groupID, Content: content}
	switch {
	case len(to) == 0:
		s.push(a, audience, PushSystemNotice, data, nil)
	case len(members) == 0:
	default:
		if d, ok := s.Delivery.(TargetedDelivery); ok {
			d.PushGroupTo(a.SDKAppID, audience, PushSystemNotice, data, members)
		}
	}
	return nil
}

// SetRecvOpt sets user's receive option for groupID (V2TIM
// setGroupReceiveMessageOpt; REST modify_group_member_info's MsgFlag):
// store.RecvOptReceive, RecvOptNotReceive (no message of the group reaches
// user's devices) or RecvOptNotNotify (online delivery, no offline push).
// A member sets their own; the app's admin anyone's. User's devices hear
// conversation.changed, logged. A topic ID sets the option for that topic
// (topic_recvopt.go).
func (s *Service) SetRecvOpt(ctx context.Context, a *app.App, actor Actor, groupID, user string, opt int) error {
	if opt < store.RecvOptReceive || opt > store.RecvOptMax {
		return newErr(CodeInvalidParam, "Err_Group_MsgFlag_Invalid: %d (0 receive, 1 not receive, 2 receive without notification)", opt)
	}
	if user == "" {
		user = actor.User
	}
	if user != actor.User && !actor.AppAdmin {
		return newErr(CodeNoPermission, "Err_Group_No_Permission: a member sets their own receive option")
	}
	if community, ok := convid.CommunityOf(groupID); ok {
		return s.setTopicRecvOpt(ctx, a, actor, community, groupID, user, opt)
	}
	var events []event.Event
	err := s.write(ctx, &events, func(tx Tx) error {
		if _, err := load(ctx, tx, a, groupID, actor, true, false); err != nil {
			return err
		}
		m, ok, err := tx.GroupMember(ctx, a.SDKAppID, groupID, user)
		if err != nil {
			return err
		}
		if !ok {
			return newErr(CodeNoPermission, "Err_Group_Not_Member: %q is not a member of %q", user, groupID)
		}
		if m.MsgFlag == opt {
			return nil
		}
		if _, err := tx.SetGroupMemberMsgFlag(ctx, a.SDKAppID, groupID, user, opt); err != nil {
			return err
		}
		changed := []string{convid.Group(groupID).String()}
		if m.MsgFlag == store.RecvOptNotReceive || opt == store.RecvOptNotReceive {
			// A community's not-receive wins over its topics' own options
			// (store.EffectiveTopicRecvOpt): each topic conversation's
			// receive option changed with it.
			topics, err := tx.Topics(ctx, a.SDKAppID, groupID, nil)
			if err != nil {
				return err
			}
			for _, t := range topics {
				changed = append(changed, convid.Group(t.ID).String())
			}
		}
		events = append(events, event.Event{App: a.SDKAppID, Kind: event.ConversationChanged, User: user,
			Peers: changed, Origin: actor.Origin})
		return nil
	})
	return wrap(err, "set the receive option of %s in %s", user, groupID)
}

// RecvOpts returns user's receive option for each of groupIDs, in their
// order (store.RecvOptReceive for a group user is not in); a topic's is
// the member's effective option for it (topic_recvopt.go).
func (s *Service) RecvOpts(ctx context.Context, a *app.App, user string, groupIDs []string) ([]int, error) {
	if len(groupIDs) == 0 || len(groupIDs) > MaxUsersPerCall {
		return nil, newErr(CodeInvalidParam, "Err_Group_ID_Count: 1 to %d groups", MaxUsersPerCall)
	}
	out := make([]int, len(groupIDs))
	err := s.Store.Read(ctx, func(tx Tx) error {
		for i, id := range groupIDs {
			if community, ok := convid.CommunityOf(id); ok {
				var err error
				if out[i], err = topicRecvOpt(ctx, tx, a, community, id, user); err != nil {
					return err
				}
				continue
			}
			m, ok, err := tx.GroupMember(ctx, a.SDKAppID, id, user)
			if err != nil {
				return err
			}
			if ok {
				out[i] = m.MsgFlag
			}
		}
		return nil
	})
	return out, wrap(err, "receive options of %s", user)
}
