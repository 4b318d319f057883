package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/relation"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/postgres"
)

// statementLog records the round trips a store makes, in order: each
// statement sent alone, or the statements of one batch.
type statementLog struct {
	mu    sync.Mutex
	stmts []string
}

func (l *statementLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	l.stmts = append(l.stmts, strings.Join(strings.Fields(data.SQL), " "))
	l.mu.Unlock()
	return ctx
}

func (l *statementLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// A batch is one round trip: its statements are one entry, joined by "; ".
func (l *statementLog) TraceBatchStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	var stmts []string
	for _, q := range data.Batch.QueuedQueries {
		stmts = append(stmts, strings.Join(strings.Fields(q.SQL), " "))
	}
	l.mu.Lock()
	l.stmts = append(l.stmts, strings.Join(stmts, "; "))
	l.mu.Unlock()
	return ctx
}

func (l *statementLog) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (l *statementLog) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// during returns the statements fn made the store send.
func (l *statementLog) during(t *testing.T, fn func()) []string {
	t.Helper()
	l.mu.Lock()
	from := len(l.stmts)
	l.mu.Unlock()
	fn()
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.stmts[from:]...)
}

func openTraced(t *testing.T) (store.Store, *statementLog) {
	t.Helper()
	log := &statementLog{}
	postgres.SetStatementTracer(log)
	st, err := postgres.Open(t.Context(), freshDatabase(t), 4)
	postgres.SetStatementTracer(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, log
}

func createAccounts(t *testing.T, st store.Store, a *app.App, users ...string) {
	t.Helper()
	err := st.Write(t.Context(), func(tx store.Tx) error {
		for _, u := range users {
			if _, err := tx.CreateAccount(t.Context(), a.SDKAppID, u, 1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The statements of one forced two-way friend_add on PostgreSQL, BEGIN and
// COMMIT included: each is a round trip to the server. The bound is what
// the engine achieves; more means a statement came back.
func TestFriendAddRoundTrips(t *testing.T) {
	st, log := openTraced(t)
	a := app.New(1400000001, "0123456789abcdef0123456789abcdef")
	createAccounts(t, st, a, "alice", "bob", "carol")
	svc := &relation.Service{Store: relation.StoreOf(st), Events: event.NewBus()}

	add := func(from, to string) []string {
		return log.during(t, func() {
			res, err := svc.AddFriends(t.Context(), a, from, []relation.AddItem{{To: to, AddSource: "AddSource_Type_test"}}, relation.AddOptions{Force: true})
			if err != nil || res[0].Err != nil {
				t.Fatalf("add %s→%s: %v %v", from, to, err, res)
			}
		})
	}
	stmts := add("alice", "bob")
	// BEGIN with the account locks, the relation and profile read, both
	// friend rows with both friend seqs' bumps and both change logs (one
	// statement), COMMIT.
	const bound = 4
	if len(stmts) > bound {
		t.Errorf("friend_add made %d round trips, want at most %d:\n%s", len(stmts), bound, strings.Join(stmts, "\n"))
	}
	if len(stmts) == 0 || !strings.HasPrefix(stmts[0], "begin; ") {
		t.Errorf("friend_add's BEGIN was not sent with its first statement:\n%s", strings.Join(stmts, "\n"))
	}
	// What the folded reads told the transaction was true: both sides are
	// friends, each with a bumped friend seq, and a second add of the pair
	// is refused as a duplicate.
	err := st.Read(t.Context(), func(tx store.Tx) error {
		for _, p := range [][2]string{{"alice", "bob"}, {"bob", "alice"}} {
			if _, ok, err := tx.Friend(t.Context(), a.SDKAppID, p[0], p[1]); err != nil || !ok {
				t.Errorf("%s has no friend %s (%v)", p[0], p[1], err)
			}
			if seqs, err := tx.Seqs(t.Context(), a.SDKAppID, p[0]); err != nil || seqs.Friend != 1 {
				t.Errorf("%s's friend seq %d (%v), want 1", p[0], seqs.Friend, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.AddFriends(t.Context(), a, "alice", []relation.AddItem{{To: "bob"}}, relation.AddOptions{Force: true})
	if err != nil || res[0].Err == nil {
		t.Errorf("second add: %v %v, want an error for the item", err, res)
	}
	// A pending request between the pair is still found and cleared by the
	// friendship that answers it.
	if res, err := svc.AddFriends(t.Context(), a, "carol", []relation.AddItem{{To: "alice", AddSource: "AddSource_Type_test"}}, relation.AddOptions{}); err != nil || res[0].Err == nil {
		t.Fatalf("request carol→alice: %v %v, want pending", err, res)
	}
	add("alice", "carol")
	err = st.Read(t.Context(), func(tx store.Tx) error {
		if _, ok, err := tx.FriendRequest(t.Context(), a.SDKAppID, "carol", "alice"); err != nil || ok {
			t.Errorf("request carol→alice still stored after the friendship (%v)", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An import's friend rows go to the server in one statement, whatever
// their number: each is held for the next statement and they ride on the
// friend seq's bump together, as one upsert over arrays (one plan node for
// all the rows).
func TestFriendImportRoundTrips(t *testing.T) {
	st, log := openTraced(t)
	a := app.New(1400000001, "0123456789abcdef0123456789abcdef")
	peers := []string{"bob", "carol", "dave", "erin", "frank"}
	createAccounts(t, st, a, append([]string{"alice"}, peers...)...)
	svc := &relation.Service{Store: relation.StoreOf(st), Events: event.NewBus()}
	items := make([]relation.ImportItem, len(peers))
	for i, p := range peers {
		items[i] = relation.ImportItem{To: p, AddSource: "AddSource_Type_test", Remark: "r" + p}
	}
	var res []relation.ItemResult
	stmts := log.during(t, func() {
		var err error
		if res, err = svc.ImportFriends(t.Context(), a, "alice", items); err != nil {
			t.Fatal(err)
		}
	})
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("import %s: %v", r.Peer, r.Err)
		}
	}
	puts := 0
	for _, s := range stmts {
		puts += strings.Count(s, "INSERT INTO friends ")
		if strings.Contains(s, "INSERT INTO friends ") && !strings.Contains(s, "friend_seq") {
			t.Errorf("friend rows sent without the seq bump: %s", s)
		}
	}
	if puts != 1 {
		t.Errorf("%d friend upserts for %d rows, want 1:\n%s", puts, len(peers), strings.Join(stmts, "\n"))
	}
	// Ten whatever the number of items: the rows travel in one statement
	// with the seq bump and the change log (fifteen for five items before
	// they were merged).
	if len(stmts) > 10 {
		t.Errorf("friend_import of %d sent %d statements, want at most 10:\n%s", len(peers), len(stmts), strings.Join(stmts, "\n"))
	}
	err := st.Read(t.Context(), func(tx store.Tx) error {
		for _, p := range peers {
			f, ok, err := tx.Friend(t.Context(), a.SDKAppID, "alice", p)
			if err != nil || !ok || f.Remark != "r"+p {
				t.Errorf("alice's friend %s: %+v %v %v", p, f, ok, err)
			}
		}
		seqs, err := tx.Seqs(t.Context(), a.SDKAppID, "alice")
		if err != nil || seqs.Friend != 1 {
			t.Errorf("alice's friend seq %d (%v), want 1", seqs.Friend, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The statements of one admin one-to-one send that opens a conversation and
// is hidden from the sender (the REST bench's sendmsg, which asks that the
// sender exist), and of a second send in it.
func TestSendRoundTrips(t *testing.T) {
	st, log := openTraced(t)
	a := app.New(1400000001, "0123456789abcdef0123456789abcdef")
	createAccounts(t, st, a, "alice", "bob")
	svc := &message.Service{Store: message.StoreOf(st), Events: event.NewBus()}
	send := func(random uint32) (message.Sent, []string) {
		var sent message.Sent
		stmts := log.during(t, func() {
			var err error
			sent, err = svc.SendC2C(t.Context(), a, message.SendRequest{From: "alice", To: "bob", Random: random, Admin: true, HideFromSender: true, CheckSender: true,
				Content: message.Content{MsgBody: []message.Element{{MsgType: "TIMTextElem", MsgContent: []byte(`{"Text":"hi"}`)}}}})
			if err != nil {
				t.Fatal(err)
			}
		})
		return sent, stmts
	}
	first, stmts := send(1)
	// BEGIN with the append and its read of both accounts and the receive
	// option (the accounts, the conversation, the message, the views and
	// the sender's hiding in one statement), COMMIT.
	const bound = 2
	if len(stmts) > bound {
		t.Errorf("first sendmsg made %d round trips, want at most %d:\n%s", len(stmts), bound, strings.Join(stmts, "\n"))
	}
	second, stmts := send(2)
	if len(stmts) > bound {
		t.Errorf("second sendmsg made %d round trips, want at most %d:\n%s", len(stmts), bound, strings.Join(stmts, "\n"))
	}
	if first.Message.Seq != 1 || second.Message.Seq != 2 {
		t.Errorf("seqs %d, %d; want 1, 2", first.Message.Seq, second.Message.Seq)
	}
	// A retry of the first send answers it, and takes no seq.
	again, _ := send(1)
	if !again.Duplicate || again.Message.Seq != 1 {
		t.Errorf("retry: duplicate %v seq %d, want the first message (seq 1)", again.Duplicate, again.Message.Seq)
	}
	third, _ := send(3)
	if third.Message.Seq != 3 {
		t.Errorf("after a retry the next seq is %d, want 3", third.Message.Seq)
	}
	// versions are the conversation versions of two users.
	versions := func(users ...string) (v [2]uint64) {
		err := st.Read(t.Context(), func(tx store.Tx) (err error) {
			for i, u := range users {
				if v[i], err = tx.ConversationVersion(t.Context(), a.SDKAppID, u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// An absent sender or receiver is told by that one statement, the
	// sender first, and nothing is written.
	for _, c := range []struct {
		from, to string
		want     error
	}{{"ghost", "bob", message.ErrUnknownSender}, {"ghost", "phantom", message.ErrUnknownSender}, {"alice", "phantom", message.ErrUnknownReceiver}} {
		var err error
		before := versions(c.from, c.to)
		stmts := log.during(t, func() {
			_, err = svc.SendC2C(t.Context(), a, message.SendRequest{From: c.from, To: c.to, Random: 9, Admin: true, CheckSender: true,
				Content: message.Content{MsgBody: []message.Element{{MsgType: "TIMTextElem", MsgContent: []byte(`{"Text":"hi"}`)}}}})
		})
		if !errors.Is(err, c.want) || len(stmts) > bound {
			t.Errorf("%s→%s: %v after %d statements, want %v after at most %d:\n%s", c.from, c.to, err, len(stmts), c.want, bound, strings.Join(stmts, "\n"))
		}
		if after := versions(c.from, c.to); after != before {
			t.Errorf("%s→%s: conversation versions %v, before %v: something was written", c.from, c.to, after, before)
		}
		err = st.Read(t.Context(), func(tx store.Tx) error {
			ms, err := tx.QueryMessages(t.Context(), a.SDKAppID, store.MessageQuery{ConvKey: message.ConvKey(c.from, c.to)})
			if err != nil || len(ms) != 0 {
				t.Errorf("%s→%s: %d messages stored (%v), want none", c.from, c.to, len(ms), err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The sends are hidden from the sender and kept for the receiver.
	for _, v := range []struct {
		viewer string
		want   int
	}{{"alice", 0}, {"bob", 3}} {
		var n int
		err := st.Read(t.Context(), func(tx store.Tx) error {
			ms, err := tx.QueryMessages(t.Context(), a.SDKAppID, store.MessageQuery{ConvKey: first.Message.ConvKey, Viewer: v.viewer})
			n = len(ms)
			return err
		})
		if err != nil || n != v.want {
			t.Errorf("%s sees %d messages (%v), want %d", v.viewer, n, err, v.want)
		}
	}
	// Both views exist with a version each (a sync reports them).
	err := st.Read(t.Context(), func(tx store.Tx) error {
		for _, owner := range []string{"alice", "bob"} {
			v, err := tx.ConversationVersion(t.Context(), a.SDKAppID, owner)
			if err != nil || v == 0 {
				t.Errorf("%s's conversation version %d (%v), want > 0", owner, v, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A friend upsert is held for the transaction's next statement: its failure
// must still fail the write, whether it rode on a later statement or was
// sent at the end, and nothing of the transaction may be stored.
func TestDeferredFriendWriteFailureFailsTheWrite(t *testing.T) {
	st, _ := openTraced(t)
	a := app.New(1400000001, "0123456789abcdef0123456789abcdef")
	createAccounts(t, st, a, "alice", "bob")
	// PostgreSQL refuses a NUL byte in a text value.
	bad := store.Friend{App: a.SDKAppID, Owner: "alice", Peer: "bob", Remark: "a\x00b", AddTime: 1}
	for _, tc := range []struct {
		name string
		then func(tx store.Tx) error
	}{
		{"last statement", func(store.Tx) error { return nil }},
		{"rides on the seq bump", func(tx store.Tx) error {
			_, err := tx.BumpSeq(t.Context(), a.SDKAppID, "alice", store.SeqFriend)
			return err
		}},
		{"held with the other side's friend row", func(tx store.Tx) error {
			if err := tx.PutFriend(t.Context(), store.Friend{App: a.SDKAppID, Owner: "bob", Peer: "alice", AddTime: 1}); err != nil {
				return err
			}
			_, err := tx.BumpSeq(t.Context(), a.SDKAppID, "bob", store.SeqFriend)
			return err
		}},
	} {
		err := st.Write(t.Context(), func(tx store.Tx) error {
			if err := tx.PutFriend(t.Context(), bad); err != nil {
				return err
			}
			return tc.then(tx)
		})
		if err == nil {
			t.Errorf("%s: the write succeeded", tc.name)
		}
	}
	err := st.Read(t.Context(), func(tx store.Tx) error {
		for _, p := range [][2]string{{"alice", "bob"}, {"bob", "alice"}} {
			if _, ok, err := tx.Friend(t.Context(), a.SDKAppID, p[0], p[1]); err != nil || ok {
				t.Errorf("friend %s→%s was stored by a failed write (%v)", p[0], p[1], err)
			}
		}
		if seqs, err := tx.Seqs(t.Context(), a.SDKAppID, "alice"); err != nil || seqs.Friend != 0 {
			t.Errorf("friend seq %d after failed writes (%v), want 0", seqs.Friend, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
