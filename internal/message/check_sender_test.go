package message_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// countingHook allows every send and records whom it was asked about.
type countingHook struct {
	hook.AllowAll
	mu    sync.Mutex
	asked [][2]string
}

func (h *countingHook) BeforeSendMessage(_ context.Context, m hook.Message) (hook.Verdict, error) {
	h.mu.Lock()
	h.asked = append(h.asked, [2]string{m.From, m.To})
	h.mu.Unlock()
	return hook.AllowVerdict, nil
}

// A send that asks for the sender's check (REST sendmsg) answers an absent
// sender before anything else, then an absent receiver, then the body's
// fault; it stores nothing, and a before-send hook is never asked about it.
func TestCheckSenderAnswersAbsentAccountsFirst(t *testing.T) {
	engines(t, func(t *testing.T, st store.Store) {
		for _, hooked := range []bool{false, true} {
			alice, bob := "alice", "bob"
			if hooked {
				alice, bob = "alice2", "bob2"
			}
			svc, a := setup(t, st, alice, bob)
			h := &countingHook{}
			if hooked {
				svc.Hook = &hook.Runner{Before: h}
			}
			tooLong := message.Content{MsgBody: []message.Element{{MsgType: "TIMTextElem",
				MsgContent: []byte(`{"Text":"` + strings.Repeat("x", message.MaxContentBytes+1) + `"}`)}}}
			for _, c := range []struct {
				name     string
				from, to string
				content  message.Content
				want     error
				wantCode int
			}{
				{"no sender", "ghost", bob, text("hi"), message.ErrUnknownSender, 0},
				{"neither", "ghost", "phantom", text("hi"), message.ErrUnknownSender, 0},
				{"to oneself, absent", "ghost", "ghost", text("hi"), message.ErrUnknownSender, 0},
				{"no receiver", alice, "phantom", text("hi"), message.ErrUnknownReceiver, 0},
				{"no sender, body too long", "ghost", bob, tooLong, message.ErrUnknownSender, 0},
				{"no receiver, body too long", alice, "phantom", tooLong, message.ErrUnknownReceiver, 0},
				{"both exist, body too long", alice, bob, tooLong, nil, message.CodeTooLong},
			} {
				_, err := svc.SendC2C(t.Context(), a, message.SendRequest{From: c.from, To: c.to, Random: 1, Admin: true, CheckSender: true, Content: c.content})
				switch {
				case c.want != nil && !errors.Is(err, c.want):
					t.Errorf("hooked %v, %s: %v, want %v", hooked, c.name, err, c.want)
				case c.want == nil && code(err) != c.wantCode:
					t.Errorf("hooked %v, %s: %v, want code %d", hooked, c.name, err, c.wantCode)
				}
			}
			// Without the check an absent sender is not the send's concern.
			if _, err := svc.SendC2C(t.Context(), a, message.SendRequest{From: "ghost", To: bob, Random: 2, Admin: true, Content: text("hi")}); err != nil {
				t.Errorf("hooked %v, unchecked sender: %v", hooked, err)
			}
			sent, err := svc.SendC2C(t.Context(), a, message.SendRequest{From: alice, To: bob, Random: 3, Admin: true, CheckSender: true, Content: text("hi")})
			if err != nil || sent.Message.Seq != 1 {
				t.Errorf("hooked %v, a send between accounts: seq %d, %v; want seq 1 (nothing stored before it)", hooked, sent.Message.Seq, err)
			}
			if hooked {
				// The hook heard of the unchecked send and the last one only;
				// a too-long body is refused before the hook too.
				if len(h.asked) != 2 || h.asked[0] != [2]string{"ghost", bob} || h.asked[1] != [2]string{alice, bob} {
					t.Errorf("the hook was asked about %v, want ghost→%s and %s→%s", h.asked, bob, alice, bob)
				}
			}
		}
	})
}

// A checked send (the REST door's sendmsg) keeps the receive option's
// rule: a receiver who does not receive from the sender has the message
// stored but hidden from their view, the sender keeps it unless it is
// hidden from the sender too; a retry is the first message.
func TestCheckedSendKeepsTheReceiveOption(t *testing.T) {
	engines(t, func(t *testing.T, st store.Store) {
		svc, a := setup(t, st, "alice", "bob", "carol")
		if err := st.Write(t.Context(), func(tx store.Tx) error {
			return tx.SetRecvOpts(t.Context(), a.SDKAppID, "bob", []string{"alice"}, store.RecvOptNotReceive)
		}); err != nil {
			t.Fatal(err)
		}
		seen := func(viewer, peer string) int {
			t.Helper()
			var n int
			err := st.Read(t.Context(), func(tx store.Tx) error {
				ms, err := tx.QueryMessages(t.Context(), a.SDKAppID, store.MessageQuery{ConvKey: message.ConvKey(viewer, peer), Viewer: viewer})
				n = len(ms)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		send := func(from, to string, random uint32, hide bool) message.Sent {
			t.Helper()
			sent, err := svc.SendC2C(t.Context(), a, message.SendRequest{From: from, To: to, Random: random, Admin: true, CheckSender: true,
				HideFromSender: hide, Content: text("hi")})
			if err != nil {
				t.Fatalf("%s→%s: %v", from, to, err)
			}
			return sent
		}
		first := send("alice", "bob", 1, false)
		if first.RecvOpt != store.RecvOptNotReceive || first.Message.Seq != 1 || first.Duplicate {
			t.Errorf("alice→bob: recv opt %d, seq %d, duplicate %v; want %d, 1, false", first.RecvOpt, first.Message.Seq, first.Duplicate, store.RecvOptNotReceive)
		}
		send("alice", "bob", 2, true)
		if again := send("alice", "bob", 1, false); !again.Duplicate || again.Message.Seq != 1 {
			t.Errorf("retry: duplicate %v, seq %d; want the first message", again.Duplicate, again.Message.Seq)
		}
		if n := seen("bob", "alice"); n != 0 {
			t.Errorf("bob, who does not receive alice, sees %d messages", n)
		}
		if n := seen("alice", "bob"); n != 1 {
			t.Errorf("alice sees %d of her messages to bob, want 1 (the other was hidden from her)", n)
		}
		// The other direction and other receivers are untouched by bob's
		// option.
		if sent := send("bob", "alice", 1, false); sent.RecvOpt != store.RecvOptReceive || sent.Message.Seq != 3 {
			t.Errorf("bob→alice: recv opt %d, seq %d; want %d, 3", sent.RecvOpt, sent.Message.Seq, store.RecvOptReceive)
		}
		send("alice", "carol", 1, false)
		if n := seen("carol", "alice"); n != 1 {
			t.Errorf("carol sees %d messages from alice, want 1", n)
		}
	})
}

// Checked sends that arrive together are written together (on PostgreSQL
// one statement for a whole batch): whatever gathers, every send's answer
// is its own, seqs are gapless per conversation, a retry is its first
// attempt's message wherever it lands, and absent accounts are told.
func TestGatheredCheckedSends(t *testing.T) {
	engines(t, func(t *testing.T, st store.Store) {
		users := []string{"u0", "u1", "u2", "u3", "u4", "u5"}
		svc, a := setup(t, st, users...)
		svc.GatherSends = true // as a node on a networked store has it
		type job struct {
			from, to string
			random   uint32
		}
		var jobs []job
		for i := range 60 {
			jobs = append(jobs, job{users[i%6], users[(i/6+i+1)%6], uint32(i)})
		}
		for i := range 20 { // retries of the first twenty
			jobs = append(jobs, jobs[i])
		}
		for i := range 4 {
			jobs = append(jobs, job{"ghost", users[i], 100}, job{users[i], "phantom", 100})
		}
		for round := range 3 {
			answers := make([]message.Sent, len(jobs))
			errs := make([]error, len(jobs))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, j := range jobs {
				wg.Go(func() {
					<-start
					answers[i], errs[i] = svc.SendC2C(t.Context(), a, message.SendRequest{From: j.from, To: j.to, Random: j.random + uint32(1000*round),
						Admin: true, CheckSender: true, Content: text("hi")})
				})
			}
			close(start)
			wg.Wait()
			first := map[job]uint64{}
			for i, j := range jobs {
				switch {
				case j.from == "ghost":
					if !errors.Is(errs[i], message.ErrUnknownSender) {
						t.Errorf("round %d, %v: %v, want ErrUnknownSender", round, j, errs[i])
					}
				case j.to == "phantom":
					if !errors.Is(errs[i], message.ErrUnknownReceiver) {
						t.Errorf("round %d, %v: %v, want ErrUnknownReceiver", round, j, errs[i])
					}
				case errs[i] != nil:
					t.Errorf("round %d, %v: %v", round, j, errs[i])
				default:
					if seq, ok := first[j]; ok && seq != answers[i].Message.Seq {
						t.Errorf("round %d, %v: a retry answered seq %d, its first attempt %d", round, j, answers[i].Message.Seq, seq)
					}
					first[j] = answers[i].Message.Seq
				}
			}
			// Every conversation's messages: seqs 1..n, one per distinct
			// send, none twice.
			perConv := map[string]int{}
			for j := range first {
				perConv[message.ConvKey(j.from, j.to)]++
			}
			for conv, n := range perConv {
				var seqs []uint64
				err := st.Read(t.Context(), func(tx store.Tx) error {
					ms, err := tx.QueryMessages(t.Context(), a.SDKAppID, store.MessageQuery{ConvKey: conv, Limit: 1000})
					for _, m := range ms {
						seqs = append(seqs, m.Seq)
					}
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				want := n * (round + 1)
				if len(seqs) != want {
					t.Errorf("round %d, %s: %d messages stored, want %d", round, conv, len(seqs), want)
					continue
				}
				slices.Sort(seqs)
				for i, seq := range seqs {
					if seq != uint64(i+1) {
						t.Errorf("round %d, %s: seqs %v, want 1..%d", round, conv, seqs, want)
						break
					}
				}
			}
		}
	})
}

// Sends written together keep their own requests' values in what they
// append for consumers: each message-sent entry has its caller's address
// and its caller's ForbidCallbackControl, not another caller's of the batch.
func TestGatheredSendsKeepTheirOwnRequestValues(t *testing.T) {
	engines(t, func(t *testing.T, st store.Store) {
		const n = 24
		users := []string{"rcv"}
		for i := range n {
			users = append(users, fmt.Sprintf("s%02d", i))
		}
		svc, a := setup(t, st, users...)
		svc.GatherSends = true
		consumers := &outbox.Consumers{}
		if err := consumers.Register(outbox.Consumer{Name: "test", Kinds: []string{outbox.KindMessageSent},
			Deliver: func(context.Context, store.OutboxEntry) error { return nil }}); err != nil {
			t.Fatal(err)
		}
		svc.Outbox = &outbox.Producer{Consumers: consumers}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				ctx := hook.WithOrigin(t.Context(), hook.Origin{ClientIP: fmt.Sprintf("10.0.0.%d", i)})
				if i%2 == 1 {
					ctx = hook.WithForbidden(ctx, []string{hook.ForbidAfterSendMsg})
				}
				<-start
				if _, err := svc.SendC2C(ctx, a, message.SendRequest{From: users[i+1], To: "rcv", Random: 1, Admin: true, CheckSender: true, Content: text("hi")}); err != nil {
					t.Error(err)
				}
			})
		}
		close(start)
		wg.Wait()
		for i := range n {
			conv := message.ConvKey(users[i+1], "rcv")
			var entries []store.OutboxEntry
			err := st.Write(t.Context(), func(tx store.Tx) (err error) {
				now := time.Now().UnixMilli()
				entries, err = tx.ClaimOutbox(t.Context(), store.OutboxPartition{App: a.SDKAppID, Part: outbox.PartitionOf(a.SDKAppID, conv)}, 1000, now, now+60_000)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range entries {
				var p outbox.MessageSent
				if err := json.Unmarshal(e.Payload, &p); err != nil {
					t.Fatal(err)
				}
				if p.From != users[i+1] {
					continue
				}
				found = true
				if want := fmt.Sprintf("10.0.0.%d", i); p.ClientIP != want || p.ForbidAfterSendMsgCallback != (i%2 == 1) {
					t.Errorf("%s's entry: client %q, forbidden %v; want %q, %v", p.From, p.ClientIP, p.ForbidAfterSendMsgCallback, want, i%2 == 1)
				}
			}
			if !found {
				t.Errorf("no message-sent entry for %s", users[i+1])
			}
		}
	})
}
