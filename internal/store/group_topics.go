package store

import "context"

// Topic is one topic of a community (isSupportTopic). Its ID is
// <communityID>@TOPIC#_<x> (package convid); its messages are a group
// conversation of their own (convid.Group(ID)), numbered by the topic's own
// seq, and every member of the community reads them.
type Topic struct {
	App         AppID
	ID          string
	CommunityID string
	Name        string
	FaceURL     string
	// Introduction, Notification and CustomString are the topic's texts.
	Introduction, Notification, CustomString string
	MuteAll                                  bool
	CreatedAt                                int64 // unix seconds
	InfoTime                                 int64 // unix seconds of the last profile change
	LastSeq                                  uint64
	LastTime                                 int64 // unix milliseconds of the last message
}

// TopicUpdate is the writable part of a topic's profile; nil fields are
// left as they are.
type TopicUpdate struct {
	Name, FaceURL, Introduction, Notification, CustomString *string
	MuteAll                                                 *bool
	InfoTime                                                int64
}

// GroupTopics is the topics of communities. A topic is stored as a group
// row with its community named, so the one group message path numbers and
// stores its messages; members' read cursors in topics are written lazily
// (ReadSeq, a send) and otherwise derived from the community membership.
type GroupTopics interface {
	GroupTopicMembers // group_topic_members.go
	// CreateTopic stores t with no message yet; false if the ID is taken
	// (by a topic or a group).
	CreateTopic(ctx context.Context, t Topic) (bool, error)
	// Topics returns communityID's topics among ids (all of them when ids
	// is nil), in ID order; IDs that name no topic of it are left out.
	Topics(ctx context.Context, app AppID, communityID string, ids []string) ([]Topic, error)
	// CountTopics is how many topics communityID has.
	CountTopics(ctx context.Context, app AppID, communityID string) (int, error)
	// UpdateTopic applies u to topic topicID of communityID; false if
	// there is no such topic.
	UpdateTopic(ctx context.Context, app AppID, communityID, topicID string, u TopicUpdate) (bool, error)
	// DeleteTopic removes a topic with its messages and cursors; false if
	// there is none.
	DeleteTopic(ctx context.Context, app AppID, communityID, topicID string) (bool, error)
	// DeleteCommunityTopics removes every topic of communityID (its
	// dismissal) with their messages and cursors.
	DeleteCommunityTopics(ctx context.Context, app AppID, communityID string) error
	// TopicViews is owner's view of each topic of communityID (nil ids:
	// all) whose community owner is a member of: read cursor, unread, last
	// seq. A member who never read or sent in a topic has no cursor row;
	// theirs is derived (read up to the last message sent before they
	// joined the community).
	TopicViews(ctx context.Context, app AppID, owner, communityID string, ids []string) ([]Conversation, error)
}
