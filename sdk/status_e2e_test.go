package sdk

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/resttest"
)

func TestE2EUserStatus(t *testing.T) {
	n := &node{resttest.Start(t, func(a *app.App) { a.Switches.UserStatus = true })}
	n.Import("alice", "bob")
	alice := n.device(t, "alice", PlatformWeb)
	alice.rec.expect(t, "connecting", "connected")
	ctx := ctxT(t)

	st, err := alice.GetUserStatus(ctx, []string{"bob", "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 2 || st[0] != (UserStatus{UserID: "bob", StatusType: UserStatusUnlogined}) ||
		st[1] != (UserStatus{UserID: "alice", StatusType: UserStatusOnline}) {
		t.Fatalf("GetUserStatus = %+v", st)
	}
	if err := alice.SubscribeUserStatus(ctx, []string{"bob"}); err != nil {
		t.Fatal(err)
	}

	bob := n.device(t, "bob", PlatformAndroid)
	bob.rec.expect(t, "connecting", "connected")
	alice.rec.expect(t, `status bob 1 ""`)

	if err := bob.SetSelfStatus(ctx, UserStatus{CustomStatus: "in a meeting"}); err != nil {
		t.Fatal(err)
	}
	alice.rec.expect(t, `status bob 1 "in a meeting"`)
	bob.rec.expect(t, `status bob 1 "in a meeting"`)

	// alice's connection drops and comes back: the SDK subscribes again.
	release := alice.drop()
	alice.rec.expect(t, "connecting")
	release()
	alice.rec.expect(t, "connected")
	// The SDK subscribes again on its callback goroutine after
	// "connected": bob's changes reach alice once it has.
	heard := false
	for i := 0; i < 50 && !heard; i++ {
		custom := fmt.Sprintf("back %d", i)
		if err := bob.SetSelfStatus(ctx, UserStatus{CustomStatus: custom}); err != nil {
			t.Fatal(err)
		}
		select {
		case ev := <-alice.rec.events:
			if ev != fmt.Sprintf("status bob 1 %q", custom) {
				t.Fatalf("after the reconnect alice heard %q", ev)
			}
			heard = true
		case <-time.After(100 * time.Millisecond):
		}
	}
	if !heard {
		t.Fatal("the subscription was not made again after the reconnect")
	}

	if err := bob.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	alice.rec.expect(t, `status bob 0 ""`)

	if err := alice.UnsubscribeUserStatus(ctx, nil); err != nil {
		t.Fatal(err)
	}
	n.device(t, "bob", PlatformAndroid)
	alice.rec.expectQuiet(t, 300*time.Millisecond)

	// Oneself only, when the app's switch is off; others are 72001.
	off := &node{resttest.Start(t)}
	off.Import("carol", "dave")
	carol := off.device(t, "carol", PlatformWeb)
	if _, err := carol.GetUserStatus(ctx, []string{"carol"}); err != nil {
		t.Fatalf("own status with the switch off: %v", err)
	}
	var e *Error
	if _, err := carol.GetUserStatus(ctx, []string{"dave"}); !errors.As(err, &e) || e.Code != 72001 {
		t.Fatalf("another's status with the switch off: %v", err)
	}
	if err := carol.SubscribeUserStatus(ctx, []string{"dave"}); !errors.As(err, &e) || e.Code != 72001 {
		t.Fatalf("subscribe with the switch off: %v", err)
	}
}
