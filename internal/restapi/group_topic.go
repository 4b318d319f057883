package restapi

import (
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/group"
)

// Topics of communities (rest-spec §3.7): million_group_open_http_svc's
// create_topic, destroy_topic, get_topic, modify_topic and
// group_open_http_svc's import_topic, mapped onto the group service's topic
// operations acting as the app's admin; topic messages are send_group_msg
// with TopicId.

var svcMillionGroup = &service{"million_group_open_http_svc", codeGroupBadParam, codeGroupNoPermission, codeGroupInternal, false}

func (s *Server) groupTopicRoutes() {
	s.add(svcMillionGroup, "create_topic", s.createTopic)
	s.add(svcMillionGroup, "destroy_topic", s.destroyTopic)
	s.add(svcMillionGroup, "get_topic", s.getTopic)
	s.add(svcMillionGroup, "modify_topic", s.modifyTopic)
	s.add(svcGroup, "import_topic", s.importTopic)
}

// topicTarget is the group conversation a REST message names: the topic
// when TopicId is set (it must be a topic of groupID: 10015), else the group.
func topicTarget(groupID, topicID string) (string, error) {
	if topicID == "" {
		return groupID, nil
	}
	if c, ok := convid.CommunityOf(topicID); !ok || c != groupID {
		return "", errcode.Newf(group.CodeBadGroupID, "Err_Topic_ID_Invalid: %q is not a topic of %q", topicID, groupID)
	}
	return topicID, nil
}

// topicFields are create_topic's and import_topic's fields.
type topicFields struct {
	GroupId      string
	TopicId      string
	TopicName    *string
	From_Account string
	CustomString *string
	FaceUrl      *string
	Notification *string
	Introduction *string
	CreateTime   int64
	Type         string
}

func (f topicFields) request() group.CreateTopicRequest {
	return group.CreateTopicRequest{CommunityID: f.GroupId, TopicID: f.TopicId, Profile: group.TopicProfile{Name: f.TopicName,
		FaceURL: f.FaceUrl, Introduction: f.Introduction, Notification: f.Notification, CustomString: f.CustomString}}
}

type topicIDResponse struct {
	Envelope
	TopicId string
}

func (s *Server) createTopic(c *call) (response, error) {
	var f topicFields
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	info, err := s.Groups.CreateTopic(c.ctx, c.app, c.admin(), f.request())
	if err != nil {
		return nil, err
	}
	return &topicIDResponse{TopicId: info.TopicID}, nil
}

// importTopic is create_topic with the topic's original CreateTime.
func (s *Server) importTopic(c *call) (response, error) {
	var f topicFields
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if f.Type != "" && f.Type != "Community" {
		return nil, errcode.Newf(group.CodeNoTopicSupport, "Err_Group_Not_Support_Topic: Type %q has no topics", f.Type)
	}
	req := f.request()
	req.CreatedAt = f.CreateTime
	info, err := s.Groups.CreateTopic(c.ctx, c.app, c.admin(), req)
	if err != nil {
		return nil, err
	}
	return &topicIDResponse{TopicId: info.TopicID}, nil
}

type topicResultOut struct {
	ErrorCode int
	ErrorInfo string
	TopicId   string
}

func (s *Server) destroyTopic(c *call) (response, error) {
	var f struct {
		GroupId     string
		TopicIdList []string
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if len(f.TopicIdList) == 0 {
		return nil, errcode.New(codeGroupBadParam, "Err_Topic_TopicIdList_Missing: TopicIdList is required")
	}
	results, err := s.Groups.DeleteTopics(c.ctx, c.app, c.admin(), f.GroupId, f.TopicIdList)
	if err != nil {
		return nil, err
	}
	out := make([]topicResultOut, len(results))
	for i, r := range results {
		out[i] = topicResultOut{ErrorCode: r.Code, ErrorInfo: r.Message, TopicId: r.TopicID}
	}
	return &struct {
		Envelope
		DestroyResultItem []topicResultOut
	}{DestroyResultItem: out}, nil
}

type topicInfoOut struct {
	TopicId       string
	GroupID       string
	TopicName     string
	FaceUrl       string
	Introduction  string
	Notification  string
	CustomString  string
	CreateTime    int64
	LastInfoTime  int64
	LastMsgTime   int64 // unix s
	NextMsgSeq    uint64
	MuteAllMember string
}

type topicSelfOut struct {
	ShutUpTime int64
	MsgSeq     uint64
	MsgFlag    string
}

type topicAndSelfOut struct {
	ErrorCode int
	ErrorInfo string
	TopicInfo topicInfoOut
	SelfInfo  *topicSelfOut `json:",omitempty"`
}

func (s *Server) getTopic(c *call) (response, error) {
	var f struct {
		GroupId        string
		From_Account   string
		TopicIdList    []string
		ResponseFilter []string
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	actor := c.admin()
	if f.From_Account != "" {
		// The answer's SelfInfo is From_Account's, who must be a member.
		actor = group.Actor{User: f.From_Account}
	}
	ids := f.TopicIdList
	if len(ids) == 0 {
		ids = nil
	}
	topics, err := s.Groups.Topics(c.ctx, c.app, actor, f.GroupId, ids)
	if err != nil {
		return nil, err
	}
	out := make([]topicAndSelfOut, 0, len(topics))
	for _, t := range topics {
		mute := "Off"
		if t.MuteAll {
			mute = "On"
		}
		o := topicAndSelfOut{ErrorInfo: "ok", TopicInfo: topicInfoOut{TopicId: t.TopicID, GroupID: t.GroupID, TopicName: t.Name,
			FaceUrl: t.FaceURL, Introduction: t.Introduction, Notification: t.Notification, CustomString: t.CustomString,
			CreateTime: t.CreatedAt, LastInfoTime: t.InfoTime, LastMsgTime: t.LastTime / 1000, NextMsgSeq: t.LastSeq + 1,
			MuteAllMember: mute}}
		if f.From_Account != "" {
			o.SelfInfo = &topicSelfOut{ShutUpTime: t.SelfMuteUntil, MsgSeq: t.ReadSeq, MsgFlag: msgFlagName(t.RecvOpt)}
		}
		out = append(out, o)
	}
	return &struct {
		Envelope
		TopicAndSelfInfo []topicAndSelfOut
	}{TopicAndSelfInfo: out}, nil
}

func (s *Server) modifyTopic(c *call) (response, error) {
	var f struct {
		GroupId       string
		TopicId       string
		TopicName     *string
		From_Account  string
		CustomString  *string
		FaceUrl       *string
		Notification  *string
		Introduction  *string
		MuteAllMember *string
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	p := group.TopicProfile{Name: f.TopicName, FaceURL: f.FaceUrl, Introduction: f.Introduction, Notification: f.Notification,
		CustomString: f.CustomString}
	if f.MuteAllMember != nil {
		var on bool
		switch *f.MuteAllMember {
		case "On":
			on = true
		case "Off":
		default:
			return nil, errcode.Newf(codeGroupBadParam, "Err_Topic_MuteAllMember_Invalid: %q (On or Off)", *f.MuteAllMember)
		}
		p.MuteAll = &on
	}
	if f.TopicId == "" {
		return nil, errcode.New(codeGroupBadParam, "Err_Topic_TopicId_Missing: TopicId is required")
	}
	_, err := s.Groups.SetTopicInfo(c.ctx, c.app, c.admin(), f.GroupId, f.TopicId, p)
	return ok(), err
}
