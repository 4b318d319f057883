package sdk

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// recorder is an SDK and friendship listener that turns every callback
// into a line such as "friend+ bob" on a channel, so tests can wait for
// exact sequences.
type recorder struct {
	name   string
	events chan string
}

func newRecorder(name string) *recorder {
	return &recorder{name: name, events: make(chan string, 1000)}
}

func (r *recorder) put(format string, args ...any) { r.events <- fmt.Sprintf(format, args...) }

func ids(list []string) string {
	s := slices.Clone(list)
	slices.Sort(s)
	return strings.Join(s, ",")
}

func friendIDs(list []FriendInfo) string {
	s := make([]string, len(list))
	for i, f := range list {
		s[i] = f.UserID
	}
	return ids(s)
}

func (r *recorder) OnConnecting()     { r.put("connecting") }
func (r *recorder) OnConnectSuccess() { r.put("connected") }
func (r *recorder) OnKickedOffline()  { r.put("kicked") }
func (r *recorder) OnUserSigExpired() { r.put("usersig-expired") }
func (r *recorder) OnConnectFailed(code int, _ string) {
	r.put("connect-failed %d", code)
}
func (r *recorder) OnSelfInfoUpdated(u UserFullInfo) { r.put("self %s nick=%s", u.UserID, u.NickName) }
func (r *recorder) OnUserStatusChanged(list []UserStatus) {
	for _, st := range list {
		r.put("status %s %d %q", st.UserID, st.StatusType, st.CustomStatus)
	}
}

func (r *recorder) OnFriendApplicationListAdded(apps []FriendApplication) {
	s := make([]string, len(apps))
	for i, a := range apps {
		t := "?"
		switch a.Type {
		case ApplicationComeIn:
			t = "in"
		case ApplicationSendOut:
			t = "out"
		}
		s[i] = a.UserID + "/" + t
	}
	r.put("app+ %s", ids(s))
}
func (r *recorder) OnFriendApplicationListDeleted(u []string) { r.put("app- %s", ids(u)) }
func (r *recorder) OnFriendApplicationListRead()              { r.put("app-read") }
func (r *recorder) OnFriendListAdded(f []FriendInfo)          { r.put("friend+ %s", friendIDs(f)) }
func (r *recorder) OnFriendListDeleted(u []string)            { r.put("friend- %s", ids(u)) }
func (r *recorder) OnBlackListAdded(f []FriendInfo)           { r.put("block+ %s", friendIDs(f)) }
func (r *recorder) OnBlackListDeleted(u []string)             { r.put("block- %s", ids(u)) }
func (r *recorder) OnFriendInfoChanged(f []FriendInfo)        { r.put("friend~ %s", friendIDs(f)) }
func (r *recorder) OnFriendGroupsChanged()                    { r.put("groups~") }

var waitTimeout = 10 * time.Second

// expect waits for the next events to be exactly want, in order, skipping
// only the connection-state lines unless they are asked for.
func (r *recorder) expect(t testing.TB, want ...string) {
	t.Helper()
	keepConn := false
	for _, w := range want {
		if isConnLine(w) {
			keepConn = true
		}
	}
	for i, w := range want {
		for {
			select {
			case got := <-r.events:
				if !keepConn && isConnLine(got) {
					continue
				}
				if got != w {
					t.Fatalf(
						"%s: event %d = %q, want %q (all wanted: %q)",
						r.name, i, got, w, want)
				}
			case <-time.After(waitTimeout):
				t.Fatalf(
					"%s: timed out waiting for event %d %q (all wanted: %q)",
					r.name, i, w, want)
			}
			break
		}
	}
}

// waitFor skips events until want arrives.
func (r *recorder) waitFor(t testing.TB, want string) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case got := <-r.events:
			if got == want {
				return
			}
		case <-deadline:
			t.Fatalf(
				"%s: timed out waiting for %q",
				r.name, want)
		}
	}
}

// expectQuiet fails if a non-connection event arrives within d.
func (r *recorder) expectQuiet(t testing.TB, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case got := <-r.events:
			if !isConnLine(got) {
				t.Fatalf(
					"%s: unexpected event %q",
					r.name, got)
			}
		case <-deadline:
			return
		}
	}
}

func isConnLine(s string) bool {
	return s == "connecting" || s == "connected" || strings.HasPrefix(s, "connect-failed")
}
