package conversation

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/store"
)

// entry returns owner's list entry for key, if the conversation is in the
// list.
func entry(ctx context.Context, tx Tx, a *app.App, owner, key string) (store.ConversationEntry, bool, error) {
	es, err := tx.ConversationEntries(ctx, a.SDKAppID, owner, []string{key})
	if err != nil || len(es) == 0 {
		return store.ConversationEntry{}, false, err
	}
	return es[0], true, nil
}

// member checks that owner has a view of a group conversation: they are a
// member of the group. Any other group ID does not resolve (51007).
func member(ctx context.Context, tx Tx, a *app.App, owner string, id ID) error {
	if id.Kind != convid.KindGroup {
		return nil
	}
	_, ok, err := tx.Conversation(ctx, a.SDKAppID, owner, id.Key(owner))
	if err != nil {
		return err
	}
	if !ok {
		return noGroup(id)
	}
	return nil
}

// show puts the conversation into owner's list. A one-to-one conversation
// that has no view yet may only be started with an existing user; a group
// conversation needs owner's membership.
func show(ctx context.Context, tx Tx, a *app.App, owner string, id ID) error {
	key := id.Key(owner)
	if _, ok, err := entry(ctx, tx, a, owner, key); err != nil || ok {
		return err
	}
	if id.Kind == convid.KindGroup {
		if err := member(ctx, tx, a, owner, id); err != nil {
			return err
		}
		return tx.ShowConversation(ctx, a.SDKAppID, owner, key, "")
	}
	exists, err := tx.AccountExists(ctx, a.SDKAppID, id.Target)
	if err != nil {
		return err
	}
	if !exists {
		return errcode.Newf(errcode.RecentContactNoAccount, "Err_Conversation_Peer_Not_Exist: %q", id.Target)
	}
	return tx.ShowConversation(ctx, a.SDKAppID, owner, key, id.Target)
}

// Pin pins or unpins a conversation, synced to owner's devices. Pinning a
// conversation that is not in the list (deleted, or before any message) puts
// it there.
func (s *Service) Pin(ctx context.Context, a *app.App, owner, rawID string, pinned bool) error {
	id, err := ParseID(rawID)
	if err != nil {
		return err
	}
	key := id.Key(owner)
	return s.logged(ctx, a, owner, func(tx Tx, events *[]event.Event) error {
		if err := member(ctx, tx, a, owner, id); err != nil {
			return err
		}
		e, ok, err := entry(ctx, tx, a, owner, key)
		if err != nil {
			return err
		}
		if ok && (e.PinnedAt > 0) == pinned {
			return nil
		}
		if !pinned {
			if !ok {
				return nil
			}
			if err := tx.SetConversationPin(ctx, a.SDKAppID, owner, key, 0); err != nil {
				return err
			}
		} else {
			if err := show(ctx, tx, a, owner, id); err != nil {
				return err
			}
			if err := tx.SetConversationPin(ctx, a.SDKAppID, owner, key, s.now().UnixMilli()); err != nil {
				return err
			}
		}
		*events = changed(a, owner, event.ConversationChanged, []string{id.String()})
		return nil
	})
}

// SetDraft stores owner's draft of a conversation ("" clears it), synced to
// owner's devices.
func (s *Service) SetDraft(ctx context.Context, a *app.App, owner, rawID, text string) error {
	id, err := ParseID(rawID)
	if err != nil {
		return err
	}
	if len(text) > MaxDraftBytes {
		return badParam("draft: at most %d bytes", MaxDraftBytes)
	}
	key := id.Key(owner)
	return s.logged(ctx, a, owner, func(tx Tx, events *[]event.Event) error {
		if err := member(ctx, tx, a, owner, id); err != nil {
			return err
		}
		e, ok, err := entry(ctx, tx, a, owner, key)
		if err != nil {
			return err
		}
		if text == "" && (!ok || e.Draft == "") {
			return nil
		}
		if text != "" {
			if err := show(ctx, tx, a, owner, id); err != nil {
				return err
			}
		}
		if err := tx.SetConversationDraft(ctx, a.SDKAppID, owner, key, text, s.now().UnixMilli()); err != nil {
			return err
		}
		*events = changed(a, owner, event.ConversationChanged, []string{id.String()})
		return nil
	})
}

// Delete takes conversations out of owner's list: unpinned, draft and unread
// gone, until a newer message brings one back. With clearHistory their
// messages so far are also gone from owner's history (the peer keeps
// theirs). A group conversation needs owner's membership (51007 for any
// other group ID); the membership itself stays. Deleting a conversation
// that is not in the list succeeds.
func (s *Service) Delete(ctx context.Context, a *app.App, owner string, rawIDs []string, clearHistory bool) ([]Result, error) {
	if len(rawIDs) == 0 || len(rawIDs) > MaxBatch {
		return nil, badParam("1 to %d conversation IDs", MaxBatch)
	}
	results := make([]Result, len(rawIDs))
	ids := make([]ID, len(rawIDs))
	for i, raw := range rawIDs {
		results[i].ID = raw
		id, err := ParseID(raw)
		if err != nil {
			results[i].Err = errcode.As(err, errcode.RecentContactInternal)
			continue
		}
		ids[i] = id
	}
	err := s.logged(ctx, a, owner, func(tx Tx, events *[]event.Event) error {
		var gone []string
		for i, id := range ids {
			if id.IsZero() {
				continue
			}
			results[i].Err = nil
			if err := member(ctx, tx, a, owner, id); err != nil {
				results[i].Err = errcode.As(err, errcode.RecentContactInternal)
				continue
			}
			was, err := tx.DeleteConversation(ctx, a.SDKAppID, owner, id.Key(owner), clearHistory)
			if err != nil {
				return err
			}
			if was && !contains(gone, rawIDs[i]) {
				gone = append(gone, rawIDs[i])
			}
		}
		*events = changed(a, owner, event.ConversationDeleted, gone)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}
