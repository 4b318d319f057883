package group

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/store"
)

// Receive options per topic (seed-inventory §8.7 "receive opt per topic";
// setGroupReceiveMessageOpt: "Topic: pass topicID as groupID; ignored if
// community set to DISCARD"). SetRecvOpt and RecvOpts route a topic ID
// here. A member's option for a topic is their own (the default is
// receive, whatever the community's option), except that the community's
// not-receive wins over it: a member who discards the community gets none
// of its topics' messages. The message core applies the same rule to a
// topic send's push (message.notReceivingOf).

// setTopicRecvOpt is SetRecvOpt for topicID of communityID, opt and the
// actor's right already checked. User's devices hear conversation.changed
// for the topic's conversation, logged.
func (s *Service) setTopicRecvOpt(ctx context.Context, a *app.App, actor Actor, communityID, topicID, user string, opt int) error {
	var events []event.Event
	err := s.write(ctx, &events, func(tx Tx) error {
		if _, err := loadTopic(ctx, tx, a, communityID, topicID, actor, true); err != nil {
			return err
		}
		if _, ok, err := tx.GroupMember(ctx, a.SDKAppID, communityID, user); err != nil || !ok {
			if err != nil {
				return err
			}
			return newErr(CodeNoPermission, "Err_Group_Not_Member: %q is not a member of %q", user, communityID)
		}
		cur, err := tx.TopicMemberSetting(ctx, a.SDKAppID, topicID, user)
		if err != nil || cur.RecvOpt == opt {
			return err
		}
		if err := tx.SetTopicRecvOpt(ctx, a.SDKAppID, communityID, topicID, user, opt); err != nil {
			return err
		}
		events = append(events, event.Event{App: a.SDKAppID, Kind: event.ConversationChanged, User: user,
			Peers: []string{convid.Group(topicID).String()}, Origin: actor.Origin})
		return nil
	})
	return wrap(err, "set the receive option of %s in topic %s", user, topicID)
}

// topicRecvOpt is user's effective receive option for topicID of
// communityID (RecvOptReceive for a user who is not a member).
func topicRecvOpt(ctx context.Context, tx Tx, a *app.App, communityID, topicID, user string) (int, error) {
	m, ok, err := tx.GroupMember(ctx, a.SDKAppID, communityID, user)
	if err != nil || !ok {
		return store.RecvOptReceive, err
	}
	set, err := tx.TopicMemberSetting(ctx, a.SDKAppID, topicID, user)
	return store.EffectiveTopicRecvOpt(m.MsgFlag, set.RecvOpt), err
}

// selfSettings is a member's own settings across a community's topics,
// for their TopicInfo.
type selfSettings struct {
	communityOpt int
	topics       map[string]store.TopicMemberSetting
}

// readSelfSettings reads user's settings in communityID's topics in one
// statement, with their community option; none for the app's admin ("")
// or a non-member.
func readSelfSettings(ctx context.Context, tx Tx, a *app.App, communityID, user string) (selfSettings, error) {
	if user == "" {
		return selfSettings{}, nil
	}
	m, ok, err := tx.GroupMember(ctx, a.SDKAppID, communityID, user)
	if err != nil || !ok {
		return selfSettings{}, err
	}
	topics, err := tx.TopicMemberSettings(ctx, a.SDKAppID, user, communityID)
	return selfSettings{communityOpt: m.MsgFlag, topics: topics}, err
}

// apply fills info's SelfMuteUntil (a mute still running at now) and
// RecvOpt.
func (ss selfSettings) apply(info *TopicInfo, now int64) {
	set := ss.topics[info.TopicID]
	if set.MuteUntil > now {
		info.SelfMuteUntil = set.MuteUntil
	}
	info.RecvOpt = store.EffectiveTopicRecvOpt(ss.communityOpt, set.RecvOpt)
}
