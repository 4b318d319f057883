package restapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

func TestOpenIMModifyC2CMsg(t *testing.T) {
	s := resttest.Start(t)
	s.Import("dramon1", "dramon2")
	key := oimSend(s, "dramon1", "dramon2", 2, "helo")
	// The spec's sample request, with the real key.
	resp := s.Call("openim/modify_c2c_msg", fmt.Sprintf(`{ "From_Account": "dramon1", "To_Account": "dramon2", "MsgKey": %q,
		"MsgBody": [ { "MsgType": "TIMTextElem", "MsgContent": { "Text": "hello" } } ] }`, key))
	oimWant(t, "sample", resp, 0)
	if resttest.Int(resp["MsgVersion"]) != 1 {
		t.Fatalf("version after one modification: %v", resp)
	}
	for _, u := range []string{"dramon1", "dramon2"} {
		peer := map[string]string{"dramon1": "dramon2", "dramon2": "dramon1"}[u]
		list := oimRoam(s, u, peer)
		if texts := oimTexts(list); len(texts) != 1 || texts[0] != "hello" || list[0]["MsgKey"] != key {
			t.Fatalf("%s sees %v", u, list)
		}
	}
	// CloudCustomData alone; the body stays.
	s.MustOK("openim/modify_c2c_msg", map[string]any{"From_Account": "dramon2", "To_Account": "dramon1", "MsgKey": key,
		"CloudCustomData": "edited"})
	list := oimRoam(s, "dramon2", "dramon1")
	if list[0]["CloudCustomData"] != "edited" || oimTexts(list)[0] != "hello" {
		t.Fatalf("after CloudCustomData: %v", list[0])
	}

	// Optimistic concurrency: a stale MsgVersion gets 2480 and the current message.
	resp = s.Call("openim/modify_c2c_msg", map[string]any{"From_Account": "dramon1", "To_Account": "dramon2", "MsgKey": key,
		"MsgVersion": 1, "MsgBody": oimBody("stale edit")})
	oimWant(t, "stale version", resp, 2480)
	cur, _ := resp["CurrentMsg"].(map[string]any)
	if resttest.Int(resp["MsgVersion"]) != 2 || cur == nil || cur["CloudCustomData"] != "edited" || oimTexts([]map[string]any{cur})[0] != "hello" {
		t.Fatalf("conflict response %v", resp)
	}
	resp = s.MustOK("openim/modify_c2c_msg", map[string]any{"From_Account": "dramon1", "To_Account": "dramon2", "MsgKey": key,
		"MsgVersion": 2, "MsgBody": oimBody("merged edit")})
	if resttest.Int(resp["MsgVersion"]) != 3 || oimTexts(oimRoam(s, "dramon1", "dramon2"))[0] != "merged edit" {
		t.Fatalf("edit at the current version: %v", resp)
	}

	recalled := oimSend(s, "dramon1", "dramon2", 3, "to recall")
	s.MustOK("openim/admin_msgwithdraw", map[string]any{"From_Account": "dramon1", "To_Account": "dramon2", "MsgKey": recalled})
	seq, _, _ := strings.Cut(key, "_")
	body := oimBody("x")
	req := func(extra map[string]any) map[string]any {
		r := map[string]any{"From_Account": "dramon1", "To_Account": "dramon2", "MsgKey": key, "MsgBody": body}
		for k, v := range extra {
			if v == nil {
				delete(r, k)
			} else {
				r[k] = v
			}
		}
		return r
	}
	cases := []struct {
		name string
		req  any
		code int
	}{
		{"nothing to modify", req(map[string]any{"MsgBody": nil}), 20001},
		{"no From_Account", req(map[string]any{"From_Account": nil}), 20003},
		{"unknown From_Account", req(map[string]any{"From_Account": "ghost"}), 20003},
		{"no such message", req(map[string]any{"MsgKey": "1_2_3"}), 20026},
		{"a seq with another random", req(map[string]any{"MsgKey": seq + "_99_1"}), 20026},
		{"recalled", req(map[string]any{"MsgKey": recalled}), 20026},
		{"not JSON", `{"MsgKey"}`, 90001},
		{"empty MsgBody", req(map[string]any{"MsgBody": []any{}}), 90002},
		{"no To_Account", req(map[string]any{"To_Account": nil}), 90003},
		{"MsgBody not an array", req(map[string]any{"MsgBody": map[string]any{}}), 90007},
		{"bad element", req(map[string]any{"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{}}}}), 90010},
		{"unknown To_Account", req(map[string]any{"To_Account": "ghost"}), 90012},
		{"malformed MsgKey", req(map[string]any{"MsgKey": "x_y"}), 90054},
		{"over 12 KB", req(map[string]any{"MsgBody": oimBody(strings.Repeat("w", 13<<10))}), 93000},
	}
	for _, tc := range cases {
		oimWant(t, tc.name, s.Call("openim/modify_c2c_msg", tc.req), tc.code)
	}
	if texts := oimTexts(oimRoam(s, "dramon2", "dramon1")); texts[0] != "merged edit" {
		t.Fatalf("failed modifications changed the message: %v", texts)
	}
}
