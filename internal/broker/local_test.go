package broker_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/broker/brokertest"
)

func TestLocal(t *testing.T) {
	brokertest.Run(t, func(t *testing.T, limits broker.Limits) broker.Broker {
		return broker.NewLocal(broker.LocalOptions{Limits: limits})
	})
}

// A subscriber that never returns makes Close give up after DrainTimeout,
// and nothing more is delivered after it.
func TestLocalCloseDrainTimeout(t *testing.T) {
	b := broker.NewLocal(broker.LocalOptions{DrainTimeout: 50 * time.Millisecond})
	block := make(chan struct{})
	defer close(block)
	if _, err := b.Subscribe("s", func([]byte) { <-block }); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := b.Publish(t.Context(), "s", nil); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	if err := b.Close(); err != broker.ErrDrainTimeout {
		t.Fatalf("Close: %v, want ErrDrainTimeout", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Close took %v", d)
	}
}

func TestSubjects(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{broker.UserSubject(1400000000, "alice"), "parley.u.1400000000.YWxpY2U"},
		{broker.GroupSubject(1, "a.b"), "parley.g.1.YS5i"},
		{broker.UserSubject(1, ""), "parley.u.1._"},
		{broker.NodeSubject("node-1"), "parley.n.bm9kZS0x"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// BenchmarkLocalFanout publishes one message to 10,000 subscribers, either
// each on its own subject (10,000 publishes per op, one per user) or all on
// one subject (one publish per op, a group). An op ends when every
// subscriber has been called.
func BenchmarkLocalFanout(b *testing.B) {
	const n = 10000
	msg := []byte(`{"push":"msg.new","seq":1}`)
	for _, distinct := range []bool{true, false} {
		name := "OneSubject"
		if distinct {
			name = "DistinctSubjects"
		}
		b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
			br := broker.NewLocal(broker.LocalOptions{})
			defer br.Close()
			done := make(chan struct{}, n)
			subjects := make([]string, n)
			for i := range n {
				subjects[i] = broker.GroupSubject(1, "g")
				if distinct {
					subjects[i] = broker.UserSubject(1, fmt.Sprint("user", i))
				}
				if _, err := br.Subscribe(subjects[i], func([]byte) { done <- struct{}{} }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if distinct {
					for _, s := range subjects {
						_ = br.Publish(b.Context(), s, msg)
					}
				} else {
					_ = br.Publish(b.Context(), subjects[0], msg)
				}
				for range n {
					<-done
				}
			}
		})
	}
}

// Publish copies what it is given, so the caller may reuse it at once;
// PublishOwned hands the caller's bytes themselves to the subscribers.
func TestLocalPublishCopiesPublishOwnedDoesNot(t *testing.T) {
	b := broker.NewLocal(broker.LocalOptions{})
	defer b.Close()
	got := make(chan []byte, 2)
	if _, err := b.Subscribe("s", func(data []byte) { got <- data }); err != nil {
		t.Fatal(err)
	}
	receive := func() []byte {
		select {
		case d := <-got:
			return d
		case <-time.After(5 * time.Second):
			t.Fatal("nothing delivered within 5s")
			return nil
		}
	}
	reused := []byte("first")
	if err := b.Publish(t.Context(), "s", reused); err != nil {
		t.Fatal(err)
	}
	copy(reused, "XXXXX") // the caller reuses its buffer at once
	if d := receive(); string(d) != "first" {
		t.Errorf("Publish delivered %q, want %q: the caller's later change reached the subscriber", d, "first")
	}
	owned := []byte("second")
	if err := b.PublishOwned(t.Context(), "s", owned); err != nil {
		t.Fatal(err)
	}
	if d := receive(); string(d) != "second" || &d[0] != &owned[0] {
		t.Errorf("PublishOwned delivered %q at a copy, want the caller's own bytes", d)
	}
}
