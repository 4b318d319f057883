package relation

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// Requests is a user's view of pending friend requests.
type Requests struct {
	Incoming []store.FriendRequest
	Sent     []store.FriendRequest
	Unread   int // incoming requests not yet marked read
}

// MaxListedRequests caps each side of ListRequests. Sent requests are
// capped by the app's max_pending_requests already; incoming ones are not
// (any number of users may ask one user), so the newest are listed.
const MaxListedRequests = 1000

// ListRequests returns the requests sent to and by user, newest first, at
// most MaxListedRequests of each; Unread counts the listed incoming ones.
func (s *Service) ListRequests(ctx context.Context, a *app.App, user string) (Requests, error) {
	var r Requests
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		if err = requireAccount(ctx, tx, a, user); err != nil {
			return err
		}
		if r.Incoming, err = tx.ListFriendRequests(ctx, a.SDKAppID, user, true, MaxListedRequests); err != nil {
			return err
		}
		r.Sent, err = tx.ListFriendRequests(ctx, a.SDKAppID, user, false, MaxListedRequests)
		return err
	})
	if err != nil {
		return r, errcode.Wrapf(err, "relation: list the requests of %s", user)
	}
	for _, in := range r.Incoming {
		if !in.Read {
			r.Unread++
		}
	}
	return r, nil
}

// AcceptRequest answers from's request to user. With addBack the friendship
// becomes two-way; otherwise only from gains user as a friend. The remark
// is the one user gives from when adding back.
func (s *Service) AcceptRequest(ctx context.Context, a *app.App, user, from string, addBack bool, remark string) error {
	if len(remark) > MaxRemarkBytes {
		return bad("Err_SNS_FriendResponse_Remark_Too_Long")
	}
	action := responseAgree
	if addBack {
		action = responseAgreeAndAdd
	}
	if err := s.beforeResponse(ctx, a, user, from, action, remark); err != nil {
		return err
	}
	var events []event.Event
	err := event.Write(ctx, s.Store, &events, s.withOutbox(ctx, a, &events, pairMeta{actor: user, initiator: from, cmd: outbox.CmdFriendResponse}, func(tx Tx) error {
		events = nil
		if err := tx.LockAccounts(ctx, a.SDKAppID, user, from); err != nil {
			return err
		}
		req, ok, err := tx.FriendRequest(ctx, a.SDKAppID, from, user)
		if err != nil {
			return err
		}
		if !ok {
			return errcode.New(errcode.SNSNoPendingRequest, "Err_SNS_FriendResponse_Request_Not_Exist")
		}
		mine, err := tx.FriendsAmong(ctx, a.SDKAppID, from, []string{user})
		if err != nil {
			return err
		}
		theirs, err := tx.FriendsAmong(ctx, a.SDKAppID, user, []string{from})
		if err != nil {
			return err
		}
		l := linkSpec{from: from, to: user, mine: !mine[user], theirs: addBack && !theirs[from], now: s.now(),
			remark: req.Remark, source: req.AddSource, wording: req.AddWording}
		if l.mine {
			n, err := tx.CountFriends(ctx, a.SDKAppID, from)
			if err != nil {
				return err
			}
			if n >= a.Limits.MaxFriends {
				return errcode.New(errcode.SNSPeerFriendLimit, "Err_SNS_FriendResponse_Peer_Friend_Num_Exceed_Threshold")
			}
			if req.GroupName != "" {
				lists, err := tx.FriendLists(ctx, a.SDKAppID, from)
				if err != nil {
					return err
				}
				ls := newListSet(lists, a.Limits.MaxFriendLists)
				// A full set of lists must not cost the requester the
				// friendship: the list is then simply not applied.
				if ls.ensure([]string{req.GroupName}) == nil {
					if err := createLists(ctx, tx, a.SDKAppID, from, ls, l.now); err != nil {
						return err
					}
					l.groups = []string{req.GroupName}
				}
			}
		}
		if l.theirs {
			n, err := tx.CountFriends(ctx, a.SDKAppID, user)
			if err != nil {
				return err
			}
			if n >= a.Limits.MaxFriends {
				return errcode.New(errcode.SNSFriendLimit, "Err_SNS_FriendResponse_My_Friend_Num_Exceed_Threshold")
			}
		}
		if events, err = s.link(ctx, tx, a, l); err != nil {
			return err
		}
		if l.theirs && remark != "" {
			f, _, err := tx.Friend(ctx, a.SDKAppID, user, from)
			if err != nil {
				return err
			}
			f.Remark, f.RemarkTime = remark, l.now
			return tx.PutFriend(ctx, f)
		}
		return nil
	}))
	if err != nil {
		return errcode.Wrapf(err, "relation: accept the request of %s to %s", from, user)
	}
	s.Events.Publish(events...)
	s.outboxCommitted(a, events)
	return nil
}

// RefuseRequest drops from's request to user.
func (s *Service) RefuseRequest(ctx context.Context, a *app.App, user, from string) error {
	if err := s.beforeResponse(ctx, a, user, from, responseReject, ""); err != nil {
		return err
	}
	return s.dropRequest(ctx, a, from, user)
}

// DeleteRequest drops a request between user and peer in either direction:
// an incoming one (peer→user) when incoming, else the one user sent.
func (s *Service) DeleteRequest(ctx context.Context, a *app.App, user, peer string, incoming bool) error {
	if incoming {
		return s.dropRequest(ctx, a, peer, user)
	}
	return s.dropRequest(ctx, a, user, peer)
}

func (s *Service) dropRequest(ctx context.Context, a *app.App, from, to string) error {
	var events []event.Event
	err := event.Write(ctx, s.Store, &events, func(tx Tx) error {
		events = []event.Event{friendEvent(a, event.FriendRequestDeleted, to, from), friendEvent(a, event.FriendRequestDeleted, from, to)}
		ok, err := tx.DeleteFriendRequest(ctx, a.SDKAppID, from, to)
		if err == nil && !ok {
			err = errcode.New(errcode.SNSNoPendingRequest, "Err_SNS_FriendResponse_Request_Not_Exist")
		}
		return err
	})
	if err != nil {
		return errcode.Wrapf(err, "relation: drop the request of %s to %s", from, to)
	}
	s.Events.Publish(events...)
	return nil
}

// MarkRequestsRead marks every request user received as read.
func (s *Service) MarkRequestsRead(ctx context.Context, a *app.App, user string) error {
	var events []event.Event
	if err := event.Write(ctx, s.Store, &events, func(tx Tx) error {
		events = []event.Event{friendEvent(a, event.FriendRequestsRead, user)}
		if err := requireAccount(ctx, tx, a, user); err != nil {
			return err
		}
		return tx.MarkFriendRequestsRead(ctx, a.SDKAppID, user)
	}); err != nil {
		return errcode.Wrapf(err, "relation: mark the requests to %s read", user)
	}
	s.Events.Publish(events...)
	return nil
}
