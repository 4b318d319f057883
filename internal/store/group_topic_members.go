package store

import "context"

// TopicMemberSetting is a community member's own setting in one topic: a
// mute in that topic only and a receive option for it. The zero value is
// "not muted, receive": what a member without a row has.
type TopicMemberSetting struct {
	User string
	// MuteUntil (unix s) is when the member's mute in the topic ends; a
	// time in the past is no mute.
	MuteUntil int64
	// RecvOpt is the member's receive option for the topic (RecvOpt*).
	RecvOpt int
}

// GroupTopicMembers is the members' settings in topics (migration 0023).
// The topic's and the member's existence are the caller's to check; rows
// go with their topic (DeleteTopic), their community
// (DeleteCommunityTopics) and the member's leaving the community.
type GroupTopicMembers interface {
	// SetTopicMute sets user's mute in topicID of communityID to end at
	// muteUntil (unix s; 0 lifts it), keeping their receive option.
	SetTopicMute(ctx context.Context, app AppID, communityID, topicID, user string, muteUntil int64) error
	// SetTopicRecvOpt sets user's receive option for topicID of
	// communityID (RecvOptReceive is the default), keeping their mute.
	SetTopicRecvOpt(ctx context.Context, app AppID, communityID, topicID, user string, opt int) error
	// TopicMemberSetting is user's setting in topicID (the zero value with
	// User set when there is none).
	TopicMemberSetting(ctx context.Context, app AppID, topicID, user string) (TopicMemberSetting, error)
	// TopicMemberSettings returns user's settings in the topics of
	// communityID that have one, by topic ID.
	TopicMemberSettings(ctx context.Context, app AppID, user, communityID string) (map[string]TopicMemberSetting, error)
	// MutedTopicMembers returns up to limit members muted in topicID after
	// now (unix s), by UserID.
	MutedTopicMembers(ctx context.Context, app AppID, topicID string, now int64, limit int) ([]TopicMemberSetting, error)
	// TopicRecvOpts returns user's receive option of each topic where it
	// is not RecvOptReceive, by topic ID.
	TopicRecvOpts(ctx context.Context, app AppID, user string) (map[string]int, error)
	// TopicNotReceiving returns up to limit members whose receive option
	// for topicID is RecvOptNotReceive, by UserID.
	TopicNotReceiving(ctx context.Context, app AppID, topicID string, limit int) ([]string, error)
}

// EffectiveTopicRecvOpt is a member's receive option for a topic from
// their option for the community and their own for the topic: the
// community's not-receive wins over any topic option ("ignored if
// community set to DISCARD"); otherwise the topic's own option holds
// (receive by default), whatever the community's.
func EffectiveTopicRecvOpt(communityOpt, topicOpt int) int {
	if communityOpt == RecvOptNotReceive {
		return RecvOptNotReceive
	}
	return topicOpt
}
