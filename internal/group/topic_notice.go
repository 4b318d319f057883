package group

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
)

// noticeAudience is the group whose members hear a system notice to
// groupID, and whose subject carries it: groupID itself, or for a topic
// (send_group_system_notification with TopicId) its community, the notice
// naming the topic as its group. The group (or the topic of its
// community) must exist.
func noticeAudience(ctx context.Context, tx Tx, a *app.App, groupID string) (string, error) {
	admin := Actor{AppAdmin: true}
	if community, ok := convid.CommunityOf(groupID); ok {
		_, err := loadTopic(ctx, tx, a, community, groupID, admin, false)
		return community, err
	}
	_, err := load(ctx, tx, a, groupID, admin, false, false)
	return groupID, err
}
