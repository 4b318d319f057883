package status

import (
	"testing"
	"time"
)

// The bucket allows RateCalls at once, then one call per RateWindow /
// RateCalls, per user.
func TestLimiterAllowsTwentyPerFiveSeconds(t *testing.T) {
	var l limiter
	now := time.Unix(1000, 0)
	alice, bob := userKey{1, "alice"}, userKey{1, "bob"}
	for i := range RateCalls {
		if !l.take(alice, now) {
			t.Fatalf("call %d refused", i+1)
		}
	}
	if l.take(alice, now) {
		t.Fatal("call 21 within the window allowed")
	}
	if !l.take(bob, now) {
		t.Fatal("another user is limited by alice's calls")
	}
	if !l.take(userKey{2, "alice"}, now) {
		t.Fatal("the same UserID in another app is limited by alice's calls")
	}
	step := RateWindow / RateCalls
	if l.take(alice, now.Add(step/2)) {
		t.Fatal("allowed before a token came back")
	}
	if !l.take(alice, now.Add(step)) {
		t.Fatal("refused once a token came back")
	}
	// Idle for a window: swept, and full again.
	later := now.Add(2 * RateWindow)
	l.take(bob, later)
	if _, ok := l.buckets[alice]; ok {
		t.Fatal("an idle user's bucket was kept")
	}
	for i := range RateCalls {
		if !l.take(alice, later) {
			t.Fatalf("after the window, call %d refused", i+1)
		}
	}
}
