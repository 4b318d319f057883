package storetest

import (
	"context"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

// testRelationsAhead: RelationsAndProfiles answers the same whether the
// transaction read it ahead for several owners (ReadRelationsAhead, one
// statement on PostgreSQL) or not, including what the locks let later calls
// skip (friend counts, absent requests); a write after the read ahead makes
// the next call read again, so it sees the write.
func testRelationsAhead(t *testing.T, s store.Store) {
	tags := []string{"Tag_Profile_IM_AllowType", "Tag_Profile_IM_AdminForbidType"}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return createAccounts(ctx, tx, app1, "a1", "a2", "b1", "b2", "b3", "c1") },
			func() error {
				return putFriends(ctx, tx, store.Friend{App: app1, Owner: "a1", Peer: "b1"}, store.Friend{App: app1, Owner: "b2", Peer: "a2"},
					store.Friend{App: app1, Owner: "a2", Peer: "c1"})
			},
			func() error { return addBlocks(ctx, tx, store.Block{App: app1, Owner: "b3", Peer: "a2"}) },
			func() error { return tx.SetRecvOpts(ctx, app1, "a1", []string{"b2"}, store.RecvOptNotNotify) },
			func() error {
				return tx.SetProfileValues(ctx, app1, "b1", map[string]store.Value{"Tag_Profile_IM_AllowType": store.StringValue("AllowType_Type_DenyAny")})
			},
			func() error {
				return tx.PutFriendRequest(ctx, store.FriendRequest{App: app1, From: "b3", To: "a2", AddType: "Add_Type_Both", CreatedAt: 1})
			},
		)
	})
	qs := []store.RelationQuery{{Owner: "a1", Peers: []string{"b1", "b2", "ghost"}}, {Owner: "a2", Peers: []string{"b2", "b3"}}, {Owner: "nobody", Peers: []string{"b1"}}}
	type answer struct {
		Sets    store.RelationSet
		Counts  []int
		Removed bool // the request b3 → a2 deleted
		Absent  bool // a request a1 → b1 deleted (none)
	}
	ask := func(ahead bool) []answer {
		var out []answer
		err := s.Write(t.Context(), func(tx store.Tx) error {
			ctx := t.Context()
			out = nil
			if err := tx.LockAccounts(ctx, app1, "a1", "a2", "b1", "b2", "b3", "ghost", "nobody"); err != nil {
				return err
			}
			if ahead {
				if err := tx.ReadRelationsAhead(ctx, app1, qs, tags); err != nil {
					return err
				}
			}
			for _, q := range qs {
				rs, err := tx.RelationsAndProfiles(ctx, app1, q.Owner, q.Peers, tags)
				if err != nil {
					return err
				}
				out = append(out, answer{Sets: rs})
			}
			for i, u := range []string{"a1", "a2", "b2"} {
				n, err := tx.CountFriends(ctx, app1, u)
				if err != nil {
					return err
				}
				out[i].Counts = append(out[i].Counts, n)
			}
			var err error
			if out[0].Absent, err = tx.DeleteFriendRequest(ctx, app1, "a1", "b1"); err != nil {
				return err
			}
			out[0].Absent = !out[0].Absent
			if out[0].Removed, err = tx.DeleteFriendRequest(ctx, app1, "b3", "a2"); err != nil {
				return err
			}
			return errRollback // leave the store as it was for the other run
		})
		if err != errRollback {
			t.Fatal(err)
		}
		return out
	}
	eq(t, "read ahead or not, the same answers", ask(true), ask(false))
	first := ask(false)
	eq(t, "a1's friends", first[0].Sets.Friends, map[string]bool{"b1": true})
	eq(t, "a2's blockers", first[1].Sets.BlockedBy, map[string]bool{"b3": true})
	eq(t, "the request found and deleted", first[0].Removed, true)

	// A write after the read ahead: the next call reads again.
	var got store.RelationSet
	err := s.Write(t.Context(), func(tx store.Tx) error {
		ctx := t.Context()
		if err := tx.LockAccounts(ctx, app1, "a1", "a2", "b1", "b2", "b3"); err != nil {
			return err
		}
		if err := tx.ReadRelationsAhead(ctx, app1, qs[:2], tags); err != nil {
			return err
		}
		if err := tx.PutFriend(ctx, store.Friend{App: app1, Owner: "a1", Peer: "b2", AddTime: 1}); err != nil {
			return err
		}
		var err error
		got, err = tx.RelationsAndProfiles(ctx, app1, "a1", qs[0].Peers, tags)
		if err != nil {
			return err
		}
		return errRollback
	})
	if err != errRollback {
		t.Fatal(err)
	}
	eq(t, "a1's friends after a write", got.Friends, map[string]bool{"b1": true, "b2": true})
}
