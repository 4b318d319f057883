package relation

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// TagValue is a friend field as sent on the wire: the value is kept raw
// because its type depends on the tag.
type TagValue struct {
	Tag   string          `json:"Tag"`
	Value json.RawMessage `json:"Value"`
}

// ImportItem is one friend to import with its full data.
type ImportItem struct {
	To         string
	Remark     string
	RemarkTime int64
	Groups     []string
	AddSource  string
	AddWording string
	AddTime    int64
	Custom     []TagValue
}

// parseCustom validates Tag_SNS_Custom_* items against the app's declared
// fields: values are strings (≤ 500 bytes) or integers.
func parseCustom(a *app.App, items []TagValue) (map[string]store.Value, *errcode.Error) {
	out := map[string]store.Value{}
	for _, it := range items {
		kw, ok := strings.CutPrefix(it.Tag, CustomPrefix)
		if !ok || !a.HasFriendCustomField(kw) {
			return nil, bad("Err_SNS_Custom_Tag_Not_Declared: %s", it.Tag)
		}
		var v store.Value
		if json.Unmarshal(it.Value, &v) != nil {
			return nil, bad("Err_SNS_Custom_Value_Type_Invalid: %s must be a string or an integer", it.Tag)
		}
		if len(v.Str) > MaxCustomValueBytes {
			return nil, bad("Err_SNS_Custom_Value_Too_Long: %s", it.Tag)
		}
		out[it.Tag] = v
	}
	return out, nil
}

func checkGroups(groups []string) *errcode.Error {
	for _, g := range groups {
		if !validListName(g) {
			return bad("Err_SNS_GroupName_Invalid: 1 to %d bytes", MaxListNameBytes)
		}
	}
	return nil
}

// validImportTime reports whether t (unix seconds, 0 for "not given") is a
// time an existing relationship chain can carry: not before 2000, not
// later than a few minutes of clock skew past now.
func validImportTime(t, now int64) bool {
	return t == 0 || t >= 946684800 && t <= now+300
}

// ImportFriends writes one-way friend rows with caller-supplied data. It is
// for migrating an existing relationship chain, so it skips verification,
// blocklists and requests; only the caps apply.
func (s *Service) ImportFriends(ctx context.Context, a *app.App, from string, items []ImportItem) ([]ItemResult, error) {
	if err := checkOwner(from); err != nil {
		return nil, err
	}
	if len(items) == 0 || len(items) > MaxBatch {
		return nil, bad("Err_SNS_FriendImport_AddFriendItem_Count_Invalid: 1 to %d items", MaxBatch)
	}
	pre := make([]*errcode.Error, len(items))
	custom := make([]map[string]store.Value, len(items))
	seen := map[string]bool{}
	var peers []string
	for i, it := range items {
		pre[i] = peerProblem(from, it.To, seen)
		switch {
		case pre[i] != nil:
		case !validSource(it.AddSource):
			pre[i] = bad("Err_SNS_FriendImport_AddSource_Invalid: required, %s plus at most %d bytes", SourcePrefix, MaxSourceKeyword)
		case len(it.Remark) > MaxRemarkBytes:
			pre[i] = bad("Err_SNS_FriendImport_Remark_Too_Long")
		case len(it.AddWording) > MaxWordingBytes:
			pre[i] = bad("Err_SNS_FriendImport_AddWording_Too_Long")
		case !validImportTime(it.AddTime, s.now()) || !validImportTime(it.RemarkTime, s.now()):
			pre[i] = bad("Err_SNS_FriendImport_Time_Invalid: AddTime and RemarkTime are unix seconds from 2000 to now (0 = now)")
		default:
			if pre[i] = checkGroups(it.Groups); pre[i] == nil {
				custom[i], pre[i] = parseCustom(a, it.Custom)
			}
		}
		if pre[i] == nil {
			peers = append(peers, it.To)
		}
	}
	var results []ItemResult
	var events []event.Event
	err := event.Write(ctx, s.Store, &events, s.withOutbox(ctx, a, &events, pairMeta{actor: from, initiator: from, cmd: outbox.CmdFriendImport, force: true}, func(tx Tx) error {
		results, events = make([]ItemResult, len(items)), nil
		now := s.now()
		if err := requireAccount(ctx, tx, a, from); err != nil {
			return err
		}
		if err := tx.LockAccounts(ctx, a.SDKAppID, from); err != nil {
			return err
		}
		existing, err := tx.ExistingAccounts(ctx, a.SDKAppID, peers)
		if err != nil {
			return err
		}
		mine, err := tx.FriendsAmong(ctx, a.SDKAppID, from, peers)
		if err != nil {
			return err
		}
		count, err := tx.CountFriends(ctx, a.SDKAppID, from)
		if err != nil {
			return err
		}
		lists, err := tx.FriendLists(ctx, a.SDKAppID, from)
		if err != nil {
			return err
		}
		ls := newListSet(lists, a.Limits.MaxFriendLists)
		changedCustom, changedLists := false, false
		for i, it := range items {
			results[i].Peer = it.To
			switch {
			case pre[i] != nil:
				results[i].Err = pre[i]
				continue
			case !existing[it.To]:
				results[i].Err = errcode.New(errcode.SNSNoAccount, "Err_SNS_FriendImport_To_Account_Not_Exist")
				continue
			case mine[it.To]:
				results[i].Err = bad("Err_SNS_FriendImport_Friend_Exist")
				continue
			case count >= a.Limits.MaxFriends:
				results[i].Err = errcode.New(errcode.SNSFriendLimit, "Err_SNS_FriendImport_My_Friend_Num_Exceed_Threshold")
				continue
			}
			if e := ls.ensure(it.Groups); e != nil {
				results[i].Err = e
				continue
			}
			if err := createLists(ctx, tx, a.SDKAppID, from, ls, now); err != nil {
				return err
			}
			addTime := it.AddTime
			if addTime == 0 {
				addTime = now
			}
			f := store.Friend{App: a.SDKAppID, Owner: from, Peer: it.To, Remark: it.Remark, RemarkTime: it.RemarkTime,
				Groups: dedupSorted(it.Groups), AddSource: it.AddSource, AddWording: it.AddWording, AddTime: addTime, Custom: custom[i]}
			if err := tx.PutFriend(ctx, f); err != nil {
				return err
			}
			count++
			mine[it.To] = true
			changedCustom = changedCustom || len(custom[i]) > 0
			changedLists = changedLists || len(f.Groups) > 0
			events = append(events, friendEvent(a, event.FriendAdded, from, it.To))
		}
		ev, err := bumpVersions(ctx, tx, a, from, len(events) > 0, changedCustom, changedLists)
		events = append(events, ev...)
		return err
	}))
	if err != nil {
		return nil, errcode.Wrapf(err, "relation: import friends of %s", from)
	}
	s.Events.Publish(events...)
	s.outboxCommitted(a, events)
	return results, nil
}

// UpdateItem changes fields of one existing friend.
type UpdateItem struct {
	To    string
	Items []TagValue
}

// UpdateFriends changes remark, friend lists and custom fields, the only
// friend fields a user may edit.
func (s *Service) UpdateFriends(ctx context.Context, a *app.App, from string, items []UpdateItem) ([]ItemResult, error) {
	if err := checkOwner(from); err != nil {
		return nil, err
	}
	if len(items) == 0 || len(items) > MaxBatch {
		return nil, bad("Err_SNS_FriendUpdate_UpdateItem_Count_Invalid: 1 to %d items", MaxBatch)
	}
	type change struct {
		remark       *string
		groups       []string
		setGroups    bool
		custom       map[string]store.Value
		customChange bool
	}
	pre := make([]*errcode.Error, len(items))
	changes := make([]change, len(items))
	seen := map[string]bool{}
	for i, it := range items {
		if pre[i] = peerProblem(from, it.To, seen); pre[i] != nil {
			continue
		}
		if len(it.Items) == 0 {
			pre[i] = bad("Err_SNS_FriendUpdate_SnsItem_Empty")
			continue
		}
		var customItems []TagValue
		for _, tv := range it.Items {
			switch {
			case tv.Tag == TagRemark:
				var r string
				if json.Unmarshal(tv.Value, &r) != nil {
					pre[i] = bad("Err_SNS_FriendUpdate_Remark_Not_String")
				} else if len(r) > MaxRemarkBytes {
					pre[i] = bad("Err_SNS_FriendUpdate_Remark_Too_Long: at most %d bytes", MaxRemarkBytes)
				}
				changes[i].remark = &r
			case tv.Tag == TagGroup:
				var g []string
				if json.Unmarshal(tv.Value, &g) != nil {
					pre[i] = bad("Err_SNS_FriendUpdate_Group_Not_Array")
				} else {
					pre[i] = checkGroups(g)
				}
				changes[i].groups, changes[i].setGroups = dedupSorted(g), true
			case strings.HasPrefix(tv.Tag, CustomPrefix):
				customItems = append(customItems, tv)
			default:
				pre[i] = bad("Err_SNS_FriendUpdate_Tag_Not_Updatable: %s", tv.Tag)
			}
			if pre[i] != nil {
				break
			}
		}
		if pre[i] == nil && len(customItems) > 0 {
			changes[i].custom, pre[i] = parseCustom(a, customItems)
			changes[i].customChange = true
		}
	}
	var results []ItemResult
	var events []event.Event
	err := event.Write(ctx, s.Store, &events, func(tx Tx) error {
		results, events = make([]ItemResult, len(items)), nil
		now := s.now()
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
		ls := newListSet(lists, a.Limits.MaxFriendLists)
		std, cust, listsChanged := false, false, false
		for i, it := range items {
			results[i].Peer = it.To
			if pre[i] != nil {
				results[i].Err = pre[i]
				continue
			}
			f, ok, err := tx.Friend(ctx, a.SDKAppID, from, it.To)
			if err != nil {
				return err
			}
			if !ok {
				results[i].Err = bad("Err_SNS_FriendUpdate_Not_Friend")
				continue
			}
			c := changes[i]
			if c.setGroups {
				if e := ls.ensure(c.groups); e != nil {
					results[i].Err = e
					continue
				}
				if err := createLists(ctx, tx, a.SDKAppID, from, ls, now); err != nil {
					return err
				}
				f.Groups = c.groups
				std, listsChanged = true, true
			}
			if c.remark != nil {
				f.Remark, f.RemarkTime = *c.remark, now
				std = true
			}
			if c.customChange {
				if f.Custom == nil {
					f.Custom = map[string]store.Value{}
				}
				for k, v := range c.custom {
					if v.IsZero() {
						delete(f.Custom, k)
					} else {
						f.Custom[k] = v
					}
				}
				cust = true
			}
			if err := tx.PutFriend(ctx, f); err != nil {
				return err
			}
			events = append(events, friendEvent(a, event.FriendUpdated, from, it.To))
		}
		ev, err := bumpVersions(ctx, tx, a, from, std, cust, listsChanged)
		events = append(events, ev...)
		return err
	})
	if err != nil {
		return nil, errcode.Wrapf(err, "relation: update friends of %s", from)
	}
	s.Events.Publish(events...)
	return results, nil
}

// bumpVersions moves user's friend, custom-field and list versions as
// flagged; a list change is also an event for the user's devices.
func bumpVersions(ctx context.Context, tx Tx, a *app.App, user string, standard, custom, lists bool) ([]event.Event, error) {
	var events []event.Event
	for _, b := range []struct {
		on   bool
		kind store.SeqKind
	}{{standard, store.SeqFriend}, {custom, store.SeqFriendCustom}, {lists, store.SeqFriendList}} {
		if !b.on {
			continue
		}
		if err := tx.AdvanceSeq(ctx, a.SDKAppID, user, b.kind); err != nil {
			return nil, err
		}
	}
	if lists {
		events = append(events, friendEvent(a, event.FriendListsChanged, user))
	}
	return events, nil
}

func requireAccount(ctx context.Context, tx Tx, a *app.App, user string) error {
	ok, err := tx.AccountExists(ctx, a.SDKAppID, user)
	if err != nil {
		return err
	}
	if !ok {
		return errcode.New(errcode.SNSNoAccount, "Err_SNS_From_Account_Not_Exist")
	}
	return nil
}

func dedupSorted(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sortStrings(out)
	return out
}
