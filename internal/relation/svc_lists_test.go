package relation_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/profile"
	"github.com/parleyim/parley/internal/relation"
)

// seqTracker requires the friend list version (GetLists' second value) to
// grow on every successful change and to stay put on failures.
type seqTracker struct {
	f    *fixture
	user string
	last uint64
}

func (f *fixture) trackListSeq(user string) *seqTracker {
	_, seq := f.lists(user)
	return &seqTracker{f: f, user: user, last: seq}
}

// changed checks that the version grew; returned is the version the call
// itself answered (0 when the call does not return one).
func (s *seqTracker) changed(what string, returned uint64) {
	s.f.t.Helper()
	_, seq := s.f.lists(s.user)
	if seq <= s.last {
		s.f.t.Fatalf("%s: list version %d, want > %d", what, seq, s.last)
	}
	if returned != 0 && returned != seq {
		s.f.t.Fatalf("%s: call answered version %d, GetLists says %d", what, returned, seq)
	}
	s.last = seq
}

func (s *seqTracker) unchanged(what string) {
	s.f.t.Helper()
	if _, seq := s.f.lists(s.user); seq != s.last {
		s.f.t.Fatalf("%s: list version moved %d → %d", what, s.last, seq)
	}
}

// listFixture makes B and C friends of A (two-way) and D a stranger.
func listFixture(t *testing.T) *fixture {
	f := newFixture(t, "A", "B", "C", "D")
	f.allow(profile.AllowAny, "B", "C")
	f.mustAdd("A", "B", relation.AddBoth, 0)
	f.mustAdd("A", "C", relation.AddBoth, 0)
	return f
}

func TestRenameListMovesMembers(t *testing.T) {
	f := listFixture(t)
	seq := f.trackListSeq("A")
	res, v, err := f.svc.CreateLists(f.ctx, f.a, "A", []string{"work"}, []string{"B", "C"})
	if err != nil || !reflect.DeepEqual(itemCodes(res), []int{0, 0}) {
		t.Fatalf("create: %v %v", err, itemCodes(res))
	}
	seq.changed("create", v)
	if v, err = f.svc.RenameList(f.ctx, f.a, "A", "work", "job"); err != nil {
		t.Fatalf("rename: %v", err)
	}
	seq.changed("rename", v)
	lists, _ := f.lists("A")
	if !reflect.DeepEqual(lists, map[string][]string{"job": {"B", "C"}}) {
		t.Fatalf("lists after rename: %v", lists)
	}
	for _, p := range []string{"B", "C"} {
		if row, _ := f.friend("A", p); !reflect.DeepEqual(row.Groups, []string{"job"}) {
			t.Fatalf("A's row of %s after rename: groups %v", p, row.Groups)
		}
	}

	if _, _, err := f.svc.CreateLists(f.ctx, f.a, "A", []string{"home"}, nil); err != nil {
		t.Fatal(err)
	}
	seq.changed("create empty", 0)
	for _, c := range []struct{ what, old, new string }{
		{"rename onto an existing list", "job", "home"},
		{"rename a missing list", "nope", "other"},
		{"rename to the same name", "job", "job"},
		{"rename to an empty name", "job", ""},
		{"rename to a too long name", "job", "0123456789012345678901234567890"},
	} {
		_, err := f.svc.RenameList(f.ctx, f.a, "A", c.old, c.new)
		wantCode(t, c.what, err, errcode.SNSBadRequest)
		seq.unchanged(c.what)
	}
	lists, _ = f.lists("A")
	if !reflect.DeepEqual(lists, map[string][]string{"job": {"B", "C"}, "home": {}}) {
		t.Fatalf("lists after failed renames: %v", lists)
	}
	// Renaming an empty list works too.
	if _, err := f.svc.RenameList(f.ctx, f.a, "A", "home", "house"); err != nil {
		t.Fatal(err)
	}
	seq.changed("rename empty", 0)
}

func TestAddRemoveListMembers(t *testing.T) {
	f := listFixture(t)
	f.allow(profile.AllowAny, "A")
	f.mustAdd("D", "A", relation.AddSingle, 0) // D has A; A does not have D
	if _, _, err := f.svc.CreateLists(f.ctx, f.a, "A", []string{"work"}, nil); err != nil {
		t.Fatal(err)
	}
	seq := f.trackListSeq("A")
	friendSeq := f.seqs("A").Friend

	res, v, err := f.svc.AddToList(f.ctx, f.a, "A", "work", []string{"B", "D", "ghost", "A", "B", ""})
	if err != nil {
		t.Fatal(err)
	}
	bad := errcode.SNSBadRequest
	if got := itemCodes(res); !reflect.DeepEqual(got, []int{0, bad, bad, bad, bad, bad}) {
		t.Fatalf("AddToList codes %v", got)
	}
	for i, p := range []string{"B", "D", "ghost", "A", "B", ""} {
		if res[i].Peer != p {
			t.Fatalf("result %d is for %q, want %q", i, res[i].Peer, p)
		}
	}
	seq.changed("add member", v)
	if s := f.seqs("A").Friend; s <= friendSeq {
		t.Fatalf("membership change did not move the friend version")
	}
	lists, _ := f.lists("A")
	if !reflect.DeepEqual(lists, map[string][]string{"work": {"B"}}) {
		t.Fatalf("lists %v", lists)
	}
	// Adding a member twice is not an error and keeps one membership.
	if res, _, err = f.svc.AddToList(f.ctx, f.a, "A", "work", []string{"B", "C"}); err != nil || !reflect.DeepEqual(itemCodes(res), []int{0, 0}) {
		t.Fatalf("add again: %v %v", err, itemCodes(res))
	}
	seq.changed("add again", 0)
	if row, _ := f.friend("A", "B"); !reflect.DeepEqual(row.Groups, []string{"work"}) {
		t.Fatalf("B's groups %v", row.Groups)
	}

	_, _, err = f.svc.AddToList(f.ctx, f.a, "A", "missing", []string{"B"})
	wantCode(t, "add to a missing list", err, bad)
	_, _, err = f.svc.AddToList(f.ctx, f.a, "A", "work", nil)
	wantCode(t, "add nobody", err, bad)
	seq.unchanged("failed adds")

	res, v, err = f.svc.RemoveFromList(f.ctx, f.a, "A", "work", []string{"B", "D"})
	if err != nil || !reflect.DeepEqual(itemCodes(res), []int{0, bad}) {
		t.Fatalf("remove: %v %v", err, itemCodes(res))
	}
	seq.changed("remove member", v)
	lists, _ = f.lists("A")
	if !reflect.DeepEqual(lists, map[string][]string{"work": {"C"}}) {
		t.Fatalf("lists after remove %v", lists)
	}
	f.wantRelation("A", "B", relation.BothWay) // still friends
	if row, ok := f.friend("A", "B"); !ok || len(row.Groups) != 0 {
		t.Fatalf("A's row of B after remove: %+v %v", row, ok)
	}
	_, _, err = f.svc.RemoveFromList(f.ctx, f.a, "A", "missing", []string{"C"})
	wantCode(t, "remove from a missing list", err, bad)
	seq.unchanged("failed remove")
}

func TestDeleteListsKeepsFriends(t *testing.T) {
	f := listFixture(t)
	if _, _, err := f.svc.CreateLists(f.ctx, f.a, "A", []string{"x", "y", "z"}, []string{"B", "C"}); err != nil {
		t.Fatal(err)
	}
	seq := f.trackListSeq("A")
	v, err := f.svc.DeleteLists(f.ctx, f.a, "A", []string{"x", "y"})
	if err != nil {
		t.Fatal(err)
	}
	seq.changed("delete", v)
	lists, _ := f.lists("A")
	if !reflect.DeepEqual(lists, map[string][]string{"z": {"B", "C"}}) {
		t.Fatalf("lists %v", lists)
	}
	for _, p := range []string{"B", "C"} {
		f.wantRelation("A", p, relation.BothWay)
		if row, _ := f.friend("A", p); !reflect.DeepEqual(row.Groups, []string{"z"}) {
			t.Fatalf("A's row of %s: groups %v", p, row.Groups)
		}
	}
	// All-or-nothing: one missing name deletes none.
	_, err = f.svc.DeleteLists(f.ctx, f.a, "A", []string{"z", "gone"})
	wantCode(t, "delete with a missing name", err, errcode.SNSBadRequest)
	_, err = f.svc.DeleteLists(f.ctx, f.a, "A", nil)
	wantCode(t, "delete nothing", err, errcode.SNSBadRequest)
	seq.unchanged("failed deletes")
	if lists, _ := f.lists("A"); len(lists) != 1 {
		t.Fatalf("failed delete removed lists: %v", lists)
	}
	if _, err = f.svc.DeleteLists(f.ctx, f.a, "A", []string{"z"}); err != nil {
		t.Fatal(err)
	}
	seq.changed("delete last", 0)
	if n := f.friendCount("A"); n != 2 {
		t.Fatalf("A has %d friends after deleting every list, want 2", n)
	}
}

func TestCreateListsRules(t *testing.T) {
	f := listFixture(t)
	f.a.Limits.MaxFriendLists = 2
	seq := f.trackListSeq("A")
	res, v, err := f.svc.CreateLists(f.ctx, f.a, "A", []string{"x"}, []string{"B", "D"})
	if err != nil || !reflect.DeepEqual(itemCodes(res), []int{0, errcode.SNSBadRequest}) {
		t.Fatalf("create with a non-friend: %v %v", err, itemCodes(res))
	}
	seq.changed("create", v)
	for _, c := range []struct {
		what  string
		names []string
		code  int
	}{
		{"existing name", []string{"x"}, errcode.SNSBadRequest},
		{"duplicate names", []string{"y", "y"}, errcode.SNSBadRequest},
		{"no names", nil, errcode.SNSBadRequest},
		{"past the cap", []string{"y", "z"}, errcode.SNSFriendListLimit},
	} {
		_, _, err := f.svc.CreateLists(f.ctx, f.a, "A", c.names, nil)
		wantCode(t, c.what, err, c.code)
		seq.unchanged(c.what)
	}
	if _, _, err := f.svc.CreateLists(f.ctx, f.a, "A", []string{"y"}, nil); err != nil {
		t.Fatalf("create up to the cap: %v", err)
	}
	seq.changed("create up to the cap", 0)
	lists, _ := f.lists("A")
	if !reflect.DeepEqual(lists, map[string][]string{"x": {"B"}, "y": {}}) {
		t.Fatalf("lists %v", lists)
	}
	// GetLists filters by name.
	only, _, err := f.svc.GetLists(f.ctx, f.a, "A", []string{"y", "nope"})
	if err != nil || len(only) != 1 || only[0].Name != "y" {
		t.Fatalf("GetLists filtered: %v %+v", err, only)
	}
	_, _, err = f.svc.GetLists(f.ctx, f.a, "ghost", nil)
	wantCode(t, "GetLists for ghost", err, errcode.SNSNoAccount)
}

// The list version moves on every change to lists or their membership,
// whichever service call made it.
func TestListSeqFollowsEveryChange(t *testing.T) {
	f := newFixture(t, "A", "B", "C", "D", "E")
	f.allow(profile.AllowAny, "B", "C")
	seq := f.trackListSeq("A")

	f.mustAdd("A", "D", relation.AddBoth, errcode.SNSPendingApproval)
	seq.unchanged("pending add")
	if got := f.add("A", relation.AddItem{To: "B", GroupName: "g1"}, relation.AddBoth); got != 0 {
		t.Fatalf("add with a list: %d", got)
	}
	seq.changed("add creating a list", 0)
	if got := f.add("A", relation.AddItem{To: "C", GroupName: "g1"}, relation.AddSingle); got != 0 {
		t.Fatalf("add into a list: %d", got)
	}
	seq.changed("add into an existing list", 0)
	f.mustAdd("A", "C", relation.AddSingle, errcode.SNSBadRequest) // already a friend
	seq.unchanged("failed add")

	res, err := f.svc.UpdateFriends(f.ctx, f.a, "A", []relation.UpdateItem{
		{To: "B", Items: []relation.TagValue{{Tag: relation.TagGroup, Value: json.RawMessage(`["g2"]`)}}}})
	if err != nil || itemCode(res[0]) != 0 {
		t.Fatalf("update groups: %v %v", err, itemCodes(res))
	}
	seq.changed("friend_update of groups", 0)
	res, err = f.svc.UpdateFriends(f.ctx, f.a, "A", []relation.UpdateItem{
		{To: "B", Items: []relation.TagValue{{Tag: relation.TagRemark, Value: json.RawMessage(`"r"`)}}}})
	if err != nil || itemCode(res[0]) != 0 {
		t.Fatalf("update remark: %v %v", err, itemCodes(res))
	}
	seq.unchanged("friend_update of the remark")

	it := relation.AddItem{To: "E", GroupName: "g3"}
	if got := f.add("A", it, relation.AddSingle); got != errcode.SNSPendingApproval {
		t.Fatalf("request with a list: %d", got)
	}
	seq.unchanged("request with a list")
	if err := f.svc.AcceptRequest(f.ctx, f.a, "E", "A", false, ""); err != nil {
		t.Fatal(err)
	}
	seq.changed("accept creating a list", 0)
	lists, _ := f.lists("A")
	if !reflect.DeepEqual(lists, map[string][]string{"g1": {"C"}, "g2": {"B"}, "g3": {"E"}}) {
		t.Fatalf("lists %v", lists)
	}

	if _, err := f.svc.DeleteFriends(f.ctx, f.a, "A", []string{"C"}, relation.DeleteSingle, 0); err != nil {
		t.Fatal(err)
	}
	seq.changed("deleting a list member", 0)
	if _, err := f.svc.AddBlocks(f.ctx, f.a, "A", []string{"B"}); err != nil {
		t.Fatal(err)
	}
	seq.changed("blocking a list member", 0)
	lists, _ = f.lists("A")
	if !reflect.DeepEqual(lists, map[string][]string{"g1": {}, "g2": {}, "g3": {"E"}}) {
		t.Fatalf("lists after delete and block %v", lists)
	}
}
