package gateway

import (
	"context"
	"encoding/json"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/group"
)

// Topic ops of topic-enabled communities (V2TIM createTopicInCommunity,
// deleteTopicFromCommunity, setTopicInfo, getTopicInfoList), acting as the
// logged-in member: the group service decides who may (owner and admins
// manage, every member reads) and answers with its codes (11000 for a
// group without topics). Topic messages are the msg.* ops with the topic ID
// as groupID; members hear group.topic_created / topic_deleted /
// topic_changed.

func (g *Gateway) chatGroupTopicOps() {
	g.ops["group.createTopic"] = g.needGroups(g.chatTopicCreate)
	g.ops["group.deleteTopics"] = g.needGroups(g.chatTopicsDelete)
	g.ops["group.getTopics"] = g.needGroups(g.chatTopicsGet)
	g.ops["group.setTopicInfo"] = g.needGroups(g.chatTopicSetInfo)
}

// wireTopicProfile is a topic's writable profile on the wire; absent
// fields are unset.
type wireTopicProfile struct {
	TopicName    *string `json:"topicName"`
	TopicFaceURL *string `json:"topicFaceUrl"`
	Introduction *string `json:"introduction"`
	Notification *string `json:"notification"`
	CustomString *string `json:"customString"`
	AllMute      *bool   `json:"allMute"`
}

func (p wireTopicProfile) profile() group.TopicProfile {
	return group.TopicProfile{Name: p.TopicName, FaceURL: p.TopicFaceURL, Introduction: p.Introduction,
		Notification: p.Notification, CustomString: p.CustomString, MuteAll: p.AllMute}
}

func needGroupID(id string) error {
	if id == "" {
		return errcode.New(CodeInvalidRequest, "groupID: required")
	}
	return nil
}

func (g *Gateway) chatTopicCreate(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID string `json:"groupID"`
		TopicID string `json:"topicID"`
		wireTopicProfile
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if err := needGroupID(d.GroupID); err != nil {
		return nil, err
	}
	info, err := g.GroupService.CreateTopic(ctx, c.app, c.member(), group.CreateTopicRequest{CommunityID: d.GroupID,
		TopicID: d.TopicID, Profile: d.profile()})
	if err != nil {
		return nil, err
	}
	return map[string]any{"topicID": info.TopicID, "topic": info}, nil
}

// topicList decodes {groupID, topicIDList}: an absent or empty list is nil,
// every topic of the community (Web deleteTopicFromCommunity and
// getTopicList without IDs).
func topicList(data json.RawMessage) (groupID string, ids []string, err error) {
	var d struct {
		GroupID     string   `json:"groupID"`
		TopicIDList []string `json:"topicIDList"`
	}
	if err := decode(data, &d); err != nil {
		return "", nil, err
	}
	if err := needGroupID(d.GroupID); err != nil {
		return "", nil, err
	}
	if len(d.TopicIDList) == 0 {
		return d.GroupID, nil, nil
	}
	return d.GroupID, d.TopicIDList, nil
}

func (g *Gateway) chatTopicsDelete(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	groupID, ids, err := topicList(data)
	if err != nil {
		return nil, err
	}
	results, err := g.GroupService.DeleteTopics(ctx, c.app, c.member(), groupID, ids)
	if err != nil {
		return nil, err
	}
	return map[string]any{"results": nonNilSlice(results)}, nil
}

func (g *Gateway) chatTopicsGet(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	groupID, ids, err := topicList(data)
	if err != nil {
		return nil, err
	}
	topics, err := g.GroupService.Topics(ctx, c.app, c.member(), groupID, ids)
	if err != nil {
		return nil, err
	}
	return map[string]any{"topics": nonNilSlice(topics)}, nil
}

func (g *Gateway) chatTopicSetInfo(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID string `json:"groupID"`
		TopicID string `json:"topicID"`
		wireTopicProfile
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if err := needGroupID(d.GroupID); err != nil {
		return nil, err
	}
	info, err := g.GroupService.SetTopicInfo(ctx, c.app, c.member(), d.GroupID, d.TopicID, d.profile())
	if err != nil {
		return nil, err
	}
	return map[string]any{"topic": info}, nil
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
