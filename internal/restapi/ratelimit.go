package restapi

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/parleyim/parley/internal/app"
)

// rateLimiter keeps one token bucket per app and API. A refused call is
// refused before its body is read, so it has no side effect.
type rateLimiter struct {
	mu      sync.Mutex
	buckets map[bucketKey]*bucket
}

type bucketKey struct {
	app uint64
	api string
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter() *rateLimiter { return &rateLimiter{buckets: map[bucketKey]*bucket{}} }

func (l *rateLimiter) allow(a *app.App, api string, now time.Time) bool {
	rate := a.RateLimit(api)
	if rate <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// The bucket holds one second of calls, so a client may burst up to the
	// per-second rate but never sustain more. It holds at least one call, or
	// a rate below 1/s (one call every few seconds) would refuse every call.
	capacity := max(rate, 1)
	k := bucketKey{a.SDKAppID, api}
	b := l.buckets[k]
	if b == nil {
		b = &bucket{tokens: capacity, last: now}
		l.buckets[k] = b
	}
	b.tokens = min(capacity, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// CheckRateLimits refuses an app whose rate_limits name an API this server
// does not have (a misspelt key must not silently fall back to the default)
// or give a negative rate. Handler must have been called.
func (s *Server) CheckRateLimits(apps []*app.App) error {
	for _, a := range apps {
		keys := make([]string, 0, len(a.RateLimits))
		for k := range a.RateLimits {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, ok := s.routes[k]; !ok && k != "default" {
				return fmt.Errorf("app %d: rate_limits: %q is not an API of this server (service/command, or default)", a.SDKAppID, k)
			}
			if a.RateLimits[k] < 0 {
				return fmt.Errorf("app %d: rate_limits: %q is negative (0 means unlimited)", a.SDKAppID, k)
			}
		}
	}
	return nil
}
