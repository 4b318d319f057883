package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/broker/brokertest"
	"github.com/parleyim/parley/internal/gateway"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
)

// memberDirectory is a GroupDirectory over a map, standing for the group
// service's table: user → groups.
type memberDirectory struct {
	mu     sync.Mutex
	groups map[string][]string
	fail   error
}

func (d *memberDirectory) UserGroups(_ context.Context, _ uint64, user string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail != nil {
		return nil, d.fail
	}
	return slices.Clone(d.groups[user]), nil
}

func (d *memberDirectory) set(user string, groups ...string) {
	d.mu.Lock()
	d.groups[user] = groups
	d.mu.Unlock()
}

// groupFrame is a group event whose seq tells the events apart.
func groupFrame(n uint64) []byte {
	return gateway.PushFrame("group.test", n, map[string]any{"groupID": "g1", "n": n})
}

// expectGroupEvents reads c's next group.test pushes and checks they are
// exactly want, in order.
func expectGroupEvents(t *testing.T, name string, c *client, want ...uint64) {
	t.Helper()
	for _, n := range want {
		f := c.push("group.test")
		if got := uint64(f["seq"].(float64)); got != n {
			t.Fatalf("%s: got group event %d, want %d", name, got, n)
		}
	}
}

// expectNoGroupEvent checks that c got no group event before a marker sent
// to its user now. The caller first waits until a member got an event
// published after the last one c must not have: a node handles one group's
// events in order, so any push for c from those was queued before the marker.
func expectNoGroupEvent(t *testing.T, s *resttest.Server, name, user string, c *client) {
	t.Helper()
	s.Node.Gateway.PublishUser(resttest.SDKAppID, user, gateway.PushFrame("marker", 0, nil))
	for {
		f := c.frame()
		switch f["push"] {
		case "marker":
			return
		case "group.test":
			t.Fatalf("%s got a group event it must not: %v", name, f)
		}
	}
}

func originOf(t *testing.T, s *resttest.Server, user, platform string) any {
	t.Helper()
	for _, ss := range s.Node.Presence.Sessions(resttest.SDKAppID, user) {
		if ss.Platform == platform {
			return ss.Endpoint
		}
	}
	t.Fatalf("no %s session of %s", platform, user)
	return nil
}

// eventually waits for cond, which a connection's close makes true once
// the server has seen it (asynchronously).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 5 s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestGroupEventReachesEveryOnlineMemberOnce(t *testing.T) {
	dir := &memberDirectory{groups: map[string][]string{}}
	dir.set("alice", "g1")
	dir.set("bob", "g1", "g2")
	dir.set("carol", "g1") // never online: costs nothing, gets nothing
	s := resttest.StartNode(t, server.Options{Groups: dir})
	g := s.Node.Gateway

	aliceA, aliceI, bob, dave := dial(t, s), dial(t, s), dial(t, s), dial(t, s)
	aliceA.login(s, "alice", "Android")
	aliceI.login(s, "alice", "iOS")
	bob.login(s, "bob", "Android")
	dave.login(s, "dave", "Android") // not a member

	if n := g.GroupMembers(resttest.SDKAppID, "g1"); n != 3 {
		t.Fatalf("local member sessions of g1: %d, want 3", n)
	}
	// Event 1 comes from alice's iOS connection: that one is not sent it.
	if err := g.PublishGroup(resttest.SDKAppID, "g1", gateway.GroupPush{Frame: groupFrame(1), Origin: originOf(t, s, "alice", "iOS")}); err != nil {
		t.Fatal(err)
	}
	if err := g.PublishGroup(resttest.SDKAppID, "g1", gateway.GroupPush{Frame: groupFrame(2)}); err != nil {
		t.Fatal(err)
	}
	expectGroupEvents(t, "alice Android", aliceA, 1, 2)
	expectGroupEvents(t, "bob", bob, 1, 2)
	expectGroupEvents(t, "alice iOS (origin of 1)", aliceI, 2)
	expectNoGroupEvent(t, s, "dave (not a member)", "dave", dave)

	// Targeted to bob only, then to everyone but bob (muted).
	if err := g.PublishGroup(resttest.SDKAppID, "g1", gateway.GroupPush{Frame: groupFrame(3), Only: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	if err := g.PublishGroup(resttest.SDKAppID, "g1", gateway.GroupPush{Frame: groupFrame(4), Except: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	if err := g.PublishGroup(resttest.SDKAppID, "g1", gateway.GroupPush{Frame: groupFrame(5)}); err != nil {
		t.Fatal(err)
	}
	expectGroupEvents(t, "bob", bob, 3, 5)
	expectGroupEvents(t, "alice Android", aliceA, 4, 5)
	expectGroupEvents(t, "alice iOS", aliceI, 4, 5)

	// Membership changes committed by the group service: dave joins, bob
	// leaves; an offline user's change touches nothing on this node.
	dir.set("dave", "g1")
	g.JoinedGroup(resttest.SDKAppID, "g1", "dave")
	dir.set("bob", "g2")
	g.LeftGroup(resttest.SDKAppID, "g1", "bob")
	g.JoinedGroup(resttest.SDKAppID, "g9", "erin")
	if err := g.PublishGroup(resttest.SDKAppID, "g1", gateway.GroupPush{Frame: groupFrame(6)}); err != nil {
		t.Fatal(err)
	}
	expectGroupEvents(t, "dave (joined)", dave, 6)
	expectGroupEvents(t, "alice Android", aliceA, 6)
	expectNoGroupEvent(t, s, "bob (left)", "bob", bob)
	if n := g.SubscribedGroups(); n != 2 {
		t.Fatalf("node subscribed to %d groups, want 2 (g1, g2; not g9 of an offline user)", n)
	}

	// A second session of a user already online joins the groups the node
	// knows for it, without asking the directory again.
	dave2 := dial(t, s)
	dave2.login(s, "dave", "iOS")
	if err := g.PublishGroup(resttest.SDKAppID, "g1", gateway.GroupPush{Frame: groupFrame(7)}); err != nil {
		t.Fatal(err)
	}
	expectGroupEvents(t, "dave iOS", dave2, 7)
	expectGroupEvents(t, "dave Android", dave, 7)
}

func TestGroupPushRejectsWhatItCannotCarry(t *testing.T) {
	s := resttest.Start(t)
	g := s.Node.Gateway
	many := make([]string, gateway.MaxGroupPushUsers+1)
	for i := range many {
		many[i] = fmt.Sprint("u", i)
	}
	for name, p := range map[string]struct {
		group string
		push  gateway.GroupPush
	}{
		"empty frame":      {"g1", gateway.GroupPush{}},
		"empty group":      {"", gateway.GroupPush{Frame: groupFrame(1)}},
		"only and except":  {"g1", gateway.GroupPush{Frame: groupFrame(1), Only: []string{"a"}, Except: []string{"b"}}},
		"too many listed":  {"g1", gateway.GroupPush{Frame: groupFrame(1), Except: many}},
		"empty listed ID":  {"g1", gateway.GroupPush{Frame: groupFrame(1), Only: []string{""}}},
		"group ID too big": {string(make([]byte, 256)), gateway.GroupPush{Frame: groupFrame(1)}},
	} {
		if err := g.PublishGroup(resttest.SDKAppID, p.group, p.push); !errors.Is(err, gateway.ErrGroupPush) {
			t.Errorf("%s: got %v, want ErrGroupPush", name, err)
		}
	}
}

func TestGroupDirectoryFailureFailsTheLogin(t *testing.T) {
	dir := &memberDirectory{groups: map[string][]string{}, fail: errors.New("directory down")}
	s := resttest.StartNode(t, server.Options{Groups: dir})
	c := dial(t, s)
	if code, _ := c.call("login", map[string]any{"userID": "alice", "userSig": s.UserSig("alice"), "platform": "Android"}); code == 0 {
		t.Fatal("login succeeded although the user's groups could not be read")
	}
	if n := s.Node.Gateway.SubscribedGroups(); n != 0 {
		t.Fatalf("subscribed to %d groups after a failed login", n)
	}
	dir.mu.Lock()
	dir.fail = nil
	dir.mu.Unlock()
	dir.set("alice", "g1")
	c2 := dial(t, s)
	c2.login(s, "alice", "Android")
	if n := s.Node.Gateway.GroupMembers(resttest.SDKAppID, "g1"); n != 1 {
		t.Fatalf("g1 has %d local members, want 1", n)
	}
}

// The node holds a group's subject exactly while one of its sessions is a
// member: subscribed with the first member session, still with one left,
// unsubscribed with the last, on the in-process broker and on NATS.
func TestGroupSubscriptionFollowsMemberSessions(t *testing.T) {
	subject := broker.GroupSubject(resttest.SDKAppID, "g1")
	for _, tc := range []struct {
		name string
		// start returns the node's broker and whether the node is
		// subscribed to subject, as the broker itself sees it.
		start func(t *testing.T) (broker.Broker, func() bool)
	}{
		{"local", func(t *testing.T) (broker.Broker, func() bool) {
			b := broker.NewLocal(broker.LocalOptions{})
			t.Cleanup(func() { b.Close() })
			return b, func() bool { return b.HasSubscribers(subject) }
		}},
		{"nats", func(t *testing.T) (broker.Broker, func() bool) {
			ns := brokertest.StartNATS(t, 0)
			b, err := broker.ConnectNATS(broker.NATSOptions{URL: ns.ClientURL(), Name: "node-under-test", Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			return b, func() bool { return natsSubscribed(t, ns, "node-under-test", subject) }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, subscribed := tc.start(t)
			dir := &memberDirectory{groups: map[string][]string{}}
			dir.set("alice", "g1")
			dir.set("bob", "g1")
			s := resttest.StartNode(t, server.Options{Groups: dir, Broker: b})

			dave := dial(t, s)
			dave.login(s, "dave", "Android") // a non-member online
			if subscribed() {
				t.Fatal("subscribed to g1 with no member online")
			}
			alice := dial(t, s)
			alice.login(s, "alice", "Android")
			// The login's answer comes once the subscription exists.
			eventually(t, "subscribed once alice is online", subscribed)
			bob := dial(t, s)
			bob.login(s, "bob", "Android")
			alice.nc.Close()
			eventually(t, "alice's session gone", func() bool { return s.Node.Gateway.GroupMembers(resttest.SDKAppID, "g1") == 1 })
			if !subscribed() {
				t.Fatal("unsubscribed from g1 while bob is still online")
			}
			bob.nc.Close()
			eventually(t, "unsubscribed once no member is online", func() bool { return !subscribed() })
			if n := s.Node.Gateway.SubscribedGroups(); n != 0 {
				t.Fatalf("the node still counts %d subscribed groups", n)
			}
			// A member logging in again subscribes again.
			bob2 := dial(t, s)
			bob2.login(s, "bob", "Android")
			eventually(t, "subscribed again", subscribed)
		})
	}
}

// natsSubscribed reports whether the client named name holds a
// subscription to subject on ns.
func natsSubscribed(t *testing.T, ns *natsserver.Server, name, subject string) bool {
	t.Helper()
	cz, err := ns.Connz(&natsserver.ConnzOptions{Subscriptions: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cz.Conns {
		if c.Name == name && slices.Contains(c.Subs, subject) {
			return true
		}
	}
	return false
}
