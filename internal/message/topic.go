package message

import "github.com/parleyim/parley/internal/convid"

// Topic messages. A community topic is a group conversation of its own,
// the topic ID (<communityID>@TOPIC#_<x>) as the group ID: the topic's row
// carries its seq and mute-all, group_messages stores each message once,
// and the engine keeps each member's topic cursor (written once the member
// reads or sends there, derived from their community membership before),
// so send, history, read and recall are the group path unchanged. Who may
// send is the community's membership (the store's view of a topic exists
// exactly for the community's members); a member's mute and role are their
// community member row's, checked against the topic's own mute-all.

// memberGroupOf is the group whose member rows decide for conversation
// groupID: the community for a topic, the group itself otherwise.
func memberGroupOf(groupID string) string {
	if c, ok := convid.CommunityOf(groupID); ok {
		return c
	}
	return groupID
}

// topicOf is groupID when it is a topic ID ("" otherwise): the TopicId of
// Tencent's group callbacks, whose GroupId is then the community.
func topicOf(groupID string) string {
	if _, ok := convid.CommunityOf(groupID); ok {
		return groupID
	}
	return ""
}
