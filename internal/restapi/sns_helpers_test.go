package restapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/usersig"
)

// Shared helpers of the sns_*_test.go end-to-end tests. Every name starts
// with "sns" so that other test files of the package cannot collide.

const (
	snsAllowAny    = "AllowType_Type_AllowAny"
	snsNeedConfirm = "AllowType_Type_NeedConfirm"
	snsDenyAny     = "AllowType_Type_DenyAny"
	snsSource      = "AddSource_Type_XXXXXXXX"
)

// snsImportN creates n accounts named prefix0..prefix(n-1), 100 per call
// (multiaccount_import's cap), and returns their IDs.
func snsImportN(s *resttest.Server, prefix string, n int) []string {
	s.T.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	for i := 0; i < n; i += 100 {
		s.Import(ids[i:min(i+100, n)]...)
	}
	return ids
}

// snsAllow sets the users' Tag_Profile_IM_AllowType.
func snsAllow(s *resttest.Server, allow string, users ...string) {
	s.T.Helper()
	for _, u := range users {
		s.MustOK("profile/portrait_set", map[string]any{
			"From_Account": u,
			"ProfileItem":  []any{map[string]any{"Tag": "Tag_Profile_IM_AllowType", "Value": allow}},
		})
	}
}

// snsAdd calls friend_add with one item per target and extra request-level
// fields (AddType, ForceAddFlags).
func snsAdd(s *resttest.Server, from string, extra map[string]any, to ...string) map[string]any {
	s.T.Helper()
	items := make([]any, len(to))
	for i, t := range to {
		items[i] = map[string]any{"To_Account": t, "AddSource": snsSource}
	}
	req := map[string]any{"From_Account": from, "AddFriendItem": items}
	for k, v := range extra {
		req[k] = v
	}
	return s.Call("sns/friend_add", req)
}

// snsForce adds friends both ways with ForceAddFlags=1 and fails unless
// every item succeeded.
func snsForce(s *resttest.Server, from string, to ...string) {
	s.T.Helper()
	resp := snsAdd(s, from, map[string]any{"ForceAddFlags": 1}, to...)
	snsAllZero(s.T, resp, "ResultItem", to...)
}

// snsImportFriends one-way imports friends for from, failing unless every
// item succeeded.
func snsImportFriends(s *resttest.Server, from string, to ...string) {
	s.T.Helper()
	items := make([]any, len(to))
	for i, t := range to {
		items[i] = map[string]any{"To_Account": t, "AddSource": snsSource}
	}
	resp := s.MustOK("sns/friend_import", map[string]any{"From_Account": from, "AddFriendItem": items})
	snsAllZero(s.T, resp, "ResultItem", to...)
}

// snsCheck runs friend_check and returns To_Account → Relation, failing on
// any per-item error.
func snsCheck(s *resttest.Server, from, checkType string, to ...string) map[string]string {
	s.T.Helper()
	resp := s.MustOK("sns/friend_check", map[string]any{"From_Account": from, "To_Account": to, "CheckType": checkType})
	return snsRelations(s.T, resp, "InfoItem", to)
}

// snsBlockCheck runs black_list_check and returns To_Account → Relation.
func snsBlockCheck(s *resttest.Server, from, checkType string, to ...string) map[string]string {
	s.T.Helper()
	resp := s.MustOK("sns/black_list_check", map[string]any{"From_Account": from, "To_Account": to, "CheckType": checkType})
	return snsRelations(s.T, resp, "BlackListCheckItem", to)
}

func snsRelations(t testing.TB, resp map[string]any, key string, to []string) map[string]string {
	t.Helper()
	items := resttest.Items(resp, key)
	if len(items) != len(to) {
		t.Fatalf("%s: want %d items, got %v", key, len(to), resp)
	}
	if _, ok := resp["Fail_Account"]; ok {
		t.Fatalf("unexpected Fail_Account: %v", resp)
	}
	out := map[string]string{}
	for i, it := range items {
		if it["To_Account"] != to[i] {
			t.Fatalf("%s[%d]: To_Account %v, want %s (request order)", key, i, it["To_Account"], to[i])
		}
		snsIsInt(t, it["ResultCode"], "ResultCode")
		if resttest.Int(it["ResultCode"]) != 0 || it["ResultInfo"] != "" {
			t.Fatalf("%s[%d]: want ResultCode 0 and empty ResultInfo, got %v", key, i, it)
		}
		rel, ok := it["Relation"].(string)
		if !ok {
			t.Fatalf("%s[%d]: Relation is not a string: %v", key, i, it)
		}
		out[to[i]] = rel
	}
	return out
}

// snsItem is an expected per-item result.
type snsItem struct {
	To   string
	Code int
}

// snsBatch asserts a batch response: top-level OK/0 with an empty
// ErrorInfo and ErrorDisplay, the items in request order with integer
// ResultCode and string ResultInfo (empty exactly on success), and
// Fail_Account present only when some item failed, listing the failures in
// request order.
func snsBatch(t testing.TB, resp map[string]any, key string, want ...snsItem) {
	t.Helper()
	snsOKEnvelope(t, resp)
	items := resttest.Items(resp, key)
	if len(items) != len(want) {
		t.Fatalf("%s: want %d items, got %d: %v", key, len(want), len(items), resp)
	}
	var failed []string
	for i, w := range want {
		it := items[i]
		if it["To_Account"] != w.To {
			t.Errorf("%s[%d].To_Account = %v, want %q", key, i, it["To_Account"], w.To)
		}
		snsIsInt(t, it["ResultCode"], key+".ResultCode")
		if got := resttest.Int(it["ResultCode"]); got != w.Code {
			t.Errorf("%s[%d] (%s): ResultCode %d, want %d (%v)", key, i, w.To, got, w.Code, it["ResultInfo"])
		}
		info, ok := it["ResultInfo"].(string)
		if !ok {
			t.Errorf("%s[%d]: ResultInfo is not a string: %v", key, i, it)
		}
		if (info == "") != (w.Code == 0) {
			t.Errorf("%s[%d]: ResultInfo %q with ResultCode %d", key, i, info, w.Code)
		}
		if w.Code != 0 {
			failed = append(failed, w.To)
		}
	}
	fa, present := resp["Fail_Account"]
	switch {
	case len(failed) == 0 && present:
		t.Errorf("Fail_Account present although nothing failed: %v", fa)
	case len(failed) > 0 && !reflect.DeepEqual(snsStrings(t, fa), failed):
		t.Errorf("Fail_Account = %v, want %v", fa, failed)
	}
}

// snsAllZero asserts that every item of a batch succeeded.
func snsAllZero(t testing.TB, resp map[string]any, key string, to ...string) {
	t.Helper()
	want := make([]snsItem, len(to))
	for i, id := range to {
		want[i] = snsItem{id, 0}
	}
	snsBatch(t, resp, key, want...)
}

// snsOKEnvelope asserts the success envelope of an sns response.
func snsOKEnvelope(t testing.TB, resp map[string]any) {
	t.Helper()
	snsIsInt(t, resp["ErrorCode"], "ErrorCode")
	if resp["ActionStatus"] != "OK" || resttest.Code(resp) != 0 || resp["ErrorInfo"] != "" || resp["ErrorDisplay"] != "" {
		t.Fatalf("want OK/0 with empty ErrorInfo and ErrorDisplay, got %v", resp)
	}
}

// snsFail asserts a top-level failure with the given code.
func snsFail(t testing.TB, resp map[string]any, code int) {
	t.Helper()
	snsIsInt(t, resp["ErrorCode"], "ErrorCode")
	if resp["ActionStatus"] != "FAIL" || resttest.Code(resp) != code {
		t.Fatalf("want FAIL/%d, got %v", code, resp)
	}
	if info, _ := resp["ErrorInfo"].(string); info == "" {
		t.Errorf("FAIL/%d without ErrorInfo: %v", code, resp)
	}
	if _, ok := resp["ErrorDisplay"].(string); !ok {
		t.Errorf("sns failure without string ErrorDisplay: %v", resp)
	}
}

// snsIsInt fails unless v is a JSON integer.
func snsIsInt(t testing.TB, v any, what string) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%s: want a JSON integer, got %T %v", what, v, v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatalf("%s: want a JSON integer, got %s", what, n)
	}
	return i
}

// snsStrings converts a decoded JSON array of strings.
func snsStrings(t testing.TB, v any) []string {
	t.Helper()
	raw, ok := v.([]any)
	if !ok {
		t.Fatalf("want a JSON array, got %T %v", v, v)
	}
	out := make([]string, len(raw))
	for i, r := range raw {
		if out[i], ok = r.(string); !ok {
			t.Fatalf("array element %d is %T, not a string", i, r)
		}
	}
	return out
}

// snsFriendGet calls friend_get and returns the response.
func snsFriendGet(s *resttest.Server, from string, start int, std, custom int64) map[string]any {
	s.T.Helper()
	resp := s.MustOK("sns/friend_get", map[string]any{
		"From_Account": from, "StartIndex": start, "StandardSequence": std, "CustomSequence": custom,
	})
	snsOKEnvelope(s.T, resp)
	return resp
}

// snsFriendIDs returns every friend of from in friend_get order, paging
// through the whole list.
func snsFriendIDs(s *resttest.Server, from string) []string {
	s.T.Helper()
	var ids []string
	start := 0
	for range 100 {
		resp := snsFriendGet(s, from, start, 0, 0)
		for _, it := range resttest.Items(resp, "UserDataItem") {
			ids = append(ids, it["To_Account"].(string))
		}
		if resttest.Int(resp["CompleteFlag"]) != 0 {
			return ids
		}
		start = resttest.Int(resp["NextStartIndex"])
	}
	s.T.Fatal("friend_get never completed")
	return nil
}

// snsValues maps Tag → Value of a ValueItem/SnsProfileItem array.
func snsValues(t testing.TB, item map[string]any, key string) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, tv := range resttest.Items(item, key) {
		tag, ok := tv["Tag"].(string)
		if !ok {
			t.Fatalf("%s: Tag is not a string: %v", key, tv)
		}
		if _, dup := out[tag]; dup {
			t.Fatalf("%s: tag %s twice", key, tag)
		}
		out[tag] = tv["Value"]
	}
	return out
}

// snsUserQuery is the admin query string with the identifier and UserSig of
// a user who is not an app admin.
func snsUserQuery(s *resttest.Server, user string) url.Values {
	s.T.Helper()
	sig, err := usersig.Generate(resttest.SDKAppID, resttest.Key, user, 3600, time.Now())
	if err != nil {
		s.T.Fatal(err)
	}
	q := s.Query()
	q.Set("identifier", user)
	q.Set("usersig", sig)
	return q
}
