package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/resttest"
)

// /readyz is 200 while the node can serve, 503 once it drains or its store
// is gone; /healthz stays 200 (the process is alive).
func TestReadiness(t *testing.T) {
	s := resttest.Start(t)
	status := func(path string) int {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := status("/readyz"); c != 200 {
		t.Fatalf("/readyz %d, want 200", c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	s.Node.Gateway.Shutdown(ctx)
	if c := status("/readyz"); c != 503 {
		t.Fatalf("/readyz while draining %d, want 503", c)
	}
	if c := status("/healthz"); c != 200 {
		t.Fatalf("/healthz while draining %d, want 200", c)
	}

	s = resttest.Start(t)
	s.Node.Store.Close()
	if c := status("/readyz"); c != 503 {
		t.Fatalf("/readyz without a store %d, want 503", c)
	}
}
