package server_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/internal/store/sqlite"
)

// A rate limit that names no API (a misspelt key) or is negative stops the
// node from starting: it must not silently fall back to the default.
func TestRateLimitKeysMustNameAnAPI(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		limits map[string]float64
		want   string
	}{
		{map[string]float64{"sns/frend_add": 5}, `"sns/frend_add" is not an API`},
		{map[string]float64{"sns/friend_add": -1}, "negative"},
		{map[string]float64{"sns/friend_add": 5, "default": 0, "openim/querystate": 3}, ""},
	} {
		a := app.New(1400000001, "0123456789abcdef0123")
		a.RateLimits = tc.limits
		_, err := server.New(ctx, st, []*app.App{a}, logger)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("rate limits %v: %v, want %q", tc.limits, err, tc.want)
		}
	}
}
