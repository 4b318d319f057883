package relation

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/store"
)

// DeleteFriends removes peers from from's list, and with DeleteBoth also
// from from's place in theirs. A peer with no friendship in the removed
// direction(s) answers 31704. Conversations are left alone.
func (s *Service) DeleteFriends(ctx context.Context, a *app.App, from string, peers []string, typ DeleteType, limit int) ([]ItemResult, error) {
	if err := checkOwner(from); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = MaxBatch
	}
	if err := checkPeers(peers, limit); err != nil {
		return nil, err
	}
	if typ == "" {
		typ = DeleteSingle
	}
	if typ != DeleteSingle && typ != DeleteBoth {
		return nil, bad("Err_SNS_FriendDelete_DeleteType_Invalid")
	}
	var results []ItemResult
	var events []event.Event
	err := event.Write(ctx, s.Store, &events, s.withOutbox(ctx, a, &events, pairMeta{actor: from}, func(tx Tx) error {
		results, events = make([]ItemResult, len(peers)), nil
		if err := requireAccount(ctx, tx, a, from); err != nil {
			return err
		}
		if err := tx.LockAccounts(ctx, a.SDKAppID, append([]string{from}, peers...)...); err != nil {
			return err
		}
		seen := map[string]bool{}
		for i, p := range peers {
			results[i].Peer = p
			if e := peerProblem(from, p, seen); e != nil {
				results[i].Err = e
				continue
			}
			ev, err := s.unlink(ctx, tx, a, from, p, typ == DeleteBoth)
			if err != nil {
				return err
			}
			if len(ev) == 0 {
				results[i].Err = errcode.New(errcode.SNSNotFriend, "Err_SNS_FriendDelete_Not_Friend")
			}
			events = append(events, ev...)
		}
		return nil
	}))
	if err != nil {
		return nil, errcode.Wrapf(err, "relation: delete friends of %s", from)
	}
	s.Events.Publish(events...)
	s.outboxCommitted(a, events)
	return results, nil
}

// DeleteAllFriends empties from's friend list; with DeleteBoth, from also
// leaves each former friend's list.
func (s *Service) DeleteAllFriends(ctx context.Context, a *app.App, from string, typ DeleteType) error {
	if err := checkOwner(from); err != nil {
		return err
	}
	if typ == "" {
		typ = DeleteSingle
	}
	if typ != DeleteSingle && typ != DeleteBoth {
		return bad("Err_SNS_FriendDeleteAll_DeleteType_Invalid")
	}
	var events []event.Event
	err := event.Write(ctx, s.Store, &events, s.withOutbox(ctx, a, &events, pairMeta{actor: from}, func(tx Tx) error {
		events = nil
		if err := requireAccount(ctx, tx, a, from); err != nil {
			return err
		}
		if err := tx.LockAccounts(ctx, a.SDKAppID, from); err != nil {
			return err
		}
		friends, err := tx.ListFriends(ctx, a.SDKAppID, from, 0, a.Limits.MaxFriends+MaxBatch)
		if err != nil {
			return err
		}
		for _, f := range friends {
			ev, err := s.unlink(ctx, tx, a, from, f.Peer, typ == DeleteBoth)
			if err != nil {
				return err
			}
			events = append(events, ev...)
		}
		return nil
	}))
	if err != nil {
		return errcode.Wrapf(err, "relation: delete all friends of %s", from)
	}
	s.Events.Publish(events...)
	s.outboxCommitted(a, events)
	return nil
}

// unlink deletes owner→peer and, if both, peer→owner; it returns no events
// when there was nothing to delete.
func (s *Service) unlink(ctx context.Context, tx Tx, a *app.App, owner, peer string, both bool) ([]event.Event, error) {
	var events []event.Event
	pairs := [][2]string{{owner, peer}}
	if both {
		pairs = append(pairs, [2]string{peer, owner})
	}
	for _, p := range pairs {
		f, ok, err := tx.Friend(ctx, a.SDKAppID, p[0], p[1])
		if err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		if _, err := tx.DeleteFriend(ctx, a.SDKAppID, p[0], p[1]); err != nil {
			return nil, err
		}
		if err := tx.AdvanceSeq(ctx, a.SDKAppID, p[0], store.SeqFriend); err != nil {
			return nil, err
		}
		events = append(events, friendEvent(a, event.FriendDeleted, p[0], p[1]))
		// The peer also left the friend lists it was in.
		if len(f.Groups) > 0 {
			if err := tx.AdvanceSeq(ctx, a.SDKAppID, p[0], store.SeqFriendList); err != nil {
				return nil, err
			}
			events = append(events, friendEvent(a, event.FriendListsChanged, p[0]))
		}
	}
	return events, nil
}
