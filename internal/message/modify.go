package message

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/store"
)

// Modification is what Modify replaces in a stored message; nil fields are
// kept.
type Modification struct {
	MsgBody         []Element
	CloudCustomData *string
}

// Modify replaces the body and/or cloud custom data of a message of the
// conversation of by and peer (either participant may modify; the REST API
// does it as admin). Version is the message version the caller edited:
// when the message changed since, nothing is written and the current
// message is returned with error 2480, so the caller can merge and retry.
// A nil version overwrites unconditionally. Both users' devices but origin
// get msg.modified with the new message.
func (s *Service) Modify(ctx context.Context, a *app.App, by, peer, msgKey string, version *int, mod Modification, origin any) (store.Message, error) {
	k, err := parseKey(msgKey)
	if err != nil {
		return store.Message{}, err
	}
	if mod.MsgBody == nil && mod.CloudCustomData == nil {
		return store.Message{}, errcode.New(CodeInvalidRequest, "Err_Msg_Modify_Nothing: give MsgBody and/or CloudCustomData")
	}
	if mod.MsgBody != nil {
		// The elements alone are checked first, so a bad body is reported
		// as such whatever the stored message holds.
		if _, err := (Content{MsgBody: mod.MsgBody}).Validate(); err != nil {
			return store.Message{}, err
		}
	}
	key := ConvKey(by, peer)
	var m store.Message
	err = s.Store.Write(ctx, func(tx Tx) error {
		var ok bool
		var err error
		if m, ok, err = lockedLookup(ctx, tx, a, by, peer, key, k); err != nil {
			return err
		}
		switch {
		case !ok:
			// Seed 002's modifyMessage: 20026 "the message does not exist"
			// (recall's and delete's lookups answer 20022).
			return errcode.New(CodeModifyRecalled, "Err_Msg_Modify_Message_Not_Exist")
		case m.Status == store.MessageRecalled:
			return errcode.New(CodeModifyRecalled, "Err_Msg_Modify_Message_Recalled")
		case version != nil && *version != m.Version:
			return errcode.Newf(CodeModifyConflict, "Err_Msg_Modify_Conflict: the message is at version %d, not %d", m.Version, *version)
		}
		var c Content
		if err := json.Unmarshal(m.Body, &c); err != nil {
			return err
		}
		if mod.MsgBody != nil {
			c.MsgBody = mod.MsgBody
		}
		if mod.CloudCustomData != nil {
			c.CloudCustomData = *mod.CloudCustomData
		}
		body, err := c.Validate()
		if err != nil {
			return err
		}
		m.Body, m.Version = body, m.Version+1
		return tx.UpdateMessage(ctx, m)
	})
	if err != nil {
		if ce := (*errcode.Error)(nil); errors.As(err, &ce) && ce.Code == CodeModifyConflict {
			return m, err // m is the current message, as read
		}
		return store.Message{}, errcode.Wrapf(err, "message: modify %s of %s with %s", msgKey, by, peer)
	}
	s.publish(a, event.MessageModified, &m, origin)
	return m, nil
}

// DeleteForMe deletes up to 30 messages of user's conversation with peer
// for user only (a cloud delete: user's history, on every device, no longer
// has them; peer keeps them). User's other devices get msg.deleted. It
// returns the keys of the messages deleted.
func (s *Service) DeleteForMe(ctx context.Context, a *app.App, user, peer string, msgKeys []string, origin any) ([]string, error) {
	return s.DeleteForMeIn(ctx, a, user, convid.C2C(peer), msgKeys, origin)
}

// DeleteForMeIn is DeleteForMe in any conversation (of a group, as a
// member). A deleted group message still counts as unread until read: the
// group's unread count is arithmetic on counters (Policy.Unread).
func (s *Service) DeleteForMeIn(ctx context.Context, a *app.App, user string, id convid.ID, msgKeys []string, origin any) ([]string, error) {
	if len(msgKeys) == 0 || len(msgKeys) > MaxDeletePerCall {
		return nil, errcode.Newf(CodeInvalidRequest, "Err_Msg_Delete_Count: give 1 to %d messages of one conversation", MaxDeletePerCall)
	}
	keys, err := parseKeys(msgKeys)
	if err != nil {
		return nil, err
	}
	var deleted []string
	var c conv
	err = s.Store.Write(ctx, func(tx Tx) error {
		deleted = deleted[:0]
		if c, err = resolve(ctx, tx, a, user, id, false); err != nil {
			return err
		}
		seqs := make([]uint64, 0, len(keys))
		for i, k := range keys {
			m, ok, err := lookup(ctx, tx, a.SDKAppID, c.key, k)
			if err != nil {
				return err
			}
			if !ok || m.Seq < c.historyFloor() {
				return errcode.Newf(CodeNoSuchMessage, "Err_Msg_Delete_Message_Not_Exist: %s", msgKeys[i])
			}
			seqs = append(seqs, m.Seq)
			deleted = append(deleted, MsgKey(m))
		}
		_, err := tx.DeleteMessagesFor(ctx, a.SDKAppID, user, c.key, seqs)
		return err
	})
	if err != nil {
		return nil, errcode.Wrapf(err, "message: delete for %s in %s", user, id)
	}
	m := &store.Message{App: a.SDKAppID, ConvKey: c.key, Sender: user, Receiver: c2cPeer(id)}
	s.Events.Publish(event.Event{App: a.SDKAppID, Kind: event.MessageDeleted, User: user, Message: m, MsgKeys: deleted, Origin: origin})
	return deleted, nil
}

// c2cPeer is the peer of a one-to-one conversation ("" for a group): the
// Receiver of the events that name a conversation by its peer.
func c2cPeer(id convid.ID) string {
	if id.Kind == convid.KindC2C {
		return id.Target
	}
	return ""
}

// ClearHistory clears user's history of the conversation with peer, up to
// its last message, for user only; the conversation stays. User's other
// devices get conversation.cleared. It returns the cleared seq (0: there
// was no conversation).
func (s *Service) ClearHistory(ctx context.Context, a *app.App, user, peer string, origin any) (uint64, error) {
	return s.ClearHistoryIn(ctx, a, user, convid.C2C(peer), origin)
}

// ClearHistoryIn is ClearHistory of any conversation; what a group member
// clears is also read.
func (s *Service) ClearHistoryIn(ctx context.Context, a *app.App, user string, id convid.ID, origin any) (uint64, error) {
	var seq uint64
	var key string
	err := s.Store.Write(ctx, func(tx Tx) error {
		seq = 0
		rc, err := resolve(ctx, tx, a, user, id, false)
		if err != nil {
			return err
		}
		key = rc.key
		c, ok, err := tx.Conversation(ctx, a.SDKAppID, user, key)
		if err != nil || !ok {
			return err
		}
		seq = max(c.LastSeq, c.ClearedSeq)
		return tx.SetClearedSeq(ctx, a.SDKAppID, user, key, seq)
	})
	if err != nil || seq == 0 {
		return 0, errcode.Wrapf(err, "message: clear the history of %s in %s", user, id)
	}
	m := &store.Message{App: a.SDKAppID, ConvKey: key, Seq: seq, Sender: user, Receiver: c2cPeer(id)}
	s.Events.Publish(event.Event{App: a.SDKAppID, Kind: event.ConversationCleared, User: user, Message: m, Origin: origin})
	return seq, nil
}
