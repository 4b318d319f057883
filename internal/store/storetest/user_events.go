package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

var errRollback = errors.New("roll back")

func testUserEvents(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return createAccounts(ctx, tx, app1, "alice", "bob") },
			func() error { return createAccounts(ctx, tx, app2, "alice") },
		)
	})
	var got []store.UserEvent
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		got, err = tx.AppendUserEvents(ctx, []store.UserEvent{
			{App: app1, User: "alice", Kind: "friend.added", Peers: []string{"bob"}, Time: 10},
			{App: app1, User: "bob", Kind: "friend.added", Peers: []string{"alice"}, Time: 10},
			{App: app1, User: "ghost", Kind: "friend.added", Time: 10},
			{App: app1, User: "alice", Kind: "profile.updated", Time: 11},
			{App: app2, User: "alice", Kind: "block.added", Peers: []string{"x", "y"}, Time: 12},
		})
		return err
	})
	// Seqs are per user and per app; an unknown user's event is dropped.
	eq(t, "assigned", got, []store.UserEvent{
		{App: app1, User: "alice", Seq: 1, Kind: "friend.added", Peers: []string{"bob"}, Time: 10},
		{App: app1, User: "bob", Seq: 1, Kind: "friend.added", Peers: []string{"alice"}, Time: 10},
		{App: app1, User: "alice", Seq: 2, Kind: "profile.updated", Time: 11},
		{App: app2, User: "alice", Seq: 1, Kind: "block.added", Peers: []string{"x", "y"}, Time: 12},
	})
	// A failed write assigns nothing: the next seq follows the last durable one.
	err := s.Write(t.Context(), func(tx store.Tx) error {
		if _, err := tx.AppendUserEvents(t.Context(), []store.UserEvent{{App: app1, User: "alice", Kind: "x", Time: 13}}); err != nil {
			return err
		}
		return errRollback
	})
	if err != errRollback {
		t.Fatalf("rollback write: %v", err)
	}
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		got, err = tx.AppendUserEvents(ctx, []store.UserEvent{{App: app1, User: "alice", Kind: "block.deleted", Peers: []string{"bob"}, Time: 14}})
		return err
	})
	eq(t, "seq after rollback", got[0].Seq, uint64(3))

	after1 := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.UserEvent, error) {
		return tx.UserEventsAfter(ctx, app1, "alice", 1, 10)
	})
	eq(t, "events after 1", after1, []store.UserEvent{
		{App: app1, User: "alice", Seq: 2, Kind: "profile.updated", Peers: []string{}, Time: 11},
		{App: app1, User: "alice", Seq: 3, Kind: "block.deleted", Peers: []string{"bob"}, Time: 14},
	})
	limited := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.UserEvent, error) {
		return tx.UserEventsAfter(ctx, app1, "alice", 0, 2)
	})
	eq(t, "limit", len(limited), 2)
	eq(t, "limit order", limited[1].Seq, uint64(2))
	// A position past any storable seq (a client's 2^63 or more) has
	// nothing after it; it is not an error.
	for _, after := range []uint64{1 << 63, ^uint64(0)} {
		past := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.UserEvent, error) {
			return tx.UserEventsAfter(ctx, app1, "alice", after, 10)
		})
		eq(t, fmt.Sprintf("events after %d", after), len(past), 0)
	}
	seq := get(t, s, func(ctx context.Context, tx store.Tx) (uint64, error) { return tx.UserEventSeq(ctx, app1, "alice") })
	eq(t, "latest seq", seq, uint64(3))
	none := get(t, s, func(ctx context.Context, tx store.Tx) (uint64, error) { return tx.UserEventSeq(ctx, app1, "ghost") })
	eq(t, "unknown user seq", none, uint64(0))

	// Deleting the account deletes its log.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.DeleteAccount(ctx, app1, "alice")
		return err
	})
	gone := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.UserEvent, error) {
		return tx.UserEventsAfter(ctx, app1, "alice", 0, 10)
	})
	eq(t, "log of deleted account", len(gone), 0)
}

func testUserEventsPrune(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := createAccounts(ctx, tx, app1, "alice"); err != nil {
			return err
		}
		_, err := tx.AppendUserEvents(ctx, []store.UserEvent{
			{App: app1, User: "alice", Kind: "a", Time: 100},
			{App: app1, User: "alice", Kind: "b", Time: 200},
			{App: app1, User: "alice", Kind: "c", Time: 300},
		})
		return err
	})
	var n int64
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		n, err = tx.PruneUserEvents(ctx, 250)
		return err
	})
	eq(t, "pruned", n, int64(2))
	left := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.UserEvent, error) {
		return tx.UserEventsAfter(ctx, app1, "alice", 0, 10)
	})
	eq(t, "left", len(left), 1)
	eq(t, "left seq", left[0].Seq, uint64(3))
	// Pruning never resets the counter: new events continue after 3.
	var got []store.UserEvent
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		got, err = tx.AppendUserEvents(ctx, []store.UserEvent{{App: app1, User: "alice", Kind: "d", Time: 400}})
		return err
	})
	eq(t, "seq after prune", got[0].Seq, uint64(4))
}

func testRelations(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return createAccounts(ctx, tx, app1, "a", "b", "c", "d", "e") },
			func() error { return createAccounts(ctx, tx, app2, "a", "b") },
			func() error {
				return putFriends(ctx, tx,
					store.Friend{App: app1, Owner: "a", Peer: "b"}, store.Friend{App: app1, Owner: "b", Peer: "a"},
					store.Friend{App: app1, Owner: "a", Peer: "c"}, store.Friend{App: app1, Owner: "d", Peer: "a"},
					store.Friend{App: app2, Owner: "b", Peer: "a"})
			},
			func() error {
				return addBlocks(ctx, tx, store.Block{App: app1, Owner: "a", Peer: "e"}, store.Block{App: app1, Owner: "c", Peer: "a"},
					store.Block{App: app2, Owner: "a", Peer: "b"})
			},
		)
	})
	rs := get(t, s, func(ctx context.Context, tx store.Tx) (store.RelationSet, error) {
		return tx.Relations(ctx, app1, "a", []string{"b", "c", "d", "e", "zz"})
	})
	eq(t, "relations", rs, store.RelationSet{
		OwnerExists: true,
		Friends:     set("b", "c"),
		FriendOf:    set("b", "d"),
		Blocked:     set("e"),
		BlockedBy:   set("c"),
	})
	ghost := get(t, s, func(ctx context.Context, tx store.Tx) (store.RelationSet, error) {
		return tx.Relations(ctx, app1, "ghost", []string{"a"})
	})
	eq(t, "unknown owner", ghost.OwnerExists, false)
	// More peers than one statement takes: the answer must not depend on chunking.
	many := append(ids("p", 450), "b", "d")
	big := get(t, s, func(ctx context.Context, tx store.Tx) (store.RelationSet, error) {
		return tx.Relations(ctx, app1, "a", many)
	})
	eq(t, "chunked friends", big.Friends, set("b"))
	eq(t, "chunked friend-of", big.FriendOf, set("b", "d"))
	eq(t, "chunked owner", big.OwnerExists, true)
	of := get(t, s, func(ctx context.Context, tx store.Tx) ([]string, error) { return tx.ListFriendOf(ctx, app1, "a", 10) })
	eq(t, "friend of", of, []string{"b", "d"})

	// With profiles: the same relations, and the asked tags of owner and
	// peers only, whether read alone or under an add's account locks
	// (where PostgreSQL folds them into the one statement).
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error {
				return tx.SetProfileValues(ctx, app1, "a", map[string]store.Value{"Tag_A": {Str: "x"}, "Tag_B": {Int: 7, IsInt: true}})
			},
			func() error { return tx.SetProfileValues(ctx, app1, "b", map[string]store.Value{"Tag_A": {Str: "y"}}) },
			func() error {
				return tx.SetProfileValues(ctx, app1, "zz", map[string]store.Value{"Tag_A": {Str: "not asked"}})
			},
			func() error {
				return tx.SetProfileValues(ctx, app2, "a", map[string]store.Value{"Tag_A": {Str: "other app"}})
			},
		)
	})
	wantProfiles := map[string]map[string]store.Value{
		"a": {"Tag_A": {Str: "x"}, "Tag_B": {Int: 7, IsInt: true}},
		"b": {"Tag_A": {Str: "y"}},
	}
	read := get(t, s, func(ctx context.Context, tx store.Tx) (store.RelationSet, error) {
		return tx.RelationsAndProfiles(ctx, app1, "a", []string{"b", "c"}, []string{"Tag_A", "Tag_B"})
	})
	eq(t, "relations with profiles: friends", read.Friends, set("b", "c"))
	eq(t, "relations with profiles: blocked by", read.BlockedBy, set("c"))
	eq(t, "relations with profiles: profiles", read.Profiles, wantProfiles)
	var locked store.RelationSet
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		if err = tx.LockAccounts(ctx, app1, "a", "b", "c"); err != nil {
			return err
		}
		locked, err = tx.RelationsAndProfiles(ctx, app1, "a", []string{"b", "c"}, []string{"Tag_A", "Tag_B"})
		return err
	})
	eq(t, "under locks: owner", locked.OwnerExists, true)
	eq(t, "under locks: friends", locked.Friends, set("b", "c"))
	eq(t, "under locks: friend of", locked.FriendOf, set("b"))
	eq(t, "under locks: blocked by", locked.BlockedBy, set("c"))
	eq(t, "under locks: profiles", locked.Profiles, wantProfiles)
	none := get(t, s, func(ctx context.Context, tx store.Tx) (store.RelationSet, error) {
		return tx.RelationsAndProfiles(ctx, app1, "d", []string{"e"}, []string{"Tag_A"})
	})
	eq(t, "no profile values", len(none.Profiles), 0)
}

// A fan-out larger than a statement's batch (1,200 users, some twice, one
// without an account) gets the same seqs as one event at a time would: per
// user, in the order given, following what the log already had.
func testUserEventsBatch(t *testing.T, s store.Store) {
	users := make([]string, 1200)
	for i := range users {
		users[i] = fmt.Sprintf("fan%04d", i)
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error { return createAccounts(ctx, tx, app1, users...) })
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.AppendUserEvents(ctx, []store.UserEvent{{App: app1, User: users[7], Kind: "before", Time: 1}})
		return err
	})
	var in []store.UserEvent
	for _, u := range users {
		in = append(in, store.UserEvent{App: app1, User: u, Kind: "profile.updated", Peers: []string{"star"}, Time: 2})
	}
	in = append(in, store.UserEvent{App: app1, User: "nobody", Kind: "profile.updated", Time: 2},
		store.UserEvent{App: app1, User: users[7], Kind: "again", Time: 3},
		store.UserEvent{App: app1, User: users[1100], Kind: "again", Time: 3})
	var got []store.UserEvent
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		got, err = tx.AppendUserEvents(ctx, in)
		return err
	})
	if len(got) != len(users)+2 {
		t.Fatalf("%d events assigned, want %d (the one without an account left out)", len(got), len(users)+2)
	}
	for i, e := range got[:len(users)] {
		want := uint64(1)
		if i == 7 {
			want = 2
		}
		if e.User != users[i] || e.Seq != want {
			t.Fatalf("event %d: %s seq %d, want %s seq %d", i, e.User, e.Seq, users[i], want)
		}
	}
	eq(t, "repeats", []uint64{got[len(users)].Seq, got[len(users)+1].Seq}, []uint64{3, 2})
	logged := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.UserEvent, error) {
		return tx.UserEventsAfter(ctx, app1, users[7], 0, 10)
	})
	eq(t, "user 7's log", logged, []store.UserEvent{
		{App: app1, User: users[7], Seq: 1, Kind: "before", Peers: []string{}, Time: 1},
		{App: app1, User: users[7], Seq: 2, Kind: "profile.updated", Peers: []string{"star"}, Time: 2},
		{App: app1, User: users[7], Seq: 3, Kind: "again", Peers: []string{}, Time: 3},
	})
}

// testSendCheck: a one-to-one send's question of the relationship chain,
// from the receiver's side: exists, blocked the sender, its receive option
// for the sender, and (when asked) friendship in both directions; and
// whether the sender exists, whether or not the receiver does. It must
// agree with Relations.
func testSendCheck(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return createAccounts(ctx, tx, app1, "rcv", "snd", "other") },
			func() error { return createAccounts(ctx, tx, app2, "rcv", "snd") },
			func() error {
				return putFriends(ctx, tx, store.Friend{App: app1, Owner: "rcv", Peer: "snd"}, store.Friend{App: app2, Owner: "snd", Peer: "rcv"})
			},
			func() error {
				return addBlocks(ctx, tx, store.Block{App: app1, Owner: "rcv", Peer: "other"}, store.Block{App: app2, Owner: "rcv", Peer: "snd"})
			},
			func() error { return tx.SetRecvOpts(ctx, app1, "rcv", []string{"snd"}, store.RecvOptNotReceive) },
		)
	})
	check := func(app store.AppID, receiver, sender string, friends bool) store.SendCheck {
		t.Helper()
		return get(t, s, func(ctx context.Context, tx store.Tx) (store.SendCheck, error) {
			return tx.SendCheck(ctx, app, receiver, sender, friends)
		})
	}
	eq(t, "friend with an option", check(app1, "rcv", "snd", true),
		store.SendCheck{ReceiverExists: true, SenderExists: true, RecvOpt: store.RecvOptNotReceive, ReceiverHasSender: true})
	eq(t, "friendship not asked", check(app1, "rcv", "snd", false), store.SendCheck{ReceiverExists: true, SenderExists: true, RecvOpt: store.RecvOptNotReceive})
	eq(t, "blocked, no option", check(app1, "rcv", "other", true), store.SendCheck{ReceiverExists: true, SenderExists: true, Blocked: true})
	eq(t, "the other direction", check(app1, "snd", "rcv", true), store.SendCheck{ReceiverExists: true, SenderExists: true, SenderHasReceiver: true})
	eq(t, "another app's rows", check(app2, "rcv", "snd", true), store.SendCheck{ReceiverExists: true, SenderExists: true, Blocked: true, SenderHasReceiver: true})
	eq(t, "no receiver", check(app1, "ghost", "snd", true), store.SendCheck{SenderExists: true})
	eq(t, "no sender", check(app1, "rcv", "ghost", true), store.SendCheck{ReceiverExists: true})
	eq(t, "no sender, unasked friendship", check(app1, "rcv", "ghost", false), store.SendCheck{ReceiverExists: true})
	eq(t, "neither", check(app1, "ghost", "phantom", false), store.SendCheck{})
	eq(t, "a sender of another app only", check(app2, "other", "other", false), store.SendCheck{})
}
