package gateway_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/broker/brokertest"
	"github.com/parleyim/parley/internal/gateway"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
)

// A community and two of its topics: each numbers its messages itself.
const (
	orderCommunity = "cm"
	topicA         = "cm@TOPIC#_a"
	topicB         = "cm@TOPIC#_b"
)

// streamEvent is a group.test push: the stream (community or topic ID)
// and the seq it was published with.
type streamEvent struct {
	stream string
	seq    uint64
}

func (e streamEvent) String() string { return fmt.Sprintf("%s:%d", e.stream, e.seq) }

// publishStream publishes a new message of stream (the community or one
// of its topics) with seq, as the message service does for a commit.
func publishStream(t *testing.T, g *gateway.Gateway, stream string, seq uint64) {
	t.Helper()
	frame := gateway.PushFrame("group.test", seq, map[string]any{"groupID": stream})
	if err := g.PublishGroup(resttest.SDKAppID, stream, gateway.GroupPush{Frame: frame, Seq: seq}); err != nil {
		t.Fatal(err)
	}
}

// nextStreamEvents reads c's next n group.test pushes.
func nextStreamEvents(t *testing.T, c *client, n int) []streamEvent {
	t.Helper()
	out := make([]streamEvent, n)
	for i := range out {
		f := c.push("group.test")
		out[i] = streamEvent{f["data"].(map[string]any)["groupID"].(string), uint64(f["seq"].(float64))}
	}
	return out
}

func expectStreamEvents(t *testing.T, c *client, want ...streamEvent) {
	t.Helper()
	got := nextStreamEvents(t, c, len(want))
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// expectInOrderPerStream reads c's next pushes, as many as want lists,
// and checks each stream's come in want's order (streams may interleave
// in any way: their holds end on separate timers).
func expectInOrderPerStream(t *testing.T, c *client, want ...streamEvent) {
	t.Helper()
	got := nextStreamEvents(t, c, len(want))
	perStream := func(evs []streamEvent) map[string]string {
		m := map[string]string{}
		for _, e := range evs {
			m[e.stream] += fmt.Sprint(" ", e.seq)
		}
		return m
	}
	if g, w := perStream(got), perStream(want); fmt.Sprint(g) != fmt.Sprint(w) {
		t.Fatalf("got %v, want per stream %v", got, w)
	}
}

func communityMember(t *testing.T) (*resttest.Server, *client) {
	t.Helper()
	dir := &memberDirectory{groups: map[string][]string{}}
	dir.set("bob", orderCommunity)
	s := resttest.StartNode(t, server.Options{Groups: dir})
	bob := dial(t, s)
	bob.login(s, "bob", "Android")
	return s, bob
}

// Two topics' messages, interleaved and each swapped, reach a member of
// the community in each topic's seq order: the topics' seqs are separate
// streams, so the same seq in two topics is two messages, not a repeat.
func TestTopicMessagesReachMembersInEachTopicsSeqOrder(t *testing.T) {
	s, bob := communityMember(t)
	g := s.Node.Gateway
	a, b := func(seq uint64) streamEvent { return streamEvent{topicA, seq} }, func(seq uint64) streamEvent { return streamEvent{topicB, seq} }

	// The first message this node hears of each topic waits briefly for
	// one before it.
	publishStream(t, g, topicA, 2)
	publishStream(t, g, topicB, 1)
	publishStream(t, g, topicA, 1)
	expectInOrderPerStream(t, bob, a(1), a(2), b(1))

	// Each topic's next two, swapped, interleaved with the other's.
	publishStream(t, g, topicA, 4)
	publishStream(t, g, topicB, 3)
	publishStream(t, g, topicA, 3) // releases a:4
	publishStream(t, g, topicB, 2) // releases b:3
	expectStreamEvents(t, bob, a(3), a(4), b(2), b(3))
}

// A topic message held for its predecessor holds back neither the
// community's messages nor another topic's, nor the reverse; a gap in a
// topic is given up on after the hold, and the topic goes on in order.
func TestHeldTopicMessageDelaysNoOtherStream(t *testing.T) {
	s, bob := communityMember(t)
	g := s.Node.Gateway
	cm, a, b := func(seq uint64) streamEvent { return streamEvent{orderCommunity, seq} },
		func(seq uint64) streamEvent { return streamEvent{topicA, seq} }, func(seq uint64) streamEvent { return streamEvent{topicB, seq} }
	publishStream(t, g, orderCommunity, 1)
	publishStream(t, g, topicA, 1)
	publishStream(t, g, topicB, 1)
	expectInOrderPerStream(t, bob, cm(1), a(1), b(1))

	// a:2 never comes: a:3 is held, the community's and b's go first.
	start := time.Now()
	publishStream(t, g, topicA, 3)
	publishStream(t, g, orderCommunity, 2)
	publishStream(t, g, topicB, 2)
	expectStreamEvents(t, bob, cm(2), b(2), a(3))
	if waited := time.Since(start); waited < 150*time.Millisecond {
		t.Fatalf("a:3 went out after %s, before its predecessor's hold ended", waited)
	}
	publishStream(t, g, topicA, 4) // after the gap: in order again, at once
	publishStream(t, g, topicA, 2) // late: at once (the member resyncs by seq)
	expectStreamEvents(t, bob, a(4), a(2))

	// The community's own hold holds back no topic.
	publishStream(t, g, orderCommunity, 4)
	publishStream(t, g, topicA, 5)
	publishStream(t, g, topicB, 3)
	publishStream(t, g, orderCommunity, 3)
	expectStreamEvents(t, bob, a(5), b(3), cm(3), cm(4))
}

// A topic's messages published on one node reach a member on another
// node through NATS with their stream: the receiving node orders each
// topic by its own seqs.
func TestTopicStreamCrossesNodes(t *testing.T) {
	dir := &memberDirectory{groups: map[string][]string{}}
	dir.set("bob", orderCommunity)
	sender, receiver := natsNodes(t, dir)
	bob := dial(t, receiver)
	bob.login(receiver, "bob", "Android") // answered once subscribed
	g := sender.Node.Gateway
	a, b := func(seq uint64) streamEvent { return streamEvent{topicA, seq} }, func(seq uint64) streamEvent { return streamEvent{topicB, seq} }

	// Were the topics one stream on the receiving node, b:1 would be a
	// repeat of a:1, and b:2 would release a:3 before a:2.
	publishStream(t, g, topicA, 1)
	publishStream(t, g, topicB, 1)
	expectInOrderPerStream(t, bob, a(1), b(1))
	publishStream(t, g, topicA, 3)
	publishStream(t, g, topicB, 2)
	publishStream(t, g, topicA, 2)
	expectStreamEvents(t, bob, b(2), a(2), a(3))
}

// A deleted topic's order is forgotten on the node: a topic made again
// with the same ID numbers its messages from 1 again, and they are put
// in order from there, not taken for late repeats of the old topic's.
func TestDeletedTopicsOrderIsForgotten(t *testing.T) {
	s := resttest.Start(t)
	s.Import("owner", "bob")
	if rc := s.Call("group_open_http_svc/create_group", `{"Owner_Account":"owner","Type":"Community","GroupId":"cm","Name":"c",
		"SupportTopic":1,"MemberList":[{"Member_Account":"bob"}]}`)["ErrorCode"]; fmt.Sprint(rc) != "0" {
		t.Fatalf("create community: %v", rc)
	}
	owner, bob := dial(t, s), dial(t, s)
	owner.login(s, "owner", "Mac")
	bob.login(s, "bob", "Android")
	createTopic := func() {
		t.Helper()
		if code, out := owner.call("group.createTopic", map[string]any{"groupID": "cm", "topicID": topicA, "topicName": "a"}); code != 0 {
			t.Fatalf("create topic: %d %v", code, out)
		}
		bob.push("group.topic_created")
	}
	createTopic()
	for i := range 3 {
		code, out := owner.call("msg.send", map[string]any{"groupID": topicA, "random": i, "clientMsgID": fmt.Sprint("m", i),
			"body": map[string]any{"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "x"}}}}})
		if code != 0 {
			t.Fatalf("send: %d %v", code, out)
		}
		if d := bob.push("msg.new")["data"].(map[string]any); d["groupID"] != topicA || d["seq"] != float64(i+1) {
			t.Fatalf("bob's push %v, want seq %d of %s", d, i+1, topicA)
		}
	}
	if code, out := owner.call("group.deleteTopics", map[string]any{"groupID": "cm", "topicIDList": []string{topicA}}); code != 0 {
		t.Fatalf("delete topic: %d %v", code, out)
	}
	bob.push("group.topic_deleted")
	createTopic()

	// The new topic's first two messages, swapped. Had the node kept the
	// old topic's order (next seq 4), both would pass as late, swapped.
	publishStream(t, s.Node.Gateway, topicA, 2)
	publishStream(t, s.Node.Gateway, topicA, 1)
	expectStreamEvents(t, bob, streamEvent{topicA, 1}, streamEvent{topicA, 2})
}

// A push naming ended topics must name topics of its community.
func TestGroupPushEndedTopicsMustBeTheCommunitys(t *testing.T) {
	s := resttest.Start(t)
	g := s.Node.Gateway
	frame := gateway.PushFrame("group.topic_deleted", 0, map[string]any{"groupID": "cm"})
	tooMany := make([]string, 201)
	for i := range tooMany {
		tooMany[i] = fmt.Sprint("cm@TOPIC#_", i)
	}
	for _, ended := range [][]string{{"other@TOPIC#_a"}, {"cm"}, {""}, tooMany} {
		if err := g.PublishGroup(resttest.SDKAppID, "cm", gateway.GroupPush{Frame: frame, EndedTopics: ended}); !errors.Is(err, gateway.ErrGroupPush) {
			t.Errorf("ended topics %.40v: %v, want ErrGroupPush", ended, err)
		}
	}
	if err := g.PublishGroup(resttest.SDKAppID, "cm", gateway.GroupPush{Frame: frame, EndedTopics: tooMany[:200]}); err != nil {
		t.Errorf("200 ended topics: %v", err)
	}
}

// A login's answer means the session hears what any node publishes from
// then on: on a cluster it comes once the NATS server has the session's
// subscriptions, its user's and its groups', not merely once this node
// made them. Each login here is followed at once by a push from the other
// node.
func TestLoginAnswerMeansSubscribedOnEveryNode(t *testing.T) {
	dir := &memberDirectory{groups: map[string][]string{}}
	sender, receiver := natsNodes(t, dir)
	for i := range 20 {
		user, grp := fmt.Sprint("u", i), fmt.Sprint("g", i)
		dir.set(user, grp)
		c := dial(t, receiver)
		c.login(receiver, user, "Android")
		sender.Node.Gateway.PublishUser(resttest.SDKAppID, user, gateway.PushFrame("user.test", 0, map[string]any{"n": i}))
		c.push("user.test")
		publishStream(t, sender.Node.Gateway, grp, 1)
		c.push("group.test")
	}
}

// natsNodes starts two nodes over a real nats-server, their groups' members
// from dir.
func natsNodes(t *testing.T, dir *memberDirectory) (sender, receiver *resttest.Server) {
	t.Helper()
	ns := brokertest.StartNATS(t, 0)
	sender = resttest.StartNode(t, server.Options{Groups: dir, Broker: brokertest.ConnectNATS(t, ns, "sender")})
	receiver = resttest.StartNode(t, server.Options{Groups: dir, Broker: brokertest.ConnectNATS(t, ns, "receiver")})
	return sender, receiver
}
