package outbox

// Topic kinds: a community's topics created, deleted and changed, the
// sources of Group.CallbackAfterCreateTopic, Group.CallbackAfterTopicDestroyed
// and Group.CallbackAfterTopicInfoChanged (rest-spec §4). Their entries are
// partitioned by the community's ID, like the community's own.
const (
	// KindTopicCreated: a topic was created (TopicCreated).
	KindTopicCreated = "group.topic_created"
	// KindTopicDestroyed: topics were deleted (TopicsDestroyed).
	KindTopicDestroyed = "group.topic_destroyed"
	// KindTopicInfoChanged: a topic's profile was set (TopicInfoChanged).
	KindTopicInfoChanged = "group.topic_info_changed"
)

// The topic kinds join Kinds here, so the list of every kind stays whole
// without the group kinds' line naming them.
func init() { Kinds = append(Kinds, KindTopicCreated, KindTopicDestroyed, KindTopicInfoChanged) }

// TopicCreated is the payload of KindTopicCreated.
type TopicCreated struct {
	GroupID     string `json:"GroupId"`
	TopicID     string `json:"TopicId"`
	Operator    string `json:"Operator_Account"`
	Owner       string `json:"Owner_Account"`
	Type        string `json:"Type"` // Community
	Name        string `json:"Name"`
	OptPlatform string `json:"OptPlatform,omitempty"`
	ClientIP    string `json:"ClientIP,omitempty"`
	EventTime   int64  `json:"EventTime"`
}

// TopicsDestroyed is the payload of KindTopicDestroyed: the topics one
// delete removed.
type TopicsDestroyed struct {
	GroupID     string   `json:"GroupId"`
	Type        string   `json:"Type"`
	Operator    string   `json:"Operator_Account"`
	TopicIDs    []string `json:"TopicIdList"`
	OptPlatform string   `json:"OptPlatform,omitempty"`
	ClientIP    string   `json:"ClientIP,omitempty"`
	EventTime   int64    `json:"EventTime"`
}

// TopicInfoChanged is the payload of KindTopicInfoChanged: only the
// profile fields Tencent's callback names that changed.
type TopicInfoChanged struct {
	GroupID      string  `json:"GroupId"`
	TopicID      string  `json:"TopicId"`
	Type         string  `json:"Type"`
	Operator     string  `json:"Operator_Account"`
	Name         *string `json:"Name,omitempty"`
	Introduction *string `json:"Introduction,omitempty"`
	Notification *string `json:"Notification,omitempty"`
	FaceURL      *string `json:"FaceUrl,omitempty"`
	OptPlatform  string  `json:"OptPlatform,omitempty"`
	ClientIP     string  `json:"ClientIP,omitempty"`
	EventTime    int64   `json:"EventTime"`
}
