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
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/store"
)

// Conversation types, as the REST API numbers them: convid.Kind's values,
// untyped so that each door's wire type takes them.
const (
	TypeC2C   = 1
	TypeGroup = 2
)

// The REST numbering and convid's kinds must not drift apart.
var (
	_ = [1]int{}[TypeC2C-int(convid.KindC2C)]
	_ = [1]int{}[TypeGroup-int(convid.KindGroup)]
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
	// ReservedMarks are the bits between the standard marks and the app's
	// own custom marks (1<<32 to 1<<63): the client SDK refuses them (seed
	// 002), so the client door's mark and list filter do too (50002).
	ReservedMarks uint64 = 1<<32 - 1<<4
)

// Service implements the conversation list.
type Service struct {
	Store  Store
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

// ID is a conversation as its owner names it (package convid: the one
// typed identity the message core, the list and both doors share).
type ID = convid.ID

// C2C is the conversation with peer.
func C2C(peer string) ID { return convid.C2C(peer) }

// ParseID reads c2c_<userID> or group_<groupID>; a malformed ID is 50002.
func ParseID(s string) (ID, error) {
	id, err := convid.Parse(s)
	if err != nil {
		return ID{}, badParam("%v", err)
	}
	return id, nil
}

func badParam(format string, args ...any) *errcode.Error {
	return errcode.Newf(errcode.RecentContactBadParam, "Err_Conversation_Param: "+format, args...)
}

// noGroup is the answer for a group conversation of a group owner is not
// a member of (or that does not exist).
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
	ID   string // c2c_<peer> or group_<groupID>
	Conv ID     // the same, typed
	store.ConversationEntry
	Marks      uint64
	CustomMark string
	Groups     []string // names of the conversation groups it is in
	RecvOpt    int      // owner's receive option for the peer or the group (store.RecvOpt*)
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

func requireAccount(ctx context.Context, tx Tx, a *app.App, owner string) error {
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
func load(ctx context.Context, tx Tx, a *app.App, owner string, keys []string) ([]Conversation, error) {
	entries, err := tx.ConversationEntries(ctx, a.SDKAppID, owner, keys)
	if err != nil {
		return nil, err
	}
	return decorate(ctx, tx, a, owner, entries, keys == nil)
}

// decorate adds to entries their receive options, marks and groups. all
// says entries are the whole list (one read of each table then costs less
// than naming every key).
func decorate(ctx context.Context, tx Tx, a *app.App, owner string, entries []store.ConversationEntry, all bool) ([]Conversation, error) {
	out := make([]Conversation, len(entries))
	ids := make([]string, len(entries))
	peers := make([]string, 0, len(entries))
	for i, e := range entries {
		id, _ := convid.FromKey(owner, e.ConvKey)
		out[i] = Conversation{ID: id.String(), Conv: id, ConversationEntry: e}
		ids[i] = out[i].ID
		if id.Kind == convid.KindC2C {
			peers = append(peers, e.Peer)
		}
	}
	if len(out) == 0 {
		return out, nil
	}
	var err error
	var opts map[string]int
	if all {
		opts, err = tx.RecvOpts(ctx, a.SDKAppID, owner, nil)
	} else {
		opts, err = tx.RecvOpts(ctx, a.SDKAppID, owner, peers)
	}
	if err != nil {
		return nil, err
	}
	var groupOpts, topicOpts map[string]int
	for i := range out {
		if out[i].Conv.Kind == convid.KindC2C {
			out[i].RecvOpt = opts[out[i].Peer]
			continue
		}
		if groupOpts == nil {
			// One statement for the page: the user's groups with an option.
			if groupOpts, err = tx.GroupMsgFlags(ctx, a.SDKAppID, owner); err != nil {
				return nil, err
			}
		}
		if out[i].RecvOpt, err = groupRecvOptOf(ctx, tx, a, owner, out[i].Conv.Target, groupOpts, &topicOpts); err != nil {
			return nil, err
		}
	}
	var marks []store.ConversationMark
	if all {
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

// groupID resolves a conversation group name of owner; 0 if there is none.
func groupID(ctx context.Context, tx Tx, a *app.App, owner, name string) (int64, error) {
	groups, err := tx.ConversationGroups(ctx, a.SDKAppID, owner)
	if err != nil {
		return 0, err
	}
	for _, g := range groups {
		if g.Name == name {
			return g.ID, nil
		}
	}
	return 0, nil
}

// page reads one page of owner's list from the store and decorates it.
// A filter by a group that does not exist matches nothing.
func page(ctx context.Context, tx Tx, a *app.App, owner, group string, q store.ConversationPageQuery) ([]Conversation, error) {
	if err := requireAccount(ctx, tx, a, owner); err != nil {
		return nil, err
	}
	if group != "" {
		id, err := groupID(ctx, tx, a, owner, group)
		if err != nil || id == 0 {
			return []Conversation{}, err
		}
		q.GroupID = id
	}
	entries, err := tx.ConversationPage(ctx, a.SDKAppID, owner, q)
	if err != nil {
		return nil, err
	}
	return decorate(ctx, tx, a, owner, entries, false)
}

// List returns owner's whole conversation list, pinned first, then by
// last message time, with unread counted from seqs. Its cost grows with
// the list: the doors page instead (ListPage, Page).
func (s *Service) List(ctx context.Context, a *app.App, owner string, f Filter) ([]Conversation, error) {
	if err := checkMarkFilter(f.MarkType); err != nil {
		return nil, err
	}
	var out []Conversation
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		out, err = page(ctx, tx, a, owner, f.GroupName, store.ConversationPageQuery{
			PinnedFirst: true, IncludeEmpty: f.IncludeEmpty, MarkType: f.MarkType})
		return err
	})
	return out, errcode.Wrapf(err, "conversation: list of %s", owner)
}

// Client list pages (V2TIM getConversationList(nextSeq, count)): the seeds
// recommend at most 100 per page; a larger count (V2TIM's one-time pull
// passes INT_MAX) gets pages of 100.
const (
	DefaultListCount = 100
	MaxListCount     = 100
)

// ListQuery is a client's request for one page of the list.
type ListQuery struct {
	Filter
	// Cursor is the NextCursor of the previous page ("" for the first).
	Cursor string
	// Count is the page size: 0 is DefaultListCount, more than
	// MaxListCount is MaxListCount, negative is 50002.
	Count int
}

// ListPage is one page of the client list.
type ListPage struct {
	Items      []Conversation
	NextCursor string // "" when Finished
	Finished   bool
}

// The client cursor is the position of the last conversation returned:
// "<pinned 0|1>.<last time ms>.<peer>" for a one-to-one conversation (a
// UserID has no dot) and "<pinned>.<last time ms>.g.<groupID>" for a group
// (no UserID is "g.…", so the two cannot be confused). The next page
// starts strictly after it (a keyset: no OFFSET), so a conversation that
// moves to the top between pages (a new message) is past the cursor and is
// learnt from its push, and a deleted one does not shift the rest: nothing
// is repeated or skipped that did not move.
func encodeCursor(c *Conversation) string {
	p := "0"
	if c.Pinned() {
		p = "1"
	}
	target := c.Conv.Target
	if c.Conv.Kind == convid.KindGroup {
		target = "g." + target
	}
	return p + "." + strconv.FormatInt(c.LastTime, 10) + "." + target
}

func decodeCursor(s string) (*store.ConversationPos, error) {
	if s == "" {
		return nil, nil
	}
	bad := badParam("invalid nextSeq %q: pass the nextSeq of the previous page, or \"\" for the first", s)
	parts := strings.SplitN(s, ".", 3)
	if len(parts) != 3 || (parts[0] != "0" && parts[0] != "1") {
		return nil, bad
	}
	id := C2C(parts[2])
	if g, ok := strings.CutPrefix(parts[2], "g."); ok {
		id = convid.Group(g)
	}
	if _, err := convid.Parse(id.String()); err != nil {
		return nil, bad
	}
	t, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || t < 0 {
		return nil, bad
	}
	return &store.ConversationPos{Pinned: parts[0] == "1", LastTime: t, ConvID: id.String()}, nil
}

// ListPage returns one page of owner's list in the list's order (pinned
// first, then by last message time, newest first), filtered by marks and
// group. Its cost is the page's: the store orders and skips rows, and only
// the page's unread counts, marks and options are read.
func (s *Service) ListPage(ctx context.Context, a *app.App, owner string, q ListQuery) (ListPage, error) {
	if err := checkMarkFilter(q.MarkType); err != nil {
		return ListPage{}, err
	}
	if q.Count < 0 {
		return ListPage{}, badParam("count must not be negative (0 is the default %d, at most %d)", DefaultListCount, MaxListCount)
	}
	count := q.Count
	if count == 0 {
		count = DefaultListCount
	}
	count = min(count, MaxListCount)
	after, err := decodeCursor(q.Cursor)
	if err != nil {
		return ListPage{}, err
	}
	var items []Conversation
	err = s.Store.Read(ctx, func(tx Tx) (err error) {
		items, err = page(ctx, tx, a, owner, q.GroupName, store.ConversationPageQuery{
			PinnedFirst: true, IncludeEmpty: q.IncludeEmpty, MarkType: q.MarkType, After: after, Limit: count + 1})
		return err
	})
	if err != nil {
		return ListPage{}, errcode.Wrapf(err, "conversation: page of the list of %s", owner)
	}
	out := ListPage{Items: items, Finished: len(items) <= count}
	if !out.Finished {
		out.Items = items[:count]
		out.NextCursor = encodeCursor(&out.Items[count-1])
	}
	return out, nil
}

// checkMarkFilter refuses a mark filter with reserved bits: no
// conversation can have them, so the caller's request is wrong.
func checkMarkFilter(m uint64) error {
	if m&ReservedMarks != 0 {
		return badParam("markType %d has reserved bits (standard 1, 2, 4, 8; custom 1<<32 to 1<<63)", m)
	}
	return nil
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
		keys = append(keys, id.Key(owner))
	}
	var found []Conversation
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
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
		return nil, errcode.Wrapf(err, "conversation: get %d conversations of %s", len(ids), owner)
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
// It is one statement in the store, but its cost grows with the number of
// conversations and unread messages: the unread count is derived from
// seqs, never a stored counter that could drift.
func (s *Service) TotalUnread(ctx context.Context, a *app.App, owner string) (int, error) {
	total := 0
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		if err := requireAccount(ctx, tx, a, owner); err != nil {
			return err
		}
		total, err = tx.ConversationUnreadTotal(ctx, a.SDKAppID, owner)
		return err
	})
	return total, errcode.Wrapf(err, "conversation: total unread of %s", owner)
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

// maxCursorSec is the largest get_list TimeStamp whose end in milliseconds
// is storable; a later one bounds nothing.
const maxCursorSec = (1<<63-1)/1000 - 1

// after reads up to limit (0: all) conversations after c, in time order,
// from the store: get_list's (seconds, index) cursor becomes "last time
// before the end of that second" plus an offset of index, so the store
// skips the rows, not this code. Only conversations within one second as
// the cursor are skipped by offset.
func after(ctx context.Context, tx Tx, a *app.App, owner string, q store.ConversationPageQuery, c cursor, limit int) (page []Conversation, next cursor, more bool, err error) {
	if c != (cursor{}) {
		q.BeforeTime = (min(c.sec, maxCursorSec) + 1) * 1000
		q.Offset = int(c.n)
	}
	if limit > 0 {
		q.Limit = limit + 1
	}
	entries, err := tx.ConversationPage(ctx, a.SDKAppID, owner, q)
	if err != nil {
		return nil, c, false, err
	}
	if limit > 0 && len(entries) > limit {
		entries, more = entries[:limit], true
	}
	if page, err = decorate(ctx, tx, a, owner, entries, false); err != nil {
		return nil, c, false, err
	}
	next = c
	if len(page) > 0 {
		last := MsgTime(&page[len(page)-1])
		next = cursor{last, 0}
		if c != (cursor{}) && last == c.sec {
			next.n = c.n // the ones the offset skipped share that second
		}
		for j := len(page) - 1; j >= 0 && MsgTime(&page[j]) == last; j-- {
			next.n++
		}
	}
	return page, next, more, nil
}

// Page returns a page of owner's list the way recentcontact/get_list pages
// it.
func (s *Service) Page(ctx context.Context, a *app.App, owner string, req PageRequest) (Page, error) {
	if req.TimeStamp < 0 || req.StartIndex < 0 || req.TopTimeStamp < 0 || req.TopStartIndex < 0 {
		return Page{}, badParam("cursors must not be negative")
	}
	base := store.ConversationPageQuery{IncludeEmpty: req.AssistFlags&AssistEmpty != 0}
	pinLimit := 0
	if req.AssistFlags&AssistPagePinned != 0 {
		pinLimit = s.pageSize()
	}
	var top, items []Conversation
	var topNext, next cursor
	var topMore, more bool
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		if err := requireAccount(ctx, tx, a, owner); err != nil {
			return err
		}
		rest := base
		if req.AssistFlags&AssistPinned != 0 {
			rest.Pins = store.PinsExcluded
			pinned := base
			pinned.Pins = store.PinsOnly
			if top, topNext, topMore, err = after(ctx, tx, a, owner, pinned, cursor{req.TopTimeStamp, req.TopStartIndex}, pinLimit); err != nil {
				return err
			}
		} else {
			topNext = cursor{req.TopTimeStamp, req.TopStartIndex}
		}
		items, next, more, err = after(ctx, tx, a, owner, rest, cursor{req.TimeStamp, req.StartIndex}, s.pageSize())
		return err
	})
	if err != nil {
		return Page{}, errcode.Wrapf(err, "conversation: page of the list of %s", owner)
	}
	return Page{
		Items:     append(append([]Conversation{}, top...), items...),
		Complete:  !topMore && !more,
		TimeStamp: next.sec, StartIndex: next.n,
		TopTimeStamp: topNext.sec, TopStartIndex: topNext.n,
	}, nil
}

// logged runs fn in a write that locks owner's account and logs the events
// fn leaves in *events; it then publishes them.
func (s *Service) logged(ctx context.Context, a *app.App, owner string, fn func(tx Tx, events *[]event.Event) error) error {
	if err := checkOwner(owner); err != nil {
		return err
	}
	var events []event.Event
	err := event.Write(ctx, s.Store, &events, func(tx Tx) error {
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
		return errcode.Wrapf(err, "conversation: change the list of %s", owner)
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

func contains(list []string, s string) bool { return slices.Contains(list, s) }

// MaxSyncPage is the most views conversation.sync returns at once.
const MaxSyncPage = 100

// SyncPage is the answer of Sync: the views of owner that changed after
// the version asked for, in version order.
type SyncPage struct {
	// Changed are views still in the list; Deleted the IDs of those taken
	// out of it since.
	Changed []Conversation
	Deleted []string
	// Version is where the next Sync starts: the last view's version, or,
	// once Finished, owner's current version.
	Version  uint64
	Finished bool
}

// Sync returns owner's conversations whose view changed after version
// (pin, draft, read cursor, deletion, a new conversation), at most limit
// (0 or more than MaxSyncPage: MaxSyncPage), so a client that knew the list
// at some version catches up without loading it whole. A message changes no
// view's version: a group's writes nothing per member, and a one-to-one
// message after the conversation's first would cost two clock and two view
// writes per message. A conversation's lastSeq is read with its view, and a
// client learns of new messages from their pushes, or from the head of the
// list (ordered by last message), or from conversation.get.
func (s *Service) Sync(ctx context.Context, a *app.App, owner string, version uint64, limit int) (SyncPage, error) {
	if limit < 0 {
		return SyncPage{}, badParam("count must not be negative (at most %d)", MaxSyncPage)
	}
	if limit == 0 || limit > MaxSyncPage {
		limit = MaxSyncPage
	}
	var out SyncPage
	err := s.Store.Read(ctx, func(tx Tx) error {
		out = SyncPage{Version: version}
		if err := requireAccount(ctx, tx, a, owner); err != nil {
			return err
		}
		// The current version first: a change committed after it has a
		// later version, so reading it before the views loses nothing.
		current, err := tx.ConversationVersion(ctx, a.SDKAppID, owner)
		if err != nil {
			return err
		}
		entries, err := tx.ConversationsChangedAfter(ctx, a.SDKAppID, owner, version, limit+1)
		if err != nil {
			return err
		}
		out.Finished = len(entries) <= limit
		if !out.Finished {
			entries = entries[:limit]
		}
		var in []store.ConversationEntry
		for _, e := range entries {
			out.Version = max(out.Version, e.Version)
			if e.InList {
				in = append(in, e)
			} else if id, ok := convid.FromKey(owner, e.ConvKey); ok {
				out.Deleted = append(out.Deleted, id.String())
			}
		}
		if out.Finished {
			out.Version = max(out.Version, current)
		}
		out.Changed, err = decorate(ctx, tx, a, owner, in, false)
		return err
	})
	return out, errcode.Wrapf(err, "conversation: sync the list of %s after version %d", owner, version)
}
