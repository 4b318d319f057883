package gateway_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/parleyim/parley/internal/resttest"
)

// Shutdown sends close 1001 to every connection, logged in or not, after
// what was queued for it; waits for them to close; and refuses new upgrades
// with 503 meanwhile.
func TestShutdownSaysGoingAway(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice", "bob")
	a, b, anon := dialRaw(t, s), dialRaw(t, s), dialRaw(t, s)
	a.login(s, "alice")
	b.login(s, "bob")
	for s.Node.Gateway.Connections() != 3 {
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan [2]int, 1)
	go func() {
		open, forced := s.Node.Gateway.Shutdown(ctx)
		done <- [2]int{open, forced}
	}()
	for _, r := range []*rawConn{a, b, anon} {
		if code, _ := r.closeCode(5 * time.Second); code != ws.StatusGoingAway {
			t.Fatalf("close code %d, want 1001", code)
		}
		r.nc.Close()
	}
	if got := <-done; got != [2]int{3, 0} {
		t.Fatalf("Shutdown: %d open, %d forced; want 3, 0", got[0], got[1])
	}
	resp, err := http.Get(s.URL + "/v1/ws?sdkappid=1400000001")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("an upgrade while draining: HTTP %d, want 503", resp.StatusCode)
	}
}

// A client that never reads is closed by force when the shutdown's bound
// ends.
func TestShutdownIsBounded(t *testing.T) {
	s := resttest.Start(t)
	dialRaw(t, s) // never reads, never closes
	for s.Node.Gateway.Connections() != 1 {
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	open, _ := s.Node.Gateway.Shutdown(ctx)
	if open != 1 || time.Since(start) > 2*time.Second {
		t.Fatalf("Shutdown: %d open, took %s", open, time.Since(start))
	}
	deadline := time.Now().Add(2 * time.Second)
	for s.Node.Gateway.Connections() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the connection is still open after the forced close")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
