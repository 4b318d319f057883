package sdk

import (
	"context"
	"encoding/json"
	"strings"
)

// Topics of communities (V2TIM's community API): a community created with
// GroupInfo.IsSupportTopic has topics, which its owner and admins create,
// delete and edit and every member reads. A topic is a group conversation
// of its own: SendGroupMessage, GetGroupHistoryMessageList, MarkGroupMessageAsRead
// and RevokeMessage take the topic ID as the group ID, its messages carry
// it as GroupID, and the SDK follows each topic's seq like a group's (a gap
// or a reconnect is filled from history by the topic's seq; topics are in
// the conversation list, with their unread counts).

// TopicIDSeparator is in every topic ID: <communityID>@TOPIC#_<x>.
const TopicIDSeparator = "@TOPIC#_"

// CommunityOfTopic is the community of topic ID topicID; false when
// topicID names no topic.
func CommunityOfTopic(topicID string) (string, bool) {
	i := strings.Index(topicID, TopicIDSeparator)
	if i <= 0 || i+len(TopicIDSeparator) == len(topicID) {
		return "", false
	}
	return topicID[:i], true
}

// TopicInfo is a topic (V2TIMTopicInfo). ReadSequence and UnreadCount are
// the user's.
type TopicInfo struct {
	TopicID         string `json:"topicID"`
	GroupID         string `json:"groupID"`
	TopicName       string `json:"topicName"`
	TopicFaceURL    string `json:"topicFaceUrl"`
	Introduction    string `json:"introduction"`
	Notification    string `json:"notification"`
	CustomString    string `json:"customString"`
	IsAllMuted      bool   `json:"allMute"`
	CreateTime      int64  `json:"createTime"`
	LastInfoTime    int64  `json:"lastInfoTime"`
	LastSeq         uint64 `json:"lastSeq"`
	LastMessageTime int64  `json:"lastMessageTime"` // unix ms
	ReadSequence    uint64 `json:"readSequence"`
	UnreadCount     int    `json:"unreadCount"`
	// SelfMuteTime (unix s; 0 none) is when the user's mute in the topic
	// ends (MuteGroupMember with the topic ID); RecvOpt is the user's
	// receive option for it (SetGroupReceiveMessageOpt with the topic ID;
	// NotReceiveMessage while the community's is).
	SelfMuteTime int64             `json:"selfMuteTime"`
	RecvOpt      ReceiveMessageOpt `json:"recvOpt"`
}

// TopicInfoChange is what SetTopicInfo changes; nil fields are left.
type TopicInfoChange struct {
	TopicID                                                           string
	TopicName, TopicFaceURL, Introduction, Notification, CustomString *string
	IsAllMuted                                                        *bool
}

// TopicOperationResult is one topic of DeleteTopicFromCommunity
// (V2TIMTopicOperationResult): ErrorCode 0, or 110002 for an ID that is no
// topic of the community.
type TopicOperationResult struct {
	TopicID      string `json:"topicID"`
	ErrorCode    int    `json:"code"`
	ErrorMessage string `json:"message"`
}

// TopicListener is the topic part of V2TIMGroupListener: a GroupListener
// that implements it (BaseGroupListener does, doing nothing) hears the
// topics of the user's communities change.
type TopicListener interface {
	OnTopicCreated(groupID, topicID string)
	OnTopicDeleted(groupID string, topicIDs []string)
	OnTopicChanged(groupID string, topic TopicInfo)
}

func (BaseGroupListener) OnTopicCreated(string, string)    {}
func (BaseGroupListener) OnTopicDeleted(string, []string)  {}
func (BaseGroupListener) OnTopicChanged(string, TopicInfo) {}

// CreateTopicInCommunity creates a topic of groupID (createTopicInCommunity)
// and returns its ID: info.TopicID is a custom one (<groupID>@TOPIC#_<x>)
// or "" for one the server assigns; TopicName is required. 11000 when the
// group is not a topic-enabled community, 10007 for a common member.
func (g *GroupManager) CreateTopicInCommunity(ctx context.Context, groupID string, info TopicInfo) (string, error) {
	req := map[string]any{"groupID": groupID, "topicName": info.TopicName}
	setIf(req, "topicID", info.TopicID)
	setIf(req, "topicFaceUrl", info.TopicFaceURL)
	setIf(req, "introduction", info.Introduction)
	setIf(req, "notification", info.Notification)
	setIf(req, "customString", info.CustomString)
	if info.IsAllMuted {
		req["allMute"] = true
	}
	var ans struct {
		TopicID string `json:"topicID"`
	}
	if err := g.m.call(ctx, "group.createTopic", req, &ans); err != nil {
		return "", err
	}
	return ans.TopicID, nil
}

// DeleteTopicFromCommunity deletes topics of groupID with their messages
// (deleteTopicFromCommunity); an empty list deletes every topic.
func (g *GroupManager) DeleteTopicFromCommunity(ctx context.Context, groupID string, topicIDs []string) ([]TopicOperationResult, error) {
	var ans struct {
		Results []TopicOperationResult `json:"results"`
	}
	if err := g.m.call(ctx, "group.deleteTopics", map[string]any{"groupID": groupID, "topicIDList": topicIDs}, &ans); err != nil {
		return nil, err
	}
	return ans.Results, nil
}

// SetTopicInfo changes a topic's profile or mute-all (setTopicInfo); the
// community is read off the topic ID.
func (g *GroupManager) SetTopicInfo(ctx context.Context, c TopicInfoChange) error {
	community, ok := CommunityOfTopic(c.TopicID)
	if !ok {
		return &Error{Code: 10015, Info: "not a topic ID: " + c.TopicID}
	}
	req := map[string]any{"groupID": community, "topicID": c.TopicID}
	for k, v := range map[string]*string{"topicName": c.TopicName, "topicFaceUrl": c.TopicFaceURL, "introduction": c.Introduction,
		"notification": c.Notification, "customString": c.CustomString} {
		if v != nil {
			req[k] = *v
		}
	}
	if c.IsAllMuted != nil {
		req["allMute"] = *c.IsAllMuted
	}
	return g.m.call(ctx, "group.setTopicInfo", req, nil)
}

// GetTopicInfoList returns topics of groupID (getTopicInfoList): those
// named, or all of them for an empty list, each with the user's read
// sequence and unread count.
func (g *GroupManager) GetTopicInfoList(ctx context.Context, groupID string, topicIDs []string) ([]TopicInfo, error) {
	var ans struct {
		Topics []TopicInfo `json:"topics"`
	}
	if err := g.m.call(ctx, "group.getTopics", map[string]any{"groupID": groupID, "topicIDList": topicIDs}, &ans); err != nil {
		return nil, err
	}
	return ans.Topics, nil
}

// onTopicPush reports a topic push to the group listeners that hear
// topics; it runs on the callback goroutine.
func (m *Manager) onTopicPush(kind string, data json.RawMessage) {
	var d struct {
		GroupID     string    `json:"groupID"`
		Topic       TopicInfo `json:"topic"`
		TopicIDList []string  `json:"topicIDList"`
	}
	if json.Unmarshal(data, &d) != nil || d.GroupID == "" {
		m.log.Warn("parley sdk: ignoring an invalid topic push", "push", kind)
		return
	}
	m.groups.fire(func(l GroupListener) {
		tl, ok := l.(TopicListener)
		if !ok {
			return
		}
		switch kind {
		case "group.topic_created":
			tl.OnTopicCreated(d.GroupID, d.Topic.TopicID)
		case "group.topic_deleted":
			tl.OnTopicDeleted(d.GroupID, d.TopicIDList)
		case "group.topic_changed":
			tl.OnTopicChanged(d.GroupID, d.Topic)
		}
	})
}
