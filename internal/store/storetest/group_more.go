package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

// testGroupMore: the app's group directory pages by group ID with a type
// filter; a member's receive option and last send time are kept on the
// member row; a set unread count is exact and grows with new messages
// until a read; a sender's messages page by seq.
func testGroupMore(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := createAccounts(ctx, tx, app1, "alice", "bob"); err != nil {
			return err
		}
		for _, g := range []struct{ id, typ string }{{"g1", "Public"}, {"b", "Work"}, {"c", "Public"}, {"a", "Public"}} {
			if _, err := tx.CreateGroup(ctx, store.Group{App: app1, ID: g.id, Type: g.typ, CreatedAt: 100}); err != nil {
				return err
			}
		}
		if _, err := tx.CreateGroup(ctx, store.Group{App: app2, ID: "other", Type: "Public", CreatedAt: 100}); err != nil {
			return err
		}
		for _, u := range []string{"alice", "bob"} {
			if _, err := tx.JoinGroup(ctx, app1, "g1", u, 100); err != nil {
				return err
			}
		}
		return nil
	})
	type page struct {
		IDs   []string
		Total int
	}
	pages := get(t, s, func(ctx context.Context, tx store.Tx) ([]page, error) {
		var out []page
		for _, q := range []struct {
			typ           string
			offset, limit int
		}{{"", 0, 10}, {"", 1, 2}, {"", 4, 2}, {"Public", 1, 10}, {"Meeting", 0, 10}} {
			ids, total, err := tx.AppGroups(ctx, app1, q.typ, q.offset, q.limit)
			if err != nil {
				return nil, err
			}
			out = append(out, page{ids, total})
		}
		return out, nil
	})
	want := []page{{[]string{"a", "b", "c", "g1"}, 4}, {[]string{"b", "c"}, 4}, {[]string{}, 4}, {[]string{"c", "g1"}, 3}, {[]string{}, 0}}
	if !reflect.DeepEqual(pages, want) {
		t.Errorf("AppGroups:\n got %v\nwant %v", pages, want)
	}

	write(t, s, func(ctx context.Context, tx store.Tx) error {
		for i, m := range []store.Message{groupMsg("alice", "k1", 0, 200_000), groupMsg("bob", "k2", 0, 300_000), groupMsg("alice", "k3", 0, 250_000)} {
			if _, _, err := tx.AppendMessage(ctx, m); err != nil {
				return fmt.Errorf("append %d: %w", i, err)
			}
		}
		if ok, err := tx.SetGroupMemberMsgFlag(ctx, app1, "g1", "bob", store.RecvOptNotReceive); err != nil || !ok {
			return fmt.Errorf("msg flag: %v %v", ok, err)
		}
		if ok, err := tx.SetGroupMemberMsgFlag(ctx, app1, "g1", "carol", store.RecvOptNotNotify); err != nil || ok {
			return fmt.Errorf("msg flag of a non-member: %v %v", ok, err)
		}
		return nil
	})
	type members struct {
		Alice, Bob   store.GroupMember
		NotReceiving []string
		Flags        map[string]int
		BySender     []uint64
		After        []uint64
	}
	m := get(t, s, func(ctx context.Context, tx store.Tx) (members, error) {
		var v members
		var err error
		if v.Alice, _, err = tx.GroupMember(ctx, app1, "g1", "alice"); err != nil {
			return v, err
		}
		if v.Bob, _, err = tx.GroupMember(ctx, app1, "g1", "bob"); err != nil {
			return v, err
		}
		if v.NotReceiving, err = tx.GroupNotReceiving(ctx, app1, "g1", 10); err != nil {
			return v, err
		}
		if v.Flags, err = tx.GroupMsgFlags(ctx, app1, "bob"); err != nil {
			return v, err
		}
		for _, q := range []struct {
			after uint64
			out   *[]uint64
		}{{0, &v.BySender}, {1, &v.After}} {
			ms, err := tx.GroupMessagesBySender(ctx, app1, "g1", "alice", q.after, 10)
			if err != nil {
				return v, err
			}
			for _, m := range ms {
				*q.out = append(*q.out, m.Seq)
			}
		}
		return v, nil
	})
	// alice's latest send time is the later of her two (the third was
	// sent with an older time: the time never moves back).
	if m.Alice.LastSendAt != 250 || m.Bob.LastSendAt != 300 || m.Alice.MsgFlag != store.RecvOptReceive || m.Bob.MsgFlag != store.RecvOptNotReceive {
		t.Errorf("members: alice %+v bob %+v", m.Alice, m.Bob)
	}
	if !reflect.DeepEqual(m.Flags, map[string]int{"g1": store.RecvOptNotReceive}) {
		t.Errorf("bob's flags: %v", m.Flags)
	}
	if !reflect.DeepEqual(m.NotReceiving, []string{"bob"}) || !reflect.DeepEqual(m.BySender, []uint64{1, 3}) || !reflect.DeepEqual(m.After, []uint64{3}) {
		t.Errorf("not receiving %v, alice's %v, after 1 %v", m.NotReceiving, m.BySender, m.After)
	}

	// Unread set to 5: exactly 5, one more per new message, 0 after a read
	// to the end.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if ok, err := tx.SetGroupUnread(ctx, app1, "g1", "bob", 5); err != nil || !ok {
			return fmt.Errorf("set unread: %v %v", ok, err)
		}
		if ok, err := tx.SetGroupUnread(ctx, app1, "g1", "carol", 5); err != nil || ok {
			return fmt.Errorf("set unread of a non-member: %v %v", ok, err)
		}
		return nil
	})
	if got := unreadOf(t, s, "bob"); got != 5 {
		t.Errorf("unread after set: %d, want 5", got)
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, _, err := tx.AppendMessage(ctx, groupMsg("alice", "k4", 0, 400_000))
		return err
	})
	if got := unreadOf(t, s, "bob"); got != 6 {
		t.Errorf("unread after one more message: %d, want 6", got)
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.SetReadSeq(ctx, app1, "bob", g1, 4) })
	if got := unreadOf(t, s, "bob"); got != 0 {
		t.Errorf("unread after reading all: %d, want 0", got)
	}

	// A join backdated to 260 s: the latest message sent before it is
	// seq 3 (250 s), so history from seq 4 on; never forward again.
	var joinSeqs []uint64
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		joinSeqs = nil
		if err := createAccounts(ctx, tx, app1, "carol"); err != nil {
			return err
		}
		if _, err := tx.JoinGroup(ctx, app1, "g1", "carol", 500); err != nil {
			return err
		}
		for _, at := range []int64{260_000, 100_000, 999_000} {
			if ok, err := tx.BackdateGroupJoin(ctx, app1, "g1", "carol", at); err != nil || !ok {
				return fmt.Errorf("backdate to %d: %v %v", at, ok, err)
			}
			c, _, err := tx.Conversation(ctx, app1, "carol", g1)
			if err != nil {
				return err
			}
			joinSeqs = append(joinSeqs, c.JoinSeq)
		}
		if ok, err := tx.BackdateGroupJoin(ctx, app1, "g1", "nobody", 1); err != nil || ok {
			return fmt.Errorf("backdate a non-member: %v %v", ok, err)
		}
		return nil
	})
	if !reflect.DeepEqual(joinSeqs, []uint64{3, 0, 0}) {
		t.Errorf("join seqs %v", joinSeqs)
	}
}
