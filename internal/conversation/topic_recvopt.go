package conversation

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/store"
)

// groupRecvOptOf is owner's receive option shown with group conversation
// target: the member's option for the group, or for a topic their
// effective one (the community's not-receive wins over the topic's own
// option; store.EffectiveTopicRecvOpt). topicOpts is read once per page,
// at the first topic.
func groupRecvOptOf(ctx context.Context, tx Tx, a *app.App, owner, target string, groupOpts map[string]int, topicOpts *map[string]int) (int, error) {
	community, ok := convid.CommunityOf(target)
	if !ok {
		return groupOpts[target], nil
	}
	if *topicOpts == nil {
		opts, err := tx.TopicRecvOpts(ctx, a.SDKAppID, owner)
		if err != nil {
			return 0, err
		}
		*topicOpts = opts
	}
	return store.EffectiveTopicRecvOpt(groupOpts[community], (*topicOpts)[target]), nil
}
