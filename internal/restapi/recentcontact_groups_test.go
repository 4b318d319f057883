package restapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

func TestRecentContactGroupSamples(t *testing.T) {
	s := resttest.Start(t)
	s.Import("user15", "user20", "user0", "user1")

	// create_contact_group: the sample request (its response names another
	// group, test2; ours answers for the group created).
	resp := s.Call("recentcontact/create_contact_group", `{ "From_Account":"user15", "GroupContactItem":[ { "GroupName":"test0",
		"ContactItem": [ { "Type": 1, "To_Account": "user0" } ] } ] }`)
	rcSame(t, "create_contact_group", resp, `{ "GroupResultItem": [ { "GroupItem": { "GroupName": "test0", "GroupId": 1 },
		"ResultItem": [ { "ContactItem": { "Type": 1, "To_Account": "user0" }, "ResultCode": 0, "ResultInfo": "" } ] } ],
		"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": "" }`)

	// get_contact_group: the grouped conversation and the groups.
	resp = s.Call("recentcontact/get_contact_group", `{ "From_Account":"user15", "StartIndex":0 }`)
	rcSame(t, "get_contact_group", resp, `{ "ContactItem": [ { "Type": 1, "To_Account": "user0", "StandardMark": "0",
		"ContactGroupId": [ 1 ], "Timestamp": "*" } ], "GroupItem": [ { "GroupName": "test0", "GroupId": 1 } ],
		"CompleteFlag": 1, "NextStartIndex": 0, "ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": "" }`, "Timestamp")

	// update_contact_group: the sample adds user1 to test1.
	s.MustOK("recentcontact/create_contact_group", `{ "From_Account":"user20", "GroupContactItem":[ { "GroupName":"test1",
		"ContactItem": [ { "Type": 1, "To_Account": "user0" } ] } ] }`)
	resp = s.Call("recentcontact/update_contact_group", `{ "From_Account":"user20", "UpdateType":1, "UpdateGroup":{
		"UpdateGroupType":2, "OldGroupName":"test1", "ContactUpdateItem":[ { "ContactOptType":1,
		"ContactItem":{ "Type": 1, "To_Account": "user1" } } ] } }`)
	rcSame(t, "update_contact_group", resp, `{ "UpdateType": 1, "UpdateGroupResult": { "UpdateGroupType": 2, "GroupName": "test1",
		"GroupId": 1, "OldGroupName": "test1", "ContactResultItem": [ { "ContactOptType": 1,
		"ContactItem": { "Type": 1, "To_Account": "user1" }, "ResultCode": 0, "ResultInfo": "" } ] },
		"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": "" }`)
	// Rename (UpdateGroupType 1) and remove user0 at once.
	resp = s.MustOK("recentcontact/update_contact_group", `{ "From_Account":"user20", "UpdateType":1, "UpdateGroup":{
		"UpdateGroupType":1, "OldGroupName":"test1", "NewGroupName":"test1x", "ContactUpdateItem":[ { "ContactOptType":2,
		"ContactItem":{ "Type": 1, "To_Account": "user0" } } ] } }`)
	rcSame(t, "rename", resp, `{ "UpdateType": 1, "UpdateGroupResult": { "UpdateGroupType": 1, "GroupName": "test1x",
		"GroupId": 1, "OldGroupName": "test1", "ContactResultItem": [ { "ContactOptType": 2,
		"ContactItem": { "Type": 1, "To_Account": "user0" }, "ResultCode": 0, "ResultInfo": "" } ] },
		"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": "" }`)
	resp = s.MustOK("recentcontact/search_contact_group", `{ "From_Account":"user20", "ContactItem":[ { "Type":1, "To_Account":"user0" },
		{ "Type":1, "To_Account":"user1" } ] }`)
	rcSame(t, "user20 after the update", resp, `{ "ContactResultItem": [ { "Type": 1, "To_Account": "user1", "StandardMark": "0",
		"ContactGroupId": [ 1 ], "Timestamp": "*" } ], "GroupItem": [ { "GroupName": "test1x", "GroupId": 1 } ],
		"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": "" }`, "Timestamp")

	// del_contact_group: the sample.
	resp = s.Call("recentcontact/del_contact_group", `{ "From_Account":"user15", "GroupName":["test0"] }`)
	rcSame(t, "del_contact_group", resp, `{ "GroupItem": [ { "GroupName": "test0", "GroupId": 1 } ],
		"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": "" }`)
	rcWant(t, "deleting it again", s.Call("recentcontact/del_contact_group", `{ "From_Account":"user15", "GroupName":["test0"] }`), 51009)
	resp = s.MustOK("recentcontact/get_contact_group", `{ "From_Account":"user15", "StartIndex":0 }`)
	rcSame(t, "user15's data after deleting its only group", resp, `{ "ContactItem": [], "GroupItem": [],
		"CompleteFlag": 1, "NextStartIndex": 0, "ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": "" }`)
}

func TestRecentContactMarkSamples(t *testing.T) {
	s := resttest.Start(t)
	s.Import("user0", "user1", "yahaha", "xixi")
	// mark_contact: the sample sets marks 1-3 and a custom mark.
	resp := s.Call("recentcontact/mark_contact", `{ "From_Account":"user0", "MarkItem":[ { "OptType":3,
		"ContactItem":{ "Type":1, "To_Account":"user1" }, "SetMark":[1,2,3], "CustomMark":"abcd" } ] }`)
	rcSame(t, "mark_contact", resp, `{ "ResultItem": [ { "OptType":3, "ContactItem": { "Type": 1, "To_Account": "user1" },
		"ResultCode": 0, "ResultInfo": "" } ], "ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": "" }`)
	search := func(from, body string) map[string]any {
		return s.MustOK("recentcontact/search_contact_group", `{ "From_Account":"`+from+`", "ContactItem":[ `+body+` ] }`)
	}
	rcSame(t, "search after the sample", search("user0", `{ "Type":1, "To_Account":"user1" }`),
		`{ "ContactResultItem": [ { "Type": 1, "To_Account": "user1", "StandardMark": "111", "CustomMark": "abcd",
		"Timestamp": "*" } ], "GroupItem": [], "ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": "" }`, "Timestamp")

	// OptType 1 touches the standard marks only, 2 the custom mark only.
	s.MustOK("recentcontact/mark_contact", `{ "From_Account":"user0", "MarkItem":[
		{ "OptType":1, "ContactItem":{ "Type":1, "To_Account":"user1" }, "ClearMark":[2], "SetMark":[8,33], "CustomMark":"ignored" },
		{ "OptType":2, "ContactItem":{ "Type":"1", "To_Account":"xixi" }, "SetMark":[1], "CustomMark":"only this" } ] }`)
	rcSame(t, "after OptType 1 and 2", search("user0", `{ "Type":1, "To_Account":"user1" }, { "Type":"1", "To_Account":"xixi" }`),
		`{ "ContactResultItem": [
		{ "Type": 1, "To_Account": "user1", "StandardMark": "101000010000000000000000000000001", "CustomMark": "abcd", "Timestamp": "*" },
		{ "Type": 1, "To_Account": "xixi", "StandardMark": "0", "CustomMark": "only this", "Timestamp": "*" } ],
		"GroupItem": [], "ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": "" }`, "Timestamp")

	// search_contact_group: the sample's shape, with yahaha's data made
	// first (groups 1 and 2 holding xixi, marks 2-8).
	s.MustOK("recentcontact/create_contact_group", `{ "From_Account":"yahaha", "GroupContactItem":[ { "GroupName":"test1x",
		"ContactItem": [ { "Type": 1, "To_Account": "xixi" } ] } ] }`)
	s.MustOK("recentcontact/create_contact_group", `{ "From_Account":"yahaha", "GroupContactItem":[ { "GroupName":"test10",
		"ContactItem": [ { "Type": 1, "To_Account": "xixi" } ] } ] }`)
	s.MustOK("recentcontact/mark_contact", `{ "From_Account":"yahaha", "MarkItem":[ { "OptType":3,
		"ContactItem":{ "Type":1, "To_Account":"xixi" }, "SetMark":[2,3,4,5,6,7,8], "CustomMark":"xxyyyzzzfffffffxxx111111" } ] }`)
	resp = s.Call("recentcontact/search_contact_group", `{ "From_Account":"yahaha", "ContactItem":[ { "Type":1, "To_Account":"xixi" } ] }`)
	rcSame(t, "search_contact_group", resp, `{ "ContactResultItem": [ { "Type": 1, "To_Account": "xixi", "StandardMark": "01111111",
		"CustomMark": "xxyyyzzzfffffffxxx111111", "ContactGroupId": [ 1, 2 ], "Timestamp": "*" } ],
		"GroupItem": [ { "GroupName": "test1x", "GroupId": 1 }, { "GroupName": "test10", "GroupId": 2 } ],
		"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": "" }`, "Timestamp")

	// Clearing everything of a conversation with no group drops its data.
	s.MustOK("recentcontact/mark_contact", `{ "From_Account":"user0", "MarkItem":[ { "OptType":2,
		"ContactItem":{ "Type":1, "To_Account":"xixi" } } ] }`)
	resp = s.MustOK("recentcontact/get_contact_group", `{ "From_Account":"user0", "StartIndex":0 }`)
	if items := resttest.Items(resp, "ContactItem"); len(items) != 1 || items[0]["To_Account"] != "user1" {
		t.Fatalf("user0's data: %v", resp)
	}
}

func TestRecentContactGroupCodes(t *testing.T) {
	s := resttest.Start(t)
	s.Import("u", "peer")
	create := func(name string, contacts string) map[string]any {
		return s.Call("recentcontact/create_contact_group", `{ "From_Account":"u", "GroupContactItem":[ { "GroupName":"`+name+`",
			"ContactItem": [ `+contacts+` ] } ] }`)
	}
	peer := `{ "Type": 1, "To_Account": "peer" }`
	// Names: 32 bytes pass, 33 are 51011; none is 50002; a taken one 50002.
	rcWant(t, "32-byte name", create(strings.Repeat("n", 32), peer), 0)
	rcWant(t, "33-byte name", create(strings.Repeat("n", 33), peer), 51011)
	rcWant(t, "empty name", create("", peer), 51011)
	rcWant(t, "taken name", create(strings.Repeat("n", 32), peer), 50002)
	rcWant(t, "no conversation", create("g", ``), 50002)
	// Per-conversation results: a group conversation (no such group),
	// malformed items.
	resp := create("mixed", peer+`, { "Type": 2, "ToGroupId": "@TGS#1N3RSUYG2" }, { "Type": 3, "To_Account": "peer" }, { "Type": 1 }`)
	rcWant(t, "mixed", resp, 0)
	items := resttest.Items(resttest.Items(resp, "GroupResultItem")[0], "ResultItem")
	var codes []int
	for _, it := range items {
		codes = append(codes, resttest.Int(it["ResultCode"]))
	}
	if fmt.Sprint(codes) != "[0 51007 50002 50002]" {
		t.Fatalf("mixed results: %v", resp)
	}
	if ci := items[1]["ContactItem"].(map[string]any); ci["ToGroupId"] != "@TGS#1N3RSUYG2" || resttest.Int(ci["Type"]) != 2 {
		t.Fatalf("a group contact item is echoed: %v", ci)
	}
	for i := 3; i <= 20; i++ {
		rcWant(t, fmt.Sprintf("group %d", i), create(fmt.Sprintf("g%02d", i), peer), 0)
	}
	rcWant(t, "21st group", create("g21", peer), 51010)
	rcWant(t, "two groups at once", s.Call("recentcontact/create_contact_group", `{ "From_Account":"u", "GroupContactItem":[
		{ "GroupName":"a", "ContactItem": [ `+peer+` ] }, { "GroupName":"b", "ContactItem": [ `+peer+` ] } ] }`), 50002)
	rcWant(t, "unknown user", s.Call("recentcontact/create_contact_group", `{ "From_Account":"ghost", "GroupContactItem":[
		{ "GroupName":"a", "ContactItem": [ `+peer+` ] } ] }`), 50001)

	// update_contact_group.
	update := func(body string) map[string]any {
		return s.Call("recentcontact/update_contact_group", `{ "From_Account":"u", `+body+` }`)
	}
	rcWant(t, "UpdateType 2", update(`"UpdateType":2, "UpdateGroup":{ "UpdateGroupType":2, "OldGroupName":"g03" }`), 50002)
	rcWant(t, "UpdateGroupType 3", update(`"UpdateType":1, "UpdateGroup":{ "UpdateGroupType":3, "OldGroupName":"g03" }`), 50002)
	rcWant(t, "unknown group", update(`"UpdateType":1, "UpdateGroup":{ "UpdateGroupType":2, "OldGroupName":"nope" }`), 51009)
	rcWant(t, "rename without a name", update(`"UpdateType":1, "UpdateGroup":{ "UpdateGroupType":1, "OldGroupName":"g03" }`), 50002)
	rcWant(t, "rename too long", update(`"UpdateType":1, "UpdateGroup":{ "UpdateGroupType":1, "OldGroupName":"g03",
		"NewGroupName":"`+strings.Repeat("x", 33)+`" }`), 51011)
	rcWant(t, "rename to a taken name", update(`"UpdateType":1, "UpdateGroup":{ "UpdateGroupType":1, "OldGroupName":"g03",
		"NewGroupName":"g04" }`), 50002)
	resp = update(`"UpdateType":1, "UpdateGroup":{ "UpdateGroupType":2, "OldGroupName":"g03", "ContactUpdateItem":[
		{ "ContactOptType":3, "ContactItem": ` + peer + ` }, { "ContactOptType":2, "ContactItem": ` + peer + ` },
		{ "ContactOptType":1, "ContactItem": { "Type": 2, "ToGroupId": "g" } } ] }`)
	rcWant(t, "per-item update", resp, 0)
	codes = nil
	for _, it := range resttest.Items(resp["UpdateGroupResult"].(map[string]any), "ContactResultItem") {
		codes = append(codes, resttest.Int(it["ResultCode"]))
	}
	if fmt.Sprint(codes) != "[50002 0 51007]" {
		t.Fatalf("per-item update: %v", resp)
	}

	// del_contact_group: all or nothing.
	rcWant(t, "delete with a missing group", s.Call("recentcontact/del_contact_group",
		`{ "From_Account":"u", "GroupName":["g04","nope"] }`), 51009)
	rcWant(t, "delete nothing", s.Call("recentcontact/del_contact_group", `{ "From_Account":"u", "GroupName":[] }`), 50002)
	resp = s.MustOK("recentcontact/get_contact_group", `{ "From_Account":"u", "StartIndex":0 }`)
	if n := len(resttest.Items(resp, "GroupItem")); n != 20 {
		t.Fatalf("groups after failed deletes: %d", n)
	}
	rcWant(t, "get for an unknown user", s.Call("recentcontact/get_contact_group", `{ "From_Account":"ghost", "StartIndex":0 }`), 50001)
	rcWant(t, "negative start", s.Call("recentcontact/get_contact_group", `{ "From_Account":"u", "StartIndex":-1 }`), 50002)
	rcWant(t, "not an admin", rcAsUser(s, "recentcontact/create_contact_group", `{}`), 50003)
}

func TestRecentContactMarkCodes(t *testing.T) {
	s := resttest.Start(t)
	s.Import("u")
	mark := func(items ...string) map[string]any {
		return s.Call("recentcontact/mark_contact", `{ "From_Account":"u", "MarkItem":[ `+strings.Join(items, ",")+` ] }`)
	}
	item := func(peer string, set string) string {
		return `{ "OptType":1, "ContactItem":{ "Type":1, "To_Account":"` + peer + `" }, "SetMark":[` + set + `] }`
	}
	rcWant(t, "no item", mark(), 51006)
	many := make([]string, 101)
	for i := range many {
		many[i] = item("p", "1")
	}
	rcWant(t, "101 items", mark(many...), 51006)
	resp := mark(item("p", "0"), item("p", "65"), `{ "OptType":4, "ContactItem":{ "Type":1, "To_Account":"p" } }`,
		`{ "OptType":3, "ContactItem":{ "Type":2, "ToGroupId":"g" }, "SetMark":[1] }`,
		`{ "OptType":2, "ContactItem":{ "Type":1, "To_Account":"p" }, "CustomMark":"`+strings.Repeat("c", 257)+`" }`,
		item("p", "64"))
	rcWant(t, "mixed", resp, 0)
	var codes []int
	for _, it := range resttest.Items(resp, "ResultItem") {
		codes = append(codes, resttest.Int(it["ResultCode"]))
	}
	if fmt.Sprint(codes) != "[50002 50002 50002 51007 50002 0]" {
		t.Fatalf("mixed: %v", resp)
	}
	// The group/mark data holds at most 1000 conversations.
	for start := 1; start < 1000; start += 100 {
		batch := make([]string, 0, 100)
		for i := start; i < start+100 && i < 1000; i++ {
			batch = append(batch, item(fmt.Sprintf("q%04d", i), "1"))
		}
		rcWant(t, "filling", mark(batch...), 0)
	}
	resp = mark(item("one_more", "1"), item("p", "2"))
	got := []int{resttest.Int(resttest.Items(resp, "ResultItem")[0]["ResultCode"]), resttest.Int(resttest.Items(resp, "ResultItem")[1]["ResultCode"])}
	if fmt.Sprint(got) != "[51008 0]" {
		t.Fatalf("at the cap: %v", resp)
	}
	// A group that would bring the data over 1000 takes nothing more.
	resp = s.MustOK("recentcontact/create_contact_group", `{ "From_Account":"u", "GroupContactItem":[ { "GroupName":"full",
		"ContactItem": [ { "Type": 1, "To_Account": "q0001" }, { "Type": 1, "To_Account": "newcomer" } ] } ] }`)
	items := resttest.Items(resttest.Items(resp, "GroupResultItem")[0], "ResultItem")
	if resttest.Int(items[0]["ResultCode"]) != 0 || resttest.Int(items[1]["ResultCode"]) != 51008 {
		t.Fatalf("group at the cap: %v", resp)
	}
	// Paging the 1000 conversations: 100 a page.
	start, pages, total := 0, 0, 0
	for {
		resp := s.MustOK("recentcontact/get_contact_group", map[string]any{"From_Account": "u", "StartIndex": start})
		pages++
		total += len(resttest.Items(resp, "ContactItem"))
		if resttest.Int(resp["CompleteFlag"]) == 1 {
			break
		}
		start = resttest.Int(resp["NextStartIndex"])
	}
	if pages != 10 || total != 1000 {
		t.Fatalf("paged %d conversations in %d pages", total, pages)
	}
	rcWant(t, "search nothing", s.Call("recentcontact/search_contact_group", `{ "From_Account":"u", "ContactItem":[] }`), 50002)
	many = make([]string, 301)
	for i := range many {
		many[i] = `{ "Type":1, "To_Account":"p" }`
	}
	rcWant(t, "search 301", s.Call("recentcontact/search_contact_group", `{ "From_Account":"u", "ContactItem":[ `+strings.Join(many, ",")+` ] }`), 50002)
	rcWant(t, "search a bad type", s.Call("recentcontact/search_contact_group", `{ "From_Account":"u", "ContactItem":[ { "Type":"x" } ] }`), 50002)
	rcWant(t, "mark for an unknown user", s.Call("recentcontact/mark_contact", `{ "From_Account":"ghost", "MarkItem":[ `+item("p", "1")+` ] }`), 50001)
}
