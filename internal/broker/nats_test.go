package broker_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/broker/brokertest"
)

func connect(t *testing.T, url, name string, limits broker.Limits) *broker.NATS {
	t.Helper()
	b, err := broker.ConnectNATS(broker.NATSOptions{
		URL: url, Name: name, Limits: limits,
		ReconnectWait: 20 * time.Millisecond, MaxReconnectWait: 200 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func TestNATS(t *testing.T) {
	s := brokertest.StartNATS(t, 0)
	n := 0
	brokertest.Run(t, func(t *testing.T, limits broker.Limits) broker.Broker {
		n++
		return connect(t, s.ClientURL(), "test-"+strconv.Itoa(n), limits)
	})
}

// Two nodes are two Brokers on one NATS server: a publish on either
// reaches the subscribers of both, and each publisher's order holds.
func TestNATSTwoNodes(t *testing.T) {
	s := brokertest.StartNATS(t, 0)
	a := connect(t, s.ClientURL(), "node-a", broker.Limits{})
	b := connect(t, s.ClientURL(), "node-b", broker.Limits{})
	subject := broker.GroupSubject(1, "team")
	onA, onB := brokertest.NewSink(), brokertest.NewSink()
	if _, err := a.Subscribe(subject, onA.Fn); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Subscribe(subject, onB.Fn); err != nil {
		t.Fatal(err)
	}
	// A SUB is ordered only behind its own connection's publishes: flush
	// both so the server has them before the other node publishes.
	for _, n := range []*broker.NATS{a, b} {
		if err := n.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		if err := a.Publish(context.Background(), subject, []byte(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Publish(context.Background(), subject, []byte("from-b")); err != nil {
		t.Fatal(err)
	}
	for _, sink := range []*brokertest.Sink{onA, onB} {
		sink.WaitLen(t, 101)
		next := 0
		for _, m := range sink.Msgs() {
			if string(m) == "from-b" {
				continue
			}
			if string(m) != strconv.Itoa(next) {
				t.Fatalf("got %q, want %d", m, next)
			}
			next++
		}
	}
	// A user subject on one node is not heard by the other's other users.
	other := brokertest.NewSink()
	if _, err := b.Subscribe(broker.UserSubject(1, "bob"), other.Fn); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := a.Publish(context.Background(), broker.UserSubject(1, "alice"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := a.Publish(context.Background(), broker.UserSubject(1, "bob"), []byte("for-bob")); err != nil {
		t.Fatal(err)
	}
	other.WaitFor(t, "for-bob")
	if got := other.Msgs(); len(got) != 1 {
		t.Fatalf("bob got %q", got)
	}
}

// Restarting the NATS server: both nodes reconnect by themselves, their
// subscriptions are re-established, and messages flow again. What was
// published during the outage may be lost (at most once).
func TestNATSReconnect(t *testing.T) {
	s := brokertest.StartNATS(t, 0)
	port := s.Addr().(*net.TCPAddr).Port
	url := s.ClientURL()
	a := connect(t, url, "node-a", broker.Limits{})
	b := connect(t, url, "node-b", broker.Limits{})
	subject := broker.UserSubject(1, "erin")
	onB := brokertest.NewSink()
	if _, err := b.Subscribe(subject, onB.Fn); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := a.Publish(context.Background(), subject, []byte("before")); err != nil {
		t.Fatal(err)
	}
	onB.WaitFor(t, "before")

	s.Shutdown()
	s.WaitForShutdown()
	waitFor(t, func() bool { return !a.Connected() && !b.Connected() })
	// During the outage Publish buffers (bounded) or fails; neither blocks.
	_ = a.Publish(context.Background(), subject, []byte("during"))

	brokertest.StartNATS(t, port)
	waitFor(t, func() bool { return a.Connected() && b.Connected() })
	// The SUB was replayed on reconnect; publish until it is heard, since
	// b's replay and a's publishes race on the new server.
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		m := fmt.Sprint("after-", i)
		if err := a.Publish(context.Background(), subject, []byte(m)); err != nil {
			t.Fatal(err)
		}
		if heard(onB, "after-") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message after the restart; got %q", onB.Msgs())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A subscription made after the restart works too, from the other node.
	onA := brokertest.NewSink()
	if _, err := a.Subscribe(subject, onA.Fn); err != nil {
		t.Fatal(err)
	}
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(context.Background(), subject, []byte("late")); err != nil {
		t.Fatal(err)
	}
	onA.WaitFor(t, "late")
	onB.WaitFor(t, "late")
}

func heard(s *brokertest.Sink, prefix string) bool {
	for _, m := range s.Msgs() {
		if len(m) >= len(prefix) && string(m[:len(prefix)]) == prefix {
			return true
		}
	}
	return false
}

func TestNATSConnectFails(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "nats://" + l.Addr().String()
	l.Close() // nothing listens there now
	_, err = broker.ConnectNATS(broker.NATSOptions{URL: url})
	if err == nil {
		t.Fatal("ConnectNATS to a closed port succeeded")
	}
	if errors.Is(err, broker.ErrClosed) {
		t.Fatalf("unexpected error %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Close and Unsubscribe may run at once (a node shutting down while its
// connections end): neither may wait for the other forever. Close held the
// broker's lock while it marked each subscription ended, and an Unsubscribe
// already marking its own waited for that lock: each held what the other
// needed.
func TestNATSCloseWhileUnsubscribing(t *testing.T) {
	s := brokertest.StartNATS(t, 0)
	for round := range 40 {
		// Not connect's: its cleanup would Close again, and wait as long.
		b, err := broker.ConnectNATS(broker.NATSOptions{URL: s.ClientURL(), Name: fmt.Sprintf("closing-%d", round),
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		subs := make([]broker.Subscription, 300)
		for i := range subs {
			sub, err := b.Subscribe(fmt.Sprintf("parley.test.%d.%d", round, i), func([]byte) {})
			if err != nil {
				t.Fatal(err)
			}
			subs[i] = sub
		}
		done := make(chan struct{})
		for _, sub := range subs {
			go func() {
				_ = sub.Unsubscribe()
				done <- struct{}{}
			}()
		}
		go func() {
			_ = b.Close()
			done <- struct{}{}
		}()
		deadline := time.After(10 * time.Second)
		for range len(subs) + 1 {
			select {
			case <-done:
			case <-deadline:
				t.Fatalf("round %d: Close and Unsubscribe still waiting on each other after 10s", round)
			}
		}
		// Ended either way: a second Unsubscribe is a no-op.
		for _, sub := range subs {
			if err := sub.Unsubscribe(); err != nil {
				t.Errorf("round %d: Unsubscribe after Close: %v", round, err)
			}
		}
	}
}
