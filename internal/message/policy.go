package message

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/store"
)

// Group error codes (Tencent's, seed inventory §13).
const (
	CodeNoPermission = 10007 // not a member of the group (or not allowed to do this in it)
	CodeNoSuchGroup  = 10010 // the group does not exist or was dismissed
	CodeBadGroupID   = 10015
)

// Tencent's group types, as stored in store.Group.Type (V2TIM's names in
// parentheses); the rules of each are package rules' matrix.
const (
	GroupPrivate    = rules.Work    // Work
	GroupPublic     = rules.Public  // Public
	GroupChatRoom   = rules.Meeting // Meeting
	GroupAVChatRoom = rules.AVChatRoom
	GroupCommunity  = rules.Community
)

// CodeMuted refuses a send from a muted member, or from a common member
// while the whole group is muted.
const CodeMuted = 10017

// Senders says who may send in a conversation.
type Senders int

const (
	// SendersByRelationship: one-to-one rules (the receiver exists, has not
	// blocked the sender, the relationship check when the app has it on).
	SendersByRelationship Senders = iota
	// SendersMembers: members of the group; app admins without being one.
	SendersMembers
)

// Views says whose views of a conversation exist, and so what one message
// writes besides itself.
type Views int

const (
	// ViewsOfBothUsers: the two participants' views, created with the first
	// message; each message gives both a new conversation version.
	ViewsOfBothUsers Views = iota
	// ViewsOfMembers: one view per member, from the join; a message writes
	// none of them (order, last message and unread come from the group
	// row), only the sender's own-message counter.
	ViewsOfMembers
)

// Unread names what a view's unread count leaves out of the messages
// after its read cursor. Bits.
type Unread int

const (
	UnreadExcludesOwn        Unread = 1 << iota // the viewer's own messages
	UnreadExcludesFlagged                       // sent with ExcludeFromUnread
	UnreadExcludesRecalled                      // recalled since
	UnreadExcludesDeleted                       // deleted by the viewer (delete for me, not received)
	UnreadExcludesEverything                    // nothing is ever unread (the type keeps no messages)
)

// Policy is what differs between kinds of conversation; everything else
// (validation, idempotent append with a server seq, history, read cursors,
// recall, modification, per-user views) is the one message core.
type Policy struct {
	Kind    convid.Kind
	Senders Senders
	Views   Views
	// Stored: messages get a seq, a history and an unread count. Otherwise
	// they only reach whoever is online when sent (AVChatRoom).
	Stored bool
	// HistoryBeforeJoin: a member's history includes messages from before
	// their join seq.
	HistoryBeforeJoin bool
	// Unread is what the unread count leaves out. A one-to-one count is
	// taken from the messages (it may leave anything out); a group count
	// is arithmetic on two rows (O(1) in group size and unread), so it can
	// only leave out what counters track: own and flagged messages.
	Unread Unread
}

// C2CPolicy is the policy of one-to-one conversations.
var C2CPolicy = Policy{Kind: convid.KindC2C, Senders: SendersByRelationship, Views: ViewsOfBothUsers, Stored: true,
	HistoryBeforeJoin: true,
	Unread:            UnreadExcludesOwn | UnreadExcludesFlagged | UnreadExcludesRecalled | UnreadExcludesDeleted}

// GroupPolicy is the policy of a group of groupType, read from the group
// rule matrix (package rules): whether history before the join is
// visible, whether messages are stored (AVChatRoom: never) and whether
// unread is counted (Meeting and AVChatRoom: never). An unknown type gets
// Work's rules, the most private.
func GroupPolicy(groupType string) Policy {
	r := rules.OrWork(groupType)
	p := Policy{Kind: convid.KindGroup, Senders: SendersMembers, Views: ViewsOfMembers, Stored: r.Stored,
		HistoryBeforeJoin: r.HistoryBeforeJoin, Unread: UnreadExcludesOwn | UnreadExcludesFlagged}
	if !r.Unread || !r.Stored {
		p.Unread = UnreadExcludesEverything
	}
	return p
}

// conv is a conversation resolved for one user: its identity, storage
// key, policy and, for a group, the group and the user's membership view.
type conv struct {
	id     convid.ID
	key    string
	policy Policy
	group  store.Group
	view   store.Conversation
	member bool
}

// resolve reads what the policy of id needs: nothing for a one-to-one
// conversation; the group (10010 without one) and user's membership for a
// group. A non-member is refused (10007) unless mayBeOutsider.
func resolve(ctx context.Context, tx Tx, a *app.App, user string, id convid.ID, mayBeOutsider bool) (conv, error) {
	c := conv{id: id, key: id.Key(user)}
	switch id.Kind {
	case convid.KindC2C:
		c.policy = C2CPolicy
		return c, nil
	case convid.KindGroup:
	default:
		return c, errcode.Newf(CodeInvalidRequest, "Err_Msg_Conversation_Invalid: %q", id.String())
	}
	if !convid.ValidGroupTarget(id.Target) {
		return c, errcode.Newf(CodeBadGroupID, "Err_Group_ID_Invalid: %q", id.Target)
	}
	g, ok, err := tx.Group(ctx, a.SDKAppID, id.Target)
	if err != nil {
		return c, err
	}
	if !ok {
		return c, errcode.Newf(CodeNoSuchGroup, "Err_Group_Not_Exist: %q", id.Target)
	}
	c.group, c.policy = g, GroupPolicy(g.Type)
	if c.view, c.member, err = tx.Conversation(ctx, a.SDKAppID, user, c.key); err != nil {
		return c, err
	}
	if !c.member && !mayBeOutsider {
		return c, errcode.Newf(CodeNoPermission, "Err_Group_Not_Member: %q is not a member of %q", user, id.Target)
	}
	return c, nil
}

// historyFloor is the lowest seq user may see in c: after their join when
// the policy hides history from before it.
func (c *conv) historyFloor() uint64 {
	if c.id.Kind == convid.KindGroup && !c.policy.HistoryBeforeJoin {
		return c.view.JoinSeq + 1
	}
	return 0
}
