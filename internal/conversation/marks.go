package conversation

import (
	"context"
	"errors"
	"strings"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/store"
)

// MarkItem changes the marks of one conversation: Clear's bits are cleared,
// then Set's set; with SetCustom the custom mark is replaced by Custom.
type MarkItem struct {
	ID         string
	Set, Clear uint64
	SetCustom  bool
	Custom     string
	// ClientMarks applies the client SDK's rule on mark values (seed 002:
	// custom marks are 1<<n with 32 ≤ n < 64, besides the four standard
	// ones): the reserved bits 1<<4 to 1<<31 are refused (50002). REST
	// mark_contact numbers marks 1 to 64 and Tencent's own samples set
	// marks 5 to 8 there, so it does not set this.
	ClientMarks bool
	// Err, when set by the caller, refuses the item (a malformed request
	// item keeps its place in the results).
	Err *errcode.Error
}

// MarkBits returns the mark bits of the REST API's 1-based mark numbers
// (1 star, 2 unread, 3 fold, 4 hide, 33-64 the app's own).
func MarkBits(numbers []int) (uint64, error) {
	var bits uint64
	for _, n := range numbers {
		if n < 1 || n > 64 {
			return 0, badParam("mark %d: marks are numbered 1 to 64", n)
		}
		bits |= 1 << (n - 1)
	}
	return bits, nil
}

// MarkString renders marks as the REST API's StandardMark bit string: the
// character at index n-1 is mark n, up to the highest mark set ("0" when
// none is).
func MarkString(marks uint64) string {
	if marks == 0 {
		return "0"
	}
	var b strings.Builder
	for n := 0; n < 64 && marks>>n != 0; n++ {
		b.WriteByte('0' + byte(marks>>n&1))
	}
	return b.String()
}

// MarkList splits marks into single-bit values (V2TIMConversation.markList).
func MarkList(marks uint64) []uint64 {
	out := []uint64{}
	for n := 0; n < 64; n++ {
		if marks&(1<<n) != 0 {
			out = append(out, 1<<n)
		}
	}
	return out
}

// checkItemID validates a conversation of the group/mark data. A group
// conversation is owner's only while they are a member of the group
// (51007 otherwise), as for pins and drafts; a one-to-one conversation
// need not exist.
func checkItemID(ctx context.Context, tx Tx, a *app.App, owner, raw string) (string, *errcode.Error, error) {
	id, err := ParseID(raw)
	if err != nil {
		return "", errcode.As(err, errcode.RecentContactInternal), nil
	}
	if err := member(ctx, tx, a, owner, id); err != nil {
		if e := (*errcode.Error)(nil); errors.As(err, &e) {
			return "", e, nil
		}
		return "", nil, err
	}
	return id.String(), nil, nil
}

// Mark changes the marks of up to 100 conversations. Marks are kept apart
// from the list: a conversation need not be in it. Each is answered on its
// own; the marked set of a user holds at most 1000 conversations (51008).
func (s *Service) Mark(ctx context.Context, a *app.App, owner string, items []MarkItem) ([]Result, error) {
	if len(items) == 0 || len(items) > MaxMarkBatch {
		return nil, errcode.Newf(errcode.RecentContactMarkCount, "Err_Conversation_Mark_Count: 1 to %d conversations", MaxMarkBatch)
	}
	var results []Result
	err := s.logged(ctx, a, owner, func(tx Tx, events *[]event.Event) error {
		results = make([]Result, len(items))
		now := s.now().Unix()
		var ids []string
		for i, it := range items {
			results[i].ID = it.ID
			if it.Err != nil {
				results[i].Err = it.Err
				continue
			}
			id, e, err := checkItemID(ctx, tx, a, owner, it.ID)
			if err != nil {
				return err
			}
			if e == nil && it.ClientMarks && (it.Set|it.Clear)&ReservedMarks != 0 {
				e = badParam("marks %d: bits 1<<4 to 1<<31 (REST marks 5 to 32) are reserved; standard 1, 2, 4, 8, custom 1<<32 to 1<<63",
					(it.Set|it.Clear)&ReservedMarks)
			}
			if e == nil && it.SetCustom && len(it.Custom) > MaxCustomMarkBytes {
				e = badParam("CustomMark: at most %d bytes", MaxCustomMarkBytes)
			}
			if e != nil {
				results[i].Err = e
				continue
			}
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			return nil
		}
		existing, err := tx.ConversationMarks(ctx, a.SDKAppID, owner, ids)
		if err != nil {
			return err
		}
		current := map[string]store.ConversationMark{}
		for _, m := range existing {
			current[m.ConvID] = m
		}
		count, err := tx.CountConversationMarks(ctx, a.SDKAppID, owner)
		if err != nil {
			return err
		}
		var touched []string
		for i, it := range items {
			if results[i].Err != nil {
				continue
			}
			m, had := current[it.ID]
			if !had {
				m = store.ConversationMark{App: a.SDKAppID, Owner: owner, ConvID: it.ID}
			}
			next := m
			next.Marks = m.Marks&^it.Clear | it.Set
			if it.SetCustom {
				next.CustomMark = it.Custom
			}
			if next.Marks == m.Marks && next.CustomMark == m.CustomMark {
				continue
			}
			kept := next.Marks != 0 || next.CustomMark != "" || len(next.Groups) > 0
			if !had && kept && count >= MaxMarkedConversations {
				results[i].Err = errcode.Newf(errcode.RecentContactTooManyMarked,
					"Err_Conversation_Mark_Too_Many: at most %d conversations are marked or grouped", MaxMarkedConversations)
				continue
			}
			next.UpdatedAt = now
			if err := tx.PutConversationMark(ctx, next); err != nil {
				return err
			}
			switch {
			case !had && kept:
				count++
			case had && !kept:
				count--
			}
			if kept {
				current[it.ID] = next
			} else {
				delete(current, it.ID)
			}
			if !contains(touched, it.ID) {
				touched = append(touched, it.ID)
			}
		}
		*events = changed(a, owner, event.ConversationChanged, touched)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// MarkData is a user's group/mark data: marked or grouped conversations
// and the groups.
type MarkData struct {
	Marks  []store.ConversationMark
	Groups []store.ConversationGroup
	// Next is the start of the next page; Complete when there is none.
	Next     int
	Complete bool
}

// MarkData pages owner's group/mark data (get_contact_group) from start.
func (s *Service) MarkData(ctx context.Context, a *app.App, owner string, start int) (MarkData, error) {
	if start < 0 {
		return MarkData{}, badParam("StartIndex must not be negative")
	}
	var d MarkData
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		if err := requireAccount(ctx, tx, a, owner); err != nil {
			return err
		}
		if d.Marks, err = tx.ConversationMarks(ctx, a.SDKAppID, owner, nil); err != nil {
			return err
		}
		d.Groups, err = tx.ConversationGroups(ctx, a.SDKAppID, owner)
		return err
	})
	if err != nil {
		return MarkData{}, errcode.Wrapf(err, "conversation: marks of %s", owner)
	}
	total := len(d.Marks)
	if start >= total {
		d.Marks, d.Complete = nil, true
		return d, nil
	}
	end := min(total, start+s.pageSize())
	d.Marks, d.Complete = d.Marks[start:end], end == total
	if !d.Complete {
		d.Next = end
	}
	return d, nil
}

// SearchMarks returns the group/mark data of up to 300 conversations
// (search_contact_group), one-to-one and group ones alike; conversations
// without any are left out.
func (s *Service) SearchMarks(ctx context.Context, a *app.App, owner string, rawIDs []string) (MarkData, error) {
	if len(rawIDs) == 0 || len(rawIDs) > MaxSearch {
		return MarkData{}, badParam("ContactItem: 1 to %d conversations", MaxSearch)
	}
	var ids []string
	for _, raw := range rawIDs {
		id, err := ParseID(raw)
		if err != nil {
			return MarkData{}, err
		}
		ids = append(ids, id.String())
	}
	d := MarkData{Complete: true}
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		if err := requireAccount(ctx, tx, a, owner); err != nil {
			return err
		}
		if len(ids) > 0 {
			if d.Marks, err = tx.ConversationMarks(ctx, a.SDKAppID, owner, ids); err != nil {
				return err
			}
		}
		d.Groups, err = tx.ConversationGroups(ctx, a.SDKAppID, owner)
		return err
	})
	return d, errcode.Wrapf(err, "conversation: search the marks of %s", owner)
}
