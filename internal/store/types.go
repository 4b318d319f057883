package store

import "errors"

// AppID is a tenant's SDKAppID. Every row carries it: data of different apps
// never mixes.
type AppID = uint64

// Account is an imported or signed-up user.
type Account struct {
	UserID    string
	CreatedAt int64
}

// Friend is one direction of a friendship: Owner has Peer in their list.
// A two-way friendship is two rows, which is how one-way adds, one-way deletes
// and the four check relations fall out without special cases.
type Friend struct {
	App        AppID
	Owner      string
	Peer       string
	Remark     string
	Groups     []string // friend lists of Owner that Peer belongs to, sorted
	AddSource  string
	AddWording string
	AddTime    int64
	RemarkTime int64
	Custom     map[string]Value // Tag_SNS_Custom_* values
}

// FriendRequest is a pending application from From to To, kept until To
// accepts or refuses it (or a later add makes it moot).
type FriendRequest struct {
	App        AppID
	From       string
	To         string
	AddSource  string
	AddWording string
	Remark     string // remark From will give To once accepted
	GroupName  string // friend list From will put To in once accepted
	AddType    string // Add_Type_Single or Add_Type_Both
	CreatedAt  int64
	Read       bool // To has seen it
}

// Block is Owner's blocklist entry for Peer.
type Block struct {
	App     AppID
	Owner   string
	Peer    string
	AddedAt int64
}

// FriendList is a named list (a "friend group") that Owner sorts friends into.
type FriendList struct {
	Name      string
	CreatedAt int64
	Members   []string
}

// SeqKind names one of the per-user version counters of the relationship
// chain. Clients compare them to skip pulling data that did not change.
type SeqKind int

const (
	SeqFriend       SeqKind = iota // standard friend fields and membership
	SeqFriendCustom                // Tag_SNS_Custom_* fields
	SeqBlock                       // blocklist
	SeqFriendList                  // friend lists
)

// Seqs are the current counters of one user.
type Seqs struct {
	Friend       uint64
	FriendCustom uint64
	Block        uint64
	FriendList   uint64
}

// RelationSet is how one owner relates to a set of peers.
type RelationSet struct {
	OwnerExists bool
	Friends     map[string]bool // owner has peer as a friend
	FriendOf    map[string]bool // peer has owner as a friend
	Blocked     map[string]bool // owner blocked peer
	BlockedBy   map[string]bool // peer blocked owner
	// RecvOpt is owner's receive option for each peer that has one other
	// than RecvOptReceive.
	RecvOpt map[string]int
	// Profiles: user → tag → value, read by RelationsAndProfiles only.
	Profiles map[string]map[string]Value
}

// RelationQuery is one RelationsAndProfiles question: owner and peers.
type RelationQuery struct {
	Owner string
	Peers []string
}

// SendCheck is what a one-to-one send must know of how its receiver
// relates to its sender, read in one statement (RelationSet answers the
// general question for many peers, at several times the cost).
type SendCheck struct {
	ReceiverExists bool
	// SenderExists: the sender's account exists. A logged-in sender's
	// does; an admin's send names any account as its sender (REST
	// sendmsg), and this answers it in the same statement.
	SenderExists bool
	Blocked      bool // the receiver blocked the sender
	// RecvOpt is the receiver's receive option for the sender
	// (RecvOptReceive when none is set).
	RecvOpt int
	// Only read when asked for (the app checks friendship):
	ReceiverHasSender bool // the sender is in the receiver's friend list
	SenderHasReceiver bool // the receiver is in the sender's friend list
}

// CheckedAppend is what AppendCheckedMessage found and did.
type CheckedAppend struct {
	// Check: ReceiverExists, SenderExists and RecvOpt (Blocked and the
	// friendship fields are not read).
	Check SendCheck
	// Appended: both accounts exist and m was appended (or was a retry:
	// Duplicate, Stored the first attempt's message).
	Appended  bool
	Stored    Message
	Duplicate bool
}

// UserEvent is one entry of a user's change log: what changed in their
// relationship chain or profile. Seq is per user, strictly ascending with no
// gaps, so a client that saw seq N asks for everything after N.
type UserEvent struct {
	App   AppID
	User  string
	Seq   uint64
	Kind  string
	Peers []string
	Time  int64
}

// Message is one stored message of any kind of conversation. Body is the
// message content as the API carries it (elements, cloud custom data,
// offline push info), stored opaquely. ConvKey is the conversation's
// storage key (package convid): a one-to-one message's is c2c:<a>:<b>, a
// group message's group:<groupID>, stored once for the whole group.
type Message struct {
	App       AppID
	ConvKey   string
	Seq       uint64
	Sender    string
	Receiver  string // the peer of a one-to-one message; "" in a group
	Random    uint32
	ClientKey string // the sender's idempotency key
	SentAt    int64  // unix milliseconds
	Flags     int    // MessageExcludedFromUnread | MessageExcludedFromLast
	Status    int    // MessageNormal, MessageRecalled
	Version   int    // bumped by each modification
	Body      []byte
	ExpiresAt int64 // unix seconds
	// PeerRead is derived, not a column: message.Service.History sets it
	// on messages sent with MessageNeedReadReceipt that the receiver
	// acknowledged (a row in MessageReceipts).
	PeerRead bool
	// HiddenFor is an input of AppendMessage, not a column: the users
	// from whose view a one-to-one message is deleted from the start (a
	// send hidden from its sender, a receiver who does not receive the
	// peer), as DeleteMessagesFor would do in the same write. Not applied
	// to a retry, which answers the first attempt; never set on a message
	// read back.
	HiddenFor []string
}

// Message flags and statuses.
const (
	MessageExcludedFromUnread = 1
	MessageExcludedFromLast   = 2
	MessageNeedReadReceipt    = 4

	MessageNormal   = 0
	MessageRecalled = 1
)

// Receive options a user sets per peer (V2TIMReceiveMessageOpt). Receive is
// the default and is never stored.
const (
	RecvOptReceive    = 0 // online delivery and offline push
	RecvOptNotReceive = 1 // nothing reaches the user; hidden from their history and unread
	RecvOptNotNotify  = 2 // online delivery, no offline push
	RecvOptMax        = RecvOptNotNotify
)

// Conversation is one user's view of a conversation with its shared state:
// of a one-to-one conversation (Peer set) or of a group the user is a
// member of (Peer "", ConvKey group:<groupID>).
type Conversation struct {
	App        AppID
	Owner      string
	ConvKey    string
	Peer       string
	LastSeq    uint64
	LastTime   int64
	ReadSeq    uint64
	ClearedSeq uint64 // messages up to here are gone for Owner
	HiddenSeq  uint64 // deleted from the list up to here; a newer message brings it back
	PinnedAt   int64
	// JoinSeq is the group's last seq when Owner joined (0 for one-to-one
	// conversations): later messages are theirs; whether earlier ones are
	// visible is the group type's policy (package message).
	JoinSeq uint64
	// Version is the owner's conversation version of the view's last
	// change (ConversationsChangedAfter).
	Version uint64
	// Unread counts the messages after ReadSeq that count for Owner. Of a
	// one-to-one conversation: the peer's messages, not recalled, not
	// excluded from unread, not deleted by Owner, after the cleared seq
	// (counted from the messages). Of a group, in O(1) from counters: every
	// message after ReadSeq except Owner's own and those sent excluded from
	// unread (recalled and deleted-for-me messages still count).
	Unread int
}

// ErrNoGroup is AppendMessage's answer for a group conversation whose group
// has no row.
var ErrNoGroup = errors.New("store: no such group")

// Group is the minimal stored state of a group: what the message core
// needs (its type, for the policy, and its seq). Group management keeps
// the rest.
type Group struct {
	App       AppID
	ID        string
	Type      string // Tencent's group type: Private (Work), Public, ChatRoom (Meeting), AVChatRoom, Community
	LastSeq   uint64
	LastTime  int64 // unix milliseconds of the last message not excluded from being last
	CreatedAt int64 // unix seconds

	// The profile (group service; CreateGroup stores it, UpdateGroup
	// rewrites it). Owner is "" for a group without one (a Work group
	// whose owner quit, or one an admin created without Owner_Account).
	Name, Introduction, Notification, FaceURL, Owner string
	MaxMembers                                       int
	JoinOption                                       string // FreeAccess, NeedPermission, DisableApply
	MuteAll, SupportTopic                            bool
	// NoUnread: members' conversations count no unread message (the
	// type's rule, fixed at creation: Meeting and AVChatRoom). The
	// conversation list's unread arithmetic reads it.
	NoUnread bool
	InfoTime int64 // unix seconds of the last profile change
	// MemberCount is kept by JoinGroup and LeaveGroup (read only).
	MemberCount int
	// Custom is the app-defined data (declared keys only).
	Custom map[string]string
}

// MessageQuery selects messages of one conversation (QueryMessages).
type MessageQuery struct {
	ConvKey string
	// Viewer, when set, leaves out what Viewer no longer sees: the messages
	// they deleted and everything up to their cleared seq.
	Viewer string
	// Seq bounds, inclusive; 0 leaves a side open.
	MinSeq, MaxSeq uint64
	// SentAt bounds in unix milliseconds, inclusive; 0 leaves a side open.
	MinTime, MaxTime int64
	// ByTime orders by (SentAt, Seq) instead of Seq: the order of a history
	// with imported messages, whose times may precede earlier seqs.
	ByTime bool
	// BeforeTime and BeforeSeq continue a ByTime page: only messages ordered
	// strictly before (BeforeTime, BeforeSeq). BeforeTime 0 is no cursor.
	BeforeTime int64
	BeforeSeq  uint64
	Descending bool // newest first
	Limit      int
}

// ConversationEntry is a conversation in its owner's list: the view of
// Conversation plus what only the list needs.
type ConversationEntry struct {
	Conversation
	Draft     string
	DraftTime int64 // unix milliseconds
	// InList is false only in ConversationsChangedAfter's answer, for a
	// view deleted from the list since.
	InList bool
}

// ConversationMark is the group/mark data of one conversation of Owner.
type ConversationMark struct {
	App        AppID
	Owner      string
	ConvID     string // c2c_<peer> or group_<groupID>
	Marks      uint64 // standard marks: bit n-1 is mark n (1 star, 2 unread, 3 fold, 4 hide; 33-64 custom)
	CustomMark string
	UpdatedAt  int64   // unix seconds
	Groups     []int64 // IDs of Owner's conversation groups it is in, ascending
}

// ConversationGroup is a named group Owner sorts conversations into.
type ConversationGroup struct {
	ID        int64
	Name      string
	CreatedAt int64
	Members   []string // conversation IDs, sorted
}

// ConversationPos is a position in a conversation list's order: whether
// the conversation is pinned, its last message time (unix ms, 0 without a
// message) and its conversation ID as the owner names it (c2c_<peer>,
// group_<groupID>). Positions are unique per owner, so a page that starts
// strictly after one neither repeats nor skips a conversation that did not
// move.
type ConversationPos struct {
	Pinned   bool
	LastTime int64
	ConvID   string
}

// Pin selections of ConversationPageQuery.
const (
	PinsAny      = 0 // pinned and unpinned alike
	PinsOnly     = 1 // only pinned conversations
	PinsExcluded = 2 // only unpinned conversations
)

// ConversationPageQuery selects one page of a user's conversation list in
// its order: pinned first when PinnedFirst, then by last message time,
// newest first, then by conversation ID (c2c_<peer>, group_<groupID>).
type ConversationPageQuery struct {
	PinnedFirst  bool
	Pins         int  // PinsAny, PinsOnly, PinsExcluded
	IncludeEmpty bool // include conversations without a message to show
	MarkType     uint64
	GroupID      int64            // only members of this conversation group (0: any)
	After        *ConversationPos // keyset cursor: strictly after this position
	// BeforeTime (> 0) keeps conversations whose last time is before it
	// and Offset skips that many of them: get_list's (seconds, index)
	// cursor.
	BeforeTime int64
	Offset     int
	Limit      int // 0: no limit
}

// OutboxPartition names one unit of delivery order: an app's partition.
type OutboxPartition struct {
	App  AppID
	Part int
}

// OutboxEntry is one event waiting in the durable outbox for a consumer
// outside the process (webhooks, offline push). Times are unix milliseconds.
type OutboxEntry struct {
	ID  uint64 // assigned by AppendOutbox; ascending in commit order per partition key (see Outbox)
	App AppID
	// Partition groups the entries of App that must be delivered in order
	// (e.g. a hash of the conversation); one dispatcher at a time holds a
	// partition. Partitions are per app: (App, Partition) is the unit of
	// order, so one app's failing entry never holds another app's.
	Partition int
	Kind      string
	Payload   []byte
	CreatedAt int64
	// Attempts is how many times the entry has been claimed, the claim
	// that returned it included; it also fences RetryOutbox.
	Attempts      int
	NextAttemptAt int64
	LeasedUntil   int64
}

// OutboxStats is the outbox's depth and the creation time of its oldest
// entry (0 when empty).
type OutboxStats struct {
	Depth         int64
	OldestCreated int64
}
