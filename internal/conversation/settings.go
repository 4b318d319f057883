package conversation

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/store"
)

// c2cOnly parses a conversation ID that must name a one-to-one
// conversation (the only kind with a list entry so far).
func c2cOnly(raw string) (ID, error) {
	id, err := ParseID(raw)
	if err != nil {
		return ID{}, err
	}
	if id.Type != TypeC2C {
		return ID{}, noGroup(id)
	}
	return id, nil
}

// entry returns owner's list entry for key, if the conversation is in the
// list.
func entry(ctx context.Context, tx store.Tx, a *app.App, owner, key string) (store.ConversationEntry, bool, error) {
	es, err := tx.ConversationEntries(ctx, a.SDKAppID, owner, []string{key})
	if err != nil || len(es) == 0 {
		return store.ConversationEntry{}, false, err
	}
	return es[0], true, nil
}

// show puts the conversation into owner's list. A conversation that has no
// view yet may only be started with an existing user.
func show(ctx context.Context, tx store.Tx, a *app.App, owner string, id ID, key string) error {
	if _, ok, err := entry(ctx, tx, a, owner, key); err != nil || ok {
		return err
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
	id, err := c2cOnly(rawID)
	if err != nil {
		return err
	}
	key := message.ConvKey(owner, id.Target)
	return s.logged(ctx, a, owner, func(tx store.Tx, events *[]event.Event) error {
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
			if err := show(ctx, tx, a, owner, id, key); err != nil {
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
	id, err := c2cOnly(rawID)
	if err != nil {
		return err
	}
	if len(text) > MaxDraftBytes {
		return badParam("draft: at most %d bytes", MaxDraftBytes)
	}
	key := message.ConvKey(owner, id.Target)
	return s.logged(ctx, a, owner, func(tx store.Tx, events *[]event.Event) error {
		e, ok, err := entry(ctx, tx, a, owner, key)
		if err != nil {
			return err
		}
		if text == "" && (!ok || e.Draft == "") {
			return nil
		}
		if text != "" {
			if err := show(ctx, tx, a, owner, id, key); err != nil {
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
// theirs). Group conversations, which Parley does not have, answer 51007.
// Deleting a conversation that is not in the list succeeds.
func (s *Service) Delete(ctx context.Context, a *app.App, owner string, rawIDs []string, clearHistory bool) ([]Result, error) {
	if len(rawIDs) == 0 || len(rawIDs) > MaxBatch {
		return nil, badParam("1 to %d conversation IDs", MaxBatch)
	}
	results := make([]Result, len(rawIDs))
	keys := make([]string, len(rawIDs))
	for i, raw := range rawIDs {
		results[i].ID = raw
		id, err := c2cOnly(raw)
		if err != nil {
			results[i].Err = errcode.As(err, errcode.RecentContactInternal)
			continue
		}
		keys[i] = message.ConvKey(owner, id.Target)
	}
	err := s.logged(ctx, a, owner, func(tx store.Tx, events *[]event.Event) error {
		var gone []string
		for i, key := range keys {
			if key == "" {
				continue
			}
			was, err := tx.DeleteConversation(ctx, a.SDKAppID, owner, key, clearHistory)
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
