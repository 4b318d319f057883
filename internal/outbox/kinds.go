package outbox

import "encoding/json"

// Event kinds the domain services append, and their payloads (the entry's
// Payload is the JSON encoding of the payload type named by each kind). The
// payloads carry what the Tencent after-callbacks need, with Tencent's field
// names, so a webhook consumer adds CallbackCommand and sends them as they
// are; EventTime is Unix milliseconds, a JSON number.
//
// The kinds are stored strings: renaming one strands the entries queued
// under the old name, so they only ever get new siblings.
const (
	// KindMessageSent: a one-to-one message was stored (MessageSent;
	// C2C.CallbackAfterSendMsg). Partition: the conversation, so a
	// conversation's messages come in seq order.
	KindMessageSent = "c2c.sent"
	// KindMessageRecalled: a one-to-one message was recalled
	// (MessageRecalled; C2C.CallbackAfterMsgWithDraw). Partition: the
	// conversation.
	KindMessageRecalled = "c2c.recalled"
	// KindMessageRead: a user reported a conversation read up to a time
	// (MessageRead; C2C.CallbackAfterMsgReport). Partition: the
	// conversation.
	KindMessageRead = "c2c.read"
	// KindMessageReceipt: a user sent per-message read receipts
	// (MessageReceipt). Partition: the conversation.
	KindMessageReceipt = "c2c.receipt"
	// KindFriendAdded and KindFriendDeleted: friend rows were added or
	// removed (Pairs; Sns.CallbackFriendAdd / FriendDelete). Partition: the
	// acting user.
	KindFriendAdded   = "sns.friend_added"
	KindFriendDeleted = "sns.friend_deleted"
	// KindBlockAdded and KindBlockDeleted: blocklist rows were added or
	// removed (Pairs; Sns.CallbackBlackListAdd / BlackListDelete).
	// Partition: the acting user.
	KindBlockAdded   = "sns.block_added"
	KindBlockDeleted = "sns.block_deleted"
	// KindProfileSet: a user's profile was set (ProfileSet;
	// Profile.CallbackPortraitSet). Partition: the user.
	KindProfileSet = "profile.set"
	// KindStateChanged: a session logged in, logged out, was kicked or was
	// disconnected (StateChange; State.StateChange). Partition: the user.
	KindStateChanged = "state.changed"

	// The group kinds (Group.CallbackAfter*). Partition: the group ID, so
	// one group's entries come in the order of its writes (each is
	// appended under the group row's lock).
	//
	// KindGroupCreated: a group was created (GroupCreated).
	KindGroupCreated = "group.created"
	// KindGroupMemberJoined: members joined (GroupMembersJoined).
	KindGroupMemberJoined = "group.member_joined"
	// KindGroupMemberExited: members quit or were kicked (GroupMembersExited).
	KindGroupMemberExited = "group.member_exited"
	// KindGroupDestroyed: a group was dismissed (GroupDestroyed).
	KindGroupDestroyed = "group.destroyed"
	// KindGroupInfoChanged: a group's profile was set (GroupInfoChanged).
	KindGroupInfoChanged = "group.info_changed"
	// KindGroupOwnerChanged: ownership was transferred (GroupOwnerChanged).
	KindGroupOwnerChanged = "group.owner_changed"
	// KindGroupFull: a join or an add filled the group to its cap
	// (GroupFull).
	KindGroupFull = "group.full"
	// KindGroupMessageSent: a group message was stored (GroupMessageSent).
	KindGroupMessageSent = "group.msg_sent"
	// KindGroupMessageRecalled: group messages were recalled
	// (GroupMessageRecalled).
	KindGroupMessageRecalled = "group.msg_recalled"
	// KindGroupReceipt: a member sent read receipts for group messages
	// (GroupReceipt; Group.CallbackAfterReadReceipt).
	KindGroupReceipt = "group.receipt"
)

// Kinds lists every kind above, for configuration checks.
var Kinds = []string{KindMessageSent, KindMessageRecalled, KindMessageRead, KindMessageReceipt, KindFriendAdded,
	KindFriendDeleted, KindBlockAdded, KindBlockDeleted, KindProfileSet, KindStateChanged,
	KindGroupCreated, KindGroupMemberJoined, KindGroupMemberExited, KindGroupDestroyed, KindGroupInfoChanged,
	KindGroupOwnerChanged, KindGroupFull, KindGroupMessageSent, KindGroupMessageRecalled, KindGroupAttrChanged,
	KindGroupReceipt}

// MessageSent is the payload of KindMessageSent.
type MessageSent struct {
	From      string `json:"From_Account"`
	To        string `json:"To_Account"`
	MsgSeq    uint64 `json:"MsgSeq"`
	MsgRandom uint32 `json:"MsgRandom"`
	MsgTime   int64  `json:"MsgTime"` // Unix seconds
	MsgKey    string `json:"MsgKey"`
	// MsgBody is the stored body (after any before-send rewrite).
	MsgBody         json.RawMessage `json:"MsgBody"`
	CloudCustomData string          `json:"CloudCustomData,omitempty"`
	// OnlineOnlyFlag is always 0: online-only messages are not stored.
	OnlineOnlyFlag int `json:"OnlineOnlyFlag"`
	// OptPlatform is "RESTAPI" for a message sent through the REST API,
	// the sending session's platform for a client's; ClientIP is the
	// client's address (hook.Origin).
	OptPlatform string `json:"OptPlatform,omitempty"`
	ClientIP    string `json:"ClientIP,omitempty"`
	// ForbidAfterSendMsgCallback: the REST request suppressed its
	// after-send callback (ForbidCallbackControl); the webhook consumer
	// skips the entry, other consumers see it.
	ForbidAfterSendMsgCallback bool  `json:"ForbidAfterSendMsgCallback,omitempty"`
	EventTime                  int64 `json:"EventTime"`
}

// MessageRecalled is the payload of KindMessageRecalled.
type MessageRecalled struct {
	From     string `json:"From_Account"` // the message's sender
	To       string `json:"To_Account"`
	MsgKey   string `json:"MsgKey"`
	Operator string `json:"Operator_Account,omitempty"` // who recalled it, when not the sender
	// OptPlatform and ClientIP: as Pairs'.
	OptPlatform string `json:"OptPlatform,omitempty"`
	ClientIP    string `json:"ClientIP,omitempty"`
	EventTime   int64  `json:"EventTime"`
}

// MessageRead is the payload of KindMessageRead.
type MessageRead struct {
	Report string `json:"Report_Account"`
	Peer   string `json:"Peer_Account"`
	// LastReadTime is the time (Unix seconds) of the newest message read.
	LastReadTime int64  `json:"LastReadTime"`
	ReadSeq      uint64 `json:"ReadSeq"`
	// OptPlatform and ClientIP: as Pairs'.
	OptPlatform string `json:"OptPlatform,omitempty"`
	ClientIP    string `json:"ClientIP,omitempty"`
	EventTime   int64  `json:"EventTime"`
}

// MessageReceipt is the payload of KindMessageReceipt.
type MessageReceipt struct {
	Reader  string   `json:"Report_Account"`
	Peer    string   `json:"Peer_Account"` // the messages' sender
	MsgKeys []string `json:"MsgKeyList"`
	// OptPlatform and ClientIP: as Pairs'.
	OptPlatform string `json:"OptPlatform,omitempty"`
	ClientIP    string `json:"ClientIP,omitempty"`
	EventTime   int64  `json:"EventTime"`
}

// Pair is one row of a relationship callback's PairList.
type Pair struct {
	From      string `json:"From_Account"`
	To        string `json:"To_Account"`
	Initiator string `json:"Initiator_Account,omitempty"` // friend adds only
}

// Client commands of Pairs.ClientCmd (friend adds).
const (
	CmdFriendAdd      = "friend_add"
	CmdFriendResponse = "friend_response"
	CmdFriendImport   = "friend_import"
)

// Pairs is the payload of the friend and blocklist kinds: every row added
// or removed by one call, From_Account owning the row.
type Pairs struct {
	Pairs []Pair `json:"PairList"`
	// ClientCmd says which call added friends (CmdFriend*); empty for the
	// other kinds.
	ClientCmd string `json:"ClientCmd,omitempty"`
	// Admin is the admin that made the call through REST, empty for a
	// client's request.
	Admin string `json:"Admin_Account,omitempty"`
	// ForceFlag is 1 when the add skipped the targets' AllowType.
	ForceFlag int `json:"ForceFlag,omitempty"`
	// OptPlatform and ClientIP say where the call came from
	// (hook.PlatformOf); a webhook sends them in its query.
	OptPlatform string `json:"OptPlatform,omitempty"`
	ClientIP    string `json:"ClientIP,omitempty"`
	EventTime   int64  `json:"EventTime"`
}

// ProfileItem is one tag of ProfileSet.
type ProfileItem struct {
	Tag   string `json:"Tag"`
	Value any    `json:"Value"` // string or integer
}

// ProfileSet is the payload of KindProfileSet.
type ProfileSet struct {
	Operator string        `json:"Operator_Account"`
	From     string        `json:"From_Account"`
	Items    []ProfileItem `json:"ProfileItem"`
	// OptPlatform and ClientIP: as Pairs'.
	OptPlatform string `json:"OptPlatform,omitempty"`
	ClientIP    string `json:"ClientIP,omitempty"`
	EventTime   int64  `json:"EventTime"`
}

// State actions and reasons of StateChange, Tencent's words.
const (
	ActionLogin      = "Login"
	ActionLogout     = "Logout"
	ActionDisconnect = "Disconnect"

	ReasonRegister   = "Register"   // login
	ReasonUnregister = "Unregister" // logout
	ReasonKicked     = "Kicked"     // logout: pushed out (another login, REST kick, UserSig expiry)
	ReasonLinkClose  = "LinkClose"  // disconnect: the socket ended
	ReasonTimeOut    = "TimeOut"    // disconnect: heartbeat missed
)

// StateInfo is StateChange's Info object.
type StateInfo struct {
	Action string `json:"Action"`
	User   string `json:"To_Account"`
	Reason string `json:"Reason"`
}

// KickedDevice names a platform a login pushed out.
type KickedDevice struct {
	Platform string `json:"Platform"`
}

// StateChange is the payload of KindStateChanged.
type StateChange struct {
	Info StateInfo `json:"Info"`
	// OptPlatform is the session's platform.
	OptPlatform string `json:"OptPlatform,omitempty"`
	// KickedDevice lists the platforms a login pushed out.
	KickedDevice []KickedDevice `json:"KickedDevice,omitempty"`
	// KickReason is Parley's cause of a kick (presence.Kick*).
	KickReason string `json:"KickReason,omitempty"`
	EventTime  int64  `json:"EventTime"`
}

// GroupMember is one entry of a group callback's member lists.
type GroupMember struct {
	User string `json:"Member_Account"`
}

// MembersOf is users as a member list (never null in JSON).
func MembersOf(users []string) []GroupMember {
	out := make([]GroupMember, 0, len(users))
	for _, u := range users {
		out = append(out, GroupMember{User: u})
	}
	return out
}

// GroupKeyValue is one app-defined field of a group.
type GroupKeyValue struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// GroupCreated is the payload of KindGroupCreated
// (Group.CallbackAfterCreateGroup).
type GroupCreated struct {
	GroupID             string          `json:"GroupId"`
	Operator            string          `json:"Operator_Account"`
	Owner               string          `json:"Owner_Account"`
	Type                string          `json:"Type"`
	Name                string          `json:"Name"`
	Members             []GroupMember   `json:"MemberList"`
	UserDefinedDataList []GroupKeyValue `json:"UserDefinedDataList,omitempty"`
	// OptPlatform and ClientIP: as Pairs'.
	OptPlatform string `json:"OptPlatform,omitempty"`
	ClientIP    string `json:"ClientIP,omitempty"`
	EventTime   int64  `json:"EventTime"`
}

// Join types of GroupMembersJoined, Tencent's words.
const (
	JoinTypeApply  = "Apply"  // the member asked (a free join or an approved application)
	JoinTypeInvite = "Invite" // someone added them
)

// GroupMembersJoined is the payload of KindGroupMemberJoined
// (Group.CallbackAfterNewMemberJoin).
type GroupMembersJoined struct {
	GroupID     string        `json:"GroupId"`
	Type        string        `json:"Type"`
	JoinType    string        `json:"JoinType"`
	Operator    string        `json:"Operator_Account"`
	Members     []GroupMember `json:"NewMemberList"`
	OptPlatform string        `json:"OptPlatform,omitempty"`
	ClientIP    string        `json:"ClientIP,omitempty"`
	EventTime   int64         `json:"EventTime"`
}

// Exit types of GroupMembersExited, Tencent's words.
const (
	ExitTypeQuit   = "Quit"
	ExitTypeKicked = "Kicked"
)

// GroupMembersExited is the payload of KindGroupMemberExited
// (Group.CallbackAfterMemberExit).
type GroupMembersExited struct {
	GroupID     string        `json:"GroupId"`
	Type        string        `json:"Type"`
	ExitType    string        `json:"ExitType"`
	Operator    string        `json:"Operator_Account"`
	Members     []GroupMember `json:"ExitMemberList"`
	OptPlatform string        `json:"OptPlatform,omitempty"`
	ClientIP    string        `json:"ClientIP,omitempty"`
	EventTime   int64         `json:"EventTime"`
}

// GroupDestroyed is the payload of KindGroupDestroyed
// (Group.CallbackAfterGroupDestroyed).
type GroupDestroyed struct {
	GroupID     string        `json:"GroupId"`
	Type        string        `json:"Type"`
	Owner       string        `json:"Owner_Account"`
	Name        string        `json:"Name"`
	Members     []GroupMember `json:"MemberList"`
	OptPlatform string        `json:"OptPlatform,omitempty"`
	ClientIP    string        `json:"ClientIP,omitempty"`
	EventTime   int64         `json:"EventTime"`
}

// GroupInfoChanged is the payload of KindGroupInfoChanged
// (Group.CallbackAfterGroupInfoChanged): only the fields that changed.
type GroupInfoChanged struct {
	GroupID      string  `json:"GroupId"`
	Type         string  `json:"Type"`
	Operator     string  `json:"Operator_Account"`
	Name         *string `json:"Name,omitempty"`
	Introduction *string `json:"Introduction,omitempty"`
	Notification *string `json:"Notification,omitempty"`
	FaceURL      *string `json:"FaceUrl,omitempty"`
	OptPlatform  string  `json:"OptPlatform,omitempty"`
	ClientIP     string  `json:"ClientIP,omitempty"`
	EventTime    int64   `json:"EventTime"`
}

// GroupOwnerChanged is the payload of KindGroupOwnerChanged
// (Group.CallbackAfterChangeGroupOwner).
type GroupOwnerChanged struct {
	GroupID     string `json:"GroupId"`
	Type        string `json:"Type"`
	Operator    string `json:"Operator_Account"`
	OldOwner    string `json:"OldOwner_Account"`
	NewOwner    string `json:"NewOwner_Account"`
	OptPlatform string `json:"OptPlatform,omitempty"`
	ClientIP    string `json:"ClientIP,omitempty"`
	EventTime   int64  `json:"EventTime"`
}

// GroupFull is the payload of KindGroupFull (Group.CallbackAfterGroupFull).
type GroupFull struct {
	GroupID     string `json:"GroupId"`
	OptPlatform string `json:"OptPlatform,omitempty"`
	ClientIP    string `json:"ClientIP,omitempty"`
	EventTime   int64  `json:"EventTime"`
}

// GroupMessageSent is the payload of KindGroupMessageSent
// (Group.CallbackAfterSendMsg).
type GroupMessageSent struct {
	GroupID  string `json:"GroupId"`
	TopicID  string `json:"TopicId,omitempty"` // a community topic's message: GroupId is the community
	Type     string `json:"Type"`
	From     string `json:"From_Account"`
	Operator string `json:"Operator_Account"`
	Random   uint32 `json:"Random"`
	MsgSeq   uint64 `json:"MsgSeq"`
	MsgTime  int64  `json:"MsgTime"` // Unix seconds
	// OnlineOnlyFlag is always 0: online-only messages are not stored.
	OnlineOnlyFlag int `json:"OnlineOnlyFlag"`
	// MsgBody is the stored body (after any before-send rewrite).
	MsgBody                    json.RawMessage `json:"MsgBody"`
	CloudCustomData            string          `json:"CloudCustomData,omitempty"`
	OptPlatform                string          `json:"OptPlatform,omitempty"`
	ClientIP                   string          `json:"ClientIP,omitempty"`
	ForbidAfterSendMsgCallback bool            `json:"ForbidAfterSendMsgCallback,omitempty"`
	EventTime                  int64           `json:"EventTime"`
}

// GroupMsgSeq is one entry of GroupMessageRecalled's MsgSeqList.
type GroupMsgSeq struct {
	MsgSeq uint64 `json:"MsgSeq"`
}

// GroupMessageRecalled is the payload of KindGroupMessageRecalled
// (Group.CallbackAfterRecallMsg).
type GroupMessageRecalled struct {
	GroupID     string        `json:"GroupId"`
	TopicID     string        `json:"TopicId,omitempty"` // a community topic's message: GroupId is the community
	Type        string        `json:"Type"`
	Operator    string        `json:"Operator_Account"`
	MsgSeqs     []GroupMsgSeq `json:"MsgSeqList"`
	OptPlatform string        `json:"OptPlatform,omitempty"`
	ClientIP    string        `json:"ClientIP,omitempty"`
	EventTime   int64         `json:"EventTime"`
}

// GroupReceiptItem is one message of GroupReceipt: its counts after the
// receipt.
type GroupReceiptItem struct {
	MsgSeq    uint64 `json:"MsgSeq"`
	ReadNum   int    `json:"ReadNum"`
	UnreadNum int    `json:"UnreadNum"`
}

// GroupReceipt is the payload of KindGroupReceipt
// (Group.CallbackAfterReadReceipt): Operator_Account read the messages of
// GroupMsgReceiptList (the fields of get_group_msg_receipt).
type GroupReceipt struct {
	GroupID     string             `json:"GroupId"`
	Type        string             `json:"Type"`
	Operator    string             `json:"Operator_Account"`
	Receipts    []GroupReceiptItem `json:"GroupMsgReceiptList"`
	OptPlatform string             `json:"OptPlatform,omitempty"`
	ClientIP    string             `json:"ClientIP,omitempty"`
	EventTime   int64              `json:"EventTime"`
}
