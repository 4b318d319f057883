package message_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/storetest"
)

// engines runs fn on a fresh store of each engine (storetest.Engines):
// the races these tests provoke only exist where writers run
// concurrently.
func engines(t *testing.T, fn func(t *testing.T, st store.Store)) { storetest.Engines(t, fn) }

func setup(t *testing.T, st store.Store, users ...string) (*message.Service, *app.App) {
	t.Helper()
	a := app.New(1400000001, "0123456789abcdef0123456789abcdef")
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
	return &message.Service{Store: message.StoreOf(st), Events: event.NewBus()}, a
}

func code(err error) int {
	var ce *errcode.Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	if err != nil {
		return -1
	}
	return 0
}

func text(s string) message.Content {
	return message.Content{MsgBody: []message.Element{{MsgType: "TIMTextElem", MsgContent: []byte(fmt.Sprintf(`{"Text":%q}`, s))}}}
}

// Twenty writers modify one message at the version they all read: exactly
// one wins, every other gets 2480 with a newer message.
func TestConcurrentModifyOneWinner(t *testing.T) {
	engines(t, func(t *testing.T, st store.Store) {
		svc, a := setup(t, st, "alice", "bob")
		ctx := t.Context()
		sent, err := svc.SendC2C(ctx, a, message.SendRequest{From: "alice", To: "bob", Random: 1, Content: text("v0")})
		if err != nil {
			t.Fatal(err)
		}
		const n = 20
		codes := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				by, peer := "alice", "bob"
				if i%2 == 1 {
					by, peer = peer, by
				}
				v := 0
				m, err := svc.Modify(ctx, a, by, peer, sent.Key, &v, message.Modification{MsgBody: text(fmt.Sprint("edit ", i)).MsgBody}, nil)
				codes[i] = code(err)
				if codes[i] == message.CodeModifyConflict && m.Version != 1 {
					t.Errorf("conflict carries version %d, want 1", m.Version)
				}
			}()
		}
		wg.Wait()
		wins := 0
		for i, c := range codes {
			switch c {
			case 0:
				wins++
			case message.CodeModifyConflict:
			default:
				t.Fatalf("writer %d: code %d", i, c)
			}
		}
		if wins != 1 {
			t.Fatalf("%d writers won: %v", wins, codes)
		}
		hist, err := svc.History(ctx, a, "bob", "alice", 0, false, 10)
		if err != nil || len(hist) != 1 || hist[0].Version != 1 {
			t.Fatalf("history %+v %v", hist, err)
		}
	})
}

// Concurrent admin recalls of one message: one succeeds, the rest get
// 20023; concurrent imports of one old message store it once.
func TestConcurrentRecallAndImport(t *testing.T) {
	engines(t, func(t *testing.T, st store.Store) {
		svc, a := setup(t, st, "alice", "bob")
		ctx := t.Context()
		sent, err := svc.SendC2C(ctx, a, message.SendRequest{From: "alice", To: "bob", Random: 1, Content: text("oops")})
		if err != nil {
			t.Fatal(err)
		}
		const n = 12
		recallCodes := make([]int, n)
		importErrs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, err := svc.Recall(ctx, a, "alice", "bob", sent.Key, true, nil)
				recallCodes[i] = code(err)
			}()
			go func() {
				defer wg.Done()
				from, to := "alice", "bob"
				if i%2 == 1 {
					from, to = to, from // the reverse direction is the same message
				}
				_, importErrs[i] = svc.Import(ctx, a, message.ImportRequest{From: from, To: to, OldSeq: 7, Random: 42,
					Time: time.Unix(1556178721, 0), Content: text("old")})
			}()
		}
		wg.Wait()
		ok := 0
		for i, c := range recallCodes {
			switch c {
			case 0:
				ok++
			case message.CodeAlreadyRecalled:
			default:
				t.Fatalf("recall %d: code %d", i, c)
			}
			if importErrs[i] != nil {
				t.Fatalf("import %d: %v", i, importErrs[i])
			}
		}
		if ok != 1 {
			t.Fatalf("%d recalls succeeded", ok)
		}
		hist, err := svc.History(ctx, a, "alice", "bob", 0, false, 10)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, m := range hist {
			texts = append(texts, fmt.Sprintf("%d:%d:%s", m.Seq, m.Status, strings.TrimSpace(string(m.Body))))
		}
		if len(hist) != 2 || hist[0].Seq != 2 || hist[1].Status != store.MessageRecalled {
			t.Fatalf("history %v", texts)
		}
	})
}
