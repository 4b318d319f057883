package message

import (
	"context"
	"slices"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/store"
)

// CodeGroupBadParam is the group API's invalid parameter (10004).
const CodeGroupBadParam = 10004

// MaxTargets bounds a targeted message's receivers (send_group_msg's
// To_Account: "up to 50 message receivers").
const MaxTargets = 50

// groupExt is what a group send carries beyond the message itself, checked
// on the read side and recorded in the message's write.
type groupExt struct {
	mentions mentions
	// targets: the receivers of a targeted message (members, each once),
	// nil for a message to everyone.
	targets []string
}

// prepareGroupExt checks the send's features against the group (c) and
// sets the message's flags:
//   - a targeted message (req.Targets) only where the type allows it
//     (rules.Targeted: not Community nor AVChatRoom, 10007), at most
//     MaxTargets receivers (10004), who must be members (a non-member is
//     10004), not an @ message (10004, seed 002); it is excluded from
//     everyone's unread count;
//   - mentions (content's GroupAtInfo), recorded only for a stored message;
//   - a read receipt, only where the app enables them (receiptsEnabled)
//     and not on a targeted message;
//     otherwise the message is sent without one, as an SDK's is when the
//     console has the feature off.
func (s *Service) prepareGroupExt(ctx context.Context, tx Tx, a *app.App, c conv, req GroupSendRequest, m *store.Message) (groupExt, error) {
	var ext groupExt
	stored := c.policy.Stored && !req.OnlineOnly
	if len(req.Targets) > 0 {
		if !rules.OrWork(c.group.Type).Targeted {
			return ext, errcode.Newf(CodeNoPermission, "Err_Group_Type_Not_Support_Targeted: %s groups take no targeted messages", c.group.Type)
		}
		if len(req.Content.GroupAtInfo) > 0 {
			return ext, errcode.New(CodeGroupBadParam, "Err_Group_Targeted_At: a targeted message cannot mention members")
		}
		targets := make([]string, 0, len(req.Targets))
		for _, u := range req.Targets {
			if u != "" && u != req.From && !slices.Contains(targets, u) {
				targets = append(targets, u)
			}
		}
		if len(targets) == 0 || len(targets) > MaxTargets {
			return ext, errcode.Newf(CodeGroupBadParam, "Err_Group_Targeted_Receivers: 1 to %d receivers other than the sender", MaxTargets)
		}
		members, err := tx.GroupMembersAmong(ctx, a.SDKAppID, c.group.ID, targets)
		if err != nil {
			return ext, err
		}
		if len(members) != len(targets) {
			return ext, errcode.Newf(CodeGroupBadParam, "Err_Group_Targeted_Not_Member: every receiver must be a member of %q", c.group.ID)
		}
		ext.targets = targets
		m.Flags |= store.MessageTargeted | store.MessageExcludedFromUnread
	}
	if stored {
		var err error
		if ext.mentions, err = mentionsOf(ctx, tx, a, c, req.From, req.Content.GroupAtInfo); err != nil {
			return ext, err
		}
	}
	if req.NeedReadReceipt && stored && ext.targets == nil && receiptsEnabled(a, c.group) {
		m.Flags |= store.MessageNeedReadReceipt
	}
	return ext, nil
}

// record writes the send's mentions and receivers with message seq.
func (ext groupExt) record(ctx context.Context, tx Tx, app store.AppID, groupID string, seq uint64) error {
	if len(ext.mentions.users) > 0 || ext.mentions.all {
		if err := tx.AddGroupMentions(ctx, app, groupID, seq, ext.mentions.users, ext.mentions.all); err != nil {
			return err
		}
	}
	if len(ext.targets) > 0 {
		return tx.AddGroupMessageTargets(ctx, app, groupID, seq, ext.targets)
	}
	return nil
}

// only is who hears the message's push: nil for every member; the
// receivers and the sender's other devices for a targeted one.
func (ext groupExt) only(sender string) []string {
	if ext.targets == nil {
		return nil
	}
	return append(slices.Clip(ext.targets), sender)
}

// targetsOf is who hears a change of group message m: nil for everyone;
// a targeted message's receivers and sender.
func targetsOf(ctx context.Context, tx Tx, a *app.App, c conv, m store.Message) ([]string, error) {
	if c.id.Kind != convid.KindGroup || m.Flags&store.MessageTargeted == 0 {
		return nil, nil
	}
	targets, err := tx.GroupMessageTargets(ctx, a.SDKAppID, c.group.ID, m.Seq)
	return append(targets, m.Sender), err
}

// publishTargetedChange is publishChange of a targeted message: only its
// receivers, its sender and whoever made the change hear it.
func (s *Service) publishTargetedChange(a *app.App, kind event.Kind, m *store.Message, by string, origin any, only []string) {
	e := event.Event{App: a.SDKAppID, Kind: kind, User: m.Sender, Message: m, Origin: origin, Only: only}
	if by != m.Sender {
		e.Peers = []string{by}
		if !slices.Contains(only, by) {
			e.Only = append(only, by)
		}
	}
	s.Events.Publish(e)
}
