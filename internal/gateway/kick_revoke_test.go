package gateway_test

import (
	"testing"
	"time"

	"github.com/parleyim/parley/internal/gateway"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/usersig"
)

// REST im_open_login_svc/kick voids every UserSig issued to the user before
// it (Tencent: "all previous UserSig values for that user will expire"): the
// kicked client cannot log straight back in with its ticket, a new UserSig
// logs in, and other users are not affected.
func TestKickVoidsEarlierUserSigs(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice", "bob")
	old := func(user string) string {
		sig, err := usersig.Generate(resttest.SDKAppID, resttest.Key, user, 3600, time.Now().Add(-10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	aliceSig, bobSig := old("alice"), old("bob")
	c := dial(t, s)
	if code, out := c.call("login", map[string]any{"userID": "alice", "userSig": aliceSig, "platform": "Android"}); code != 0 {
		t.Fatalf("first login: %d %v", code, out)
	}
	s.MustOK("im_open_login_svc/kick", map[string]any{"UserID": "alice"})
	if k := c.push("kicked"); k["data"].(map[string]any)["reason"] != "rest_api" {
		t.Fatalf("kick: %v", k)
	}
	again := dial(t, s)
	if code, _ := again.call("login", map[string]any{"userID": "alice", "userSig": aliceSig, "platform": "Android"}); code != gateway.CodeUserSigExpired {
		t.Fatalf("login with the UserSig from before the kick: code %d, want %d", code, gateway.CodeUserSigExpired)
	}
	again.login(s, "alice", "Android") // a UserSig minted now
	other := dial(t, s)
	if code, _ := other.call("login", map[string]any{"userID": "bob", "userSig": bobSig, "platform": "Android"}); code != 0 {
		t.Fatalf("another user's older UserSig after alice's kick: code %d", code)
	}
}
