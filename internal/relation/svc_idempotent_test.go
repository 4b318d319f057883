package relation_test

import (
	"testing"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/relation"
	"github.com/parleyim/parley/internal/store"
)

func (f *fixture) eventSeq(user string) uint64 {
	f.t.Helper()
	var seq uint64
	err := f.st.Read(f.ctx, func(tx store.Tx) (err error) {
		seq, err = tx.UserEventSeq(f.ctx, f.a.SDKAppID, user)
		return err
	})
	if err != nil {
		f.t.Fatalf("UserEventSeq(%s): %v", user, err)
	}
	return seq
}

// A repeated identical request must not grow either change log or push
// again: the attacker report's loop of friend.add to a pending target.
func TestRepeatedIdenticalRequestWritesNothing(t *testing.T) {
	f := newFixture(t, "A", "B")
	if got := f.add("A", fullItem("B"), relation.AddBoth); got != errcode.SNSPendingApproval {
		t.Fatalf("first add: code %d, want 30539", got)
	}
	f.wantEvents("first request", ev(event.FriendRequestAdded, "A", "B"), ev(event.FriendRequestAdded, "B", "A"))
	first := f.requests("B").Incoming[0]
	seqA, seqB := f.eventSeq("A"), f.eventSeq("B")

	for i := 0; i < 5; i++ {
		if got := f.add("A", fullItem("B"), relation.AddBoth); got != errcode.SNSPendingApproval {
			t.Fatalf("repeat %d: code %d, want 30539", i, got)
		}
	}
	f.wantEvents("repeated identical requests")
	if a, b := f.eventSeq("A"), f.eventSeq("B"); a != seqA || b != seqB {
		t.Fatalf("change logs grew: A %d→%d, B %d→%d", seqA, a, seqB, b)
	}
	if got := f.requests("B").Incoming[0]; got != first {
		t.Fatalf("identical repeat changed the stored request:\n got  %+v\n want %+v", got, first)
	}
}

// A request whose content differs replaces the pending one and is told to
// both sides once; each field counts, the add type too.
func TestChangedRequestUpdatesAndIsLogged(t *testing.T) {
	changes := map[string]func(*relation.AddItem, *relation.AddType){
		"wording":   func(it *relation.AddItem, _ *relation.AddType) { it.AddWording = "hello again" },
		"source":    func(it *relation.AddItem, _ *relation.AddType) { it.AddSource = "AddSource_Type_app" },
		"remark":    func(it *relation.AddItem, _ *relation.AddType) { it.Remark = "bee2" },
		"groupName": func(it *relation.AddItem, _ *relation.AddType) { it.GroupName = "home" },
		"addType":   func(_ *relation.AddItem, typ *relation.AddType) { *typ = relation.AddSingle },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, "A", "B")
			f.add("A", fullItem("B"), relation.AddBoth)
			f.rec.take()
			seqB := f.eventSeq("B")
			it, typ := fullItem("B"), relation.AddBoth
			change(&it, &typ)
			if got := f.add("A", it, typ); got != errcode.SNSPendingApproval {
				t.Fatalf("changed add: code %d, want 30539", got)
			}
			f.wantEvents("changed request", ev(event.FriendRequestAdded, "A", "B"), ev(event.FriendRequestAdded, "B", "A"))
			if got := f.eventSeq("B"); got != seqB+1 {
				t.Fatalf("B's change log seq %d, want %d", got, seqB+1)
			}
			r := f.requests("B").Incoming[0]
			if r.AddWording != it.AddWording || r.AddSource != it.AddSource || r.Remark != it.Remark ||
				r.GroupName != it.GroupName || r.AddType != string(typ) {
				t.Fatalf("stored request %+v, want the new content %+v (%s)", r, it, typ)
			}
			// And repeating the new content is again a no-op.
			f.add("A", it, typ)
			f.wantEvents("repeat of the changed request")
		})
	}
}
