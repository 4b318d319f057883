package gateway_test

import (
	"testing"
	"time"

	"github.com/parleyim/parley/internal/resttest"
)

// friend.add repeated to a pending target: the same 30539 answer, but bob's
// devices hear of the request once and his change log holds it once.
func TestFriendAddRepeatPushesOnce(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice", "bob")
	alice, bob := dial(t, s), dial(t, s)
	alice.login(s, "alice", "iOS")
	seq0 := uint64(bob.login(s, "bob", "iOS")["eventSeq"].(float64))
	req := map[string]any{"userID": "bob", "addSource": "AddSource_Type_Web", "addWording": "hi", "remark": "b"}
	for i := 0; i < 3; i++ {
		if code, out := alice.call("friend.add", req); code != 30539 || int(out["code"].(float64)) != 30539 {
			t.Fatalf("add %d: %d %v, want 30539", i, code, out)
		}
	}
	if p := bob.push("friend_request.added"); uint64(p["seq"].(float64)) != seq0+1 {
		t.Fatalf("first push %v, want seq %d", p, seq0+1)
	}
	// Pushes go through the broker after the write: wait a little past a
	// round trip for any that a repeat would have caused.
	bob.call("ping", nil)
	if f, ok := bob.nextFrame(300 * time.Millisecond); ok {
		t.Fatalf("a repeated identical request was pushed again: %v", f)
	}
	code, out := bob.call("sync", map[string]any{"after": seq0})
	if code != 0 || len(out["events"].([]any)) != 1 {
		t.Fatalf("bob's change log after 3 identical requests: %d %v, want one entry", code, out)
	}
}
