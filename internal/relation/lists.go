package relation

import (
	"context"
	"slices"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/store"
)

func checkListNames(names []string) error {
	if len(names) == 0 {
		return bad("Err_SNS_GroupName_Empty")
	}
	seen := map[string]bool{}
	for _, n := range names {
		if !validListName(n) {
			return bad("Err_SNS_GroupName_Invalid: 1 to %d bytes", MaxListNameBytes)
		}
		if seen[n] {
			return bad("Err_SNS_GroupName_Duplicated: %s", n)
		}
		seen[n] = true
	}
	return nil
}

// listWrite runs fn for from's friend lists in a write transaction, then bumps
// the list version (and the friend version when membership changed) and
// publishes one FriendListsChanged event.
func (s *Service) listWrite(ctx context.Context, a *app.App, from string,
	fn func(tx Tx, lists []store.FriendList, now int64) (membership bool, err error)) (uint64, error) {
	if err := checkOwner(from); err != nil {
		return 0, err
	}
	var seq uint64
	var membership bool
	var events []event.Event
	err := event.Write(ctx, s.Store, &events, func(tx Tx) error {
		events = []event.Event{friendEvent(a, event.FriendListsChanged, from)}
		if err := requireAccount(ctx, tx, a, from); err != nil {
			return err
		}
		if err := tx.LockAccounts(ctx, a.SDKAppID, from); err != nil {
			return err
		}
		lists, err := tx.FriendLists(ctx, a.SDKAppID, from)
		if err != nil {
			return err
		}
		if membership, err = fn(tx, lists, s.now()); err != nil {
			return err
		}
		if membership {
			if err := tx.AdvanceSeq(ctx, a.SDKAppID, from, store.SeqFriend); err != nil {
				return err
			}
		}
		seq, err = tx.BumpSeq(ctx, a.SDKAppID, from, store.SeqFriendList)
		return err
	})
	if err != nil {
		return 0, errcode.Wrapf(err, "relation: change the friend lists of %s", from)
	}
	s.Events.Publish(events...)
	return seq, nil
}

func findList(lists []store.FriendList, name string) *store.FriendList {
	for i := range lists {
		if lists[i].Name == name {
			return &lists[i]
		}
	}
	return nil
}

// CreateLists creates friend lists and puts peers (who must be friends) in
// all of them. It returns the per-peer results and the new list version.
func (s *Service) CreateLists(ctx context.Context, a *app.App, from string, names, peers []string) ([]ItemResult, uint64, error) {
	if err := checkListNames(names); err != nil {
		return nil, 0, err
	}
	if len(peers) > MaxBatch {
		return nil, 0, bad("Err_SNS_To_Account_Too_Many: at most %d", MaxBatch)
	}
	var results []ItemResult
	seq, err := s.listWrite(ctx, a, from, func(tx Tx, lists []store.FriendList, now int64) (bool, error) {
		results = make([]ItemResult, len(peers))
		for _, n := range names {
			if findList(lists, n) != nil {
				return false, bad("Err_SNS_GroupAdd_Group_Exist: %s", n)
			}
		}
		if len(lists)+len(names) > a.Limits.MaxFriendLists {
			return false, errcode.New(errcode.SNSFriendListLimit, "Err_SNS_GroupAdd_Group_Num_Exceed_Threshold")
		}
		for _, n := range names {
			if err := tx.CreateFriendList(ctx, a.SDKAppID, from, n, now); err != nil {
				return false, err
			}
		}
		members, err := s.friendMembers(ctx, tx, a, from, peers, results)
		if err != nil || len(members) == 0 {
			return false, err
		}
		for _, n := range names {
			if err := tx.AddToFriendList(ctx, a.SDKAppID, from, n, members); err != nil {
				return false, err
			}
		}
		return true, nil
	})
	if err != nil {
		return nil, 0, errcode.Wrapf(err, "relation: create friend lists of %s", from)
	}
	return results, seq, nil
}

// friendMembers fills results for peers that cannot be list members and
// returns the ones that can.
func (s *Service) friendMembers(ctx context.Context, tx Tx, a *app.App, from string, peers []string, results []ItemResult) ([]string, error) {
	if len(peers) == 0 {
		return nil, nil
	}
	mine, err := tx.FriendsAmong(ctx, a.SDKAppID, from, peers)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var ok []string
	for i, p := range peers {
		results[i].Peer = p
		switch e := peerProblem(from, p, seen); {
		case e != nil:
			results[i].Err = e
		case !mine[p]:
			results[i].Err = bad("Err_SNS_Group_Member_Not_Friend")
		default:
			ok = append(ok, p)
		}
	}
	return ok, nil
}

// DeleteLists removes friend lists; their members stay friends.
func (s *Service) DeleteLists(ctx context.Context, a *app.App, from string, names []string) (uint64, error) {
	if err := checkListNames(names); err != nil {
		return 0, err
	}
	return s.listWrite(ctx, a, from, func(tx Tx, lists []store.FriendList, _ int64) (bool, error) {
		membership := false
		for _, n := range names {
			l := findList(lists, n)
			if l == nil {
				return false, bad("Err_SNS_GroupDelete_Group_Not_Exist: %s", n)
			}
			membership = membership || len(l.Members) > 0
		}
		for _, n := range names {
			if _, err := tx.DeleteFriendList(ctx, a.SDKAppID, from, n); err != nil {
				return false, err
			}
		}
		return membership, nil
	})
}

// RenameList renames a friend list, keeping its members.
func (s *Service) RenameList(ctx context.Context, a *app.App, from, oldName, newName string) (uint64, error) {
	if err := checkListNames([]string{oldName, newName}); err != nil {
		return 0, err
	}
	return s.listWrite(ctx, a, from, func(tx Tx, lists []store.FriendList, _ int64) (bool, error) {
		l := findList(lists, oldName)
		if l == nil {
			return false, bad("Err_SNS_GroupRename_Group_Not_Exist: %s", oldName)
		}
		if findList(lists, newName) != nil {
			return false, bad("Err_SNS_GroupRename_Group_Exist: %s", newName)
		}
		return len(l.Members) > 0, tx.RenameFriendList(ctx, a.SDKAppID, from, oldName, newName)
	})
}

// AddToList puts friends in an existing list.
func (s *Service) AddToList(ctx context.Context, a *app.App, from, name string, peers []string) ([]ItemResult, uint64, error) {
	return s.changeMembers(ctx, a, from, name, peers, true)
}

// RemoveFromList takes friends out of a list; they stay friends.
func (s *Service) RemoveFromList(ctx context.Context, a *app.App, from, name string, peers []string) ([]ItemResult, uint64, error) {
	return s.changeMembers(ctx, a, from, name, peers, false)
}

func (s *Service) changeMembers(ctx context.Context, a *app.App, from, name string, peers []string, add bool) ([]ItemResult, uint64, error) {
	if err := checkListNames([]string{name}); err != nil {
		return nil, 0, err
	}
	if err := checkPeers(peers, MaxBatch); err != nil {
		return nil, 0, err
	}
	var results []ItemResult
	seq, err := s.listWrite(ctx, a, from, func(tx Tx, lists []store.FriendList, _ int64) (bool, error) {
		results = make([]ItemResult, len(peers))
		l := findList(lists, name)
		if l == nil {
			return false, bad("Err_SNS_Group_Not_Exist: %s", name)
		}
		members, err := s.friendMembers(ctx, tx, a, from, peers, results)
		if err != nil || len(members) == 0 {
			return false, err
		}
		if add {
			return true, tx.AddToFriendList(ctx, a.SDKAppID, from, name, members)
		}
		return true, tx.RemoveFromFriendList(ctx, a.SDKAppID, from, name, members)
	})
	if err != nil {
		return nil, 0, errcode.Wrapf(err, "relation: change the members of list %q of %s", name, from)
	}
	return results, seq, nil
}

// GetLists returns from's friend lists (only those named, when names is
// not empty) and the list version.
func (s *Service) GetLists(ctx context.Context, a *app.App, from string, names []string) ([]store.FriendList, uint64, error) {
	if err := checkOwner(from); err != nil {
		return nil, 0, err
	}
	var lists []store.FriendList
	var seqs store.Seqs
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		if err = requireAccount(ctx, tx, a, from); err != nil {
			return err
		}
		if seqs, err = tx.Seqs(ctx, a.SDKAppID, from); err != nil {
			return err
		}
		lists, err = tx.FriendLists(ctx, a.SDKAppID, from)
		return err
	})
	if err != nil {
		return nil, 0, errcode.Wrapf(err, "relation: get the friend lists of %s", from)
	}
	if len(names) > 0 {
		lists = slices.DeleteFunc(lists, func(l store.FriendList) bool { return !slices.Contains(names, l.Name) })
	}
	return lists, seqs.FriendList, nil
}
