package sdk

import (
	"context"
	"encoding/json"
)

// SetGroupReceiveMessageOpt sets what the user does with groupID's
// messages (setGroupReceiveMessageOpt): ReceiveMessage,
// NotReceiveMessage (none of the group's messages reach the user's
// devices; history still has them) or ReceiveNotNotifyMessage (online
// delivery, no offline push). Every device of the user sees it as the
// group conversation's RecvOpt (OnConversationChanged). Only a member
// sets it (10007).
func (mm *MessageManager) SetGroupReceiveMessageOpt(ctx context.Context, groupID string, opt ReceiveMessageOpt) error {
	m := mm.m
	if groupID == "" {
		return newError(ErrCodeInvalidParameters, "a group ID is required")
	}
	if opt < ReceiveMessage || opt > ReceiveNotNotifyMessage {
		return newError(ErrCodeInvalidParameters, "unknown receive option %d", opt)
	}
	s, err := m.current()
	if err != nil {
		return err
	}
	if _, err := m.callSess(ctx, s, "group.setReceiveMessageOpt", map[string]any{"groupID": groupID, "opt": int(opt)}, nil); err != nil {
		return err
	}
	m.convChanged(s)
	return nil
}

// GroupReceiveMessageOptInfo is the user's receive option for one group.
type GroupReceiveMessageOptInfo struct {
	GroupID string
	Opt     ReceiveMessageOpt
}

// GetGroupReceiveMessageOpt returns the user's receive option for each of
// groupIDs, in the order asked (ReceiveMessage for a group the user is
// not in).
func (mm *MessageManager) GetGroupReceiveMessageOpt(ctx context.Context, groupIDs []string) ([]GroupReceiveMessageOptInfo, error) {
	m := mm.m
	if len(groupIDs) == 0 {
		return nil, newError(ErrCodeInvalidParameters, "at least one group ID")
	}
	s, err := m.current()
	if err != nil {
		return nil, err
	}
	var ans struct {
		Opts []struct {
			GroupID string  `json:"groupID"`
			Opt     flexInt `json:"opt"`
		} `json:"opts"`
	}
	if _, err := m.callSess(ctx, s, "group.getReceiveMessageOpt", map[string]any{"groupIDList": groupIDs}, &ans); err != nil {
		return nil, err
	}
	out := make([]GroupReceiveMessageOptInfo, len(ans.Opts))
	for i, o := range ans.Opts {
		out[i] = GroupReceiveMessageOptInfo{GroupID: o.GroupID, Opt: ReceiveMessageOpt(o.Opt)}
	}
	return out, nil
}

// RESTCustomDataListener is a GroupListener that also hears the system
// notices the app server sends a group (REST
// send_group_system_notification; V2TIMGroupListener's
// onReceiveRESTCustomData). It is a separate interface so GroupListeners
// written before it keep compiling; BaseGroupListener implements it.
type RESTCustomDataListener interface {
	OnReceiveRESTCustomData(groupID string, data []byte)
}

// OnReceiveRESTCustomData does nothing.
func (BaseGroupListener) OnReceiveRESTCustomData(string, []byte) {}

// onGroupSystemNotice reports a group.system_notice push to the listeners
// that hear REST custom data.
func (m *Manager) onGroupSystemNotice(data json.RawMessage) {
	var d struct {
		GroupID string `json:"groupID"`
		Content string `json:"content"`
	}
	if data == nil || json.Unmarshal(data, &d) != nil || d.GroupID == "" {
		m.log.Warn("parley sdk: ignoring an invalid group push", "push", "group.system_notice")
		return
	}
	m.groups.fire(func(l GroupListener) {
		if rl, ok := l.(RESTCustomDataListener); ok {
			rl.OnReceiveRESTCustomData(d.GroupID, []byte(d.Content))
		}
	})
}
