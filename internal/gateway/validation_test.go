package gateway_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

// sync with a position of 2^63 or more is beyond any log: the protocol's
// reset, not an internal error. A negative limit is the client's mistake.
func TestSyncPositionRange(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice")
	c := dial(t, s)
	c.login(s, "alice", "iOS")
	for _, raw := range []string{`{"after":9223372036854775808}`, `{"after":18446744073709551615}`, `{"after":9223372036854775807}`} {
		code, out := c.callRaw("sync", raw)
		if code != 0 || out["reset"] != true || out["complete"] != true || len(out["events"].([]any)) != 0 {
			t.Errorf("sync %s: %d %v, want a reset", raw, code, out)
		}
	}
	for _, raw := range []string{`{"after":18446744073709551616}`, `{"after":-1}`, `{"after":0,"limit":-1}`, `{"after":1.5}`} {
		if code, _ := c.callRaw("sync", raw); code != 6017 {
			t.Errorf("sync %s: code %d, want 6017", raw, code)
		}
	}
}

// callRaw is call with data given as raw JSON, so tests can send numbers
// no Go value marshals to (2^64, -1 for an unsigned field, 1.5).
func (c *client) callRaw(op, data string) (int, map[string]any) {
	c.t.Helper()
	if !strings.HasPrefix(data, "{") {
		c.t.Fatalf("callRaw: data %q is not an object", data)
	}
	return c.call(op, rawJSON(data))
}

type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// Numeric inputs of the client door out of their range are refused with
// the domain's code and change nothing.
func TestClientNumericRanges(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice", "bob")
	c := dial(t, s)
	c.login(s, "alice", "iOS")
	c.mustCall("msg.send", map[string]any{"to": "bob", "random": 1, "body": text("hi")})
	c.mustCall("conversation.mark", map[string]any{"conversationIDs": []string{"c2c_bob"}, "markType": 1, "enable": true})

	for _, tc := range []struct {
		op, data string
		code     int // the answer's code
		item     int // the first result's code, when the answer is 0
	}{
		{"conversation.mark", `{"conversationIDs":["c2c_bob"],"markType":16,"enable":true}`, 0, 50002},
		{"conversation.mark", `{"conversationIDs":["c2c_bob"],"markType":2147483648,"enable":true}`, 0, 50002},
		{"conversation.mark", `{"conversationIDs":["c2c_bob"],"markType":17,"enable":false}`, 0, 50002},
		{"conversation.mark", `{"conversationIDs":["c2c_bob"],"markType":-1,"enable":true}`, 6017, 0},
		{"conversation.mark", `{"conversationIDs":["c2c_bob"],"markType":18446744073709551616,"enable":true}`, 6017, 0},
		{"conversation.list", `{"markType":16}`, 50002, 0},
		{"conversation.list", `{"count":-5}`, 50002, 0},
		{"msg.history", `{"userID":"bob","count":-1}`, 20001, 0},
		{"msg.history", `{"userID":"bob","seq":-1}`, 6017, 0},
		{"msg.send", `{"to":"bob","random":4294967296,"body":{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}}`, 6017, 0},
		{"user.setC2CReceiveOpt", `{"userIDs":["bob"],"opt":3}`, 20001, 0},
		{"user.setC2CReceiveOpt", `{"userIDs":["bob"],"opt":-1}`, 20001, 0},
	} {
		code, out := c.callRaw(tc.op, tc.data)
		if code != tc.code {
			t.Errorf("%s %s: code %d %v, want %d", tc.op, tc.data, code, out, tc.code)
			continue
		}
		if tc.item != 0 {
			rs := out["results"].([]any)
			if got := resttest.Int(rs[0].(map[string]any)["code"]); got != tc.item {
				t.Errorf("%s %s: result code %d, want %d", tc.op, tc.data, got, tc.item)
			}
		}
	}
	// Nothing stored changed: bob's conversation keeps exactly the star,
	// one message, and the receive option 0.
	cv := c.conversation("c2c_bob")
	if fmt.Sprint(cv["markList"]) != "[1]" || resttest.Int(cv["lastSeq"]) != 1 || resttest.Int(cv["recvOpt"]) != 0 {
		t.Fatalf("conversation after refused requests: %v", cv)
	}
}
