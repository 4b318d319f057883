package relation_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/profile"
	"github.com/parleyim/parley/internal/relation"
	"github.com/parleyim/parley/internal/store"
)

// The client gateway turns these events into V2TIMFriendshipListener calls
// (seed inventory §11.1, §11.4), so who gets which event is pinned exactly.

func TestEventsPendingAdd(t *testing.T) {
	f := newFixture(t, "A", "B")
	f.rec.take()
	f.request("A", "B")
	f.wantEvents("pending add",
		ev(event.FriendRequestAdded, "A", "B"),
		ev(event.FriendRequestAdded, "B", "A"))
	// An identical repeat is not announced again (nothing changed) ...
	f.request("A", "B")
	f.wantEvents("identical repeat")
	// ... a refreshed request with new content is.
	if got := f.add("A", relation.AddItem{To: "B", AddSource: fxSource, AddWording: "again"}, relation.AddBoth); got != errcode.SNSPendingApproval {
		t.Fatalf("refreshed request: code %d, want 30539", got)
	}
	f.wantEvents("refreshed request",
		ev(event.FriendRequestAdded, "A", "B"),
		ev(event.FriendRequestAdded, "B", "A"))
}

func TestEventsAllowAnyAdd(t *testing.T) {
	f := newFixture(t, "A", "B", "C")
	f.allow(profile.AllowAny, "B", "C")
	f.rec.take()
	f.mustAdd("A", "B", relation.AddBoth, 0)
	f.wantEvents("AllowAny Both add",
		ev(event.FriendAdded, "A", "B"),
		ev(event.FriendAdded, "B", "A"))
	f.mustAdd("A", "C", relation.AddSingle, 0)
	f.wantEvents("AllowAny Single add", ev(event.FriendAdded, "A", "C"))
	// Completing a one-way friendship only announces the new direction.
	f.allow(profile.AllowAny, "A")
	f.rec.take()
	f.mustAdd("C", "A", relation.AddBoth, 0)
	f.wantEvents("completing add", ev(event.FriendAdded, "C", "A"))
}

func TestEventsAllowAnyAddClearsRequests(t *testing.T) {
	f := newFixture(t, "A", "B")
	f.request("A", "B")
	f.allow(profile.AllowAny, "B")
	f.rec.take()
	f.mustAdd("A", "B", relation.AddSingle, 0)
	f.wantEvents("add answering a pending request",
		ev(event.FriendAdded, "A", "B"),
		ev(event.FriendRequestDeleted, "A", "B"),
		ev(event.FriendRequestDeleted, "B", "A"))
	if r := f.requests("B"); len(r.Incoming) != 0 {
		t.Fatalf("request left: %v", pairs(r.Incoming))
	}
}

func TestEventsAccept(t *testing.T) {
	f := newFixture(t, "A", "B", "C")
	f.request("A", "B")
	f.request("C", "B")
	f.rec.take()
	if err := f.svc.AcceptRequest(f.ctx, f.a, "B", "A", false, ""); err != nil {
		t.Fatal(err)
	}
	f.wantEvents("accept AGREE",
		ev(event.FriendAdded, "A", "B"),
		ev(event.FriendRequestDeleted, "A", "B"),
		ev(event.FriendRequestDeleted, "B", "A"))
	if err := f.svc.AcceptRequest(f.ctx, f.a, "B", "C", true, "remark"); err != nil {
		t.Fatal(err)
	}
	f.wantEvents("accept AGREE_AND_ADD",
		ev(event.FriendAdded, "C", "B"),
		ev(event.FriendAdded, "B", "C"),
		ev(event.FriendRequestDeleted, "C", "B"),
		ev(event.FriendRequestDeleted, "B", "C"))
}

func TestEventsAcceptClearsCrossedRequests(t *testing.T) {
	// A and B asked each other: accepting one two-way answers both.
	f := newFixture(t, "A", "B")
	f.request("A", "B")
	f.request("B", "A")
	f.rec.take()
	if err := f.svc.AcceptRequest(f.ctx, f.a, "B", "A", true, ""); err != nil {
		t.Fatal(err)
	}
	f.wantEvents("accept with crossed requests",
		ev(event.FriendAdded, "A", "B"),
		ev(event.FriendAdded, "B", "A"),
		ev(event.FriendRequestDeleted, "A", "B"),
		ev(event.FriendRequestDeleted, "B", "A"),
		ev(event.FriendRequestDeleted, "B", "A"),
		ev(event.FriendRequestDeleted, "A", "B"))
	for _, u := range []string{"A", "B"} {
		if r := f.requests(u); len(r.Incoming)+len(r.Sent) != 0 {
			t.Fatalf("%s: requests left %v %v", u, pairs(r.Incoming), pairs(r.Sent))
		}
	}
}

func TestEventsRefuseAndDeleteRequest(t *testing.T) {
	f := newFixture(t, "A", "B")
	f.request("A", "B")
	f.rec.take()
	if err := f.svc.RefuseRequest(f.ctx, f.a, "B", "A"); err != nil {
		t.Fatal(err)
	}
	f.wantEvents("refuse",
		ev(event.FriendRequestDeleted, "A", "B"),
		ev(event.FriendRequestDeleted, "B", "A"))

	f.request("A", "B")
	f.rec.take()
	if err := f.svc.DeleteRequest(f.ctx, f.a, "A", "B", false); err != nil {
		t.Fatal(err)
	}
	f.wantEvents("delete sent request",
		ev(event.FriendRequestDeleted, "A", "B"),
		ev(event.FriendRequestDeleted, "B", "A"))
	f.request("A", "B")
	f.rec.take()
	if err := f.svc.DeleteRequest(f.ctx, f.a, "B", "A", true); err != nil {
		t.Fatal(err)
	}
	f.wantEvents("delete incoming request",
		ev(event.FriendRequestDeleted, "A", "B"),
		ev(event.FriendRequestDeleted, "B", "A"))
}

func TestEventsDeleteFriends(t *testing.T) {
	f := newFixture(t, "A", "B", "C", "D")
	f.allow(profile.AllowAny, "A", "B", "C", "D")
	f.mustAdd("A", "B", relation.AddBoth, 0)
	f.mustAdd("A", "C", relation.AddBoth, 0)
	f.mustAdd("D", "A", relation.AddSingle, 0) // D has A; A does not have D
	f.rec.take()

	res, err := f.svc.DeleteFriends(f.ctx, f.a, "A", []string{"B"}, relation.DeleteSingle, 0)
	if err != nil || itemCode(res[0]) != 0 {
		t.Fatalf("delete single: %v %+v", err, res)
	}
	f.wantEvents("delete Single", ev(event.FriendDeleted, "A", "B"))
	f.wantRelation("A", "B", relation.BWithA)

	res, err = f.svc.DeleteFriends(f.ctx, f.a, "A", []string{"C"}, relation.DeleteBoth, 0)
	if err != nil || itemCode(res[0]) != 0 {
		t.Fatalf("delete both: %v %+v", err, res)
	}
	f.wantEvents("delete Both", ev(event.FriendDeleted, "A", "C"), ev(event.FriendDeleted, "C", "A"))
	f.wantRelation("A", "C", relation.NoRelation)

	// Both when only the other direction exists: only D's side is deleted.
	res, err = f.svc.DeleteFriends(f.ctx, f.a, "A", []string{"D"}, relation.DeleteBoth, 0)
	if err != nil || itemCode(res[0]) != 0 {
		t.Fatalf("delete both, other direction only: %v %+v", err, res)
	}
	f.wantEvents("delete Both, other direction only", ev(event.FriendDeleted, "D", "A"))

	// Nothing left to delete: 31704 and no event.
	res, err = f.svc.DeleteFriends(f.ctx, f.a, "A", []string{"C", "B"}, relation.DeleteSingle, 0)
	if err != nil || itemCode(res[0]) != errcode.SNSNotFriend || itemCode(res[1]) != errcode.SNSNotFriend {
		t.Fatalf("delete non-friends: %v %v", err, itemCodes(res))
	}
	f.wantEvents("delete non-friends")
}

func TestEventsBlocklist(t *testing.T) {
	f := newFixture(t, "A", "B", "C", "D")
	f.allow(profile.AllowAny, "A", "B")
	f.mustAdd("A", "B", relation.AddBoth, 0)
	f.rec.take()

	if _, err := f.svc.AddBlocks(f.ctx, f.a, "A", []string{"B"}); err != nil {
		t.Fatal(err)
	}
	f.wantEvents("block a two-way friend",
		ev(event.BlockAdded, "A", "B"),
		ev(event.FriendDeleted, "A", "B"),
		ev(event.FriendDeleted, "B", "A"))
	f.wantRelation("A", "B", relation.NoRelation)

	if _, err := f.svc.AddBlocks(f.ctx, f.a, "C", []string{"A"}); err != nil {
		t.Fatal(err)
	}
	f.wantEvents("block a stranger", ev(event.BlockAdded, "C", "A"))

	f.request("D", "C")
	f.rec.take()
	if _, err := f.svc.AddBlocks(f.ctx, f.a, "C", []string{"D"}); err != nil {
		t.Fatal(err)
	}
	f.wantEvents("block a requester",
		ev(event.BlockAdded, "C", "D"),
		ev(event.FriendRequestDeleted, "C", "D"),
		ev(event.FriendRequestDeleted, "D", "C"))

	res, err := f.svc.AddBlocks(f.ctx, f.a, "A", []string{"B"})
	if err != nil || itemCode(res[0]) != errcode.SNSBadRequest {
		t.Fatalf("block twice: %v %v", err, itemCodes(res))
	}
	f.wantEvents("block twice")

	if _, err := f.svc.DeleteBlocks(f.ctx, f.a, "A", []string{"B"}); err != nil {
		t.Fatal(err)
	}
	f.wantEvents("unblock", ev(event.BlockDeleted, "A", "B"))
	f.wantRelation("A", "B", relation.NoRelation) // unblocking restores nothing
	res, err = f.svc.DeleteBlocks(f.ctx, f.a, "A", []string{"B"})
	if err != nil || itemCode(res[0]) != errcode.SNSBadRequest {
		t.Fatalf("unblock twice: %v %v", err, itemCodes(res))
	}
	f.wantEvents("unblock twice")
}

func TestEventsUpdateAndImport(t *testing.T) {
	f := newFixture(t, "A", "B", "C")
	f.rec.take()
	if _, err := f.svc.ImportFriends(f.ctx, f.a, "A", []relation.ImportItem{{To: "B", AddSource: fxSource}}); err != nil {
		t.Fatal(err)
	}
	f.wantEvents("import", ev(event.FriendAdded, "A", "B"))
	res, err := f.svc.UpdateFriends(f.ctx, f.a, "A", []relation.UpdateItem{
		{To: "B", Items: []relation.TagValue{{Tag: relation.TagRemark, Value: json.RawMessage(`"bee"`)}}},
		{To: "C", Items: []relation.TagValue{{Tag: relation.TagRemark, Value: json.RawMessage(`"cee"`)}}},
	})
	if err != nil || itemCode(res[0]) != 0 || itemCode(res[1]) == 0 {
		t.Fatalf("update: %v %v", err, itemCodes(res))
	}
	f.wantEvents("friend_update", ev(event.FriendUpdated, "A", "B"))
}

func TestEventsFriendLists(t *testing.T) {
	f := newFixture(t, "A", "B")
	f.allow(profile.AllowAny, "B")
	f.mustAdd("A", "B", relation.AddSingle, 0)
	f.rec.take()
	changed := ev(event.FriendListsChanged, "A")
	ops := []struct {
		name string
		fn   func() error
	}{
		{"create", func() error {
			_, _, err := f.svc.CreateLists(f.ctx, f.a, "A", []string{"x"}, []string{"B"})
			return err
		}},
		{"rename", func() error { _, err := f.svc.RenameList(f.ctx, f.a, "A", "x", "y"); return err }},
		{"remove member", func() error { _, _, err := f.svc.RemoveFromList(f.ctx, f.a, "A", "y", []string{"B"}); return err }},
		{"add member", func() error { _, _, err := f.svc.AddToList(f.ctx, f.a, "A", "y", []string{"B"}); return err }},
		{"delete", func() error { _, err := f.svc.DeleteLists(f.ctx, f.a, "A", []string{"y"}); return err }},
	}
	for _, op := range ops {
		if err := op.fn(); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		f.wantEvents(op.name, changed)
	}
	// Failed list calls publish nothing.
	_, err := f.svc.RenameList(f.ctx, f.a, "A", "gone", "z")
	wantCode(t, "rename missing", err, errcode.SNSBadRequest)
	_, err = f.svc.DeleteLists(f.ctx, f.a, "A", []string{"gone"})
	wantCode(t, "delete missing", err, errcode.SNSBadRequest)
	_, _, err = f.svc.AddToList(f.ctx, f.a, "A", "gone", []string{"B"})
	wantCode(t, "add to missing", err, errcode.SNSBadRequest)
	f.wantEvents("failed list calls")
}

func TestEventsMarkRead(t *testing.T) {
	f := newFixture(t, "A", "B")
	f.request("A", "B")
	f.rec.take()
	if err := f.svc.MarkRequestsRead(f.ctx, f.a, "B"); err != nil {
		t.Fatal(err)
	}
	f.wantEvents("mark read", ev(event.FriendRequestsRead, "B"))
}

func TestFailedCallsPublishNothing(t *testing.T) {
	f := newFixture(t, "A", "B")
	f.allow(profile.AllowAny, "B")
	f.rec.take()
	ctx, a, s := f.ctx, f.a, f.svc
	calls := []struct {
		name string
		code int
		fn   func() error
	}{
		{"add from ghost", errcode.SNSNoAccount, func() error {
			_, err := s.AddFriends(ctx, a, "ghost", []relation.AddItem{{To: "B"}}, relation.AddOptions{})
			return err
		}},
		{"add bad type", errcode.SNSBadRequest, func() error {
			_, err := s.AddFriends(ctx, a, "A", []relation.AddItem{{To: "B"}}, relation.AddOptions{Type: "nope"})
			return err
		}},
		{"import for ghost", errcode.SNSNoAccount, func() error {
			_, err := s.ImportFriends(ctx, a, "ghost", []relation.ImportItem{{To: "B", AddSource: fxSource}})
			return err
		}},
		{"delete for ghost", errcode.SNSNoAccount, func() error {
			_, err := s.DeleteFriends(ctx, a, "ghost", []string{"B"}, relation.DeleteBoth, 0)
			return err
		}},
		{"delete all for ghost", errcode.SNSNoAccount, func() error { return s.DeleteAllFriends(ctx, a, "ghost", relation.DeleteBoth) }},
		{"block for ghost", errcode.SNSNoAccount, func() error { _, err := s.AddBlocks(ctx, a, "ghost", []string{"B"}); return err }},
		{"unblock for ghost", errcode.SNSNoAccount, func() error { _, err := s.DeleteBlocks(ctx, a, "ghost", []string{"B"}); return err }},
		{"update for ghost", errcode.SNSNoAccount, func() error {
			_, err := s.UpdateFriends(ctx, a, "ghost", []relation.UpdateItem{{To: "B", Items: []relation.TagValue{{Tag: relation.TagRemark, Value: json.RawMessage(`"x"`)}}}})
			return err
		}},
		{"lists for ghost", errcode.SNSNoAccount, func() error { _, _, err := s.CreateLists(ctx, a, "ghost", []string{"x"}, nil); return err }},
		{"accept missing", errcode.SNSNoPendingRequest, func() error { return s.AcceptRequest(ctx, a, "B", "A", true, "") }},
		{"refuse missing", errcode.SNSNoPendingRequest, func() error { return s.RefuseRequest(ctx, a, "B", "A") }},
		{"delete missing request", errcode.SNSNoPendingRequest, func() error { return s.DeleteRequest(ctx, a, "B", "A", true) }},
		{"mark read for ghost", errcode.SNSNoAccount, func() error { return s.MarkRequestsRead(ctx, a, "ghost") }},
	}
	for _, c := range calls {
		wantCode(t, c.name, c.fn(), c.code)
		f.wantEvents(c.name)
	}
	// Items that all fail publish nothing either.
	res, err := s.AddFriends(ctx, a, "A", []relation.AddItem{{To: "ghost"}, {To: "A"}}, relation.AddOptions{})
	if err != nil || itemCode(res[0]) != errcode.SNSNoAccount || itemCode(res[1]) != errcode.SNSBadRequest {
		t.Fatalf("failing items: %v %v", err, itemCodes(res))
	}
	f.wantEvents("failing items")
	f.wantRelation("A", "B", relation.NoRelation)
}

// A subscriber reacting to an event must already see the change in the
// store: events go out only once the write is durable.
func TestEventsPublishedAfterCommit(t *testing.T) {
	f := newFixture(t, "A", "B", "C")
	f.allow(profile.AllowAny, "C")
	var mu sync.Mutex
	var problems []string
	stop := f.bus.Subscribe(func(e event.Event) {
		if problem := f.visible(e); problem != "" {
			mu.Lock()
			problems = append(problems, fmt.Sprintf("%s: %s", eventKey(e), problem))
			mu.Unlock()
		}
	})
	defer stop()
	ctx, a, s := f.ctx, f.a, f.svc
	steps := []func() error{
		func() error { f.request("A", "B"); return nil },
		func() error { return s.MarkRequestsRead(ctx, a, "B") },
		func() error { return s.AcceptRequest(ctx, a, "B", "A", true, "ay") },
		func() error { f.mustAdd("A", "C", relation.AddBoth, 0); return nil },
		func() error {
			_, err := s.UpdateFriends(ctx, a, "A", []relation.UpdateItem{{To: "C", Items: []relation.TagValue{{Tag: relation.TagRemark, Value: json.RawMessage(`"cee"`)}}}})
			return err
		},
		func() error { _, _, err := s.CreateLists(ctx, a, "A", []string{"x"}, []string{"C"}); return err },
		func() error {
			_, err := s.DeleteFriends(ctx, a, "A", []string{"C"}, relation.DeleteBoth, 0)
			return err
		},
		func() error { _, err := s.AddBlocks(ctx, a, "A", []string{"B"}); return err },
		func() error { _, err := s.DeleteBlocks(ctx, a, "A", []string{"B"}); return err },
		func() error { f.request("B", "A"); return nil },
		func() error { return s.RefuseRequest(ctx, a, "A", "B") },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	got := f.rec.take()
	if len(got) < len(steps) {
		t.Fatalf("only %d events for %d steps", len(got), len(steps))
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
}

// visible checks, from inside a subscriber, that the store already shows
// what e announces; it returns a description of the mismatch or "".
func (f *fixture) visible(e event.Event) string {
	var problem string
	peer := ""
	if len(e.Peers) > 0 {
		peer = e.Peers[0]
	}
	err := f.st.Read(f.ctx, func(tx store.Tx) error {
		app := f.a.SDKAppID
		switch e.Kind {
		case event.FriendAdded, event.FriendDeleted:
			_, ok, err := tx.Friend(f.ctx, app, e.User, peer)
			if err != nil {
				return err
			}
			if ok != (e.Kind == event.FriendAdded) {
				problem = fmt.Sprintf("friend row present=%v", ok)
			}
		case event.FriendUpdated:
			fr, _, err := tx.Friend(f.ctx, app, e.User, peer)
			if err != nil {
				return err
			}
			if fr.Remark != "cee" {
				problem = fmt.Sprintf("remark %q", fr.Remark)
			}
		case event.FriendRequestAdded, event.FriendRequestDeleted:
			in, err := tx.ListFriendRequests(f.ctx, app, e.User, true, 0)
			if err != nil {
				return err
			}
			out, err := tx.ListFriendRequests(f.ctx, app, e.User, false, 0)
			if err != nil {
				return err
			}
			n := 0
			for _, r := range append(in, out...) {
				if r.From == peer || r.To == peer {
					n++
				}
			}
			if (n > 0) != (e.Kind == event.FriendRequestAdded) {
				problem = fmt.Sprintf("%d requests with %s", n, peer)
			}
		case event.FriendRequestsRead:
			in, err := tx.ListFriendRequests(f.ctx, app, e.User, true, 0)
			if err != nil {
				return err
			}
			for _, r := range in {
				if !r.Read {
					problem = "unread request left"
				}
			}
		case event.BlockAdded, event.BlockDeleted:
			b, err := tx.BlockedAmong(f.ctx, app, e.User, []string{peer})
			if err != nil {
				return err
			}
			if b[peer] != (e.Kind == event.BlockAdded) {
				problem = fmt.Sprintf("blocked=%v", b[peer])
			}
		case event.FriendListsChanged:
			ls, err := tx.FriendLists(f.ctx, app, e.User)
			if err != nil {
				return err
			}
			if len(ls) != 1 || ls[0].Name != "x" {
				problem = fmt.Sprintf("lists %+v", ls)
			}
		}
		return nil
	})
	if err != nil {
		return err.Error()
	}
	return problem
}
