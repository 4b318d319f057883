package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

// testGroupProfiles: the profile a group is created with reads back, an
// update rewrites it, the member count follows joins and leaves, and
// deleting a group takes its members, messages and applications with it
// (its ID may then be used again).
func testGroupProfiles(t *testing.T, s store.Store) {
	g := store.Group{App: app1, ID: "p1", Type: "Public", CreatedAt: 100, Name: "n", Introduction: "i", Notification: "no",
		FaceURL: "f", Owner: "alice", MaxMembers: 2000, JoinOption: "NeedPermission", SupportTopic: false, InfoTime: 100,
		Custom: map[string]string{"k": "v"}}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if ok, err := tx.CreateGroup(ctx, g); err != nil || !ok {
			return fmt.Errorf("create: %v %v", ok, err)
		}
		for _, u := range []string{"alice", "bob", "carol"} {
			if ok, err := tx.JoinGroup(ctx, app1, "p1", u, 100); err != nil || !ok {
				return fmt.Errorf("join %s: %v %v", u, ok, err)
			}
		}
		if ok, err := tx.JoinGroup(ctx, app1, "p1", "bob", 100); err != nil || ok {
			return fmt.Errorf("join twice: %v %v", ok, err)
		}
		if ok, err := tx.LeaveGroup(ctx, app1, "p1", "carol"); err != nil || !ok {
			return fmt.Errorf("leave: %v %v", ok, err)
		}
		if ok, err := tx.LeaveGroup(ctx, app1, "p1", "carol"); err != nil || ok {
			return fmt.Errorf("leave twice: %v %v", ok, err)
		}
		return nil
	})
	read := func() store.Group {
		return get(t, s, func(ctx context.Context, tx store.Tx) (store.Group, error) {
			got, ok, err := tx.Group(ctx, app1, "p1")
			if err == nil && !ok {
				err = fmt.Errorf("no group")
			}
			return got, err
		})
	}
	got := read()
	want := g
	want.MemberCount = 2
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("group read back\n got %+v\nwant %+v", got, want)
	}
	want.Name, want.Owner, want.MuteAll, want.InfoTime, want.Custom, want.JoinOption = "n2", "bob", true, 200, nil, "FreeAccess"
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if ok, err := tx.LockGroup(ctx, app1, "p1"); err != nil || !ok {
			return fmt.Errorf("lock: %v %v", ok, err)
		}
		if ok, err := tx.LockGroup(ctx, app1, "nope"); err != nil || ok {
			return fmt.Errorf("lock missing: %v %v", ok, err)
		}
		ok, err := tx.UpdateGroup(ctx, want)
		if err == nil && !ok {
			err = fmt.Errorf("update found no group")
		}
		return err
	})
	if got := read(); !reflect.DeepEqual(got, want) {
		t.Fatalf("group after update\n got %+v\nwant %+v", got, want)
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if _, _, err := tx.AppendMessage(ctx, store.Message{App: app1, ConvKey: "group:p1", Sender: "alice", ClientKey: "k1",
			SentAt: 1, Body: []byte(`{}`), ExpiresAt: 9_999_999_999}); err != nil {
			return err
		}
		if err := tx.PutGroupApplication(ctx, store.GroupApplication{App: app1, GroupID: "p1", Applicant: "dave", CreatedAt: 5}); err != nil {
			return err
		}
		if ok, err := tx.DeleteGroup(ctx, app1, "p1"); err != nil || !ok {
			return fmt.Errorf("delete: %v %v", ok, err)
		}
		if ok, err := tx.DeleteGroup(ctx, app1, "p1"); err != nil || ok {
			return fmt.Errorf("delete twice: %v %v", ok, err)
		}
		return nil
	})
	type after struct {
		Exists   bool
		Groups   []string
		Messages int
	}
	a := get(t, s, func(ctx context.Context, tx store.Tx) (after, error) {
		var out after
		var err error
		if _, out.Exists, err = tx.Group(ctx, app1, "p1"); err != nil {
			return out, err
		}
		if out.Groups, err = tx.MemberGroups(ctx, app1, "alice"); err != nil {
			return out, err
		}
		ms, err := tx.MessagesInRange(ctx, app1, "group:p1", 0, 100, 100)
		out.Messages = len(ms)
		return out, err
	})
	if a.Exists || len(a.Groups) != 0 || a.Messages != 0 {
		t.Fatalf("after delete: %+v", a)
	}
	// The ID is free again, and a new group with it starts empty.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if ok, err := tx.CreateGroup(ctx, store.Group{App: app1, ID: "p1", Type: "Work", CreatedAt: 300}); err != nil || !ok {
			return fmt.Errorf("create again: %v %v", ok, err)
		}
		if _, ok, err := tx.TakeGroupApplication(ctx, app1, "p1", "dave"); err != nil || ok {
			return fmt.Errorf("application survived the delete: %v %v", ok, err)
		}
		return nil
	})
	if got := read(); got.MemberCount != 0 || got.LastSeq != 0 || got.Name != "" {
		t.Fatalf("recreated group: %+v", got)
	}
}

// testGroupMembers: roles, name cards, mutes and custom data round-trip;
// member pages follow join order with a role filter; muted members are
// those muted past now; a user's joined groups carry their membership.
func testGroupMembers(t *testing.T, s store.Store) {
	users := []string{"u1", "u2", "u3", "u4", "u5"}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, id := range []string{"m1", "m2"} {
			if _, err := tx.CreateGroup(ctx, store.Group{App: app1, ID: id, Type: "Public", CreatedAt: 1, Name: id}); err != nil {
				return err
			}
		}
		for i, u := range users {
			if _, err := tx.JoinGroup(ctx, app1, "m1", u, int64(10-i)); err != nil { // joined u5 first
				return err
			}
		}
		if _, err := tx.JoinGroup(ctx, app1, "m2", "u1", 1); err != nil {
			return err
		}
		sets := []store.GroupMember{
			{App: app1, GroupID: "m1", User: "u1", Role: store.RoleOwner, JoinedAt: 10},
			{App: app1, GroupID: "m1", User: "u2", Role: store.RoleAdmin, NameCard: "card", Custom: map[string]string{"a": "b"}},
			{App: app1, GroupID: "m1", User: "u3", Role: store.RoleMember, MuteUntil: 500},
			{App: app1, GroupID: "m1", User: "u4", Role: store.RoleMember, MuteUntil: 50},
		}
		for _, m := range sets {
			if ok, err := tx.SetGroupMember(ctx, m); err != nil || !ok {
				return fmt.Errorf("set %s: %v %v", m.User, ok, err)
			}
		}
		if ok, err := tx.SetGroupMember(ctx, store.GroupMember{App: app1, GroupID: "m1", User: "nobody", Role: store.RoleAdmin}); err != nil || ok {
			return fmt.Errorf("set a non-member: %v %v", ok, err)
		}
		return nil
	})
	type view struct {
		One     store.GroupMember
		Among   int
		Page    []string
		Admins  []string
		Muted   []string
		Joined  []string
		JRole   int
		JCount  int
		Missing bool
	}
	names := func(ms []store.GroupMember) []string {
		out := []string{}
		for _, m := range ms {
			out = append(out, m.User)
		}
		return out
	}
	v := get(t, s, func(ctx context.Context, tx store.Tx) (view, error) {
		var v view
		var ok bool
		var err error
		if v.One, ok, err = tx.GroupMember(ctx, app1, "m1", "u2"); err != nil || !ok {
			return v, fmt.Errorf("member u2: %v %v", ok, err)
		}
		if _, ok, err = tx.GroupMember(ctx, app1, "m1", "nobody"); err != nil {
			return v, err
		}
		v.Missing = !ok
		among, err := tx.GroupMembersAmong(ctx, app1, "m1", []string{"u1", "u3", "nobody"})
		if err != nil {
			return v, err
		}
		v.Among = len(among)
		page, err := tx.ListGroupMembers(ctx, app1, "m1", store.MemberQuery{Offset: 1, Limit: 3})
		if err != nil {
			return v, err
		}
		v.Page = names(page)
		admins, err := tx.ListGroupMembers(ctx, app1, "m1", store.MemberQuery{Roles: []int{store.RoleOwner, store.RoleAdmin}, Limit: 10})
		if err != nil {
			return v, err
		}
		v.Admins = names(admins)
		muted, err := tx.MutedGroupMembers(ctx, app1, "m1", 100)
		if err != nil {
			return v, err
		}
		v.Muted = names(muted)
		joined, err := tx.JoinedGroups(ctx, app1, "u1")
		if err != nil {
			return v, err
		}
		for _, j := range joined {
			v.Joined = append(v.Joined, j.Group.ID+"/"+j.Group.Name)
		}
		if len(joined) > 0 {
			v.JRole, v.JCount = joined[0].Member.Role, joined[0].Group.MemberCount
		}
		return v, nil
	})
	want := store.GroupMember{App: app1, GroupID: "m1", User: "u2", Role: store.RoleAdmin, NameCard: "card", JoinedAt: 9,
		Custom: map[string]string{"a": "b"}}
	if !reflect.DeepEqual(v.One, want) {
		t.Fatalf("member u2\n got %+v\nwant %+v", v.One, want)
	}
	if !v.Missing || v.Among != 2 {
		t.Fatalf("missing %v, among %d (want true, 2)", v.Missing, v.Among)
	}
	// Join order: u5 (6), u4 (7), u3 (8), u2 (9), u1 (10): offset 1, limit 3.
	if !reflect.DeepEqual(v.Page, []string{"u4", "u3", "u2"}) {
		t.Fatalf("page %v", v.Page)
	}
	if !reflect.DeepEqual(v.Admins, []string{"u2", "u1"}) {
		t.Fatalf("owner and admins %v", v.Admins)
	}
	if !reflect.DeepEqual(v.Muted, []string{"u3"}) {
		t.Fatalf("muted %v (u4's mute ended at 50)", v.Muted)
	}
	if !reflect.DeepEqual(v.Joined, []string{"m1/m1", "m2/m2"}) || v.JRole != store.RoleOwner || v.JCount != 5 {
		t.Fatalf("joined %v role %d count %d", v.Joined, v.JRole, v.JCount)
	}
}

// testGroupApplications: a pending application is listed to the group's
// owner and admins only, a new one from the same applicant replaces it,
// and it can be taken once: a second handler finds nothing.
func testGroupApplications(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, id := range []string{"a1", "a2"} {
			if _, err := tx.CreateGroup(ctx, store.Group{App: app1, ID: id, Type: "Public", CreatedAt: 1}); err != nil {
				return err
			}
		}
		for _, j := range [][2]string{{"a1", "owner"}, {"a1", "admin"}, {"a1", "member"}, {"a2", "owner"}} {
			if _, err := tx.JoinGroup(ctx, app1, j[0], j[1], 1); err != nil {
				return err
			}
		}
		for _, m := range []store.GroupMember{{App: app1, GroupID: "a1", User: "owner", Role: store.RoleOwner},
			{App: app1, GroupID: "a1", User: "admin", Role: store.RoleAdmin}, {App: app1, GroupID: "a2", User: "owner", Role: store.RoleOwner}} {
			if _, err := tx.SetGroupMember(ctx, m); err != nil {
				return err
			}
		}
		for _, a := range []store.GroupApplication{
			{App: app1, GroupID: "a1", Applicant: "x", Message: "first", CreatedAt: 10},
			{App: app1, GroupID: "a2", Applicant: "y", Message: "other", CreatedAt: 11},
			{App: app1, GroupID: "a1", Applicant: "x", Message: "again", CreatedAt: 12},
		} {
			if err := tx.PutGroupApplication(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	list := func(handler string) []string {
		return get(t, s, func(ctx context.Context, tx store.Tx) ([]string, error) {
			as, err := tx.GroupApplicationsFor(ctx, app1, handler, 10)
			out := []string{}
			for _, a := range as {
				out = append(out, a.GroupID+"/"+a.Applicant+"/"+a.Message)
			}
			return out, err
		})
	}
	if got := list("owner"); !reflect.DeepEqual(got, []string{"a2/y/other", "a1/x/again"}) {
		t.Fatalf("owner's applications %v", got)
	}
	if got := list("admin"); !reflect.DeepEqual(got, []string{"a1/x/again"}) {
		t.Fatalf("admin's applications %v", got)
	}
	if got := list("member"); len(got) != 0 {
		t.Fatalf("a common member sees %v", got)
	}
	var first, second bool
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		a, ok, err := tx.TakeGroupApplication(ctx, app1, "a1", "x")
		if err != nil || a.Message != "again" {
			return fmt.Errorf("take: %+v %v", a, err)
		}
		first = ok
		return nil
	})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, ok, err := tx.TakeGroupApplication(ctx, app1, "a1", "x")
		second = ok
		return err
	})
	if !first || second {
		t.Fatalf("take: first %v second %v (want true, false)", first, second)
	}
}
