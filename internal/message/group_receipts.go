package message

import (
	"context"
	"slices"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// CodeNoReceipt: the message has no read receipt information (it was not
// sent with one requested, or does not exist): seed 002's 10062.
const CodeNoReceipt = 10062

// MaxReceiptGroupMembers bounds the groups whose messages may ask for read
// receipts, by member count when sent: a receipt's unread member list is
// read from the member rows. The seeds name no size; 200 is a Work group's
// default cap.
const MaxReceiptGroupMembers = 200

// MaxReadMemberPage is the largest page of a read or unread member list
// (get_group_msg_receipt_detail's Count: at most 200).
const MaxReadMemberPage = 200

// receiptTypes are the group types that have read receipts at all
// (get_group_msg_receipt: Private, Public and ChatRoom; not AVChatRoom nor
// Community).
var receiptTypes = []string{rules.Work, rules.Public, rules.Meeting}

// receiptsEnabled: messages of g may ask for read receipts, the app
// enabling them for g's type (console "Group Message Read Receipts",
// app.App.GroupReadReceipts) and g small enough.
func receiptsEnabled(a *app.App, g store.Group) bool {
	return slices.Contains(receiptTypes, g.Type) && slices.Contains(a.GroupReadReceipts, g.Type) &&
		g.MemberCount <= MaxReceiptGroupMembers
}

// GroupReceipt is one message's read receipt counts (V2TIMMessageReceipt
// of a group message; get_group_msg_receipt's item). Code is 0, or 10062
// for a message without receipt information, or 10007 for a member asking
// about another's message.
type GroupReceipt struct {
	Seq         uint64
	MsgKey      string
	Code        int
	ReadCount   int
	UnreadCount int
}

// SendGroupReceipts records that reader read the messages msgKeys of
// groupID (V2TIM sendMessageReadReceipts; at most 30, one conversation,
// 20001 otherwise). Only messages sent with a receipt requested, by
// someone else, take one; the others are left out of the answer. The read
// cursor and the unread count do not move. Each sender's devices get
// msg.groupReceipt with the new counts of their messages that the receipt
// changed. It returns the messages that now have reader's receipt.
func (s *Service) SendGroupReceipts(ctx context.Context, a *app.App, reader, groupID string, msgKeys []string) ([]GroupReceipt, error) {
	if len(msgKeys) == 0 || len(msgKeys) > MaxReceiptsPerCall {
		return nil, errcode.Newf(CodeInvalidRequest, "Err_Msg_Receipt_Count: give 1 to %d messages of one conversation", MaxReceiptsPerCall)
	}
	keys, err := parseKeys(msgKeys)
	if err != nil {
		return nil, err
	}
	id := convid.Group(groupID)
	now := s.now()
	var acked []GroupReceipt
	var fresh []uint64
	senders := map[uint64]string{}
	var g store.Group
	err = s.Store.Write(ctx, func(tx Tx) error {
		acked, fresh = acked[:0], fresh[:0]
		clear(senders)
		c, err := resolve(ctx, tx, a, reader, id, false)
		if err != nil {
			return err
		}
		g = c.group
		var seqs []uint64
		for i, k := range keys {
			m, ok, err := lookup(ctx, tx, a.SDKAppID, c.key, k)
			if err != nil {
				return err
			}
			if !ok || m.Seq < c.historyFloor() {
				return errcode.Newf(CodeNoSuchMessage, "Err_Msg_Receipt_Message_Not_Exist: %s", msgKeys[i])
			}
			if m.Sender == reader || m.Flags&store.MessageNeedReadReceipt == 0 || senders[m.Seq] != "" {
				continue
			}
			senders[m.Seq] = m.Sender
			seqs = append(seqs, m.Seq)
			acked = append(acked, GroupReceipt{Seq: m.Seq, MsgKey: MsgKey(m)})
		}
		if len(seqs) == 0 {
			return nil
		}
		if fresh, err = tx.AddGroupReceipts(ctx, a.SDKAppID, groupID, reader, seqs, now.UnixMilli()); err != nil {
			return err
		}
		if err := s.countReceipts(ctx, tx, a, c.group, senders, acked); err != nil {
			return err
		}
		return s.outboxGroupReceipt(ctx, tx, a, c.group, reader, acked, fresh)
	})
	if err != nil {
		return nil, errcode.Wrapf(err, "message: group receipts of %s in %s", reader, groupID)
	}
	s.outboxCommitted(a, outbox.KindGroupReceipt)
	if acked == nil {
		acked = []GroupReceipt{}
	}
	// One push per sender, with the counts of that sender's messages the
	// receipt changed.
	bySender := map[string][]event.GroupReceipt{}
	var order []string
	for _, r := range acked {
		if !slices.Contains(fresh, r.Seq) {
			continue
		}
		sender := senders[r.Seq]
		if bySender[sender] == nil {
			order = append(order, sender)
		}
		bySender[sender] = append(bySender[sender], event.GroupReceipt{MsgKey: r.MsgKey, Seq: r.Seq, ReadCount: r.ReadCount, UnreadCount: r.UnreadCount})
	}
	for _, sender := range order {
		m := &store.Message{App: a.SDKAppID, ConvKey: convid.GroupKey(g.ID), Sender: reader, SentAt: now.UnixMilli()}
		s.Events.Publish(event.Event{App: a.SDKAppID, Kind: event.GroupMessageReceipt, User: sender, Message: m, GroupReceipts: bySender[sender]})
	}
	return acked, nil
}

// countReceipts fills the counts of receipts (messages of g, by their
// senders): read is the members who sent a receipt, unread the other
// members now, the sender aside.
func (s *Service) countReceipts(ctx context.Context, tx Tx, a *app.App, g store.Group, senders map[uint64]string, receipts []GroupReceipt) error {
	seqs := make([]uint64, 0, len(receipts))
	var who []string
	for _, r := range receipts {
		seqs = append(seqs, r.Seq)
		if !slices.Contains(who, senders[r.Seq]) {
			who = append(who, senders[r.Seq])
		}
	}
	counts, err := tx.GroupReceiptCounts(ctx, a.SDKAppID, g.ID, seqs)
	if err != nil {
		return err
	}
	members, err := tx.GroupMembersAmong(ctx, a.SDKAppID, g.ID, who)
	if err != nil {
		return err
	}
	for i := range receipts {
		others := g.MemberCount
		if slices.ContainsFunc(members, func(m store.GroupMember) bool { return m.User == senders[receipts[i].Seq] }) {
			others--
		}
		receipts[i].ReadCount = counts[receipts[i].Seq]
		receipts[i].UnreadCount = max(0, others-receipts[i].ReadCount)
	}
	return nil
}

// GroupReceipts returns the read receipt counts of groupID's messages seqs
// (V2TIM getMessageReadReceipts, REST get_group_msg_receipt), in the order
// given, each with its Code. A member (admin false) asks about the
// messages they sent; the app's admin about any. The group must be of a
// type with receipts (10007 otherwise).
func (s *Service) GroupReceipts(ctx context.Context, a *app.App, user, groupID string, seqs []uint64, admin bool) ([]GroupReceipt, error) {
	if len(seqs) == 0 || len(seqs) > MaxReceiptsPerCall {
		return nil, errcode.Newf(CodeGroupBadParam, "Err_Group_MsgSeqList_Invalid: 1 to %d messages", MaxReceiptsPerCall)
	}
	out := make([]GroupReceipt, len(seqs))
	err := s.Store.Read(ctx, func(tx Tx) error {
		c, err := s.receiptGroup(ctx, tx, a, user, groupID, admin)
		if err != nil {
			return err
		}
		senders := map[uint64]string{}
		var have []GroupReceipt
		for i, seq := range seqs {
			out[i] = GroupReceipt{Seq: seq, Code: CodeNoReceipt}
			m, ok, err := tx.Message(ctx, a.SDKAppID, c.key, seq)
			if err != nil {
				return err
			}
			if !ok || m.Flags&store.MessageNeedReadReceipt == 0 {
				continue
			}
			out[i].MsgKey = MsgKey(m)
			if !admin && m.Sender != user {
				out[i].Code = CodeNoPermission
				continue
			}
			out[i].Code = 0
			senders[seq] = m.Sender
			have = append(have, out[i])
		}
		if len(have) == 0 {
			return nil
		}
		if err := s.countReceipts(ctx, tx, a, c.group, senders, have); err != nil {
			return err
		}
		for _, h := range have {
			for i := range out {
				if out[i].Seq == h.Seq && out[i].Code == 0 {
					out[i] = h
				}
			}
		}
		return nil
	})
	return out, errcode.Wrapf(err, "message: receipts of group %s", groupID)
}

// ReadMembersPage is one page of a message's read or unread members.
type ReadMembersPage struct {
	Users []string
	// Cursor continues the list ("" when Finished).
	Cursor   string
	Finished bool
}

// GroupReadMembers pages the members who read (read true) or have not
// read message seq of groupID (V2TIM getGroupMessageReadMemberList, REST
// get_group_msg_receipt_detail), by UserID after cursor ("" first), at
// most count (1 to MaxReadMemberPage). A message without receipt
// information is 10062; a member asks about their own messages only
// (10007).
func (s *Service) GroupReadMembers(ctx context.Context, a *app.App, user, groupID string, seq uint64, read bool, cursor string, count int, admin bool) (ReadMembersPage, error) {
	if count < 1 || count > MaxReadMemberPage {
		return ReadMembersPage{}, errcode.Newf(CodeGroupBadParam, "Err_Group_Count_Invalid: 1 to %d members a page", MaxReadMemberPage)
	}
	var page ReadMembersPage
	err := s.Store.Read(ctx, func(tx Tx) error {
		c, err := s.receiptGroup(ctx, tx, a, user, groupID, admin)
		if err != nil {
			return err
		}
		m, ok, err := tx.Message(ctx, a.SDKAppID, c.key, seq)
		if err != nil {
			return err
		}
		if !ok || m.Flags&store.MessageNeedReadReceipt == 0 {
			return errcode.Newf(CodeNoReceipt, "Err_Group_Receipt_Not_Exist: message %d of %q has no read receipt", seq, groupID)
		}
		if !admin && m.Sender != user {
			return errcode.Newf(CodeNoPermission, "Err_Group_Receipt_Not_Sender: only the sender reads who read message %d", seq)
		}
		// One more than the page tells whether the list goes on.
		var users []string
		if read {
			users, err = tx.GroupReceiptReaders(ctx, a.SDKAppID, groupID, seq, cursor, count+1)
		} else {
			users, err = tx.GroupReceiptNonReaders(ctx, a.SDKAppID, groupID, seq, m.Sender, cursor, count+1)
		}
		if err != nil {
			return err
		}
		page.Finished = len(users) <= count
		page.Users = users[:min(len(users), count)]
		if !page.Finished {
			page.Cursor = page.Users[len(page.Users)-1]
		}
		if page.Users == nil {
			page.Users = []string{}
		}
		return nil
	})
	return page, errcode.Wrapf(err, "message: read members of %d in %s", seq, groupID)
}

// receiptGroup resolves groupID for a receipt query: a member unless admin,
// of a type with read receipts (10007).
func (s *Service) receiptGroup(ctx context.Context, tx Tx, a *app.App, user, groupID string, admin bool) (conv, error) {
	c, err := resolve(ctx, tx, a, user, convid.Group(groupID), admin)
	if err != nil {
		return c, err
	}
	if !slices.Contains(receiptTypes, c.group.Type) {
		return c, errcode.Newf(CodeNoPermission, "Err_Group_Type_Not_Support: %s groups have no read receipts", c.group.Type)
	}
	return c, nil
}

// outboxGroupReceipt appends the Group.CallbackAfterReadReceipt entry of
// reader's new receipts (fresh) in the receipt's write.
func (s *Service) outboxGroupReceipt(ctx context.Context, tx Tx, a *app.App, g store.Group, reader string, receipts []GroupReceipt, fresh []uint64) error {
	if len(fresh) == 0 || !s.Outbox.Wants(a.SDKAppID, outbox.KindGroupReceipt) {
		return nil
	}
	p := outbox.GroupReceipt{GroupID: g.ID, Type: g.Type, Operator: reader, EventTime: s.now().UnixMilli()}
	for _, r := range receipts {
		if slices.Contains(fresh, r.Seq) {
			p.Receipts = append(p.Receipts, outbox.GroupReceiptItem{MsgSeq: r.Seq, ReadNum: r.ReadCount, UnreadNum: r.UnreadCount})
		}
	}
	p.OptPlatform, p.ClientIP = hook.PlatformOf(ctx)
	_, err := s.Outbox.Add(ctx, tx, a.SDKAppID, outbox.KindGroupReceipt, g.ID, p)
	return err
}
