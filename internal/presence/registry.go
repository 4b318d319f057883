// Package presence tracks which instances of which users are online on this
// node, applies the multi-instance login policy, and answers online-status
// queries. It never does network I/O itself: it hands the sessions to kick
// back to the caller, which talks to them after the registry's lock is
// released.
package presence

import (
	"hash/maphash"
	"slices"
	"sync"
	"time"
)

// Platforms a client may log in from.
var Platforms = []string{"Web", "Android", "iOS", "iPad", "Windows", "Mac"}

// ValidPlatform reports whether p is one of Platforms.
func ValidPlatform(p string) bool { return slices.Contains(Platforms, p) }

// Endpoint is the connection behind a session.
type Endpoint interface {
	// Push queues frame for the client; it must not block.
	Push(frame []byte)
	// Kick tells the client why and closes the connection; it must not
	// block.
	Kick(reason string)
}

// Session is one logged-in instance.
type Session struct {
	App      uint64
	User     string
	Platform string
	Instance string
	LoginAt  time.Time
	Endpoint Endpoint
}

// Kick reasons, as the protocol names them.
const (
	KickMultipleAccount = "multiple_account" // another Web login beyond the Web limit
	KickMultipleDevice  = "multiple_device"  // another login on the same platform beyond its limit
	KickUserSigExpired  = "usersig_expired"
	KickRESTAPI         = "rest_api"
)

type userKey struct {
	app  uint64
	user string
}

const shardCount = 64

// Registry is the set of sessions online on this node.
type Registry struct {
	seed   maphash.Seed
	shards [shardCount]shard
}

type shard struct {
	mu    sync.RWMutex
	users map[userKey][]*Session
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	r := &Registry{seed: maphash.MakeSeed()}
	for i := range r.shards {
		r.shards[i].users = map[userKey][]*Session{}
	}
	return r
}

func (r *Registry) shard(app uint64, user string) *shard {
	h := maphash.String(r.seed, user) ^ app
	return &r.shards[h%shardCount]
}

// Add registers s and returns the sessions it pushes out: the oldest ones
// of its platform beyond limit, each with the reason to give it.
func (r *Registry) Add(s *Session, limit int) (kicked []*Session, reason string) {
	if limit < 1 {
		limit = 1
	}
	k := userKey{s.App, s.User}
	sh := r.shard(s.App, s.User)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	list := sh.users[k]
	same := 0
	for _, o := range list {
		if o.Platform == s.Platform {
			same++
		}
	}
	// list is in login order, so the first ones of the platform are the oldest.
	keep := list[:0:0]
	for _, o := range list {
		if o.Platform == s.Platform && same >= limit {
			kicked = append(kicked, o)
			same--
			continue
		}
		keep = append(keep, o)
	}
	sh.users[k] = append(keep, s)
	reason = KickMultipleDevice
	if s.Platform == "Web" {
		reason = KickMultipleAccount
	}
	return kicked, reason
}

// Remove unregisters s; it is a no-op for a session already removed.
func (r *Registry) Remove(s *Session) {
	k := userKey{s.App, s.User}
	sh := r.shard(s.App, s.User)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	list := sh.users[k]
	i := slices.Index(list, s)
	if i < 0 {
		return
	}
	list = slices.Delete(slices.Clone(list), i, i+1)
	if len(list) == 0 {
		delete(sh.users, k)
		return
	}
	sh.users[k] = list
}

// Sessions returns user's sessions on this node, oldest first. The slice is
// the caller's: the registry never changes a slice it has handed out.
func (r *Registry) Sessions(app uint64, user string) []*Session {
	sh := r.shard(app, user)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return sh.users[userKey{app, user}]
}

// RemoveAll unregisters every session of user and returns them.
func (r *Registry) RemoveAll(app uint64, user string) []*Session {
	k := userKey{app, user}
	sh := r.shard(app, user)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	list := sh.users[k]
	delete(sh.users, k)
	return list
}

// Count is the number of sessions online on this node.
func (r *Registry) Count() int {
	n := 0
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.RLock()
		for _, l := range sh.users {
			n += len(l)
		}
		sh.mu.RUnlock()
	}
	return n
}
