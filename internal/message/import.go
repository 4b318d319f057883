package message

import (
	"context"
	"fmt"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/store"
)

// Import time bounds: no IM system predates 2000, and an old system's
// clock may run a little ahead of this one.
var (
	MinImportTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxImportSkew = 5 * time.Minute
)

// CodeBadTime is importmsg's MsgTimeStamp error.
const CodeBadTime = 90006

// ImportRequest is one message brought over from another system.
type ImportRequest struct {
	From, To string
	// OldSeq, Random and Time identify the message in the old system: an
	// import with the same three, in either direction of the conversation,
	// is a duplicate and changes nothing.
	OldSeq  uint64
	Random  uint32
	Time    time.Time
	Content Content
	// Unread counts the message as unread for its receiver (a real-time
	// import); otherwise it is history, already read.
	Unread bool
	// Deliver pushes it to both users' online devices like a new message.
	Deliver bool
}

// Import stores a message with the time it was sent in the old system. It
// gets the conversation's next seq like any message (history orders by
// seq; admin_getroammsg by time), skips the sending rules, and is delivered
// live only when asked.
func (s *Service) Import(ctx context.Context, a *app.App, req ImportRequest) (Sent, error) {
	body, err := req.Content.Validate()
	if err != nil {
		return Sent{}, err
	}
	if req.From == "" || req.To == "" {
		return Sent{}, errcode.New(CodeNoReceiver, "Err_Msg_Account_Invalid")
	}
	now := s.now()
	// The conversation's last time never moves back, so one import from
	// the far future would pin the conversation to the top for good: an
	// import time must be a sane Unix time, not before MinImportTime and
	// not later than now plus a small clock skew.
	if req.Time.Before(MinImportTime) || req.Time.After(now.Add(MaxImportSkew)) {
		return Sent{}, errcode.Newf(CodeBadTime, "Err_Msg_MsgTimeStamp_Invalid: %d is not a Unix time in seconds from %d to now (+%s)",
			req.Time.Unix(), MinImportTime.Unix(), MaxImportSkew)
	}
	m := store.Message{App: a.SDKAppID, ConvKey: ConvKey(req.From, req.To), Sender: req.From, Receiver: req.To,
		Random: req.Random, SentAt: req.Time.UnixMilli(), Body: body,
		ClientKey: fmt.Sprintf("import:%d_%d_%d", req.OldSeq, req.Random, req.Time.Unix())}
	// Kept for the retention from when it arrives here, or from its own
	// time if that is later: an old message is not pruned at once.
	m.ExpiresAt = now.Add(retention(a)).Unix()
	if t := req.Time.Add(retention(a)).Unix(); t > m.ExpiresAt {
		m.ExpiresAt = t
	}
	if !req.Unread {
		m.Flags |= store.MessageExcludedFromUnread
	}
	var sent Sent
	err = s.Store.Write(ctx, func(tx Tx) error {
		if err := tx.LockAccounts(ctx, a.SDKAppID, req.From, req.To); err != nil {
			return err
		}
		exists, err := tx.ExistingAccounts(ctx, a.SDKAppID, []string{req.From, req.To})
		if err != nil {
			return err
		}
		if !exists[req.From] || !exists[req.To] {
			return errcode.New(CodeNoReceiver, "Err_Msg_Account_Not_Exist")
		}
		prev, dup, err := tx.MessageByClientKey(ctx, a.SDKAppID, m.ConvKey, m.ClientKey, req.From, req.To)
		if err != nil {
			return err
		}
		if dup {
			sent = Sent{Message: prev, Duplicate: true}
			return nil
		}
		stored, dup, err := tx.AppendMessage(ctx, m)
		sent = Sent{Message: stored, Duplicate: dup}
		return err
	})
	if err != nil {
		return Sent{}, errcode.Wrapf(err, "message: import from %s to %s", req.From, req.To)
	}
	sent.Key = MsgKey(sent.Message)
	if req.Deliver && !sent.Duplicate {
		s.publish(a, event.MessageNew, &sent.Message, nil)
	}
	return sent, nil
}
