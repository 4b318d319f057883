package gateway_test

import (
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
