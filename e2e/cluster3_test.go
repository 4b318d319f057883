package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyim/parley/sdk"
	"github.com/parleyim/parley/usersig"
)

// cluster3 is three parley processes on the run's PostgreSQL database and a
// real nats-server process.
type cluster3 struct {
	nats  *natsServer
	nodes []*proc
	rest  *client // the admin, on node A
}

func startCluster3(t *testing.T) *cluster3 {
	t.Helper()
	if os.Getenv("PARLEY_E2E_STORE") != "postgres" {
		t.Skip("several nodes need the shared PostgreSQL store (PARLEY_E2E_STORE=postgres)")
	}
	ns := startNATSServer(t)
	env := appEnv(t, "PARLEY_CLIENT_RATE_LIMIT=0", "PARLEY_NATS_URL="+ns.URL())
	c := &cluster3{nats: ns}
	for range 3 {
		c.nodes = append(c.nodes, start(t, freeAddr(t), env, "--data", t.TempDir()))
	}
	c.rest = newClient(t, c.nodes[0].addr, appA, keyA, "admin")
	return c
}

// TestCluster3CrossNodeDelivery: a message from a client on node A reaches its
// peer on node C, and a friend request made over REST on node B reaches
// both users' devices, on A and on C.
func TestCluster3CrossNodeDelivery(t *testing.T) {
	c := startCluster3(t)
	a, b, cc := c.nodes[0], c.nodes[1], c.nodes[2]
	u := runUsers("alice", "carol")
	alice, carol := u[0], u[1]
	c.rest.mustOK("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{alice, carol}})
	onA, onC := wsLogin(t, a.addr, alice), wsLogin(t, cc.addr, carol)

	send, _ := json.Marshal(map[string]any{"v": 1, "id": "m1", "op": "msg.send", "data": map[string]any{"to": carol, "random": 1,
		"body": map[string]any{"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "from A to C"}}}}}})
	if err := onA.send(send); err != nil {
		t.Fatal(err)
	}
	waitPush(t, onC, "msg.new", "from A to C")

	onB := newClient(t, b.addr, appA, keyA, "admin")
	onB.mustOK("sns/friend_add", map[string]any{"From_Account": alice, "AddFriendItem": []map[string]any{{"To_Account": carol, "AddSource": "AddSource_Type_Web"}}})
	waitPush(t, onA, "friend_request.added", carol)
	waitPush(t, onC, "friend_request.added", alice)
}

// TestCluster3NodeKillUnderLoad: pairs of Go SDK clients spread over the
// three nodes send numbered messages without pause; node B is killed with
// SIGKILL mid-stream. Its clients reconnect to A or C, and every receiver
// ends with every message its sender had acknowledged, each once, in order
// (sends cut off by the kill are sent again with the same client message
// ID, so a retry of a stored message is not a second one).
func TestCluster3NodeKillUnderLoad(t *testing.T) {
	c := startCluster3(t)
	l := startLoad(t, c, 6)
	l.runUntilDelivered(t, 300)
	killed := 1
	onKilled := l.clientsOn(killed)
	if len(onKilled) == 0 {
		t.Fatal("no client landed on node B: the balancer did not spread them")
	}
	c.nodes[killed].kill()
	ackedAtKill := l.ackedNow()
	// Every client of node B reconnects elsewhere (the balancer skips the
	// dead node) and logs in again.
	deadline := time.Now().Add(20 * time.Second)
	for _, cl := range onKilled {
		for int(cl.node.Load()) == killed || cl.m.GetLoginStatus() != sdk.StatusLoggedIn {
			if time.Now().After(deadline) {
				t.Fatalf("%s was on node B and is not logged in on another node within 20 s (node %d, status %v)", cl.user, cl.node.Load(), cl.m.GetLoginStatus())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// The load goes on until every receiver is past what was acknowledged
	// at the kill: the messages around it went through the reconnects.
	l.runUntilPast(t, ackedAtKill, 20*time.Second)
	l.finish(t)
	t.Logf("%d clients moved off the killed node", len(onKilled))
}

// TestCluster3NATSRestartUnderLoad: the same load while the NATS server is
// stopped and started again on the same port. Pushes published during the
// outage are lost (delivery is at most once); the receivers fill the gap
// from history by seq when the next push shows it, so again nothing is
// lost, repeated or reordered.
func TestCluster3NATSRestartUnderLoad(t *testing.T) {
	c := startCluster3(t)
	l := startLoad(t, c, 6)
	l.runUntilDelivered(t, 300)
	c.nats.stop()
	ackedAtStop := l.ackedNow()
	// Sends go on during the outage: the database does not need NATS.
	if !l.waitAcked(ackedAtStop, 20, 10*time.Second) {
		t.Fatal("senders stalled while NATS was down")
	}
	ackedAtStart := l.ackedNow()
	c.nats.start()
	l.runUntilPast(t, ackedAtStart, 20*time.Second)
	l.finish(t)
	during := int64(0)
	for i := range ackedAtStop {
		during += ackedAtStart[i] - ackedAtStop[i]
	}
	t.Logf("%d messages acknowledged while NATS was down", during)
}

// balancer is the cluster's load balancer on the client side: every new
// connection goes to the next node in turn, and a node that refuses it
// (killed) is skipped, as a TCP balancer with health checks would.
type balancer struct {
	addrs []string
	next  atomic.Uint64
}

// dialer is an sdk.Config.Dialer that records, in node, where each
// connection went.
func (b *balancer) dialer(node *atomic.Int32) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		var err error
		for range b.addrs {
			i := int(b.next.Add(1)-1) % len(b.addrs)
			var nc net.Conn
			if nc, err = d.DialContext(ctx, network, b.addrs[i]); err == nil {
				node.Store(int32(i))
				return nc, nil
			}
		}
		return nil, err
	}
}

// loadClient is one SDK instance of the load.
type loadClient struct {
	user string
	m    *sdk.Manager
	node atomic.Int32 // index of the node its connection went to last
}

// pair is a sender that sends "1", "2", ... one after the other to its
// receiver, each after the previous one was acknowledged.
type pair struct {
	sdk.BaseAdvancedMsgListener
	sender, receiver *loadClient
	acked            atomic.Int64 // the highest number acknowledged
	resends          atomic.Int64 // SendMessage calls that failed and were made again
	// abandoned is the number of a message whose send failed and was not
	// made again because the load stopped (0: none). It may or may not be
	// stored.
	abandoned atomic.Int64
	mu        sync.Mutex
	got       []string // texts in the order the receiver's listener saw them
	strangers int      // messages from anyone but the sender
}

func (p *pair) OnRecvNewMessage(m *sdk.Message) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m.Sender != p.sender.user || len(m.Elems) != 1 {
		p.strangers++
		return
	}
	if te, ok := m.Elems[0].(*sdk.TextElem); ok {
		p.got = append(p.got, te.Text)
	} else {
		p.strangers++
	}
}

func (p *pair) received() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.got)
}

// resendCounter counts the SDK's own resends of a msg.send whose
// connection dropped before the answer (its "sending again" log line).
type resendCounter struct{ n *atomic.Int64 }

func (h resendCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h resendCounter) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "sending again") {
		h.n.Add(1)
	}
	return nil
}
func (h resendCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h resendCounter) WithGroup(string) slog.Handler      { return h }

type load struct {
	pairs      []*pair
	sdkResends atomic.Int64
	stop       chan struct{}
	done       sync.WaitGroup
	failed     chan error
}

// startLoad logs n pairs in, one client after the other through the
// balancer (so they spread over the nodes in turn), and starts the senders.
func startLoad(t *testing.T, c *cluster3, n int) *load {
	t.Helper()
	b := &balancer{}
	for _, p := range c.nodes {
		b.addrs = append(b.addrs, p.addr)
	}
	l := &load{stop: make(chan struct{}), failed: make(chan error, n)}
	var users []string
	for i := range n {
		users = append(users, fmt.Sprintf("snd%d_", i), fmt.Sprintf("rcv%d_", i))
	}
	users = runUsers(users...)
	c.rest.mustOK("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": users})
	login := func(user string) *loadClient {
		cl := &loadClient{user: user}
		cl.m = sdk.NewManager(sdk.Config{ServerURL: "http://" + b.addrs[0], SDKAppID: appA, Platform: sdk.PlatformAndroid,
			ReconnectMinDelay: 50 * time.Millisecond, ReconnectMaxDelay: 500 * time.Millisecond,
			Dialer: b.dialer(&cl.node), Logger: slog.New(resendCounter{&l.sdkResends})})
		t.Cleanup(cl.m.Close)
		return cl
	}
	for i := range n {
		p := &pair{sender: login(users[2*i]), receiver: login(users[2*i+1])}
		p.receiver.m.Message().AddAdvancedMsgListener(p)
		for _, cl := range []*loadClient{p.sender, p.receiver} {
			sig, _ := usersig.Generate(appA, keyA, cl.user, 3600, time.Now())
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := cl.m.Login(ctx, cl.user, sig)
			cancel()
			if err != nil {
				t.Fatalf("login %s: %v", cl.user, err)
			}
		}
		l.pairs = append(l.pairs, p)
	}
	for _, p := range l.pairs {
		l.done.Add(1)
		go l.send(p)
	}
	t.Cleanup(func() { l.stopSending() })
	return l
}

// send sends numbered messages until stop. A failed send is made again
// with the same *sdk.Message (same client message ID) until it is
// acknowledged, for at most 30 s.
func (l *load) send(p *pair) {
	defer l.done.Done()
	mm := p.sender.m.Message()
	for n := int64(1); ; n++ {
		select {
		case <-l.stop:
			return
		default:
		}
		msg := mm.CreateTextMessage(strconv.FormatInt(n, 10))
		giveUp := time.Now().Add(30 * time.Second)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, err := mm.SendMessage(ctx, msg, p.receiver.user, sdk.SendOptions{})
			cancel()
			if err == nil {
				break
			}
			if time.Now().After(giveUp) {
				l.failed <- fmt.Errorf("%s: message %d not acknowledged within 30 s: %v", p.sender.user, n, err)
				return
			}
			p.resends.Add(1)
			select {
			case <-l.stop: // the test ended (or failed) meanwhile
				p.abandoned.Store(n)
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
		p.acked.Store(n)
	}
}

func (l *load) stopSending() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.done.Wait()
}

func (l *load) ackedNow() []int64 {
	out := make([]int64, len(l.pairs))
	for i, p := range l.pairs {
		out[i] = p.acked.Load()
	}
	return out
}

// waitAcked waits until every sender acknowledged more than extra
// messages past base.
func (l *load) waitAcked(base []int64, extra int64, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for i, p := range l.pairs {
		for p.acked.Load() < base[i]+extra {
			if time.Now().After(deadline) {
				return false
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return true
}

// runUntilDelivered lets the load run until every receiver has seen at
// least n messages (within 30 s).
func (l *load) runUntilDelivered(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, p := range l.pairs {
		for p.received() < n {
			l.checkFailed(t)
			if time.Now().After(deadline) {
				t.Fatalf("%s received %d messages, want %d within 30 s", p.receiver.user, p.received(), n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// runUntilPast lets the load run until every receiver has seen more
// messages than base (what its sender had acknowledged at the disruption)
// plus 20: the messages after the disruption came through.
func (l *load) runUntilPast(t *testing.T, base []int64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for i, p := range l.pairs {
		for int64(p.received()) < base[i]+20 {
			l.checkFailed(t)
			if time.Now().After(deadline) {
				t.Fatalf("%s has %d messages %s after the disruption, want more than %d", p.receiver.user, p.received(), within, base[i]+20)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func (l *load) checkFailed(t *testing.T) {
	t.Helper()
	select {
	case err := <-l.failed:
		t.Fatal(err)
	default:
	}
}

func (l *load) clientsOn(node int) []*loadClient {
	var out []*loadClient
	for _, p := range l.pairs {
		for _, cl := range []*loadClient{p.sender, p.receiver} {
			if int(cl.node.Load()) == node {
				out = append(out, cl)
			}
		}
	}
	return out
}

// finish stops the senders and requires every receiver to end with
// exactly "1", "2", ... up to what its sender acknowledged (or the one
// after, if the stop cut that send off and it was stored): none lost, none
// twice, none out of order, and nothing more for 500 ms after.
func (l *load) finish(t *testing.T) {
	t.Helper()
	l.stopSending()
	l.checkFailed(t)
	deadline := time.Now().Add(20 * time.Second)
	total, resends := 0, 0
	for _, p := range l.pairs {
		want := int(p.acked.Load())
		for p.received() < want && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		total += want
		resends += int(p.resends.Load())
	}
	time.Sleep(500 * time.Millisecond)
	for _, p := range l.pairs {
		want := int(p.acked.Load())
		p.mu.Lock()
		got, strangers := append([]string(nil), p.got...), p.strangers
		p.mu.Unlock()
		if a := int(p.abandoned.Load()); a == want+1 && len(got) == a {
			want = a // stored, though its sender never heard so
		}
		if strangers != 0 {
			t.Errorf("%s got %d messages not from its sender", p.receiver.user, strangers)
		}
		if len(got) != want {
			t.Errorf("%s got %d messages, its sender had %d acknowledged", p.receiver.user, len(got), want)
		}
		for i, text := range got {
			if text != strconv.Itoa(i+1) {
				t.Errorf("%s: message %d is %q, want %q (lost, duplicated or reordered around it: %v)",
					p.receiver.user, i+1, text, strconv.Itoa(i+1), got[max(0, i-3):min(len(got), i+4)])
				break
			}
		}
	}
	if t.Failed() {
		return
	}
	t.Logf("%d pairs, %d messages acknowledged and delivered once in order; %d sends resent by the SDK after a drop, %d made again by the sender",
		len(l.pairs), total, l.sdkResends.Load(), resends)
}
