package message

import (
	"context"
	"slices"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/store"
)

// MaxRoamPage caps one page of Roam.
const MaxRoamPage = 500

// RoamQuery asks for a conversation's messages as Operator sees them, sent
// within [MinTime, MaxTime] (unix seconds, inclusive), newest first in
// pages of Max; LastKey continues after the previous page's oldest message.
type RoamQuery struct {
	Operator, Peer   string
	MinTime, MaxTime int64
	Max              int
	LastKey          string
}

// RoamPage is one page of Roam: Messages oldest first.
type RoamPage struct {
	Messages []store.Message
	Complete bool
	// ReadSeq is each participant's read cursor, for "read by the peer".
	ReadSeq map[string]uint64
}

// Roam pages the history of a conversation by time, from the newest
// message back, leaving out what the operator deleted or cleared.
func (s *Service) Roam(ctx context.Context, a *app.App, q RoamQuery) (RoamPage, error) {
	limit := min(max(q.Max, 1), MaxRoamPage)
	conv := ConvKey(q.Operator, q.Peer)
	mq := store.MessageQuery{ConvKey: conv, Viewer: q.Operator, MinTime: q.MinTime * 1000, MaxTime: q.MaxTime*1000 + 999,
		ByTime: true, Descending: true, Limit: limit + 1}
	if mq.MinTime == 0 {
		mq.MinTime = -1 // 0 would leave the bound open; nothing is older anyway
	}
	var cursor msgKey
	if q.LastKey != "" {
		k, err := parseKey(q.LastKey)
		if err != nil {
			return RoamPage{}, err
		}
		cursor = k
	}
	page := RoamPage{ReadSeq: map[string]uint64{}}
	err := s.Store.Read(ctx, func(tx Tx) error {
		if q.LastKey != "" {
			m, ok, err := lookup(ctx, tx, a.SDKAppID, conv, cursor)
			if err != nil {
				return err
			}
			if ok {
				mq.BeforeTime, mq.BeforeSeq = m.SentAt, m.Seq
			} else {
				// Gone since (pruned): continue before its second.
				mq.BeforeTime, mq.BeforeSeq = cursor.sec*1000, 0
			}
		}
		msgs, err := tx.QueryMessages(ctx, a.SDKAppID, mq)
		if err != nil {
			return err
		}
		page.Complete = len(msgs) <= limit
		page.Messages = msgs[:min(len(msgs), limit)]
		for _, u := range []string{q.Operator, q.Peer} {
			c, _, err := tx.Conversation(ctx, a.SDKAppID, u, conv)
			if err != nil {
				return err
			}
			page.ReadSeq[u] = c.ReadSeq
		}
		return nil
	})
	slices.Reverse(page.Messages)
	return page, errcode.Wrapf(err, "message: roam the history of %s with %s", q.Operator, q.Peer)
}

// UnreadCounts returns user's unread one-to-one messages in total and, for
// each of peers, in the conversation with that peer (0 when there is none),
// counted from seqs and read cursors.
func (s *Service) UnreadCounts(ctx context.Context, a *app.App, user string, peers []string) (int, map[string]int, error) {
	total, per := 0, map[string]int{}
	err := s.Store.Read(ctx, func(tx Tx) error {
		convs, err := tx.Conversations(ctx, a.SDKAppID, user)
		if err != nil {
			return err
		}
		total = 0
		for _, c := range convs {
			total += c.Unread
		}
		for _, p := range peers {
			c, _, err := tx.Conversation(ctx, a.SDKAppID, user, ConvKey(user, p))
			if err != nil {
				return err
			}
			per[p] = c.Unread
		}
		return nil
	})
	return total, per, errcode.Wrapf(err, "message: unread counts of %s", user)
}

// Existing returns which of users exist.
func (s *Service) Existing(ctx context.Context, a *app.App, users ...string) (map[string]bool, error) {
	var out map[string]bool
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		out, err = tx.ExistingAccounts(ctx, a.SDKAppID, users)
		return err
	})
	return out, errcode.Wrapf(err, "message: check %d accounts", len(users))
}
