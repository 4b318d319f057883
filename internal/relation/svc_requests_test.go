package relation_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/profile"
	"github.com/parleyim/parley/internal/relation"
	"github.com/parleyim/parley/internal/store"
)

// fullItem is an add carrying every field a request keeps.
func fullItem(to string) relation.AddItem {
	return relation.AddItem{To: to, Remark: "bee", GroupName: "work", AddSource: fxSource, AddWording: "hello"}
}

func TestRequestPendingShowsOnBothSides(t *testing.T) {
	f := newFixture(t, "A", "B")
	if got := f.add("A", fullItem("B"), relation.AddSingle); got != errcode.SNSPendingApproval {
		t.Fatalf("A adds NeedConfirm B: code %d, want 30539", got)
	}
	f.wantRelation("A", "B", relation.NoRelation)

	b := f.requests("B")
	if len(b.Incoming) != 1 || len(b.Sent) != 0 || b.Unread != 1 {
		t.Fatalf("B's requests: incoming %v sent %v unread %d, want one incoming, unread 1", pairs(b.Incoming), pairs(b.Sent), b.Unread)
	}
	got := b.Incoming[0]
	want := store.FriendRequest{App: fxAppID, From: "A", To: "B", AddSource: fxSource, AddWording: "hello",
		Remark: "bee", GroupName: "work", AddType: string(relation.AddSingle), CreatedAt: got.CreatedAt}
	if got.CreatedAt == 0 || !reflect.DeepEqual(got, want) {
		t.Fatalf("stored request\n got  %+v\n want %+v", got, want)
	}

	a := f.requests("A")
	if len(a.Incoming) != 0 || len(a.Sent) != 1 || a.Unread != 0 {
		t.Fatalf("A's requests: incoming %v sent %v unread %d, want one sent, unread 0", pairs(a.Incoming), pairs(a.Sent), a.Unread)
	}
	if !reflect.DeepEqual(a.Sent[0], got) {
		t.Fatalf("A's sent view %+v differs from B's incoming view %+v", a.Sent[0], got)
	}
	// A pending request creates no friend list yet.
	if lists, _ := f.lists("A"); len(lists) != 0 {
		t.Fatalf("A's lists after a pending add: %v, want none", lists)
	}
}

func TestRequestReAddRefreshes(t *testing.T) {
	f := newFixture(t, "A", "B")
	f.a.Limits.MaxPendingRequests = 1
	f.add("A", fullItem("B"), relation.AddSingle)
	first := f.requests("B").Incoming[0]
	if err := f.svc.MarkRequestsRead(f.ctx, f.a, "B"); err != nil {
		t.Fatal(err)
	}

	// With a cap of one pending request, re-adding must refresh the stored
	// request, not count as a second one (30012).
	it := relation.AddItem{To: "B", Remark: "bee2", GroupName: "home", AddSource: "AddSource_Type_app", AddWording: "again"}
	if got := f.add("A", it, relation.AddBoth); got != errcode.SNSPendingApproval {
		t.Fatalf("re-add: code %d, want 30539", got)
	}
	b := f.requests("B")
	if len(b.Incoming) != 1 {
		t.Fatalf("B's incoming after re-add: %v, want exactly one", pairs(b.Incoming))
	}
	r := b.Incoming[0]
	if r.Remark != "bee2" || r.GroupName != "home" || r.AddSource != "AddSource_Type_app" || r.AddWording != "again" ||
		r.AddType != string(relation.AddBoth) {
		t.Fatalf("refreshed request kept old fields: %+v", r)
	}
	if r.CreatedAt <= first.CreatedAt {
		t.Fatalf("refreshed request CreatedAt %d, want later than %d", r.CreatedAt, first.CreatedAt)
	}
	// A refreshed request is a new application: unread again.
	if r.Read || b.Unread != 1 {
		t.Fatalf("refreshed request read=%v unread=%d, want unread", r.Read, b.Unread)
	}
	if a := f.requests("A"); len(a.Sent) != 1 {
		t.Fatalf("A's sent after re-add: %v, want one", pairs(a.Sent))
	}
}

func TestMarkRequestsRead(t *testing.T) {
	f := newFixture(t, "A", "B", "C")
	f.request("A", "B")
	f.request("C", "B")
	f.request("C", "A")
	if b := f.requests("B"); b.Unread != 2 {
		t.Fatalf("B unread %d, want 2", b.Unread)
	}
	if err := f.svc.MarkRequestsRead(f.ctx, f.a, "B"); err != nil {
		t.Fatal(err)
	}
	b := f.requests("B")
	if b.Unread != 0 || len(b.Incoming) != 2 {
		t.Fatalf("B after mark read: unread %d incoming %v, want 0 unread and both requests kept", b.Unread, pairs(b.Incoming))
	}
	for _, r := range b.Incoming {
		if !r.Read {
			t.Fatalf("request %s>%s not marked read", r.From, r.To)
		}
	}
	a := f.requests("A")
	if a.Unread != 1 || len(a.Incoming) != 1 || a.Incoming[0].Read {
		t.Fatalf("A's own incoming changed by B's mark read: unread %d incoming %+v", a.Unread, a.Incoming)
	}
	if !reflect.DeepEqual(pairs(a.Sent), []string{"A>B"}) {
		t.Fatalf("A's sent after B's mark read: %v", pairs(a.Sent))
	}
	// Marking again, with nothing unread, is harmless.
	if err := f.svc.MarkRequestsRead(f.ctx, f.a, "B"); err != nil {
		t.Fatal(err)
	}
	if f.requests("B").Unread != 0 {
		t.Fatal("unread after second mark")
	}
}

func TestMarkRequestsReadUnknownUser(t *testing.T) {
	f := newFixture(t, "A")
	f.rec.take()
	wantCode(t, "MarkRequestsRead(ghost)", f.svc.MarkRequestsRead(f.ctx, f.a, "ghost"), errcode.SNSNoAccount)
	f.wantEvents("MarkRequestsRead(ghost)")
}

func TestAcceptAgreeIsOneWay(t *testing.T) {
	f := newFixture(t, "A", "B")
	f.add("A", fullItem("B"), relation.AddBoth)
	before := f.seqs("A")
	if err := f.svc.AcceptRequest(f.ctx, f.a, "B", "A", false, ""); err != nil {
		t.Fatalf("accept: %v", err)
	}
	f.wantRelation("A", "B", relation.AWithB)
	f.wantRelation("B", "A", relation.BWithA)
	if _, ok := f.friend("B", "A"); ok {
		t.Fatal("AGREE wrote B's row of A")
	}
	for _, u := range []string{"A", "B"} {
		if r := f.requests(u); len(r.Incoming)+len(r.Sent) != 0 || r.Unread != 0 {
			t.Fatalf("%s still sees requests: incoming %v sent %v", u, pairs(r.Incoming), pairs(r.Sent))
		}
	}
	row, ok := f.friend("A", "B")
	if !ok {
		t.Fatal("A has no row of B")
	}
	if row.Remark != "bee" || row.RemarkTime == 0 || row.AddSource != fxSource || row.AddWording != "hello" ||
		!reflect.DeepEqual(row.Groups, []string{"work"}) || row.AddTime == 0 {
		t.Fatalf("A's row of B does not carry the request: %+v", row)
	}
	lists, _ := f.lists("A")
	if !reflect.DeepEqual(lists, map[string][]string{"work": {"B"}}) {
		t.Fatalf("A's lists %v, want work:[B]", lists)
	}
	after := f.seqs("A")
	if after.Friend <= before.Friend || after.FriendList <= before.FriendList {
		t.Fatalf("A's versions did not move: before %+v after %+v", before, after)
	}
	// The request is consumed: accepting again finds nothing.
	wantCode(t, "second accept", f.svc.AcceptRequest(f.ctx, f.a, "B", "A", true, ""), errcode.SNSNoPendingRequest)
	f.wantRelation("A", "B", relation.AWithB)
}

func TestAcceptAgreeAndAddIsTwoWay(t *testing.T) {
	f := newFixture(t, "A", "B")
	f.add("A", fullItem("B"), relation.AddSingle)
	bBefore := f.seqs("B")
	if err := f.svc.AcceptRequest(f.ctx, f.a, "B", "A", true, "ay"); err != nil {
		t.Fatalf("accept and add: %v", err)
	}
	f.wantRelation("A", "B", relation.BothWay)
	f.wantRelation("B", "A", relation.BothWay)
	ab, _ := f.friend("A", "B")
	ba, ok := f.friend("B", "A")
	if !ok {
		t.Fatal("B has no row of A")
	}
	if ab.Remark != "bee" {
		t.Fatalf("A's remark of B = %q, want the request's %q", ab.Remark, "bee")
	}
	if ba.Remark != "ay" || ba.RemarkTime == 0 || ba.AddTime == 0 || len(ba.Groups) != 0 {
		t.Fatalf("B's row of A: %+v, want remark ay with a remark time and no lists", ba)
	}
	if s := f.seqs("B"); s.Friend <= bBefore.Friend {
		t.Fatalf("B's friend version did not move: %d → %d", bBefore.Friend, s.Friend)
	}
	// B got no friend list from A's request.
	if lists, _ := f.lists("B"); len(lists) != 0 {
		t.Fatalf("B's lists %v, want none", lists)
	}
	if r := f.requests("B"); len(r.Incoming) != 0 {
		t.Fatalf("request left after accept: %v", pairs(r.Incoming))
	}
}

func TestAcceptAndAddWithoutRemark(t *testing.T) {
	f := newFixture(t, "A", "B")
	f.request("A", "B")
	if err := f.svc.AcceptRequest(f.ctx, f.a, "B", "A", true, ""); err != nil {
		t.Fatal(err)
	}
	ba, _ := f.friend("B", "A")
	if ba.Remark != "" || ba.RemarkTime != 0 {
		t.Fatalf("B's row of A without a remark: %+v", ba)
	}
}

func TestAcceptErrors(t *testing.T) {
	f := newFixture(t, "A", "B", "C")
	wantCode(t, "accept with no request", f.svc.AcceptRequest(f.ctx, f.a, "B", "A", false, ""), errcode.SNSNoPendingRequest)
	f.request("A", "B")
	// Only the receiver can accept: A accepting its own sent request finds
	// no request from B.
	wantCode(t, "accept own sent request", f.svc.AcceptRequest(f.ctx, f.a, "A", "B", true, ""), errcode.SNSNoPendingRequest)
	wantCode(t, "accept from a stranger", f.svc.AcceptRequest(f.ctx, f.a, "B", "C", true, ""), errcode.SNSNoPendingRequest)
	long := string(make([]byte, relation.MaxRemarkBytes+1))
	wantCode(t, "accept with a too long remark", f.svc.AcceptRequest(f.ctx, f.a, "B", "A", true, long), errcode.SNSBadRequest)
	f.wantRelation("A", "B", relation.NoRelation)
	if r := f.requests("B"); !reflect.DeepEqual(pairs(r.Incoming), []string{"A>B"}) {
		t.Fatalf("failed accepts changed the request: %v", pairs(r.Incoming))
	}
}

func TestRefuseRequest(t *testing.T) {
	f := newFixture(t, "A", "B")
	f.add("A", fullItem("B"), relation.AddBoth)
	if err := f.svc.RefuseRequest(f.ctx, f.a, "B", "A"); err != nil {
		t.Fatalf("refuse: %v", err)
	}
	f.wantRelation("A", "B", relation.NoRelation)
	for _, u := range []string{"A", "B"} {
		if r := f.requests(u); len(r.Incoming)+len(r.Sent) != 0 {
			t.Fatalf("%s still sees requests after refuse: %v %v", u, pairs(r.Incoming), pairs(r.Sent))
		}
	}
	if lists, _ := f.lists("A"); len(lists) != 0 {
		t.Fatalf("refuse created lists for A: %v", lists)
	}
	wantCode(t, "refuse twice", f.svc.RefuseRequest(f.ctx, f.a, "B", "A"), errcode.SNSNoPendingRequest)
	wantCode(t, "accept after refuse", f.svc.AcceptRequest(f.ctx, f.a, "B", "A", false, ""), errcode.SNSNoPendingRequest)
	// The requester cannot refuse its own request.
	f.request("A", "B")
	wantCode(t, "requester refuses", f.svc.RefuseRequest(f.ctx, f.a, "A", "B"), errcode.SNSNoPendingRequest)
	if r := f.requests("B"); len(r.Incoming) != 1 {
		t.Fatalf("B's incoming after A's failed refuse: %v", pairs(r.Incoming))
	}
}

func TestDeleteRequestIncomingAndSent(t *testing.T) {
	f := newFixture(t, "A", "B")
	f.request("A", "B")
	// B has no sent request to A and A has no incoming one from B.
	wantCode(t, "B deletes a sent request it never sent", f.svc.DeleteRequest(f.ctx, f.a, "B", "A", false), errcode.SNSNoPendingRequest)
	wantCode(t, "A deletes an incoming request it never got", f.svc.DeleteRequest(f.ctx, f.a, "A", "B", true), errcode.SNSNoPendingRequest)
	if r := f.requests("B"); len(r.Incoming) != 1 {
		t.Fatalf("wrong-direction deletes removed the request: %v", pairs(r.Incoming))
	}

	if err := f.svc.DeleteRequest(f.ctx, f.a, "B", "A", true); err != nil {
		t.Fatalf("B deletes incoming: %v", err)
	}
	if a, b := f.requests("A"), f.requests("B"); len(a.Sent) != 0 || len(b.Incoming) != 0 {
		t.Fatalf("after incoming delete: A sent %v, B incoming %v", pairs(a.Sent), pairs(b.Incoming))
	}

	f.request("A", "B")
	if err := f.svc.DeleteRequest(f.ctx, f.a, "A", "B", false); err != nil {
		t.Fatalf("A deletes sent: %v", err)
	}
	if a, b := f.requests("A"), f.requests("B"); len(a.Sent) != 0 || len(b.Incoming) != 0 {
		t.Fatalf("after sent delete: A sent %v, B incoming %v", pairs(a.Sent), pairs(b.Incoming))
	}
	f.wantRelation("A", "B", relation.NoRelation)
	wantCode(t, "delete twice", f.svc.DeleteRequest(f.ctx, f.a, "A", "B", false), errcode.SNSNoPendingRequest)
}

func TestPendingRequestCap(t *testing.T) {
	f := newFixture(t, "A", "B", "C", "D", "E", "X")
	f.a.Limits.MaxPendingRequests = 2
	// Incoming requests do not count against A's cap.
	f.request("X", "A")
	f.request("E", "A")
	f.request("A", "B")
	f.request("A", "C")
	f.mustAdd("A", "D", relation.AddBoth, errcode.SNSPendingLimit)
	if r := f.requests("D"); len(r.Incoming) != 0 {
		t.Fatalf("capped add stored a request: %v", pairs(r.Incoming))
	}
	if err := f.svc.RefuseRequest(f.ctx, f.a, "C", "A"); err != nil {
		t.Fatal(err)
	}
	f.request("A", "D")
	if r := f.requests("A"); !reflect.DeepEqual(sorted(pairs(r.Sent)), []string{"A>B", "A>D"}) {
		t.Fatalf("A's sent %v", pairs(r.Sent))
	}
	// Accepting also frees a slot.
	if err := f.svc.AcceptRequest(f.ctx, f.a, "B", "A", false, ""); err != nil {
		t.Fatal(err)
	}
	f.request("A", "C")
	f.mustAdd("A", "E", relation.AddBoth, errcode.SNSPendingLimit)

	// Within one batch the cap counts the requests the batch itself stores.
	g := newFixture(t, "A", "B", "C", "D")
	g.a.Limits.MaxPendingRequests = 2
	res, err := g.svc.AddFriends(g.ctx, g.a, "A", []relation.AddItem{{To: "B"}, {To: "C"}, {To: "D"}}, relation.AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := itemCodes(res); !reflect.DeepEqual(got, []int{errcode.SNSPendingApproval, errcode.SNSPendingApproval, errcode.SNSPendingLimit}) {
		t.Fatalf("batch codes %v", got)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestBlockDropsPendingRequests(t *testing.T) {
	f := newFixture(t, "A", "B", "C", "D")
	f.request("A", "B") // A's sent request to the user it blocks
	f.request("C", "A") // unrelated, must stay
	if _, err := f.svc.AddBlocks(f.ctx, f.a, "A", []string{"B"}); err != nil {
		t.Fatal(err)
	}
	if a, b := f.requests("A"), f.requests("B"); len(a.Sent) != 0 || len(b.Incoming) != 0 {
		t.Fatalf("A blocked B, requests left: A sent %v, B incoming %v", pairs(a.Sent), pairs(b.Incoming))
	}
	if a := f.requests("A"); !reflect.DeepEqual(pairs(a.Incoming), []string{"C>A"}) {
		t.Fatalf("unrelated request dropped: %v", pairs(a.Incoming))
	}

	f.request("D", "A") // a request to the blocker from the user it blocks
	f.request("A", "D") // and one the other way
	if _, err := f.svc.AddBlocks(f.ctx, f.a, "A", []string{"D"}); err != nil {
		t.Fatal(err)
	}
	if a, d := f.requests("A"), f.requests("D"); !reflect.DeepEqual(pairs(a.Incoming), []string{"C>A"}) ||
		len(a.Sent) != 0 || len(d.Incoming)+len(d.Sent) != 0 {
		t.Fatalf("A blocked D, requests left: A %v/%v, D %v/%v", pairs(a.Incoming), pairs(a.Sent), pairs(d.Incoming), pairs(d.Sent))
	}
	// Neither side can request the other now.
	f.mustAdd("D", "A", relation.AddBoth, errcode.SNSInPeerBlocklist)
	f.mustAdd("A", "D", relation.AddBoth, errcode.SNSPeerInMyBlocklist)
}

func TestAcceptWhenRequesterFriendListFull(t *testing.T) {
	f := newFixture(t, "A", "B", "C")
	f.a.Limits.MaxFriends = 1
	f.add("A", fullItem("B"), relation.AddSingle)
	// A fills its friend list after asking B.
	f.allow(profile.AllowAny, "C")
	f.mustAdd("A", "C", relation.AddSingle, 0)
	before := [2]store.Seqs{f.seqs("A"), f.seqs("B")}
	f.rec.take()

	for _, addBack := range []bool{false, true} {
		wantCode(t, "accept with requester full", f.svc.AcceptRequest(f.ctx, f.a, "B", "A", addBack, "x"), errcode.SNSPeerFriendLimit)
	}
	f.wantEvents("failed accepts")
	f.wantRelation("A", "B", relation.NoRelation)
	if n := f.friendCount("A"); n != 1 {
		t.Fatalf("A has %d friends, want 1", n)
	}
	if r := f.requests("B"); !reflect.DeepEqual(pairs(r.Incoming), []string{"A>B"}) || r.Unread != 1 {
		t.Fatalf("request after failed accept: %v unread %d", pairs(r.Incoming), r.Unread)
	}
	if lists, _ := f.lists("A"); len(lists) != 0 {
		t.Fatalf("failed accept created lists: %v", lists)
	}
	if after := [2]store.Seqs{f.seqs("A"), f.seqs("B")}; after != before {
		t.Fatalf("failed accept moved versions: %+v → %+v", before, after)
	}
}

func TestAcceptAndAddWhenAccepterFull(t *testing.T) {
	f := newFixture(t, "A", "B", "C")
	f.a.Limits.MaxFriends = 1
	f.add("A", fullItem("B"), relation.AddSingle)
	f.allow(profile.AllowAny, "C")
	f.mustAdd("B", "C", relation.AddSingle, 0)
	before := f.seqs("A")
	f.rec.take()

	// B is full: adding A back fails, and it must not leave A's half of
	// the friendship (nor the list created for it) behind.
	wantCode(t, "accept and add with accepter full", f.svc.AcceptRequest(f.ctx, f.a, "B", "A", true, ""), errcode.SNSFriendLimit)
	f.wantEvents("failed accept")
	f.wantRelation("A", "B", relation.NoRelation)
	if lists, _ := f.lists("A"); len(lists) != 0 {
		t.Fatalf("failed accept left A's lists: %v", lists)
	}
	if s := f.seqs("A"); s != before {
		t.Fatalf("failed accept moved A's versions: %+v → %+v", before, s)
	}
	if r := f.requests("B"); len(r.Incoming) != 1 {
		t.Fatalf("failed accept consumed the request: %v", pairs(r.Incoming))
	}
	// Plain AGREE only needs room on A's side.
	if err := f.svc.AcceptRequest(f.ctx, f.a, "B", "A", false, ""); err != nil {
		t.Fatal(err)
	}
	f.wantRelation("A", "B", relation.AWithB)
}

func TestAcceptWhenRequesterListsAtCap(t *testing.T) {
	f := newFixture(t, "A", "B", "C")
	f.a.Limits.MaxFriendLists = 1
	if _, _, err := f.svc.CreateLists(f.ctx, f.a, "A", []string{"x"}, nil); err != nil {
		t.Fatal(err)
	}
	f.add("A", fullItem("B"), relation.AddSingle) // asks for list "work", which no longer fits
	if err := f.svc.AcceptRequest(f.ctx, f.a, "B", "A", false, ""); err != nil {
		t.Fatalf("accept with lists at cap: %v", err)
	}
	f.wantRelation("A", "B", relation.AWithB)
	row, _ := f.friend("A", "B")
	if len(row.Groups) != 0 || row.Remark != "bee" {
		t.Fatalf("A's row of B: %+v, want the remark and no list", row)
	}
	if lists, _ := f.lists("A"); !reflect.DeepEqual(lists, map[string][]string{"x": {}}) {
		t.Fatalf("A's lists %v, want only the empty x", lists)
	}

	// A list that already exists still applies at the cap.
	it := fullItem("C")
	it.GroupName = "x"
	f.add("A", it, relation.AddSingle)
	if err := f.svc.AcceptRequest(f.ctx, f.a, "C", "A", false, ""); err != nil {
		t.Fatal(err)
	}
	if lists, _ := f.lists("A"); !reflect.DeepEqual(lists, map[string][]string{"x": {"C"}}) {
		t.Fatalf("A's lists %v, want x:[C]", lists)
	}
}

func TestAcceptWhenAlreadyFriends(t *testing.T) {
	// A request can outlive a friendship made another way (here an import
	// of B by A); accepting it is then a no-op that clears it.
	f := newFixture(t, "A", "B")
	f.request("A", "B")
	if _, err := f.svc.ImportFriends(f.ctx, f.a, "A", []relation.ImportItem{{To: "B", AddSource: fxSource, Remark: "kept"}}); err != nil {
		t.Fatal(err)
	}
	f.rec.take()
	if err := f.svc.AcceptRequest(f.ctx, f.a, "B", "A", false, ""); err != nil {
		t.Fatal(err)
	}
	f.wantEvents("accept of a friend", ev(event.FriendRequestDeleted, "A", "B"), ev(event.FriendRequestDeleted, "B", "A"))
	if row, _ := f.friend("A", "B"); row.Remark != "kept" {
		t.Fatalf("accept rewrote the existing row: %+v", row)
	}
	if r := f.requests("B"); len(r.Incoming) != 0 {
		t.Fatalf("request left: %v", pairs(r.Incoming))
	}
}
