package message

import (
	"fmt"
	"testing"
	"time"
)

// The node's per-group buckets stay bounded even when every group sent
// within the last second, and a group that is evicted still gets no more
// than its burst before it is limited again.
func TestGroupRatesStayBounded(t *testing.T) {
	var r groupRates
	now := time.Unix(1_764_547_200, 0)
	for i := range maxRateGroups + 500 {
		if !r.admit(1, fmt.Sprintf("g%d", i), PriorityNormal, 40, now) {
			t.Fatalf("group %d refused its first send", i)
		}
	}
	if n := len(r.buckets); n > maxRateGroups {
		t.Fatalf("%d buckets held, the bound is %d", n, maxRateGroups)
	}
	// A busy group is still limited to its second's budget (40, less the
	// reserve Normal leaves to High).
	admitted := 0
	for range 100 {
		if r.admit(1, "busy", PriorityNormal, 40, now) {
			admitted++
		}
	}
	if admitted == 0 || admitted > 40 {
		t.Fatalf("a group admitted %d sends in one instant, want 1 to 40", admitted)
	}
	// A second later idle buckets are swept rather than evicted blindly.
	later := now.Add(2 * time.Second)
	r.admit(1, "fresh", PriorityNormal, 40, later)
	if n := len(r.buckets); n > 2 {
		t.Fatalf("%d buckets after every old one went idle, want them swept", n)
	}
}
