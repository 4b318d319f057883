package restapi_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

// Helpers in this file carry the "prof" prefix.

type profKV struct {
	Tag   string
	Value any
}

func profItems(kv ...profKV) []map[string]any {
	out := make([]map[string]any, len(kv))
	for i, p := range kv {
		out[i] = map[string]any{"Tag": p.Tag, "Value": p.Value}
	}
	return out
}

// profSet calls portrait_set and checks the exact envelope.
func profSet(t *testing.T, s *resttest.Server, user string, want int, kv ...profKV) map[string]any {
	t.Helper()
	resp := s.Call("profile/portrait_set", map[string]any{"From_Account": user, "ProfileItem": profItems(kv...)})
	protoEnv(t, fmt.Sprintf("portrait_set %s %v", user, kv), resp, want, true)
	return resp
}

// profSetRaw sends a literal body to portrait_set.
func profSetRaw(t *testing.T, s *resttest.Server, body string, want int) {
	t.Helper()
	resp := s.Call("profile/portrait_set", body)
	protoEnv(t, "portrait_set "+body, resp, want, true)
}

// profGet returns one user's ProfileItem as an ordered list of pairs.
func profGet(t *testing.T, s *resttest.Server, user string, tags ...string) []profKV {
	t.Helper()
	resp := s.Call("profile/portrait_get", map[string]any{"To_Account": []string{user}, "TagList": tags})
	protoEnv(t, "portrait_get "+user, resp, 0, true)
	items := resttest.Items(resp, "UserProfileItem")
	if len(items) != 1 || items[0]["To_Account"] != user || resttest.Int(items[0]["ResultCode"]) != 0 {
		t.Fatalf("portrait_get %s: %v", user, resp)
	}
	raw, _ := items[0]["ProfileItem"].([]any)
	out := make([]profKV, len(raw))
	for i, r := range raw {
		m := r.(map[string]any)
		if len(m) != 2 {
			t.Fatalf("profile item %v has extra fields", m)
		}
		out[i] = profKV{m["Tag"].(string), m["Value"]}
	}
	return out
}

func profValue(t *testing.T, s *resttest.Server, user, tag string) any {
	t.Helper()
	p := profGet(t, s, user, tag)
	if len(p) != 1 || p[0].Tag != tag {
		t.Fatalf("portrait_get %s %s: %v", user, tag, p)
	}
	return p[0].Value
}

var profAllTags = []string{
	"Tag_Profile_IM_Nick",
	"Tag_Profile_IM_Gender",
	"Tag_Profile_IM_BirthDay",
	"Tag_Profile_IM_Location",
	"Tag_Profile_IM_SelfSignature",
	"Tag_Profile_IM_AllowType",
	"Tag_Profile_IM_Language",
	"Tag_Profile_IM_Image",
	"Tag_Profile_IM_MsgSettings",
	"Tag_Profile_IM_AdminForbidType",
	"Tag_Profile_IM_Level",
	"Tag_Profile_IM_Role",
	"Tag_Profile_Custom_Test",
}

func TestProfileSetGetEveryStandardTag(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice")
	set := []profKV{
		{"Tag_Profile_IM_Nick", "Alice 爱丽丝"},
		{"Tag_Profile_IM_Gender", "Gender_Type_Female"},
		{"Tag_Profile_IM_BirthDay", 20190419},
		{"Tag_Profile_IM_Location", "0123456789abcdef"},
		{"Tag_Profile_IM_SelfSignature", "hello, world"},
		{"Tag_Profile_IM_AllowType", "AllowType_Type_AllowAny"},
		{"Tag_Profile_IM_Language", 2052},
		{"Tag_Profile_IM_Image", "https://example.com/a.png"},
		{"Tag_Profile_IM_MsgSettings", 1},
		{"Tag_Profile_IM_AdminForbidType", "AdminForbid_Type_SendOut"},
		{"Tag_Profile_IM_Level", 4294967295},
		{"Tag_Profile_IM_Role", 3},
		{"Tag_Profile_Custom_Test", "custom value"},
	}
	profSet(t, s, "alice", 0, set...)
	got := profGet(t, s, "alice", profAllTags...)
	want := make([]profKV, len(set))
	for i, p := range set {
		if n, ok := p.Value.(int); ok {
			want[i] = profKV{p.Tag, json.Number(fmt.Sprint(n))}
		} else {
			want[i] = p
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("portrait_get\n got %v\nwant %v", got, want)
	}
	// Items come back in TagList order, whatever it is.
	got = profGet(t, s, "alice", "Tag_Profile_IM_Role", "Tag_Profile_IM_Nick", "Tag_Profile_IM_BirthDay")
	want = []profKV{{"Tag_Profile_IM_Role", json.Number("3")}, {"Tag_Profile_IM_Nick", "Alice 爱丽丝"}, {"Tag_Profile_IM_BirthDay", json.Number("20190419")}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ordered get %v, want %v", got, want)
	}

	// Every enum value is accepted.
	for tag, vals := range map[string][]string{
		"Tag_Profile_IM_Gender":          {"Gender_Type_Unknown", "Gender_Type_Female", "Gender_Type_Male"},
		"Tag_Profile_IM_AllowType":       {"AllowType_Type_NeedConfirm", "AllowType_Type_AllowAny", "AllowType_Type_DenyAny"},
		"Tag_Profile_IM_AdminForbidType": {"AdminForbid_Type_None", "AdminForbid_Type_SendOut"},
	} {
		for _, v := range vals {
			profSet(t, s, "alice", 0, profKV{tag, v})
			if got := profValue(t, s, "alice", tag); got != v {
				t.Fatalf("%s = %v, want %s", tag, got, v)
			}
		}
	}
	// Uint boundaries.
	for _, tag := range []string{"Tag_Profile_IM_BirthDay", "Tag_Profile_IM_Language", "Tag_Profile_IM_MsgSettings", "Tag_Profile_IM_Level", "Tag_Profile_IM_Role"} {
		for _, v := range []int64{0, 1, 4294967295} {
			profSet(t, s, "alice", 0, profKV{tag, v})
			if got := profValue(t, s, "alice", tag); got != json.Number(fmt.Sprint(v)) {
				t.Fatalf("%s = %#v, want %d", tag, got, v)
			}
		}
	}
}

func TestProfileSampleShapes(t *testing.T) {
	s := resttest.Start(t)
	s.Import("id1", "id")
	resp := s.Call("profile/portrait_set", `{ "From_Account":"id", "ProfileItem": [ { "Tag":"Tag_Profile_IM_Nick", "Value":"MyNickName" } ] }`)
	want := map[string]any{"ActionStatus": "OK", "ErrorCode": json.Number("0"), "ErrorInfo": "", "ErrorDisplay": ""}
	if !reflect.DeepEqual(resp, want) {
		t.Fatalf("portrait_set answer %v, want %v", resp, want)
	}
	profSet(t, s, "id1", 0, profKV{"Tag_Profile_IM_Nick", "NickNameTest1"})
	resp = s.Call("profile/portrait_get", `{ "To_Account":["id1"], "TagList": [ "Tag_Profile_IM_Nick" ] }`)
	var wantGet map[string]any
	d := json.NewDecoder(strings.NewReader(`{ "UserProfileItem": [ { "To_Account":"id1", "ProfileItem": [ { "Tag":"Tag_Profile_IM_Nick", "Value":"NickNameTest1" } ], "ResultCode":0, "ResultInfo":"" } ], "ActionStatus":"OK", "ErrorCode":0, "ErrorInfo":"", "ErrorDisplay":"" }`))
	d.UseNumber()
	if err := d.Decode(&wantGet); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(resp, wantGet) {
		t.Fatalf("portrait_get answer\n got %v\nwant %v", resp, wantGet)
	}
}

func TestProfileDefaults(t *testing.T) {
	s := resttest.Start(t)
	s.Import("fresh")
	got := profGet(t, s, "fresh", profAllTags...)
	want := []profKV{
		{"Tag_Profile_IM_Nick", ""},
		{"Tag_Profile_IM_Gender", "Gender_Type_Unknown"},
		{"Tag_Profile_IM_BirthDay", json.Number("0")},
		{"Tag_Profile_IM_Location", ""},
		{"Tag_Profile_IM_SelfSignature", ""},
		{"Tag_Profile_IM_AllowType", "AllowType_Type_NeedConfirm"},
		{"Tag_Profile_IM_Language", json.Number("0")},
		{"Tag_Profile_IM_Image", ""},
		{"Tag_Profile_IM_MsgSettings", json.Number("0")},
		{"Tag_Profile_IM_AdminForbidType", "AdminForbid_Type_None"},
		{"Tag_Profile_IM_Level", json.Number("0")},
		{"Tag_Profile_IM_Role", json.Number("0")},
		{"Tag_Profile_Custom_Test", ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("defaults\n got %v\nwant %v", got, want)
	}
	// Setting a string tag to "" clears it back to its default.
	profSet(t, s, "fresh", 0, profKV{"Tag_Profile_IM_Nick", "x"}, profKV{"Tag_Profile_IM_Level", 9})
	profSet(t, s, "fresh", 0, profKV{"Tag_Profile_IM_Nick", ""}, profKV{"Tag_Profile_IM_Level", 0})
	got = profGet(t, s, "fresh", "Tag_Profile_IM_Nick", "Tag_Profile_IM_Level")
	want = []profKV{{"Tag_Profile_IM_Nick", ""}, {"Tag_Profile_IM_Level", json.Number("0")}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("cleared %v, want %v", got, want)
	}
}

func TestProfileCustomTag(t *testing.T) {
	s := resttest.Start(t)
	s.Import("cu")
	profSet(t, s, "cu", 0, profKV{"Tag_Profile_Custom_Test", "v1 ✓"})
	if v := profValue(t, s, "cu", "Tag_Profile_Custom_Test"); v != "v1 ✓" {
		t.Fatalf("custom %v", v)
	}
	profSet(t, s, "cu", 0, profKV{"Tag_Profile_Custom_Test", strings.Repeat("c", 500)})
	profSet(t, s, "cu", 40601, profKV{"Tag_Profile_Custom_Test", strings.Repeat("c", 501)})
	profSet(t, s, "cu", 40610, profKV{"Tag_Profile_Custom_Test", 5})
	if v := profValue(t, s, "cu", "Tag_Profile_Custom_Test"); v != strings.Repeat("c", 500) {
		t.Fatalf("custom changed by a refused set")
	}
	// Undeclared custom tags, and a declared keyword in the wrong case.
	for _, tag := range []string{"Tag_Profile_Custom_Nope", "Tag_Profile_Custom_test", "Tag_Profile_Custom_", "Tag_Profile_Custom_XXXX"} {
		profSet(t, s, "cu", 40009, profKV{tag, "x"})
		resp := s.Call("profile/portrait_get", map[string]any{"To_Account": []string{"cu"}, "TagList": []string{tag}})
		protoEnv(t, "portrait_get "+tag, resp, 40009, true)
	}
}

func TestProfileUnknownTag(t *testing.T) {
	s := resttest.Start(t)
	s.Import("ut")
	for _, tag := range []string{"Tag_Profile_IM_Nope", "Tag_Profile_IM_nick", "Tag_SNS_IM_Remark", "", "Nick"} {
		profSet(t, s, "ut", 40009, profKV{tag, "x"})
		resp := s.Call("profile/portrait_get", map[string]any{"To_Account": []string{"ut"}, "TagList": []string{"Tag_Profile_IM_Nick", tag}})
		protoEnv(t, "portrait_get "+tag, resp, 40009, true)
	}
}

func TestProfileValueTooLong(t *testing.T) {
	s := resttest.Start(t)
	s.Import("tl")
	for _, tag := range []string{"Tag_Profile_IM_Nick", "Tag_Profile_IM_SelfSignature", "Tag_Profile_IM_Image"} {
		profSet(t, s, "tl", 0, profKV{tag, strings.Repeat("a", 500)})
		profSet(t, s, "tl", 40601, profKV{tag, strings.Repeat("b", 501)})
		profSet(t, s, "tl", 40601, profKV{tag, strings.Repeat("中", 167)}) // 501 bytes
		if v := profValue(t, s, "tl", tag); v != strings.Repeat("a", 500) {
			t.Fatalf("%s changed by a refused set", tag)
		}
	}
	// Location holds at most 16 bytes.
	profSet(t, s, "tl", 0, profKV{"Tag_Profile_IM_Location", strings.Repeat("l", 16)})
	profSet(t, s, "tl", 40601, profKV{"Tag_Profile_IM_Location", strings.Repeat("l", 17)})
	profSet(t, s, "tl", 40601, profKV{"Tag_Profile_IM_Location", strings.Repeat("é", 9)}) // 18 bytes
}

func TestProfileValueType(t *testing.T) {
	s := resttest.Start(t)
	s.Import("vt")
	strTags := []string{"Tag_Profile_IM_Nick", "Tag_Profile_IM_Gender", "Tag_Profile_IM_Location", "Tag_Profile_IM_SelfSignature", "Tag_Profile_IM_AllowType", "Tag_Profile_IM_Image", "Tag_Profile_IM_AdminForbidType"}
	numTags := []string{"Tag_Profile_IM_BirthDay", "Tag_Profile_IM_Language", "Tag_Profile_IM_MsgSettings", "Tag_Profile_IM_Level", "Tag_Profile_IM_Role"}
	for _, tag := range strTags {
		profSet(t, s, "vt", 40610, profKV{tag, 123})
	}
	for _, tag := range numTags {
		profSet(t, s, "vt", 40610, profKV{tag, "20190419"})
		profSet(t, s, "vt", 40610, profKV{tag, ""})
	}
	// Values of no accepted JSON type at all.
	for _, v := range []string{`true`, `null`, `{}`, `[1]`, `1.5`} {
		profSetRaw(t, s, `{"From_Account":"vt","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":`+v+`}]}`, 40610)
		profSetRaw(t, s, `{"From_Account":"vt","ProfileItem":[{"Tag":"Tag_Profile_IM_Level","Value":`+v+`}]}`, 40610)
	}
	profSetRaw(t, s, `{"From_Account":"vt","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick"}]}`, 40610)
	if got := profGet(t, s, "vt", "Tag_Profile_IM_Nick", "Tag_Profile_IM_Level"); !reflect.DeepEqual(got, []profKV{{"Tag_Profile_IM_Nick", ""}, {"Tag_Profile_IM_Level", json.Number("0")}}) {
		t.Fatalf("refused sets changed the profile: %v", got)
	}
}

func TestProfileBadValue(t *testing.T) {
	s := resttest.Start(t)
	s.Import("bv")
	for _, kv := range []profKV{
		{"Tag_Profile_IM_Gender", "Gender_Type_Other"},
		{"Tag_Profile_IM_Gender", "gender_type_male"},
		{"Tag_Profile_IM_AllowType", "AllowType_Type_Maybe"},
		{"Tag_Profile_IM_AdminForbidType", "AdminForbid_Type_All"},
		{"Tag_Profile_IM_BirthDay", -1},
		{"Tag_Profile_IM_Level", 4294967296},
		{"Tag_Profile_IM_Role", int64(-4294967296)},
		{"Tag_Profile_IM_Language", int64(1) << 40},
	} {
		profSet(t, s, "bv", 40605, kv)
	}
	// A number too large for any integer type is still a number of the
	// right type with a value out of range.
	profSetRaw(t, s, `{"From_Account":"bv","ProfileItem":[{"Tag":"Tag_Profile_IM_Level","Value":18446744073709551616}]}`, 40605)
	profSetRaw(t, s, `{"From_Account":"bv","ProfileItem":[{"Tag":"Tag_Profile_IM_Level","Value":-99999999999999999999}]}`, 40605)
	got := profGet(t, s, "bv", "Tag_Profile_IM_Gender", "Tag_Profile_IM_BirthDay", "Tag_Profile_IM_Level")
	want := []profKV{{"Tag_Profile_IM_Gender", "Gender_Type_Unknown"}, {"Tag_Profile_IM_BirthDay", json.Number("0")}, {"Tag_Profile_IM_Level", json.Number("0")}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("refused sets changed the profile: %v", got)
	}
}

func TestProfileSetUnknownAccount(t *testing.T) {
	s := resttest.Start(t)
	profSet(t, s, "nobody", 40003, profKV{"Tag_Profile_IM_Nick", "x"})
	resp := s.MustOK("im_open_login_svc/account_check", map[string]any{"CheckItem": []map[string]string{{"UserID": "nobody"}}})
	if st := resttest.Items(resp, "ResultItem")[0]["AccountStatus"]; st != "NotImported" {
		t.Fatalf("portrait_set created the account")
	}
}

func TestProfileSetDecodeFailures(t *testing.T) {
	s := resttest.Start(t)
	s.Import("df")
	for _, body := range []string{
		`{"From_Account":"df","ProfileItem":"Tag_Profile_IM_Nick"}`,
		`{"From_Account":"df","ProfileItem":{"Tag":"Tag_Profile_IM_Nick","Value":"x"}}`,
		`{"From_Account":"df","ProfileItem":["Tag_Profile_IM_Nick"]}`,
		`{"From_Account":"df","ProfileItem":[{"Tag":5,"Value":"x"}]}`,
		`{"From_Account":5,"ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"x"}]}`,
		`{"From_Account":["df"],"ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"x"}]}`,
		`[]`,
		`{"ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"x"}]}`,
		`{"From_Account":"","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"x"}]}`,
		`{"From_Account":"df","ProfileItem":[]}`,
		`{"From_Account":"df"}`,
	} {
		profSetRaw(t, s, body, 40001)
	}
	if v := profValue(t, s, "df", "Tag_Profile_IM_Nick"); v != "" {
		t.Fatalf("a refused set changed Nick to %v", v)
	}
}

func TestProfileSetIsAtomic(t *testing.T) {
	s := resttest.Start(t)
	s.Import("at")
	profSet(t, s, "at", 0, profKV{"Tag_Profile_IM_Nick", "Good"}, profKV{"Tag_Profile_IM_Level", 1})
	bad := []struct {
		item profKV
		code int
	}{
		{profKV{"Tag_Profile_IM_Gender", "Gender_Type_Bad"}, 40605},
		{profKV{"Tag_Profile_IM_Nope", "x"}, 40009},
		{profKV{"Tag_Profile_IM_BirthDay", "x"}, 40610},
		{profKV{"Tag_Profile_IM_SelfSignature", strings.Repeat("s", 501)}, 40601},
	}
	for _, b := range bad {
		// Good items before and after the bad one.
		profSet(t, s, "at", b.code, profKV{"Tag_Profile_IM_Nick", "Changed"}, b.item, profKV{"Tag_Profile_IM_Level", 2})
		profSet(t, s, "at", b.code, b.item, profKV{"Tag_Profile_IM_Nick", "Changed"})
	}
	got := profGet(t, s, "at", "Tag_Profile_IM_Nick", "Tag_Profile_IM_Level", "Tag_Profile_IM_Gender")
	want := []profKV{{"Tag_Profile_IM_Nick", "Good"}, {"Tag_Profile_IM_Level", json.Number("1")}, {"Tag_Profile_IM_Gender", "Gender_Type_Unknown"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("a failed portrait_set changed the profile: %v", got)
	}
}

func TestProfileGetBatch(t *testing.T) {
	s := resttest.Start(t)
	s.Import("pa", "pb")
	profSet(t, s, "pa", 0, profKV{"Tag_Profile_IM_Nick", "A"})
	profSet(t, s, "pb", 0, profKV{"Tag_Profile_IM_Nick", "B"})
	resp := s.Call("profile/portrait_get", map[string]any{"To_Account": []string{"pa", "ghost", "pb", "ghost2"}, "TagList": []string{"Tag_Profile_IM_Nick"}})
	protoEnv(t, "portrait_get with unknown users", resp, 0, true)
	items := resttest.Items(resp, "UserProfileItem")
	if len(items) != 4 {
		t.Fatalf("UserProfileItem %v", items)
	}
	for i, w := range []struct {
		user string
		code int
		nick any
	}{{"pa", 0, "A"}, {"ghost", 40003, nil}, {"pb", 0, "B"}, {"ghost2", 40003, nil}} {
		it := items[i]
		if it["To_Account"] != w.user || resttest.Int(it["ResultCode"]) != w.code {
			t.Fatalf("item %d %v, want %s %d", i, it, w.user, w.code)
		}
		if _, ok := it["ResultCode"].(json.Number); !ok {
			t.Fatalf("item %d ResultCode %#v", i, it["ResultCode"])
		}
		if _, ok := it["ResultInfo"].(string); !ok {
			t.Fatalf("item %d ResultInfo %#v", i, it["ResultInfo"])
		}
		if w.code == 0 {
			pi, _ := it["ProfileItem"].([]any)
			if len(pi) != 1 || pi[0].(map[string]any)["Value"] != w.nick {
				t.Fatalf("item %d ProfileItem %v", i, it["ProfileItem"])
			}
		} else if pi, ok := it["ProfileItem"].([]any); ok && len(pi) != 0 {
			t.Fatalf("unknown user %s has ProfileItem %v", w.user, pi)
		}
	}
	if !reflect.DeepEqual(resp["Fail_Account"], []any{"ghost", "ghost2"}) {
		t.Fatalf("Fail_Account %#v", resp["Fail_Account"])
	}
	// No failure, no Fail_Account.
	resp = s.Call("profile/portrait_get", map[string]any{"To_Account": []string{"pa", "pb"}, "TagList": []string{"Tag_Profile_IM_Nick"}})
	protoEnv(t, "portrait_get", resp, 0, true)
	if _, present := resp["Fail_Account"]; present {
		t.Fatalf("Fail_Account present without failures: %v", resp)
	}

	// At most 100 users.
	users := make([]string, 101)
	for i := range users {
		users[i] = fmt.Sprint("pu", i)
	}
	resp = s.Call("profile/portrait_get", map[string]any{"To_Account": users, "TagList": []string{"Tag_Profile_IM_Nick"}})
	protoEnv(t, "portrait_get 101 users", resp, 40001, true)
	users[0] = "pa"
	resp = s.Call("profile/portrait_get", map[string]any{"To_Account": users[:100], "TagList": []string{"Tag_Profile_IM_Nick"}})
	protoEnv(t, "portrait_get 100 users", resp, 0, true)
	if n := len(resttest.Items(resp, "UserProfileItem")); n != 100 {
		t.Fatalf("%d items for 100 users", n)
	}
	if fa, _ := resp["Fail_Account"].([]any); len(fa) != 99 {
		t.Fatalf("Fail_Account has %d entries, want 99", len(fa))
	}

	// Empty or malformed requests.
	for _, body := range []string{
		`{"To_Account":[],"TagList":["Tag_Profile_IM_Nick"]}`,
		`{"To_Account":["pa"],"TagList":[]}`,
		`{"To_Account":["pa"]}`,
		`{"TagList":["Tag_Profile_IM_Nick"]}`,
		`{"To_Account":"pa","TagList":["Tag_Profile_IM_Nick"]}`,
		`{"To_Account":["pa"],"TagList":"Tag_Profile_IM_Nick"}`,
		`{"To_Account":[1],"TagList":["Tag_Profile_IM_Nick"]}`,
	} {
		resp := s.Call("profile/portrait_get", body)
		protoEnv(t, "portrait_get "+body, resp, 40001, true)
	}
}
