package profile

// The profile service's part in the delivery core: the before-set hook and
// the profile-set outbox entry appended in the write of the change.

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// beforeSet asks the hook about user's new values, outside any
// transaction; a rejection is the error returned.
func (s *Service) beforeSet(ctx context.Context, a *app.App, user string, values map[string]store.Value) error {
	if s.Hook == nil || s.Hook.Before == nil {
		return nil
	}
	return s.Hook.ProfileSet(ctx, hook.ProfileSet{App: a.SDKAppID, User: user, Items: values}).Err()
}

// outboxSet appends the profile-set entry of user's values (tags in name
// order) inside the write.
func (s *Service) outboxSet(ctx context.Context, tx store.OutboxAppender, a *app.App, user string, values map[string]store.Value) error {
	if !s.Outbox.Wants(a.SDKAppID, outbox.KindProfileSet) {
		return nil
	}
	p := outbox.ProfileSet{Operator: user, From: user, EventTime: time.Now().UnixMilli()}
	p.OptPlatform, p.ClientIP = hook.PlatformOf(ctx)
	for _, tag := range slices.Sorted(maps.Keys(values)) {
		p.Items = append(p.Items, outbox.ProfileItem{Tag: tag, Value: values[tag]})
	}
	_, err := s.Outbox.Add(ctx, tx, a.SDKAppID, outbox.KindProfileSet, "u:"+user, p)
	return err
}
