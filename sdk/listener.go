package sdk

// SDKListener receives connection and account events
// (V2TIMSDKListener). Register it with Manager.AddSDKListener. Every
// callback of a Manager runs on that Manager's one callback goroutine, in
// the order the events happened; a callback may call the Manager (even
// Logout or Close) without deadlocking, but a slow callback delays the ones
// after it.
type SDKListener interface {
	// OnConnecting: the SDK starts connecting to the server (at Login, and
	// before every reconnect attempt).
	OnConnecting()
	// OnConnectSuccess: the connection is up and logged in.
	OnConnectSuccess()
	// OnConnectFailed: a connection attempt failed; after a dropped
	// connection the SDK keeps retrying unless the UserSig was refused.
	OnConnectFailed(code int, desc string)
	// OnKickedOffline: another login of the same account (beyond the app's
	// instance limit for this platform) or the app's REST kick ended this
	// session. The SDK is logged out and does not reconnect; call Login
	// again to come back.
	OnKickedOffline()
	// OnUserSigExpired: the UserSig expired while online (or a reconnect was
	// refused for it). The SDK is logged out; log in with a new UserSig.
	OnUserSigExpired()
	// OnSelfInfoUpdated: the logged-in user's profile changed (here or on
	// another instance, or through the REST API).
	OnSelfInfoUpdated(info UserFullInfo)
	// OnUserStatusChanged: the status of users subscribed to
	// (SubscribeUserStatus), or the user's own custom status, changed.
	OnUserStatusChanged(statuses []UserStatus)
}

// BaseSDKListener implements SDKListener with methods that do nothing;
// embed it to implement only the callbacks you need.
type BaseSDKListener struct{}

func (BaseSDKListener) OnConnecting()                    {}
func (BaseSDKListener) OnConnectSuccess()                {}
func (BaseSDKListener) OnConnectFailed(int, string)      {}
func (BaseSDKListener) OnKickedOffline()                 {}
func (BaseSDKListener) OnUserSigExpired()                {}
func (BaseSDKListener) OnSelfInfoUpdated(UserFullInfo)   {}
func (BaseSDKListener) OnUserStatusChanged([]UserStatus) {}

// FriendshipListener receives relationship-chain changes
// (V2TIMFriendshipListener), whoever made them: this instance, another
// instance of the same user, the other user, or the app's REST calls.
// Register it with FriendshipManager.AddFriendListener. Callbacks run on the
// Manager's callback goroutine (see SDKListener).
//
// The server says what changed and the SDK reads the current state before
// calling back, so the data is as of that read. Each change is reported
// exactly once, also when it happened while the connection was down (the
// SDK replays the missed changes in order after reconnecting). When the
// state is already gone by the time the SDK reads it (a friend added and
// deleted again while offline), the callback still fires, with only UserID
// set in the entries it could not read.
type FriendshipListener interface {
	// OnFriendApplicationListAdded: friend requests appeared, incoming
	// (ApplicationComeIn) or sent by the user (ApplicationSendOut).
	OnFriendApplicationListAdded(applications []FriendApplication)
	// OnFriendApplicationListDeleted: the requests between the user and
	// these users went away (accepted, refused, deleted, or answered by a
	// friendship or a block).
	OnFriendApplicationListDeleted(userIDs []string)
	// OnFriendApplicationListRead: incoming requests were marked read.
	OnFriendApplicationListRead()
	// OnFriendListAdded: users were added to the user's friend list.
	OnFriendListAdded(friends []FriendInfo)
	// OnFriendListDeleted: users left the user's friend list.
	OnFriendListDeleted(userIDs []string)
	// OnBlackListAdded: the user blocked these users.
	OnBlackListAdded(infos []FriendInfo)
	// OnBlackListDeleted: the user unblocked these users.
	OnBlackListDeleted(userIDs []string)
	// OnFriendInfoChanged: friend entries (remark, lists, custom fields) or
	// the friends' profiles changed.
	OnFriendInfoChanged(infos []FriendInfo)
	// OnFriendGroupsChanged: the user's friend lists (groups) changed.
	OnFriendGroupsChanged()
}

// BaseFriendshipListener implements FriendshipListener with methods that do
// nothing; embed it to implement only the callbacks you need.
type BaseFriendshipListener struct{}

func (BaseFriendshipListener) OnFriendApplicationListAdded([]FriendApplication) {}
func (BaseFriendshipListener) OnFriendApplicationListDeleted([]string)          {}
func (BaseFriendshipListener) OnFriendApplicationListRead()                     {}
func (BaseFriendshipListener) OnFriendListAdded([]FriendInfo)                   {}
func (BaseFriendshipListener) OnFriendListDeleted([]string)                     {}
func (BaseFriendshipListener) OnBlackListAdded([]FriendInfo)                    {}
func (BaseFriendshipListener) OnBlackListDeleted([]string)                      {}
func (BaseFriendshipListener) OnFriendInfoChanged([]FriendInfo)                 {}
func (BaseFriendshipListener) OnFriendGroupsChanged()                           {}
