// Package store defines the storage interfaces every Parley engine
// implements. Domain services speak only to these; the embedded SQLite engine
// and PostgreSQL pass the same test suite (storetest).
package store

import "context"

// Store is an opened engine.
type Store interface {
	// Write runs fn in a transaction and returns only once the transaction is
	// durable. fn may be called more than once (an engine may retry a
	// serialization failure), so it must not keep state across calls. If fn
	// returns an error nothing it wrote is kept.
	Write(ctx context.Context, fn func(Tx) error) error
	// Read runs fn against committed data. Writes through the Tx are not
	// allowed.
	Read(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// QueuedWriter is implemented by a Store that can queue a write and let
// its caller go on before the write is durable: WriteQueued queues fn as
// Write would run it and returns once it is queued. The contract that makes
// it worth having: of the writes one goroutine queues, each runs and
// commits after the ones it queued before (in the same transaction or a
// later one), so a client's requests keep their order while several of them
// share the engine's next commit. A store that cannot promise that order
// does not implement it (QueueWrite then writes at once).
type QueuedWriter interface {
	WriteQueued(ctx context.Context, fn func(Tx) error) Queued
}

// Queued is a write queued by QueueWrite.
type Queued struct {
	// Ready is closed once Wait would return at once. It may stay open if
	// the store closed before the write ran (Wait then returns that).
	Ready <-chan struct{}
	// Wait returns what Write would have returned, once it would have.
	Wait func() error
}

// Done is a Queued whose result is known: err.
func Done(err error) Queued { return Queued{Ready: ReadyNow, Wait: func() error { return err }} }

// ReadyNow is a closed channel: the Ready of what is known at once.
var ReadyNow <-chan struct{} = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// Networked is implemented by a Store whose statements each cross a
// network to a database server (PostgreSQL). Services gather concurrent
// requests into shared writes where it does (message.Service.GatherSends,
// relation.Service.GatherAdds): there a statement saved is a round trip and
// a server's per-statement work saved, where an embedded engine's single
// writer batches its requests already and gathering only adds a hand-off.
type Networked interface {
	Networked() bool
}

// IsNetworked reports whether st says it is Networked.
func IsNetworked(st Store) bool {
	n, ok := st.(Networked)
	return ok && n.Networked()
}

// Scoped is a Store seen through T, the part of Tx one module uses (a
// module's own Tx interface, declared beside it): its closures take a T, so
// a module names only the tables it touches and can be tested against a
// fake of those alone.
type Scoped[T any] interface {
	Write(ctx context.Context, fn func(T) error) error
	Read(ctx context.Context, fn func(T) error) error
}

// QueueScopedWrite is QueueWrite through a Scoped store: it queues fn where
// the store under st can (Scope's adapter passes WriteQueued on), and
// otherwise runs st.Write now.
func QueueScopedWrite[T any](st Scoped[T], ctx context.Context, fn func(T) error) Queued {
	if q, ok := st.(interface {
		WriteQueued(ctx context.Context, fn func(T) error) Queued
	}); ok {
		return q.WriteQueued(ctx, fn)
	}
	return Done(st.Write(ctx, fn))
}

// Scope adapts st to a module's Tx. as is the conversion from Tx, written
// func(tx store.Tx) relation.Tx { return tx }: the compiler checks there
// that Tx has every method the module's Tx names, and it costs one
// interface conversion per transaction.
func Scope[T any](st Store, as func(Tx) T) Scoped[T] { return scoped[T]{st: st, as: as} }

type scoped[T any] struct {
	st Store
	as func(Tx) T
}

func (s scoped[T]) Write(ctx context.Context, fn func(T) error) error {
	return s.st.Write(ctx, func(tx Tx) error { return fn(s.as(tx)) })
}

// WriteQueued is QueueWrite through T.
func (s scoped[T]) WriteQueued(ctx context.Context, fn func(T) error) Queued {
	return QueueWrite(s.st, ctx, func(tx Tx) error { return fn(s.as(tx)) })
}

// QueueWrite queues fn on st if st is a QueuedWriter, and otherwise runs
// Write now; the Queued's Wait returns the write's result either way.
func QueueWrite(st Store, ctx context.Context, fn func(Tx) error) Queued {
	return QueueScopedWrite[Tx](st, ctx, fn) // a Store is a Scoped[Tx], a QueuedWriter its WriteQueued
}

func (s scoped[T]) Read(ctx context.Context, fn func(T) error) error {
	return s.st.Read(ctx, func(tx Tx) error { return fn(s.as(tx)) })
}

// Tx is the set of table operations available inside Write or Read: the
// union of the table interfaces below, which the engines implement. Domain
// modules name only the parts they use (each module's tables.go).
type Tx interface {
	Accounts
	Profiles
	Friends
	FriendRequests
	Blocklist
	FriendLists
	UserEvents
	Messages
	Conversations
	Outbox
	Sessions
	UserStatuses
}

// Accounts is the accounts table and the per-user counters kept on it.
type Accounts interface {
	AccountRegistry
	AccountLookup
	AccountLocks
	UserSigBounds
	VersionSeqs
}

// AccountRegistry creates and deletes accounts.
type AccountRegistry interface {
	// CreateAccount reports whether the account is new.
	CreateAccount(ctx context.Context, app AppID, user string, now int64) (bool, error)
	// DeleteAccount removes the account, its profile and its relationship
	// chain in both directions (others' friend, blocklist and request rows
	// that point at it).
	DeleteAccount(ctx context.Context, app AppID, user string) (bool, error)
}

// AccountLookup answers which accounts exist.
type AccountLookup interface {
	AccountExists(ctx context.Context, app AppID, user string) (bool, error)
	// ExistingAccounts returns the subset of users that exist.
	ExistingAccounts(ctx context.Context, app AppID, users []string) (map[string]bool, error)
}

// AccountLocks orders concurrent writers by the accounts they touch.
type AccountLocks interface {
	// LockAccounts serialises concurrent writers touching the same users
	// until the transaction ends. Engines with a single writer may no-op.
	LockAccounts(ctx context.Context, app AppID, users ...string) error
}

// UserSigBounds is the per-user lower bound on UserSig issue times (kicks).
type UserSigBounds interface {
	// RevokeUserSigs voids the UserSigs of user issued before from (unix
	// seconds); it never moves the bound back. False if there is no account.
	RevokeUserSigs(ctx context.Context, app AppID, user string, from int64) (bool, error)
	// UserSigsValidFrom returns the issue time (unix seconds) a UserSig of
	// user needs at least: 0 until the user is first kicked.
	UserSigsValidFrom(ctx context.Context, app AppID, user string) (int64, error)
}

// VersionSeqs is the per-user version sequences of the relationship chain.
type VersionSeqs interface {
	Seqs(ctx context.Context, app AppID, user string) (Seqs, error)
	BumpSeq(ctx context.Context, app AppID, user string, kind SeqKind) (uint64, error)
	// AdvanceSeq is BumpSeq for a caller that needs nothing back: on an
	// engine where each statement is a round trip (PostgreSQL) the bump
	// rides on the transaction's next statement, as a friend write does.
	AdvanceSeq(ctx context.Context, app AppID, user string, kind SeqKind) error
}

// Profiles is the per-user tag/value profile table.
type Profiles interface {
	ProfileReader
	ProfileWriter
}

// ProfileReader reads profile values.
type ProfileReader interface {
	// ProfileValues returns the stored values of users for tags (all tags
	// when tags is nil), keyed by user then tag.
	ProfileValues(ctx context.Context, app AppID, users []string, tags []string) (map[string]map[string]Value, error)
}

// ProfileWriter sets profile values.
type ProfileWriter interface {
	// SetProfileValues stores values; a zero Value deletes the tag.
	SetProfileValues(ctx context.Context, app AppID, user string, values map[string]Value) error
}

// Friends is the one-directional friend table.
type Friends interface {
	RelationReader
	SendRules
	FriendRows
}

// RelationReader is how an owner relates to peers.
type RelationReader interface {
	// Relations answers, in one round trip, whether owner exists and how
	// owner relates to each of peers in both directions of the friend and
	// block tables, and owner's receive option for each: the question every
	// add, check and send starts with.
	Relations(ctx context.Context, app AppID, owner string, peers []string) (RelationSet, error)
	// RelationsAndProfiles is Relations that also reads the values of tags
	// in the profiles of owner and peers (RelationSet.Profiles, as
	// ProfileValues returns them): one round trip for both where the
	// engine can (PostgreSQL, under an add's account locks).
	RelationsAndProfiles(ctx context.Context, app AppID, owner string, peers, tags []string) (RelationSet, error)
	// ReadRelationsAhead tells a write transaction the RelationsAndProfiles
	// calls (with tags) it is about to make for several owners, before any
	// write: an engine where each statement is a round trip (PostgreSQL)
	// reads them all in one statement and answers each call from it, until
	// the transaction's next write; owners whose accounts the transaction
	// has not locked are read when asked. Others do nothing.
	ReadRelationsAhead(ctx context.Context, app AppID, qs []RelationQuery, tags []string) error
}

// SendRules is the one-to-one send's question of the relationship chain.
type SendRules interface {
	// SendCheck reads whether receiver exists, has blocked sender and
	// what it receives from sender, and with friends whether each has the
	// other as a friend: one round trip, one row.
	SendCheck(ctx context.Context, app AppID, receiver, sender string, friends bool) (SendCheck, error)
}

// FriendRows is the rest of the friend table: rows, counts, pages, writes.
type FriendRows interface {
	// Friend returns owner's row of peer.
	Friend(ctx context.Context, app AppID, owner, peer string) (Friend, bool, error)
	// FriendsAmong returns the peers that owner has as friends.
	FriendsAmong(ctx context.Context, app AppID, owner string, peers []string) (map[string]bool, error)
	// FriendOfAmong returns the peers that have owner as a friend.
	FriendOfAmong(ctx context.Context, app AppID, owner string, peers []string) (map[string]bool, error)
	// ListFriends pages owner's friends in the order they were added.
	ListFriends(ctx context.Context, app AppID, owner string, offset, limit int) ([]Friend, error)
	CountFriends(ctx context.Context, app AppID, owner string) (int, error)
	// PutFriend inserts or replaces a row; Groups replaces list membership
	// (the lists must exist).
	PutFriend(ctx context.Context, f Friend) error
	// DeleteFriend also removes the peer from owner's friend lists.
	DeleteFriend(ctx context.Context, app AppID, owner, peer string) (bool, error)
}

// FriendRequests is the pending friend application table.
type FriendRequests interface {
	PutFriendRequest(ctx context.Context, r FriendRequest) error
	FriendRequest(ctx context.Context, app AppID, from, to string) (FriendRequest, bool, error)
	DeleteFriendRequest(ctx context.Context, app AppID, from, to string) (bool, error)
	CountSentRequests(ctx context.Context, app AppID, from string) (int, error)
	// ListFriendRequests returns requests sent to user (incoming) or by user,
	// newest first, at most limit of them (limit <= 0: all).
	ListFriendRequests(ctx context.Context, app AppID, user string, incoming bool, limit int) ([]FriendRequest, error)
	// MarkFriendRequestsRead marks every request to user as read.
	MarkFriendRequestsRead(ctx context.Context, app AppID, user string) error
}

// Blocklist is the per-user blocklist table.
type Blocklist interface {
	// BlockedAmong returns the peers that owner has blocked.
	BlockedAmong(ctx context.Context, app AppID, owner string, peers []string) (map[string]bool, error)
	// BlockedByAmong returns the peers that have blocked owner.
	BlockedByAmong(ctx context.Context, app AppID, owner string, peers []string) (map[string]bool, error)
	AddBlock(ctx context.Context, b Block) error
	DeleteBlock(ctx context.Context, app AppID, owner, peer string) (bool, error)
	CountBlocked(ctx context.Context, app AppID, owner string) (int, error)
	// ListBlocked pages owner's blocklist in the order entries were added.
	ListBlocked(ctx context.Context, app AppID, owner string, offset, limit int) ([]Block, error)
}

// FriendLists is the table of named friend lists and their members.
type FriendLists interface {
	// FriendLists returns owner's lists in creation order, with members.
	FriendLists(ctx context.Context, app AppID, owner string) ([]FriendList, error)
	CreateFriendList(ctx context.Context, app AppID, owner, name string, now int64) error
	// DeleteFriendList removes the list; its members stay friends.
	DeleteFriendList(ctx context.Context, app AppID, owner, name string) (bool, error)
	RenameFriendList(ctx context.Context, app AppID, owner, oldName, newName string) error
	AddToFriendList(ctx context.Context, app AppID, owner, name string, peers []string) error
	RemoveFromFriendList(ctx context.Context, app AppID, owner, name string, peers []string) error
}

// UserEvents is the per-user change log clients resync from.
type UserEvents interface {
	EventAppender
	UserEventReader
	// PruneUserEvents deletes events created before the given unix time and
	// reports how many went.
	PruneUserEvents(ctx context.Context, before int64) (int64, error)
	FriendOfLister
}

// EventAppender is the write side of the change log: what every service
// that logs a change needs (package event's Record).
type EventAppender interface {
	// AppendUserEvents assigns each event the next seq of its user and
	// stores it; the returned events carry their seqs. Events of unknown
	// users are dropped (an account deleted in the same transaction).
	AppendUserEvents(ctx context.Context, events []UserEvent) ([]UserEvent, error)
}

// UserEventReader is the read side of the change log (sync).
type UserEventReader interface {
	// UserEventsAfter returns up to limit events of user with seq > after,
	// in seq order.
	UserEventsAfter(ctx context.Context, app AppID, user string, after uint64, limit int) ([]UserEvent, error)
	// UserEventSeq is the seq of user's latest event (0 if none).
	UserEventSeq(ctx context.Context, app AppID, user string) (uint64, error)
}

// FriendOfLister finds the audience of a user's profile changes.
type FriendOfLister interface {
	// ListFriendOf returns up to limit users who have user in their friend
	// list: the audience of user's profile changes.
	ListFriendOf(ctx context.Context, app AppID, user string, limit int) ([]string, error)
}

// Messages is the message and conversation tables, for every kind of
// conversation: each method takes a conversation's storage key (package
// convid) and the engine routes it, one-to-one conversations to their
// tables (messages, conversations, user_conversations: one shared state
// and two views), groups to theirs (group_messages, groups,
// group_members: one stored copy of each message and a view per member
// that no message writes).
type Messages interface {
	MessageLog
	Groups
	ReadState
	RecvOpts
	Receipts
	GroupMsgExt
}

// MessageLog is the stored messages of a conversation: append, read, query
// and rewrite them.
type MessageLog interface {
	// AppendMessage stores m as the next message of its conversation and
	// returns it with Seq set. A one-to-one conversation (and both
	// participants' views) is created on its first message, which bumps
	// both views' versions (later messages change no version); a group
	// must exist (ErrNoGroup) and no
	// member's row is written but the sender's (its own-message counter).
	// If the sender already sent a message with m.ClientKey in this
	// conversation, that message is returned instead and nothing is
	// written (dup is true). Otherwise the users of m.HiddenFor have the
	// new message deleted from their view, as by DeleteMessagesFor (a
	// one-to-one conversation only; on PostgreSQL in the same statement).
	AppendMessage(ctx context.Context, m Message) (stored Message, dup bool, err error)
	// AppendCheckedMessage is an admin's one-to-one send as one step: it
	// reads what SendCheck reads of m's receiver and sender (existence and
	// the receiver's receive option; block and friendship are not an
	// admin's concern) and, only when both accounts exist, appends m as
	// AppendMessage does, also hidden from the receiver when the receiver
	// does not receive from the sender (RecvOptNotReceive). On PostgreSQL
	// the read and the append are one statement.
	AppendCheckedMessage(ctx context.Context, m Message) (CheckedAppend, error)
	// AppendCheckedMessages is AppendCheckedMessage for each of ms, in
	// order (messages of one conversation get ascending seqs in their
	// order; a later message with an earlier one's sender and client key
	// is its retry). On PostgreSQL the messages of one app with distinct
	// users go in one statement; should a concurrent write append one of
	// them meanwhile (a retry racing its first attempt), it fails and the
	// caller's write must not commit.
	AppendCheckedMessages(ctx context.Context, ms []Message) ([]CheckedAppend, error)
	// MessagesInRange returns the messages of a conversation with seq in
	// [from, to], ascending, at most limit.
	MessagesInRange(ctx context.Context, app AppID, convKey string, from, to uint64, limit int) ([]Message, error)
	// LatestMessages returns up to limit messages with seq <= before
	// (0: the newest), newest first.
	LatestMessages(ctx context.Context, app AppID, convKey string, before uint64, limit int) ([]Message, error)
	Message(ctx context.Context, app AppID, convKey string, seq uint64) (Message, bool, error)
	// UpdateMessage rewrites status, version and body of a stored message.
	UpdateMessage(ctx context.Context, m Message) error
	// QueryMessages returns the messages of q.ConvKey that q selects, in
	// its order, at most q.Limit.
	QueryMessages(ctx context.Context, app AppID, q MessageQuery) ([]Message, error)
	// MessageByClientKey returns the message of the conversation whose
	// ClientKey is key and whose sender is one of senders.
	MessageByClientKey(ctx context.Context, app AppID, convKey, key string, senders ...string) (Message, bool, error)
	// PruneMessages deletes messages that expired before now (unix s).
	PruneMessages(ctx context.Context, now int64) (int64, error)
}

// Groups is the group rows and their membership, as the message core sees
// them (the group's last seq, who may read and send).
type Groups interface {
	GroupReader
	GroupWriter
	GroupProfiles
	GroupMembers
	GroupApplications
	GroupAttrs
	GroupMore
	GroupTopics
	GroupAVChat // group_avchat.go
}

// GroupReader reads a group row and a user's groups.
type GroupReader interface {
	Group(ctx context.Context, app AppID, groupID string) (Group, bool, error)
	// MemberGroups returns the IDs of the groups user is a member of,
	// ascending (an indexed read: it is on the login's path, for group
	// delivery).
	MemberGroups(ctx context.Context, app AppID, user string) ([]string, error)
	// GroupMember is user's member row (role, mute: what a send checks).
	GroupMember(ctx context.Context, app AppID, groupID, user string) (GroupMember, bool, error)
}

// GroupWriter creates groups and changes their membership.
type GroupWriter interface {
	// CreateGroup stores a group with no message yet; false if it exists.
	CreateGroup(ctx context.Context, g Group) (bool, error)
	// JoinGroup makes user a member from the group's current last seq
	// (their join seq and read cursor), out of their list until the next
	// message; false if they already are one (nothing changes) or there is
	// no such group.
	JoinGroup(ctx context.Context, app AppID, groupID, user string, now int64) (bool, error)
	// LeaveGroup removes user's membership and view.
	LeaveGroup(ctx context.Context, app AppID, groupID, user string) (bool, error)
}

// GroupProfiles is the group rows as the group service manages them.
type GroupProfiles interface {
	// LockGroup takes the group row's write lock until the transaction
	// ends (PostgreSQL; the single writer of SQLite needs none), so two
	// writers changing one group's membership or profile serialize on it.
	// False without the group.
	LockGroup(ctx context.Context, app AppID, groupID string) (bool, error)
	// UpdateGroup rewrites g's profile (name to custom, owner and info
	// time); false without the group.
	UpdateGroup(ctx context.Context, g Group) (bool, error)
	// DeleteGroup removes the group with its members, messages and
	// applications; false without it.
	DeleteGroup(ctx context.Context, app AppID, groupID string) (bool, error)
	// JoinedGroups returns the groups user is a member of with their
	// membership, by group ID.
	JoinedGroups(ctx context.Context, app AppID, user string) ([]JoinedGroup, error)
}

// GroupMembers is the member rows of groups.
type GroupMembers interface {
	// GroupMembersAmong returns the members of groupID among users, in no
	// particular order (non-members are absent).
	GroupMembersAmong(ctx context.Context, app AppID, groupID string, users []string) ([]GroupMember, error)
	// ListGroupMembers returns the page of groupID's members q selects.
	ListGroupMembers(ctx context.Context, app AppID, groupID string, q MemberQuery) ([]GroupMember, error)
	// SetGroupMember rewrites m's role, name card, mute and custom data;
	// false when m.User is not a member.
	SetGroupMember(ctx context.Context, m GroupMember) (bool, error)
	// MutedGroupMembers returns the members muted until after now.
	MutedGroupMembers(ctx context.Context, app AppID, groupID string, now int64) ([]GroupMember, error)
}

// GroupApplications is the pending requests to join groups.
type GroupApplications interface {
	// PutGroupApplication stores a or replaces the applicant's previous one.
	PutGroupApplication(ctx context.Context, a GroupApplication) error
	// GroupApplicationsFor returns up to limit pending applications to the
	// groups where handler is owner or admin, oldest first.
	GroupApplicationsFor(ctx context.Context, app AppID, handler string, limit int) ([]GroupApplication, error)
	// TakeGroupApplication deletes and returns a pending application; false
	// when there is none (never made, or already handled).
	TakeGroupApplication(ctx context.Context, app AppID, groupID, applicant string) (GroupApplication, bool, error)
}

// ReadState is each participant's view of a conversation: its read cursor,
// cleared cursor and messages deleted for them alone.
type ReadState interface {
	// Conversations returns owner's conversations that have a message newer
	// than their deletion of the conversation (a cleared history stays
	// listed), with unread counted from seqs.
	Conversations(ctx context.Context, app AppID, owner string) ([]Conversation, error)
	Conversation(ctx context.Context, app AppID, owner, convKey string) (Conversation, bool, error)
	// SetReadSeq moves owner's read cursor forward (never back), at most to
	// the conversation's last seq. A group member's cursor move reads two
	// index entries whatever the number of messages it passes.
	SetReadSeq(ctx context.Context, app AppID, owner, convKey string, seq uint64) error
	// DeleteMessagesFor removes the messages seqs of a conversation from
	// owner's view only (the other participant keeps them) and reports how
	// many were newly removed. Seqs with no stored message are ignored.
	DeleteMessagesFor(ctx context.Context, app AppID, owner, convKey string, seqs []uint64) (int64, error)
	// SetClearedSeq moves owner's cleared cursor forward to seq (never
	// back): every message up to seq is gone from owner's history (and,
	// in a group, read).
	SetClearedSeq(ctx context.Context, app AppID, owner, convKey string, seq uint64) error
}

// RecvOpts is the per-peer receive options (mute, refuse).
type RecvOpts interface {
	RecvOptReader
	// SetRecvOpts sets owner's receive option for each of peers
	// (RecvOptReceive removes the option).
	SetRecvOpts(ctx context.Context, app AppID, owner string, peers []string, opt int) error
}

// RecvOptReader reads receive options, from either side.
type RecvOptReader interface {
	// RecvOpts returns owner's options other than RecvOptReceive for peers
	// (nil: for everyone), keyed by peer.
	RecvOpts(ctx context.Context, app AppID, owner string, peers []string) (map[string]int, error)
	// RecvOptsToward returns the options other than RecvOptReceive that
	// each of owners set for peer, keyed by owner.
	RecvOptsToward(ctx context.Context, app AppID, peer string, owners []string) (map[string]int, error)
}

// Receipts is the read receipts of one-to-one messages.
type Receipts interface {
	// AddMessageReceipts records that the receiver read the messages seqs
	// of a conversation (seqs with no stored message are ignored) and
	// returns the seqs that had no receipt yet, in the order given.
	AddMessageReceipts(ctx context.Context, app AppID, convKey string, seqs []uint64, at int64) ([]uint64, error)
	// MessageReceipts returns the read time of each of seqs that has a
	// receipt.
	MessageReceipts(ctx context.Context, app AppID, convKey string, seqs []uint64) (map[uint64]int64, error)
}

// Conversations is each user's conversation list beyond the read cursor:
// what is in the list (deleted conversations stay out until a newer
// message), pins and drafts, and the marks and conversation groups that are
// kept apart from the list ("group/mark data": a conversation may be marked
// or grouped whether or not it is in the list). Marks and groups name a
// conversation by its ID as the owner sees it: c2c_<peer> or group_<groupID>.
type Conversations interface {
	ConversationList
	ConversationMarks
	ConversationGroups
}

// ConversationList is what is in owner's list, its order and paging, pins,
// drafts, deletion and the per-user version conversation sync pages by.
type ConversationList interface {
	// ConversationEntries returns owner's conversations that are in their
	// list (keys nil: all; otherwise those of keys that are), unordered,
	// with unread counted from seqs as Conversations counts it. A
	// conversation is in the list from its first message, or from a pin or
	// draft before any message, until owner deletes it; a message newer
	// than the deletion brings it back.
	ConversationEntries(ctx context.Context, app AppID, owner string, keys []string) ([]ConversationEntry, error)
	// ConversationPage returns the conversations of owner's list that q
	// selects, in q's order, with unread counted (for those returned
	// only) as ConversationEntries counts it. The engine orders and skips
	// rows itself; only the page is decoded and counted.
	ConversationPage(ctx context.Context, app AppID, owner string, q ConversationPageQuery) ([]ConversationEntry, error)
	// ConversationUnreadTotal is the sum of the unread counts of owner's
	// conversations in the list, counted in one statement: O(conversations
	// + unread messages) inside the engine, nothing decoded per row.
	ConversationUnreadTotal(ctx context.Context, app AppID, owner string) (int, error)
	// ShowConversation puts the conversation with peer into owner's list:
	// it creates owner's view if there is none (a conversation without a
	// message yet) and undoes a deletion. A group view (peer "") exists
	// only while owner is a member; without one nothing changes.
	ShowConversation(ctx context.Context, app AppID, owner, convKey, peer string) error
	// ConversationVersion is owner's current conversation version: the
	// version of their latest view change (0 before any).
	ConversationVersion(ctx context.Context, app AppID, owner string) (uint64, error)
	// ConversationsChangedAfter returns up to limit of owner's views whose
	// last change has a version > after, in version order, those deleted
	// from the list included (InList false). A new group message changes
	// no member's version: the group's last seq is read with the view.
	ConversationsChangedAfter(ctx context.Context, app AppID, owner string, after uint64, limit int) ([]ConversationEntry, error)
	// SetConversationPin pins (pinnedAt > 0) or unpins owner's view.
	SetConversationPin(ctx context.Context, app AppID, owner, convKey string, pinnedAt int64) error
	// SetConversationDraft stores owner's draft ("" clears it).
	SetConversationDraft(ctx context.Context, app AppID, owner, convKey, text string, at int64) error
	// DeleteConversation takes the conversation out of owner's list up to
	// its last message, unpinned, without draft and with nothing unread; with
	// clearHistory its messages so far are also gone from owner's history.
	// A view that never had a message is removed. It reports whether the
	// conversation was in the list.
	DeleteConversation(ctx context.Context, app AppID, owner, convKey string, clearHistory bool) (bool, error)
}

// ConversationMarks is the marks and custom mark of each conversation.
type ConversationMarks interface {
	// ConversationMarks returns owner's group/mark data of convIDs (nil:
	// all), ordered by conversation ID, each with the IDs of its groups.
	ConversationMarks(ctx context.Context, app AppID, owner string, convIDs []string) ([]ConversationMark, error)
	// CountConversationMarks is how many conversations owner's group/mark
	// data holds.
	CountConversationMarks(ctx context.Context, app AppID, owner string) (int, error)
	// PutConversationMark stores the marks and custom mark of one
	// conversation; data left with no mark and no group is removed.
	PutConversationMark(ctx context.Context, m ConversationMark) error
}

// ConversationGroups is owner's named conversation groups and their members.
type ConversationGroups interface {
	// ConversationGroups returns owner's conversation groups by ID, with
	// their members' conversation IDs, sorted.
	ConversationGroups(ctx context.Context, app AppID, owner string) ([]ConversationGroup, error)
	// CreateConversationGroup creates an empty group and returns its ID
	// (one more than owner's highest).
	CreateConversationGroup(ctx context.Context, app AppID, owner, name string, now int64) (int64, error)
	// DeleteConversationGroup removes a group; its members' data is touched
	// at now, and removed if nothing else is left in it.
	DeleteConversationGroup(ctx context.Context, app AppID, owner string, id int64, now int64) error
	RenameConversationGroup(ctx context.Context, app AppID, owner string, id int64, name string) error
	// AddToConversationGroup adds conversations to a group, creating their
	// group/mark data if needed and touching it at now.
	AddToConversationGroup(ctx context.Context, app AppID, owner string, id int64, convIDs []string, now int64) error
	// RemoveFromConversationGroup is the reverse; data left with no mark and
	// no group is removed.
	RemoveFromConversationGroup(ctx context.Context, app AppID, owner string, id int64, convIDs []string, now int64) error
}

// Outbox is the durable outbox: events for consumers outside the process,
// appended in the transaction of the change they announce (so they are
// durable with it, or rolled back with it), dispatched after the commit at
// least once, and deleted when delivered. Package outbox drives it.
//
// Claiming and leases. A claim runs in a write transaction and leases the
// rows it returns: it sets leased_until and counts an attempt in the same
// transaction, which then commits, so the lease outlives it. Claimers skip
// leased rows; a dispatcher that crashes leaves its lease to expire and
// another claim (on any node) takes the rows again. On PostgreSQL the claim
// reads with FOR UPDATE SKIP LOCKED, so two nodes claiming at once never
// both get a row; on SQLite the single writer serialises claims.
//
// Ordering. Per partition (an app's: OutboxPartition), entries are
// delivered in id order, and a
// partition whose oldest entry is leased or waiting for its retry yields
// nothing: a failing entry blocks the later entries of its partition until
// it is delivered or dropped (head-of-line blocking, which is what "in order
// per conversation" needs). A claim returns the partition's oldest entries
// up to the first one that is not claimable. On PostgreSQL ids come from a
// sequence, taken at insert time: a caller whose partition key needs commit
// order must append after taking the lock that orders that key (e.g. after
// AppendMessage, which locks the conversation), so that id order is commit
// order for the key.
type Outbox interface {
	OutboxAppender
	OutboxQueue
}

// OutboxAppender is the producers' side: append in the change's write.
type OutboxAppender interface {
	// AppendOutbox stores entries (ID, Attempts, NextAttemptAt and
	// LeasedUntil are ignored) and returns them with their IDs.
	AppendOutbox(ctx context.Context, entries []OutboxEntry) ([]OutboxEntry, error)
}

// OutboxQueue is the dispatcher's side: find, claim, settle and count.
type OutboxQueue interface {
	// ReadyOutboxPartitions returns up to limit partitions whose oldest
	// entry is claimable at now, ascending. It takes no lock: a claim may
	// still find nothing.
	ReadyOutboxPartitions(ctx context.Context, now int64, limit int) ([]OutboxPartition, error)
	// ClaimOutbox leases, until leaseUntil, up to limit of partition's
	// oldest entries that are claimable at now (see Ordering) and returns
	// them in id order with Attempts counted. Write transactions only.
	ClaimOutbox(ctx context.Context, partition OutboxPartition, limit int, now, leaseUntil int64) ([]OutboxEntry, error)
	// AckOutbox deletes delivered (or dropped) entries and reports how many
	// were still there.
	AckOutbox(ctx context.Context, ids []uint64) (int64, error)
	// RetryOutbox releases the lease of entry id and makes it claimable
	// again at nextAt, provided it was not claimed again since the claim
	// that counted attempts (false otherwise, or if it is gone). Unless
	// charged, the claim's attempt is taken back: the entry was released
	// without being tried (it came after the failing entry of its batch, or
	// the dispatcher stopped).
	RetryOutbox(ctx context.Context, id uint64, attempts int, nextAt int64, charged bool) (bool, error)
	// OutboxStats counts the entries and finds the oldest.
	OutboxStats(ctx context.Context) (OutboxStats, error)
}

// Sessions is the cluster session directory: every client instance logged
// in on any node sharing the database, and the nodes themselves with how
// long each is known to be alive. It is what makes the multi-instance login
// policy, kicks and online status cluster-wide (package presence drives it).
//
// Liveness. A node renews its row (RenewNode) well within its lease; the
// sessions of a node whose alive_until has passed are ignored by every read
// (LiveSessions, OnlineSessions), as if gone, and PruneNodes, run by any
// node, deletes them. A node leaving cleanly deletes its own (DeleteNode).
// Times are unix milliseconds.
//
// Kicks. A session another node must end is not deleted but marked kicked
// (MarkSessionsKicked, KickUserSessions) in the deciding transaction, with
// the reason and time: a marked row is ignored by LiveSessions and
// OnlineSessions at once, and stays until its node, having ended the
// session, deletes it (DeleteSessions). The node finds its marked rows with
// KickedSessions, so a kick whose broker message was lost is still carried
// out. A mark is final: marking again keeps the first reason.
//
// Serialisation. A login reads the user's live sessions and writes the
// outcome in one write transaction after LockAccounts on the user, so two
// logins of one user on different nodes see each other (on SQLite the
// single writer does the same).
type Sessions interface {
	// PutSession stores s (a row with the same Node and Conn is replaced,
	// keeping its kick mark if it has one) with Seq one more than the
	// highest of s.User's rows, and returns it. s's KickedReason and
	// KickedAt are not written.
	PutSession(ctx context.Context, s SessionRow) (SessionRow, error)
	// LiveSessions returns user's sessions on nodes alive at now that are
	// not marked kicked, oldest first.
	LiveSessions(ctx context.Context, app AppID, user string, now int64) ([]SessionRow, error)
	// OnlineSessions returns, per user of users that has any, their
	// sessions on nodes alive at now that are not marked kicked, oldest
	// first; up to 500 users are read in one statement.
	OnlineSessions(ctx context.Context, app AppID, users []string, now int64) (map[string][]SessionRow, error)
	// DeleteSessions removes the sessions keys name, marked or not (absent
	// ones are ignored), and reports how many there were.
	DeleteSessions(ctx context.Context, keys []SessionKey) (int64, error)
	// MarkSessionsKicked marks the sessions keys name kicked with reason
	// at at, except those absent or marked already, and reports how many
	// it marked.
	MarkSessionsKicked(ctx context.Context, keys []SessionKey, reason string, at int64) (int64, error)
	// KickUserSessions ends every session of user, on any node alive or
	// not: those of node (the caller's, which ends them itself) are
	// deleted, the others not marked yet are marked kicked with reason at
	// at. It returns the rows it deleted or marked, with the mark.
	KickUserSessions(ctx context.Context, app AppID, user string, node uint64, reason string, at int64) ([]SessionRow, error)
	// KickedSessions returns up to limit of node's sessions marked kicked,
	// the oldest marks first.
	KickedSessions(ctx context.Context, node uint64, limit int) ([]SessionRow, error)
	// RenewNode sets node alive until aliveUntil, creating its row; it
	// reports whether the row was there (false: first start, or the node
	// was pruned as dead and its live sessions are gone).
	RenewNode(ctx context.Context, node uint64, aliveUntil int64) (existed bool, err error)
	// DeleteNode removes node and its sessions, marked ones included.
	DeleteNode(ctx context.Context, node uint64) error
	// PruneNodes removes the nodes not alive at now, their unmarked
	// sessions, and those of their marked sessions kicked before
	// kickedBefore, and reports how many sessions went. Marks kept longer
	// let a node that was cut off past its lease, and comes back, still
	// end those sessions before it announces the others again.
	PruneNodes(ctx context.Context, now, kickedBefore int64) (int64, error)
}
