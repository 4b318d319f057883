package message

import (
	"context"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/store"
)

// History returns messages of user's conversation with peer as user sees
// them (without what user deleted or cleared). With ascending false it
// pages back from seq before (inclusive; 0 = newest), newest first; with
// ascending true it returns seq from `from` upward. Messages sent with a
// read receipt requested carry PeerRead: whether the receiver sent a
// receipt for that message (SendReceipts; the read cursor does not count).
func (s *Service) History(ctx context.Context, a *app.App, user, peer string, from uint64, ascending bool, limit int) ([]store.Message, error) {
	return s.HistoryIn(ctx, a, user, convid.C2C(peer), from, ascending, limit)
}

// HistoryIn is History of any conversation: of a group, user must be a
// member (10007) and sees messages from before their join only when the
// group's policy shows them; a group whose messages are not stored has no
// history.
func (s *Service) HistoryIn(ctx context.Context, a *app.App, user string, id convid.ID, from uint64, ascending bool, limit int) ([]store.Message, error) {
	// limit is a page size: 0 is a full page, more than a page is a page;
	// a negative one is the caller's mistake.
	if limit < 0 {
		return nil, errcode.Newf(CodeInvalidRequest, "Err_Msg_Count_Invalid: count %d must not be negative (at most %d)", limit, MaxHistoryPage)
	}
	if limit == 0 || limit > MaxHistoryPage {
		limit = MaxHistoryPage
	}
	var out []store.Message
	err := s.Store.Read(ctx, func(tx Tx) error {
		c, err := resolve(ctx, tx, a, user, id, false)
		if err != nil || !c.policy.Stored {
			return err
		}
		q := store.MessageQuery{ConvKey: c.key, Viewer: user, Limit: limit}
		if ascending {
			q.MinSeq = from
		} else {
			q.MaxSeq, q.Descending = from, true
		}
		q.MinSeq = max(q.MinSeq, c.historyFloor())
		if out, err = tx.QueryMessages(ctx, a.SDKAppID, q); err != nil {
			return err
		}
		return markPeerRead(ctx, tx, a.SDKAppID, q.ConvKey, out)
	})
	return out, errcode.Wrapf(err, "message: history of %s in %s", user, id)
}

// Conversations returns user's conversation list: pinned first, then by
// last message time.
func (s *Service) Conversations(ctx context.Context, a *app.App, user string) ([]store.Conversation, error) {
	var out []store.Conversation
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		out, err = tx.Conversations(ctx, a.SDKAppID, user)
		return err
	})
	return out, errcode.Wrapf(err, "message: conversations of %s", user)
}

// MarkRead moves user's read cursor in the conversation with peer to seq
// (0: its last message). The peer's devices learn it as a read receipt, and
// user's other devices that it was read.
func (s *Service) MarkRead(ctx context.Context, a *app.App, user, peer string, seq uint64, origin any) error {
	return s.MarkReadIn(ctx, a, user, convid.C2C(peer), seq, origin)
}

// MarkReadIn is MarkRead in any conversation. In a group (user must be a
// member) the cursor move costs the same whatever the group's size and
// the number of messages it passes, and only user's own devices are told.
func (s *Service) MarkReadIn(ctx context.Context, a *app.App, user string, id convid.ID, seq uint64, origin any) error {
	var c conv
	var view store.Conversation
	err := s.Store.Write(ctx, func(tx Tx) error {
		var ok bool
		var err error
		if c, err = resolve(ctx, tx, a, user, id, false); err != nil {
			return err
		}
		if view, ok, err = tx.Conversation(ctx, a.SDKAppID, user, c.key); err != nil || !ok {
			view = store.Conversation{}
			return err
		}
		if seq == 0 || seq > view.LastSeq {
			seq = view.LastSeq
		}
		if err := tx.SetReadSeq(ctx, a.SDKAppID, user, c.key, seq); err != nil {
			return err
		}
		if id.Kind == convid.KindGroup {
			// Read past them, the mentions are gone (group_mentions.go).
			if err := tx.DeleteGroupMentions(ctx, a.SDKAppID, id.Target, user, max(seq, view.ReadSeq)); err != nil {
				return err
			}
		}
		return s.outboxRead(ctx, tx, a, user, id, max(seq, view.ReadSeq))
	})
	if err != nil || view.ConvKey == "" {
		return errcode.Wrapf(err, "message: mark %s read for %s", id, user)
	}
	s.outboxCommitted(a, outboxKindRead)
	// The cursor never moves back: the receipt names where it is.
	seq = max(seq, view.ReadSeq)
	if id.Kind == convid.KindGroup {
		m := &store.Message{App: a.SDKAppID, ConvKey: c.key, Seq: seq, Sender: user, SentAt: s.now().UnixMilli()}
		s.Events.Publish(event.Event{App: a.SDKAppID, Kind: event.MessageRead, User: user, Message: m, Origin: origin})
		return nil
	}
	// Addressed to the peer (a receipt) with user's other devices also told.
	m := &store.Message{App: a.SDKAppID, ConvKey: c.key, Seq: seq, Sender: user, Receiver: id.Target, SentAt: s.now().UnixMilli()}
	s.Events.Publish(event.Event{App: a.SDKAppID, Kind: event.MessageRead, User: id.Target, Peers: []string{user}, Message: m, Origin: origin})
	return nil
}

// MarkReadUntil is MarkRead up to the last message sent at or before until
// (admin_set_msg_read's MsgReadTime). With no such message nothing changes.
func (s *Service) MarkReadUntil(ctx context.Context, a *app.App, user, peer string, until time.Time, origin any) error {
	var last []store.Message
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		last, err = tx.QueryMessages(ctx, a.SDKAppID, store.MessageQuery{ConvKey: ConvKey(user, peer),
			MaxTime: until.UnixMilli(), Descending: true, Limit: 1})
		return err
	})
	if err != nil || len(last) == 0 {
		return errcode.Wrapf(err, "message: find the last message before %s for %s", until, user)
	}
	return s.MarkRead(ctx, a, user, peer, last[0].Seq, origin)
}

// Recall replaces the message msgKey names with a recalled marker for
// everyone in the conversation of by and peer. Only the sender (or an
// admin) may recall, within the app's recall window (admins have no
// window).
func (s *Service) Recall(ctx context.Context, a *app.App, by, peer, msgKey string, admin bool, origin any) (store.Message, error) {
	return s.RecallIn(ctx, a, by, convid.C2C(peer), msgKey, admin, origin)
}

// RecallIn is Recall in any conversation; in a group, by must be a member
// unless admin.
func (s *Service) RecallIn(ctx context.Context, a *app.App, by string, id convid.ID, msgKey string, admin bool, origin any) (store.Message, error) {
	k, err := parseKey(msgKey)
	if err != nil {
		return store.Message{}, err
	}
	window := a.RecallWindow
	if window <= 0 {
		window = DefaultRecallWindow
	}
	var m store.Message
	var only []string
	err = s.Store.Write(ctx, func(tx Tx) error {
		c, err := resolve(ctx, tx, a, by, id, admin)
		if err != nil {
			return err
		}
		var ok bool
		if m, ok, err = lockedLookupIn(ctx, tx, a, by, c, k); err != nil {
			return err
		}
		// A group's owner and admins recall others' messages per the
		// type's rule, with no window (group_recall.go).
		moderator := false
		if ok && m.Sender != by && !admin && id.Kind == convid.KindGroup {
			if moderator, err = mayRecallOthers(ctx, tx, a, c, by, m.Sender); err != nil {
				return err
			}
		}
		switch {
		case !ok:
			return errcode.New(CodeNoSuchMessage, "Err_Msg_Recall_Message_Not_Exist")
		case m.Status == store.MessageRecalled:
			return errcode.New(CodeAlreadyRecalled, "Err_Msg_Recall_Already_Recalled")
		case m.Sender != by && !admin && !moderator:
			return errcode.New(CodeNoSuchMessage, "Err_Msg_Recall_Not_Sender")
		case !admin && !moderator && s.now().Sub(time.UnixMilli(m.SentAt)) > window:
			return errcode.New(CodeRecallTooLate, "Err_Msg_Recall_Time_Limit_Exceeded")
		}
		m.Status, m.Version = store.MessageRecalled, m.Version+1
		if err := tx.UpdateMessage(ctx, m); err != nil {
			return err
		}
		if only, err = targetsOf(ctx, tx, a, c, m); err != nil {
			return err
		}
		return s.outboxRecalled(ctx, tx, a, m, by)
	})
	if err != nil {
		return store.Message{}, errcode.Wrapf(err, "message: recall %s in %s", msgKey, id)
	}
	s.outboxCommitted(a, outboxKindRecalled)
	s.outboxCommitted(a, outboxKindGroupRecalled)
	if only != nil {
		s.publishTargetedChange(a, event.MessageRecalled, &m, by, origin, only)
		return m, nil
	}
	s.publishChange(a, event.MessageRecalled, &m, by, origin)
	return m, nil
}

// LastMessages returns, per conversation of user, its newest message that
// user sees and that is not excluded from being the last one (nil when there
// is none), all read in one store round of reads.
func (s *Service) LastMessages(ctx context.Context, a *app.App, user string, convs []store.Conversation) ([]*store.Message, error) {
	out := make([]*store.Message, len(convs))
	err := s.Store.Read(ctx, func(tx Tx) error {
		for i, c := range convs {
			last, err := lastMessage(ctx, tx, a, user, c)
			if err != nil {
				return err
			}
			out[i] = last
		}
		return nil
	})
	return out, errcode.Wrapf(err, "message: last messages of %s", user)
}

// lastMessage pages back from the conversation's last seq. In a group the
// list shows the last message since the join, whatever the policy says of
// the history before it.
func lastMessage(ctx context.Context, tx Tx, a *app.App, user string, c store.Conversation) (*store.Message, error) {
	floor := max(c.ClearedSeq, c.JoinSeq)
	for before := c.LastSeq; before > floor; {
		page, err := tx.QueryMessages(ctx, a.SDKAppID, store.MessageQuery{ConvKey: c.ConvKey, Viewer: user, MinSeq: floor + 1, MaxSeq: before,
			Descending: true, Limit: 20})
		if err != nil || len(page) == 0 {
			return nil, err
		}
		for _, m := range page {
			if m.Flags&store.MessageExcludedFromLast == 0 {
				return &m, nil
			}
		}
		before = page[len(page)-1].Seq - 1
	}
	return nil, nil
}
