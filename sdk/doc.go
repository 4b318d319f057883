// Package sdk is the Go client SDK of Parley, shaped like Tencent Cloud
// Chat's V2TIM API: a Manager (V2TIMManager) per SDK instance, managers for
// each area (Friendship for V2TIMFriendshipManager), and listeners for what
// the server reports.
//
// It speaks Parley's real-time protocol (docs/protocol.md): one WebSocket
// per logged-in instance at /v1/ws?sdkappid=N, JSON frames with "v":1,
// requests answered by id, and pushes numbered by the user's change-log
// seq.
//
// # Lifecycle
//
//	m := sdk.NewManager(sdk.Config{ServerURL: "https://im.example.com", SDKAppID: 1400000001, Platform: sdk.PlatformAndroid})
//	defer m.Close()
//	m.AddSDKListener(myListener)
//	err := m.Login(ctx, userID, userSig) // userSig from your app server
//
// After Login the SDK keeps the session online by itself: it pings at the
// server's heartbeat interval and, when the connection drops, reconnects
// with exponential backoff and jitter, logs in again with the same UserSig
// and replays the changes it missed (sync from the last applied seq), so
// every change reaches the listeners exactly once and in order. It does not
// reconnect after Logout, after being kicked (OnKickedOffline: another login
// beyond the app's instance limit, or the app's REST kick) or when the
// UserSig expired (OnUserSigExpired).
//
// # Calls and errors
//
// Every call takes a context and is bounded by Config.RequestTimeout; a
// call made while the SDK reconnects waits for the connection. Errors are
// *Error values carrying Tencent's codes: the server's (30515, 30525, 70001,
// ...) unchanged, and the SDK's own ErrCode* constants. A friend request
// that waits for confirmation is a result (ResultFriendAddPending, 30539),
// not an error.
//
// # Listeners
//
// Listener callbacks of a Manager run on one goroutine of the SDK, in order,
// never on the connection's reader: a slow callback delays later callbacks
// but not the connection, and a callback may call the SDK. Pushes say what
// changed; before calling back, the SDK reads the state the listener is
// given (friend.info for added or changed friends, friend_request.list for
// new requests, user.get for profiles).
//
// # Messages and conversations
//
// Manager.Message (V2TIMMessageManager) creates, sends and reads
// one-to-one messages; Manager.Conversation (V2TIMConversationManager)
// reads the conversation list. Every message has its conversation's seq,
// shared by both users and ascending by 1; the SDK remembers the highest
// seq it reported per conversation, drops repeated pushes, fetches
// (msg.history) what a push skipped, and after every reconnect compares
// conversation.list's lastSeq with it, so each message reaches
// AdvancedMsgListener.OnRecvNewMessage exactly once per device, in seq
// order. The instance that sent a message gets SendMessage's answer
// instead. Conversation listeners are told the difference after the SDK
// re-reads the list following a change.
//
// # Groups
//
// Manager.Group (V2TIMGroupManager) creates, joins and manages groups as
// the logged-in user (the server's rule matrix decides, with Tencent's
// codes); GroupListener hears member, profile, admin, application and
// dismissal changes. Group messages go through the MessageManager
// (SendGroupMessage, GetGroupHistoryMessageList, RevokeMessage,
// MarkGroupMessageAsRead) and are tracked like one-to-one ones, by the
// group's seq: each reaches OnRecvNewMessage once per device, in order,
// across gaps and reconnects.
package sdk
