package restapi_test

import (
	"encoding/json"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

// snsCommands is a valid request body for every sns command, with
// From_Account left for the test to fill in.
var snsCommands = []struct {
	api  string
	body map[string]any
}{
	{"friend_add", map[string]any{"AddFriendItem": []any{map[string]any{"To_Account": "peer", "AddSource": snsSource}}}},
	{"friend_import", map[string]any{"AddFriendItem": []any{map[string]any{"To_Account": "peer", "AddSource": snsSource}}}},
	{"friend_update", map[string]any{"UpdateItem": []any{map[string]any{"To_Account": "peer",
		"SnsItem": []any{map[string]any{"Tag": "Tag_SNS_IM_Remark", "Value": "r"}}}}}},
	{"friend_delete", map[string]any{"To_Account": []string{"peer"}, "DeleteType": "Delete_Type_Both"}},
	{"friend_delete_all", map[string]any{"DeleteType": "Delete_Type_Both"}},
	{"friend_check", map[string]any{"To_Account": []string{"peer"}, "CheckType": "CheckResult_Type_Both"}},
	{"friend_get", map[string]any{"StartIndex": 0}},
	{"friend_get_list", map[string]any{"To_Account": []string{"peer"}, "TagList": []string{"Tag_SNS_IM_Remark"}}},
	{"black_list_add", map[string]any{"To_Account": []string{"peer"}}},
	{"black_list_delete", map[string]any{"To_Account": []string{"peer"}}},
	{"black_list_get", map[string]any{"StartIndex": 0, "MaxLimited": 30, "LastSequence": 0}},
	{"black_list_check", map[string]any{"To_Account": []string{"peer"}, "CheckType": "BlackCheckResult_Type_Both"}},
	{"group_add", map[string]any{"GroupName": []string{"g1"}}},
	{"group_delete", map[string]any{"GroupName": []string{"g1"}}},
	{"group_get", map[string]any{"NeedFriend": "Need_Friend_Type_Yes"}},
}

func snsBody(base map[string]any, from any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	if from != nil {
		out["From_Account"] = from
	}
	return out
}

// TestSNSRequestErrorsAllCommands checks the errors every sns command shares:
// 30004 for a caller that is not an app admin, 30001 for a missing or
// wrongly typed From_Account, 30003 for an unknown From_Account. Nothing is
// written by a failed call.
func TestSNSRequestErrorsAllCommands(t *testing.T) {
	s := resttest.Start(t)
	s.Import("peer", "bob")
	userQuery := snsUserQuery(s, "bob")
	for _, c := range snsCommands {
		t.Run(c.api, func(t *testing.T) {
			s.T = t
			api := "sns/" + c.api

			b, _ := json.Marshal(snsBody(c.body, "bob"))
			resp, status := s.Raw(api, userQuery, b)
			if status != 200 {
				t.Fatalf("HTTP %d", status)
			}
			snsFail(t, resp, 30004)

			snsFail(t, s.Call(api, snsBody(c.body, nil)), 30001)
			snsFail(t, s.Call(api, snsBody(c.body, "")), 30001)
			snsFail(t, s.Call(api, snsBody(c.body, 12345)), 30001)
			snsFail(t, s.Call(api, snsBody(c.body, []string{"bob"})), 30001)
			snsFail(t, s.Call(api, snsBody(c.body, "nobody")), 30003)
		})
	}
	s.T = t
	// None of the rejected calls touched bob.
	if got := snsCheck(s, "bob", "CheckResult_Type_Both", "peer"); got["peer"] != "CheckResult_Type_NoRelation" {
		t.Errorf("bob/peer relation after rejected calls: %s", got["peer"])
	}
	if got := snsBlockCheck(s, "bob", "BlackCheckResult_Type_Both", "peer"); got["peer"] != "BlackCheckResult_Type_NO" {
		t.Errorf("bob/peer block relation after rejected calls: %s", got["peer"])
	}
	lists := s.MustOK("sns/group_get", map[string]any{"From_Account": "bob"})
	if n := len(resttest.Items(lists, "ResultItem")); n != 0 {
		t.Errorf("bob has %d friend lists after rejected calls", n)
	}
}
