package restapi_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

// snsListSeq returns CurrentSequence of a group_* response as an integer.
func snsListSeq(t testing.TB, resp map[string]any) int64 {
	t.Helper()
	snsOKEnvelope(t, resp)
	return snsIsInt(t, resp["CurrentSequence"], "CurrentSequence")
}

func TestSNSGroupAdd(t *testing.T) {
	s := resttest.Start(t)
	s.Import("id", "f1", "f2", "stranger", "fan")
	snsForce(s, "id", "f1", "f2")
	snsImportFriends(s, "fan", "id") // id is in fan's list, not the reverse

	// Spec sample: names only; no ResultItem, no Fail_Account.
	resp := s.Call("sns/group_add", `{"From_Account":"id","GroupName":["group1","group2","group3"]}`)
	seq1 := snsListSeq(t, resp)
	if seq1 <= 0 {
		t.Errorf("CurrentSequence = %d", seq1)
	}
	for _, k := range []string{"ResultItem", "Fail_Account"} {
		if v, ok := resp[k]; ok {
			t.Errorf("%s present without To_Account: %v", k, v)
		}
	}
	if got := snsListMembers(t, s, "id"); !reflect.DeepEqual(got, map[string][]string{"group1": {}, "group2": {}, "group3": {}}) {
		t.Errorf("lists = %v", got)
	}

	// With To_Account: friends join every new list, others fail per item.
	resp = s.Call("sns/group_add", map[string]any{"From_Account": "id", "GroupName": []string{"work", "gym"},
		"To_Account": []string{"f1", "stranger", "f2", "fan", "ghost", "id"}})
	snsBatch(t, resp, "ResultItem", snsItem{"f1", 0}, snsItem{"stranger", 30001}, snsItem{"f2", 0},
		snsItem{"fan", 30001}, snsItem{"ghost", 30001}, snsItem{"id", 30001})
	seq2 := snsIsInt(t, resp["CurrentSequence"], "CurrentSequence")
	if seq2 <= seq1 {
		t.Errorf("CurrentSequence %d after %d", seq2, seq1)
	}
	got := snsListMembers(t, s, "id")
	if !reflect.DeepEqual(got["work"], []string{"f1", "f2"}) || !reflect.DeepEqual(got["gym"], []string{"f1", "f2"}) {
		t.Errorf("lists = %v", got)
	}
	snsSameJSON(t, map[string]any{"g": snsRow(t, s, "id", "f1")["Tag_SNS_IM_Group"]}, map[string]string{"g": `["gym","work"]`})
	// The list belongs to id alone.
	if got := snsListMembers(t, s, "f1"); len(got) != 0 {
		t.Errorf("f1's lists = %v", got)
	}

	// A list whose every candidate fails is still created.
	resp = s.Call("sns/group_add", map[string]any{"From_Account": "id", "GroupName": []string{"nobody"}, "To_Account": []string{"stranger"}})
	snsBatch(t, resp, "ResultItem", snsItem{"stranger", 30001})
	if _, ok := snsListMembers(t, s, "id")["nobody"]; !ok {
		t.Error("list nobody was not created")
	}

	// Request errors change nothing.
	seqBefore := snsListSeq(t, s.MustOK("sns/group_get", map[string]any{"From_Account": "id"}))
	for _, c := range []struct {
		name  string
		names any
	}{
		{"existing name", []string{"fresh", "group1"}},
		{"duplicated name", []string{"fresh", "fresh"}},
		{"name too long", []string{strings.Repeat("n", 31)}},
		{"name too long in bytes", []string{strings.Repeat("组", 11)}},
		{"empty name", []string{""}},
		{"no names", []string{}},
		{"names a string", "fresh"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s.T = t
			snsFail(t, s.Call("sns/group_add", map[string]any{"From_Account": "id", "GroupName": c.names}), 30001)
		})
	}
	s.T = t
	if seq := snsListSeq(t, s.MustOK("sns/group_get", map[string]any{"From_Account": "id"})); seq != seqBefore {
		t.Errorf("failed calls moved CurrentSequence %d → %d", seqBefore, seq)
	}
	if _, ok := snsListMembers(t, s, "id")["fresh"]; ok {
		t.Error("a failed group_add created a list")
	}
	// 30 bytes is allowed.
	snsListSeq(t, s.MustOK("sns/group_add", map[string]any{"From_Account": "id", "GroupName": []string{strings.Repeat("组", 10)}}))
}

// A user has at most 32 friend lists (30011), counting every way of
// creating one.
func TestSNSGroupListCap(t *testing.T) {
	s := resttest.Start(t)
	s.Import("a", "b", "c")
	snsForce(s, "a", "b")
	names := make([]string, 33)
	for i := range names {
		names[i] = fmt.Sprintf("l%02d", i)
	}
	snsFail(t, s.Call("sns/group_add", map[string]any{"From_Account": "a", "GroupName": names}), 30011)
	if n := len(snsListMembers(t, s, "a")); n != 0 {
		t.Errorf("a rejected group_add created %d lists", n)
	}
	snsListSeq(t, s.MustOK("sns/group_add", map[string]any{"From_Account": "a", "GroupName": names[:31]}))
	snsListSeq(t, s.MustOK("sns/group_add", map[string]any{"From_Account": "a", "GroupName": names[31:32]}))
	if n := len(snsListMembers(t, s, "a")); n != 32 {
		t.Errorf("%d lists, want 32", n)
	}
	snsFail(t, s.Call("sns/group_add", map[string]any{"From_Account": "a", "GroupName": names[32:]}), 30011)

	// friend_update and friend_import hit the same cap per item.
	resp := s.Call("sns/friend_update", map[string]any{"From_Account": "a", "UpdateItem": []any{map[string]any{"To_Account": "b",
		"SnsItem": []any{map[string]any{"Tag": "Tag_SNS_IM_Group", "Value": []string{"l00", "l32"}}}}}})
	snsBatch(t, resp, "ResultItem", snsItem{"b", 30011})
	resp = s.Call("sns/friend_import", map[string]any{"From_Account": "a", "AddFriendItem": []any{map[string]any{"To_Account": "c",
		"AddSource": snsSource, "GroupName": []string{"l32"}}}})
	snsBatch(t, resp, "ResultItem", snsItem{"c", 30011})
	// Existing lists are fine.
	resp = s.Call("sns/friend_update", map[string]any{"From_Account": "a", "UpdateItem": []any{map[string]any{"To_Account": "b",
		"SnsItem": []any{map[string]any{"Tag": "Tag_SNS_IM_Group", "Value": []string{"l00", "l31"}}}}}})
	snsAllZero(t, resp, "ResultItem", "b")

	// Deleting one makes room again.
	snsListSeq(t, s.MustOK("sns/group_delete", map[string]any{"From_Account": "a", "GroupName": []string{"l05"}}))
	snsListSeq(t, s.MustOK("sns/group_add", map[string]any{"From_Account": "a", "GroupName": []string{"l32"}}))
}

func TestSNSGroupDelete(t *testing.T) {
	s := resttest.Start(t)
	s.Import("id", "f1", "f2")
	snsForce(s, "id", "f1", "f2")
	seq0 := snsListSeq(t, s.MustOK("sns/group_add", map[string]any{"From_Account": "id",
		"GroupName": []string{"group1", "group2", "group3"}, "To_Account": []string{"f1", "f2"}}))

	// Spec sample.
	seq1 := snsListSeq(t, s.Call("sns/group_delete", `{"From_Account":"id","GroupName":["group1","group2"]}`))
	if seq1 <= seq0 {
		t.Errorf("CurrentSequence %d after %d", seq1, seq0)
	}
	if got := snsListMembers(t, s, "id"); !reflect.DeepEqual(got, map[string][]string{"group3": {"f1", "f2"}}) {
		t.Errorf("lists = %v", got)
	}
	// The friends stay, without the deleted lists.
	snsRel(t, s, "id", "f1", snsRelBoth)
	snsRel(t, s, "id", "f2", snsRelBoth)
	snsSameJSON(t, map[string]any{"g": snsRow(t, s, "id", "f1")["Tag_SNS_IM_Group"]}, map[string]string{"g": `["group3"]`})

	// Unknown names fail the whole call and delete nothing.
	for _, names := range [][]string{{"group3", "missing"}, {}, {"group3", "group3"}} {
		snsFail(t, s.Call("sns/group_delete", map[string]any{"From_Account": "id", "GroupName": names}), 30001)
	}
	if _, ok := snsListMembers(t, s, "id")["group3"]; !ok {
		t.Error("a failed group_delete deleted group3")
	}

	// Deleting the last list leaves the friend with no Tag_SNS_IM_Group.
	snsListSeq(t, s.MustOK("sns/group_delete", map[string]any{"From_Account": "id", "GroupName": []string{"group3"}}))
	if g, ok := snsRow(t, s, "id", "f1")["Tag_SNS_IM_Group"]; ok {
		t.Errorf("Tag_SNS_IM_Group = %v after deleting every list", g)
	}
	// A name can be reused after deletion, empty.
	snsListSeq(t, s.MustOK("sns/group_add", map[string]any{"From_Account": "id", "GroupName": []string{"group1"}}))
	if got := snsListMembers(t, s, "id"); !reflect.DeepEqual(got, map[string][]string{"group1": {}}) {
		t.Errorf("recreated list = %v", got)
	}
}

func TestSNSGroupGet(t *testing.T) {
	s := resttest.Start(t)
	s.Import("id", "f1", "f2", "f3")
	snsForce(s, "id", "f1", "f2", "f3")
	s.MustOK("sns/group_add", map[string]any{"From_Account": "id", "GroupName": []string{"group1"}, "To_Account": []string{"f1"}})
	snsAllZero(t, s.MustOK("sns/group_add", map[string]any{"From_Account": "id", "GroupName": []string{"group2"},
		"To_Account": []string{"f1", "f2"}}), "ResultItem", "f1", "f2")
	last := snsListSeq(t, s.MustOK("sns/group_add", map[string]any{"From_Account": "id", "GroupName": []string{"group3"},
		"To_Account": []string{"f1", "f2", "f3"}}))

	// Spec sample: counts only, no member lists.
	resp := s.Call("sns/group_get", `{"From_Account":"id"}`)
	if seq := snsListSeq(t, resp); seq != last {
		t.Errorf("group_get CurrentSequence %d, last write answered %d", seq, last)
	}
	items := resttest.Items(resp, "ResultItem")
	if len(items) != 3 {
		t.Fatalf("ResultItem = %v", resp)
	}
	for i, it := range items {
		if it["GroupName"] != fmt.Sprintf("group%d", i+1) || snsIsInt(t, it["FriendNumber"], "FriendNumber") != int64(i+1) {
			t.Errorf("ResultItem[%d] = %v", i, it)
		}
		if _, ok := it["To_Account"]; ok {
			t.Errorf("To_Account without NeedFriend: %v", it)
		}
	}

	// NeedFriend and a GroupName filter.
	resp = s.MustOK("sns/group_get", map[string]any{"From_Account": "id", "NeedFriend": "Need_Friend_Type_Yes", "GroupName": []string{"group2", "nope"}})
	items = resttest.Items(resp, "ResultItem")
	if len(items) != 1 || items[0]["GroupName"] != "group2" || fmt.Sprint(snsStrings(t, items[0]["To_Account"])) != "[f1 f2]" {
		t.Errorf("filtered group_get = %v", items)
	}

	// Membership follows friend_delete and friend_update.
	s.MustOK("sns/friend_delete", map[string]any{"From_Account": "id", "To_Account": []string{"f2"}})
	s.MustOK("sns/friend_update", `{"From_Account":"id","UpdateItem":[{"To_Account":"f3","SnsItem":[{"Tag":"Tag_SNS_IM_Group","Value":["group1","new"]}]}]}`)
	want := map[string][]string{"group1": {"f1", "f3"}, "group2": {"f1"}, "group3": {"f1"}, "new": {"f3"}}
	if got := snsListMembers(t, s, "id"); !reflect.DeepEqual(got, want) {
		t.Errorf("lists = %v, want %v", got, want)
	}
	if seq := snsListSeq(t, s.MustOK("sns/group_get", map[string]any{"From_Account": "id"})); seq <= last {
		t.Errorf("creating list new by friend_update left CurrentSequence at %d", seq)
	}

	// A user without lists.
	resp = s.MustOK("sns/group_get", map[string]any{"From_Account": "f3", "NeedFriend": "Need_Friend_Type_Yes"})
	if items, ok := resp["ResultItem"].([]any); !ok || len(items) != 0 || snsListSeq(t, resp) != 0 {
		t.Errorf("no lists: %v", resp)
	}
}

// friend_add's GroupName and friend_update's Tag_SNS_IM_Group create the
// lists they name.
func TestSNSGroupCreatedByFriendWrites(t *testing.T) {
	s := resttest.Start(t)
	s.Import("a", "b", "c")
	s.MustOK("sns/friend_add", `{"From_Account":"a","ForceAddFlags":1,"AddFriendItem":[{"To_Account":"b","GroupName":"Classmates"}]}`)
	snsImportFriends(s, "a", "c")
	s.MustOK("sns/friend_update", `{"From_Account":"a","UpdateItem":[{"To_Account":"c","SnsItem":[{"Tag":"Tag_SNS_IM_Group","Value":["Colleagues","Classmates"]}]}]}`)
	want := map[string][]string{"Classmates": {"b", "c"}, "Colleagues": {"c"}}
	if got := snsListMembers(t, s, "a"); !reflect.DeepEqual(got, want) {
		t.Errorf("lists = %v, want %v", got, want)
	}
	// Clearing a friend's lists keeps the lists.
	s.MustOK("sns/friend_update", `{"From_Account":"a","UpdateItem":[{"To_Account":"c","SnsItem":[{"Tag":"Tag_SNS_IM_Group","Value":[]}]}]}`)
	want = map[string][]string{"Classmates": {"b"}, "Colleagues": {}}
	if got := snsListMembers(t, s, "a"); !reflect.DeepEqual(got, want) {
		t.Errorf("lists = %v, want %v", got, want)
	}
}
