package rules_test

import (
	"testing"

	"github.com/parleyim/parley/internal/group/rules"
)

// TestMatrix restates seed inventory §8.2, §8.4 and §8.5 column by column
// and checks the matrix says the same: a change to a rule must change this
// table too.
func TestMatrix(t *testing.T) {
	type row struct {
		join                     rules.JoinRule
		defaultJoin              string
		joinMutable              bool
		invite                   rules.Who
		initialMembers           bool
		edit, kick, mute, accept rules.Who
		admins, memberInfo       bool
		ownerQuits               bool
		dismiss                  rules.Who
		transfer                 bool
		unread, before, stored   bool
		targeted, joinedList     bool
		defaultMax, max          int
	}
	want := map[string]row{
		// Work: invitation only, any member edits the profile, only the
		// owner kicks, no muting, the owner may quit, a client cannot
		// disband it.
		"Work": {rules.JoinNever, rules.DisableApply, false, rules.Members, true,
			rules.Members, rules.Owner, rules.Nobody, rules.Nobody, false, true, true, rules.AppAdmin, true,
			true, false, true, true, true, 200, 6000},
		// Public: request and approval by owner or admin; join option may
		// change.
		"Public": {rules.JoinByOption, rules.NeedPermission, true, rules.AppAdmin, true,
			rules.OwnerAndAdmins, rules.OwnerAndAdmins, rules.OwnerAndAdmins, rules.OwnerAndAdmins, true, true, false, rules.Owner, true,
			true, false, true, true, true, 2000, 6000},
		// Meeting: free to join, history before the join, no unread.
		"Meeting": {rules.JoinFree, rules.FreeAccess, false, rules.AppAdmin, true,
			rules.OwnerAndAdmins, rules.OwnerAndAdmins, rules.OwnerAndAdmins, rules.Nobody, true, true, false, rules.Owner, true,
			false, true, true, true, true, 10000, 10000},
		// Community: free by default, members invite, 100,000 members,
		// history before the join, no targeted messages.
		"Community": {rules.JoinByOption, rules.FreeAccess, true, rules.Members, true,
			rules.OwnerAndAdmins, rules.OwnerAndAdmins, rules.OwnerAndAdmins, rules.OwnerAndAdmins, true, true, false, rules.Owner, true,
			true, true, true, false, true, 100000, 100000},
		// AVChatRoom: free, no initial members, owner edits, nobody kicks
		// (mute instead), nothing stored, no unread, not in the joined list,
		// unlimited members, no transfer.
		"AVChatRoom": {rules.JoinFree, rules.FreeAccess, false, rules.Nobody, false,
			rules.Owner, rules.Nobody, rules.OwnerAndAdmins, rules.Nobody, true, false, false, rules.Owner, false,
			false, false, false, false, false, 0, 0},
	}
	seen := 0
	for _, r := range rules.All() {
		w, ok := want[r.V2TIMName]
		if !ok {
			t.Fatalf("unexpected type %q", r.V2TIMName)
		}
		seen++
		got := row{r.Join, r.DefaultJoinOption, r.JoinOptionMutable, r.Invite, r.InitialMembers,
			r.EditProfile, r.Kick, r.Mute, r.Approve, r.Admins, r.SetMemberInfo, r.OwnerMayQuit, r.Dismiss, r.TransferOwner,
			r.Unread, r.HistoryBeforeJoin, r.Stored, r.Targeted, r.JoinedList, r.DefaultMaxMembers, r.MaxMembers}
		if got != w {
			t.Errorf("%s:\n got %+v\nwant %+v", r.V2TIMName, got, w)
		}
		byREST, ok1 := rules.Of(r.Type)
		byV2, ok2 := rules.Of(r.V2TIMName)
		if !ok1 || !ok2 || byREST.Type != r.Type || byV2.Type != r.Type {
			t.Errorf("%s: Of by either name", r.V2TIMName)
		}
	}
	if seen != len(want) {
		t.Fatalf("%d types, want %d", seen, len(want))
	}
	if _, ok := rules.Of("BChatRoom"); ok {
		t.Error("an unknown type has rules")
	}
	if rules.OrWork("BChatRoom").Type != rules.Work {
		t.Error("an unknown stored type does not get Work's rules")
	}
	if r, _ := rules.Of(rules.Community); r.InJoinedList(true) || !r.InJoinedList(false) {
		t.Error("topic-enabled communities leave the joined list, others stay")
	}
}

// TestPermits: the owner acts on admins and members, an admin on common
// members only, nobody on the owner but the app's admin, and Nobody stops
// even the app's admin.
func TestPermits(t *testing.T) {
	const none = 0
	o, a, m := rules.RoleOwner, rules.RoleAdmin, rules.RoleMember
	for _, c := range []struct {
		who           rules.Who
		appAdmin      bool
		actor, target int
		want          bool
	}{
		{rules.Nobody, true, none, m, false},
		{rules.AppAdmin, true, none, m, true},
		{rules.AppAdmin, false, o, m, false},
		{rules.Owner, false, o, a, true},
		{rules.Owner, false, a, m, false},
		{rules.Owner, true, none, o, true},
		{rules.OwnerAndAdmins, false, o, a, true},
		{rules.OwnerAndAdmins, false, o, m, true},
		{rules.OwnerAndAdmins, false, a, m, true},
		{rules.OwnerAndAdmins, false, a, a, false},
		{rules.OwnerAndAdmins, false, a, o, false},
		{rules.OwnerAndAdmins, false, m, m, false},
		{rules.OwnerAndAdmins, false, a, none, true},
		{rules.Members, false, m, none, true},
		{rules.Members, false, none, none, false},
		{rules.Members, false, m, o, false},
	} {
		if got := rules.Permits(c.who, c.appAdmin, c.actor, c.target); got != c.want {
			t.Errorf("Permits(%v, admin %v, %d on %d) = %v, want %v", c.who, c.appAdmin, c.actor, c.target, got, c.want)
		}
	}
}
