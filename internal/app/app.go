// Package app describes a tenant: one SDKAppID with its secret key, admin
// accounts, feature switches, limits and declared custom fields. Everything a
// request does is scoped to exactly one App.
package app

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// App is one tenant's configuration.
type App struct {
	SDKAppID  uint64
	SecretKey string
	Admins    []string

	Switches Switches
	Limits   Limits
	Login    LoginPolicy

	// MessageRetention is how long messages are kept for history (roaming);
	// 7 days by default.
	MessageRetention time.Duration
	// RecallWindow is how long after sending a message may be recalled; 2
	// minutes by default.
	RecallWindow time.Duration
	// GroupReadReceipts are the group types (Private, Public, ChatRoom)
	// whose messages may ask for read receipts: the console's "Group
	// Message Read Receipts", off (none) by default.
	GroupReadReceipts []string
	// GroupMessageRate is how many messages a second one group takes, from
	// every sender of both doors together (Tencent's 40; 0 is unlimited).
	GroupMessageRate float64

	// ProfileCustomFields and FriendCustomFields are the declared keywords of
	// Tag_Profile_Custom_<kw> and Tag_SNS_Custom_<kw>. Undeclared custom tags
	// are rejected, as in Tencent's console-managed setup.
	ProfileCustomFields []string
	FriendCustomFields  []string
	// GroupCustomFields and GroupMemberCustomFields are the declared keys
	// of groups' AppDefinedData and members' AppMemberDefinedData (at most
	// 5 member fields); with none declared, app-defined data is refused,
	// as at Tencent where it is "unavailable by default".
	GroupCustomFields       []string
	GroupMemberCustomFields []string
	// GroupMemberCaps is the highest member cap a group of a type may ask
	// for in this app, by the type's REST name (Private, Public,
	// ChatRoom, Community). Tencent's editions sell larger groups as a
	// value-added service (seed 002: Ultimate 2,000 raised to 6,000); a
	// self-hosted operator sets the figure here. A type left out keeps
	// the rule matrix's cap; AVChatRoom has none to raise.
	GroupMemberCaps map[string]int

	// RateLimits maps "service/command" to calls per second for this app;
	// the key "default" applies to commands not listed. Zero or less means
	// unlimited.
	RateLimits map[string]float64

	// ClientRateLimits are the per-user rates of the client socket.
	ClientRateLimits ClientRateLimits
}

// ClientRateLimits are calls per second per user on the client socket
// (all of the user's connections on a node together); each bucket holds
// one second of calls. Zero means unlimited. login, logout and ping are
// never limited.
type ClientRateLimits struct {
	Messages       float64 // msg.send
	FriendRequests float64 // friend.add (30540 past it)
	Writes         float64 // every other op that changes state
	Reads          float64 // every op that only reads
}

// DefaultClientRateLimits allow a busy person (or a bot) well beyond what a
// hand types, and stop a flooding socket.
var DefaultClientRateLimits = ClientRateLimits{Messages: 50, FriendRequests: 10, Writes: 50, Reads: 200}

// Set sets the limit named by a configuration key: messages,
// friend_requests, writes or reads.
func (l *ClientRateLimits) Set(key string, v float64) error {
	if v < 0 {
		return fmt.Errorf("client rate limit %s: %g is negative (0 means unlimited)", key, v)
	}
	switch key {
	case "messages":
		l.Messages = v
	case "friend_requests":
		l.FriendRequests = v
	case "writes":
		l.Writes = v
	case "reads":
		l.Reads = v
	default:
		return fmt.Errorf("client rate limit %q: not one of messages, friend_requests, writes, reads", key)
	}
	return nil
}

// SetAll sets every client rate limit to v.
func (l *ClientRateLimits) SetAll(v float64) {
	*l = ClientRateLimits{Messages: v, FriendRequests: v, Writes: v, Reads: v}
}

// Switches are the console feature switches the seeds name.
type Switches struct {
	// CheckFriendForC2C rejects one-to-one messages to non-friends (20009).
	CheckFriendForC2C bool
	// ShowSentToBlocked tells a blocked sender "sent" instead of 20007.
	ShowSentToBlocked bool
	// AVChatRoomNewMemberHistory is the console's "Message History for
	// New Members": a new member of an AVChatRoom gets its last messages
	// (at most 20 of the last 24 hours) right after joining.
	AVChatRoomNewMemberHistory bool
	// UserStatus is the console's "user status query and status change
	// notification": off (Tencent's default), asking for another user's
	// status or subscribing to it is 72001; a user's own status always works.
	UserStatus bool
}

// Limits are the per-user caps of the relationship chain.
type Limits struct {
	MaxFriends         int
	MaxFriendLists     int
	MaxBlocked         int
	MaxPendingRequests int
}

// LoginPolicy caps how many instances of one user may be online per
// platform; a login beyond the cap pushes out the oldest instance.
type LoginPolicy struct {
	MaxWebInstances         int // 1 by default, at most 10
	MaxInstancesPerPlatform int // Android, iOS, iPad, Windows, Mac: 3 by default, at most 3
}

// DefaultLoginPolicy follows the seeds: one Web instance, three per other
// platform.
var DefaultLoginPolicy = LoginPolicy{MaxWebInstances: 1, MaxInstancesPerPlatform: 3}

// Limit returns the cap for platform.
func (p LoginPolicy) Limit(platform string) int {
	if platform == "Web" {
		return p.MaxWebInstances
	}
	return p.MaxInstancesPerPlatform
}

// DefaultLimits are Tencent's documented defaults.
var DefaultLimits = Limits{MaxFriends: 3000, MaxFriendLists: 32, MaxBlocked: 1000, MaxPendingRequests: 100}

// DefaultRateLimits are Tencent's documented per-API call rates.
func DefaultRateLimits() map[string]float64 {
	return map[string]float64{
		"default":                                200,
		"im_open_login_svc/multiaccount_import":  100,
		"im_open_login_svc/account_delete":       100,
		"im_open_login_svc/account_check":        100,
		"group_open_http_svc/send_broadcast_msg": 1,
	}
}

// New returns an app with default switches, limits and rate limits.
func New(sdkAppID uint64, secretKey string, admins ...string) *App {
	if len(admins) == 0 {
		admins = []string{"administrator"}
	}
	return &App{
		SDKAppID:   sdkAppID,
		SecretKey:  secretKey,
		Admins:     admins,
		Switches:   Switches{ShowSentToBlocked: true},
		Limits:     DefaultLimits,
		Login:      DefaultLoginPolicy,
		RateLimits: DefaultRateLimits(),

		ClientRateLimits: DefaultClientRateLimits,
		GroupMessageRate: DefaultGroupMessageRate,
	}
}

// MaxGroupMemberCap bounds group_member_caps: a group's member list is
// paged and its unread is constant in its size, but a dismissal or a
// mute-all notice still walks every member once.
const MaxGroupMemberCap = 1_000_000

// DefaultGroupMessageRate is Tencent's per-group send rate (rest-spec
// §3.7: "Group rate limit 40 msg/s/group").
const DefaultGroupMessageRate = 40

// IsAdmin reports whether user is one of the app's admin accounts.
func (a *App) IsAdmin(user string) bool { return slices.Contains(a.Admins, user) }

// RateLimit returns the calls per second allowed for service/command.
func (a *App) RateLimit(api string) float64 {
	if r, ok := a.RateLimits[api]; ok {
		return r
	}
	return a.RateLimits["default"]
}

// HasProfileCustomField reports whether Tag_Profile_Custom_<kw> is declared.
func (a *App) HasProfileCustomField(kw string) bool {
	return slices.Contains(a.ProfileCustomFields, kw)
}

// HasFriendCustomField reports whether Tag_SNS_Custom_<kw> is declared.
func (a *App) HasFriendCustomField(kw string) bool { return slices.Contains(a.FriendCustomFields, kw) }

// Validate rejects configurations the server cannot serve safely.
func (a *App) Validate() error {
	if a.SDKAppID == 0 || a.SDKAppID > 0xFFFFFFFF {
		return fmt.Errorf("app %d: sdkappid must be a positive 32-bit number", a.SDKAppID)
	}
	if len(a.SecretKey) < 16 {
		return fmt.Errorf("app %d: secret key must have at least 16 characters", a.SDKAppID)
	}
	if len(a.Admins) == 0 {
		return fmt.Errorf("app %d: at least one admin account is required", a.SDKAppID)
	}
	if a.Login.MaxWebInstances < 1 || a.Login.MaxWebInstances > 10 {
		return fmt.Errorf("app %d: max_web_instances must be 1 to 10", a.SDKAppID)
	}
	if a.Login.MaxInstancesPerPlatform < 1 || a.Login.MaxInstancesPerPlatform > 3 {
		return fmt.Errorf("app %d: max_instances_per_platform must be 1 to 3", a.SDKAppID)
	}
	for t, n := range a.GroupMemberCaps {
		switch t {
		case "Private", "Public", "ChatRoom", "Community":
		default:
			return fmt.Errorf("app %d: group_member_caps: %q is not a group type with a member cap (Private, Public, ChatRoom, Community)", a.SDKAppID, t)
		}
		if n < 1 || n > MaxGroupMemberCap {
			return fmt.Errorf("app %d: group_member_caps.%s = %d: must be 1 to %d", a.SDKAppID, t, n, MaxGroupMemberCap)
		}
	}
	for _, kw := range append(append([]string(nil), a.ProfileCustomFields...), a.FriendCustomFields...) {
		if !ValidCustomKeyword(kw) {
			return fmt.Errorf("app %d: custom field %q: keyword must be 1-8 letters, digits or underscores", a.SDKAppID, kw)
		}
	}
	return nil
}

// ValidCustomKeyword reports whether kw can follow Tag_Profile_Custom_ or
// Tag_SNS_Custom_ (at most 8 bytes of [A-Za-z0-9_]).
func ValidCustomKeyword(kw string) bool {
	if kw == "" || len(kw) > 8 {
		return false
	}
	return strings.IndexFunc(kw, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0
}

// Registry holds the apps a server serves, by SDKAppID.
type Registry struct {
	apps  map[uint64]*App
	order []uint64
}

// NewRegistry validates apps and indexes them.
func NewRegistry(apps ...*App) (*Registry, error) {
	r := &Registry{apps: map[uint64]*App{}}
	for _, a := range apps {
		if err := a.Validate(); err != nil {
			return nil, err
		}
		if _, dup := r.apps[a.SDKAppID]; dup {
			return nil, fmt.Errorf("app %d declared twice", a.SDKAppID)
		}
		r.apps[a.SDKAppID] = a
		r.order = append(r.order, a.SDKAppID)
	}
	return r, nil
}

// Lookup returns the app for an SDKAppID.
func (r *Registry) Lookup(sdkAppID uint64) (*App, bool) {
	a, ok := r.apps[sdkAppID]
	return a, ok
}

// All returns the apps in declaration order.
func (r *Registry) All() []*App {
	out := make([]*App, len(r.order))
	for i, id := range r.order {
		out[i] = r.apps[id]
	}
	return out
}
