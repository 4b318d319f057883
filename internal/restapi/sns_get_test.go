package restapi_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/resttest"
)

// friend_get pages of 100: StartIndex/NextStartIndex/CompleteFlag/FriendNum
// are exact integers and the pages cover every friend once.
func TestSNSFriendGetPaging(t *testing.T) {
	s := resttest.Start(t)
	s.Import("owner")
	peers := snsImportN(s, "f", 250)
	items := make([]any, len(peers))
	for i, p := range peers {
		items[i] = map[string]any{"To_Account": p, "AddSource": snsSource}
	}
	snsAllZero(t, s.Call("sns/friend_import", map[string]any{"From_Account": "owner", "AddFriendItem": items}), "ResultItem", peers...)

	pages := []struct{ start, n, next, complete int }{
		{0, 100, 100, 0},
		{100, 100, 200, 0},
		{200, 50, 0, 1},
	}
	seen := map[string]bool{}
	for _, p := range pages {
		resp := snsFriendGet(s, "owner", p.start, 0, 0)
		for _, k := range []string{"FriendNum", "CompleteFlag", "NextStartIndex", "StandardSequence", "CustomSequence"} {
			snsIsInt(t, resp[k], k)
		}
		got := resttest.Items(resp, "UserDataItem")
		if len(got) != p.n || resttest.Int(resp["NextStartIndex"]) != p.next ||
			resttest.Int(resp["CompleteFlag"]) != p.complete || resttest.Int(resp["FriendNum"]) != 250 {
			t.Errorf("StartIndex %d: %d items, NextStartIndex %v, CompleteFlag %v, FriendNum %v; want %d, %d, %d, 250",
				p.start, len(got), resp["NextStartIndex"], resp["CompleteFlag"], resp["FriendNum"], p.n, p.next, p.complete)
		}
		for _, it := range got {
			id, _ := it["To_Account"].(string)
			if seen[id] {
				t.Errorf("%s on two pages", id)
			}
			seen[id] = true
		}
	}
	if len(seen) != 250 {
		t.Errorf("pages hold %d distinct friends, want 250", len(seen))
	}

	// Past the end: nothing, and done.
	resp := snsFriendGet(s, "owner", 250, 0, 0)
	if n := len(resttest.Items(resp, "UserDataItem")); n != 0 || resttest.Int(resp["CompleteFlag"]) != 1 || resttest.Int(resp["NextStartIndex"]) != 0 {
		t.Errorf("StartIndex 250: %v", resp)
	}
	if _, ok := resp["UserDataItem"].([]any); !ok {
		t.Errorf("UserDataItem must be an array even when empty: %v", resp["UserDataItem"])
	}
	snsFail(t, s.Call("sns/friend_get", `{"From_Account":"owner","StartIndex":-1}`), 30001)
	snsFail(t, s.Call("sns/friend_get", `{"From_Account":"owner","StartIndex":"0"}`), 30001)

	// A user without friends.
	s.Import("loner")
	resp = snsFriendGet(s, "loner", 0, 0, 0)
	if resttest.Int(resp["FriendNum"]) != 0 || resttest.Int(resp["CompleteFlag"]) != 1 || len(resttest.Items(resp, "UserDataItem")) != 0 {
		t.Errorf("no friends: %v", resp)
	}
}

// Value types of friend_get and the spec sample's tags.
func TestSNSFriendGetValues(t *testing.T) {
	s := resttest.Start(t)
	s.Import("id", "id1", "id2")
	s.MustOK("sns/friend_import", `{"From_Account":"id","AddFriendItem":[
		{"To_Account":"id1","AddSource":"AddSource_Type_Android","Remark":"Remark1","GroupName":["Group1","Group2"],
		 "AddTime":1563867420,"CustomItem":[{"Tag":"Tag_SNS_Custom_Test","Value":"CustomData1"},{"Tag":"Tag_SNS_Custom_YYYY","Value":7}]},
		{"To_Account":"id2","AddSource":"AddSource_Type_IOS","GroupName":["Group1"],"AddTime":1563867425}]}`)
	resp := snsFriendGet(s, "id", 0, 0, 0)
	items := resttest.Items(resp, "UserDataItem")
	if len(items) != 2 || items[0]["To_Account"] != "id1" || items[1]["To_Account"] != "id2" {
		t.Fatalf("UserDataItem = %v (want oldest first)", items)
	}
	snsSameJSON(t, snsValues(t, items[0], "ValueItem"), map[string]string{
		"Tag_SNS_IM_AddSource": `"AddSource_Type_Android"`,
		"Tag_SNS_IM_Remark":    `"Remark1"`,
		"Tag_SNS_IM_Group":     `["Group1","Group2"]`,
		"Tag_SNS_IM_AddTime":   `1563867420`,
		// RemarkTime was not given, so it is not listed.
		"Tag_SNS_Custom_Test": `"CustomData1"`,
		"Tag_SNS_Custom_YYYY": `7`,
	})
	snsSameJSON(t, snsValues(t, items[1], "ValueItem"), map[string]string{
		"Tag_SNS_IM_AddSource": `"AddSource_Type_IOS"`,
		"Tag_SNS_IM_Group":     `["Group1"]`,
		"Tag_SNS_IM_AddTime":   `1563867425`,
	})
	v := snsValues(t, items[0], "ValueItem")
	snsIsInt(t, v["Tag_SNS_IM_AddTime"], "Tag_SNS_IM_AddTime")
	if _, ok := v["Tag_SNS_IM_Group"].([]any); !ok {
		t.Errorf("Tag_SNS_IM_Group is %T, want an array", v["Tag_SNS_IM_Group"])
	}
}

// StandardSequence and CustomSequence grow with the matching changes; a
// caller that passes the current value is sent no data of that kind.
func TestSNSFriendGetSequences(t *testing.T) {
	s := resttest.Start(t)
	s.Import("a", "b", "c")
	seqs := func() (int64, int64) {
		t.Helper()
		r := snsFriendGet(s, "a", 0, 0, 0)
		return snsIsInt(t, r["StandardSequence"], "StandardSequence"), snsIsInt(t, r["CustomSequence"], "CustomSequence")
	}
	std0, cus0 := seqs()
	if std0 != 0 || cus0 != 0 {
		t.Errorf("new user: sequences %d/%d, want 0/0", std0, cus0)
	}

	snsForce(s, "a", "b")
	std1, cus1 := seqs()
	if std1 <= std0 || cus1 != cus0 {
		t.Errorf("after add: %d/%d (was %d/%d)", std1, cus1, std0, cus0)
	}
	// b's list changed too.
	if r := snsFriendGet(s, "b", 0, 0, 0); snsIsInt(t, r["StandardSequence"], "b StandardSequence") == 0 {
		t.Errorf("b's StandardSequence did not move: %v", r)
	}

	s.MustOK("sns/friend_update", `{"From_Account":"a","UpdateItem":[{"To_Account":"b","SnsItem":[{"Tag":"Tag_SNS_IM_Remark","Value":"r"}]}]}`)
	std2, cus2 := seqs()
	if std2 <= std1 || cus2 != cus1 {
		t.Errorf("after remark: %d/%d (was %d/%d)", std2, cus2, std1, cus1)
	}

	s.MustOK("sns/friend_update", `{"From_Account":"a","UpdateItem":[{"To_Account":"b","SnsItem":[{"Tag":"Tag_SNS_Custom_Test","Value":"x"}]}]}`)
	std3, cus3 := seqs()
	if std3 != std2 || cus3 <= cus2 {
		t.Errorf("after custom: %d/%d (was %d/%d)", std3, cus3, std2, cus2)
	}

	tags := func(std, cus int64) []string {
		t.Helper()
		r := snsFriendGet(s, "a", 0, std, cus)
		items := resttest.Items(r, "UserDataItem")
		if len(items) != 1 {
			t.Fatalf("UserDataItem = %v", r)
		}
		if _, ok := items[0]["ValueItem"].([]any); !ok {
			t.Fatalf("ValueItem is %T, want an array", items[0]["ValueItem"])
		}
		var out []string
		for _, tv := range resttest.Items(items[0], "ValueItem") {
			out = append(out, tv["Tag"].(string))
		}
		return out
	}
	all := tags(0, 0)
	if fmt.Sprint(all) != "[Tag_SNS_IM_AddSource Tag_SNS_IM_Remark Tag_SNS_IM_AddTime Tag_SNS_IM_RemarkTime Tag_SNS_Custom_Test]" {
		t.Errorf("full ValueItem tags = %v", all)
	}
	if got := tags(std3, 0); fmt.Sprint(got) != "[Tag_SNS_Custom_Test]" {
		t.Errorf("current StandardSequence: tags %v, want only the custom one", got)
	}
	if got := tags(0, cus3); !reflect.DeepEqual(got, all[:4]) {
		t.Errorf("current CustomSequence: tags %v, want the standard ones", got)
	}
	if got := tags(std3, cus3); len(got) != 0 {
		t.Errorf("both current: tags %v, want none", got)
	}
	if got := tags(std1, cus1); !reflect.DeepEqual(got, all) {
		t.Errorf("stale sequences: tags %v, want all", got)
	}

	// Deletes, list changes and imports move StandardSequence as well.
	prev := std3
	for _, step := range []struct {
		name string
		do   func()
	}{
		{"group_add with a member", func() {
			s.MustOK("sns/group_add", map[string]any{"From_Account": "a", "GroupName": []string{"g"}, "To_Account": []string{"b"}})
		}},
		{"friend_import", func() { snsImportFriends(s, "a", "c") }},
		{"friend_delete", func() {
			s.MustOK("sns/friend_delete", map[string]any{"From_Account": "a", "To_Account": []string{"c"}})
		}},
		{"black_list_add of a friend", func() {
			s.MustOK("sns/black_list_add", map[string]any{"From_Account": "a", "To_Account": []string{"b"}})
		}},
	} {
		step.do()
		now, _ := seqs()
		if now <= prev {
			t.Errorf("%s: StandardSequence %d, was %d", step.name, now, prev)
		}
		prev = now
	}
}

// friend_get_list with the spec sample's mix of profile and friend tags.
func TestSNSFriendGetList(t *testing.T) {
	s := resttest.Start(t)
	s.Import("UserID_1", "UserID_2", "UserID_3", "UserID_4")
	s.MustOK("profile/portrait_set", map[string]any{"From_Account": "UserID_2", "ProfileItem": []any{
		map[string]any{"Tag": "Tag_Profile_IM_Nick", "Value": "nick_2"},
		map[string]any{"Tag": "Tag_Profile_IM_Image", "Value": "https://example.com/2.png"},
		map[string]any{"Tag": "Tag_Profile_Custom_Test", "Value": "custom_profile_2"},
	}})
	s.MustOK("sns/friend_import", `{"From_Account":"UserID_1","AddFriendItem":[
		{"To_Account":"UserID_2","AddSource":"AddSource_Type_Web","Remark":"remark_2","GroupName":["group1","group2"],
		 "CustomItem":[{"Tag":"Tag_SNS_Custom_Test","Value":"custom_sns_2"}]},
		{"To_Account":"UserID_4","AddSource":"AddSource_Type_Web"}]}`)
	tagList := []string{"Tag_Profile_Custom_Test", "Tag_Profile_IM_Image", "Tag_Profile_IM_Nick",
		"Tag_SNS_Custom_Test", "Tag_SNS_IM_Remark", "Tag_SNS_IM_Group"}

	resp := s.MustOK("sns/friend_get_list", map[string]any{"From_Account": "UserID_1",
		"To_Account": []string{"UserID_2", "UserID_3", "UserID_4"}, "TagList": tagList})
	snsBatch(t, resp, "InfoItem", snsItem{"UserID_2", 0}, snsItem{"UserID_3", 30001}, snsItem{"UserID_4", 0})
	items := resttest.Items(resp, "InfoItem")

	var order []string
	for _, tv := range resttest.Items(items[0], "SnsProfileItem") {
		order = append(order, tv["Tag"].(string))
	}
	if !reflect.DeepEqual(order, tagList) {
		t.Errorf("SnsProfileItem tags %v, want the TagList order %v", order, tagList)
	}
	snsSameJSON(t, snsValues(t, items[0], "SnsProfileItem"), map[string]string{
		"Tag_Profile_Custom_Test": `"custom_profile_2"`,
		"Tag_Profile_IM_Image":    `"https://example.com/2.png"`,
		"Tag_Profile_IM_Nick":     `"nick_2"`,
		"Tag_SNS_Custom_Test":     `"custom_sns_2"`,
		"Tag_SNS_IM_Remark":       `"remark_2"`,
		"Tag_SNS_IM_Group":        `["group1","group2"]`,
	})
	// The non-friend carries no data.
	if _, ok := items[1]["SnsProfileItem"]; ok {
		t.Errorf("non-friend item has SnsProfileItem: %v", items[1])
	}
	// Never-set values keep their types: "" for strings, [] for the group.
	snsSameJSON(t, snsValues(t, items[2], "SnsProfileItem"), map[string]string{
		"Tag_Profile_Custom_Test": `""`,
		"Tag_Profile_IM_Image":    `""`,
		"Tag_Profile_IM_Nick":     `""`,
		"Tag_SNS_Custom_Test":     `""`,
		"Tag_SNS_IM_Remark":       `""`,
		"Tag_SNS_IM_Group":        `[]`,
	})

	// Integer tags.
	resp = s.MustOK("sns/friend_get_list", map[string]any{"From_Account": "UserID_1", "To_Account": []string{"UserID_2"},
		"TagList": []string{"Tag_SNS_IM_AddTime", "Tag_SNS_IM_AddSource", "Tag_Profile_IM_Gender"}})
	v := snsValues(t, resttest.Items(resp, "InfoItem")[0], "SnsProfileItem")
	if at := snsIsInt(t, v["Tag_SNS_IM_AddTime"], "AddTime"); at < time.Now().Unix()-60 {
		t.Errorf("AddTime %d", at)
	}
	if v["Tag_SNS_IM_AddSource"] != "AddSource_Type_Web" || v["Tag_Profile_IM_Gender"] != "Gender_Type_Unknown" {
		t.Errorf("values = %v", v)
	}

	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("u%d", i)
	}
	for _, c := range []struct {
		name string
		body map[string]any
	}{
		{"empty TagList", map[string]any{"To_Account": []string{"UserID_2"}, "TagList": []string{}}},
		{"unknown SNS tag", map[string]any{"To_Account": []string{"UserID_2"}, "TagList": []string{"Tag_SNS_IM_Foo"}}},
		{"undeclared custom", map[string]any{"To_Account": []string{"UserID_2"}, "TagList": []string{"Tag_SNS_Custom_ZZZZ"}}},
		{"undeclared profile custom", map[string]any{"To_Account": []string{"UserID_2"}, "TagList": []string{"Tag_Profile_Custom_ZZZZ"}}},
		{"no To_Account", map[string]any{"TagList": tagList}},
		{"101 accounts", map[string]any{"To_Account": many, "TagList": tagList}},
		{"TagList a string", map[string]any{"To_Account": []string{"UserID_2"}, "TagList": strings.Join(tagList, ",")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s.T = t
			c.body["From_Account"] = "UserID_1"
			snsFail(t, s.Call("sns/friend_get_list", c.body), 30001)
		})
	}
}
