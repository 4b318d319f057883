package webhook

import (
	"fmt"
	"slices"
	"strings"

	"github.com/parleyim/parley/internal/outbox"
)

// Command is one of Tencent's callback commands (rest-spec §4.2).
type Command struct {
	// Name is the CallbackCommand, as configured and sent.
	Name string
	// Kind is the outbox kind an after-callback is made from; "" for a
	// before-callback (Before says which hook asks it) or a command whose
	// feature has no producer yet.
	Kind string
	// Before marks a synchronous before-callback (hook.Before).
	Before bool
	// Available is false for the commands of features Parley does not
	// have yet (topics, group attributes): they may be configured, and fire once their
	// producer exists.
	Available bool
}

// The commands Parley sends.
const (
	CmdStateChange             = "State.StateChange"
	CmdPortraitSet             = "Profile.CallbackPortraitSet"
	CmdPrevFriendAdd           = "Sns.CallbackPrevFriendAdd"
	CmdPrevFriendResponse      = "Sns.CallbackPrevFriendResponse"
	CmdFriendAdd               = "Sns.CallbackFriendAdd"
	CmdFriendDelete            = "Sns.CallbackFriendDelete"
	CmdBlackListAdd            = "Sns.CallbackBlackListAdd"
	CmdBlackListDelete         = "Sns.CallbackBlackListDelete"
	CmdC2CBeforeSendMsg        = "C2C.CallbackBeforeSendMsg"
	CmdC2CAfterSendMsg         = "C2C.CallbackAfterSendMsg"
	CmdC2CAfterMsgReport       = "C2C.CallbackAfterMsgReport"
	CmdC2CAfterMsgWithDraw     = "C2C.CallbackAfterMsgWithDraw"
	CmdGroupBeforeCreate       = "Group.CallbackBeforeCreateGroup"
	CmdGroupAfterCreate        = "Group.CallbackAfterCreateGroup"
	CmdGroupBeforeApplyJoin    = "Group.CallbackBeforeApplyJoinGroup"
	CmdGroupBeforeInviteJoin   = "Group.CallbackBeforeInviteJoinGroup"
	CmdGroupAfterNewMemberJoin = "Group.CallbackAfterNewMemberJoin"
	CmdGroupAfterMemberExit    = "Group.CallbackAfterMemberExit"
	CmdGroupBeforeSendMsg      = "Group.CallbackBeforeSendMsg"
	CmdGroupAfterSendMsg       = "Group.CallbackAfterSendMsg"
	CmdGroupAfterGroupFull     = "Group.CallbackAfterGroupFull"
	CmdGroupAfterDestroyed     = "Group.CallbackAfterGroupDestroyed"
	CmdGroupAfterInfoChanged   = "Group.CallbackAfterGroupInfoChanged"
	CmdGroupAfterRecallMsg     = "Group.CallbackAfterRecallMsg"
	CmdGroupAfterReadReceipt   = "Group.CallbackAfterReadReceipt"
	CmdGroupAfterChangeOwner   = "Group.CallbackAfterChangeGroupOwner"
	// The topic callbacks (group/topic.go asks and produces them).
	CmdGroupBeforeCreateTopic     = "Group.CallbackBeforeCreateTopic"
	CmdGroupAfterCreateTopic      = "Group.CallbackAfterCreateTopic"
	CmdGroupAfterTopicDestroyed   = "Group.CallbackAfterTopicDestroyed"
	CmdGroupAfterTopicInfoChanged = "Group.CallbackAfterTopicInfoChanged"
	// allCommands in a command list means every command.
	allCommands = "*"
)

// Commands is the registry of every command name Parley knows, in
// Tencent's order. The commands of features Parley lacks (topics, group
// attributes, ...) are known names (so a configuration written for Tencent
// loads) without a producer; a feature plugs one in by giving it its
// outbox Kind (after-callbacks) or a hook method (before-callbacks), and
// setting Available.
var Commands = []Command{
	{Name: CmdStateChange, Kind: outbox.KindStateChanged, Available: true},
	{Name: CmdPortraitSet, Kind: outbox.KindProfileSet, Available: true},
	{Name: CmdPrevFriendAdd, Before: true, Available: true},
	{Name: CmdPrevFriendResponse, Before: true, Available: true},
	{Name: CmdFriendAdd, Kind: outbox.KindFriendAdded, Available: true},
	{Name: CmdFriendDelete, Kind: outbox.KindFriendDeleted, Available: true},
	{Name: CmdBlackListAdd, Kind: outbox.KindBlockAdded, Available: true},
	{Name: CmdBlackListDelete, Kind: outbox.KindBlockDeleted, Available: true},
	{Name: CmdC2CBeforeSendMsg, Before: true, Available: true},
	{Name: CmdC2CAfterSendMsg, Kind: outbox.KindMessageSent, Available: true},
	{Name: CmdC2CAfterMsgReport, Kind: outbox.KindMessageRead, Available: true},
	{Name: CmdC2CAfterMsgWithDraw, Kind: outbox.KindMessageRecalled, Available: true},

	// Groups.
	{Name: CmdGroupBeforeCreate, Before: true, Available: true},
	{Name: CmdGroupAfterCreate, Kind: outbox.KindGroupCreated, Available: true},
	{Name: CmdGroupBeforeApplyJoin, Before: true, Available: true},
	{Name: CmdGroupBeforeInviteJoin, Before: true, Available: true},
	{Name: CmdGroupAfterNewMemberJoin, Kind: outbox.KindGroupMemberJoined, Available: true},
	{Name: CmdGroupAfterMemberExit, Kind: outbox.KindGroupMemberExited, Available: true},
	{Name: CmdGroupBeforeSendMsg, Before: true, Available: true},
	{Name: CmdGroupAfterSendMsg, Kind: outbox.KindGroupMessageSent, Available: true},
	{Name: CmdGroupAfterGroupFull, Kind: outbox.KindGroupFull, Available: true},
	{Name: CmdGroupAfterDestroyed, Kind: outbox.KindGroupDestroyed, Available: true},
	{Name: CmdGroupAfterInfoChanged, Kind: outbox.KindGroupInfoChanged, Available: true},
	{Name: CmdGroupAfterRecallMsg, Kind: outbox.KindGroupMessageRecalled, Available: true},
	{Name: CmdGroupAfterReadReceipt, Kind: outbox.KindGroupReceipt, Available: true},
	// Known names without a producer: features Parley does not have yet
	// (member-state and send-exception reports; group attributes, group
	// read receipts and topics have theirs, below).
	{Name: "Group.CallbackOnMemberStateChange"},
	{Name: "Group.CallbackSendMsgException"},
	// Topics (group/topic.go), in Tencent's order among the others.
	{Name: CmdGroupBeforeCreateTopic, Before: true, Available: true},
	{Name: CmdGroupAfterCreateTopic, Kind: outbox.KindTopicCreated, Available: true},
	{Name: CmdGroupAfterTopicDestroyed, Kind: outbox.KindTopicDestroyed, Available: true},
	{Name: CmdGroupAfterTopicInfoChanged, Kind: outbox.KindTopicInfoChanged, Available: true},
	// Known names without a producer, again.
	{Name: "Group.CallbackAfterMemberFieldChanged"},
	{Name: "Group.CallbackAfterGroupAttrChanged", Kind: outbox.KindGroupAttrChanged, Available: true},
	{Name: CmdGroupAfterChangeOwner, Kind: outbox.KindGroupOwnerChanged, Available: true},
}

// CommandNamed returns the command called name, or nil.
func CommandNamed(name string) *Command {
	for i := range Commands {
		if Commands[i].Name == name {
			return &Commands[i]
		}
	}
	return nil
}

// commandOfKind returns the after-callback made from an outbox kind, or nil.
func commandOfKind(kind string) *Command {
	for i := range Commands {
		if Commands[i].Kind == kind && Commands[i].Kind != "" {
			return &Commands[i]
		}
	}
	return nil
}

// ParseCommands resolves a configured command list: "*" is every command;
// an unknown name is an error naming it, so a typo stops the start instead
// of a callback silently never firing.
func ParseCommands(names []string) (map[string]bool, error) {
	set := map[string]bool{}
	var unknown []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		switch {
		case n == "":
		case n == allCommands:
			for _, c := range Commands {
				set[c.Name] = true
			}
		case CommandNamed(n) != nil:
			set[n] = true
		default:
			unknown = append(unknown, fmt.Sprintf("%q", n))
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("unknown callback command %s (want Tencent's names, e.g. %s, or \"*\")",
			strings.Join(unknown, ", "), CmdC2CAfterSendMsg)
	}
	return set, nil
}

// SplitCommands splits PARLEY_WEBHOOK_COMMANDS (comma-separated).
func SplitCommands(v string) []string {
	parts := strings.Split(v, ",")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return slices.Clip(out)
}
