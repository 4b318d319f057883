// Package convid is the one typed identity of a conversation, shared by the
// message core, the conversation list, both doors and the storage keys:
// a kind (one-to-one or group, a community topic being a group) and its target (the peer's
// UserID, or the group ID).
//
// A conversation has two spellings. The client form is how a user names it
// (Tencent's conversationID): c2c_<peer> or group_<groupID>; it depends on
// who is looking (alice's c2c_bob is bob's c2c_alice). The storage key is
// the same from every side: c2c:<a>:<b> with a < b, or group:<groupID>.
// Only this package builds or reads either form.
package convid

import (
	"errors"
	"fmt"
	"strings"

	"github.com/parleyim/parley/internal/account"
)

// Kind is what sort of conversation an ID names. The values are the REST
// API's conversation types (1 one-to-one, 2 group).
type Kind uint8

const (
	KindC2C   Kind = 1
	KindGroup Kind = 2
)

func (k Kind) String() string {
	switch k {
	case KindC2C:
		return "c2c"
	case KindGroup:
		return "group"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// MaxGroupIDBytes is the longest group ID a conversation ID may carry.
const MaxGroupIDBytes = 48

// A topic of a community is a group conversation of its own whose ID is
// Tencent's <communityID>@TOPIC#_<x>: the community is read off the ID, so
// routing a topic's messages to the community's members needs no lookup.
// A topic ID is at most MaxTopicIDBytes (a 48-byte community ID, the
// separator, a 48-byte suffix).
const (
	TopicSeparator  = "@TOPIC#_"
	MaxTopicIDBytes = MaxGroupIDBytes + len(TopicSeparator) + MaxGroupIDBytes
)

// CommunityOf is the community of topic ID id; false when id names no
// topic (an ordinary group ID, which may not contain the separator).
func CommunityOf(id string) (string, bool) {
	i := strings.Index(id, TopicSeparator)
	if i <= 0 || i+len(TopicSeparator) == len(id) {
		return "", false
	}
	return id[:i], true
}

// ValidGroupTarget reports whether id may be a group conversation's
// target: a group ID of 1 to MaxGroupIDBytes, or a topic ID.
func ValidGroupTarget(id string) bool {
	if _, topic := CommunityOf(id); topic {
		return len(id) <= MaxTopicIDBytes
	}
	return id != "" && len(id) <= MaxGroupIDBytes
}

// Client-form and storage-key prefixes.
const (
	c2cPrefix      = "c2c_"
	groupPrefix    = "group_"
	c2cKeyPrefix   = "c2c:"
	groupKeyPrefix = "group:"
)

// ID is one conversation as its owner sees it. The zero ID names nothing.
type ID struct {
	Kind   Kind
	Target string // the peer's UserID (KindC2C) or the group ID (KindGroup)
}

// C2C is the one-to-one conversation with peer.
func C2C(peer string) ID { return ID{KindC2C, peer} }

// Group is the conversation of group groupID.
func Group(groupID string) ID { return ID{KindGroup, groupID} }

// IsZero reports whether id names nothing.
func (id ID) IsZero() bool { return id == ID{} }

// String is the client form: c2c_<peer> or group_<groupID>.
func (id ID) String() string {
	switch id.Kind {
	case KindC2C:
		return c2cPrefix + id.Target
	case KindGroup:
		return groupPrefix + id.Target
	}
	return ""
}

// ErrInvalid is wrapped by every error of Parse; callers answer it with
// their door's parameter code.
var ErrInvalid = errors.New("invalid conversation ID")

// Parse reads the client form. The peer of c2c_ must be a valid UserID; a
// group ID is 1 to MaxGroupIDBytes bytes, a topic ID up to MaxTopicIDBytes.
func Parse(s string) (ID, error) {
	if peer, ok := strings.CutPrefix(s, c2cPrefix); ok {
		if !account.ValidUserID(peer) {
			return ID{}, fmt.Errorf("%w %q: not a valid UserID after c2c_", ErrInvalid, s)
		}
		return C2C(peer), nil
	}
	if group, ok := strings.CutPrefix(s, groupPrefix); ok && ValidGroupTarget(group) {
		return Group(group), nil
	}
	return ID{}, fmt.Errorf("%w %q: c2c_<userID> or group_<groupID>", ErrInvalid, s)
}

// Key is the storage key of the conversation owner sees as id: the same
// string for both users of a one-to-one conversation and for every member
// of a group.
func (id ID) Key(owner string) string {
	if id.Kind == KindGroup {
		return GroupKey(id.Target)
	}
	return C2CKey(owner, id.Target)
}

// C2CKey is the storage key of the conversation of users a and b.
func C2CKey(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return c2cKeyPrefix + a + ":" + b
}

// GroupKey is the storage key of group groupID's conversation.
func GroupKey(groupID string) string { return groupKeyPrefix + groupID }

// KeyKind reports which kind of conversation a storage key names (0 for
// a string that is not one).
func KeyKind(key string) Kind {
	switch {
	case strings.HasPrefix(key, c2cKeyPrefix):
		return KindC2C
	case strings.HasPrefix(key, groupKeyPrefix):
		return KindGroup
	}
	return 0
}

// FromKey is the conversation owner sees under a storage key: for a
// one-to-one key, the side that is not owner. ok is false when the key is
// malformed or owner is not one of its users.
func FromKey(owner, key string) (ID, bool) {
	if g, ok := strings.CutPrefix(key, groupKeyPrefix); ok && g != "" {
		return Group(g), true
	}
	rest, ok := strings.CutPrefix(key, c2cKeyPrefix)
	if !ok {
		return ID{}, false
	}
	// UserIDs have no colon, so the split is unambiguous.
	a, b, ok := strings.Cut(rest, ":")
	switch {
	case !ok:
		return ID{}, false
	case a == owner:
		return C2C(b), true
	case b == owner:
		return C2C(a), true
	}
	return ID{}, false
}
