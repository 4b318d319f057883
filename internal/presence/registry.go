// Package presence tracks which instances of which users are online, applies
// the multi-instance login policy, and answers online-status queries.
//
// The Registry holds the sessions of this node (their endpoints: where a push
// or a kick is written). On one node it is the whole truth and applies the
// policy itself (Add). In a cluster the Directory keeps every node's sessions
// in the shared store and applies the same policy (PushedOut) to all of them
// inside the login's transaction; the Registry then only maps this node's
// sessions to their endpoints. Neither talks to a client or another node:
// they hand back whom to kick, and the caller does the I/O after every lock
// is released.
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
	// ID names the session on its node (the connection's number), so
	// another node can ask for it to be kicked; 0 for sessions that need
	// no such name (tests of the registry alone).
	ID       uint64
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

// Add registers s and returns the sessions it pushes out (PushedOut: the
// oldest ones of its platform beyond limit), each with the reason to give
// it. This is the policy of a node alone; a cluster's Directory applies it
// over every node's sessions and registers with Insert.
func (r *Registry) Add(s *Session, limit int) (kicked []*Session, reason string) {
	k := userKey{s.App, s.User}
	sh := r.shard(s.App, s.User)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	list := sh.users[k]
	platforms := make([]string, len(list))
	for i, o := range list {
		platforms[i] = o.Platform
	}
	out, reason := PushedOut(platforms, s.Platform, limit)
	keep := list[:0:0]
	for i, o := range list {
		if len(out) > 0 && out[0] == i {
			kicked = append(kicked, o)
			out = out[1:]
			continue
		}
		keep = append(keep, o)
	}
	sh.users[k] = append(keep, s)
	return kicked, reason
}

// Insert registers s without applying the policy (the Directory has).
func (r *Registry) Insert(s *Session) {
	k := userKey{s.App, s.User}
	sh := r.shard(s.App, s.User)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	// A new slice: the registry never changes one it has handed out.
	list := sh.users[k]
	sh.users[k] = append(list[:len(list):len(list)], s)
}

// Take unregisters and returns user's session with ID id on this node; nil
// if there is none (it ended meanwhile).
func (r *Registry) Take(app uint64, user string, id uint64) *Session {
	k := userKey{app, user}
	sh := r.shard(app, user)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	list := sh.users[k]
	i := slices.IndexFunc(list, func(s *Session) bool { return s.ID == id })
	if i < 0 {
		return nil
	}
	s := list[i]
	if len(list) == 1 {
		delete(sh.users, k)
	} else {
		sh.users[k] = slices.Delete(slices.Clone(list), i, i+1)
	}
	return s
}

// All returns every session on this node, in no particular order.
func (r *Registry) All() []*Session {
	var out []*Session
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.RLock()
		for _, l := range sh.users {
			out = append(out, l...)
		}
		sh.mu.RUnlock()
	}
	return out
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
