package restapi_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

// Helpers in this file carry the "acct" prefix.

func acctCheck(t *testing.T, s *resttest.Server, users ...string) map[string]string {
	t.Helper()
	items := make([]map[string]string, len(users))
	for i, u := range users {
		items[i] = map[string]string{"UserID": u}
	}
	resp := s.MustOK("im_open_login_svc/account_check", map[string]any{"CheckItem": items})
	out := map[string]string{}
	for _, it := range resttest.Items(resp, "ResultItem") {
		out[it["UserID"].(string)] = it["AccountStatus"].(string)
	}
	return out
}

func acctStatus(t *testing.T, s *resttest.Server, user string) string {
	t.Helper()
	return acctCheck(t, s, user)[user]
}

// acctProfile returns the user's values for tags via portrait_get.
func acctProfile(t *testing.T, s *resttest.Server, user string, tags ...string) map[string]any {
	t.Helper()
	resp := s.MustOK("profile/portrait_get", map[string]any{"To_Account": []string{user}, "TagList": tags})
	items := resttest.Items(resp, "UserProfileItem")
	if len(items) != 1 || resttest.Int(items[0]["ResultCode"]) != 0 {
		t.Fatalf("portrait_get %s: %v", user, resp)
	}
	out := map[string]any{}
	raw, _ := items[0]["ProfileItem"].([]any)
	for _, p := range raw {
		m := p.(map[string]any)
		out[m["Tag"].(string)] = m["Value"]
	}
	return out
}

func acctCode(t *testing.T, s *resttest.Server, api string, body any, want int) map[string]any {
	t.Helper()
	resp := s.Call(api, body)
	protoEnv(t, fmt.Sprintf("%s %v", api, body), resp, want, strings.HasPrefix(api, "profile/") || strings.HasPrefix(api, "sns/"))
	return resp
}

func TestAccountImportUserID(t *testing.T) {
	s := resttest.Start(t)
	resp := acctCode(t, s, "im_open_login_svc/account_import", map[string]any{"UserID": "alice", "Nick": "Alice", "FaceUrl": "http://www.qq.com/a.png"}, 0)
	if len(resp) != 3 {
		t.Fatalf("account_import answer has extra fields: %v", resp)
	}
	if st := acctStatus(t, s, "alice"); st != "Imported" {
		t.Fatalf("alice %s", st)
	}
	p := acctProfile(t, s, "alice", "Tag_Profile_IM_Nick", "Tag_Profile_IM_Image")
	if p["Tag_Profile_IM_Nick"] != "Alice" || p["Tag_Profile_IM_Image"] != "http://www.qq.com/a.png" {
		t.Fatalf("profile %v", p)
	}
	// The spec's sample request.
	acctCode(t, s, "im_open_login_svc/account_import", `{ "UserID":"test", "Nick":"test", "FaceUrl":"http://www.qq.com" }`, 0)
	p = acctProfile(t, s, "test", "Tag_Profile_IM_Nick", "Tag_Profile_IM_Image")
	if p["Tag_Profile_IM_Nick"] != "test" || p["Tag_Profile_IM_Image"] != "http://www.qq.com" {
		t.Fatalf("profile %v", p)
	}
}

func TestAccountImportLegacyIdentifier(t *testing.T) {
	s := resttest.Start(t)
	acctCode(t, s, "im_open_login_svc/account_import", map[string]any{"Identifier": "bob", "Nick": "Bob", "FaceUrl": ""}, 0)
	if st := acctStatus(t, s, "bob"); st != "Imported" {
		t.Fatalf("bob %s", st)
	}
	p := acctProfile(t, s, "bob", "Tag_Profile_IM_Nick", "Tag_Profile_IM_Image")
	if p["Tag_Profile_IM_Nick"] != "Bob" || p["Tag_Profile_IM_Image"] != "" {
		t.Fatalf("profile %v", p)
	}
	// Empty Nick and FaceUrl (as dobyte sends them) leave an empty profile.
	acctCode(t, s, "im_open_login_svc/account_import", map[string]any{"UserID": "carol", "Nick": "", "FaceUrl": ""}, 0)
	p = acctProfile(t, s, "carol", "Tag_Profile_IM_Nick")
	if p["Tag_Profile_IM_Nick"] != "" {
		t.Fatalf("profile %v", p)
	}
}

func TestAccountReimportIsOK(t *testing.T) {
	s := resttest.Start(t)
	acctCode(t, s, "im_open_login_svc/account_import", map[string]any{"UserID": "dave", "Nick": "Dave"}, 0)
	acctCode(t, s, "im_open_login_svc/account_import", map[string]any{"UserID": "dave"}, 0)
	acctCode(t, s, "im_open_login_svc/account_import", map[string]any{"Identifier": "dave"}, 0)
	s.Import("dave", "dave")
	if st := acctStatus(t, s, "dave"); st != "Imported" {
		t.Fatalf("dave %s", st)
	}
	// A re-import without Nick does not wipe the profile.
	if p := acctProfile(t, s, "dave", "Tag_Profile_IM_Nick"); p["Tag_Profile_IM_Nick"] != "Dave" {
		t.Fatalf("profile after re-import %v", p)
	}
	// The admin account exists from the start; importing it is fine.
	acctCode(t, s, "im_open_login_svc/account_import", map[string]any{"UserID": resttest.Admin}, 0)
}

func TestAccountImportInvalidUserID(t *testing.T) {
	s := resttest.Start(t)
	bad := []string{
		"",
		"has space",
		"slash/id",
		"dot.id",
		"at@id",
		"ünïcode",
		"中文",
		"tab\tid",
		strings.Repeat("a", 33),
	}
	for _, id := range bad {
		acctCode(t, s, "im_open_login_svc/account_import", map[string]any{"UserID": id}, 70402)
		if id != "" {
			if st := acctStatus(t, s, id); st != "NotImported" {
				t.Fatalf("%q was imported", id)
			}
		}
	}
	// Missing UserID, and wrong JSON types.
	acctCode(t, s, "im_open_login_svc/account_import", `{}`, 70402)
	acctCode(t, s, "im_open_login_svc/account_import", `{"Nick":"x"}`, 70402)
	acctCode(t, s, "im_open_login_svc/account_import", `{"UserID":123}`, 70402)
	acctCode(t, s, "im_open_login_svc/account_import", `{"UserID":"ok1","Nick":5}`, 70402)
	acctCode(t, s, "im_open_login_svc/account_import", `["x"]`, 70402)

	// The limits themselves are accepted.
	for _, id := range []string{strings.Repeat("a", 32), "a", "A-b_9"} {
		acctCode(t, s, "im_open_login_svc/account_import", map[string]any{"UserID": id}, 0)
		if st := acctStatus(t, s, id); st != "Imported" {
			t.Fatalf("%q: %s", id, st)
		}
	}
}

func TestAccountImportNickTooLong(t *testing.T) {
	s := resttest.Start(t)
	acctCode(t, s, "im_open_login_svc/account_import", map[string]any{"UserID": "longnick", "Nick": strings.Repeat("n", 501)}, 40601)
	acctCode(t, s, "im_open_login_svc/account_import", map[string]any{"UserID": "longface", "FaceUrl": "http://x/" + strings.Repeat("f", 492)}, 40601)
	// Bytes, not characters: 167 three-byte runes are 501 bytes.
	acctCode(t, s, "im_open_login_svc/account_import", map[string]any{"UserID": "longcjk", "Nick": strings.Repeat("中", 167)}, 40601)
	for _, u := range []string{"longnick", "longface", "longcjk"} {
		if st := acctStatus(t, s, u); st != "NotImported" {
			t.Fatalf("%s was imported despite 40601", u)
		}
	}
	acctCode(t, s, "im_open_login_svc/account_import", map[string]any{"UserID": "nick500", "Nick": strings.Repeat("n", 500)}, 0)
	if p := acctProfile(t, s, "nick500", "Tag_Profile_IM_Nick"); p["Tag_Profile_IM_Nick"] != strings.Repeat("n", 500) {
		t.Fatalf("500-byte nick not stored")
	}
}

func TestAccountMultiImport(t *testing.T) {
	s := resttest.Start(t)
	long := strings.Repeat("z", 33)
	resp := acctCode(t, s, "im_open_login_svc/multiaccount_import", map[string]any{
		"Accounts": []string{"m1", "bad id", "m2", "", long, "m3", "m1", "x/y"},
	}, 0)
	fail, ok := resp["FailAccounts"].([]any)
	if !ok {
		t.Fatalf("FailAccounts missing or not an array: %v", resp)
	}
	want := []any{"bad id", "", long, "x/y"}
	if !reflect.DeepEqual(fail, want) {
		t.Fatalf("FailAccounts %q, want %q", fail, want)
	}
	got := acctCheck(t, s, "m1", "m2", "m3", "bad id", long)
	wantSt := map[string]string{"m1": "Imported", "m2": "Imported", "m3": "Imported", "bad id": "NotImported", long: "NotImported"}
	if !reflect.DeepEqual(got, wantSt) {
		t.Fatalf("account_check %v, want %v", got, wantSt)
	}

	// No failure: FailAccounts is absent.
	resp = acctCode(t, s, "im_open_login_svc/multiaccount_import", `{ "Accounts":["test1","test2","test3","test4","test5"] }`, 0)
	if _, present := resp["FailAccounts"]; present {
		t.Fatalf("FailAccounts present with no failures: %v", resp)
	}
	if len(resp) != 3 {
		t.Fatalf("extra fields: %v", resp)
	}
	// Re-importing existing accounts is not a failure.
	resp = acctCode(t, s, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"test1", "m1"}}, 0)
	if _, present := resp["FailAccounts"]; present {
		t.Fatalf("re-import reported failures: %v", resp)
	}
	// All invalid: still OK at the top level, all listed.
	resp = acctCode(t, s, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"a b", "c d"}}, 0)
	if !reflect.DeepEqual(resp["FailAccounts"], []any{"a b", "c d"}) {
		t.Fatalf("FailAccounts %v", resp["FailAccounts"])
	}
}

func TestAccountMultiImportLimits(t *testing.T) {
	s := resttest.Start(t)
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = fmt.Sprintf("batch%03d", i)
	}
	acctCode(t, s, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": ids}, 70402)
	if st := acctStatus(t, s, ids[0]); st != "NotImported" {
		t.Fatalf("a refused batch imported %s", ids[0])
	}
	resp := acctCode(t, s, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": ids[:100]}, 0)
	if _, present := resp["FailAccounts"]; present {
		t.Fatalf("FailAccounts on a valid batch: %v", resp)
	}
	st := acctCheck(t, s, ids[:100]...)
	for _, id := range ids[:100] {
		if st[id] != "Imported" {
			t.Fatalf("%s: %s", id, st[id])
		}
	}
	acctCode(t, s, "im_open_login_svc/multiaccount_import", `{"Accounts":[]}`, 70402)
	acctCode(t, s, "im_open_login_svc/multiaccount_import", `{}`, 70402)
	acctCode(t, s, "im_open_login_svc/multiaccount_import", `{"Accounts":"solo"}`, 70402)
	acctCode(t, s, "im_open_login_svc/multiaccount_import", `{"Accounts":[1,2]}`, 70402)
}

func TestAccountCheck(t *testing.T) {
	s := resttest.Start(t)
	s.Import("UserID_1", "c3")
	resp := acctCode(t, s, "im_open_login_svc/account_check", `{ "CheckItem": [ { "UserID":"UserID_1" }, { "UserID":"UserID_2" }, { "UserID":"c3" }, { "UserID":"UserID_1" } ] }`, 0)
	items := resttest.Items(resp, "ResultItem")
	want := []struct{ user, status string }{{"UserID_1", "Imported"}, {"UserID_2", "NotImported"}, {"c3", "Imported"}, {"UserID_1", "Imported"}}
	if len(items) != len(want) {
		t.Fatalf("ResultItem %v", items)
	}
	for i, w := range want {
		it := items[i]
		if it["UserID"] != w.user || it["AccountStatus"] != w.status {
			t.Fatalf("item %d %v, want %s %s", i, it, w.user, w.status)
		}
		if rc, ok := it["ResultCode"].(json.Number); !ok || rc.String() != "0" {
			t.Fatalf("item %d ResultCode %#v", i, it["ResultCode"])
		}
		if it["ResultInfo"] != "" {
			t.Fatalf("item %d ResultInfo %#v", i, it["ResultInfo"])
		}
		if len(it) != 4 {
			t.Fatalf("item %d has fields %v, want UserID/ResultCode/ResultInfo/AccountStatus", i, it)
		}
	}
	// Case matters in UserIDs.
	if st := acctStatus(t, s, "userid_1"); st != "NotImported" {
		t.Fatalf("userid_1 %s", st)
	}

	many := make([]map[string]string, 101)
	for i := range many {
		many[i] = map[string]string{"UserID": fmt.Sprint("u", i)}
	}
	acctCode(t, s, "im_open_login_svc/account_check", map[string]any{"CheckItem": many}, 70402)
	resp = acctCode(t, s, "im_open_login_svc/account_check", map[string]any{"CheckItem": many[:100]}, 0)
	if n := len(resttest.Items(resp, "ResultItem")); n != 100 {
		t.Fatalf("%d items", n)
	}
	acctCode(t, s, "im_open_login_svc/account_check", `{"CheckItem":[]}`, 70402)
	acctCode(t, s, "im_open_login_svc/account_check", `{}`, 70402)
	acctCode(t, s, "im_open_login_svc/account_check", `{"CheckItem":["UserID_1"]}`, 70402)
}

func TestAccountDelete(t *testing.T) {
	s := resttest.Start(t)
	s.Import("UserID_1", "keep")
	resp := acctCode(t, s, "im_open_login_svc/account_delete", `{ "DeleteItem": [ { "UserID":"UserID_1" }, { "UserID":"UserID_2" } ] }`, 0)
	items := resttest.Items(resp, "ResultItem")
	if len(items) != 2 {
		t.Fatalf("ResultItem %v", items)
	}
	if items[0]["UserID"] != "UserID_1" || resttest.Int(items[0]["ResultCode"]) != 0 || items[0]["ResultInfo"] != "" {
		t.Fatalf("item 0 %v", items[0])
	}
	if items[1]["UserID"] != "UserID_2" || resttest.Int(items[1]["ResultCode"]) != 70107 || items[1]["ResultInfo"] == "" {
		t.Fatalf("item 1 %v", items[1])
	}
	if _, ok := items[1]["ResultCode"].(json.Number); !ok {
		t.Fatalf("ResultCode is not a number: %#v", items[1]["ResultCode"])
	}
	st := acctCheck(t, s, "UserID_1", "keep")
	if st["UserID_1"] != "NotImported" || st["keep"] != "Imported" {
		t.Fatalf("after delete: %v", st)
	}
	// Deleting again is a per-item 70107.
	resp = acctCode(t, s, "im_open_login_svc/account_delete", map[string]any{"DeleteItem": []map[string]string{{"UserID": "UserID_1"}}}, 0)
	if rc := resttest.ResultCodes(resp, "ResultItem"); rc["UserID_1"] != 70107 {
		t.Fatalf("second delete %v", resp)
	}
	// Profile calls see the account gone.
	acctCode(t, s, "profile/portrait_set", map[string]any{"From_Account": "UserID_1", "ProfileItem": []map[string]any{{"Tag": "Tag_Profile_IM_Nick", "Value": "x"}}}, 40003)
}

func TestAccountDeleteLimits(t *testing.T) {
	s := resttest.Start(t)
	many := make([]map[string]string, 101)
	for i := range many {
		many[i] = map[string]string{"UserID": fmt.Sprint("d", i)}
	}
	s.Import("d0")
	acctCode(t, s, "im_open_login_svc/account_delete", map[string]any{"DeleteItem": many}, 70402)
	if st := acctStatus(t, s, "d0"); st != "Imported" {
		t.Fatalf("a refused batch deleted d0")
	}
	resp := acctCode(t, s, "im_open_login_svc/account_delete", map[string]any{"DeleteItem": many[:100]}, 0)
	rc := resttest.ResultCodes(resp, "ResultItem")
	if rc["d0"] != 0 || rc["d1"] != 70107 || len(rc) != 100 {
		t.Fatalf("result codes %v", rc)
	}
	acctCode(t, s, "im_open_login_svc/account_delete", `{"DeleteItem":[]}`, 70402)
	acctCode(t, s, "im_open_login_svc/account_delete", `{}`, 70402)
	acctCode(t, s, "im_open_login_svc/account_delete", `{"DeleteItem":[{"UserID":7}]}`, 70402)
}

func TestAccountDeleteAdminRefused(t *testing.T) {
	s := resttest.Start(t)
	s.Import("victim")
	resp := acctCode(t, s, "im_open_login_svc/account_delete", map[string]any{"DeleteItem": []map[string]string{{"UserID": resttest.Admin}, {"UserID": "victim"}}}, 0)
	items := resttest.Items(resp, "ResultItem")
	if items[0]["UserID"] != resttest.Admin || resttest.Int(items[0]["ResultCode"]) != 70402 {
		t.Fatalf("admin delete item %v", items[0])
	}
	if items[1]["UserID"] != "victim" || resttest.Int(items[1]["ResultCode"]) != 0 {
		t.Fatalf("victim item %v", items[1])
	}
	st := acctCheck(t, s, resttest.Admin, "victim")
	if st[resttest.Admin] != "Imported" || st["victim"] != "NotImported" {
		t.Fatalf("after delete %v", st)
	}
	// The admin keeps working.
	s.MustOK("im_open_login_svc/account_check", map[string]any{"CheckItem": []map[string]string{{"UserID": "victim"}}})
}

// TestAccountDeleteRemovesEverything: deleting B removes B's profile and
// every relationship-chain record naming B, in both directions, so a
// re-imported B starts from nothing.
func TestAccountDeleteRemovesEverything(t *testing.T) {
	s := resttest.Start(t)
	s.Import("A", "B", "C")
	s.MustOK("profile/portrait_set", map[string]any{"From_Account": "B", "ProfileItem": []map[string]any{
		{"Tag": "Tag_Profile_IM_Nick", "Value": "Bee"},
		{"Tag": "Tag_Profile_IM_Level", "Value": 7},
		{"Tag": "Tag_Profile_IM_AllowType", "Value": "AllowType_Type_DenyAny"},
		{"Tag": "Tag_Profile_Custom_Test", "Value": "custom"},
	}})
	resp := s.MustOK("sns/friend_add", map[string]any{
		"From_Account":  "A",
		"AddFriendItem": []map[string]any{{"To_Account": "B", "AddSource": "AddSource_Type_Test", "GroupName": "pals"}},
		"AddType":       "Add_Type_Both",
		"ForceAddFlags": 1,
	})
	if rc := resttest.ResultCodes(resp, "ResultItem"); rc["B"] != 0 {
		t.Fatalf("friend_add %v", resp)
	}
	check := func(from, to string) string {
		t.Helper()
		resp := s.MustOK("sns/friend_check", map[string]any{"From_Account": from, "To_Account": []string{to}, "CheckType": "CheckResult_Type_Both"})
		items := resttest.Items(resp, "InfoItem")
		if len(items) != 1 {
			t.Fatalf("friend_check %v", resp)
		}
		return items[0]["Relation"].(string)
	}
	if r := check("A", "B"); r != "CheckResult_Type_BothWay" {
		t.Fatalf("before delete A-B %s", r)
	}
	blocks := func(from, to string) string {
		t.Helper()
		resp := s.MustOK("sns/black_list_check", map[string]any{"From_Account": from, "To_Account": []string{to}, "CheckType": "BlackCheckResult_Type_Both"})
		items := resttest.Items(resp, "BlackListCheckItem")
		if len(items) != 1 {
			t.Fatalf("black_list_check %v", resp)
		}
		return items[0]["Relation"].(string)
	}
	s.MustOK("sns/black_list_add", map[string]any{"From_Account": "C", "To_Account": []string{"B"}})
	s.MustOK("sns/black_list_add", map[string]any{"From_Account": "B", "To_Account": []string{"C"}})
	if r := blocks("C", "B"); r != "BlackCheckResult_Type_BothWay" {
		t.Fatalf("before delete C-B %s", r)
	}

	resp = s.MustOK("im_open_login_svc/account_delete", map[string]any{"DeleteItem": []map[string]string{{"UserID": "B"}}})
	if rc := resttest.ResultCodes(resp, "ResultItem"); rc["B"] != 0 {
		t.Fatalf("delete %v", resp)
	}
	// A's side is gone while B does not exist.
	if r := check("A", "B"); r != "CheckResult_Type_NoRelation" {
		t.Fatalf("after delete A-B %s", r)
	}
	resp = s.MustOK("sns/friend_get", map[string]any{"From_Account": "A", "StartIndex": 0})
	if n := len(resttest.Items(resp, "UserDataItem")); n != 0 {
		t.Fatalf("A still lists %d friends: %v", n, resp)
	}

	// Re-imported B starts empty: no profile, no friends, no blocklist.
	s.Import("B")
	p := acctProfile(t, s, "B", "Tag_Profile_IM_Nick", "Tag_Profile_IM_Level", "Tag_Profile_IM_AllowType", "Tag_Profile_Custom_Test")
	want := map[string]any{
		"Tag_Profile_IM_Nick":      "",
		"Tag_Profile_IM_Level":     json.Number("0"),
		"Tag_Profile_IM_AllowType": "AllowType_Type_NeedConfirm",
		"Tag_Profile_Custom_Test":  "",
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("re-imported B profile %v, want %v", p, want)
	}
	if r := check("A", "B"); r != "CheckResult_Type_NoRelation" {
		t.Fatalf("after re-import A-B %s", r)
	}
	if r := check("B", "A"); r != "CheckResult_Type_NoRelation" {
		t.Fatalf("after re-import B-A %s", r)
	}
	if r := blocks("C", "B"); r != "BlackCheckResult_Type_NO" {
		t.Fatalf("after re-import C-B %s", r)
	}
	if r := blocks("B", "C"); r != "BlackCheckResult_Type_NO" {
		t.Fatalf("after re-import B-C %s", r)
	}
	resp = s.MustOK("sns/friend_get", map[string]any{"From_Account": "B", "StartIndex": 0})
	if n := len(resttest.Items(resp, "UserDataItem")); n != 0 {
		t.Fatalf("B lists %d friends: %v", n, resp)
	}
	resp = s.MustOK("sns/group_get", map[string]any{"From_Account": "B"})
	if n := len(resttest.Items(resp, "ResultItem")); n != 0 {
		t.Fatalf("B has %d friend lists: %v", n, resp)
	}
	// The others were not touched.
	st := acctCheck(t, s, "A", "C")
	if st["A"] != "Imported" || st["C"] != "Imported" {
		t.Fatalf("bystanders %v", st)
	}
}
