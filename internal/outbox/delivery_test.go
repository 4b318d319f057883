package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/account"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// seqLog records the message-sent entries a consumer got, per
// conversation, in delivery order.
type seqLog struct {
	mu    sync.Mutex
	byCon map[string][]uint64
	n     int
}

func (l *seqLog) add(e store.OutboxEntry) {
	var m outbox.MessageSent
	json.Unmarshal(e.Payload, &m)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byCon == nil {
		l.byCon = map[string][]uint64{}
	}
	l.byCon[m.From+">"+m.To] = append(l.byCon[m.From+">"+m.To], m.MsgSeq)
	l.n++
}

func (l *seqLog) get(conv string) []uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]uint64(nil), l.byCon[conv]...)
}

func ascending(seqs []uint64, n int) bool {
	if len(seqs) != n {
		return false
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			return false
		}
	}
	return true
}

// Sends in two conversations reach a registered consumer after their
// commit, each conversation in seq order; a dispatcher that dies mid-batch
// (its handler stuck, its lease left behind) is taken over by another
// node, which delivers every entry not acknowledged again: at least once,
// still in order.
func TestConsumerGetsSendsInOrderAndAfterACrash(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			open := e.open(t)
			nodeA, nodeB := open(t), open(t)
			var delivered seqLog
			stuck := make(chan struct{})
			release := make(chan struct{})
			var once sync.Once
			s := newServices(t, nodeA, func(ctx context.Context, e store.OutboxEntry) error {
				var m outbox.MessageSent
				json.Unmarshal(e.Payload, &m)
				if m.From == "alice" && m.MsgSeq == 15 {
					// Node A dies here: its handler never returns in time
					// and nothing of the batch is acknowledged.
					once.Do(func() { close(stuck) })
					<-release
					return errors.New("node A is gone")
				}
				delivered.add(e)
				return nil
			})
			defer close(release)
			dA, err := outbox.New(outbox.StoreOf(nodeA), s.reg.Handler(), outbox.Options{Batch: 10, Lease: 10 * time.Minute, HandlerTimeout: 5 * time.Minute,
				Poll: 20 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			ctxA, stopA := context.WithCancel(t.Context())
			defer stopA()
			go dA.Run(ctxA)

			const n = 20
			if outbox.PartitionOf(app, message.ConvKey("alice", "bob")) == outbox.PartitionOf(app, message.ConvKey("carol", "bob")) {
				t.Fatal("the two conversations share a partition: pick other users")
			}
			for i := range n {
				for _, from := range []string{"alice", "carol"} {
					if _, err := s.msgs.SendC2C(t.Context(), s.a, message.SendRequest{From: from, To: "bob", Random: uint32(i),
						Content: text(fmt.Sprint(i))}); err != nil {
						t.Fatal(err)
					}
					dA.Notify()
				}
			}
			waitFor(t, "carol's messages", 20*time.Second, func() bool { return len(delivered.get("carol>bob")) == n })
			// and acknowledged: her partition is empty (a partition with
			// entries is ready for a claim far enough in the future).
			carols := outbox.PartitionOf(app, message.ConvKey("carol", "bob"))
			waitFor(t, "carol's entries acknowledged", 20*time.Second, func() bool {
				var parts []store.OutboxPartition
				if err := nodeA.Read(t.Context(), func(tx store.Tx) (err error) {
					parts, err = tx.ReadyOutboxPartitions(t.Context(), time.Now().Add(24*time.Hour).UnixMilli(), outbox.Partitions)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				return !slices.Contains(parts, store.OutboxPartition{App: app, Part: carols})
			})
			<-stuck
			if got := delivered.get("carol>bob"); !ascending(got, n) {
				t.Fatalf("carol's conversation delivered as %v, want 1..%d in order", got, n)
			}
			if before := delivered.get("alice>bob"); !ascending(before, 14) {
				t.Fatalf("alice's conversation before the crash: %v, want 1..14", before)
			}

			// Node B's clock is past node A's lease: A counts as crashed.
			var after seqLog
			regB := &outbox.Consumers{}
			regB.Register(outbox.Consumer{Name: "b", Kinds: []string{outbox.KindMessageSent}, Deliver: func(_ context.Context, e store.OutboxEntry) error {
				after.add(e)
				return nil
			}})
			dB, err := outbox.New(outbox.StoreOf(nodeB), regB.Handler(), outbox.Options{Poll: 20 * time.Millisecond,
				Now: func() time.Time { return time.Now().Add(time.Hour) }})
			if err != nil {
				t.Fatal(err)
			}
			ctxB, stopB := context.WithCancel(t.Context())
			defer stopB()
			go dB.Run(ctxB)
			waitFor(t, "node B to take over", 20*time.Second, func() bool {
				got := after.get("alice>bob")
				return len(got) > 0 && got[len(got)-1] == n
			})
			// The batch A was stuck in began at or before 15; what of it A's
			// consumer took was never acknowledged, so B delivers it again,
			// then the rest, in order.
			got := after.get("alice>bob")
			if got[0] > 15 {
				t.Fatalf("node B started alice's conversation at %d: entry 15 was lost", got[0])
			}
			for i, seq := range got {
				if seq != got[0]+uint64(i) {
					t.Fatalf("node B delivered alice's conversation as %v, want consecutive up to %d", got, n)
				}
			}
			if len(after.get("carol>bob")) != 0 {
				t.Fatalf("carol's acknowledged entries delivered again: %v", after.get("carol>bob"))
			}
		})
	}
}

// Flush delivers what is ready and reports how many; what fails stays.
func TestFlush(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			st := e.open(t)(t)
			// Handlers of different partitions run concurrently.
			var mu sync.Mutex
			fail := true
			var got []uint64
			d, err := outbox.New(outbox.StoreOf(st), func(_ context.Context, es []store.OutboxEntry) error {
				mu.Lock()
				defer mu.Unlock()
				if fail {
					return errors.New("down")
				}
				for _, e := range es {
					got = append(got, e.ID)
				}
				return nil
			}, outbox.Options{Batch: 7, MinBackoff: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			appendN(t, st, 30, 3)
			n, err := d.Flush(t.Context())
			if err != nil || n != 0 {
				t.Fatalf("flush with a failing handler: %d %v, want none", n, err)
			}
			mu.Lock()
			fail = false
			mu.Unlock()
			appendN(t, st, 30, 5)
			// The 3 partitions whose head failed wait for their retry; the
			// 2 others deliver all their entries, batch after batch.
			n, err = d.Flush(t.Context())
			mu.Lock()
			delivered := len(got)
			mu.Unlock()
			if err != nil || n != int64(delivered) || n == 0 {
				t.Fatalf("flush: %d %v, handler got %d", n, err, delivered)
			}
			if left := depth(t, st); left+n != 60 {
				t.Fatalf("%d left after flushing %d of 60", left, n)
			}
		})
	}
}

// Session state changes are written by the recorder's own small writes,
// only for apps whose consumers want them, and a full queue drops rather
// than blocks.
func TestStateChangesRecorded(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			st := e.open(t)(t)
			s := newServices(t, st, nil)
			ctx, stop := context.WithCancel(t.Context())
			go s.accounts.States.Run(ctx, time.Second)
			s.accounts.RecordState(account.Session{App: app, User: "alice", Platform: "iOS"}, outbox.ActionLogin, outbox.ReasonRegister, "", "Android")
			s.accounts.RecordState(account.Session{App: otherApp, User: "alice", Platform: "iOS"}, outbox.ActionLogin, outbox.ReasonRegister, "")
			s.accounts.RecordState(account.Session{App: app, User: "alice", Platform: "iOS"}, outbox.ActionLogout, outbox.ReasonKicked, "multiple_device")
			stop()
			<-s.accounts.States.Done()
			got := take(t, st)
			if len(got) != 2 {
				t.Fatalf("entries %v, want the two of the app with a consumer", kinds(got))
			}
			var login, kick outbox.StateChange
			json.Unmarshal(got[0].Payload, &login)
			json.Unmarshal(got[1].Payload, &kick)
			if login.Info != (outbox.StateInfo{Action: "Login", User: "alice", Reason: "Register"}) || login.OptPlatform != "iOS" ||
				len(login.KickedDevice) != 1 || login.KickedDevice[0].Platform != "Android" {
				t.Fatalf("login %+v", login)
			}
			if kick.Info.Action != "Logout" || kick.Info.Reason != "Kicked" || kick.KickReason != "multiple_device" {
				t.Fatalf("kick %+v", kick)
			}

			// Nobody drains this recorder: past its queue, changes are
			// counted as dropped and Record still returns.
			idle := account.NewStateRecorder(account.StoreOf(st), &outbox.Producer{Consumers: s.reg}, nil)
			acc := &account.Service{States: idle}
			for range account.StateQueue + 5 {
				acc.RecordState(account.Session{App: app, User: "bob"}, outbox.ActionLogin, outbox.ReasonRegister, "")
			}
			if idle.Dropped() != 5 {
				t.Fatalf("dropped %d, want 5", idle.Dropped())
			}
		})
	}
}
