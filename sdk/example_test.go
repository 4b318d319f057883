package sdk_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/sdk"
	"github.com/parleyim/parley/usersig"
)

// The examples run against a real Parley node started in-process. In an
// app, ServerURL is your node's address and the UserSig comes from your
// app server.

// userSig stands in for the app server computing a UserSig.
func userSig(user string) string {
	s, err := usersig.Generate(resttest.SDKAppID, resttest.Key, user, 86400, time.Now())
	if err != nil {
		panic(err)
	}
	return s
}

func Example() {
	node, stop := startExampleNode()
	defer stop()
	ctx := context.Background()

	m := sdk.NewManager(sdk.Config{
		ServerURL: node.URL, // e.g. "https://im.example.com"
		SDKAppID:  resttest.SDKAppID,
		Platform:  sdk.PlatformAndroid,
	})
	defer m.Close()

	// The first login of an unknown user signs it up.
	if err := m.Login(ctx, "alice", userSig("alice")); err != nil {
		fmt.Println("login failed:", err)
		return
	}
	fmt.Println(m.GetLoginUser(), m.GetLoginStatus())

	if err := m.SetSelfInfo(ctx, sdk.UserFullInfo{NickName: "Alice"}); err != nil {
		fmt.Println(err)
	}
	users, _ := m.GetUsersInfo(ctx, []string{"alice"})
	fmt.Println(users[0].NickName)

	if err := m.Logout(ctx); err != nil {
		fmt.Println(err)
	}
	fmt.Println(m.GetLoginStatus())
	// Output:
	// alice logged in
	// Alice
	// logged out
}

// events reports friend-request and friend-list changes on a channel.
type events struct {
	sdk.BaseFriendshipListener
	ch chan string
}

func (e *events) OnFriendApplicationListAdded(apps []sdk.FriendApplication) {
	for _, a := range apps {
		dir := "from"
		if a.Type == sdk.ApplicationSendOut {
			dir = "to"
		}
		e.ch <- fmt.Sprintf("friend request %s %s: %q", dir, a.UserID, a.AddWording)
	}
}

func (e *events) OnFriendListAdded(friends []sdk.FriendInfo) {
	for _, f := range friends {
		e.ch <- f.UserID + " is now a friend"
	}
}

func ExampleFriendshipManager_AddFriend() {
	node, stop := startExampleNode()
	defer stop()
	ctx := context.Background()
	alice, bob := exampleLogin(node, "alice"), exampleLogin(node, "bob")
	defer alice.Close()
	defer bob.Close()
	aliceEvents := &events{ch: make(chan string, 10)}
	bobEvents := &events{ch: make(chan string, 10)}
	alice.Friendship().AddFriendListener(aliceEvents)
	bob.Friendship().AddFriendListener(bobEvents)

	// bob confirms requests (the default AllowType): the add is pending.
	res, err := alice.Friendship().AddFriend(ctx, sdk.FriendAddApplication{
		UserID:     "bob",
		AddSource:  "AddSource_Type_Android",
		AddWording: "hi, it's Alice",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("result code:", res.ResultCode)
	fmt.Println("alice:", <-aliceEvents.ch)
	fmt.Println("bob:", <-bobEvents.ch)

	apps, _ := bob.Friendship().GetFriendApplicationList(ctx)
	if err := bob.Friendship().AcceptFriendApplication(ctx, apps.Applications[0], sdk.ResponseAgreeAndAdd); err != nil {
		fmt.Println(err)
	}
	fmt.Println("alice:", <-aliceEvents.ch)
	fmt.Println("bob:", <-bobEvents.ch)
	// Output:
	// result code: 30539
	// alice: friend request to bob: "hi, it's Alice"
	// bob: friend request from alice: "hi, it's Alice"
	// alice: bob is now a friend
	// bob: alice is now a friend
}

// kickWatcher reports being kicked.
type kickWatcher struct {
	sdk.BaseSDKListener
	kicked chan struct{}
}

func (k *kickWatcher) OnKickedOffline() { close(k.kicked) }

func ExampleManager_AddSDKListener() {
	node, stop := startExampleNode()
	defer stop()
	first := exampleLogin(node, "alice") // Web: one online instance by default
	defer first.Close()
	w := &kickWatcher{kicked: make(chan struct{})}
	first.AddSDKListener(w)

	second := exampleLogin(node, "alice") // another Web login of alice
	defer second.Close()
	<-w.kicked
	fmt.Println("first:", first.GetLoginStatus())
	fmt.Println("second:", second.GetLoginStatus())
	// Output:
	// first: logged out
	// second: logged in
}

func ExampleFriendshipManager_AddToBlackList() {
	node, stop := startExampleNode()
	defer stop()
	ctx := context.Background()
	node.Import("alice", "bob")
	node.MustOK("sns/friend_import", map[string]any{"From_Account": "alice", "AddFriendItem": []map[string]any{
		{"To_Account": "bob", "AddSource": "AddSource_Type_Import"}}})
	alice := exampleLogin(node, "alice")
	defer alice.Close()

	if _, err := alice.Friendship().AddToBlackList(ctx, []string{"bob"}); err != nil {
		fmt.Println(err)
	}
	blocked, _ := alice.Friendship().GetBlackList(ctx)
	friends, _ := alice.Friendship().GetFriendList(ctx)
	fmt.Println("blocked:", len(blocked), blocked[0].UserID)
	fmt.Println("friends:", len(friends))

	// Adding a blocked user is refused with Tencent's code.
	_, err := alice.Friendship().AddFriend(ctx, sdk.FriendAddApplication{UserID: "bob", AddSource: "AddSource_Type_Web"})
	fmt.Println("add:", sdk.ErrorCode(err))
	// Output:
	// blocked: 1 bob
	// friends: 0
	// add: 30515
}

// inbox reports received messages and read receipts on channels.
type inbox struct {
	sdk.BaseAdvancedMsgListener
	messages chan *sdk.Message
	receipts chan sdk.MessageReceipt
}

func newInbox() *inbox {
	return &inbox{messages: make(chan *sdk.Message, 10), receipts: make(chan sdk.MessageReceipt, 10)}
}

func (in *inbox) OnRecvNewMessage(msg *sdk.Message) { in.messages <- msg }

func (in *inbox) OnRecvC2CReadReceipt(receipts []sdk.MessageReceipt) {
	for _, r := range receipts {
		in.receipts <- r
	}
}

func ExampleMessageManager_SendMessage() {
	node, stop := startExampleNode()
	defer stop()
	ctx := context.Background()
	alice, bob := exampleLogin(node, "alice"), exampleLogin(node, "bob")
	defer alice.Close()
	defer bob.Close()
	aliceInbox, bobInbox := newInbox(), newInbox()
	alice.Message().AddAdvancedMsgListener(aliceInbox)
	bob.Message().AddAdvancedMsgListener(bobInbox)

	msg := alice.Message().CreateTextMessage("hello, bob")
	sent, err := alice.Message().SendMessage(ctx, msg, "bob", sdk.SendOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("alice sent seq", sent.Seq, "to", sent.UserID)

	got := <-bobInbox.messages
	fmt.Printf("bob got %q from %s\n", got.Elems[0].(*sdk.TextElem).Text, got.Sender)

	reply := bob.Message().CreateTextMessage("hi, alice")
	if err := reply.AppendElem(&sdk.CustomElem{Data: []byte(`{"mood":"happy"}`)}); err != nil {
		fmt.Println(err)
	}
	if _, err := bob.Message().SendMessage(ctx, reply, "alice", sdk.SendOptions{}); err != nil {
		fmt.Println(err)
	}
	got = <-aliceInbox.messages
	fmt.Printf("alice got %q (+%d element) seq %d\n", got.Elems[0].(*sdk.TextElem).Text, len(got.Elems)-1, got.Seq)

	unread, _ := alice.Conversation().GetTotalUnreadMessageCount(ctx)
	fmt.Println("alice's unread:", unread)
	if err := alice.Message().MarkC2CMessageAsRead(ctx, "bob"); err != nil {
		fmt.Println(err)
	}
	r := <-bobInbox.receipts
	fmt.Println("bob: read by", r.UserID, "up to seq", r.Seq)

	history, _ := bob.Message().GetC2CHistoryMessageList(ctx, "alice", 20, nil)
	for _, m := range history {
		fmt.Println("history:", m.Seq, m.Sender, m.IsSelf)
	}
	// Output:
	// alice sent seq 1 to bob
	// bob got "hello, bob" from alice
	// alice got "hi, alice" (+1 element) seq 2
	// alice's unread: 1
	// bob: read by alice up to seq 2
	// history: 2 bob true
	// history: 1 alice false
}

func exampleLogin(node *resttest.Server, user string) *sdk.Manager {
	m := sdk.NewManager(sdk.Config{ServerURL: node.URL, SDKAppID: resttest.SDKAppID, Platform: sdk.PlatformWeb})
	if err := m.Login(context.Background(), user, userSig(user)); err != nil {
		panic(err)
	}
	return m
}

// startExampleNode starts a node outside a test (examples get no
// testing.T).
func startExampleNode() (*resttest.Server, func()) {
	tb := &exampleTB{}
	return resttest.Start(tb), tb.done
}

type exampleTB struct {
	testing.TB // only the methods below are used
	cleanups   []func()
	dirs       []string
}

func (e *exampleTB) Helper()                           {}
func (e *exampleTB) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }
func (e *exampleTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (e *exampleTB) Cleanup(f func())                  { e.cleanups = append(e.cleanups, f) }
func (e *exampleTB) TempDir() string {
	d, err := os.MkdirTemp("", "parley-example-")
	if err != nil {
		panic(err)
	}
	e.dirs = append(e.dirs, d)
	return d
}

func (e *exampleTB) done() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
	for _, d := range e.dirs {
		os.RemoveAll(d)
	}
}
