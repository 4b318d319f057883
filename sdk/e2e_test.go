package sdk

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/usersig"
)

// node is a real Parley node (REST and WebSocket on one listener).
type node struct {
	*resttest.Server
}

func startNode(t *testing.T) *node {
	t.Helper()
	return &node{resttest.Start(t)}
}

func sig(t testing.TB, user string) string {
	t.Helper()
	s, err := usersig.Generate(resttest.SDKAppID, resttest.Key, user, 3600, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// device is one logged-in SDK instance with a recorder on both listeners
// and a handle on its TCP connections.
type device struct {
	*Manager
	rec *recorder

	mu    sync.Mutex
	conns []net.Conn
	gate  chan struct{} // while set, new dials wait for it to close
	dials int
}

func (n *node) device(t *testing.T, user string, p Platform) *device {
	t.Helper()
	d := &device{rec: newRecorder(user + "@" + string(p))}
	d.Manager = NewManager(Config{
		ServerURL:         n.URL,
		SDKAppID:          resttest.SDKAppID,
		Platform:          p,
		RequestTimeout:    5 * time.Second,
		ReconnectMinDelay: 20 * time.Millisecond,
		ReconnectMaxDelay: 200 * time.Millisecond,
		Dialer:            d.dial,
	})
	t.Cleanup(d.Close)
	d.AddSDKListener(d.rec)
	d.Friendship().AddFriendListener(d.rec)
	login(t, d.Manager, user)
	return d
}

// login is overridden for real nodes: a real UserSig.
// The unit tests compare the UserSig a reconnect sends with loginSig's: one
// UserSig per user for the whole run (a fresh one per call would differ
// once the clock passes a second).
var loginSigs sync.Map

func init() {
	loginSig = func(t testing.TB, user string) string {
		if s, ok := loginSigs.Load(user); ok {
			return s.(string)
		}
		s, _ := loginSigs.LoadOrStore(user, sig(t, user))
		return s.(string)
	}
}

func (d *device) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	gate := d.gate
	d.dials++
	d.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var nd net.Dialer
	c, err := nd.DialContext(ctx, network, addr)
	if err == nil {
		d.mu.Lock()
		d.conns = append(d.conns, c)
		d.mu.Unlock()
	}
	return c, err
}

// drop closes the device's current TCP connection and holds reconnects
// until the returned function is called.
func (d *device) drop() (release func()) {
	gate := make(chan struct{})
	d.mu.Lock()
	d.gate = gate
	c := d.conns[len(d.conns)-1]
	d.mu.Unlock()
	c.Close()
	return func() {
		d.mu.Lock()
		d.gate = nil
		d.mu.Unlock()
		close(gate)
	}
}

func (d *device) dialCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dials
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}

func (n *node) setAllowType(users []string, allow string) {
	for _, u := range users {
		n.MustOK("profile/portrait_set", map[string]any{"From_Account": u, "ProfileItem": []map[string]any{
			{"Tag": "Tag_Profile_IM_AllowType", "Value": allow}}})
	}
}

// makeFriends makes a and b two-way friends through REST (before the
// devices log in, so no listener sees it).
func (n *node) makeFriends(a, b string) {
	n.MustOK("sns/friend_add", map[string]any{"From_Account": a, "AddFriendItem": []map[string]any{
		{"To_Account": b, "AddSource": "AddSource_Type_Test"}}, "AddType": "Add_Type_Both", "ForceAddFlags": 1})
}

func TestE2ELoginLogoutStatus(t *testing.T) {
	n := startNode(t)
	ctx := ctxT(t)

	// A user the app never imported: the first login signs it up.
	m := NewManager(Config{ServerURL: n.URL, SDKAppID: resttest.SDKAppID, Platform: PlatformIOS})
	defer m.Close()
	rec := newRecorder("newbie")
	m.AddSDKListener(rec)
	if st := m.GetLoginStatus(); st != StatusLoggedOut {
		t.Fatalf(
			"status before login = %v",
			st)
	}
	if err := m.Login(ctx, "newbie", sig(t, "newbie")); err != nil {
		t.Fatal(err)
	}
	rec.expect(t, "connecting", "connected")
	if m.GetLoginUser() != "newbie" || m.GetLoginStatus() != StatusLoggedIn {
		t.Fatalf(
			"after login: %q %v",
			m.GetLoginUser(), m.GetLoginStatus())
	}
	resp := n.MustOK("im_open_login_svc/account_check", map[string]any{"CheckItem": []map[string]string{{"UserID": "newbie"}}})
	if items := resttest.Items(resp, "ResultItem"); len(items) != 1 || items[0]["AccountStatus"] != "Imported" {
		t.Fatalf(
			"account_check after first login: %v",
			resp)
	}
	users, err := m.GetUsersInfo(ctx, []string{"newbie", "nobody"})
	if err != nil || len(users) != 1 || users[0].UserID != "newbie" || users[0].AllowType != AllowTypeNeedConfirm {
		t.Fatalf(
			"GetUsersInfo = %+v, %v; want newbie only, NeedConfirm by default",
			users, err)
	}

	// Long lists are split into requests the server accepts.
	many := []string{"newbie"}
	for i := range 150 {
		many = append(many, fmt.Sprintf("ghost%d", i))
	}
	if users, err := m.GetUsersInfo(ctx, many); err != nil || len(users) != 1 {
		t.Fatalf(
			"GetUsersInfo(150 ids) = %d users, %v",
			len(users), err)
	}
	if infos, err := m.Friendship().GetFriendsInfo(ctx, many); err != nil || len(infos) != len(many) || infos[150].FriendInfo.UserID != "ghost149" {
		t.Fatalf(
			"GetFriendsInfo(150 ids) = %d results, %v",
			len(infos), err)
	}

	// Own profile change: OnSelfInfoUpdated.
	if err := m.SetSelfInfo(ctx, UserFullInfo{NickName: "Newbie", AllowType: AllowTypeAllowAny, ModifiedFields: FieldAllowType}); err != nil {
		t.Fatal(err)
	}
	rec.expect(t, "self newbie nick=Newbie")
	users, err = m.GetUsersInfo(ctx, []string{"newbie"})
	if err != nil || users[0].NickName != "Newbie" || users[0].AllowType != AllowTypeAllowAny {
		t.Fatalf(
			"after SetSelfInfo: %+v, %v",
			users, err)
	}

	if err := m.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if m.GetLoginUser() != "" || m.GetLoginStatus() != StatusLoggedOut {
		t.Fatalf(
			"after logout: %q %v",
			m.GetLoginUser(), m.GetLoginStatus())
	}
	if _, err := m.GetUsersInfo(ctx, []string{"newbie"}); ErrorCode(err) != ErrCodeNotLoggedIn {
		t.Fatalf(
			"call after logout: %v, want %d",
			err, ErrCodeNotLoggedIn)
	}

	// Refused logins.
	expired, err := usersig.Generate(resttest.SDKAppID, resttest.Key, "newbie", 60, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Login(ctx, "newbie", expired); ErrorCode(err) != ErrCodeUserSigExpired {
		t.Fatalf(
			"login with an expired UserSig: %v, want %d",
			err, ErrCodeUserSigExpired)
	}
	err = m.Login(ctx, "newbie", sig(t, "someoneelse"))
	if code := ErrorCode(err); code < 70001 || code > 70014 {
		t.Fatalf(
			"login with another user's UserSig: %v, want a 700xx code",
			err)
	}
	if m.GetLoginStatus() != StatusLoggedOut {
		t.Fatalf(
			"status after refused logins: %v",
			m.GetLoginStatus())
	}
	// And in again.
	if err := m.Login(ctx, "newbie", sig(t, "newbie")); err != nil {
		t.Fatal(err)
	}
	if m.GetLoginStatus() != StatusLoggedIn {
		t.Fatalf(
			"status after relogin: %v",
			m.GetLoginStatus())
	}
}

func TestE2EAddFriendAllowAny(t *testing.T) {
	n := startNode(t)
	ctx := ctxT(t)
	n.Import("alice", "bob", "carol")
	n.setAllowType([]string{"bob", "carol"}, "AllowType_Type_AllowAny")
	aliceWeb := n.device(t, "alice", PlatformWeb)
	aliceAndroid := n.device(t, "alice", PlatformAndroid)
	bob := n.device(t, "bob", PlatformWeb)
	carol := n.device(t, "carol", PlatformWindows)

	res, err := aliceWeb.Friendship().AddFriend(ctx, FriendAddApplication{UserID: "bob", AddSource: "AddSource_Type_Web", FriendRemark: "Bobby", AddWording: "hi"})
	if err != nil || res.ResultCode != 0 || res.UserID != "bob" {
		t.Fatalf(
			"AddFriend(bob) = %+v, %v",
			res, err)
	}
	aliceWeb.rec.expect(t, "friend+ bob")
	aliceAndroid.rec.expect(t, "friend+ bob")
	bob.rec.expect(t, "friend+ alice")

	list, err := aliceAndroid.Friendship().GetFriendList(ctx)
	if err != nil || len(list) != 1 || list[0].UserID != "bob" || list[0].FriendRemark != "Bobby" || list[0].AddSource != "AddSource_Type_Web" {
		t.Fatalf(
			"alice's friend list = %+v, %v",
			list, err)
	}
	infos, err := bob.Friendship().GetFriendsInfo(ctx, []string{"alice", "carol"})
	if err != nil || len(infos) != 2 || infos[0].Relation != RelationBothWay || infos[0].FriendInfo.UserID != "alice" ||
		infos[1].Relation != RelationNone {
		t.Fatalf(
			"bob's GetFriendsInfo = %+v, %v",
			infos, err)
	}

	// One-way: only alice's list changes.
	res, err = aliceWeb.Friendship().AddFriend(ctx, FriendAddApplication{UserID: "carol", AddType: FriendTypeSingle, AddSource: "AddSource_Type_Web"})
	if err != nil || res.ResultCode != 0 {
		t.Fatalf(
			"AddFriend(carol, single) = %+v, %v",
			res, err)
	}
	aliceWeb.rec.expect(t, "friend+ carol")
	aliceAndroid.rec.expect(t, "friend+ carol")
	checks, err := carol.Friendship().CheckFriend(ctx, []string{"alice"}, FriendTypeBoth)
	if err != nil || len(checks) != 1 || checks[0].ResultType != RelationInOtherFriendList {
		t.Fatalf(
			"carol's CheckFriend(alice) = %+v, %v",
			checks, err)
	}
	checks, err = aliceWeb.Friendship().CheckFriend(ctx, []string{"bob", "carol"}, FriendTypeBoth)
	if err != nil || len(checks) != 2 || checks[0].ResultType != RelationBothWay || checks[1].ResultType != RelationInMyFriendList {
		t.Fatalf(
			"alice's CheckFriend = %+v, %v",
			checks, err)
	}

	// Remark change from one device reaches the other as OnFriendInfoChanged.
	if err := aliceWeb.Friendship().SetFriendInfo(ctx, FriendInfo{UserID: "bob", FriendRemark: "B."}); err != nil {
		t.Fatal(err)
	}
	aliceAndroid.rec.expect(t, "friend~ bob")
	aliceWeb.rec.expect(t, "friend~ bob")

	// Delete both ways.
	del, err := aliceAndroid.Friendship().DeleteFromFriendList(ctx, []string{"bob"}, FriendTypeBoth)
	if err != nil || len(del) != 1 || del[0].ResultCode != 0 {
		t.Fatalf(
			"DeleteFromFriendList = %+v, %v",
			del, err)
	}
	aliceWeb.rec.expect(t, "friend- bob")
	aliceAndroid.rec.expect(t, "friend- bob")
	bob.rec.expect(t, "friend- alice")
	carol.rec.expectQuiet(t, 50*time.Millisecond)

	if _, err := aliceWeb.Friendship().DeleteFromFriendList(ctx, make([]string, MaxDeleteFriends+1), FriendTypeBoth); ErrorCode(err) != ErrCodeInvalidParameters {
		t.Fatalf(
			"deleting %d friends: %v",
			MaxDeleteFriends+1, err)
	}
}

func TestE2EFriendRequests(t *testing.T) {
	n := startNode(t)
	ctx := ctxT(t)
	n.Import("alice", "bob", "dave", "erin", "frank")
	bob := n.device(t, "bob", PlatformWeb) // NeedConfirm: the default
	bobPad := n.device(t, "bob", PlatformIPad)
	alice := n.device(t, "alice", PlatformWeb)

	res, err := alice.Friendship().AddFriend(ctx, FriendAddApplication{UserID: "bob", AddSource: "AddSource_Type_Web", AddWording: "hello"})
	if err != nil || res.ResultCode != ResultFriendAddPending || res.UserID != "bob" {
		t.Fatalf(
			"AddFriend(bob) = %+v, %v; want result 30539 and no error",
			res, err)
	}
	alice.rec.expect(t, "app+ bob/out")
	bob.rec.expect(t, "app+ alice/in")
	bobPad.rec.expect(t, "app+ alice/in")

	apps, err := bob.Friendship().GetFriendApplicationList(ctx)
	if err != nil || apps.UnreadCount != 1 || len(apps.Applications) != 1 {
		t.Fatalf(
			"bob's applications = %+v, %v",
			apps, err)
	}
	app := apps.Applications[0]
	if app.UserID != "alice" || app.Type != ApplicationComeIn || app.AddWording != "hello" || app.AddSource != "AddSource_Type_Web" {
		t.Fatalf(
			"bob's application = %+v",
			app)
	}
	if err := bob.Friendship().SetFriendApplicationRead(ctx); err != nil {
		t.Fatal(err)
	}
	bob.rec.expect(t, "app-read")
	bobPad.rec.expect(t, "app-read")
	if apps, _ := bob.Friendship().GetFriendApplicationList(ctx); apps.UnreadCount != 0 {
		t.Fatalf(
			"unread after SetFriendApplicationRead: %d",
			apps.UnreadCount)
	}

	// Agree: one-way, bob into alice's list.
	if err := bob.Friendship().AcceptFriendApplication(ctx, app, ResponseAgree); err != nil {
		t.Fatal(err)
	}
	alice.rec.expect(t, "friend+ bob", "app- bob")
	bob.rec.expect(t, "app- alice")
	bobPad.rec.expect(t, "app- alice")
	checks, err := alice.Friendship().CheckFriend(ctx, []string{"bob"}, FriendTypeBoth)
	if err != nil || checks[0].ResultType != RelationInMyFriendList {
		t.Fatalf(
			"after agree: %+v, %v",
			checks, err)
	}

	// Agree and add: two-way.
	dave := n.device(t, "dave", PlatformAndroid)
	if res, err := dave.Friendship().AddFriend(ctx, FriendAddApplication{UserID: "bob", AddSource: "AddSource_Type_App"}); err != nil || res.ResultCode != ResultFriendAddPending {
		t.Fatalf(
			"dave AddFriend = %+v, %v",
			res, err)
	}
	dave.rec.expect(t, "app+ bob/out")
	bob.rec.expect(t, "app+ dave/in")
	bobPad.rec.expect(t, "app+ dave/in")
	if err := bobPad.Friendship().AcceptFriendApplication(ctx, FriendApplication{UserID: "dave", Type: ApplicationComeIn}, ResponseAgreeAndAdd); err != nil {
		t.Fatal(err)
	}
	dave.rec.expect(t, "friend+ bob", "app- bob")
	bob.rec.expect(t, "friend+ dave", "app- dave")
	bobPad.rec.expect(t, "friend+ dave", "app- dave")
	checks, err = dave.Friendship().CheckFriend(ctx, []string{"bob"}, FriendTypeBoth)
	if err != nil || checks[0].ResultType != RelationBothWay {
		t.Fatalf(
			"after agree and add: %+v, %v",
			checks, err)
	}

	// Refuse.
	erin := n.device(t, "erin", PlatformMac)
	if res, err := erin.Friendship().AddFriend(ctx, FriendAddApplication{UserID: "bob", AddSource: "AddSource_Type_App"}); err != nil || res.ResultCode != ResultFriendAddPending {
		t.Fatalf(
			"erin AddFriend = %+v, %v",
			res, err)
	}
	erin.rec.expect(t, "app+ bob/out")
	bob.rec.expect(t, "app+ erin/in")
	bobPad.rec.expect(t, "app+ erin/in")
	if err := bob.Friendship().RefuseFriendApplication(ctx, FriendApplication{UserID: "erin", Type: ApplicationComeIn}); err != nil {
		t.Fatal(err)
	}
	erin.rec.expect(t, "app- bob")
	bob.rec.expect(t, "app- erin")
	bobPad.rec.expect(t, "app- erin")
	if err := bob.Friendship().RefuseFriendApplication(ctx, FriendApplication{UserID: "erin"}); ErrorCode(err) == 0 {
		t.Fatal("refusing a request that is gone succeeded")
	}

	// The requester withdraws.
	frank := n.device(t, "frank", PlatformIOS)
	if res, err := frank.Friendship().AddFriend(ctx, FriendAddApplication{UserID: "bob", AddSource: "AddSource_Type_App"}); err != nil || res.ResultCode != ResultFriendAddPending {
		t.Fatalf(
			"frank AddFriend = %+v, %v",
			res, err)
	}
	frank.rec.expect(t, "app+ bob/out")
	bob.rec.expect(t, "app+ frank/in")
	bobPad.rec.expect(t, "app+ frank/in")
	if err := frank.Friendship().DeleteFriendApplication(ctx, FriendApplication{UserID: "bob", Type: ApplicationSendOut}); err != nil {
		t.Fatal(err)
	}
	frank.rec.expect(t, "app- bob")
	bob.rec.expect(t, "app- frank")
	bobPad.rec.expect(t, "app- frank")
	if apps, err := bob.Friendship().GetFriendApplicationList(ctx); err != nil || len(apps.Applications) != 0 {
		t.Fatalf(
			"bob's applications at the end: %+v, %v",
			apps, err)
	}
	alice.rec.expectQuiet(t, 50*time.Millisecond)
}

func TestE2EFriendGroups(t *testing.T) {
	n := startNode(t)
	ctx := ctxT(t)
	n.Import("alice", "bob", "carol")
	n.makeFriends("alice", "bob")
	n.makeFriends("alice", "carol")
	alice := n.device(t, "alice", PlatformWeb)
	alice2 := n.device(t, "alice", PlatformWindows)
	fs := alice.Friendship()

	res, err := fs.CreateFriendGroup(ctx, "work", []string{"bob"})
	if err != nil || len(res) != 1 || res[0].UserID != "bob" || res[0].ResultCode != 0 {
		t.Fatalf(
			"CreateFriendGroup = %+v, %v",
			res, err)
	}
	alice.rec.expect(t, "groups~")
	alice2.rec.expect(t, "groups~")
	if _, err := fs.CreateFriendGroup(ctx, "family", nil); err != nil {
		t.Fatal(err)
	}
	alice2.rec.expect(t, "groups~")
	if _, err := fs.AddFriendsToFriendGroup(ctx, "family", []string{"carol", "bob"}); err != nil {
		t.Fatal(err)
	}
	alice2.rec.expect(t, "groups~")
	if _, err := fs.DeleteFriendsFromFriendGroup(ctx, "family", []string{"bob"}); err != nil {
		t.Fatal(err)
	}
	alice2.rec.expect(t, "groups~")
	if err := fs.RenameFriendGroup(ctx, "work", "office"); err != nil {
		t.Fatal(err)
	}
	alice2.rec.expect(t, "groups~")

	groups, err := alice2.Friendship().GetFriendGroups(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, g := range groups {
		got[g.Name] = fmt.Sprintf("%d:%s", g.FriendCount, ids(g.FriendIDs))
	}
	if len(got) != 2 || got["office"] != "1:bob" || got["family"] != "1:carol" {
		t.Fatalf(
			"groups = %+v",
			groups)
	}
	one, err := fs.GetFriendGroups(ctx, []string{"office"})
	if err != nil || len(one) != 1 || one[0].Name != "office" {
		t.Fatalf(
			"GetFriendGroups(office) = %+v, %v",
			one, err)
	}
	list, err := fs.GetFriendList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range list {
		if f.UserID == "bob" && strings.Join(f.FriendGroups, ",") != "office" {
			t.Fatalf(
				"bob's groups = %v",
				f.FriendGroups)
		}
	}

	if err := fs.DeleteFriendGroup(ctx, []string{"office", "family"}); err != nil {
		t.Fatal(err)
	}
	alice2.rec.expect(t, "groups~")
	if groups, err := fs.GetFriendGroups(ctx, nil); err != nil || len(groups) != 0 {
		t.Fatalf(
			"groups after delete = %+v, %v",
			groups, err)
	}
	if list, err := fs.GetFriendList(ctx); err != nil || len(list) != 2 {
		t.Fatalf(
			"deleting lists must keep the friends: %+v, %v",
			list, err)
	}
}

func TestE2EBlocklist(t *testing.T) {
	n := startNode(t)
	ctx := ctxT(t)
	n.Import("alice", "bob")
	n.makeFriends("alice", "bob")
	n.MustOK("profile/portrait_set", map[string]any{"From_Account": "bob", "ProfileItem": []map[string]any{
		{"Tag": "Tag_Profile_IM_Nick", "Value": "Bob"}}})
	alice := n.device(t, "alice", PlatformWeb)
	bob := n.device(t, "bob", PlatformAndroid)

	res, err := alice.Friendship().AddToBlackList(ctx, []string{"bob"})
	if err != nil || len(res) != 1 || res[0].ResultCode != 0 {
		t.Fatalf(
			"AddToBlackList = %+v, %v",
			res, err)
	}
	alice.rec.expect(t, "block+ bob", "friend- bob")
	bob.rec.expect(t, "friend- alice")

	bl, err := alice.Friendship().GetBlackList(ctx)
	if err != nil || len(bl) != 1 || bl[0].UserID != "bob" || bl[0].UserProfile.NickName != "Bob" || bl[0].AddTime == 0 {
		t.Fatalf(
			"GetBlackList = %+v, %v",
			bl, err)
	}
	if _, err := bob.Friendship().AddFriend(ctx, FriendAddApplication{UserID: "alice", AddSource: "AddSource_Type_App"}); ErrorCode(err) != 30525 {
		t.Fatalf(
			"blocked user adds the blocker: %v, want 30525",
			err)
	}
	r, err := alice.Friendship().AddFriend(ctx, FriendAddApplication{UserID: "bob", AddSource: "AddSource_Type_App"})
	if ErrorCode(err) != 30515 || r.ResultCode != 30515 || r.UserID != "bob" {
		t.Fatalf(
			"blocker adds the blocked user: %+v, %v; want 30515",
			r, err)
	}

	if _, err := alice.Friendship().DeleteFromBlackList(ctx, []string{"bob"}); err != nil {
		t.Fatal(err)
	}
	alice.rec.expect(t, "block- bob")
	if bl, err := alice.Friendship().GetBlackList(ctx); err != nil || len(bl) != 0 {
		t.Fatalf(
			"blocklist after unblock = %+v, %v",
			bl, err)
	}
	checks, err := alice.Friendship().CheckFriend(ctx, []string{"bob"}, FriendTypeBoth)
	if err != nil || checks[0].ResultType != RelationNone {
		t.Fatalf(
			"unblocking must not restore the friendship: %+v, %v",
			checks, err)
	}
	bob.rec.expectQuiet(t, 50*time.Millisecond)
}

func TestE2ERESTChangesFireListeners(t *testing.T) {
	n := startNode(t)
	n.Import("alice", "bob")
	alice := n.device(t, "alice", PlatformWeb)
	bob := n.device(t, "bob", PlatformWeb)

	n.makeFriends("alice", "bob")
	alice.rec.expect(t, "friend+ bob")
	bob.rec.expect(t, "friend+ alice")

	n.MustOK("sns/friend_update", map[string]any{"From_Account": "alice", "UpdateItem": []map[string]any{
		{"To_Account": "bob", "SnsItem": []map[string]any{{"Tag": "Tag_SNS_IM_Remark", "Value": "Bobby"}}}}})
	alice.rec.expect(t, "friend~ bob")

	n.MustOK("profile/portrait_set", map[string]any{"From_Account": "bob", "ProfileItem": []map[string]any{
		{"Tag": "Tag_Profile_IM_Nick", "Value": "Bob B."}}})
	bob.rec.expect(t, "self bob nick=Bob B.")
	alice.rec.expect(t, "friend~ bob")

	n.MustOK("sns/black_list_add", map[string]any{"From_Account": "bob", "To_Account": []string{"alice"}})
	bob.rec.expect(t, "block+ alice", "friend- alice")
	alice.rec.expect(t, "friend- bob")
}

// friendInfoRecorder keeps the FriendInfo of OnFriendInfoChanged.
type friendInfoRecorder struct {
	BaseFriendshipListener
	ch chan []FriendInfo
}

func (r *friendInfoRecorder) OnFriendInfoChanged(f []FriendInfo) { r.ch <- f }

func TestE2EFriendInfoChangedCarriesState(t *testing.T) {
	n := startNode(t)
	n.Import("alice", "bob")
	n.makeFriends("alice", "bob")
	alice := n.device(t, "alice", PlatformWeb)
	fr := &friendInfoRecorder{ch: make(chan []FriendInfo, 10)}
	alice.Friendship().AddFriendListener(fr)
	n.MustOK("profile/portrait_set", map[string]any{"From_Account": "bob", "ProfileItem": []map[string]any{
		{"Tag": "Tag_Profile_IM_Nick", "Value": "Bobby"}}})
	select {
	case infos := <-fr.ch:
		if len(infos) != 1 || infos[0].UserID != "bob" || infos[0].UserProfile.NickName != "Bobby" {
			t.Fatalf(
				"OnFriendInfoChanged(%+v): want bob's new profile",
				infos)
		}
	case <-time.After(waitTimeout):
		t.Fatal("no OnFriendInfoChanged")
	}
}

func TestE2EKickedBySecondWebLogin(t *testing.T) {
	n := startNode(t)
	n.Import("alice")
	first := n.device(t, "alice", PlatformWeb)
	android := n.device(t, "alice", PlatformAndroid)
	second := n.device(t, "alice", PlatformWeb)
	first.rec.expect(t, "kicked")
	if first.GetLoginStatus() != StatusLoggedOut || first.GetLoginUser() != "" {
		t.Fatalf(
			"kicked instance: %v %q",
			first.GetLoginStatus(), first.GetLoginUser())
	}
	dials := first.dialCount()
	// Had the kicked instance logged in again, it would kick the second one.
	second.rec.expectQuiet(t, 500*time.Millisecond) // 25× the reconnect delay
	android.rec.expectQuiet(t, 0)
	if d := first.dialCount(); d != dials {
		t.Fatalf(
			"the kicked instance dialed %d more times",
			d-dials)
	}
	if second.GetLoginStatus() != StatusLoggedIn || android.GetLoginStatus() != StatusLoggedIn {
		t.Fatalf(
			"the other instances: %v %v",
			second.GetLoginStatus(), android.GetLoginStatus())
	}
	if _, err := first.Friendship().GetFriendList(ctxT(t)); ErrorCode(err) != ErrCodeNotLoggedIn {
		t.Fatalf(
			"call on the kicked instance: %v",
			err)
	}
}

func TestE2ERESTKick(t *testing.T) {
	n := startNode(t)
	n.Import("alice")
	web := n.device(t, "alice", PlatformWeb)
	android := n.device(t, "alice", PlatformAndroid)
	n.MustOK("im_open_login_svc/kick", map[string]any{"UserID": "alice"})
	web.rec.expect(t, "kicked")
	android.rec.expect(t, "kicked")
	wd, ad := web.dialCount(), android.dialCount()
	web.rec.expectQuiet(t, 300*time.Millisecond)
	if web.dialCount() != wd || android.dialCount() != ad {
		t.Fatal("a kicked instance reconnected")
	}
	for _, d := range []*device{web, android} {
		if d.GetLoginStatus() != StatusLoggedOut {
			t.Fatalf(
				"status after REST kick: %v",
				d.GetLoginStatus())
		}
	}
}

func TestE2EReconnectCatchUp(t *testing.T) {
	n := startNode(t)
	n.Import("alice", "bob", "carol")
	alice := n.device(t, "alice", PlatformWeb)
	alice.rec.expect(t, "connecting", "connected")

	release := alice.drop()
	alice.rec.expect(t, "connecting") // the reconnect attempt, held at the dial
	if st := alice.GetLoginStatus(); st != StatusLoggingIn {
		t.Fatalf(
			"status while reconnecting = %v",
			st)
	}
	t0 := time.Now()
	n.makeFriends("alice", "bob")
	t.Logf("makeFriends %v", time.Since(t0))
	n.MustOK("sns/friend_update", map[string]any{"From_Account": "alice", "UpdateItem": []map[string]any{
		{"To_Account": "bob", "SnsItem": []map[string]any{{"Tag": "Tag_SNS_IM_Remark", "Value": "B"}}}}})
	t.Logf("update %v", time.Since(t0))
	n.MustOK("sns/black_list_add", map[string]any{"From_Account": "alice", "To_Account": []string{"carol"}})
	n.MustOK("profile/portrait_set", map[string]any{"From_Account": "alice", "ProfileItem": []map[string]any{
		{"Tag": "Tag_Profile_IM_Nick", "Value": "Ally"}}})
	n.MustOK("sns/friend_delete", map[string]any{"From_Account": "alice", "To_Account": []string{"bob"}, "DeleteType": "Delete_Type_Single"})
	t.Logf("all %v", time.Since(t0))
	release()

	alice.rec.expect(t, "connected", "friend+ bob", "friend~ bob", "block+ carol", "self alice nick=Ally", "friend- bob")
	alice.rec.expectQuiet(t, 300*time.Millisecond)
	if st := alice.GetLoginStatus(); st != StatusLoggedIn {
		t.Fatalf(
			"status after reconnect = %v",
			st)
	}

	// Live pushes continue on the new connection.
	n.MustOK("sns/black_list_delete", map[string]any{"From_Account": "alice", "To_Account": []string{"carol"}})
	alice.rec.expect(t, "block- carol")
}
