// Package conversation owns the conversation list as a user sees it: what is
// in it and in which order (pinned first, then by last message), unread
// counts derived from seqs, pinning, deletion with or without the messages,
// drafts, marks and conversation groups. The REST API (recentcontact/*) and
// the client gateway both call it. Every change is logged on the user's
// change log (event.Write), so the user's other devices follow it live and
// after a reconnect.
package conversation

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/parleyim/parley/internal/account"
	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/store"
)

// Conversation types, as the REST API numbers them.
const (
	TypeC2C   = 1
	TypeGroup = 2
)

// Limits from the spec and the seeds.
const (
	MaxMarkBatch           = 100  // conversations per mark call (51006)
	MaxSearch              = 300  // conversations per search_contact_group
	MaxGroups              = 20   // conversation groups per user (51010)
	MaxGroupNameBytes      = 32   // (51011)
	MaxMarkedConversations = 1000 // conversations in a user's group/mark data (51008)
	MaxCustomMarkBytes     = 256
	MaxDraftBytes          = 8000 // a draft is at most a message's text
	MaxBatch               = 100  // conversation IDs per client call
	DefaultPageSize        = 100
)

// Standard marks (V2TIM_CONVERSATION_MARK_TYPE_*). Bit n-1 is the REST API's
// mark n; marks 33 to 64 (bits 32 to 63) are the app's own. Marks are
// metadata: MarkUnread does not change the unread count.
const (
	MarkStar   uint64 = 1 << 0
	MarkUnread uint64 = 1 << 1
	MarkFold   uint64 = 1 << 2
	MarkHide   uint64 = 1 << 3
)

// Service implements the conversation list.
type Service struct {
	Store  store.Store
	Events *event.Bus
	Now    func() time.Time
	// PageSize is the page of get_list and get_contact_group (100 by default).
	PageSize int
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) pageSize() int {
	if s.PageSize > 0 {
		return s.PageSize
	}
	return DefaultPageSize
}

// ID is a conversation as its owner names it.
type ID struct {
	Type   int    // TypeC2C or TypeGroup
	Target string // the peer's user ID, or the group ID
}

// C2C is the conversation with peer.
func C2C(peer string) ID { return ID{TypeC2C, peer} }

func (id ID) String() string {
	if id.Type == TypeGroup {
		return "group_" + id.Target
	}
	return "c2c_" + id.Target
}

// ParseID reads c2c_<userID> or group_<groupID>.
func ParseID(s string) (ID, error) {
	if peer, ok := strings.CutPrefix(s, "c2c_"); ok {
		if !account.ValidUserID(peer) {
			return ID{}, badParam("invalid conversation ID %q: not a valid UserID after c2c_", s)
		}
		return C2C(peer), nil
	}
	if group, ok := strings.CutPrefix(s, "group_"); ok && group != "" && len(group) <= 48 {
		return ID{TypeGroup, group}, nil
	}
	return ID{}, badParam("invalid conversation ID %q: c2c_<userID> or group_<groupID>", s)
}

func badParam(format string, args ...any) *errcode.Error {
	return errcode.Newf(errcode.RecentContactBadParam, "Err_Conversation_Param: "+format, args...)
}

// noGroup is the answer for a group conversation: Parley has no groups yet,
// so no group ID resolves.
func noGroup(id ID) *errcode.Error {
	return errcode.Newf(errcode.RecentContactBadGroupID, "Err_Conversation_Group_Not_Exist: %s", id)
}

// Result is the outcome for one conversation of a batch call; Err nil is
// success.
type Result struct {
	ID  string
	Err *errcode.Error
}

// Conversation is one conversation of a user's list.
type Conversation struct {
	ID string // c2c_<peer>
	store.ConversationEntry
	Marks      uint64
	CustomMark string
	Groups     []string // names of the conversation groups it is in
	RecvOpt    int      // owner's receive option for the peer (store.RecvOpt*)
}

// Pinned reports whether the conversation is pinned.
func (c *Conversation) Pinned() bool { return c.PinnedAt > 0 }

// Empty reports whether the user has no message of it to see: it never had
// one (pinned or drafted before the first message), or its history was
// cleared.
func (c *Conversation) Empty() bool { return c.LastSeq <= c.ClearedSeq }

// Filter selects conversations of List.
type Filter struct {
	IncludeEmpty bool
	MarkType     uint64 // only conversations with all these marks
	GroupName    string // only conversations in this group
}

func checkOwner(owner string) error {
	if owner == "" {
		return badParam("From_Account is required")
	}
	return nil
}

func requireAccount(ctx context.Context, tx store.Tx, a *app.App, owner string) error {
	if err := checkOwner(owner); err != nil {
		return err
	}
	ok, err := tx.AccountExists(ctx, a.SDKAppID, owner)
	if err != nil {
		return err
	}
	if !ok {
		return errcode.Newf(errcode.RecentContactNoAccount, "Err_Conversation_Account_Not_Exist: %q", owner)
	}
	return nil
}

// load reads owner's conversations in the list (keys nil: all) with their
// marks and groups, unordered.
func load(ctx context.Context, tx store.Tx, a *app.App, owner string, keys []string) ([]Conversation, error) {
	entries, err := tx.ConversationEntries(ctx, a.SDKAppID, owner, keys)
	if err != nil {
		return nil, err
	}
	out := make([]Conversation, len(entries))
	ids := make([]string, len(entries))
	peers := make([]string, len(entries))
	for i, e := range entries {
		out[i] = Conversation{ID: C2C(e.Peer).String(), ConversationEntry: e}
		ids[i] = out[i].ID
		peers[i] = e.Peer
	}
	if len(out) == 0 {
		return out, nil
	}
	var opts map[string]int
	if keys == nil {
		opts, err = tx.RecvOpts(ctx, a.SDKAppID, owner, nil)
	} else {
		opts, err = tx.RecvOpts(ctx, a.SDKAppID, owner, peers)
	}
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].RecvOpt = opts[out[i].Peer]
	}
	var marks []store.ConversationMark
	if keys == nil {
		marks, err = tx.ConversationMarks(ctx, a.SDKAppID, owner, nil)
	} else {
		marks, err = tx.ConversationMarks(ctx, a.SDKAppID, owner, ids)
	}
	if err != nil {
		return nil, err
	}
	var names map[int64]string
	byID := map[string]store.ConversationMark{}
	for _, m := range marks {
		byID[m.ConvID] = m
		if len(m.Groups) > 0 && names == nil {
			groups, err := tx.ConversationGroups(ctx, a.SDKAppID, owner)
			if err != nil {
				return nil, err
			}
			names = map[int64]string{}
			for _, g := range groups {
				names[g.ID] = g.Name
			}
		}
	}
	for i := range out {
		m, ok := byID[out[i].ID]
		if !ok {
			continue
		}
		out[i].Marks, out[i].CustomMark = m.Marks, m.CustomMark
		for _, g := range m.Groups {
			out[i].Groups = append(out[i].Groups, names[g])
		}
	}
	return out, nil
}

// sortList orders pinned conversations first, then the rest; within each
// part by last message time, newest first. Pinned conversations keep the
// order they would have unpinned (the seeds' rule: of 1..5, pinning 2 and 3
// gives 2, 3, 1, 4, 5).
func sortList(cs []Conversation, pinnedFirst bool) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := &cs[i], &cs[j]
		if pinnedFirst && a.Pinned() != b.Pinned() {
			return a.Pinned()
		}
		if a.LastTime != b.LastTime {
			return a.LastTime > b.LastTime
		}
		return a.ID < b.ID
	})
}

// List returns owner's conversation list, pinned first, then by last
// message time, with unread counted from seqs.
func (s *Service) List(ctx context.Context, a *app.App, owner string, f Filter) ([]Conversation, error) {
	var out []Conversation
	err := s.Store.Read(ctx, func(tx store.Tx) (err error) {
		if err := requireAccount(ctx, tx, a, owner); err != nil {
			return err
		}
		out, err = load(ctx, tx, a, owner, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	kept := out[:0]
	for _, c := range out {
		switch {
		case !f.IncludeEmpty && c.Empty():
		case c.Marks&f.MarkType != f.MarkType:
		case f.GroupName != "" && !contains(c.Groups, f.GroupName):
		default:
			kept = append(kept, c)
		}
	}
	sortList(kept, true)
	return kept, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Get returns the conversations of ids that are in owner's list, in the
// order asked; the others are left out.
func (s *Service) Get(ctx context.Context, a *app.App, owner string, ids []string) ([]Conversation, error) {
	if len(ids) > MaxBatch {
		return nil, badParam("at most %d conversation IDs", MaxBatch)
	}
	var keys []string
	for _, raw := range ids {
		id, err := ParseID(raw)
		if err != nil {
			return nil, err
		}
		if id.Type == TypeC2C {
			keys = append(keys, message.ConvKey(owner, id.Target))
		}
	}
	var found []Conversation
	err := s.Store.Read(ctx, func(tx store.Tx) (err error) {
		if err := requireAccount(ctx, tx, a, owner); err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil
		}
		found, err = load(ctx, tx, a, owner, keys)
		return err
	})
	if err != nil {
		return nil, err
	}
	byID := map[string]Conversation{}
	for _, c := range found {
		byID[c.ID] = c
	}
	out := []Conversation{}
	seen := map[string]bool{}
	for _, id := range ids {
		if c, ok := byID[id]; ok && !seen[id] {
			seen[id] = true
			out = append(out, c)
		}
	}
	return out, nil
}

// TotalUnread is the sum of the unread counts of owner's conversations.
func (s *Service) TotalUnread(ctx context.Context, a *app.App, owner string) (int, error) {
	total := 0
	err := s.Store.Read(ctx, func(tx store.Tx) error {
		if err := requireAccount(ctx, tx, a, owner); err != nil {
			return err
		}
		entries, err := tx.ConversationEntries(ctx, a.SDKAppID, owner, nil)
		for _, e := range entries {
			total += e.Unread
		}
		return err
	})
	return total, err
}

// AssistFlags bits of get_list.
const (
	AssistPinned     = 1 << 0 // pinned conversations come first, paged by the Top cursor
	AssistEmpty      = 1 << 1 // include conversations without a message to show
	AssistPagePinned = 1 << 2 // page the pinned ones too (otherwise all come at once)
)

// PageRequest is get_list's request: two cursors (ordinary and pinned
// conversations), both zero on the first page.
type PageRequest struct {
	TimeStamp, StartIndex       int64
	TopTimeStamp, TopStartIndex int64
	AssistFlags                 int64
}

// Page is one page of get_list. Each cursor is the last conversation
// returned so far: its MsgTime (unix seconds) and how many conversations
// with that MsgTime came up to it. A cursor therefore survives conversations
// moving to the top between pages (they are past it) and deletions.
type Page struct {
	Items                       []Conversation
	Complete                    bool
	TimeStamp, StartIndex       int64
	TopTimeStamp, TopStartIndex int64
}

// MsgTime is a conversation's time as get_list reports it.
func MsgTime(c *Conversation) int64 { return c.LastTime / 1000 }

type cursor struct{ sec, n int64 }

// after returns up to limit (0: all) conversations of list after c.
func after(list []Conversation, c cursor, limit int) (page []Conversation, next cursor, more bool) {
	i := 0
	if c != (cursor{}) {
		for i < len(list) && MsgTime(&list[i]) > c.sec {
			i++
		}
		for k := int64(0); k < c.n && i < len(list) && MsgTime(&list[i]) == c.sec; k++ {
			i++
		}
	}
	end := len(list)
	if limit > 0 {
		end = min(end, i+limit)
	}
	page, next = list[i:end], c
	if len(page) > 0 {
		last := MsgTime(&list[end-1])
		next = cursor{last, 0}
		for j := end - 1; j >= 0 && MsgTime(&list[j]) == last; j-- {
			next.n++
		}
	}
	return page, next, end < len(list)
}

// Page returns a page of owner's list the way recentcontact/get_list pages
// it.
func (s *Service) Page(ctx context.Context, a *app.App, owner string, req PageRequest) (Page, error) {
	if req.TimeStamp < 0 || req.StartIndex < 0 || req.TopTimeStamp < 0 || req.TopStartIndex < 0 {
		return Page{}, badParam("cursors must not be negative")
	}
	var all []Conversation
	err := s.Store.Read(ctx, func(tx store.Tx) (err error) {
		if err := requireAccount(ctx, tx, a, owner); err != nil {
			return err
		}
		all, err = load(ctx, tx, a, owner, nil)
		return err
	})
	if err != nil {
		return Page{}, err
	}
	var pinned, rest []Conversation
	for _, c := range all {
		switch {
		case req.AssistFlags&AssistEmpty == 0 && c.Empty():
		case req.AssistFlags&AssistPinned != 0 && c.Pinned():
			pinned = append(pinned, c)
		default:
			rest = append(rest, c)
		}
	}
	sortList(pinned, false)
	sortList(rest, false)
	pinLimit := 0
	if req.AssistFlags&AssistPagePinned != 0 {
		pinLimit = s.pageSize()
	}
	top, topNext, topMore := after(pinned, cursor{req.TopTimeStamp, req.TopStartIndex}, pinLimit)
	items, next, more := after(rest, cursor{req.TimeStamp, req.StartIndex}, s.pageSize())
	return Page{
		Items:     append(append([]Conversation{}, top...), items...),
		Complete:  !topMore && !more,
		TimeStamp: next.sec, StartIndex: next.n,
		TopTimeStamp: topNext.sec, TopStartIndex: topNext.n,
	}, nil
}

// logged runs fn in a write that locks owner's account and logs the events
// fn leaves in *events; it then publishes them.
func (s *Service) logged(ctx context.Context, a *app.App, owner string, fn func(tx store.Tx, events *[]event.Event) error) error {
	if err := checkOwner(owner); err != nil {
		return err
	}
	var events []event.Event
	err := event.Write(ctx, s.Store, &events, func(tx store.Tx) error {
		events = nil
		if err := tx.LockAccounts(ctx, a.SDKAppID, owner); err != nil {
			return err
		}
		if err := requireAccount(ctx, tx, a, owner); err != nil {
			return err
		}
		return fn(tx, &events)
	})
	if err != nil {
		return err
	}
	s.Events.Publish(events...)
	return nil
}

func changed(a *app.App, owner string, kind event.Kind, ids []string) []event.Event {
	if len(ids) == 0 {
		return nil
	}
	return []event.Event{{App: a.SDKAppID, Kind: kind, User: owner, Peers: ids}}
}
