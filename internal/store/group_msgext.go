package store

import "context"

// MessageTargeted flags a group message sent to some members only (its
// receivers are GroupMessageTargets): a history read with a Viewer leaves
// it out unless the viewer sent it or is one of them.
const MessageTargeted = 8

// At-info types of a group conversation (V2TIMGroupAtInfo.atType).
const (
	AtMe       = 0 // the member was mentioned
	AtAll      = 1 // everyone was mentioned
	AtAllAtMe  = 2 // both, in one message
	AtAllLabel = "__kImSDK_MesssageAtALL__"
)

// GroupAtInfo is one unread mention in a member's group conversation.
type GroupAtInfo struct {
	Seq  uint64
	Type int // AtMe, AtAll or AtAllAtMe
}

// GroupMsgExt is the tables of the group message features: mentions,
// targeted receivers and read receipts. Every write here is bounded by
// the message it belongs to (its listed users), never by the group's size.
type GroupMsgExt interface {
	// AddGroupMentions records that message seq of groupID mentioned users
	// (each once) and, with atAll, everyone: the group row's @all seq
	// moves to seq, one row whatever the group's size.
	AddGroupMentions(ctx context.Context, app AppID, groupID string, seq uint64, users []string, atAll bool) error
	// GroupAtInfo returns, per group of user (only groupIDs when not nil),
	// the mentions after user's read cursor, ascending by seq: the listed
	// ones and the group's last @all (unless user sent it). Groups without
	// any are absent.
	GroupAtInfo(ctx context.Context, app AppID, user string, groupIDs []string) (map[string][]GroupAtInfo, error)
	// DeleteGroupMentions removes user's listed mentions in groupID with
	// seq at most upto (they read past them).
	DeleteGroupMentions(ctx context.Context, app AppID, groupID, user string, upto uint64) error

	// AddGroupMessageTargets records the receivers of targeted message seq.
	AddGroupMessageTargets(ctx context.Context, app AppID, groupID string, seq uint64, users []string) error
	// GroupMessageTargets returns the receivers of message seq, ascending
	// (none for a message sent to everyone).
	GroupMessageTargets(ctx context.Context, app AppID, groupID string, seq uint64) ([]string, error)

	// AddGroupReceipts records that reader read the messages seqs of
	// groupID and returns those that had no receipt of reader yet, in the
	// order given.
	AddGroupReceipts(ctx context.Context, app AppID, groupID, reader string, seqs []uint64, at int64) ([]uint64, error)
	// GroupReceiptCounts returns how many members sent a receipt for each
	// of seqs (absent: none).
	GroupReceiptCounts(ctx context.Context, app AppID, groupID string, seqs []uint64) (map[uint64]int, error)
	// GroupReceiptReaders returns up to limit readers of message seq with
	// UserID after after, ascending.
	GroupReceiptReaders(ctx context.Context, app AppID, groupID string, seq uint64, after string, limit int) ([]string, error)
	// GroupReceiptNonReaders returns up to limit current members of
	// groupID, other than sender, who sent no receipt for message seq, with
	// UserID after after, ascending.
	GroupReceiptNonReaders(ctx context.Context, app AppID, groupID string, seq uint64, sender, after string, limit int) ([]string, error)
}
