package gateway

import (
	"sync"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
)

// rateClass groups ops under one per-user rate (app.ClientRateLimits).
type rateClass uint8

const (
	classNone          rateClass = iota // login, logout, ping: never limited
	classRead                           // ops that only read
	classWrite                          // ops that change state, but for the two below
	classMessage                        // msg.send
	classFriendRequest                  // friend.add
	numClasses
)

func (k rateClass) String() string {
	return [...]string{"none", "reads", "writes", "messages", "friend_requests"}[k]
}

// opClasses names every op that is not a read. An op missing here is
// limited as a read, the most generous class, so a new write op must be
// added to stay under the writes limit.
var opClasses = map[string]rateClass{
	"login": classNone, "logout": classNone, "ping": classNone,
	"msg.send":   classMessage,
	"friend.add": classFriendRequest,

	"user.setSelf": classWrite, "user.setC2CReceiveOpt": classWrite,
	"friend.delete": classWrite, "friend.set": classWrite,
	"friend_request.accept": classWrite, "friend_request.refuse": classWrite,
	"friend_request.delete": classWrite, "friend_request.read": classWrite,
	"friend_group.create": classWrite, "friend_group.delete": classWrite, "friend_group.rename": classWrite,
	"friend_group.add": classWrite, "friend_group.remove": classWrite,
	"block.add": classWrite, "block.delete": classWrite,
	"msg.read": classWrite, "msg.recall": classWrite, "msg.modify": classWrite, "msg.delete": classWrite,
	"msg.clear": classWrite, "msg.receipt": classWrite,
	"conversation.pin": classWrite, "conversation.delete": classWrite, "conversation.mark": classWrite,
	"conversation.setDraft":     classWrite,
	"conversation_group.create": classWrite, "conversation_group.delete": classWrite,
	"conversation_group.rename": classWrite, "conversation_group.add": classWrite,
	"conversation_group.remove": classWrite,
	"group.create":              classWrite, "group.dismiss": classWrite, "group.join": classWrite, "group.quit": classWrite,
	"group.invite": classWrite, "group.kick": classWrite, "group.setInfo": classWrite,
	"group.setMemberInfo": classWrite, "group.mute": classWrite, "group.muteAll": classWrite,
	"group.transferOwner": classWrite, "group.acceptApplication": classWrite, "group.refuseApplication": classWrite,
	"group.initAttributes": classWrite, "group.setAttributes": classWrite, "group.deleteAttributes": classWrite,
	"group.setCounters": classWrite, "group.increaseCounter": classWrite, "group.decreaseCounter": classWrite,
	"group.setReceiveMessageOpt": classWrite,
}

func opClass(op string) rateClass {
	if k, ok := opClasses[op]; ok {
		return k
	}
	return classRead
}

func classRate(l app.ClientRateLimits, k rateClass) float64 {
	switch k {
	case classRead:
		return l.Reads
	case classWrite:
		return l.Writes
	case classMessage:
		return l.Messages
	case classFriendRequest:
		return l.FriendRequests
	}
	return 0
}

// userLimiter keeps token buckets per (app, user) and class, shared by all
// of a user's connections on this node, so opening more sockets does not
// buy more rate. Each bucket holds one second of calls: a client may burst
// up to its per-second rate, never sustain more. Entries of users idle for
// a minute (whose buckets are full again) are swept, so the map holds only
// recently active users.
type userLimiter struct {
	mu        sync.Mutex
	users     map[userKey]*userBuckets
	lastSweep time.Time
}

type userKey struct {
	app  uint64
	user string
}

type userBuckets struct {
	tokens [numClasses]float64
	last   [numClasses]time.Time
	used   time.Time
}

const limiterIdle = time.Minute

func newUserLimiter() *userLimiter { return &userLimiter{users: map[userKey]*userBuckets{}} }

// allow takes one token of op's class for c's user, or returns the error
// the client gets: 30540 for friend requests (Tencent's "too many friend
// requests in a short time"), 7008 otherwise. Requests before login are not
// limited here (login is the only op they may run).
func (l *userLimiter) allow(c *conn, op string, now time.Time) error {
	k := opClass(op)
	s := c.session
	if k == classNone || s == nil {
		return nil
	}
	rate := classRate(c.app.ClientRateLimits, k)
	if rate <= 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > limiterIdle {
		for key, b := range l.users {
			if now.Sub(b.used) > limiterIdle {
				delete(l.users, key)
			}
		}
		l.lastSweep = now
	}
	key := userKey{s.App, s.User}
	b := l.users[key]
	if b == nil {
		b = &userBuckets{}
		l.users[key] = b
	}
	b.used = now
	capacity := max(rate, 1)
	if b.last[k].IsZero() {
		b.tokens[k] = capacity
	} else {
		b.tokens[k] = min(capacity, b.tokens[k]+now.Sub(b.last[k]).Seconds()*rate)
	}
	b.last[k] = now
	if b.tokens[k] < 1 {
		if k == classFriendRequest {
			return errcode.Newf(errcode.SNSTooFrequent, "Err_SNS_FriendAdd_Too_Frequent: at most %g friend requests per second", rate)
		}
		return errcode.Newf(CodeRateLimited, "too many %s: at most %g per second for this user", k, rate)
	}
	b.tokens[k]--
	return nil
}
