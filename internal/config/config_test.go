package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestEnvDeclaresAnApp(t *testing.T) {
	c := Default()
	err := c.Env(env(map[string]string{
		"PARLEY_SDKAPPID": "1400000001", "PARLEY_SECRET_KEY": "0123456789abcdef0123", "PARLEY_ADMIN": "root, ops",
		"PARLEY_LISTEN": "127.0.0.1:9", "PARLEY_DATA": "/tmp/x", "PARLEY_RATE_LIMIT": "0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	apps, err := c.BuildApps()
	if err != nil {
		t.Fatal(err)
	}
	a := apps[0]
	if c.Listen != "127.0.0.1:9" || c.DataDir != "/tmp/x" || a.SDKAppID != 1400000001 || len(a.Admins) != 2 || a.Admins[1] != "ops" {
		t.Fatalf("config %+v app %+v", c, a)
	}
	if a.RateLimit("sns/friend_add") != 0 || a.RateLimit("im_open_login_svc/account_check") != 0 {
		t.Fatal("PARLEY_RATE_LIMIT=0 must lift every quota")
	}
	if a.Limits.MaxFriends != 3000 || !a.Switches.ShowSentToBlocked {
		t.Fatalf("defaults not applied: %+v", a)
	}
}

func TestEnvRejectsHalfAnApp(t *testing.T) {
	c := Default()
	if err := c.Env(env(map[string]string{"PARLEY_SDKAPPID": "1400000001"})); err == nil {
		t.Fatal("an SDKAppID without a key must be refused")
	}
	c = Default()
	if err := c.Env(env(map[string]string{"PARLEY_SDKAPPID": "x", "PARLEY_SECRET_KEY": "0123456789abcdef"})); err == nil {
		t.Fatal("a non-numeric SDKAppID must be refused")
	}
}

func TestFileRejectsUnknownKeysAndBadApps(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "c.toml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c := Default()
	err := c.LoadFile(write("[[apps]]\nsdkappid = 1400000001\nsecret_key = \"0123456789abcdef\"\nmax_freinds = 5\n"))
	if err == nil || !strings.Contains(err.Error(), "max_freinds") {
		t.Fatalf("misspelt key: %v", err)
	}
	c = Default()
	if err := c.LoadFile(write("[[apps]]\nsdkappid = 1400000001\nsecret_key = \"short\"\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.BuildApps(); err == nil {
		t.Fatal("a secret key shorter than 16 characters must be refused")
	}
	c = Default()
	if err := c.LoadFile(write("[[apps]]\nsdkappid = 1400000001\nsecret_key = \"0123456789abcdef\"\nfriend_custom_fields = [\"TooLongName\"]\nmax_friends = 10\ncheck_friend_for_c2c = true\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.BuildApps(); err == nil {
		t.Fatal("a custom field keyword over 8 bytes must be refused")
	}
	c = Default()
	if err := c.LoadFile(write("[[apps]]\nsdkappid = 1400000001\nsecret_key = \"0123456789abcdef\"\nmessage_retention_days = 30\nrecall_window_seconds = 600\n")); err != nil {
		t.Fatal(err)
	}
	apps, err := c.BuildApps()
	if err != nil || apps[0].MessageRetention != 30*24*time.Hour || apps[0].RecallWindow != 10*time.Minute {
		t.Fatalf("retention and recall window: %+v %v", apps, err)
	}
	c = Default()
	if err := c.LoadFile(write("[[apps]]\nsdkappid = 1400000001\nsecret_key = \"0123456789abcdef\"\n[apps.group_member_caps]\nPublic = 10000\n")); err != nil {
		t.Fatal(err)
	}
	if apps, err := c.BuildApps(); err != nil || apps[0].GroupMemberCaps["Public"] != 10000 {
		t.Fatalf("group_member_caps: %+v %v", apps, err)
	}
	for _, bad := range []string{"AVChatRoom = 10\n", "Work = 10\n", "Public = 0\n", "Public = 1000001\n"} {
		c = Default()
		if err := c.LoadFile(write("[[apps]]\nsdkappid = 1400000001\nsecret_key = \"0123456789abcdef\"\n[apps.group_member_caps]\n" + bad)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.BuildApps(); err == nil || !strings.Contains(err.Error(), "group_member_caps") {
			t.Errorf("group_member_caps %q: %v, want an error naming the key", bad, err)
		}
	}
}

func TestDefaultAppIsKept(t *testing.T) {
	dir := t.TempDir()
	first, created, err := DefaultApp(dir)
	if err != nil || !created {
		t.Fatalf("first start: %v %v", created, err)
	}
	if first.SDKAppID < 1_400_000_000 || first.SDKAppID >= 1_500_000_000 || len(first.SecretKey) != 64 {
		t.Fatalf("default app %+v", first)
	}
	again, created, err := DefaultApp(dir)
	if err != nil || created || again.SDKAppID != first.SDKAppID || again.SecretKey != first.SecretKey {
		t.Fatalf("restart: %+v %v %v", again, created, err)
	}
	info, err := os.Stat(filepath.Join(dir, defaultAppFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the key file must be private: %v %v", info.Mode(), err)
	}
}

// Client-door rate limits are set per app in the file, or by
// PARLEY_CLIENT_RATE_LIMIT for the app declared by environment; a key that
// names no class and a negative figure stop the start.
func TestClientRateLimits(t *testing.T) {
	dir := t.TempDir()
	load := func(body string) (*Config, error) {
		p := filepath.Join(dir, "c.toml")
		os.WriteFile(p, []byte("[[apps]]\nsdkappid = 1400000001\nsecret_key = \"0123456789abcdef\"\n"+body), 0o600)
		c := Default()
		return &c, c.LoadFile(p)
	}
	c, err := load("[apps.client_rate_limits]\nmessages = 5\nfriend_requests = 0\n")
	if err != nil {
		t.Fatal(err)
	}
	apps, err := c.BuildApps()
	if err != nil {
		t.Fatal(err)
	}
	l := apps[0].ClientRateLimits
	if l.Messages != 5 || l.FriendRequests != 0 || l.Writes != 50 || l.Reads != 200 {
		t.Fatalf("limits %+v: want messages 5, friend_requests unlimited, the rest defaults", l)
	}
	for _, bad := range []string{"mesages = 5\n", "writes = -1\n"} {
		c, err := load("[apps.client_rate_limits]\n" + bad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.BuildApps(); err == nil {
			t.Fatalf("%q must be refused", bad)
		}
	}
	e := Default()
	if err := e.Env(env(map[string]string{"PARLEY_SDKAPPID": "1400000001", "PARLEY_SECRET_KEY": "0123456789abcdef", "PARLEY_CLIENT_RATE_LIMIT": "0"})); err != nil {
		t.Fatal(err)
	}
	apps, err = e.BuildApps()
	if err != nil || apps[0].ClientRateLimits != (app.ClientRateLimits{}) {
		t.Fatalf("PARLEY_CLIENT_RATE_LIMIT=0: %+v %v", apps, err)
	}
	e = Default()
	if err := e.Env(env(map[string]string{"PARLEY_SDKAPPID": "1400000001", "PARLEY_SECRET_KEY": "0123456789abcdef", "PARLEY_CLIENT_RATE_LIMIT": "fast"})); err == nil {
		t.Fatal("PARLEY_CLIENT_RATE_LIMIT=fast must be refused")
	}
}

// A limit written as 0 or less, or an admins list written empty, is a
// configuration error: it must not fall back to the default silently.
func TestWrittenLimitsMustBePositive(t *testing.T) {
	dir := t.TempDir()
	head := "[[apps]]\nsdkappid = 1400000001\nsecret_key = \"0123456789abcdef\"\n"
	for _, tc := range []struct{ body, want string }{
		{"max_friends = 0\n", "max_friends"},
		{"max_blocked = -5\n", "max_blocked"},
		{"recall_window_seconds = 0\n", "recall_window_seconds"},
		{"admins = []\n", "admins is empty"},
		{"max_friends = 10\nadmins = [\"ops\"]\n", ""},
	} {
		p := filepath.Join(dir, "c.toml")
		os.WriteFile(p, []byte(head+tc.body), 0o600)
		c := Default()
		err := c.LoadFile(p)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%q: %v, want %q", tc.body, err, tc.want)
		}
	}
}
