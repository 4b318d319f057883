package group

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/store"
)

// Member mutes in one topic (seed-inventory §8.7: "Topic-level mute member
// via setGroupMemberMuteTime(groupID=topicID)"). Both doors pass the topic
// ID where a group ID goes, and Mute and Muted route it here: the rule is
// the community's member mute (the type's Mute rule: the owner mutes
// admins and members, an admin common members, the app's admin anyone;
// 0 unmutes; the same time bounds), scoped to the topic. A member muted in
// a topic is refused there with the group mute's code (10017, checked by
// the message core) and still speaks in the community's other topics.

// MaxMutedInTopic bounds the muted list one call returns for a topic.
const MaxMutedInTopic = 10_000

// loadTopic is loadCommunity for an operation on topicID of communityID,
// which must exist (10010 otherwise).
func loadTopic(ctx context.Context, tx Tx, a *app.App, communityID, topicID string, actor Actor, lock bool) (state, error) {
	st, err := loadCommunity(ctx, tx, a, communityID, actor, lock, false)
	if err != nil {
		return st, err
	}
	topics, err := tx.Topics(ctx, a.SDKAppID, communityID, []string{topicID})
	if err != nil {
		return st, err
	}
	if len(topics) == 0 {
		return st, newErr(CodeNoSuchGroup, "Err_Topic_Not_Exist: %q is not a topic of %q", topicID, communityID)
	}
	return st, nil
}

// muteInTopic is Mute for topicID of communityID, users and seconds
// already checked. Members of the community hear member_changed with the
// topic ID as the group, as they hear a group member-mute.
func (s *Service) muteInTopic(ctx context.Context, a *app.App, actor Actor, communityID, topicID string, users []string, seconds int64) error {
	var changed []PushMember
	var events []event.Event
	err := s.write(ctx, &events, func(tx Tx) error {
		changed = changed[:0]
		st, err := loadTopic(ctx, tx, a, communityID, topicID, actor, true)
		if err != nil {
			return err
		}
		targets, err := tx.GroupMembersAmong(ctx, a.SDKAppID, communityID, users)
		if err != nil {
			return err
		}
		for _, m := range targets {
			if err := st.permit(st.r.Mute, actor, m.Role, "muting "+m.User); err != nil {
				return err
			}
		}
		until := muteUntil(s.now().Unix(), seconds)
		for _, m := range targets {
			if err := tx.SetTopicMute(ctx, a.SDKAppID, communityID, topicID, m.User, until); err != nil {
				return err
			}
			changed = append(changed, PushMember{UserID: m.User, MuteUntil: &until})
		}
		return nil
	})
	if err != nil {
		return wrap(err, "mute in topic %s", topicID)
	}
	if len(changed) > 0 {
		s.push(a, communityID, PushMemberChanged, PushMembers{GroupID: topicID, Operator: actor.User, Members: changed}, actor.Origin)
	}
	return nil
}

// mutedInTopic is Muted for topicID of communityID: the members muted
// there now (at most MaxMutedInTopic), with User and MuteUntil set; a
// member's read, or the app's admin's.
func (s *Service) mutedInTopic(ctx context.Context, a *app.App, actor Actor, communityID, topicID string) ([]store.GroupMember, error) {
	var out []store.GroupMember
	err := s.Store.Read(ctx, func(tx Tx) error {
		out = nil
		if _, err := loadTopic(ctx, tx, a, communityID, topicID, actor, false); err != nil {
			return err
		}
		muted, err := tx.MutedTopicMembers(ctx, a.SDKAppID, topicID, s.now().Unix(), MaxMutedInTopic)
		for _, m := range muted {
			out = append(out, store.GroupMember{App: a.SDKAppID, GroupID: topicID, User: m.User, MuteUntil: m.MuteUntil})
		}
		return err
	})
	return out, wrap(err, "muted of topic %s", topicID)
}
