package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/broker/brokertest"
	"github.com/parleyim/parley/internal/gateway"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/internal/store/postgres"
	"github.com/parleyim/parley/internal/store/storetest"
)

// staticGroups is the group table the nodes share: user → groups.
type staticGroups map[string][]string

func (s staticGroups) UserGroups(_ context.Context, _ uint64, user string) ([]string, error) {
	return slices.Clone(s[user]), nil
}

// groupNode is clusterNode with a group directory, returning the node too.
func groupNode(t *testing.T, dsn string, b broker.Broker, groups gateway.GroupDirectory) (*server.Node, *httptest.Server) {
	t.Helper()
	st, err := postgres.Open(context.Background(), dsn, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a := app.New(resttest.SDKAppID, resttest.Key, resttest.Admin)
	a.RateLimits = map[string]float64{}
	n, err := server.New(context.Background(), st, []*app.App{a}, slog.New(slog.NewTextHandler(io.Discard, nil)),
		server.Options{Broker: b, Groups: groups})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(n.Handler)
	t.Cleanup(hs.Close)
	return n, hs
}

// Three nodes over one NATS server: a group event published once on node A
// reaches every online member on A and B exactly once, in order, not the
// connection it came from, not a non-member; node C, with only a
// non-member online, is not subscribed to the group at all.
func TestGroupEventCrossesNodes(t *testing.T) {
	dsn := storetest.FreshPostgres(t)
	ns := brokertest.StartNATS(t, 0)
	groups := staticGroups{"gm1": {"room"}, "gm2": {"room"}, "gm3": {"room"}, "gm4": {"room"}}
	nodeA, a := groupNode(t, dsn, brokertest.ConnectNATS(t, ns, "a"), groups)
	_, b := groupNode(t, dsn, brokertest.ConnectNATS(t, ns, "b"), groups)
	_, c := groupNode(t, dsn, brokertest.ConnectNATS(t, ns, "c"), groups)

	_, onA := wsUser(t, a, "gm1")
	_, origin := wsUser(t, a, "gm2")
	_, onB1 := wsUser(t, b, "gm3")
	_, onB2 := wsUser(t, b, "gm4")
	_, outsiderB := wsUser(t, b, "gx1")
	wsUser(t, c, "gx2")

	subject := broker.GroupSubject(resttest.SDKAppID, "room")
	subscribers := func() (names []string) {
		cz, err := ns.Connz(&natsserver.ConnzOptions{Subscriptions: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, conn := range cz.Conns {
			if slices.Contains(conn.Subs, subject) {
				names = append(names, conn.Name)
			}
		}
		slices.Sort(names)
		return names
	}
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Equal(subscribers(), []string{"a", "b"}) {
		if time.Now().After(deadline) {
			t.Fatalf("nodes subscribed to the group: %v, want [a b] (c has no member online)", subscribers())
		}
		time.Sleep(10 * time.Millisecond)
	}

	var originConn any
	for _, s := range nodeA.Presence.Sessions(resttest.SDKAppID, "gm2") {
		originConn = s.Endpoint
	}
	const events = 20
	for i := uint64(1); i <= events; i++ {
		p := gateway.GroupPush{Frame: gateway.PushFrame("group.test", i, nil)}
		if i == 1 {
			p.Origin = originConn // gm2's connection sent event 1
		}
		if err := nodeA.Gateway.PublishGroup(resttest.SDKAppID, "room", p); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(name string, frames chan map[string]any, first uint64) {
		t.Helper()
		for want := first; want <= events; want++ {
			f := await(t, frames, func(m map[string]any) bool { return m["push"] != nil })
			if f["push"] != "group.test" || uint64(f["seq"].(float64)) != want {
				t.Fatalf("%s: got %v, want group event %d", name, f, want)
			}
		}
	}
	expect("member on A", onA, 1)
	expect("member on B", onB1, 1)
	expect("other member on B", onB2, 1)
	expect("origin connection on A", origin, 2)
	// Node B handled events 1 to 19 completely before event 20 reached its
	// members, so any of them pushed to the outsider by mistake was queued
	// before this marker.
	nodeA.Gateway.PublishUser(resttest.SDKAppID, "gx1", gateway.PushFrame("marker", 0, nil))
	if f := await(t, outsiderB, func(m map[string]any) bool { return m["push"] != nil }); f["push"] != "marker" {
		t.Fatalf("non-member on B got %v", f)
	}
}
