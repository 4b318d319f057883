package sdk

import (
	"fmt"
	"sync"
	"testing"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/resttest"
)

// An application may call the SDK from as many goroutines as it likes: the
// SDK keeps its requests in flight under the server's bound (64), so 200
// concurrent sends all succeed on the one connection instead of getting it
// closed.
func TestConcurrentSendsStayUnderTheServerBound(t *testing.T) {
	n := &node{resttest.Start(t, func(a *app.App) { a.ClientRateLimits = app.ClientRateLimits{} })}
	n.Call("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob"}})
	alice := n.device(t, "alice", PlatformAndroid)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := alice.Message().SendMessage(ctxT(t), alice.Message().CreateTextMessage(fmt.Sprint(i)), "bob", SendOptions{}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a concurrent send failed: %v", err)
	}
	alice.mu.Lock()
	dials := alice.dials
	alice.mu.Unlock()
	if dials != 1 {
		t.Fatalf("%d dials: the connection was closed under the load", dials)
	}
}

// An empty conversation group name is refused by the SDK itself with the
// server's code for a name outside 1-32 bytes (seed 002: 51011).
func TestEmptyConversationGroupName(t *testing.T) {
	m := NewManager(Config{ServerURL: "http://127.0.0.1:1", SDKAppID: resttest.SDKAppID, Platform: PlatformAndroid})
	defer m.Close()
	if _, err := m.Conversation().CreateConversationGroup(ctxT(t), "", []string{"c2c_bob"}); ErrorCode(err) != 51011 {
		t.Fatalf("create with an empty name: %v, want 51011", err)
	}
	if err := m.Conversation().RenameConversationGroup(ctxT(t), "work", ""); ErrorCode(err) != 51011 {
		t.Fatalf("rename to an empty name: %v, want 51011", err)
	}
}
