package restapi_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/resttest"
)

// snsRow returns from's stored data about peer as Tag → Value, read with
// friend_get (standard and custom tags).
func snsRow(t testing.TB, s *resttest.Server, from, peer string) map[string]any {
	t.Helper()
	resp := snsFriendGet(s, from, 0, 0, 0)
	for _, it := range resttest.Items(resp, "UserDataItem") {
		if it["To_Account"] == peer {
			return snsValues(t, it, "ValueItem")
		}
	}
	t.Fatalf("%s is not in %s's friend_get", peer, from)
	return nil
}

// snsListMembers returns friend list name → members from group_get.
func snsListMembers(t testing.TB, s *resttest.Server, from string) map[string][]string {
	t.Helper()
	resp := s.MustOK("sns/group_get", map[string]any{"From_Account": from, "NeedFriend": "Need_Friend_Type_Yes"})
	out := map[string][]string{}
	for _, it := range resttest.Items(resp, "ResultItem") {
		members := snsStrings(t, it["To_Account"])
		if n := snsIsInt(t, it["FriendNumber"], "FriendNumber"); int(n) != len(members) {
			t.Errorf("list %v: FriendNumber %d with %d members", it["GroupName"], n, len(members))
		}
		out[it["GroupName"].(string)] = members
	}
	return out
}

// The seed's friend_import samples: one-way rows with the caller's data,
// whatever the targets' AllowType.
func TestSNSFriendImportSeedSamples(t *testing.T) {
	s := resttest.Start(t)
	s.Import("id", "id1", "id2", "id3")
	snsAllow(s, snsDenyAny, "id1", "id2", "id3")

	t.Run("basic", func(t *testing.T) {
		s.T = t
		before := time.Now().Unix()
		resp := s.Call("sns/friend_import", `{
			"From_Account":"id",
			"AddFriendItem":[{"To_Account":"id1","AddSource":"AddSource_Type_XXXXXXXX"}]
		}`)
		snsAllZero(t, resp, "ResultItem", "id1")
		snsRel(t, s, "id", "id1", snsRelAB)
		snsRel(t, s, "id1", "id", snsRelBA)
		row := snsRow(t, s, "id", "id1")
		if at := snsIsInt(t, row["Tag_SNS_IM_AddTime"], "AddTime"); at < before || at > time.Now().Unix() {
			t.Errorf("AddTime %d: a missing AddTime is the import time", at)
		}
		if row["Tag_SNS_IM_AddSource"] != snsSource {
			t.Errorf("AddSource = %v", row["Tag_SNS_IM_AddSource"])
		}
	})

	t.Run("complete", func(t *testing.T) {
		s.T = t
		resp := s.Call("sns/friend_import", `{
			"From_Account":"id",
			"AddFriendItem":[{
				"To_Account":"id2","Remark":"remark1","RemarkTime":1420000001,"GroupName":["Friends"],
				"AddSource":"AddSource_Type_XXXXXXXX","AddWording":"I'm Test1","AddTime":1420000001,
				"CustomItem":[{"Tag":"Tag_SNS_Custom_XXXX","Value":"Test"},{"Tag":"Tag_SNS_Custom_YYYY","Value":0}]
			}]
		}`)
		snsAllZero(t, resp, "ResultItem", "id2")
		snsRel(t, s, "id", "id2", snsRelAB)
		row := snsRow(t, s, "id", "id2")
		want := map[string]string{
			"Tag_SNS_IM_AddSource":  `"AddSource_Type_XXXXXXXX"`,
			"Tag_SNS_IM_Remark":     `"remark1"`,
			"Tag_SNS_IM_Group":      `["Friends"]`,
			"Tag_SNS_IM_AddWording": `"I'm Test1"`,
			"Tag_SNS_IM_AddTime":    `1420000001`,
			"Tag_SNS_IM_RemarkTime": `1420000001`,
			"Tag_SNS_Custom_XXXX":   `"Test"`,
			"Tag_SNS_Custom_YYYY":   `0`,
		}
		snsSameJSON(t, row, want)
		if got := snsListMembers(t, s, "id"); !reflect.DeepEqual(got, map[string][]string{"Friends": {"id2"}}) {
			t.Errorf("friend lists = %v", got)
		}
	})

	t.Run("batch", func(t *testing.T) {
		s.T = t
		s.Import("b", "b1", "b2", "b3")
		resp := s.Call("sns/friend_import", `{
			"From_Account":"b",
			"AddFriendItem":[
				{"To_Account":"b1","AddSource":"AddSource_Type_XXXXXXXX"},
				{"To_Account":"b2","Remark":"remark2","RemarkTime":1420000001,"GroupName":["Friends"],
				 "AddSource":"AddSource_Type_XXXXXXXX","AddWording":"I'm Test2","AddTime":1420000001},
				{"To_Account":"b3","Remark":"remark3","RemarkTime":1420000001,"GroupName":["Colleagues","Friends"],
				 "AddSource":"AddSource_Type_XXXXXXXX","AddWording":"I'm Test3","AddTime":1420000001,
				 "CustomItem":[{"Tag":"Tag_SNS_Custom_XXXX","Value":"Test"},{"Tag":"Tag_SNS_Custom_YYYY","Value":0}]}
			]
		}`)
		snsAllZero(t, resp, "ResultItem", "b1", "b2", "b3")
		want := map[string][]string{"Friends": {"b2", "b3"}, "Colleagues": {"b3"}}
		if got := snsListMembers(t, s, "b"); !reflect.DeepEqual(got, want) {
			t.Errorf("friend lists = %v, want %v", got, want)
		}
		snsSameJSON(t, map[string]any{"g": snsRow(t, s, "b", "b3")["Tag_SNS_IM_Group"]}, map[string]string{"g": `["Colleagues","Friends"]`})
		for _, p := range []string{"b1", "b2", "b3"} {
			snsRel(t, s, "b", p, snsRelAB)
		}
	})
}

// snsSameJSON compares decoded values with JSON literals, so that the JSON
// type (string, integer, array) counts.
func snsSameJSON(t testing.TB, got map[string]any, want map[string]string) {
	t.Helper()
	for k, w := range want {
		b, err := json.Marshal(got[k])
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != w {
			t.Errorf("%s = %s, want %s", k, b, w)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected %s = %v", k, v)
		}
	}
}

// friend_import with failures: the batch still answers OK/0 and lists the
// failed accounts in request order.
func TestSNSFriendImportBatchFailures(t *testing.T) {
	s := resttest.Start(t, func(a *app.App) { a.Limits.MaxFriends = 2 })
	s.Import("id", "old", "id1", "id2")
	snsImportFriends(s, "id", "old")
	resp := s.Call("sns/friend_import", `{
		"From_Account":"id",
		"AddFriendItem":[
			{"To_Account":"id1","AddSource":"AddSource_Type_XXXXXXXX"},
			{"To_Account":"id2","AddSource":"AddSource_Type_XXXXXXXX"},
			{"To_Account":"id3","AddSource":"AddSource_Type_XXXXXXXX"}
		]
	}`)
	snsBatch(t, resp, "ResultItem", snsItem{"id1", 0}, snsItem{"id2", 30010}, snsItem{"id3", 30003})
	if got := snsFriendIDs(s, "id"); fmt.Sprint(got) != "[old id1]" && fmt.Sprint(got) != "[id1 old]" {
		t.Errorf("friends = %v", got)
	}
}

func TestSNSFriendImportErrors(t *testing.T) {
	s := resttest.Start(t, func(a *app.App) { a.Limits.MaxFriendLists = 2 })
	ids := snsImportN(s, "t", 16)
	s.Import("a", "friend")
	snsImportFriends(s, "a", "friend")
	item := func(to string, kv ...any) map[string]any {
		m := map[string]any{"To_Account": to, "AddSource": snsSource}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	custom := func(tag string, v any) []any { return []any{map[string]any{"Tag": tag, "Value": v}} }
	cases := []struct {
		item map[string]any
		code int
	}{
		{item("a"), 30001},
		{item(ids[0], "AddSource", ""), 30001}, // required by friend_import
		{item(ids[1], "AddSource", "AddSource_Type_123456789"), 30001},
		{item(ids[2], "Remark", strings.Repeat("r", 97)), 30001},
		{item(ids[3], "AddWording", strings.Repeat("w", 257)), 30001},
		{item(ids[4], "GroupName", []string{strings.Repeat("g", 31)}), 30001},
		{item(ids[5], "GroupName", []string{""}), 30001},
		{item(ids[6], "CustomItem", custom("Tag_SNS_Custom_ZZZZ", "x")), 30001}, // not declared
		{item(ids[7], "CustomItem", custom("Tag_Profile_Custom_Test", "x")), 30001},
		{item(ids[8], "CustomItem", custom("Tag_SNS_Custom_Test", []string{"x"})), 30001},
		{item(ids[9], "CustomItem", custom("Tag_SNS_Custom_Test", strings.Repeat("v", 501))), 30001},
		{item(ids[10], "GroupName", []string{"g1", "g2", "g3"}), 30011},
		{item(ids[11], "GroupName", []string{"g1", "g2"}), 0},
		{item(ids[12], "GroupName", []string{"g3"}), 30011},
		{item(ids[13], "CustomItem", custom("Tag_SNS_Custom_Test", 42)), 0},
		{item("ghost"), 30003},
		{item("friend"), 30001},
	}
	items := make([]any, len(cases))
	want := make([]snsItem, len(cases))
	for i, c := range cases {
		items[i] = c.item
		want[i] = snsItem{c.item["To_Account"].(string), c.code}
	}
	resp := s.Call("sns/friend_import", map[string]any{"From_Account": "a", "AddFriendItem": items})
	snsBatch(t, resp, "ResultItem", want...)
	got := snsFriendIDs(s, "a")
	if len(got) != 3 {
		t.Errorf("friends after import = %v, want friend, %s, %s", got, ids[11], ids[13])
	}
	if v := snsRow(t, s, "a", ids[13])["Tag_SNS_Custom_Test"]; fmt.Sprintf("%T %v", v, v) != "json.Number 42" {
		t.Errorf("integer custom value came back as %T %v", v, v)
	}

	for _, c := range []struct {
		name, body string
	}{
		{"empty AddFriendItem", `{"From_Account":"a","AddFriendItem":[]}`},
		{"no AddFriendItem", `{"From_Account":"a"}`},
		{"GroupName a string", `{"From_Account":"a","AddFriendItem":[{"To_Account":"t015","AddSource":"AddSource_Type_X","GroupName":"g1"}]}`},
		{"AddTime a string", `{"From_Account":"a","AddFriendItem":[{"To_Account":"t015","AddSource":"AddSource_Type_X","AddTime":"1"}]}`},
		{"1001 items", snsJSON(t, map[string]any{"From_Account": "a", "AddFriendItem": make([]map[string]any, 1001)})},
	} {
		t.Run(c.name, func(t *testing.T) {
			s.T = t
			snsFail(t, s.Call("sns/friend_import", c.body), 30001)
		})
	}
}

// The seed's friend_update samples on existing friends.
func TestSNSFriendUpdateSeedSamples(t *testing.T) {
	s := resttest.Start(t)
	s.Import("id", "id1", "id2", "id3")
	snsImportFriends(s, "id", "id1", "id2", "id3")

	t.Run("basic", func(t *testing.T) {
		s.T = t
		resp := s.Call("sns/friend_update", `{"From_Account":"id","UpdateItem":[{"To_Account":"id1",
			"SnsItem":[{"Tag":"Tag_SNS_IM_Remark","Value":"remark1"}]}]}`)
		snsAllZero(t, resp, "ResultItem", "id1")
		row := snsRow(t, s, "id", "id1")
		if row["Tag_SNS_IM_Remark"] != "remark1" {
			t.Errorf("remark = %v", row["Tag_SNS_IM_Remark"])
		}
		if rt := snsIsInt(t, row["Tag_SNS_IM_RemarkTime"], "RemarkTime"); rt < time.Now().Unix()-60 {
			t.Errorf("RemarkTime %d is not the update time", rt)
		}
	})

	t.Run("complete", func(t *testing.T) {
		s.T = t
		resp := s.Call("sns/friend_update", `{"From_Account":"id","UpdateItem":[{"To_Account":"id1","SnsItem":[
			{"Tag":"Tag_SNS_IM_Remark","Value":"remark1"},
			{"Tag":"Tag_SNS_IM_Group","Value":["group1","group2"]},
			{"Tag":"Tag_SNS_Custom_Test","Value":"test"}]}]}`)
		snsAllZero(t, resp, "ResultItem", "id1")
		row := snsRow(t, s, "id", "id1")
		snsSameJSON(t, map[string]any{"r": row["Tag_SNS_IM_Remark"], "g": row["Tag_SNS_IM_Group"], "c": row["Tag_SNS_Custom_Test"]},
			map[string]string{"r": `"remark1"`, "g": `["group1","group2"]`, "c": `"test"`})
		want := map[string][]string{"group1": {"id1"}, "group2": {"id1"}}
		if got := snsListMembers(t, s, "id"); !reflect.DeepEqual(got, want) {
			t.Errorf("lists = %v, want %v", got, want)
		}
	})

	t.Run("batch", func(t *testing.T) {
		s.T = t
		resp := s.Call("sns/friend_update", `{"From_Account":"id","UpdateItem":[
			{"To_Account":"id1","SnsItem":[{"Tag":"Tag_SNS_IM_Remark","Value":"remark1"}]},
			{"To_Account":"id2","SnsItem":[{"Tag":"Tag_SNS_IM_Remark","Value":"remark2"},{"Tag":"Tag_SNS_IM_Group","Value":["group1","group2"]}]},
			{"To_Account":"id3","SnsItem":[{"Tag":"Tag_SNS_IM_Remark","Value":"remark3"},{"Tag":"Tag_SNS_IM_Group","Value":["group3"]},
				{"Tag":"Tag_SNS_Custom_Test","Value":"test"}]}]}`)
		snsAllZero(t, resp, "ResultItem", "id1", "id2", "id3")
		want := map[string][]string{"group1": {"id1", "id2"}, "group2": {"id1", "id2"}, "group3": {"id3"}}
		if got := snsListMembers(t, s, "id"); !reflect.DeepEqual(got, want) {
			t.Errorf("lists = %v, want %v", got, want)
		}
		// Setting Tag_SNS_IM_Group replaces the friend's lists.
		s.MustOK("sns/friend_update", `{"From_Account":"id","UpdateItem":[{"To_Account":"id1","SnsItem":[{"Tag":"Tag_SNS_IM_Group","Value":["group3"]}]}]}`)
		want = map[string][]string{"group1": {"id2"}, "group2": {"id2"}, "group3": {"id1", "id3"}}
		if got := snsListMembers(t, s, "id"); !reflect.DeepEqual(got, want) {
			t.Errorf("lists after replacing id1's = %v, want %v", got, want)
		}
	})
}

// The seed's batch sample with the friend-list cap reached on id2 (30011):
// the other items are applied, the batch answers OK/0.
func TestSNSFriendUpdateBatchFailures(t *testing.T) {
	s := resttest.Start(t, func(a *app.App) { a.Limits.MaxFriendLists = 1 })
	s.Import("id", "id1", "id2", "id3")
	snsImportFriends(s, "id", "id1", "id2", "id3")
	resp := s.Call("sns/friend_update", `{"From_Account":"id","UpdateItem":[
		{"To_Account":"id1","SnsItem":[{"Tag":"Tag_SNS_IM_Remark","Value":"remark1"}]},
		{"To_Account":"id2","SnsItem":[{"Tag":"Tag_SNS_IM_Remark","Value":"remark2"},{"Tag":"Tag_SNS_IM_Group","Value":["group1","group2"]}]},
		{"To_Account":"id3","SnsItem":[{"Tag":"Tag_SNS_IM_Remark","Value":"remark3"},{"Tag":"Tag_SNS_IM_Group","Value":["group3"]},
			{"Tag":"Tag_SNS_Custom_Test","Value":"test"}]}]}`)
	snsBatch(t, resp, "ResultItem", snsItem{"id1", 0}, snsItem{"id2", 30011}, snsItem{"id3", 0})
	if r := snsRow(t, s, "id", "id2")["Tag_SNS_IM_Remark"]; r != nil {
		t.Errorf("failed item was partly applied: remark %v", r)
	}
	row := snsRow(t, s, "id", "id3")
	if row["Tag_SNS_IM_Remark"] != "remark3" || row["Tag_SNS_Custom_Test"] != "test" {
		t.Errorf("id3 = %v", row)
	}
	if got := snsListMembers(t, s, "id"); !reflect.DeepEqual(got, map[string][]string{"group3": {"id3"}}) {
		t.Errorf("lists = %v", got)
	}
}

func TestSNSFriendUpdateErrors(t *testing.T) {
	s := resttest.Start(t)
	s.Import("a", "f", "stranger")
	snsImportFriends(s, "a", "f")
	s.MustOK("sns/friend_update", `{"From_Account":"a","UpdateItem":[{"To_Account":"f","SnsItem":[{"Tag":"Tag_SNS_IM_Remark","Value":"keep"}]}]}`)
	cases := []struct {
		name string
		to   string
		sns  string
		code int
	}{
		{"AddSource not updatable", "f", `[{"Tag":"Tag_SNS_IM_AddSource","Value":"AddSource_Type_Web"}]`, 30001},
		{"AddTime not updatable", "f", `[{"Tag":"Tag_SNS_IM_AddTime","Value":1}]`, 30001},
		{"AddWording not updatable", "f", `[{"Tag":"Tag_SNS_IM_AddWording","Value":"hi"}]`, 30001},
		{"profile tag", "f", `[{"Tag":"Tag_Profile_IM_Nick","Value":"n"}]`, 30001},
		{"undeclared custom", "f", `[{"Tag":"Tag_SNS_Custom_ZZZZ","Value":"x"}]`, 30001},
		{"remark a number", "f", `[{"Tag":"Tag_SNS_IM_Remark","Value":5}]`, 30001},
		{"remark too long", "f", `[{"Tag":"Tag_SNS_IM_Remark","Value":"` + strings.Repeat("r", 97) + `"}]`, 30001},
		{"group a string", "f", `[{"Tag":"Tag_SNS_IM_Group","Value":"g"}]`, 30001},
		{"group name too long", "f", `[{"Tag":"Tag_SNS_IM_Group","Value":["` + strings.Repeat("g", 31) + `"]}]`, 30001},
		{"custom an array", "f", `[{"Tag":"Tag_SNS_Custom_Test","Value":["x"]}]`, 30001},
		{"valid remark then bad tag", "f", `[{"Tag":"Tag_SNS_IM_Remark","Value":"changed"},{"Tag":"Tag_SNS_IM_AddSource","Value":"x"}]`, 30001},
		{"empty SnsItem", "f", `[]`, 30001},
		{"not a friend", "stranger", `[{"Tag":"Tag_SNS_IM_Remark","Value":"x"}]`, 30001},
		{"no such account", "ghost", `[{"Tag":"Tag_SNS_IM_Remark","Value":"x"}]`, 30001},
		{"self", "a", `[{"Tag":"Tag_SNS_IM_Remark","Value":"x"}]`, 30001},
		{"remark at 96 bytes", "f", `[{"Tag":"Tag_SNS_IM_Remark","Value":"` + strings.Repeat("好", 32) + `"}]`, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.T = t
			before := snsRow(t, s, "a", "f")
			resp := s.Call("sns/friend_update", `{"From_Account":"a","UpdateItem":[{"To_Account":"`+c.to+`","SnsItem":`+c.sns+`}]}`)
			snsBatch(t, resp, "ResultItem", snsItem{c.to, c.code})
			if after := snsRow(t, s, "a", "f"); c.code != 0 && !reflect.DeepEqual(before, after) {
				t.Errorf("failed update changed the row: %v → %v", before, after)
			}
		})
	}
	s.T = t
	for _, body := range []string{
		`{"From_Account":"a","UpdateItem":[]}`,
		`{"From_Account":"a"}`,
		`{"From_Account":"a","UpdateItem":{"To_Account":"f"}}`,
		`{"From_Account":"a","UpdateItem":[{"To_Account":"f","SnsItem":{"Tag":"Tag_SNS_IM_Remark","Value":"x"}}]}`,
		snsJSON(t, map[string]any{"From_Account": "a", "UpdateItem": make([]map[string]any, 1001)}),
	} {
		snsFail(t, s.Call("sns/friend_update", body), 30001)
	}
	if r := snsRow(t, s, "a", "f")["Tag_SNS_IM_Remark"]; r != strings.Repeat("好", 32) {
		t.Errorf("remark = %v", r)
	}
	// Setting a custom field to "" clears it.
	s.MustOK("sns/friend_update", `{"From_Account":"a","UpdateItem":[{"To_Account":"f","SnsItem":[{"Tag":"Tag_SNS_Custom_Test","Value":"v"}]}]}`)
	if v := snsRow(t, s, "a", "f")["Tag_SNS_Custom_Test"]; v != "v" {
		t.Errorf("custom = %v", v)
	}
	s.MustOK("sns/friend_update", `{"From_Account":"a","UpdateItem":[{"To_Account":"f","SnsItem":[{"Tag":"Tag_SNS_Custom_Test","Value":""}]}]}`)
	if v, ok := snsRow(t, s, "a", "f")["Tag_SNS_Custom_Test"]; ok {
		t.Errorf("cleared custom still listed: %v", v)
	}
}
