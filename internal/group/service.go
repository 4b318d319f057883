// Package group is the group domain service: create, dismiss, join, quit,
// invite, kick, transfer, profiles, members, mutes, admins and join
// applications, for all five group types. What each type allows is the
// rule matrix of package rules, consulted here and never restated; both
// doors (REST and, later, the gateway's group ops) call these functions.
//
// Every change is one store write (the group row locked first, so two
// writers of one group serialize on PostgreSQL too), with its logged
// events appended in the same transaction; once it is durable the service
// tells the gateway of membership changes (JoinedGroup / LeftGroup) and
// publishes the group pushes every online member hears.
package group

import (
	"context"
	"crypto/rand"
	"slices"
	"strings"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/store"
)

// Tencent's group error codes (seed inventory §13 and rest-spec §3.7).
const (
	CodeInvalidParam    = 10004
	CodeNoPermission    = 10007
	CodeNoSuchGroup     = 10010
	CodeAlreadyMember   = 10013
	CodeGroupFull       = 10014
	CodeBadGroupID      = 10015
	CodeMuted           = 10017
	CodeNoSuchAccount   = 10019
	CodeGroupIDTaken    = 10021
	CodeTooManyJoined   = 10037
	CodeTooManyAccounts = 10005
)

// Limits of the group profile (seed 002 via seed inventory §8.3) and of
// what one request may make the server do.
const (
	MaxGroupIDBytes      = 48
	MaxNameBytes         = 30
	MaxIntroductionBytes = 240
	MaxNotificationBytes = 300
	MaxFaceURLBytes      = 100
	MaxNameCardBytes     = 50
	// MaxCustomValueBytes bounds one app-defined value (group or member);
	// the seeds state no figure, Tencent's console offers up to 4 KB.
	MaxCustomValueBytes = 4096
	// MaxMemberCustomFields is the seed's cap on declared member fields.
	MaxMemberCustomFields = 5
	// MaxInitialMembers bounds a create's member list (web createGroup's
	// memberList; REST allows 100).
	MaxInitialMembers = 500
	// MaxUsersPerCall bounds the users one add, kick, mute or query names.
	MaxUsersPerCall = 500
	// MaxJoinedGroups is how many groups one user may be in (not stated
	// in the seeds; a user past it is reported, not added).
	MaxJoinedGroups = 1000
	// MaxMemberPage is the largest member page (REST Limit ≤ 6000).
	MaxMemberPage = 6000
	// MaxApplications bounds one listing of join applications.
	MaxApplications = 100
	// ForeverSeconds is the mute time that never ends (4294967295).
	ForeverSeconds = 1<<32 - 1
)

// AutoIDPrefix starts every server-assigned group ID; a custom ID may not.
const AutoIDPrefix = "@TGS#"

// Service is the group service.
type Service struct {
	Store  Store
	Events *event.Bus
	// Delivery carries group pushes and membership changes to the gateway;
	// nil delivers nothing (tools, tests of the rules alone).
	Delivery Delivery
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Attachments: the before-hooks and the outbox (hooks.go).
	Attachments

	attrRate attrRateLimiter // the attribute write-rate rule (attributes.go)
}

// Actor is who asks: a member acting through a client, or the app's admin
// through the REST API, which has every right the group type gives anyone
// (a type's Nobody still stops it) and need not be a member.
type Actor struct {
	User     string
	AppAdmin bool
	// Origin is the client connection the request came from (not sent its
	// own push back); nil for REST.
	Origin any
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func newErr(code int, format string, args ...any) error { return errcode.Newf(code, format, args...) }

// ValidateGroupID checks a custom group ID: 1 to 48 bytes of printable
// ASCII (0x20 to 0x7e), not starting with @TGS# (the server's own IDs).
func ValidateGroupID(id string) error {
	if id == "" || len(id) > MaxGroupIDBytes {
		return newErr(CodeBadGroupID, "Err_Group_ID_Invalid: a group ID is 1 to %d bytes", MaxGroupIDBytes)
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] > 0x7e {
			return newErr(CodeBadGroupID, "Err_Group_ID_Invalid: byte %d is not printable ASCII", i)
		}
	}
	if len(id) >= len(AutoIDPrefix) && id[:len(AutoIDPrefix)] == AutoIDPrefix {
		return newErr(CodeBadGroupID, "Err_Group_ID_Invalid: a custom group ID may not start with %s", AutoIDPrefix)
	}
	// Topic IDs are <communityID>@TOPIC#_<x>; the community is read off them.
	if strings.Contains(id, convid.TopicSeparator) {
		return newErr(CodeBadGroupID, "Err_Group_ID_Invalid: a group ID may not contain %s", convid.TopicSeparator)
	}
	return nil
}

// checkExisting is ValidateGroupID's check for an ID that names a group
// (either kind, so @TGS# is allowed).
func checkExisting(id string) error {
	if id == "" || len(id) > MaxGroupIDBytes {
		return newErr(CodeBadGroupID, "Err_Group_ID_Invalid: %q", id)
	}
	// A topic's row is not a group: group operations on it are refused.
	if _, topic := convid.CommunityOf(id); topic {
		return newErr(CodeBadGroupID, "Err_Group_ID_Invalid: %q is a topic (the topic operations manage it)", id)
	}
	return nil
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// autoID is a new server-assigned ID: @TGS# and 12 random characters.
func autoID() string {
	var b [12]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return AutoIDPrefix + string(b[:])
}

// Profile is the writable part of a group's profile; nil fields are left
// as they are.
type Profile struct {
	Name, Introduction, Notification, FaceURL *string
	MaxMembers                                *int
	JoinOption                                *string
	MuteAll                                   *bool
	// Custom sets app-defined fields (declared keys); "" deletes one.
	Custom map[string]string
}

func checkLen(field string, v *string, limit int) error {
	if v != nil && len(*v) > limit {
		return newErr(CodeInvalidParam, "Err_Group_%s_Too_Long: at most %d bytes", field, limit)
	}
	return nil
}

// checkCustom validates app-defined data against declared keys.
func checkCustom(what string, m map[string]string, declared []string) error {
	for k, v := range m {
		if !slices.Contains(declared, k) {
			return newErr(CodeInvalidParam, "Err_Group_%s_Key_Undeclared: %q is not declared for the app", what, k)
		}
		if len(v) > MaxCustomValueBytes {
			return newErr(CodeInvalidParam, "Err_Group_%s_Value_Too_Long: %q over %d bytes", what, k, MaxCustomValueBytes)
		}
	}
	return nil
}

// checkProfile validates p's fields (not who may set them).
func checkProfile(a *app.App, r rules.Rules, p Profile) error {
	if p.Name != nil && *p.Name == "" {
		return newErr(CodeInvalidParam, "Err_Group_Name_Empty: a group needs a name")
	}
	for _, c := range []struct {
		f     string
		v     *string
		limit int
	}{{"Name", p.Name, MaxNameBytes}, {"Introduction", p.Introduction, MaxIntroductionBytes},
		{"Notification", p.Notification, MaxNotificationBytes}, {"FaceUrl", p.FaceURL, MaxFaceURLBytes}} {
		if err := checkLen(c.f, c.v, c.limit); err != nil {
			return err
		}
	}
	if p.JoinOption != nil && !rules.ValidJoinOption(*p.JoinOption) {
		return newErr(CodeInvalidParam, "Err_Group_ApplyJoinOption_Invalid: %q (FreeAccess, NeedPermission, DisableApply)", *p.JoinOption)
	}
	if ceiling := memberCeiling(a, r); p.MaxMembers != nil && (*p.MaxMembers < 1 || ceiling > 0 && *p.MaxMembers > ceiling) {
		return newErr(CodeInvalidParam, "Err_Group_MaxMemberNum_Invalid: %d (1 to %d for %s)", *p.MaxMembers, ceiling, r.V2TIMName)
	}
	return checkCustom("AppDefinedData", p.Custom, a.GroupCustomFields)
}

// memberCeiling is the highest member cap a group of r's type may ask for
// in app a: the app's group_member_caps figure for the type, else the rule
// matrix's (0: no cap).
func memberCeiling(a *app.App, r rules.Rules) int {
	if n := a.GroupMemberCaps[r.Type]; n > 0 && r.MaxMembers > 0 {
		return n
	}
	return r.MaxMembers
}

// state is a group read for a change: the row, its rules and the actor's
// role (0: not a member).
type state struct {
	g    store.Group
	r    rules.Rules
	role int
}

// load reads group groupID and actor's membership. With lock it takes the
// group row's lock first (a write). A non-member who is not the app's
// admin is refused (10007) unless outsider.
func load(ctx context.Context, tx Tx, a *app.App, groupID string, actor Actor, lock, outsider bool) (state, error) {
	var st state
	if err := checkExisting(groupID); err != nil {
		return st, err
	}
	if lock {
		ok, err := tx.LockGroup(ctx, a.SDKAppID, groupID)
		if err != nil {
			return st, err
		}
		if !ok {
			return st, newErr(CodeNoSuchGroup, "Err_Group_Not_Exist: %q", groupID)
		}
	}
	g, ok, err := tx.Group(ctx, a.SDKAppID, groupID)
	if err != nil {
		return st, err
	}
	if !ok {
		return st, newErr(CodeNoSuchGroup, "Err_Group_Not_Exist: %q", groupID)
	}
	st.g, st.r = g, rules.OrWork(g.Type)
	if actor.User != "" {
		m, ok, err := tx.GroupMember(ctx, a.SDKAppID, groupID, actor.User)
		if err != nil {
			return st, err
		}
		if ok {
			st.role = m.Role
		}
	}
	if st.role == 0 && !actor.AppAdmin && !outsider {
		return st, newErr(CodeNoPermission, "Err_Group_Not_Member: %q is not a member of %q", actor.User, groupID)
	}
	return st, nil
}

// permit refuses (10007) what who does not allow actor to do to target.
func (st state) permit(who rules.Who, actor Actor, target int, what string) error {
	if rules.Permits(who, actor.AppAdmin, st.role, target) {
		return nil
	}
	if who == rules.Nobody {
		return newErr(CodeNoPermission, "Err_Group_Type_Not_Support: %s groups do not allow %s", st.r.V2TIMName, what)
	}
	return newErr(CodeNoPermission, "Err_Group_No_Permission: %s in %q is not allowed to this member", what, st.g.ID)
}

// add makes user a member of st's group with role inside tx: the group's
// member cap (10014) and the user's joined-group limit (10037) apply. It
// reports false when the user already is a member.
func add(ctx context.Context, tx Tx, a *app.App, st *state, user string, role int, now int64) (bool, error) {
	if st.g.MaxMembers > 0 && st.g.MemberCount >= st.g.MaxMembers {
		return false, newErr(CodeGroupFull, "Err_Group_Full: %q has %d members", st.g.ID, st.g.MemberCount)
	}
	joined, err := tx.MemberGroups(ctx, a.SDKAppID, user)
	if err != nil {
		return false, err
	}
	if slices.Contains(joined, st.g.ID) {
		return false, nil
	}
	if len(joined) >= MaxJoinedGroups {
		return false, newErr(CodeTooManyJoined, "Err_Group_Joined_Too_Many: %q is in %d groups", user, len(joined))
	}
	ok, err := tx.JoinGroup(ctx, a.SDKAppID, st.g.ID, user, now)
	if err != nil || !ok {
		return ok, err
	}
	st.g.MemberCount++
	if role != rules.RoleMember {
		if _, err := tx.SetGroupMember(ctx, store.GroupMember{App: a.SDKAppID, GroupID: st.g.ID, User: user, Role: role}); err != nil {
			return false, err
		}
	}
	return true, nil
}

// write runs fn in one write, logging the events it leaves in *events, and
// publishes them once durable. fn must reset whatever else it collects: a
// retried transaction runs it again.
func (s *Service) write(ctx context.Context, events *[]event.Event, fn func(Tx) error) error {
	// A retried transaction runs fn again: it starts with no events.
	err := event.Write(ctx, s.Store, events, func(tx Tx) error {
		*events = (*events)[:0]
		return fn(tx)
	})
	if err != nil {
		return err
	}
	s.outboxCommitted()
	s.Events.Publish(*events...)
	return nil
}

func (s *Service) joined(a *app.App, group string, users ...string) {
	if s.Delivery == nil {
		return
	}
	for _, u := range users {
		s.Delivery.JoinedGroup(a.SDKAppID, group, u)
	}
}

func (s *Service) left(a *app.App, group string, users ...string) {
	if s.Delivery == nil {
		return
	}
	for _, u := range users {
		s.Delivery.LeftGroup(a.SDKAppID, group, u)
	}
}

func (s *Service) push(a *app.App, group, kind string, data any, origin any) {
	if s.Delivery != nil {
		s.Delivery.PushGroup(a.SDKAppID, group, kind, data, origin)
	}
}

// uniqueUsers validates a list of UserIDs a call names: at most limit
// (10005), none empty; duplicates are dropped, order kept.
func uniqueUsers(users []string, limit int) ([]string, error) {
	if len(users) > limit {
		return nil, newErr(CodeTooManyAccounts, "Err_Group_Too_Many_Accounts: at most %d per call", limit)
	}
	out := make([]string, 0, len(users))
	seen := make(map[string]bool, len(users))
	for _, u := range users {
		if u == "" {
			return nil, newErr(CodeInvalidParam, "Err_Group_Account_Empty: an empty UserID")
		}
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out, nil
}

func wrap(err error, format string, args ...any) error {
	return errcode.Wrapf(err, "group: "+format, args...)
}
