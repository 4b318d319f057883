package server

import (
	"testing"
	"time"
)

// The development login's bucket admits its burst at once, then its rate.
func TestDevLoginBucket(t *testing.T) {
	b := tokenBucket{rate: devLoginRate, burst: devLoginBurst}
	t0 := time.Unix(1_000_000, 0)
	for i := range devLoginBurst {
		if !b.take(t0) {
			t.Fatalf("refused call %d of the burst", i+1)
		}
	}
	if b.take(t0) {
		t.Fatal("admitted a call over the burst")
	}
	if !b.take(t0.Add(time.Second / devLoginRate)) {
		t.Fatal("refused a call once a token came back")
	}
	if b.take(t0.Add(time.Second / devLoginRate)) {
		t.Fatal("one token came back, two calls admitted")
	}
	if b.take(t0.Add(-time.Hour)) {
		t.Fatal("a clock going back gave tokens")
	}
}
