package e2e

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/sdk"
	"github.com/parleyim/parley/usersig"
)

// groupMsgRecorder records each group message an SDK instance reports as
// "seq text".
type groupMsgRecorder struct {
	sdk.BaseAdvancedMsgListener
	lines chan string
}

func (r *groupMsgRecorder) OnRecvNewMessage(m *sdk.Message) {
	text := ""
	if len(m.Elems) > 0 {
		if e, ok := m.Elems[0].(*sdk.TextElem); ok {
			text = e.Text
		}
	}
	r.lines <- fmt.Sprintf("%s %d %s", m.GroupID, m.Seq, text)
}

// TestSDKGroupCatchUpAfterServerKill: a group's messages reach both
// devices of a member once and in seq order across a SIGKILL of the
// server; those sent after the restart, while the devices reconnect, come
// from the catch-up by the group's seq. Nothing is lost or repeated.
func TestSDKGroupCatchUpAfterServerKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	data := t.TempDir()
	addr := freeAddr(t)
	env := appEnv(t, "PARLEY_CLIENT_RATE_LIMIT=0")
	p := start(t, addr, env, "--data", data)
	c := newClient(t, addr, appA, keyA, "admin")
	u := runUsers("owner", "member")
	owner, member := u[0], u[1]
	c.mustOK("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{owner, member}})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// While gate is closed the member's devices cannot reconnect, so what
	// is sent meanwhile reaches them only by the catch-up.
	var gateMu sync.Mutex
	var gate chan struct{}
	memberDial := func(ctx context.Context, network, address string) (net.Conn, error) {
		gateMu.Lock()
		g := gate
		gateMu.Unlock()
		if g != nil {
			select {
			case <-g:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		var d net.Dialer
		return d.DialContext(ctx, network, address)
	}
	login := func(user string, platform sdk.Platform, rec *groupMsgRecorder) *sdk.Manager {
		cfg := sdk.Config{ServerURL: "http://" + addr, SDKAppID: appA, Platform: platform,
			ReconnectMinDelay: 50 * time.Millisecond, ReconnectMaxDelay: 500 * time.Millisecond}
		if rec != nil {
			cfg.Dialer = memberDial
		}
		m := sdk.NewManager(cfg)
		t.Cleanup(m.Close)
		if rec != nil {
			m.Message().AddAdvancedMsgListener(rec)
		}
		sig, _ := usersig.Generate(appA, keyA, user, 3600, time.Now())
		if err := m.Login(ctx, user, sig); err != nil {
			t.Fatal(err)
		}
		return m
	}
	ownerSDK := login(owner, sdk.PlatformWeb, nil)
	recs := []*groupMsgRecorder{{lines: make(chan string, 256)}, {lines: make(chan string, 256)}}
	login(member, sdk.PlatformAndroid, recs[0])
	login(member, sdk.PlatformIOS, recs[1])

	groupID, _, err := ownerSDK.Group().CreateGroup(ctx, sdk.GroupInfo{GroupType: sdk.GroupTypeWork, GroupName: "ops"},
		[]sdk.CreateGroupMember{{UserID: member}})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	send := func(text string) {
		t.Helper()
		m, err := ownerSDK.Message().SendGroupMessage(ctx, ownerSDK.Message().CreateTextMessage(text), groupID, sdk.SendOptions{})
		if err != nil {
			t.Fatalf("send %q: %v", text, err)
		}
		want = append(want, fmt.Sprintf("%s %d %s", groupID, m.Seq, text))
	}
	expect := func() {
		t.Helper()
		for i, rec := range recs {
			for _, w := range want {
				select {
				case got := <-rec.lines:
					if got != w {
						t.Fatalf("device %d: got %q, want %q", i, got, w)
					}
				case <-time.After(20 * time.Second):
					t.Fatalf("device %d: %q never arrived", i, w)
				}
			}
			select {
			case extra := <-rec.lines:
				t.Fatalf("device %d: %q reported again or unexpected", i, extra)
			case <-time.After(300 * time.Millisecond):
			}
		}
		want = want[:0]
	}
	for i := range 5 {
		send(fmt.Sprint("before ", i))
	}
	expect()

	gateMu.Lock()
	gate = make(chan struct{})
	gateMu.Unlock()
	p.kill()
	start(t, addr, env, "--data", data)
	// The owner's send waits for its reconnect; the member's devices are
	// held offline, so these reach them by the catch-up once let through.
	for i := range 10 {
		send(fmt.Sprint("after ", i))
	}
	gateMu.Lock()
	close(gate)
	gate = nil
	gateMu.Unlock()
	expect()
	send("live again")
	expect()
	hist, err := ownerSDK.Message().GetGroupHistoryMessageList(ctx, groupID, 100, nil)
	if err != nil || len(hist) != 16 {
		t.Fatalf("history after the restart: %d %v", len(hist), err)
	}
	for i, m := range hist {
		if m.Seq != uint64(16-i) {
			t.Fatalf("history seq %d at %d: not contiguous", m.Seq, i)
		}
	}
}
