package hook

import (
	"context"

	"github.com/parleyim/parley/internal/store"
)

// TopicCreate is a topic about to be created in a community
// (Group.CallbackBeforeCreateTopic).
type TopicCreate struct {
	App      store.AppID
	GroupID  string // the community
	TopicID  string // "" when the server assigns it
	Operator string
	Name     string
}

// TopicBefore is the topic part of the hook point, optional: a Before that
// does not implement it allows every topic creation.
type TopicBefore interface {
	BeforeCreateTopic(ctx context.Context, t TopicCreate) (Verdict, error)
}

func (r *Runner) topic() TopicBefore {
	if r == nil || r.Before == nil {
		return nil
	}
	t, _ := r.Before.(TopicBefore)
	return t
}

// HasTopic reports whether the runner asks topic hooks at all.
func (r *Runner) HasTopic() bool { return r.topic() != nil }

// CreateTopic asks about a topic creation, under the runner's timeout and
// policy like every before-hook; a rejection is 10016 or the app's code.
func (r *Runner) CreateTopic(ctx context.Context, t TopicCreate) Verdict {
	b := r.topic()
	if b == nil {
		return AllowVerdict
	}
	return call(r, ctx, "BeforeCreateTopic", func(c context.Context) (Verdict, error) { return b.BeforeCreateTopic(c, t) })
}
