package webhook

import (
	"context"

	"github.com/parleyim/parley/internal/hook"
)

type topicBeforeCreate struct {
	CallbackCommand string `json:"CallbackCommand"`
	GroupID         string `json:"GroupId"`
	TopicID         string `json:"TopicId,omitempty"`
	Type            string `json:"Type"`
	Operator        string `json:"Operator_Account"`
	Name            string `json:"Name"`
	EventTime       int64  `json:"EventTime"`
}

// BeforeCreateTopic sends Group.CallbackBeforeCreateTopic: a refusal is
// 10016, or the app's code in [10100, 10200].
func (s *Service) BeforeCreateTopic(ctx context.Context, t hook.TopicCreate) (hook.Verdict, error) {
	ep := s.wants(t.App, CmdGroupBeforeCreateTopic)
	if ep == nil {
		return hook.AllowVerdict, nil
	}
	platform, ip := platformOf(ctx, false)
	r, failed := s.ask(ctx, ep, CmdGroupBeforeCreateTopic, platform, ip, topicBeforeCreate{CallbackCommand: CmdGroupBeforeCreateTopic,
		GroupID: t.GroupID, TopicID: t.TopicID, Type: "Community", Operator: t.Operator, Name: t.Name, EventTime: s.now().UnixMilli()})
	if failed != nil {
		return *failed, nil
	}
	v, _ := topVerdict(r, hook.CodeGroupRejected, false, groupCodeLow, groupCodeHigh)
	return v, nil
}
