package sdk

import (
	"context"
	"encoding/json"
)

// User status (V2TIMUserStatus): per user, not per device.

// UserStatusType is a user's general status (V2TIMUserStatusType).
type UserStatusType int

// General statuses, V2TIM's values.
const (
	UserStatusUnlogined UserStatusType = 0 // never logged in, or logged out
	UserStatusOnline    UserStatusType = 1 // logged in
	UserStatusOffline   UserStatusType = 2 // the last connection dropped without a logout
)

// UserStatus is one user's status (V2TIMUserStatus).
type UserStatus struct {
	UserID       string         `json:"userID"`
	StatusType   UserStatusType `json:"statusType"`
	CustomStatus string         `json:"customStatus"`
}

// Status bounds, the server's.
const (
	MaxStatusQueryUsers     = 500 // GetUserStatus, per call
	MaxStatusSubscribeUsers = 100 // SubscribeUserStatus / UnsubscribeUserStatus, per call
	MaxStatusSubscriptions  = 200 // per login; the oldest are evicted past it
)

// SetSelfStatus sets the logged-in user's custom status (setSelfStatus);
// "" clears it. Every device of the user, this one included, and every
// subscriber then gets OnUserStatusChanged. It needs no app switch.
func (m *Manager) SetSelfStatus(ctx context.Context, status UserStatus) error {
	return m.call(ctx, "user.setSelfStatus", map[string]string{"customStatus": status.CustomStatus}, nil)
}

// GetUserStatus returns the status of userIDs (getUserStatus), the ones it
// could read, in request order. One's own status always works; others' need
// the app's user_status switch (72001). If none could be read, the error is
// the first user's failure.
func (m *Manager) GetUserStatus(ctx context.Context, userIDs []string) ([]UserStatus, error) {
	if len(userIDs) == 0 || len(userIDs) > MaxStatusQueryUsers {
		return nil, newError(ErrCodeInvalidParameters, "userIDList: 1 to %d users", MaxStatusQueryUsers)
	}
	var out struct {
		Statuses []UserStatus `json:"statuses"`
	}
	if err := m.call(ctx, "user.getStatus", map[string]any{"userIDs": userIDs}, &out); err != nil {
		return nil, err
	}
	return out.Statuses, nil
}

// SubscribeUserStatus subscribes to the status of userIDs
// (subscribeUserStatus): their changes come to OnUserStatusChanged. At most
// MaxStatusSubscribeUsers per call and MaxStatusSubscriptions in all (the
// oldest are dropped); not oneself (one's own changes come anyway). The
// subscriptions last for the login: the SDK makes them again after a
// reconnect.
func (m *Manager) SubscribeUserStatus(ctx context.Context, userIDs []string) error {
	if len(userIDs) == 0 || len(userIDs) > MaxStatusSubscribeUsers {
		return newError(ErrCodeInvalidParameters, "userIDList: 1 to %d users", MaxStatusSubscribeUsers)
	}
	s, err := m.current()
	if err != nil {
		return err
	}
	var out struct {
		Failures []struct {
			UserID string `json:"userID"`
		} `json:"failures"`
	}
	if _, err := m.callSess(ctx, s, "user.subscribeStatus", map[string]any{"userIDs": userIDs}, &out); err != nil {
		return err
	}
	failed := map[string]bool{}
	for _, f := range out.Failures {
		failed[f.UserID] = true
	}
	m.mu.Lock()
	for _, u := range userIDs {
		if failed[u] {
			continue
		}
		s.statusSubs = removeString(s.statusSubs, u)
		s.statusSubs = append(s.statusSubs, u)
	}
	if n := len(s.statusSubs) - MaxStatusSubscriptions; n > 0 {
		s.statusSubs = append([]string(nil), s.statusSubs[n:]...)
	}
	m.mu.Unlock()
	return nil
}

// UnsubscribeUserStatus ends the subscriptions to userIDs
// (unsubscribeUserStatus); nil or empty ends them all.
func (m *Manager) UnsubscribeUserStatus(ctx context.Context, userIDs []string) error {
	if len(userIDs) > MaxStatusSubscribeUsers {
		return newError(ErrCodeInvalidParameters, "userIDList: at most %d users", MaxStatusSubscribeUsers)
	}
	s, err := m.current()
	if err != nil {
		return err
	}
	if userIDs == nil {
		userIDs = []string{}
	}
	if _, err := m.callSess(ctx, s, "user.unsubscribeStatus", map[string]any{"userIDs": userIDs}, nil); err != nil {
		return err
	}
	m.mu.Lock()
	if len(userIDs) == 0 {
		s.statusSubs = nil
	}
	for _, u := range userIDs {
		s.statusSubs = removeString(s.statusSubs, u)
	}
	m.mu.Unlock()
	return nil
}

func removeString(list []string, v string) []string {
	for i, x := range list {
		if x == v {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}

// resubscribeStatus makes s's subscriptions again on a new connection (the
// server's end with the connection). Runs on the callback goroutine.
func (m *Manager) resubscribeStatus(s *session) {
	m.mu.Lock()
	subs := append([]string(nil), s.statusSubs...)
	m.mu.Unlock()
	for len(subs) > 0 {
		part := subs[:min(MaxStatusSubscribeUsers, len(subs))]
		subs = subs[len(part):]
		if _, err := m.callSess(s.loopCtx, s, "user.subscribeStatus", map[string]any{"userIDs": part}, nil); err != nil {
			m.log.Warn("parley sdk: subscribing to user status again after a reconnect failed", "users", len(part), "error", err.Error())
			return
		}
	}
}

// onStatusPush reports a user.status_changed push to the SDK listeners.
func (m *Manager) onStatusPush(data json.RawMessage) {
	var st UserStatus
	if data == nil || json.Unmarshal(data, &st) != nil || st.UserID == "" {
		m.log.Warn("parley sdk: ignoring an invalid user status push")
		return
	}
	list := []UserStatus{st}
	m.fireSDK(func(l SDKListener) { l.OnUserStatusChanged(list) })
}
