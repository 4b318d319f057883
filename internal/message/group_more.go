package message

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// The rest of the group REST API's message side: modify a group message,
// import a group's history, recall a sender's messages, set a member's
// unread count. The app's admin does all of them.

// Per-call bounds of the group message REST API (rest-spec §3.7).
const (
	MaxGroupImportBatch = 20 // import_group_msg MsgList
	// MaxSetUnread bounds set_unread_msg_num's UnreadMsgNum, so the
	// counter arithmetic it rides on cannot overflow.
	MaxSetUnread = 1<<31 - 1
	// recallBySenderPage is how many of a sender's messages one
	// transaction of RecallBySender recalls.
	recallBySenderPage = 200
	// MaxNotReceiving is how many not_receive members a group message's
	// push leaves out: the gateway's bound on a push's member list
	// (gateway.MaxGroupPushUsers). Members past it still hear the push.
	MaxNotReceiving = 1000
)

// Per-message results of import_group_msg.
const (
	ImportOK       = 0
	ImportBadParam = 10004
	ImportTooLong  = 80002
)

// storedGroup resolves groupID for the app's admin and refuses a type that
// stores no messages (AVChatRoom: 10007).
func storedGroup(ctx context.Context, tx Tx, a *app.App, groupID string) (conv, error) {
	c, err := resolve(ctx, tx, a, "", convid.Group(groupID), true)
	if err != nil {
		return c, err
	}
	if !c.policy.Stored {
		return c, errcode.Newf(CodeNoPermission, "Err_Group_Type_Not_Support: %s groups store no messages", c.group.Type)
	}
	return c, nil
}

// ModifyGroupMessage replaces the body and/or cloud custom data of
// groupID's message seq as the app's admin (REST modify_group_msg). Every
// online member hears msg.modified with the new message, as for a client's
// edit. A message that does not exist or was recalled is 20026.
func (s *Service) ModifyGroupMessage(ctx context.Context, a *app.App, groupID string, seq uint64, mod Modification) (store.Message, error) {
	if mod.MsgBody == nil && mod.CloudCustomData == nil {
		return store.Message{}, errcode.New(CodeInvalidRequest, "Err_Msg_Modify_Nothing: give MsgBody and/or CloudCustomData")
	}
	if mod.MsgBody != nil {
		if _, err := (Content{MsgBody: mod.MsgBody}).Validate(); err != nil {
			return store.Message{}, err
		}
	}
	var m store.Message
	err := s.Store.Write(ctx, func(tx Tx) error {
		c, err := storedGroup(ctx, tx, a, groupID)
		if err != nil {
			return err
		}
		// The sender's lock serializes this with their recall or edit of
		// the same message, as lockedLookupIn does for a MsgKey.
		var ok bool
		if m, ok, err = tx.Message(ctx, a.SDKAppID, c.key, seq); err != nil {
			return err
		}
		if !ok {
			return errcode.Newf(CodeModifyRecalled, "Err_Msg_Modify_Message_Not_Exist: %d", seq)
		}
		if err := tx.LockAccounts(ctx, a.SDKAppID, m.Sender); err != nil {
			return err
		}
		if m, ok, err = tx.Message(ctx, a.SDKAppID, c.key, seq); err != nil {
			return err
		}
		switch {
		case !ok || seq == 0:
			return errcode.Newf(CodeModifyRecalled, "Err_Msg_Modify_Message_Not_Exist: %d", seq)
		case m.Status == store.MessageRecalled:
			return errcode.New(CodeModifyRecalled, "Err_Msg_Modify_Message_Recalled")
		}
		var content Content
		if err := json.Unmarshal(m.Body, &content); err != nil {
			return err
		}
		if mod.MsgBody != nil {
			content.MsgBody = mod.MsgBody
		}
		if mod.CloudCustomData != nil {
			content.CloudCustomData = *mod.CloudCustomData
		}
		body, err := content.Validate()
		if err != nil {
			return err
		}
		m.Body, m.Version = body, m.Version+1
		return tx.UpdateMessage(ctx, m)
	})
	if err != nil {
		return store.Message{}, errcode.Wrapf(err, "message: modify message %d of group %s", seq, groupID)
	}
	s.publishChange(a, event.MessageModified, &m, m.Sender, nil)
	return m, nil
}

// GroupImport is one message of a group's history brought over from
// another system (import_group_msg).
type GroupImport struct {
	From    string
	Time    time.Time
	Random  uint32
	Content Content
}

// GroupImportResult is one imported message's outcome: Result is
// ImportOK with its seq and time, or ImportBadParam / ImportTooLong.
type GroupImportResult struct {
	Result int
	Seq    uint64
	Time   int64 // unix seconds
	Err    error
}

// ImportGroupMessages stores up to 20 messages of groupID's history with
// their old times, in one write. Each gets the group's next seq, so a
// group's history stays ordered by time as by seq: times must ascend
// within the call, lie between the group's creation and now, and not
// precede the group's latest message (ImportBadParam otherwise). The
// senders must be accounts of the app, members or not. Imported messages
// are history: no member counts them as unread, and none is pushed;
// recentContact moves the group's last message (the conversation list's
// order), otherwise the list is left as it was. An import with the same
// sender, time and random as an earlier one is that one (a retry).
func (s *Service) ImportGroupMessages(ctx context.Context, a *app.App, groupID string, msgs []GroupImport, recentContact bool) ([]GroupImportResult, error) {
	if len(msgs) == 0 || len(msgs) > MaxGroupImportBatch {
		return nil, errcode.Newf(CodeInvalidParamGroup, "Err_Group_Import_Msg_Count: 1 to %d messages", MaxGroupImportBatch)
	}
	now := s.now()
	results := make([]GroupImportResult, len(msgs))
	built := make([]store.Message, len(msgs))
	senders := make([]string, 0, len(msgs))
	flags := store.MessageExcludedFromUnread
	if !recentContact {
		flags |= store.MessageExcludedFromLast
	}
	for i, in := range msgs {
		r := &results[i]
		r.Time = in.Time.Unix()
		body, err := in.Content.Validate()
		if err != nil {
			r.Result, r.Err = ImportBadParam, err
			if e := (*errcode.Error)(nil); errors.As(err, &e) && e.Code == CodeTooLong {
				r.Result = ImportTooLong
			}
			continue
		}
		if in.From == "" {
			r.Result, r.Err = ImportBadParam, errcode.New(CodeInvalidParamGroup, "Err_Group_Import_Msg_From_Account_Empty")
			continue
		}
		if in.Time.After(now.Add(MaxImportSkew)) {
			r.Result, r.Err = ImportBadParam, errcode.Newf(CodeInvalidParamGroup, "Err_Group_Import_Msg_SendTime_Invalid: %d is after now", r.Time)
			continue
		}
		built[i] = store.Message{App: a.SDKAppID, ConvKey: convid.GroupKey(groupID), Sender: in.From, Random: in.Random,
			SentAt: in.Time.UnixMilli(), Body: body, Flags: flags,
			ClientKey: fmt.Sprintf("import:%d_%d", in.Time.Unix(), in.Random)}
		built[i].ExpiresAt = max(now.Add(retention(a)).Unix(), in.Time.Add(retention(a)).Unix())
		senders = append(senders, in.From)
	}
	err := s.Store.Write(ctx, func(tx Tx) error {
		c, err := storedGroup(ctx, tx, a, groupID)
		if err != nil {
			return err
		}
		exists, err := tx.ExistingAccounts(ctx, a.SDKAppID, senders)
		if err != nil {
			return err
		}
		// The floor: the later of the group's creation and its latest
		// message, then each accepted message of this call. (A concurrent
		// send may land between: history orders by seq, so that costs
		// nothing but a time a little out of step.)
		floor := max(c.group.CreatedAt*1000, c.group.LastTime)
		for i := range msgs {
			r, m := &results[i], built[i]
			r.Seq, r.Err = 0, nil
			if m.Body == nil {
				continue
			}
			r.Result = ImportOK
			switch {
			case !exists[m.Sender]:
				r.Result, r.Err = ImportBadParam, errcode.Newf(CodeInvalidParamGroup, "Err_Group_Import_Msg_From_Account_Not_Exist: %q", m.Sender)
				continue
			case m.SentAt < floor:
				r.Result, r.Err = ImportBadParam, errcode.Newf(CodeInvalidParamGroup,
					"Err_Group_Import_Msg_SendTime_Invalid: %d is before the group's creation or its latest message (%d)", r.Time, floor/1000)
				continue
			}
			stored, _, err := tx.AppendMessage(ctx, m)
			if errors.Is(err, store.ErrNoGroup) {
				return errcode.Newf(CodeNoSuchGroup, "Err_Group_Not_Exist: %q", groupID)
			}
			if err != nil {
				return err
			}
			r.Seq, floor = stored.Seq, max(floor, stored.SentAt)
		}
		return nil
	})
	if err != nil {
		return nil, errcode.Wrapf(err, "message: import into group %s", groupID)
	}
	return results, nil
}

// CodeInvalidParamGroup is the group service's "invalid parameter".
const CodeInvalidParamGroup = 10004

// RecallBySender recalls every stored message sender sent in groupID, as
// the app's admin operator (REST delete_group_msg_by_sender), a page of
// messages per transaction so no write holds the group for long; each
// recalled message is announced to the group's online members as
// msg.recalled, and each page is one Group.CallbackAfterRecallMsg entry
// naming its seqs. It returns how many it recalled. A type that stores no
// messages (AVChatRoom) is 10007.
func (s *Service) RecallBySender(ctx context.Context, a *app.App, operator, groupID, sender string) (int, error) {
	if sender == "" {
		return 0, errcode.New(CodeInvalidParamGroup, "Err_Group_Sender_Account_Empty")
	}
	total := 0
	var after uint64
	for {
		var recalled []store.Message
		var more bool
		err := s.Store.Write(ctx, func(tx Tx) error {
			recalled, more = recalled[:0], false
			c, err := storedGroup(ctx, tx, a, groupID)
			if err != nil {
				return err
			}
			if err := tx.LockAccounts(ctx, a.SDKAppID, sender); err != nil {
				return err
			}
			ms, err := tx.GroupMessagesBySender(ctx, a.SDKAppID, groupID, sender, after, recallBySenderPage)
			if err != nil {
				return err
			}
			more = len(ms) == recallBySenderPage
			for _, m := range ms {
				if m.Status == store.MessageRecalled {
					continue
				}
				m.Status, m.Version = store.MessageRecalled, m.Version+1
				if err := tx.UpdateMessage(ctx, m); err != nil {
					return err
				}
				recalled = append(recalled, m)
			}
			if len(ms) > 0 {
				after = ms[len(ms)-1].Seq
			}
			return s.outboxGroupRecalledPage(ctx, tx, a, c.group, operator, recalled)
		})
		if err != nil {
			return total, errcode.Wrapf(err, "message: recall the messages of %s in group %s", sender, groupID)
		}
		if len(recalled) > 0 {
			s.outboxCommitted(a, outboxKindGroupRecalled)
		}
		for i := range recalled {
			s.publishChange(a, event.MessageRecalled, &recalled[i], operator, nil)
		}
		total += len(recalled)
		if !more {
			return total, nil
		}
	}
}

// SetGroupUnread sets user's unread count of groupID (REST
// set_unread_msg_num): exactly unread now, growing with each new message,
// cleared by a read. A type that counts no unread (Meeting, AVChatRoom) is
// 10007, as is a user who is not a member.
func (s *Service) SetGroupUnread(ctx context.Context, a *app.App, groupID, user string, unread int64) error {
	if unread < 0 || unread > MaxSetUnread {
		return errcode.Newf(CodeInvalidParamGroup, "Err_Group_UnreadMsgNum_Invalid: 0 to %d", MaxSetUnread)
	}
	if user == "" {
		return errcode.New(CodeInvalidParamGroup, "Err_Group_Member_Account_Empty")
	}
	var events []event.Event
	err := event.Write(ctx, s.Store, &events, func(tx Tx) error {
		events = nil
		c, err := resolve(ctx, tx, a, user, convid.Group(groupID), false)
		if err != nil {
			return err
		}
		if c.policy.Unread&UnreadExcludesEverything != 0 {
			return errcode.Newf(CodeNoPermission, "Err_Group_Type_Not_Support: %s groups count no unread messages", c.group.Type)
		}
		ok, err := tx.SetGroupUnread(ctx, a.SDKAppID, groupID, user, uint64(unread))
		if err != nil || !ok {
			return err
		}
		events = []event.Event{{App: a.SDKAppID, Kind: event.ConversationChanged, User: user, Peers: []string{convid.Group(groupID).String()}}}
		return nil
	})
	if err != nil {
		return errcode.Wrapf(err, "message: set the unread count of %s in group %s", user, groupID)
	}
	s.Events.Publish(events...)
	return nil
}

// outboxGroupRecalledPage appends one recall entry for the messages of g
// that RecallBySender recalled in one write.
func (s *Service) outboxGroupRecalledPage(ctx context.Context, tx Tx, a *app.App, g store.Group, operator string, ms []store.Message) error {
	if len(ms) == 0 || !s.Outbox.Wants(a.SDKAppID, outboxKindGroupRecalled) {
		return nil
	}
	p := outbox.GroupMessageRecalled{GroupID: g.ID, Type: g.Type, Operator: operator, EventTime: s.now().UnixMilli()}
	for _, m := range ms {
		p.MsgSeqs = append(p.MsgSeqs, outbox.GroupMsgSeq{MsgSeq: m.Seq})
	}
	p.OptPlatform, p.ClientIP = groupPlatform(ctx, true)
	_, err := s.Outbox.Add(ctx, tx, a.SDKAppID, outboxKindGroupRecalled, g.ID, p)
	return err
}
