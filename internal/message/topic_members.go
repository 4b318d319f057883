package message

import (
	"context"
	"slices"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/store"
)

// A member's own settings in a topic (package group's topic_mute.go and
// topic_recvopt.go write them), applied where a topic send reads the
// group's: the mute beside the community member row's, the receive option
// beside the community's.

// checkTopicMute refuses (10017, the group mute's code) a member muted in
// topic g.ID until after now (unix s). Not a topic: nothing to check.
func checkTopicMute(ctx context.Context, tx Tx, a *app.App, g store.Group, user string, now int64) error {
	if _, ok := convid.CommunityOf(g.ID); !ok {
		return nil
	}
	set, err := tx.TopicMemberSetting(ctx, a.SDKAppID, g.ID, user)
	if err != nil {
		return err
	}
	if set.MuteUntil > now {
		return errcode.Newf(CodeMuted, "Err_Group_Member_Muted: %q is muted in topic %q until %d", user, g.ID, set.MuteUntil)
	}
	return nil
}

// notReceivingOf is the members a message to groupID leaves out of its
// push, at most MaxNotReceiving: those whose receive option for the group
// is not_receive; for a topic, those who chose it for the community (whose
// not-receive wins over any topic option) and those who chose it for the
// topic, merged in UserID order.
func notReceivingOf(ctx context.Context, tx Tx, a *app.App, groupID string) ([]string, error) {
	community, ok := convid.CommunityOf(groupID)
	if !ok {
		return tx.GroupNotReceiving(ctx, a.SDKAppID, groupID, MaxNotReceiving)
	}
	out, err := tx.GroupNotReceiving(ctx, a.SDKAppID, community, MaxNotReceiving)
	if err != nil {
		return nil, err
	}
	own, err := tx.TopicNotReceiving(ctx, a.SDKAppID, groupID, MaxNotReceiving)
	if err != nil || len(own) == 0 {
		return out, err
	}
	out = append(out, own...)
	slices.Sort(out)
	out = slices.Compact(out)
	return out[:min(len(out), MaxNotReceiving)], nil
}
