package message

import (
	"context"

	"github.com/parleyim/parley/internal/account"
	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/store"
)

// MaxRecvOptBatch is how many peers one receive-option call names
// (setC2CReceiveMessageOpt's userIDList).
const MaxRecvOptBatch = 30

// RecvOptInfo is one user's receive option for a peer
// (V2TIMReceiveMessageOptInfo).
type RecvOptInfo struct {
	UserID string
	Opt    int // store.RecvOpt*
}

func checkRecvOptPeers(peers []string) ([]string, error) {
	if len(peers) == 0 || len(peers) > MaxRecvOptBatch {
		return nil, errcode.Newf(CodeInvalidRequest, "Err_Msg_RecvOpt_Count: give 1 to %d user IDs", MaxRecvOptBatch)
	}
	seen := make(map[string]bool, len(peers))
	out := make([]string, 0, len(peers))
	for _, p := range peers {
		if !account.ValidUserID(p) {
			return nil, errcode.Newf(CodeInvalidRequest, "Err_Msg_RecvOpt_UserID_Invalid: %q", p)
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// SetRecvOpt sets owner's receive option for each of peers: whether their
// messages reach owner (store.RecvOptNotReceive: stored for the sender,
// hidden from owner), and whether offline push announces them
// (store.RecvOptNotNotify). It is logged on owner's change log, so owner's
// devices learn it (recv_opt.changed).
func (s *Service) SetRecvOpt(ctx context.Context, a *app.App, owner string, peers []string, opt int) error {
	peers, err := checkRecvOptPeers(peers)
	if err != nil {
		return err
	}
	if opt < store.RecvOptReceive || opt > store.RecvOptMax {
		return errcode.Newf(CodeInvalidRequest, "Err_Msg_RecvOpt_Invalid: %d (0 receive, 1 not_receive, 2 receive_not_notify)", opt)
	}
	var events []event.Event
	err = event.Write(ctx, s.Store, &events, func(tx Tx) error {
		events = nil
		if err := tx.LockAccounts(ctx, a.SDKAppID, owner); err != nil {
			return err
		}
		old, err := tx.RecvOpts(ctx, a.SDKAppID, owner, peers)
		if err != nil {
			return err
		}
		var changed []string
		for _, p := range peers {
			if old[p] != opt {
				changed = append(changed, p)
			}
		}
		if len(changed) == 0 {
			return nil
		}
		if err := tx.SetRecvOpts(ctx, a.SDKAppID, owner, changed, opt); err != nil {
			return err
		}
		events = []event.Event{{App: a.SDKAppID, Kind: event.RecvOptChanged, User: owner, Peers: changed}}
		return nil
	})
	if err != nil {
		return errcode.Wrapf(err, "message: set the receive option of %s", owner)
	}
	s.Events.Publish(events...)
	return nil
}

// RecvOpts returns owner's receive option for each of peers, in the order
// asked (duplicates once).
func (s *Service) RecvOpts(ctx context.Context, a *app.App, owner string, peers []string) ([]RecvOptInfo, error) {
	peers, err := checkRecvOptPeers(peers)
	if err != nil {
		return nil, err
	}
	var opts map[string]int
	err = s.Store.Read(ctx, func(tx Tx) (err error) {
		opts, err = tx.RecvOpts(ctx, a.SDKAppID, owner, peers)
		return err
	})
	if err != nil {
		return nil, errcode.Wrapf(err, "message: receive options of %s", owner)
	}
	out := make([]RecvOptInfo, len(peers))
	for i, p := range peers {
		out[i] = RecvOptInfo{UserID: p, Opt: opts[p]}
	}
	return out, nil
}
