package conversation_test

import (
	"testing"

	"github.com/parleyim/parley/internal/conversation"
)

// TestGroupConversationMarksAndGroups: a member's group conversation takes
// marks and conversation groups like a one-to-one one, shows them in the
// list and in search; a group the user is not in answers 51007.
func TestGroupConversationMarksAndGroups(t *testing.T) {
	f := newFixture(t, "me", "bob")
	f.group("g1", "me", "bob")
	f.group("other", "bob")
	f.sendGroup("bob", "g1")
	f.takeEvents()

	res, err := f.svc.Mark(f.ctx, f.a, "me", []conversation.MarkItem{
		{ID: "group_g1", Set: conversation.MarkStar, SetCustom: true, Custom: "team"},
		{ID: "group_other", Set: conversation.MarkStar},
		{ID: "group_nosuch", Set: conversation.MarkStar},
	})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "mark codes", []int{code(res[0].Err), code(res[1].Err), code(res[2].Err)}, []int{0, 51007, 51007})
	eq(t, "mark events", f.takeEvents(), []string{"me conversation.changed [group_g1]"})

	g, gres, err := f.svc.CreateGroup(f.ctx, f.a, "me", "work", []string{"group_g1", "group_other"})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "group codes", []int{code(gres[0].Err), code(gres[1].Err)}, []int{0, 51007})
	eq(t, "group name", g.Name, "work")

	list := f.list("me", conversation.Filter{GroupName: "work"})
	if len(list) != 1 || list[0].ID != "group_g1" || list[0].Marks != conversation.MarkStar || list[0].CustomMark != "team" ||
		len(list[0].Groups) != 1 || list[0].Groups[0] != "work" {
		t.Fatalf("list of group work: %+v", list)
	}
	if starred := f.list("me", conversation.Filter{MarkType: conversation.MarkStar}); len(starred) != 1 || starred[0].ID != "group_g1" {
		t.Errorf("starred: %+v", starred)
	}
	d, err := f.svc.SearchMarks(f.ctx, f.a, "me", []string{"group_g1", "group_other"})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Marks) != 1 || d.Marks[0].ConvID != "group_g1" || d.Marks[0].Marks != conversation.MarkStar || len(d.Marks[0].Groups) != 1 {
		t.Errorf("search: %+v", d.Marks)
	}

	// Pins and drafts of a group conversation, as of a one-to-one one.
	if err := f.svc.Pin(f.ctx, f.a, "me", "group_g1", true); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetDraft(f.ctx, f.a, "me", "group_g1", "later"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Pin(f.ctx, f.a, "me", "group_other", true); code(err) != 51007 {
		t.Errorf("pin of a group not joined: %v, want 51007", err)
	}
	list = f.list("me", conversation.Filter{})
	if len(list) != 1 || !list[0].Pinned() || list[0].Draft != "later" {
		t.Errorf("pinned group conversation: %+v", list)
	}
}
