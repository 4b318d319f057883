package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/account"
	appcfg "github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/profile"
	"github.com/parleyim/parley/internal/relation"
	"github.com/parleyim/parley/internal/store"
)

// otherApp has no consumer: it must never get an entry.
const otherApp store.AppID = 1400000002

// services are the domain services over one store, appending for a
// registry that wants every kind of app (and none of otherApp).
type services struct {
	st       store.Store
	a, other *appcfg.App
	reg      *outbox.Consumers
	msgs     *message.Service
	rels     *relation.Service
	profiles *profile.Service
	accounts *account.Service
}

func newServices(t *testing.T, st store.Store, deliver func(context.Context, store.OutboxEntry) error) *services {
	t.Helper()
	if deliver == nil {
		deliver = func(context.Context, store.OutboxEntry) error { return nil }
	}
	reg := &outbox.Consumers{}
	if err := reg.Register(outbox.Consumer{Name: "test", Apps: []store.AppID{app}, Kinds: outbox.Kinds, Deliver: deliver}); err != nil {
		t.Fatal(err)
	}
	p := &outbox.Producer{Consumers: reg}
	bus := event.NewBus()
	s := &services{st: st, reg: reg,
		a:        appFor(app),
		other:    appFor(otherApp),
		msgs:     &message.Service{Store: message.StoreOf(st), Events: bus, Attachments: message.Attachments{Outbox: p}},
		rels:     &relation.Service{Store: relation.StoreOf(st), Events: bus, Outbox: p},
		profiles: &profile.Service{Store: profile.StoreOf(st), Events: bus, Outbox: p},
	}
	s.accounts = &account.Service{Store: account.StoreOf(st), Events: bus, States: account.NewStateRecorder(account.StoreOf(st), p, nil)}
	for _, a := range []*appcfg.App{s.a, s.other} {
		if failed, err := s.accounts.ImportMany(t.Context(), a, []string{"alice", "bob", "carol"}); err != nil || len(failed) > 0 {
			t.Fatalf("import: %v %v", failed, err)
		}
	}
	return s
}

func appFor(id store.AppID) *appcfg.App {
	return appcfg.New(id, "0123456789abcdef0123456789abcdef", "admin")
}

// take claims and acknowledges every entry in the outbox, in id order.
func take(t *testing.T, st store.Store) []store.OutboxEntry {
	t.Helper()
	var all []store.OutboxEntry
	now := time.Now().UnixMilli()
	err := st.Write(t.Context(), func(tx store.Tx) error {
		parts, err := tx.ReadyOutboxPartitions(t.Context(), now, 10_000)
		if err != nil {
			return err
		}
		for _, p := range parts {
			got, err := tx.ClaimOutbox(t.Context(), p, 10_000, now, now+60_000)
			if err != nil {
				return err
			}
			all = append(all, got...)
		}
		ids := make([]uint64, len(all))
		for i, e := range all {
			ids[i] = e.ID
		}
		if len(ids) > 0 {
			_, err := tx.AckOutbox(t.Context(), ids)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(all, func(a, b store.OutboxEntry) int { return int(a.ID) - int(b.ID) })
	return all
}

// one takes the outbox and checks it holds exactly one entry, of kind,
// whose payload decodes into v.
func one(t *testing.T, st store.Store, kind string, v any) store.OutboxEntry {
	t.Helper()
	got := take(t, st)
	if len(got) != 1 || got[0].Kind != kind || got[0].App != app {
		t.Fatalf("outbox %+v, want one %s entry of app %d", kinds(got), kind, app)
	}
	if err := json.Unmarshal(got[0].Payload, v); err != nil {
		t.Fatalf("%s payload %s: %v", kind, got[0].Payload, err)
	}
	return got[0]
}

func none(t *testing.T, st store.Store, what string) {
	t.Helper()
	if got := take(t, st); len(got) != 0 {
		t.Fatalf("%s: outbox %v, want nothing", what, kinds(got))
	}
}

func kinds(es []store.OutboxEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Kind + " " + string(e.Payload)
	}
	return out
}

func text(s string) message.Content {
	return message.Content{MsgBody: []message.Element{{MsgType: "TIMTextElem", MsgContent: json.RawMessage(`{"Text":"` + s + `"}`)}},
		CloudCustomData: "cc-" + s}
}

func wantCode(t *testing.T, err error, code int) {
	t.Helper()
	var ce *errcode.Error
	if !errors.As(err, &ce) || ce.Code != code {
		t.Fatalf("error %v, want code %d", err, code)
	}
}

// Each producer writes its entry with the change, in the same write, and
// none when the change fails; an app without a consumer gets none.
func TestProducersAppendWithTheChange(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			st := e.open(t)(t)
			s := newServices(t, st, nil)
			ctx := t.Context()

			sent, err := s.msgs.SendC2C(ctx, s.a, message.SendRequest{From: "alice", To: "bob", Random: 7, ClientMsgID: "m1",
				Content: text("hi"), NeedReadReceipt: true})
			if err != nil {
				t.Fatal(err)
			}
			var ms outbox.MessageSent
			entry := one(t, st, outbox.KindMessageSent, &ms)
			if ms.From != "alice" || ms.To != "bob" || ms.MsgSeq != sent.Message.Seq || ms.MsgRandom != 7 || ms.MsgKey != sent.Key ||
				ms.CloudCustomData != "cc-hi" || string(ms.MsgBody) != `[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]` || ms.EventTime == 0 {
				t.Fatalf("message-sent payload %+v (sent %+v)", ms, sent)
			}
			if entry.Partition != outbox.PartitionOf(app, message.ConvKey("alice", "bob")) {
				t.Fatalf("partition %d, want the conversation's", entry.Partition)
			}
			// A retry is the same message: no second entry. A failing send
			// writes none.
			if _, err := s.msgs.SendC2C(ctx, s.a, message.SendRequest{From: "alice", To: "bob", Random: 7, ClientMsgID: "m1", Content: text("hi")}); err != nil {
				t.Fatal(err)
			}
			none(t, st, "duplicate send")
			_, err = s.msgs.SendC2C(ctx, s.a, message.SendRequest{From: "alice", To: "nobody", Random: 8, Content: text("hi")})
			wantCode(t, err, message.CodeNoReceiver)
			none(t, st, "send to a missing user")
			if _, err := s.msgs.SendC2C(ctx, s.other, message.SendRequest{From: "alice", To: "bob", Random: 9, Content: text("hi")}); err != nil {
				t.Fatal(err)
			}
			none(t, st, "send in an app without consumers")

			// Batch sends write one entry per stored message.
			if _, err := s.msgs.SendC2CBatch(ctx, s.a, message.SendRequest{From: "alice", Random: 10, Content: text("all"), Admin: true},
				[]string{"bob", "carol", "nobody"}); err != nil {
				t.Fatal(err)
			}
			if got := take(t, st); len(got) != 2 || got[0].Kind != outbox.KindMessageSent || got[1].Kind != outbox.KindMessageSent {
				t.Fatalf("batch: %v, want two message-sent entries", kinds(got))
			}

			if _, err := s.msgs.SendReceipts(ctx, s.a, "bob", "alice", []string{sent.Key}); err != nil {
				t.Fatal(err)
			}
			var rc outbox.MessageReceipt
			one(t, st, outbox.KindMessageReceipt, &rc)
			if rc.Reader != "bob" || rc.Peer != "alice" || !slices.Equal(rc.MsgKeys, []string{sent.Key}) {
				t.Fatalf("receipt payload %+v", rc)
			}
			if err := s.msgs.MarkRead(ctx, s.a, "bob", "alice", sent.Message.Seq, nil); err != nil {
				t.Fatal(err)
			}
			var rd outbox.MessageRead
			one(t, st, outbox.KindMessageRead, &rd)
			if rd.Report != "bob" || rd.Peer != "alice" || rd.ReadSeq != sent.Message.Seq {
				t.Fatalf("read payload %+v", rd)
			}

			if _, err := s.msgs.Recall(ctx, s.a, "alice", "bob", sent.Key, false, nil); err != nil {
				t.Fatal(err)
			}
			var rec outbox.MessageRecalled
			one(t, st, outbox.KindMessageRecalled, &rec)
			if rec.From != "alice" || rec.To != "bob" || rec.MsgKey != sent.Key {
				t.Fatalf("recall payload %+v", rec)
			}
			_, err = s.msgs.Recall(ctx, s.a, "alice", "bob", sent.Key, false, nil)
			wantCode(t, err, message.CodeAlreadyRecalled)
			none(t, st, "a recall that fails")

			res, err := s.rels.AddFriends(ctx, s.a, "alice", []relation.AddItem{{To: "bob"}, {To: "nobody"}},
				relation.AddOptions{Type: relation.AddBoth, Force: true})
			if err != nil || res[0].Err != nil || res[1].Err == nil {
				t.Fatalf("add: %+v %v", res, err)
			}
			var pairs outbox.Pairs
			one(t, st, outbox.KindFriendAdded, &pairs)
			wantPairs := []outbox.Pair{{From: "alice", To: "bob", Initiator: "alice"}, {From: "bob", To: "alice", Initiator: "alice"}}
			if !slices.Equal(pairs.Pairs, wantPairs) || pairs.ClientCmd != outbox.CmdFriendAdd || pairs.ForceFlag != 1 {
				t.Fatalf("friend-added payload %+v", pairs)
			}
			if res, _ := s.rels.AddFriends(ctx, s.a, "alice", []relation.AddItem{{To: "nobody"}}, relation.AddOptions{Force: true}); res[0].Err == nil {
				t.Fatal("add of a missing user succeeded")
			}
			none(t, st, "an add where every item failed")

			if _, err := s.rels.DeleteFriends(ctx, s.a, "alice", []string{"bob"}, relation.DeleteBoth, 0); err != nil {
				t.Fatal(err)
			}
			pairs = outbox.Pairs{}
			one(t, st, outbox.KindFriendDeleted, &pairs)
			if len(pairs.Pairs) != 2 {
				t.Fatalf("friend-deleted payload %+v, want both directions", pairs)
			}
			if _, err := s.rels.AddBlocks(ctx, s.a, "alice", []string{"carol"}); err != nil {
				t.Fatal(err)
			}
			pairs = outbox.Pairs{}
			one(t, st, outbox.KindBlockAdded, &pairs)
			if !slices.Equal(pairs.Pairs, []outbox.Pair{{From: "alice", To: "carol"}}) {
				t.Fatalf("block-added payload %+v", pairs)
			}
			if _, err := s.rels.DeleteBlocks(ctx, s.a, "alice", []string{"carol", "bob"}); err != nil {
				t.Fatal(err)
			}
			pairs = outbox.Pairs{}
			one(t, st, outbox.KindBlockDeleted, &pairs)
			if !slices.Equal(pairs.Pairs, []outbox.Pair{{From: "alice", To: "carol"}}) {
				t.Fatalf("block-deleted payload %+v", pairs)
			}

			if err := s.profiles.SetValues(ctx, s.a, "alice", map[string]store.Value{profile.TagNick: store.StringValue("Al"),
				"Tag_Profile_IM_Level": store.IntValue(3)}); err != nil {
				t.Fatal(err)
			}
			var ps outbox.ProfileSet
			one(t, st, outbox.KindProfileSet, &ps)
			if ps.From != "alice" || len(ps.Items) != 2 || ps.Items[0].Tag != "Tag_Profile_IM_Level" || ps.Items[0].Value != float64(3) ||
				ps.Items[1].Value != "Al" {
				t.Fatalf("profile-set payload %+v", ps)
			}
			err = s.profiles.SetValues(ctx, s.a, "nobody", map[string]store.Value{profile.TagNick: store.StringValue("x")})
			wantCode(t, err, errcode.ProfileNoAccount)
			none(t, st, "a profile set that fails")
		})
	}
}

// An entry appended in a write that then fails is rolled back with it,
// also when the write shares its transaction with others (SQLite's group
// committer): the other writes keep theirs.
func TestEntriesRollBackWithTheirWrite(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			st := e.open(t)(t)
			reg := &outbox.Consumers{}
			reg.Register(outbox.Consumer{Name: "t", Kinds: []string{outbox.KindProfileSet},
				Deliver: func(context.Context, store.OutboxEntry) error { return nil }})
			p := &outbox.Producer{Consumers: reg}
			failed := errors.New("the change failed after its entry")
			var wg sync.WaitGroup
			errs := make([]error, 20)
			for i := range errs {
				wg.Go(func() {
					errs[i] = st.Write(t.Context(), func(tx store.Tx) error {
						if _, err := p.Add(t.Context(), tx, app, outbox.KindProfileSet, "u:x", map[string]int{"i": i}); err != nil {
							return err
						}
						if i%2 == 1 {
							return failed
						}
						return nil
					})
				})
			}
			wg.Wait()
			for i, err := range errs {
				if (i%2 == 1) != errors.Is(err, failed) {
					t.Fatalf("write %d: %v", i, err)
				}
			}
			got := take(t, st)
			if len(got) != 10 {
				t.Fatalf("%d entries, want the 10 of the writes that committed", len(got))
			}
			for _, e := range got {
				var v struct{ I int }
				json.Unmarshal(e.Payload, &v)
				if v.I%2 == 1 {
					t.Fatalf("entry of failed write %d is in the outbox", v.I)
				}
			}
		})
	}
}
