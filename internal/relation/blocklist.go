package relation

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/store"
)

// BlockRelation is the answer of a blocklist check.
type BlockRelation string

const (
	BlockNone    BlockRelation = "BlackCheckResult_Type_NO"
	BlockAWithB  BlockRelation = "BlackCheckResult_Type_AWithB" // A blocked B
	BlockBWithA  BlockRelation = "BlackCheckResult_Type_BWithA" // B blocked A
	BlockBothWay BlockRelation = "BlackCheckResult_Type_BothWay"
)

// BlockCheckType chooses one or both directions.
type BlockCheckType string

const (
	BlockCheckSingle BlockCheckType = "BlackCheckResult_Type_Single"
	BlockCheckBoth   BlockCheckType = "BlackCheckResult_Type_Both"
)

// AddBlocks blocks peers for from. Blocking ends the friendship in both
// directions and drops pending requests either way, so neither side can
// reach the other until unblocked.
func (s *Service) AddBlocks(ctx context.Context, a *app.App, from string, peers []string) ([]ItemResult, error) {
	if err := checkOwner(from); err != nil {
		return nil, err
	}
	if err := checkPeers(peers, MaxBatch); err != nil {
		return nil, err
	}
	var results []ItemResult
	var events []event.Event
	err := event.Write(ctx, s.Store, &events, s.withOutbox(ctx, a, &events, pairMeta{actor: from}, func(tx Tx) error {
		results, events = make([]ItemResult, len(peers)), nil
		now := s.now()
		if err := requireAccount(ctx, tx, a, from); err != nil {
			return err
		}
		if err := tx.LockAccounts(ctx, a.SDKAppID, append([]string{from}, peers...)...); err != nil {
			return err
		}
		existing, err := tx.ExistingAccounts(ctx, a.SDKAppID, peers)
		if err != nil {
			return err
		}
		blocked, err := tx.BlockedAmong(ctx, a.SDKAppID, from, peers)
		if err != nil {
			return err
		}
		count, err := tx.CountBlocked(ctx, a.SDKAppID, from)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		added := false
		for i, p := range peers {
			results[i].Peer = p
			switch e := peerProblem(from, p, seen); {
			case e != nil:
				results[i].Err = e
				continue
			case !existing[p]:
				results[i].Err = errcode.New(errcode.SNSNoAccount, "Err_SNS_BlackListAdd_To_Account_Not_Exist")
				continue
			case blocked[p]:
				results[i].Err = bad("Err_SNS_BlackListAdd_Already_Exist")
				continue
			case count >= a.Limits.MaxBlocked:
				results[i].Err = errcode.New(errcode.SNSBlocklistLimit, "Err_SNS_BlackListAdd_Num_Exceed_Threshold")
				continue
			}
			if err := tx.AddBlock(ctx, store.Block{App: a.SDKAppID, Owner: from, Peer: p, AddedAt: now}); err != nil {
				return err
			}
			count++
			added = true
			events = append(events, friendEvent(a, event.BlockAdded, from, p))
			ev, err := s.unlink(ctx, tx, a, from, p, true)
			if err != nil {
				return err
			}
			events = append(events, ev...)
			for _, pair := range [][2]string{{from, p}, {p, from}} {
				ok, err := tx.DeleteFriendRequest(ctx, a.SDKAppID, pair[0], pair[1])
				if err != nil {
					return err
				}
				if ok {
					events = append(events,
						friendEvent(a, event.FriendRequestDeleted, pair[0], pair[1]),
						friendEvent(a, event.FriendRequestDeleted, pair[1], pair[0]))
				}
			}
		}
		if added {
			err = tx.AdvanceSeq(ctx, a.SDKAppID, from, store.SeqBlock)
		}
		return err
	}))
	if err != nil {
		return nil, errcode.Wrapf(err, "relation: block peers of %s", from)
	}
	s.Events.Publish(events...)
	s.outboxCommitted(a, events)
	return results, nil
}

// DeleteBlocks unblocks peers. The friendship the block ended is not
// restored.
func (s *Service) DeleteBlocks(ctx context.Context, a *app.App, from string, peers []string) ([]ItemResult, error) {
	if err := checkOwner(from); err != nil {
		return nil, err
	}
	if err := checkPeers(peers, MaxBatch); err != nil {
		return nil, err
	}
	var results []ItemResult
	var events []event.Event
	err := event.Write(ctx, s.Store, &events, s.withOutbox(ctx, a, &events, pairMeta{actor: from}, func(tx Tx) error {
		results, events = make([]ItemResult, len(peers)), nil
		if err := requireAccount(ctx, tx, a, from); err != nil {
			return err
		}
		seen := map[string]bool{}
		for i, p := range peers {
			results[i].Peer = p
			if e := peerProblem(from, p, seen); e != nil {
				results[i].Err = e
				continue
			}
			ok, err := tx.DeleteBlock(ctx, a.SDKAppID, from, p)
			if err != nil {
				return err
			}
			if !ok {
				results[i].Err = bad("Err_SNS_BlackListDelete_Not_In_Blocklist")
				continue
			}
			events = append(events, friendEvent(a, event.BlockDeleted, from, p))
		}
		if len(events) > 0 {
			if err := tx.AdvanceSeq(ctx, a.SDKAppID, from, store.SeqBlock); err != nil {
				return err
			}
		}
		return nil
	}))
	if err != nil {
		return nil, errcode.Wrapf(err, "relation: unblock peers of %s", from)
	}
	s.Events.Publish(events...)
	s.outboxCommitted(a, events)
	return results, nil
}

// BlockPage is one page of a blocklist.
type BlockPage struct {
	Blocks    []store.Block
	NextStart int // 0 when this page is the last
	Seq       uint64
}

// GetBlocks pages from's blocklist, oldest first.
func (s *Service) GetBlocks(ctx context.Context, a *app.App, from string, start, max int) (BlockPage, error) {
	var page BlockPage
	if err := checkOwner(from); err != nil {
		return page, err
	}
	if start < 0 || max <= 0 {
		return page, bad("Err_SNS_BlackListGet_StartIndex_Or_MaxLimited_Invalid")
	}
	max = min(max, MaxBatch)
	var total int
	err := s.Store.Read(ctx, func(tx Tx) error {
		if err := requireAccount(ctx, tx, a, from); err != nil {
			return err
		}
		seqs, err := tx.Seqs(ctx, a.SDKAppID, from)
		if err != nil {
			return err
		}
		page.Seq = seqs.Block
		if total, err = tx.CountBlocked(ctx, a.SDKAppID, from); err != nil {
			return err
		}
		page.Blocks, err = tx.ListBlocked(ctx, a.SDKAppID, from, start, max)
		return err
	})
	if err != nil {
		return page, errcode.Wrapf(err, "relation: get the blocklist of %s", from)
	}
	if next := start + len(page.Blocks); next < total {
		page.NextStart = next
	}
	return page, nil
}

// BlockCheckResult is one peer's blocklist relation.
type BlockCheckResult struct {
	Peer     string
	Relation BlockRelation
	Err      *errcode.Error
}

// CheckBlocks answers, per peer, who blocked whom.
func (s *Service) CheckBlocks(ctx context.Context, a *app.App, from string, peers []string, typ BlockCheckType) ([]BlockCheckResult, error) {
	if err := checkOwner(from); err != nil {
		return nil, err
	}
	if err := checkPeers(peers, MaxBatch); err != nil {
		return nil, err
	}
	if typ != BlockCheckSingle && typ != BlockCheckBoth {
		return nil, bad("Err_SNS_BlackListCheck_CheckType_Invalid")
	}
	rs, err := s.relations(ctx, a, from, peers)
	if err != nil {
		return nil, err
	}
	mine, theirs := rs.Blocked, rs.BlockedBy
	if typ != BlockCheckBoth {
		theirs = nil
	}
	out := make([]BlockCheckResult, len(peers))
	for i, p := range peers {
		r := BlockNone
		switch ab, ba := mine[p], theirs[p]; {
		case ab && ba:
			r = BlockBothWay
		case ab:
			r = BlockAWithB
		case ba:
			r = BlockBWithA
		}
		out[i] = BlockCheckResult{Peer: p, Relation: r}
		if p == "" || len(p) > 32 {
			out[i].Err = bad("Err_SNS_To_Account_Invalid")
		}
	}
	return out, nil
}
