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
	// have yet (groups): they may be configured, and fire once their
	// producer exists.
	Available bool
}

// The commands Parley sends.
const (
	CmdStateChange         = "State.StateChange"
	CmdPortraitSet         = "Profile.CallbackPortraitSet"
	CmdPrevFriendAdd       = "Sns.CallbackPrevFriendAdd"
	CmdPrevFriendResponse  = "Sns.CallbackPrevFriendResponse"
	CmdFriendAdd           = "Sns.CallbackFriendAdd"
	CmdFriendDelete        = "Sns.CallbackFriendDelete"
	CmdBlackListAdd        = "Sns.CallbackBlackListAdd"
	CmdBlackListDelete     = "Sns.CallbackBlackListDelete"
	CmdC2CBeforeSendMsg    = "C2C.CallbackBeforeSendMsg"
	CmdC2CAfterSendMsg     = "C2C.CallbackAfterSendMsg"
	CmdC2CAfterMsgReport   = "C2C.CallbackAfterMsgReport"
	CmdC2CAfterMsgWithDraw = "C2C.CallbackAfterMsgWithDraw"
	// allCommands in a command list means every command.
	allCommands = "*"
)

// Commands is the registry of every command name Parley knows, in
// Tencent's order. The group commands are known names (so a configuration
// written for Tencent loads) without a producer: the groups work plugs each
// in by giving it its outbox Kind (after-callbacks, appended by the group
// service like the one-to-one ones) or a hook.Before method (before-
// callbacks), and setting Available.
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

	// Groups: no producer yet.
	{Name: "Group.CallbackBeforeCreateGroup", Before: true},
	{Name: "Group.CallbackAfterCreateGroup"},
	{Name: "Group.CallbackBeforeApplyJoinGroup", Before: true},
	{Name: "Group.CallbackBeforeInviteJoinGroup", Before: true},
	{Name: "Group.CallbackAfterNewMemberJoin"},
	{Name: "Group.CallbackAfterMemberExit"},
	{Name: "Group.CallbackBeforeSendMsg", Before: true},
	{Name: "Group.CallbackAfterSendMsg"},
	{Name: "Group.CallbackAfterGroupFull"},
	{Name: "Group.CallbackAfterGroupDestroyed"},
	{Name: "Group.CallbackAfterGroupInfoChanged"},
	{Name: "Group.CallbackAfterRecallMsg"},
	{Name: "Group.CallbackOnMemberStateChange"},
	{Name: "Group.CallbackSendMsgException"},
	{Name: "Group.CallbackBeforeCreateTopic", Before: true},
	{Name: "Group.CallbackAfterCreateTopic"},
	{Name: "Group.CallbackAfterTopicDestroyed"},
	{Name: "Group.CallbackAfterTopicInfoChanged"},
	{Name: "Group.CallbackAfterMemberFieldChanged"},
	{Name: "Group.CallbackAfterGroupAttrChanged"},
	{Name: "Group.CallbackAfterReadReceipt"},
	{Name: "Group.CallbackAfterChangeGroupOwner"},
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
