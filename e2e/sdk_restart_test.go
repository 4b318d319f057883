package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/parleyim/parley/sdk"
	"github.com/parleyim/parley/usersig"
)

// recorder turns friendship callbacks into one ordered stream of lines.
type recorder struct {
	sdk.BaseFriendshipListener
	lines chan string
}

func (r *recorder) OnFriendListAdded(fs []sdk.FriendInfo) {
	for _, f := range fs {
		r.lines <- "added " + f.UserID
	}
}
func (r *recorder) OnFriendListDeleted(ids []string) {
	for _, id := range ids {
		r.lines <- "deleted " + id
	}
}
func (r *recorder) OnBlackListAdded(fs []sdk.FriendInfo) {
	for _, f := range fs {
		r.lines <- "blocked " + f.UserID
	}
}

func (r *recorder) expect(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case got := <-r.lines:
			if got != w {
				t.Fatalf("listener: got %q, want %q", got, w)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("listener: %q never fired", w)
		}
	}
	select {
	case extra := <-r.lines:
		t.Fatalf("listener fired again: %q (a duplicate or an unexpected change)", extra)
	case <-time.After(300 * time.Millisecond):
	}
}

// TestSDKCatchesUpAfterServerKill connects a Go SDK client, kills the server
// with SIGKILL, changes the user's relationship chain over REST after the
// restart, and requires the SDK to reconnect by itself and fire each
// listener exactly once, in order.
func TestSDKCatchesUpAfterServerKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	data := t.TempDir()
	addr := freeAddr(t)
	env := appEnv(t, "PARLEY_CLIENT_RATE_LIMIT=0")
	p := start(t, addr, env, "--data", data)
	c := newClient(t, addr, appA, keyA, "admin")
	u := runUsers("alice", "bob", "carol")
	alice, bob, carol := u[0], u[1], u[2]
	c.mustOK("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{alice, bob, carol}})
	for _, u := range []string{bob, carol} {
		c.mustOK("profile/portrait_set", map[string]any{"From_Account": u, "ProfileItem": []map[string]any{{"Tag": "Tag_Profile_IM_AllowType", "Value": "AllowType_Type_AllowAny"}}})
	}

	m := sdk.NewManager(sdk.Config{ServerURL: "http://" + addr, SDKAppID: appA, Platform: sdk.PlatformAndroid,
		ReconnectMinDelay: 50 * time.Millisecond, ReconnectMaxDelay: 500 * time.Millisecond})
	defer m.Close()
	rec := &recorder{lines: make(chan string, 64)}
	m.Friendship().AddFriendListener(rec)
	sig, _ := usersig.Generate(appA, keyA, alice, 3600, time.Now())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Login(ctx, alice, sig); err != nil {
		t.Fatal(err)
	}
	c.mustOK("sns/friend_add", map[string]any{"From_Account": alice, "AddFriendItem": []map[string]any{{"To_Account": bob}}})
	rec.expect(t, "added "+bob)

	p.kill()
	start(t, addr, env, "--data", data)
	c2 := newClient(t, addr, appA, keyA, "admin")
	c2.mustOK("sns/friend_add", map[string]any{"From_Account": alice, "AddFriendItem": []map[string]any{{"To_Account": carol}}})
	c2.mustOK("sns/black_list_add", map[string]any{"From_Account": alice, "To_Account": []string{bob}})
	rec.expect(t, "added "+carol, "blocked "+bob, "deleted "+bob)

	if m.GetLoginStatus() != sdk.StatusLoggedIn || m.GetLoginUser() != alice {
		t.Fatalf("after the restart: %v %q", m.GetLoginStatus(), m.GetLoginUser())
	}
	friends, err := m.Friendship().GetFriendList(ctx)
	if err != nil || len(friends) != 1 || friends[0].UserID != carol {
		t.Fatalf("friend list after catch-up: %v %v", friends, err)
	}
}
