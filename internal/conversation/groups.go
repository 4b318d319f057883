package conversation

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/store"
)

// Group is a conversation group after a change.
type Group struct {
	ID   int64
	Name string
}

// GroupOp adds a conversation to a group or removes it.
type GroupOp struct {
	ID  string
	Add bool
	// Err, when set by the caller, refuses the op (a malformed request item
	// keeps its place in the results).
	Err *errcode.Error
}

func checkGroupName(name string) error {
	// Seed 002: a name must be 1 to 32 bytes, "otherwise, the 51011 error
	// will be reported" — empty included.
	if name == "" || len(name) > MaxGroupNameBytes {
		return errcode.Newf(errcode.RecentContactGroupNameLength, "Err_Conversation_Group_Name_Invalid: 1 to %d bytes", MaxGroupNameBytes)
	}
	return nil
}

func noSuchGroup(name string) error {
	return errcode.Newf(errcode.RecentContactNoSuchGroup, "Err_Conversation_Group_Not_Exist: %q", name)
}

func findGroup(groups []store.ConversationGroup, name string) (store.ConversationGroup, bool) {
	for _, g := range groups {
		if g.Name == name {
			return g, true
		}
	}
	return store.ConversationGroup{}, false
}

// Groups returns owner's conversation groups with their conversations.
func (s *Service) Groups(ctx context.Context, a *app.App, owner string) ([]store.ConversationGroup, error) {
	var out []store.ConversationGroup
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		if err := requireAccount(ctx, tx, a, owner); err != nil {
			return err
		}
		out, err = tx.ConversationGroups(ctx, a.SDKAppID, owner)
		return err
	})
	return out, errcode.Wrapf(err, "conversation: groups of %s", owner)
}

// CreateGroup creates a conversation group holding conversations (at least
// one): at most 20 groups (51010), names of 1 to 32 bytes (51011). Each
// conversation is answered on its own.
func (s *Service) CreateGroup(ctx context.Context, a *app.App, owner, name string, rawIDs []string) (Group, []Result, error) {
	if err := checkGroupName(name); err != nil {
		return Group{}, nil, err
	}
	if len(rawIDs) == 0 || len(rawIDs) > MaxMarkedConversations {
		return Group{}, nil, badParam("a new conversation group needs 1 to %d conversations", MaxMarkedConversations)
	}
	ops := make([]GroupOp, len(rawIDs))
	for i, id := range rawIDs {
		ops[i] = GroupOp{ID: id, Add: true}
	}
	var g Group
	var results []Result
	err := s.logged(ctx, a, owner, func(tx Tx, events *[]event.Event) error {
		groups, err := tx.ConversationGroups(ctx, a.SDKAppID, owner)
		if err != nil {
			return err
		}
		if _, ok := findGroup(groups, name); ok {
			return badParam("the conversation group %q already exists", name)
		}
		if len(groups) >= MaxGroups {
			return errcode.Newf(errcode.RecentContactTooManyGroups, "Err_Conversation_Group_Too_Many: at most %d", MaxGroups)
		}
		id, err := tx.CreateConversationGroup(ctx, a.SDKAppID, owner, name, s.now().Unix())
		if err != nil {
			return err
		}
		g = Group{ID: id, Name: name}
		var touched []string
		if results, touched, err = s.apply(ctx, tx, a, owner, id, ops); err != nil {
			return err
		}
		*events = append(changed(a, owner, event.ConversationGroupChanged, []string{name}),
			changed(a, owner, event.ConversationChanged, touched)...)
		return nil
	})
	return g, results, err
}

// UpdateGroup renames the group name (when newName is set and differs) and
// adds or removes conversations, in one change. A group that does not exist
// is 51009.
func (s *Service) UpdateGroup(ctx context.Context, a *app.App, owner, name, newName string, ops []GroupOp) (Group, []Result, error) {
	if name == "" {
		return Group{}, nil, badParam("the conversation group name is empty")
	}
	if newName != "" && newName != name {
		if err := checkGroupName(newName); err != nil {
			return Group{}, nil, err
		}
	}
	if len(ops) > MaxMarkedConversations {
		return Group{}, nil, badParam("at most %d conversations at once", MaxMarkedConversations)
	}
	var g Group
	var results []Result
	err := s.logged(ctx, a, owner, func(tx Tx, events *[]event.Event) error {
		*events = nil
		groups, err := tx.ConversationGroups(ctx, a.SDKAppID, owner)
		if err != nil {
			return err
		}
		cur, ok := findGroup(groups, name)
		if !ok {
			return noSuchGroup(name)
		}
		g = Group{ID: cur.ID, Name: name}
		var names []string
		if newName != "" && newName != name {
			if _, taken := findGroup(groups, newName); taken {
				return badParam("the conversation group %q already exists", newName)
			}
			if err := tx.RenameConversationGroup(ctx, a.SDKAppID, owner, cur.ID, newName); err != nil {
				return err
			}
			g.Name, names = newName, []string{name, newName}
		}
		var touched []string
		if results, touched, err = s.apply(ctx, tx, a, owner, cur.ID, ops); err != nil {
			return err
		}
		if len(touched) > 0 && names == nil {
			names = []string{name}
		}
		// A rename changes the group list of every member conversation.
		if len(names) == 2 {
			for _, m := range cur.Members {
				if !contains(touched, m) {
					touched = append(touched, m)
				}
			}
		}
		*events = append(changed(a, owner, event.ConversationGroupChanged, names),
			changed(a, owner, event.ConversationChanged, touched)...)
		return nil
	})
	return g, results, err
}

// DeleteGroups deletes conversation groups; if any does not exist nothing
// is deleted (51009). The conversations stay, with their marks.
func (s *Service) DeleteGroups(ctx context.Context, a *app.App, owner string, names []string) ([]Group, error) {
	if len(names) == 0 || len(names) > MaxGroups {
		return nil, badParam("GroupName: 1 to %d conversation groups", MaxGroups)
	}
	var out []Group
	err := s.logged(ctx, a, owner, func(tx Tx, events *[]event.Event) error {
		out = nil
		groups, err := tx.ConversationGroups(ctx, a.SDKAppID, owner)
		if err != nil {
			return err
		}
		var gone []store.ConversationGroup
		for _, name := range names {
			g, ok := findGroup(groups, name)
			if !ok {
				return noSuchGroup(name)
			}
			if !containsGroup(gone, g.ID) {
				gone = append(gone, g)
			}
		}
		now := s.now().Unix()
		var deleted, touched []string
		for _, g := range gone {
			if err := tx.DeleteConversationGroup(ctx, a.SDKAppID, owner, g.ID, now); err != nil {
				return err
			}
			out = append(out, Group{ID: g.ID, Name: g.Name})
			deleted = append(deleted, g.Name)
			for _, m := range g.Members {
				if !contains(touched, m) {
					touched = append(touched, m)
				}
			}
		}
		*events = append(changed(a, owner, event.ConversationGroupChanged, deleted),
			changed(a, owner, event.ConversationChanged, touched)...)
		return nil
	})
	return out, err
}

func containsGroup(gs []store.ConversationGroup, id int64) bool {
	for _, g := range gs {
		if g.ID == id {
			return true
		}
	}
	return false
}

// apply runs group membership changes inside a write and returns a result
// per op and the conversations whose groups changed. A conversation that
// enters the group/mark data counts against its 1000 (51008).
func (s *Service) apply(ctx context.Context, tx Tx, a *app.App, owner string, group int64, ops []GroupOp) ([]Result, []string, error) {
	results := make([]Result, len(ops))
	var ids []string
	for i, op := range ops {
		results[i].ID = op.ID
		var e *errcode.Error
		var id string
		var err error
		if op.Err != nil {
			e = op.Err
		} else if id, e, err = checkItemID(ctx, tx, a, owner, op.ID); err != nil {
			return nil, nil, err
		}
		if e != nil {
			results[i].Err = e
			continue
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return results, nil, nil
	}
	existing, err := tx.ConversationMarks(ctx, a.SDKAppID, owner, ids)
	if err != nil {
		return nil, nil, err
	}
	type state struct {
		store.ConversationMark
		had bool
	}
	states := map[string]*state{}
	for _, m := range existing {
		states[m.ConvID] = &state{ConversationMark: m, had: true}
	}
	count, err := tx.CountConversationMarks(ctx, a.SDKAppID, owner)
	if err != nil {
		return nil, nil, err
	}
	now := s.now().Unix()
	var touched []string
	for i, op := range ops {
		if results[i].Err != nil {
			continue
		}
		st := states[op.ID]
		if st == nil {
			st = &state{}
			states[op.ID] = st
		}
		member := containsID(st.Groups, group)
		switch {
		case op.Add && member, !op.Add && !member:
			continue
		case op.Add:
			if !st.had && count >= MaxMarkedConversations {
				results[i].Err = errcode.Newf(errcode.RecentContactTooManyMarked,
					"Err_Conversation_Group_Too_Many_Conversations: at most %d conversations are grouped or marked", MaxMarkedConversations)
				continue
			}
			if err := tx.AddToConversationGroup(ctx, a.SDKAppID, owner, group, []string{op.ID}, now); err != nil {
				return nil, nil, err
			}
			if !st.had {
				st.had = true
				count++
			}
			st.Groups = append(st.Groups, group)
		default:
			if err := tx.RemoveFromConversationGroup(ctx, a.SDKAppID, owner, group, []string{op.ID}, now); err != nil {
				return nil, nil, err
			}
			st.Groups = removeID(st.Groups, group)
			if len(st.Groups) == 0 && st.Marks == 0 && st.CustomMark == "" {
				st.had = false
				count--
			}
		}
		if !contains(touched, op.ID) {
			touched = append(touched, op.ID)
		}
	}
	return results, touched, nil
}

func containsID(ids []int64, id int64) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

func removeID(ids []int64, id int64) []int64 {
	out := ids[:0:0]
	for _, v := range ids {
		if v != id {
			out = append(out, v)
		}
	}
	return out
}
