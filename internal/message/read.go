package message

import (
	"context"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/store"
)

// History returns messages of user's conversation with peer. With
// ascending false it pages back from seq before (inclusive; 0 = newest),
// newest first; with ascending true it returns seq from `from` upward. Both
// skip what user cleared.
func (s *Service) History(ctx context.Context, a *app.App, user, peer string, from uint64, ascending bool, limit int) ([]store.Message, error) {
	if limit <= 0 || limit > MaxHistoryPage {
		limit = MaxHistoryPage
	}
	key := ConvKey(user, peer)
	var out []store.Message
	err := s.Store.Read(ctx, func(tx store.Tx) (err error) {
		c, ok, err := tx.Conversation(ctx, a.SDKAppID, user, key)
		if err != nil || !ok {
			return err
		}
		if ascending {
			out, err = tx.MessagesInRange(ctx, a.SDKAppID, key, max(from, c.ClearedSeq+1), c.LastSeq, limit)
			return err
		}
		out, err = tx.LatestMessages(ctx, a.SDKAppID, key, from, limit)
		for i, m := range out {
			if m.Seq <= c.ClearedSeq {
				out = out[:i]
				break
			}
		}
		return err
	})
	return out, err
}

// Conversations returns user's conversation list: pinned first, then by
// last message time.
func (s *Service) Conversations(ctx context.Context, a *app.App, user string) ([]store.Conversation, error) {
	var out []store.Conversation
	err := s.Store.Read(ctx, func(tx store.Tx) (err error) {
		out, err = tx.Conversations(ctx, a.SDKAppID, user)
		return err
	})
	return out, err
}

// MarkRead moves user's read cursor in the conversation with peer to seq
// (0: its last message). The peer's devices learn it as a read receipt.
func (s *Service) MarkRead(ctx context.Context, a *app.App, user, peer string, seq uint64, origin any) error {
	key := ConvKey(user, peer)
	var c store.Conversation
	err := s.Store.Write(ctx, func(tx store.Tx) error {
		var ok bool
		var err error
		if c, ok, err = tx.Conversation(ctx, a.SDKAppID, user, key); err != nil || !ok {
			return err
		}
		if seq == 0 || seq > c.LastSeq {
			seq = c.LastSeq
		}
		return tx.SetReadSeq(ctx, a.SDKAppID, user, key, seq)
	})
	if err != nil || c.ConvKey == "" {
		return err
	}
	// Addressed to the peer (a receipt) with user's other devices also told.
	m := &store.Message{App: a.SDKAppID, ConvKey: key, Seq: seq, Sender: user, Receiver: peer, SentAt: s.now().UnixMilli()}
	s.Events.Publish(event.Event{App: a.SDKAppID, Kind: event.MessageRead, User: peer, Peers: []string{user}, Message: m, Origin: origin})
	return nil
}

// Recall replaces a message with a recalled marker for everyone in the
// conversation. Only the sender (or an admin) may recall, within the app's
// recall window (admins have no window).
func (s *Service) Recall(ctx context.Context, a *app.App, by, peer string, seq uint64, admin bool, origin any) (store.Message, error) {
	key := ConvKey(by, peer)
	window := a.RecallWindow
	if window <= 0 {
		window = DefaultRecallWindow
	}
	var m store.Message
	err := s.Store.Write(ctx, func(tx store.Tx) error {
		var ok bool
		var err error
		if m, ok, err = tx.Message(ctx, a.SDKAppID, key, seq); err != nil {
			return err
		}
		switch {
		case !ok:
			return errcode.New(CodeNoSuchMessage, "Err_Msg_Recall_Message_Not_Exist")
		case m.Status == store.MessageRecalled:
			return errcode.New(CodeAlreadyRecalled, "Err_Msg_Recall_Already_Recalled")
		case m.Sender != by && !admin:
			return errcode.New(CodeNoSuchMessage, "Err_Msg_Recall_Not_Sender")
		case !admin && s.now().Sub(time.UnixMilli(m.SentAt)) > window:
			return errcode.New(CodeRecallTooLate, "Err_Msg_Recall_Time_Limit_Exceeded")
		}
		m.Status, m.Version = store.MessageRecalled, m.Version+1
		return tx.UpdateMessage(ctx, m)
	})
	if err != nil {
		return store.Message{}, err
	}
	s.publish(a, event.MessageRecalled, &m, origin)
	return m, nil
}

// LastMessage is the conversation's newest message that is not excluded
// from being the last one, nil when there is none user can see.
func (s *Service) LastMessage(ctx context.Context, a *app.App, user string, c store.Conversation) (*store.Message, error) {
	var found *store.Message
	err := s.Store.Read(ctx, func(tx store.Tx) error {
		for before := c.LastSeq; before > c.ClearedSeq; {
			page, err := tx.LatestMessages(ctx, a.SDKAppID, c.ConvKey, before, 20)
			if err != nil || len(page) == 0 {
				return err
			}
			for _, m := range page {
				if m.Seq <= c.ClearedSeq {
					return nil
				}
				if m.Flags&store.MessageExcludedFromLast == 0 {
					found = &m
					return nil
				}
			}
			before = page[len(page)-1].Seq - 1
		}
		return nil
	})
	return found, err
}
