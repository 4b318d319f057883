package sdk

import (
	"context"
	"slices"
)

// Request caps of the protocol.
const (
	MaxDeleteFriends = 100  // DeleteFromFriendList
	MaxCheckFriends  = 1000 // CheckFriend
	MaxUsersPerGet   = 100  // one user.get or friend.info request (longer lists are split)
)

// FriendshipManager is the relationship chain: friends, friend requests,
// friend lists (groups) and the blocklist (V2TIMFriendshipManager). Get it
// from Manager.Friendship. Every call needs a logged-in user.
type FriendshipManager struct {
	m *Manager
}

// AddFriendListener registers l (compared with ==, so pass a pointer).
func (f *FriendshipManager) AddFriendListener(l FriendshipListener) {
	if l == nil {
		return
	}
	m := f.m
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.friendListeners {
		if x == l {
			return
		}
	}
	m.friendListeners = append(m.friendListeners, l)
}

// RemoveFriendListener unregisters l.
func (f *FriendshipManager) RemoveFriendListener(l FriendshipListener) {
	m := f.m
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, x := range m.friendListeners {
		if x == l {
			m.friendListeners = append(m.friendListeners[:i:i], m.friendListeners[i+1:]...)
			return
		}
	}
}

type friendListAnswer struct {
	Friends []wireFriend `json:"friends"`
}

// GetFriendList returns the user's friend list with profiles.
func (f *FriendshipManager) GetFriendList(ctx context.Context) ([]FriendInfo, error) {
	var ans friendListAnswer
	if err := f.m.call(ctx, "friend.list", nil, &ans); err != nil {
		return nil, err
	}
	out := make([]FriendInfo, len(ans.Friends))
	for i, w := range ans.Friends {
		out[i] = w.friend()
	}
	return out, nil
}

type friendInfoAnswer struct {
	Results []struct {
		wireResult
		Friend *wireFriend `json:"friend"`
	} `json:"results"`
}

// GetFriendsInfo returns, for each of userIDs in order, how the user relates
// to it and its friend entry when it is in the user's list. Lists longer
// than MaxUsersPerGet are read in several requests.
func (f *FriendshipManager) GetFriendsInfo(ctx context.Context, userIDs []string) ([]FriendInfoResult, error) {
	if len(userIDs) == 0 {
		return nil, newError(ErrCodeInvalidParameters, "userIDs is empty")
	}
	s, err := f.m.current()
	if err != nil {
		return nil, err
	}
	out := make([]FriendInfoResult, 0, len(userIDs))
	for chunk := range slices.Chunk(userIDs, MaxUsersPerGet) {
		var ans friendInfoAnswer
		if _, err := f.m.callSess(ctx, s, "friend.info", map[string][]string{"userIDs": chunk}, &ans); err != nil {
			return nil, err
		}
		for _, r := range ans.Results {
			res := FriendInfoResult{ResultCode: int(r.Code), ResultInfo: r.Info, Relation: relationFromWire(r.Relation)}
			if r.Friend != nil {
				res.FriendInfo = r.Friend.friend()
			} else {
				res.FriendInfo = FriendInfo{UserID: r.UserID, UserProfile: UserFullInfo{UserID: r.UserID}}
			}
			out = append(out, res)
		}
	}
	return out, nil
}

// AddFriend adds app.UserID as a friend, or sends a friend request when the
// target needs to confirm. A pending request is a result, not an error:
// ResultCode ResultFriendAddPending (30539). Any other refusal (30515 the
// target is on your blocklist, 30525 you are on theirs, 30516 they accept no
// requests, ...) is returned as an *Error with the same code, together with
// the result.
func (f *FriendshipManager) AddFriend(ctx context.Context, app FriendAddApplication) (FriendOperationResult, error) {
	if app.UserID == "" {
		return FriendOperationResult{}, newError(ErrCodeInvalidParameters, "userID is required")
	}
	s, err := f.m.current()
	if err != nil {
		return FriendOperationResult{}, err
	}
	var ans wireResult
	fr, err := f.m.callSess(ctx, s, "friend.add", map[string]string{
		"userID":     app.UserID,
		"addType":    app.AddType.wire(),
		"remark":     app.FriendRemark,
		"groupName":  app.FriendGroup,
		"addWording": app.AddWording,
		"addSource":  app.AddSource,
	}, &ans)
	res := FriendOperationResult{UserID: app.UserID, ResultCode: int(ans.Code), ResultInfo: ans.Info}
	if ans.UserID != "" {
		res.UserID = ans.UserID
	}
	if err == nil {
		return res, nil
	}
	if ErrorCode(err) == fr.Code && fr.Code != 0 {
		// A server refusal: the answer's code.
		res.ResultCode, res.ResultInfo = fr.Code, fr.Info
		if fr.Code == ResultFriendAddPending {
			return res, nil
		}
		return res, err
	}
	return FriendOperationResult{}, err
}

// DeleteFromFriendList removes up to MaxDeleteFriends users from the
// friend list; FriendTypeBoth also removes the user from theirs.
func (f *FriendshipManager) DeleteFromFriendList(ctx context.Context, userIDs []string, typ FriendType) ([]FriendOperationResult, error) {
	if len(userIDs) == 0 || len(userIDs) > MaxDeleteFriends {
		return nil, newError(ErrCodeInvalidParameters, "userIDs: 1 to %d", MaxDeleteFriends)
	}
	var ans struct {
		Results []wireResult `json:"results"`
	}
	if err := f.m.call(ctx, "friend.delete", map[string]any{"userIDs": userIDs, "type": typ.wire()}, &ans); err != nil {
		return nil, err
	}
	return operationResults(ans.Results), nil
}

// CheckFriend returns how the user relates to each of up to
// MaxCheckFriends users. With FriendTypeSingle only RelationInMyFriendList
// or RelationNone are answered.
func (f *FriendshipManager) CheckFriend(ctx context.Context, userIDs []string, typ FriendType) ([]FriendCheckResult, error) {
	if len(userIDs) == 0 || len(userIDs) > MaxCheckFriends {
		return nil, newError(ErrCodeInvalidParameters, "userIDs: 1 to %d", MaxCheckFriends)
	}
	var ans struct {
		Results []wireResult `json:"results"`
	}
	if err := f.m.call(ctx, "friend.check", map[string]any{"userIDs": userIDs, "type": typ.wire()}, &ans); err != nil {
		return nil, err
	}
	out := make([]FriendCheckResult, len(ans.Results))
	for i, r := range ans.Results {
		out[i] = FriendCheckResult{UserID: r.UserID, ResultCode: int(r.Code), ResultInfo: r.Info, ResultType: relationFromWire(r.Relation)}
	}
	return out, nil
}

// SetFriendInfo changes a friend's remark and custom fields (see
// FriendInfo.ModifiedFields for which are sent).
func (f *FriendshipManager) SetFriendInfo(ctx context.Context, info FriendInfo) error {
	if info.UserID == "" {
		return newError(ErrCodeInvalidParameters, "userID is required")
	}
	req := map[string]any{"userID": info.UserID}
	if info.FriendRemark != "" || info.ModifiedFields&FieldFriendRemark != 0 {
		req["remark"] = info.FriendRemark
	}
	if len(info.FriendCustomInfo) > 0 || info.ModifiedFields&FieldFriendCustomInfo != 0 {
		ci := info.FriendCustomInfo
		if ci == nil {
			ci = map[string]any{}
		}
		req["customInfo"] = ci
	}
	return f.m.call(ctx, "friend.set", req, nil)
}

type friendRequestListAnswer struct {
	Requests    []wireApplication `json:"requests"`
	UnreadCount flexInt           `json:"unreadCount"`
}

func (a friendRequestListAnswer) result() FriendApplicationResult {
	r := FriendApplicationResult{UnreadCount: int(a.UnreadCount), Applications: make([]FriendApplication, len(a.Requests))}
	for i, w := range a.Requests {
		r.Applications[i] = w.application()
	}
	return r
}

// GetFriendApplicationList returns the pending friend requests, incoming
// and sent, and how many incoming ones are unread.
func (f *FriendshipManager) GetFriendApplicationList(ctx context.Context) (FriendApplicationResult, error) {
	var ans friendRequestListAnswer
	if err := f.m.call(ctx, "friend_request.list", nil, &ans); err != nil {
		return FriendApplicationResult{}, err
	}
	return ans.result(), nil
}

// AcceptFriendApplication accepts an incoming request: ResponseAgree puts
// the user in the requester's list only, ResponseAgreeAndAdd makes the
// friendship two-way.
func (f *FriendshipManager) AcceptFriendApplication(ctx context.Context, app FriendApplication, typ FriendResponseType) error {
	if app.UserID == "" {
		return newError(ErrCodeInvalidParameters, "userID is required")
	}
	t := "agree"
	if typ == ResponseAgreeAndAdd {
		t = "agree_and_add"
	}
	return f.m.call(ctx, "friend_request.accept", map[string]string{"userID": app.UserID, "type": t}, nil)
}

// RefuseFriendApplication refuses an incoming request.
func (f *FriendshipManager) RefuseFriendApplication(ctx context.Context, app FriendApplication) error {
	if app.UserID == "" {
		return newError(ErrCodeInvalidParameters, "userID is required")
	}
	return f.m.call(ctx, "friend_request.refuse", map[string]string{"userID": app.UserID}, nil)
}

// DeleteFriendApplication deletes a request: an incoming one
// (ApplicationComeIn) or one the user sent (ApplicationSendOut).
func (f *FriendshipManager) DeleteFriendApplication(ctx context.Context, app FriendApplication) error {
	if app.UserID == "" {
		return newError(ErrCodeInvalidParameters, "userID is required")
	}
	var t string
	switch app.Type {
	case ApplicationComeIn:
		t = "come_in"
	case ApplicationSendOut:
		t = "send_out"
	default:
		return newError(ErrCodeInvalidParameters, "application type must be ApplicationComeIn or ApplicationSendOut")
	}
	return f.m.call(ctx, "friend_request.delete", map[string]string{"userID": app.UserID, "type": t}, nil)
}

// SetFriendApplicationRead marks every incoming request read.
func (f *FriendshipManager) SetFriendApplicationRead(ctx context.Context) error {
	return f.m.call(ctx, "friend_request.read", nil, nil)
}

type resultsAnswer struct {
	Results []wireResult `json:"results"`
}

// CreateFriendGroup creates a friend list (group) holding userIDs (which
// may be empty).
func (f *FriendshipManager) CreateFriendGroup(ctx context.Context, name string, userIDs []string) ([]FriendOperationResult, error) {
	if name == "" {
		return nil, newError(ErrCodeInvalidParameters, "name is required")
	}
	req := map[string]any{"name": name}
	if len(userIDs) > 0 {
		req["userIDs"] = userIDs
	}
	var ans resultsAnswer
	if err := f.m.call(ctx, "friend_group.create", req, &ans); err != nil {
		return nil, err
	}
	return operationResults(ans.Results), nil
}

// DeleteFriendGroup deletes friend lists; the friends stay friends.
func (f *FriendshipManager) DeleteFriendGroup(ctx context.Context, names []string) error {
	if len(names) == 0 {
		return newError(ErrCodeInvalidParameters, "names is empty")
	}
	return f.m.call(ctx, "friend_group.delete", map[string][]string{"names": names}, nil)
}

// RenameFriendGroup renames a friend list.
func (f *FriendshipManager) RenameFriendGroup(ctx context.Context, oldName, newName string) error {
	if oldName == "" || newName == "" {
		return newError(ErrCodeInvalidParameters, "oldName and newName are required")
	}
	return f.m.call(ctx, "friend_group.rename", map[string]string{"oldName": oldName, "newName": newName}, nil)
}

// AddFriendsToFriendGroup puts friends into a friend list.
func (f *FriendshipManager) AddFriendsToFriendGroup(ctx context.Context, name string, userIDs []string) ([]FriendOperationResult, error) {
	return f.groupMembers(ctx, "friend_group.add", name, userIDs)
}

// DeleteFriendsFromFriendGroup takes friends out of a friend list; they stay
// friends.
func (f *FriendshipManager) DeleteFriendsFromFriendGroup(ctx context.Context, name string, userIDs []string) ([]FriendOperationResult, error) {
	return f.groupMembers(ctx, "friend_group.remove", name, userIDs)
}

func (f *FriendshipManager) groupMembers(ctx context.Context, op, name string, userIDs []string) ([]FriendOperationResult, error) {
	if name == "" || len(userIDs) == 0 {
		return nil, newError(ErrCodeInvalidParameters, "name and userIDs are required")
	}
	var ans resultsAnswer
	if err := f.m.call(ctx, op, map[string]any{"name": name, "userIDs": userIDs}, &ans); err != nil {
		return nil, err
	}
	return operationResults(ans.Results), nil
}

// GetFriendGroups returns the named friend lists, or all of them when names
// is empty.
func (f *FriendshipManager) GetFriendGroups(ctx context.Context, names []string) ([]FriendGroup, error) {
	req := map[string]any{}
	if len(names) > 0 {
		req["names"] = names
	}
	var ans struct {
		Groups []struct {
			Name        string   `json:"name"`
			FriendCount flexInt  `json:"friendCount"`
			UserIDs     []string `json:"userIDs"`
		} `json:"groups"`
	}
	if err := f.m.call(ctx, "friend_group.list", req, &ans); err != nil {
		return nil, err
	}
	out := make([]FriendGroup, len(ans.Groups))
	for i, g := range ans.Groups {
		out[i] = FriendGroup{Name: g.Name, FriendCount: int(g.FriendCount), FriendIDs: g.UserIDs}
	}
	return out, nil
}

// AddToBlackList blocks users. Blocking ends any friendship with them in
// both directions and drops pending requests between them.
func (f *FriendshipManager) AddToBlackList(ctx context.Context, userIDs []string) ([]FriendOperationResult, error) {
	return f.blockOp(ctx, "block.add", userIDs)
}

// DeleteFromBlackList unblocks users; the friendship the block ended is not
// restored.
func (f *FriendshipManager) DeleteFromBlackList(ctx context.Context, userIDs []string) ([]FriendOperationResult, error) {
	return f.blockOp(ctx, "block.delete", userIDs)
}

func (f *FriendshipManager) blockOp(ctx context.Context, op string, userIDs []string) ([]FriendOperationResult, error) {
	if len(userIDs) == 0 {
		return nil, newError(ErrCodeInvalidParameters, "userIDs is empty")
	}
	var ans resultsAnswer
	if err := f.m.call(ctx, op, map[string][]string{"userIDs": userIDs}, &ans); err != nil {
		return nil, err
	}
	return operationResults(ans.Results), nil
}

type blockListAnswer struct {
	Users []struct {
		UserID  string  `json:"userID"`
		AddTime flexInt `json:"addTime"`
	} `json:"users"`
}

// GetBlackList returns the blocked users with their profiles; AddTime is
// when they were blocked.
func (f *FriendshipManager) GetBlackList(ctx context.Context) ([]FriendInfo, error) {
	s, err := f.m.current()
	if err != nil {
		return nil, err
	}
	var ans blockListAnswer
	if _, err := f.m.callSess(ctx, s, "block.list", nil, &ans); err != nil {
		return nil, err
	}
	ids := make([]string, len(ans.Users))
	for i, u := range ans.Users {
		ids[i] = u.UserID
	}
	users, err := f.m.usersInfo(ctx, s, slices.Compact(slices.Sorted(slices.Values(ids))))
	if err != nil {
		return nil, err
	}
	out := make([]FriendInfo, len(ans.Users))
	for i, u := range ans.Users {
		p, ok := users[u.UserID]
		if !ok {
			p = UserFullInfo{UserID: u.UserID}
		}
		out[i] = FriendInfo{UserID: u.UserID, AddTime: int64(u.AddTime), UserProfile: p}
	}
	return out, nil
}
