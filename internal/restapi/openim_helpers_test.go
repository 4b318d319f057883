package restapi_test

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/resttest"
)

// Shared helpers of the openim_*_test.go end-to-end tests of one-to-one
// messages. Every name starts with "oim".

// oimBody is a MsgBody of one text element.
func oimBody(text string) []any {
	return []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": text}}}
}

// oimWant fails unless resp carries code.
func oimWant(t *testing.T, what string, resp map[string]any, code int) {
	t.Helper()
	if got := resttest.Code(resp); got != code {
		t.Fatalf("%s: ErrorCode %d, want %d (%v)", what, got, code, resp)
	}
	if status := resp["ActionStatus"]; (code == 0) != (status == "OK") {
		t.Fatalf("%s: ActionStatus %v with code %d", what, status, code)
	}
}

// oimSend sends text from one user to another with sendmsg and returns the
// MsgKey.
func oimSend(s *resttest.Server, from, to string, random int, text string) string {
	s.T.Helper()
	resp := s.MustOK("openim/sendmsg", map[string]any{"From_Account": from, "To_Account": to, "MsgRandom": random,
		"MsgBody": oimBody(text)})
	key, _ := resp["MsgKey"].(string)
	if key == "" {
		s.T.Fatalf("sendmsg: no MsgKey in %v", resp)
	}
	return key
}

// oimRoam returns the whole history of operator's conversation with peer
// as operator sees it (one page of up to 100).
func oimRoam(s *resttest.Server, operator, peer string) []map[string]any {
	s.T.Helper()
	resp := s.MustOK("openim/admin_getroammsg", map[string]any{"Operator_Account": operator, "Peer_Account": peer,
		"MaxCnt": 100, "MinTime": 0, "MaxTime": time.Now().Unix() + 3600})
	return resttest.Items(resp, "MsgList")
}

// oimTexts returns the Text of each message's first element.
func oimTexts(msgs []map[string]any) []string {
	out := []string{}
	for _, m := range msgs {
		body, _ := m["MsgBody"].([]any)
		if len(body) == 0 {
			out = append(out, "")
			continue
		}
		content, _ := body[0].(map[string]any)["MsgContent"].(map[string]any)
		text, _ := content["Text"].(string)
		out = append(out, text)
	}
	return out
}

// oimUnread returns user's AllC2CUnreadMsgNum.
func oimUnread(s *resttest.Server, user string) int {
	s.T.Helper()
	resp := s.MustOK("openim/get_c2c_unread_msg_num", map[string]any{"To_Account": user})
	return resttest.Int(resp["AllC2CUnreadMsgNum"])
}

var oimKeyShape = regexp.MustCompile(`^(\d+)_(\d+)_(\d+)$`)

// oimIsInt reports whether v decoded as a JSON integer.
func oimIsInt(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	_, err := n.Int64()
	return err == nil
}
