package relation

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/profile"
	"github.com/parleyim/parley/internal/store"
)

// AddItem is one friend to add.
type AddItem struct {
	To         string
	Remark     string
	GroupName  string
	AddSource  string
	AddWording string
}

// AddOptions are the request-wide settings of an add.
type AddOptions struct {
	Type AddType
	// Force skips the target's AllowType, as an admin's ForceAddFlags does.
	Force bool
	// RequireSource rejects items without AddSource (the client SDK always
	// sends one; REST friend_add does not require it).
	RequireSource bool
}

func (it AddItem) problem() *errcode.Error {
	switch {
	case it.AddSource != "" && !validSource(it.AddSource):
		return bad("Err_SNS_FriendAdd_AddSource_Invalid: must be %s plus at most %d bytes", SourcePrefix, MaxSourceKeyword)
	case len(it.Remark) > MaxRemarkBytes:
		return bad("Err_SNS_FriendAdd_Remark_Too_Long: at most %d bytes", MaxRemarkBytes)
	case len(it.AddWording) > MaxWordingBytes:
		return bad("Err_SNS_FriendAdd_AddWording_Too_Long: at most %d bytes", MaxWordingBytes)
	case it.GroupName != "" && !validListName(it.GroupName):
		return bad("Err_SNS_FriendAdd_GroupName_Too_Long: at most %d bytes", MaxListNameBytes)
	}
	return nil
}

// AddFriends adds friends for from, applying in order: blocklists (30515,
// 30525), AdminForbidType (30009), the target's AllowType (30516, or a stored
// pending request and 30539), friend caps (30010, 30014), pending request cap
// (30012) and friend list cap (30011).
func (s *Service) AddFriends(ctx context.Context, a *app.App, from string, items []AddItem, opt AddOptions) ([]ItemResult, error) {
	if err := checkOwner(from); err != nil {
		return nil, err
	}
	if len(items) == 0 || len(items) > MaxBatch {
		return nil, bad("Err_SNS_FriendAdd_AddFriendItem_Count_Invalid: 1 to %d items", MaxBatch)
	}
	if opt.Type == "" {
		opt.Type = AddBoth
	}
	if opt.Type != AddBoth && opt.Type != AddSingle {
		return nil, bad("Err_SNS_FriendAdd_AddType_Invalid")
	}
	pre := make([]*errcode.Error, len(items))
	seen := map[string]bool{}
	var peers []string
	for i, it := range items {
		if pre[i] = peerProblem(from, it.To, seen); pre[i] == nil {
			if pre[i] = it.problem(); pre[i] == nil && opt.RequireSource && it.AddSource == "" {
				pre[i] = bad("Err_SNS_FriendAdd_AddSource_Required")
			}
		}
		if pre[i] == nil {
			peers = append(peers, it.To)
		}
	}

	if err := s.beforeAdd(ctx, a, from, items, opt, pre); err != nil {
		return nil, err
	}
	c := &addCall{a: a, from: from, items: items, opt: opt, pre: pre, peers: peers}
	if s.GatherAdds {
		return s.addGathered(ctx, c)
	}
	return s.addAlone(ctx, c)
}

// addCall is one AddFriends call as its write sees it: the checked items
// (pre holds each item's fault found before any read), then what the write
// answered and the events it logged.
type addCall struct {
	a       *app.App
	from    string
	items   []AddItem
	opt     AddOptions
	pre     []*errcode.Error
	peers   []string // the items' receivers without a fault
	results []ItemResult
	events  []event.Event
	state   *addState
}

// meta is what the call's outbox entries carry.
func (c *addCall) meta() pairMeta {
	return pairMeta{actor: c.from, initiator: c.from, cmd: outbox.CmdFriendAdd, force: c.opt.Force}
}

// addAlone writes one call in a write of its own.
func (s *Service) addAlone(ctx context.Context, c *addCall) ([]ItemResult, error) {
	err := event.Write(ctx, s.Store, &c.events, s.withOutbox(ctx, c.a, &c.events, c.meta(), func(tx Tx) error {
		if err := s.loadAdd(ctx, tx, c); err != nil {
			return err
		}
		return s.applyAdd(ctx, c)
	}))
	if err != nil {
		return nil, errcode.Wrapf(err, "relation: add friends of %s", c.from)
	}
	s.Events.Publish(c.events...)
	s.outboxCommitted(c.a, c.events)
	return c.results, nil
}

// loadAdd reads, under the accounts' locks, what c's items are decided on.
// fn may run more than once: it starts c's answers over.
func (s *Service) loadAdd(ctx context.Context, tx Tx, c *addCall) error {
	c.results, c.events = make([]ItemResult, len(c.items)), nil
	var err error
	c.state, err = s.loadAddState(ctx, tx, c.a, c.from, c.peers)
	return err
}

// applyAdd decides and writes each of c's items on what loadAdd read.
func (s *Service) applyAdd(ctx context.Context, c *addCall) error {
	for i, it := range c.items {
		c.results[i].Peer = it.To
		if c.pre[i] != nil {
			c.results[i].Err = c.pre[i]
			continue
		}
		ev, err := c.state.add(ctx, it, c.opt)
		if err != nil {
			var ce *errcode.Error
			if ce = errcode.As(err, 0); ce.Code == 0 {
				return err
			}
			c.results[i].Err = ce
		}
		c.events = append(c.events, ev...)
	}
	return nil
}

// addTags are the profile tags an add is decided on.
var addTags = []string{profile.TagAllowType, profile.TagAdminForbidType}

// addState is what AddFriends reads once per batch so that each item costs
// only its own writes.
type addState struct {
	s         *Service
	tx        Tx
	a         *app.App
	from      string
	now       int64
	existing  map[string]bool
	mine      map[string]bool // from has peer
	theirs    map[string]bool // peer has from
	blocked   map[string]bool // from blocked peer
	blockedBy map[string]bool // peer blocked from
	profiles  map[string]map[string]store.Value
	myCount   int
	lists     *listSet
	sent      int // -1 until counted
}

func (s *Service) loadAddState(ctx context.Context, tx Tx, a *app.App, from string, peers []string) (*addState, error) {
	w := &addState{s: s, tx: tx, a: a, from: from, now: s.now(), sent: -1}
	if err := tx.LockAccounts(ctx, a.SDKAppID, append([]string{from}, peers...)...); err != nil {
		return nil, err
	}
	rs, err := tx.RelationsAndProfiles(ctx, a.SDKAppID, from, peers, addTags)
	if err != nil {
		return nil, err
	}
	if !rs.OwnerExists {
		return nil, errcode.New(errcode.SNSNoAccount, "Err_SNS_From_Account_Not_Exist")
	}
	w.mine, w.theirs, w.blocked, w.blockedBy = rs.Friends, rs.FriendOf, rs.Blocked, rs.BlockedBy
	if w.existing, err = tx.ExistingAccounts(ctx, a.SDKAppID, peers); err != nil {
		return nil, err
	}
	w.profiles = rs.Profiles
	if w.myCount, err = tx.CountFriends(ctx, a.SDKAppID, from); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *addState) profileString(user, tag string) string {
	if v, ok := w.profiles[user][tag]; ok && !v.IsInt && v.Str != "" {
		return v.Str
	}
	return profile.DefaultValue(w.a, tag).Str
}

func (w *addState) add(ctx context.Context, it AddItem, opt AddOptions) ([]event.Event, error) {
	app, from, to := w.a.SDKAppID, w.from, it.To
	if !w.existing[to] {
		return nil, errcode.New(errcode.SNSNoAccount, "Err_SNS_FriendAdd_To_Account_Not_Exist")
	}
	needMine := !w.mine[to]
	needTheirs := opt.Type == AddBoth && !w.theirs[to]
	switch {
	case !needMine && !needTheirs:
		return nil, bad("Err_SNS_FriendAdd_Friend_Exist")
	case w.blocked[to]:
		return nil, errcode.New(errcode.SNSPeerInMyBlocklist, "Err_SNS_FriendAdd_Peer_In_Your_Blocklist")
	case w.blockedBy[to]:
		return nil, errcode.New(errcode.SNSInPeerBlocklist, "Err_SNS_FriendAdd_You_In_Peer_Blocklist")
	case w.profileString(from, profile.TagAdminForbidType) == profile.ForbidSendOut:
		return nil, errcode.New(errcode.SNSAddForbidden, "Err_SNS_FriendAdd_Forbidden_By_Admin")
	}
	allow := w.profileString(to, profile.TagAllowType)
	if !opt.Force && allow == profile.AllowDenyAny {
		return nil, errcode.New(errcode.SNSPeerDeniesAll, "Err_SNS_FriendAdd_Peer_Deny_Any")
	}
	if needMine && w.myCount >= w.a.Limits.MaxFriends {
		return nil, errcode.New(errcode.SNSFriendLimit, "Err_SNS_FriendAdd_My_Friend_Num_Exceed_Threshold")
	}
	if needTheirs {
		n, err := w.tx.CountFriends(ctx, app, to)
		if err != nil {
			return nil, err
		}
		if n >= w.a.Limits.MaxFriends {
			return nil, errcode.New(errcode.SNSPeerFriendLimit, "Err_SNS_FriendAdd_Peer_Friend_Num_Exceed_Threshold")
		}
	}
	if !opt.Force && allow == profile.AllowNeedConfirm {
		return w.request(ctx, it, opt)
	}
	var groups []string
	if it.GroupName != "" {
		if w.lists == nil {
			lists, err := w.tx.FriendLists(ctx, app, from)
			if err != nil {
				return nil, err
			}
			w.lists = newListSet(lists, w.a.Limits.MaxFriendLists)
		}
		groups = []string{it.GroupName}
		if err := w.lists.ensure(groups); err != nil {
			return nil, err
		}
		if err := createLists(ctx, w.tx, app, from, w.lists, w.now); err != nil {
			return nil, err
		}
	}
	events, err := w.s.link(ctx, w.tx, w.a, linkSpec{
		from: from, to: to, mine: needMine, theirs: needTheirs, now: w.now,
		remark: it.Remark, groups: groups, source: it.AddSource, wording: it.AddWording,
	})
	if err != nil {
		return nil, err
	}
	if needMine {
		w.myCount++
		w.mine[to] = true
	}
	if needTheirs {
		w.theirs[to] = true
	}
	return events, nil
}

// request stores (or refreshes) a pending friend request and answers 30539.
//
// Idempotency: repeating a request that is still pending with the same
// content (wording, source, remark, group name, add type) answers 30539 as
// before but writes nothing, logs nothing and pushes nothing, so a client
// that retries (or an attacker that loops) cannot grow the target's change
// log. A request with different content replaces the pending one (new
// content, new time, unread again) and is logged and pushed like a new
// request, since the target has something new to read.
func (w *addState) request(ctx context.Context, it AddItem, opt AddOptions) ([]event.Event, error) {
	app := w.a.SDKAppID
	prev, exists, err := w.tx.FriendRequest(ctx, app, w.from, it.To)
	if err != nil {
		return nil, err
	}
	pending := errcode.New(errcode.SNSPendingApproval, "Err_SNS_FriendAdd_Need_Confirm")
	if exists && prev.AddSource == it.AddSource && prev.AddWording == it.AddWording && prev.Remark == it.Remark &&
		prev.GroupName == it.GroupName && prev.AddType == string(opt.Type) {
		return nil, pending
	}
	if !exists {
		if w.sent < 0 {
			if w.sent, err = w.tx.CountSentRequests(ctx, app, w.from); err != nil {
				return nil, err
			}
		}
		if w.sent >= w.a.Limits.MaxPendingRequests {
			return nil, errcode.New(errcode.SNSPendingLimit, "Err_SNS_FriendAdd_Pending_Request_Num_Exceed_Threshold")
		}
		w.sent++
	}
	err = w.tx.PutFriendRequest(ctx, store.FriendRequest{
		App: app, From: w.from, To: it.To, AddSource: it.AddSource, AddWording: it.AddWording,
		Remark: it.Remark, GroupName: it.GroupName, AddType: string(opt.Type), CreatedAt: w.now,
	})
	if err != nil {
		return nil, err
	}
	events := []event.Event{
		friendEvent(w.a, event.FriendRequestAdded, w.from, it.To),
		friendEvent(w.a, event.FriendRequestAdded, it.To, w.from),
	}
	return events, pending
}

// linkSpec describes the rows a successful add or accept writes.
type linkSpec struct {
	from, to     string
	mine, theirs bool // write from→to, to→from
	now          int64
	remark       string
	groups       []string
	source       string
	wording      string
}

// link writes friend rows, bumps versions, clears requests that the new
// friendship answers, and returns the events to publish.
func (s *Service) link(ctx context.Context, tx Tx, a *app.App, l linkSpec) ([]event.Event, error) {
	app := a.SDKAppID
	var events []event.Event
	if l.mine {
		f := store.Friend{App: app, Owner: l.from, Peer: l.to, Remark: l.remark, Groups: l.groups,
			AddSource: l.source, AddWording: l.wording, AddTime: l.now}
		if l.remark != "" {
			f.RemarkTime = l.now
		}
		if err := tx.PutFriend(ctx, f); err != nil {
			return nil, err
		}
		if err := tx.AdvanceSeq(ctx, app, l.from, store.SeqFriend); err != nil {
			return nil, err
		}
		events = append(events, friendEvent(a, event.FriendAdded, l.from, l.to))
		if len(l.groups) > 0 {
			if err := tx.AdvanceSeq(ctx, app, l.from, store.SeqFriendList); err != nil {
				return nil, err
			}
			events = append(events, friendEvent(a, event.FriendListsChanged, l.from))
		}
	}
	if l.theirs {
		if err := tx.PutFriend(ctx, store.Friend{App: app, Owner: l.to, Peer: l.from, AddSource: l.source, AddTime: l.now}); err != nil {
			return nil, err
		}
		if err := tx.AdvanceSeq(ctx, app, l.to, store.SeqFriend); err != nil {
			return nil, err
		}
		events = append(events, friendEvent(a, event.FriendAdded, l.to, l.from))
	}
	for _, pair := range [][2]string{{l.from, l.to}, {l.to, l.from}} {
		ok, err := tx.DeleteFriendRequest(ctx, app, pair[0], pair[1])
		if err != nil {
			return nil, err
		}
		if ok {
			events = append(events,
				friendEvent(a, event.FriendRequestDeleted, pair[0], pair[1]),
				friendEvent(a, event.FriendRequestDeleted, pair[1], pair[0]))
		}
	}
	return events, nil
}

// createLists creates the lists ls recorded as new, and forgets them.
func createLists(ctx context.Context, tx Tx, app store.AppID, owner string, ls *listSet, now int64) error {
	if len(ls.added) == 0 {
		return nil
	}
	for _, n := range ls.added {
		if err := tx.CreateFriendList(ctx, app, owner, n, now); err != nil {
			return err
		}
	}
	ls.added = nil
	err := tx.AdvanceSeq(ctx, app, owner, store.SeqFriendList)
	return err
}
