package relation

import (
	"context"
	"sort"
	"strings"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/profile"
	"github.com/parleyim/parley/internal/store"
)

// Relation is the answer of a friend check, in REST's vocabulary.
type Relation string

const (
	NoRelation Relation = "CheckResult_Type_NoRelation"
	AWithB     Relation = "CheckResult_Type_AWithB" // B is in A's list
	BWithA     Relation = "CheckResult_Type_BWithA" // A is in B's list
	BothWay    Relation = "CheckResult_Type_BothWay"
)

// CheckType chooses whether a check looks at one or both directions.
type CheckType string

const (
	CheckSingle CheckType = "CheckResult_Type_Single"
	CheckBoth   CheckType = "CheckResult_Type_Both"
)

// CheckResult is one peer's relation.
type CheckResult struct {
	Peer     string
	Relation Relation
	Err      *errcode.Error
}

func relationOf(ab, ba, both bool) Relation {
	switch {
	case ab && (ba && both):
		return BothWay
	case ab:
		return AWithB
	case ba && both:
		return BWithA
	}
	return NoRelation
}

// CheckFriends answers, per peer, how from and peer relate. Single mode
// looks only at from's list, so it answers AWithB or NoRelation.
func (s *Service) CheckFriends(ctx context.Context, a *app.App, from string, peers []string, typ CheckType) ([]CheckResult, error) {
	if err := checkOwner(from); err != nil {
		return nil, err
	}
	if err := checkPeers(peers, MaxBatch); err != nil {
		return nil, err
	}
	if typ != CheckSingle && typ != CheckBoth {
		return nil, bad("Err_SNS_FriendCheck_CheckType_Invalid")
	}
	rs, err := s.relations(ctx, a, from, peers)
	if err != nil {
		return nil, err
	}
	mine, theirs := rs.Friends, rs.FriendOf
	out := make([]CheckResult, len(peers))
	for i, p := range peers {
		out[i] = CheckResult{Peer: p, Relation: relationOf(mine[p], theirs[p], typ == CheckBoth)}
		if p == "" || len(p) > 32 {
			out[i].Err = bad("Err_SNS_To_Account_Invalid")
		}
	}
	return out, nil
}

// relations reads how from relates to peers, failing with 30003 when from
// does not exist.
func (s *Service) relations(ctx context.Context, a *app.App, from string, peers []string) (store.RelationSet, error) {
	var rs store.RelationSet
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		rs, err = tx.Relations(ctx, a.SDKAppID, from, peers)
		return err
	})
	if err != nil {
		return rs, errcode.Wrapf(err, "relation: relations of %s to %d peers", from, len(peers))
	}
	if !rs.OwnerExists {
		return rs, errcode.New(errcode.SNSNoAccount, "Err_SNS_From_Account_Not_Exist")
	}
	return rs, nil
}

// FriendPage is one page of friend_get.
type FriendPage struct {
	Friends      []store.Friend
	Seqs         store.Seqs
	Total        int
	Complete     bool
	NextStart    int
	SkipStandard bool // the caller's StandardSequence is current
	SkipCustom   bool // the caller's CustomSequence is current
}

// GetFriends pages from's friends. A caller that passes the sequences it
// saw last is told which kinds of data did not change, so it can skip them.
func (s *Service) GetFriends(ctx context.Context, a *app.App, from string, start int, stdSeq, customSeq uint64) (FriendPage, error) {
	var page FriendPage
	if err := checkOwner(from); err != nil {
		return page, err
	}
	if start < 0 {
		return page, bad("Err_SNS_FriendGet_StartIndex_Invalid")
	}
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		if err = requireAccount(ctx, tx, a, from); err != nil {
			return err
		}
		if page.Seqs, err = tx.Seqs(ctx, a.SDKAppID, from); err != nil {
			return err
		}
		if page.Total, err = tx.CountFriends(ctx, a.SDKAppID, from); err != nil {
			return err
		}
		page.Friends, err = tx.ListFriends(ctx, a.SDKAppID, from, start, FriendPageSize)
		return err
	})
	if err != nil {
		return page, errcode.Wrapf(err, "relation: get friends of %s", from)
	}
	page.SkipStandard = stdSeq != 0 && stdSeq == page.Seqs.Friend
	page.SkipCustom = customSeq != 0 && customSeq == page.Seqs.FriendCustom
	if next := start + len(page.Friends); next < page.Total {
		page.NextStart = next
	} else {
		page.Complete = true
	}
	return page, nil
}

// Field is a Tag/Value pair of the relationship chain. Value is a
// store.Value, or a []string for Tag_SNS_IM_Group, the one array-valued tag.
type Field struct {
	Tag   string `json:"Tag"`
	Value any    `json:"Value"`
}

// FriendTags renders a friend's stored fields as Tag/Value pairs in the
// order Tencent lists them. Empty fields are left out.
func FriendTags(f store.Friend, standard, custom bool) []Field {
	var out []Field
	if standard {
		if f.AddSource != "" {
			out = append(out, Field{TagAddSource, store.StringValue(f.AddSource)})
		}
		if f.Remark != "" {
			out = append(out, Field{TagRemark, store.StringValue(f.Remark)})
		}
		if len(f.Groups) > 0 {
			out = append(out, Field{TagGroup, f.Groups})
		}
		if f.AddWording != "" {
			out = append(out, Field{TagAddWording, store.StringValue(f.AddWording)})
		}
		out = append(out, Field{TagAddTime, store.IntValue(f.AddTime)})
		if f.RemarkTime != 0 {
			out = append(out, Field{TagRemarkTime, store.IntValue(f.RemarkTime)})
		}
	}
	if custom {
		keys := make([]string, 0, len(f.Custom))
		for k := range f.Custom {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, Field{k, f.Custom[k]})
		}
	}
	return out
}

// FriendInfo is one answer of GetFriendInfo: a friend's fields and profile
// values for the requested tags, in the order asked.
type FriendInfo struct {
	Peer  string
	Items []Field
	Err   *errcode.Error
}

// GetFriendInfo returns, for each peer that is from's friend, the requested
// friend tags and profile tags, in the order of tags.
func (s *Service) GetFriendInfo(ctx context.Context, a *app.App, from string, peers, tags []string) ([]FriendInfo, error) {
	if err := checkOwner(from); err != nil {
		return nil, err
	}
	if err := checkPeers(peers, FriendPageSize); err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, bad("Err_SNS_FriendGetList_TagList_Empty")
	}
	var profileTags []string
	for _, t := range tags {
		switch {
		case profile.IsProfileTag(t):
			if !profile.KnownTag(a, t) {
				return nil, bad("Err_SNS_FriendGetList_Tag_Unknown: %s", t)
			}
			profileTags = append(profileTags, t)
		case strings.HasPrefix(t, CustomPrefix):
			if !a.HasFriendCustomField(strings.TrimPrefix(t, CustomPrefix)) {
				return nil, bad("Err_SNS_FriendGetList_Tag_Unknown: %s", t)
			}
		case t == TagGroup || t == TagRemark || t == TagAddSource || t == TagAddWording || t == TagAddTime || t == TagRemarkTime:
		default:
			return nil, bad("Err_SNS_FriendGetList_Tag_Unknown: %s", t)
		}
	}
	var friends map[string]store.Friend
	var values map[string]map[string]store.Value
	err := s.Store.Read(ctx, func(tx Tx) error {
		var err error
		if friends, err = friendRows(ctx, tx, a, from, peers); err != nil {
			return err
		}
		if len(profileTags) > 0 {
			values, err = tx.ProfileValues(ctx, a.SDKAppID, peers, profileTags)
		}
		return err
	})
	if err != nil {
		return nil, errcode.Wrapf(err, "relation: get friend info of %s", from)
	}
	out := make([]FriendInfo, len(peers))
	for i, p := range peers {
		out[i].Peer = p
		f, ok := friends[p]
		if !ok {
			out[i].Err = bad("Err_SNS_FriendGetList_Not_Friend")
			continue
		}
		out[i].Items = []Field{}
		for _, t := range tags {
			switch {
			case profile.IsProfileTag(t):
				v, ok := values[p][t]
				if !ok {
					v = profile.DefaultValue(a, t)
				}
				out[i].Items = append(out[i].Items, Field{t, v})
			case t == TagGroup:
				groups := f.Groups
				if groups == nil {
					groups = []string{}
				}
				out[i].Items = append(out[i].Items, Field{t, groups})
			default:
				out[i].Items = append(out[i].Items, Field{t, friendTag(f, t)})
			}
		}
	}
	return out, nil
}

func friendTag(f store.Friend, tag string) store.Value {
	switch tag {
	case TagRemark:
		return store.StringValue(f.Remark)
	case TagAddSource:
		return store.StringValue(f.AddSource)
	case TagAddWording:
		return store.StringValue(f.AddWording)
	case TagAddTime:
		return store.IntValue(f.AddTime)
	case TagRemarkTime:
		return store.IntValue(f.RemarkTime)
	}
	return f.Custom[tag] // custom tag; a never-set one is the empty string
}

// FriendRows returns from's friend rows for those of peers that are friends.
func (s *Service) FriendRows(ctx context.Context, a *app.App, from string, peers []string) (map[string]store.Friend, error) {
	var out map[string]store.Friend
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		out, err = friendRows(ctx, tx, a, from, peers)
		return err
	})
	return out, errcode.Wrapf(err, "relation: friend rows of %s", from)
}

// friendRows reads, after checking from exists, from's rows of peers.
func friendRows(ctx context.Context, tx Tx, a *app.App, from string, peers []string) (map[string]store.Friend, error) {
	if err := requireAccount(ctx, tx, a, from); err != nil {
		return nil, err
	}
	out := map[string]store.Friend{}
	for _, p := range peers {
		f, ok, err := tx.Friend(ctx, a.SDKAppID, from, p)
		if err != nil {
			return nil, err
		}
		if ok {
			out[p] = f
		}
	}
	return out, nil
}

// AllFriends returns every friend of from, in the order they were added.
func (s *Service) AllFriends(ctx context.Context, a *app.App, from string) ([]store.Friend, error) {
	var out []store.Friend
	for start := 0; ; {
		page, err := s.GetFriends(ctx, a, from, start, 0, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Friends...)
		if page.Complete || len(page.Friends) == 0 {
			return out, nil
		}
		start = page.NextStart
	}
}
