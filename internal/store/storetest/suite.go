// Package storetest is the behavioural test suite every store engine must
// pass. Engines call Run from their own tests with a function that opens a
// fresh, empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/store"
)

// Run runs the whole suite. open must return a fresh, empty store for each
// call and register its Close with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Accounts/Create", testCreateAccount},
		{"Accounts/ExistingAccountsChunked", testExistingAccounts},
		{"Accounts/Delete", testDeleteAccount},
		{"Accounts/Seqs", testSeqs},
		{"Accounts/AdvanceSeq", testAdvanceSeq},
		{"Accounts/RevokeUserSigs", testRevokeUserSigs},
		{"Profiles/RoundTrip", testProfileRoundTrip},
		{"Profiles/UpdateAndDelete", testProfileUpdate},
		{"Profiles/ManyUsers", testProfileManyUsers},
		{"Friends/PutGet", testFriendPutGet},
		{"Friends/ListOrderAndPaging", testListFriends},
		{"Friends/ListManyWithGroups", testListFriendsManyGroups},
		{"Friends/Among", testFriendsAmong},
		{"Friends/Delete", testDeleteFriend},
		{"Friends/Counts", testFriendCounts},
		{"FriendRequests/PutGetReplace", testFriendRequestPut},
		{"FriendRequests/ListAndCount", testFriendRequestList},
		{"FriendRequests/MarkRead", testFriendRequestMarkRead},
		{"FriendRequests/Delete", testFriendRequestDelete},
		{"Blocklist/Among", testBlockedAmong},
		{"Blocklist/AddListCountDelete", testBlocklist},
		{"FriendLists/CreateAndOrder", testFriendListCreate},
		{"FriendLists/Members", testFriendListMembers},
		{"FriendLists/Rename", testFriendListRename},
		{"FriendLists/Delete", testFriendListDelete},
		{"Messages/AppendAndRead", testMessages},
		{"Messages/ConcurrentSeqs", testMessageSeqsConcurrent},
		{"Messages/SeqsAfterRollbacks", testMessageSeqsAfterRollbacks},
		{"Messages/AfterAccountDeletion", testMessagesAfterAccountDeletion},
		{"Messages/Query", testQueryMessages},
		{"Messages/PerUserViews", testMessageViews},
		{"Messages/HiddenAsAppended", testMessageHiddenAsAppended},
		{"Messages/CheckedAppend", testCheckedAppend},
		{"Messages/CheckedAppends", testCheckedAppends},
		{"Messages/QueuedWritesKeepTheirOrder", testQueuedWritesKeepTheirOrder},
		{"Friends/RelationsAhead", testRelationsAhead},
		{"Messages/ByClientKey", testMessageByClientKey},
		{"Messages/RecvOpts", testRecvOpts},
		{"Messages/Receipts", testMessageReceipts},
		{"UserEvents/AppendAndRead", testUserEvents},
		{"UserEvents/Batch", testUserEventsBatch},
		{"UserEvents/Prune", testUserEventsPrune},
		{"Conversations/Entries", testConversationEntries},
		{"Conversations/Page", testConversationPage},
		{"Conversations/Delete", testConversationDelete},
		{"Conversations/Marks", testConversationMarks},
		{"Conversations/Groups", testConversationGroups},
		{"Conversations/ReadOnly", testConversationsReadOnly},
		{"Groups/MessagesAndUnread", testGroupMessages},
		{"Groups/ConversationList", testGroupConversationList},
		{"Groups/NoUnread", testGroupNoUnread},
		{"Groups/Profiles", testGroupProfiles},
		{"Groups/Members", testGroupMembers},
		{"Groups/Applications", testGroupApplications},
		{"Groups/AttributesAndCounters", testGroupAttrs},
		{"Groups/Mentions", testGroupMentions},
		{"Groups/Targeted", testGroupTargeted},
		{"Groups/Receipts", testGroupReceipts},
		{"Groups/More", testGroupMore},
		{"Groups/Topics", testGroupTopics},
		{"Groups/TopicMemberSettings", testTopicMemberSettings},
		{"Groups/AVChatBans", testGroupBans},
		{"Groups/AVChatMarks", testMemberMarks},
		{"Groups/AVChatRecent", testRecentMessages},
		{"Groups/AVChatRoomsAndOnline", testGroupsOfTypeAndOnline},
		{"Conversations/Versions", testConversationVersions},
		{"Friends/Relations", testRelations},
		{"Friends/SendCheck", testSendCheck},
		{"Friends/SendCheckFollowsChanges", testSendCheckFollowsChanges},
		{"Outbox/Append", testOutboxAppend},
		{"Outbox/ClaimOrderAndLease", testOutboxClaimOrderAndLease},
		{"Outbox/Retry", testOutboxRetry},
		{"Outbox/ConcurrentClaims", testOutboxConcurrentClaims},
		{"Sessions/PutAndRead", testSessionsPutAndRead},
		{"Sessions/NodeLiveness", testSessionsNodeLiveness},
		{"Sessions/Delete", testSessionsDelete},
		{"Sessions/MarkKicked", testSessionsMarkKicked},
		{"Sessions/KickUser", testSessionsKickUser},
		{"Sessions/PruneKeepsRecentKicks", testSessionsPruneKeepsRecentKicks},
		{"Sessions/ConcurrentLogins", testSessionsConcurrentLogins},
		{"UserStatus", testUserStatus},
		{"Tenancy", testTenancy},
		{"Tx/ErrorRollsBack", testWriteErrorRollsBack},
		{"Tx/PanicRollsBack", testWritePanic},
		{"Tx/CancelledContext", testWriteCancelled},
		{"Tx/ReadCannotWrite", testReadCannotWrite},
		{"Tx/NoLostUpdate", testNoLostUpdate},
		{"Tx/ConcurrentPartialFailure", testConcurrentPartialFailure},
		{"Tx/AfterClose", testAfterClose},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

const (
	app1 store.AppID = 1400000001
	app2 store.AppID = 1400000002
)

// --- helpers ---------------------------------------------------------------

// write runs fn in a Write and fails the test on error. fn may run on another
// goroutine (a group committer), so it must report problems by returning an
// error, never through t.
func write(t *testing.T, s store.Store, fn func(ctx context.Context, tx store.Tx) error) {
	t.Helper()
	ctx := t.Context()
	if err := s.Write(ctx, func(tx store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

// get runs fn in a Read and returns its result.
func get[T any](t *testing.T, s store.Store, fn func(ctx context.Context, tx store.Tx) (T, error)) T {
	t.Helper()
	ctx := t.Context()
	var out T
	err := s.Read(ctx, func(tx store.Tx) error {
		var err error
		out, err = fn(ctx, tx)
		return err
	})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return out
}

// all runs steps in order and stops at the first error.
func all(steps ...func() error) error {
	for i, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("step %d: %w", i, err)
		}
	}
	return nil
}

func createAccounts(ctx context.Context, tx store.Tx, app store.AppID, users ...string) error {
	for _, u := range users {
		if _, err := tx.CreateAccount(ctx, app, u, 1000); err != nil {
			return fmt.Errorf("create %s: %w", u, err)
		}
	}
	return nil
}

func putFriends(ctx context.Context, tx store.Tx, fs ...store.Friend) error {
	for _, f := range fs {
		if err := tx.PutFriend(ctx, f); err != nil {
			return fmt.Errorf("put friend %s->%s: %w", f.Owner, f.Peer, err)
		}
	}
	return nil
}

func addBlocks(ctx context.Context, tx store.Tx, bs ...store.Block) error {
	for _, b := range bs {
		if err := tx.AddBlock(ctx, b); err != nil {
			return fmt.Errorf("block %s->%s: %w", b.Owner, b.Peer, err)
		}
	}
	return nil
}

func putRequests(ctx context.Context, tx store.Tx, rs ...store.FriendRequest) error {
	for _, r := range rs {
		if err := tx.PutFriendRequest(ctx, r); err != nil {
			return fmt.Errorf("request %s->%s: %w", r.From, r.To, err)
		}
	}
	return nil
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%05d", prefix, i)
	}
	return out
}

func set(keys ...string) map[string]bool {
	m := map[string]bool{}
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// eq fails the test unless got and want are deeply equal, treating nil and
// empty slices and maps as equal (that difference is not behaviour a caller
// can rely on).
func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	if equal(g, w) {
		return
	}
	if g.Kind() == reflect.Map && g.Len()+w.Len() > 20 {
		t.Errorf("%s: maps of %d and %d entries differ:%s", what, g.Len(), w.Len(), mapDiff(g, w))
		return
	}
	t.Errorf("%s:\n got: %+v\nwant: %+v", what, got, want)
}

// mapDiff lists, for large maps, only the keys that differ.
func mapDiff(got, want reflect.Value) string {
	var lines []string
	iter := got.MapRange()
	for iter.Next() {
		wv := want.MapIndex(iter.Key())
		switch {
		case !wv.IsValid():
			lines = append(lines, fmt.Sprintf("\n  unexpected %v: %+v", iter.Key(), iter.Value()))
		case !equal(iter.Value(), wv):
			lines = append(lines, fmt.Sprintf("\n  %v: got %+v, want %+v", iter.Key(), iter.Value(), wv))
		}
	}
	iter = want.MapRange()
	for iter.Next() {
		if !got.MapIndex(iter.Key()).IsValid() {
			lines = append(lines, fmt.Sprintf("\n  missing %v: %+v", iter.Key(), iter.Value()))
		}
	}
	sort.Strings(lines)
	if len(lines) > 30 {
		lines = append(lines[:30], fmt.Sprintf("\n  ... and %d more", len(lines)-30))
	}
	return strings.Join(lines, "")
}

func equal(a, b reflect.Value) bool {
	if a.IsValid() != b.IsValid() {
		return false
	}
	if !a.IsValid() {
		return true
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !equal(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		iter := a.MapRange()
		for iter.Next() {
			bv := b.MapIndex(iter.Key())
			if !bv.IsValid() || !equal(iter.Value(), bv) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !equal(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equal(a.Elem(), b.Elem())
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	case reflect.Float32, reflect.Float64:
		return a.Float() == b.Float()
	case reflect.String:
		return a.String() == b.String()
	default:
		panic("storetest: cannot compare " + a.Kind().String())
	}
}

// --- accounts --------------------------------------------------------------

// The UserSig bound moves forward only, per app and user, and reads 0 for
// an account never kicked or that does not exist.
func testRevokeUserSigs(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { _, err := tx.CreateAccount(ctx, app1, "alice", 1); return err },
			func() error { _, err := tx.CreateAccount(ctx, app2, "alice", 1); return err },
		)
	})
	type state struct {
		Revoked, RevokedBack, Missing bool
		Alice, OtherApp, Nobody       int64
	}
	var st state
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() (err error) { st.Revoked, err = tx.RevokeUserSigs(ctx, app1, "alice", 500); return },
			func() (err error) { st.RevokedBack, err = tx.RevokeUserSigs(ctx, app1, "alice", 400); return },
			func() (err error) { st.Missing, err = tx.RevokeUserSigs(ctx, app1, "nobody", 500); return },
		)
	})
	got := get(t, s, func(ctx context.Context, tx store.Tx) (state, error) {
		out := st
		err := all(
			func() (err error) { out.Alice, err = tx.UserSigsValidFrom(ctx, app1, "alice"); return },
			func() (err error) { out.OtherApp, err = tx.UserSigsValidFrom(ctx, app2, "alice"); return },
			func() (err error) { out.Nobody, err = tx.UserSigsValidFrom(ctx, app1, "nobody"); return },
		)
		return out, err
	})
	eq(t, "UserSig bounds", got, state{Revoked: true, RevokedBack: true, Missing: false, Alice: 500, OtherApp: 0, Nobody: 0})
}

func testCreateAccount(t *testing.T, s store.Store) {
	var first, second, otherApp bool
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() (err error) { first, err = tx.CreateAccount(ctx, app1, "alice", 100); return },
			func() (err error) { second, err = tx.CreateAccount(ctx, app1, "alice", 200); return },
			func() (err error) { otherApp, err = tx.CreateAccount(ctx, app2, "alice", 300); return },
		)
	})
	eq(t, "first CreateAccount is new", first, true)
	eq(t, "second CreateAccount is new", second, false)
	eq(t, "CreateAccount in another app is new", otherApp, true)

	// A separate transaction still sees it as existing.
	var again bool
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		again, err = tx.CreateAccount(ctx, app1, "alice", 400)
		return
	})
	eq(t, "CreateAccount after commit is new", again, false)

	exists := get(t, s, func(ctx context.Context, tx store.Tx) ([]bool, error) {
		var out []bool
		for _, u := range []string{"alice", "bob", "Alice", "alice "} {
			ok, err := tx.AccountExists(ctx, app1, u)
			if err != nil {
				return nil, err
			}
			out = append(out, ok)
		}
		return out, nil
	})
	eq(t, "AccountExists alice, bob, Alice, 'alice '", exists, []bool{true, false, false, false})
}

func testExistingAccounts(t *testing.T, s store.Store) {
	// 1300 candidate IDs, of which every fourth is missing: crosses the
	// 500-ID chunks several times, with hits and misses at the boundaries.
	candidates := ids("user", 1300)
	var created []string
	for i, u := range candidates {
		if i%4 != 3 {
			created = append(created, u)
		}
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return createAccounts(ctx, tx, app1, created...)
	})
	query := append(append([]string{}, candidates...), "nobody", candidates[0], candidates[499], candidates[500])
	got := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]bool, error) {
		return tx.ExistingAccounts(ctx, app1, query)
	})
	eq(t, "ExistingAccounts", got, set(created...))
	if len(created) != 975 {
		t.Fatalf("test setup: created %d accounts, want 975", len(created))
	}

	empty := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]bool, error) {
		return tx.ExistingAccounts(ctx, app1, nil)
	})
	eq(t, "ExistingAccounts(nil)", empty, map[string]bool{})
	otherApp := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]bool, error) {
		return tx.ExistingAccounts(ctx, app2, query)
	})
	eq(t, "ExistingAccounts in another app", otherApp, map[string]bool{})
}

func testDeleteAccount(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return createAccounts(ctx, tx, app1, "alice", "bob", "carol") },
			func() error {
				return tx.SetProfileValues(ctx, app1, "alice", map[string]store.Value{"Tag_Profile_IM_Nick": store.StringValue("Al")})
			},
			func() error {
				return tx.SetProfileValues(ctx, app1, "bob", map[string]store.Value{"Tag_Profile_IM_Nick": store.StringValue("Bo")})
			},
			func() error { _, err := tx.BumpSeq(ctx, app1, "alice", store.SeqFriend); return err },
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "mine", 1) },
			func() error { return tx.CreateFriendList(ctx, app1, "bob", "team", 1) },
			func() error {
				return putFriends(ctx, tx,
					store.Friend{App: app1, Owner: "alice", Peer: "bob", AddTime: 1, Groups: []string{"mine"}},
					store.Friend{App: app1, Owner: "bob", Peer: "alice", AddTime: 1, Groups: []string{"team"}},
					store.Friend{App: app1, Owner: "carol", Peer: "alice", AddTime: 1},
					store.Friend{App: app1, Owner: "bob", Peer: "carol", AddTime: 2, Groups: []string{"team"}},
				)
			},
			func() error {
				return putRequests(ctx, tx,
					store.FriendRequest{App: app1, From: "alice", To: "carol", CreatedAt: 5},
					store.FriendRequest{App: app1, From: "carol", To: "alice", CreatedAt: 6},
					store.FriendRequest{App: app1, From: "carol", To: "bob", CreatedAt: 7},
				)
			},
			func() error {
				return addBlocks(ctx, tx,
					store.Block{App: app1, Owner: "alice", Peer: "carol", AddedAt: 1},
					store.Block{App: app1, Owner: "carol", Peer: "alice", AddedAt: 1},
					store.Block{App: app1, Owner: "carol", Peer: "bob", AddedAt: 2},
				)
			},
		)
	})

	var deleted, again, unknown bool
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		deleted, err = tx.DeleteAccount(ctx, app1, "alice")
		return
	})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() (err error) { again, err = tx.DeleteAccount(ctx, app1, "alice"); return },
			func() (err error) { unknown, err = tx.DeleteAccount(ctx, app1, "nobody"); return },
		)
	})
	eq(t, "DeleteAccount(alice)", deleted, true)
	eq(t, "DeleteAccount(alice) again", again, false)
	eq(t, "DeleteAccount(unknown)", unknown, false)

	type state struct {
		AliceExists, BobExists   bool
		Profiles                 map[string]map[string]store.Value
		AliceFriends             map[string]bool
		FriendOfAlice            map[string]bool
		BobFriends, CarolFriends []string
		BobLists, AliceLists     []store.FriendList
		AliceSent, AliceIncoming []store.FriendRequest
		CarolSent                []store.FriendRequest
		AliceBlocked             map[string]bool
		BlockedAlice             map[string]bool
		CarolBlocked             []store.Block
		AliceSeqs                store.Seqs
	}
	peers := []string{"alice", "bob", "carol"}
	got := get(t, s, func(ctx context.Context, tx store.Tx) (st state, err error) {
		friendPeers := func(owner string) ([]string, error) {
			fs, err := tx.ListFriends(ctx, app1, owner, 0, 100)
			var out []string
			for _, f := range fs {
				out = append(out, f.Peer)
			}
			return out, err
		}
		err = all(
			func() (err error) { st.AliceExists, err = tx.AccountExists(ctx, app1, "alice"); return },
			func() (err error) { st.BobExists, err = tx.AccountExists(ctx, app1, "bob"); return },
			func() (err error) { st.Profiles, err = tx.ProfileValues(ctx, app1, peers, nil); return },
			func() (err error) { st.AliceFriends, err = tx.FriendsAmong(ctx, app1, "alice", peers); return },
			func() (err error) { st.FriendOfAlice, err = tx.FriendOfAmong(ctx, app1, "alice", peers); return },
			func() (err error) { st.BobFriends, err = friendPeers("bob"); return },
			func() (err error) { st.CarolFriends, err = friendPeers("carol"); return },
			func() (err error) { st.BobLists, err = tx.FriendLists(ctx, app1, "bob"); return },
			func() (err error) { st.AliceLists, err = tx.FriendLists(ctx, app1, "alice"); return },
			func() (err error) { st.AliceSent, err = tx.ListFriendRequests(ctx, app1, "alice", false, 0); return },
			func() (err error) { st.AliceIncoming, err = tx.ListFriendRequests(ctx, app1, "alice", true, 0); return },
			func() (err error) { st.CarolSent, err = tx.ListFriendRequests(ctx, app1, "carol", false, 0); return },
			func() (err error) { st.AliceBlocked, err = tx.BlockedAmong(ctx, app1, "alice", peers); return },
			func() (err error) { st.BlockedAlice, err = tx.BlockedByAmong(ctx, app1, "alice", peers); return },
			func() (err error) { st.CarolBlocked, err = tx.ListBlocked(ctx, app1, "carol", 0, 100); return },
			func() (err error) { st.AliceSeqs, err = tx.Seqs(ctx, app1, "alice"); return },
		)
		return
	})
	want := state{
		AliceExists:  false,
		BobExists:    true,
		Profiles:     map[string]map[string]store.Value{"bob": {"Tag_Profile_IM_Nick": store.StringValue("Bo")}},
		BobFriends:   []string{"carol"},
		BobLists:     []store.FriendList{{Name: "team", CreatedAt: 1, Members: []string{"carol"}}},
		CarolSent:    []store.FriendRequest{{App: app1, From: "carol", To: "bob", CreatedAt: 7}},
		CarolBlocked: []store.Block{{App: app1, Owner: "carol", Peer: "bob", AddedAt: 2}},
	}
	eq(t, "state after DeleteAccount(alice)", got, want)

	// The ID can be signed up again and starts from scratch.
	var isNew bool
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		isNew, err = tx.CreateAccount(ctx, app1, "alice", 2000)
		return
	})
	eq(t, "CreateAccount after delete is new", isNew, true)
	seqs := get(t, s, func(ctx context.Context, tx store.Tx) (store.Seqs, error) { return tx.Seqs(ctx, app1, "alice") })
	eq(t, "Seqs of re-created account", seqs, store.Seqs{})
	lists := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.FriendList, error) {
		return tx.FriendLists(ctx, app1, "alice")
	})
	eq(t, "friend lists of re-created account", lists, nil)
}

func testSeqs(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error { return createAccounts(ctx, tx, app1, "alice", "bob") })
	fresh := get(t, s, func(ctx context.Context, tx store.Tx) (store.Seqs, error) { return tx.Seqs(ctx, app1, "alice") })
	eq(t, "Seqs of new account", fresh, store.Seqs{})

	// Bump each kind a different number of times, across transactions.
	bumps := []struct {
		kind store.SeqKind
		n    int
	}{{store.SeqFriend, 3}, {store.SeqFriendCustom, 1}, {store.SeqBlock, 4}, {store.SeqFriendList, 2}}
	got := map[store.SeqKind][]uint64{}
	for _, b := range bumps {
		for i := 0; i < b.n; i++ {
			var v uint64
			write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
				v, err = tx.BumpSeq(ctx, app1, "alice", b.kind)
				return
			})
			got[b.kind] = append(got[b.kind], v)
		}
	}
	eq(t, "BumpSeq return values", got, map[store.SeqKind][]uint64{
		store.SeqFriend:       {1, 2, 3},
		store.SeqFriendCustom: {1},
		store.SeqBlock:        {1, 2, 3, 4},
		store.SeqFriendList:   {1, 2},
	})
	// Several bumps in one transaction.
	var inOne []uint64
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		inOne = inOne[:0]
		for i := 0; i < 3; i++ {
			v, err := tx.BumpSeq(ctx, app1, "alice", store.SeqFriendCustom)
			if err != nil {
				return err
			}
			inOne = append(inOne, v)
		}
		return nil
	})
	eq(t, "BumpSeq three times in one Write", inOne, []uint64{2, 3, 4})

	seqs := versionSeqs(t, s, "alice", "bob", "nobody")
	seqs["app2/alice"] = get(t, s, func(ctx context.Context, tx store.Tx) (store.Seqs, error) { return tx.Seqs(ctx, app2, "alice") })
	eq(t, "Seqs", seqs, map[string]store.Seqs{
		"alice":      {Friend: 3, FriendCustom: 4, Block: 4, FriendList: 2},
		"bob":        {},
		"nobody":     {},
		"app2/alice": {},
	})

	// Bumping an unknown user neither fails nor creates the account.
	var v uint64
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		v, err = tx.BumpSeq(ctx, app1, "nobody", store.SeqFriend)
		return
	})
	eq(t, "BumpSeq(unknown user)", v, 0)
	exists := get(t, s, func(ctx context.Context, tx store.Tx) (bool, error) { return tx.AccountExists(ctx, app1, "nobody") })
	eq(t, "unknown user exists after BumpSeq", exists, false)

	// An unknown kind is an error, not a silent no-op.
	err := s.Write(t.Context(), func(tx store.Tx) error {
		_, err := tx.BumpSeq(t.Context(), app1, "alice", store.SeqKind(99))
		return err
	})
	if err == nil {
		t.Errorf("BumpSeq(kind 99) succeeded, want error")
	}
}

// versionSeqs reads the version seqs of users of app1, by user.
func versionSeqs(t *testing.T, s store.Store, users ...string) map[string]store.Seqs {
	t.Helper()
	return get(t, s, func(ctx context.Context, tx store.Tx) (map[string]store.Seqs, error) {
		out := map[string]store.Seqs{}
		for _, u := range users {
			sq, err := tx.Seqs(ctx, app1, u)
			if err != nil {
				return nil, err
			}
			out[u] = sq
		}
		return out, nil
	})
}

// AdvanceSeq bumps as BumpSeq does, whether the bumps of one transaction
// are of one user or several, one kind or several, with friend writes
// between them; a read later in the transaction sees them, and so does the
// next transaction. An unknown user is no error and no account; an unknown
// kind is an error.
func testAdvanceSeq(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error { return createAccounts(ctx, tx, app1, "alice", "bob") })
	var inside store.Seqs
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, step := range []func() error{
			func() error {
				return tx.PutFriend(ctx, store.Friend{App: app1, Owner: "alice", Peer: "bob", AddTime: 1})
			},
			func() error { return tx.AdvanceSeq(ctx, app1, "alice", store.SeqFriend) },
			func() error {
				return tx.PutFriend(ctx, store.Friend{App: app1, Owner: "bob", Peer: "alice", AddTime: 1})
			},
			func() error { return tx.AdvanceSeq(ctx, app1, "bob", store.SeqFriend) },
			func() error { return tx.AdvanceSeq(ctx, app1, "alice", store.SeqFriendList) },
			func() error { return tx.AdvanceSeq(ctx, app1, "alice", store.SeqFriend) },
			func() error { return tx.AdvanceSeq(ctx, app1, "nobody", store.SeqFriend) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		var err error
		inside, err = tx.Seqs(ctx, app1, "alice")
		return err
	})
	eq(t, "alice's seqs read in the transaction", inside, store.Seqs{Friend: 2, FriendList: 1})
	eq(t, "seqs after the transaction", versionSeqs(t, s, "alice", "bob", "nobody"), map[string]store.Seqs{
		"alice":  {Friend: 2, FriendList: 1},
		"bob":    {Friend: 1},
		"nobody": {},
	})
	friends := get(t, s, func(ctx context.Context, tx store.Tx) (int, error) {
		n := 0
		for _, p := range [][2]string{{"alice", "bob"}, {"bob", "alice"}} {
			_, ok, err := tx.Friend(ctx, app1, p[0], p[1])
			if err != nil {
				return 0, err
			}
			if ok {
				n++
			}
		}
		return n, nil
	})
	eq(t, "both friend rows stored with the bumps", friends, 2)
	exists := get(t, s, func(ctx context.Context, tx store.Tx) (bool, error) { return tx.AccountExists(ctx, app1, "nobody") })
	eq(t, "unknown user exists after AdvanceSeq", exists, false)
	err := s.Write(t.Context(), func(tx store.Tx) error {
		return tx.AdvanceSeq(t.Context(), app1, "alice", store.SeqKind(99))
	})
	if err == nil {
		t.Errorf("AdvanceSeq(kind 99) succeeded, want error")
	}

	// Advances followed by change-log appends of the same users (an engine
	// may make both in one update of each row): every advance counts once,
	// whether its user has events or not, and the events' seqs are as if
	// apart.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return createAccounts(ctx, tx, app1, "carl", "dora", "eve")
	})
	for round, want := range []map[string]store.Seqs{
		{"carl": {Friend: 1}, "dora": {Friend: 1}, "eve": {Block: 1}},
		{"carl": {Friend: 1, FriendCustom: 1}, "dora": {Friend: 2}, "eve": {Block: 1}},
	} {
		var appended []store.UserEvent
		write(t, s, func(ctx context.Context, tx store.Tx) error {
			steps := []func() error{
				func() error {
					return tx.PutFriend(ctx, store.Friend{App: app1, Owner: "carl", Peer: "dora", AddTime: 1})
				},
				func() error { return tx.AdvanceSeq(ctx, app1, "carl", store.SeqFriend) },
				func() error { return tx.AdvanceSeq(ctx, app1, "dora", store.SeqFriend) },
				func() error { return tx.AdvanceSeq(ctx, app1, "eve", store.SeqBlock) },
			}
			if round == 1 {
				steps = []func() error{
					func() error { return tx.AdvanceSeq(ctx, app1, "carl", store.SeqFriendCustom) },
					func() error { return tx.AdvanceSeq(ctx, app1, "dora", store.SeqFriend) },
				}
			}
			for _, step := range steps {
				if err := step(); err != nil {
					return err
				}
			}
			var err error
			appended, err = tx.AppendUserEvents(ctx, []store.UserEvent{
				{App: app1, User: "carl", Kind: "a", Time: 1},
				{App: app1, User: "dora", Kind: "b", Time: 1},
				{App: app1, User: "carl", Kind: "c", Time: 1},
				{App: app1, User: "ghost", Kind: "d", Time: 1},
			})
			return err
		})
		var seqs []string
		for _, e := range appended {
			seqs = append(seqs, fmt.Sprintf("%s:%d", e.User, e.Seq))
		}
		first := 2 * uint64(round)
		eq(t, fmt.Sprintf("round %d: appended events", round), seqs,
			[]string{fmt.Sprintf("carl:%d", first+1), fmt.Sprintf("dora:%d", uint64(round)+1), fmt.Sprintf("carl:%d", first+2)})
		eq(t, fmt.Sprintf("round %d: seqs after advances and events together", round), versionSeqs(t, s, "carl", "dora", "eve"), want)
	}
	ok := get(t, s, func(ctx context.Context, tx store.Tx) (bool, error) {
		_, ok, err := tx.Friend(ctx, app1, "carl", "dora")
		return ok, err
	})
	eq(t, "the friend row held with the advances is stored", ok, true)
}

// --- profiles --------------------------------------------------------------

func testProfileRoundTrip(t *testing.T, s store.Store) {
	values := map[string]store.Value{
		"Tag_Profile_IM_Nick":       store.StringValue("Alice \"A\" <&> 爱丽丝 😀"),
		"Tag_Profile_IM_Gender":     store.StringValue("Gender_Type_Female"),
		"Tag_Profile_IM_BirthDay":   store.IntValue(19900101),
		"Tag_Profile_IM_Level":      store.IntValue(0), // an int zero is a value, not a deletion
		"Tag_Profile_Custom_Neg":    store.IntValue(-42),
		"Tag_Profile_Custom_Max":    store.IntValue(math.MaxInt64),
		"Tag_Profile_Custom_Min":    store.IntValue(math.MinInt64),
		"Tag_Profile_Custom_NumStr": store.StringValue("12345"), // stays a string
		"Tag_Profile_Custom_JSON":   store.StringValue(`{"a":[1,2]}`),
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return createAccounts(ctx, tx, app1, "alice") },
			func() error { return tx.SetProfileValues(ctx, app1, "alice", values) },
		)
	})
	got := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]map[string]store.Value, error) {
		return tx.ProfileValues(ctx, app1, []string{"alice"}, nil)
	})
	eq(t, "ProfileValues(all tags)", got, map[string]map[string]store.Value{"alice": values})
	for tag, v := range got["alice"] {
		if v.IsInt != values[tag].IsInt {
			t.Errorf("tag %s: IsInt = %v, want %v", tag, v.IsInt, values[tag].IsInt)
		}
	}

	filtered := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]map[string]store.Value, error) {
		return tx.ProfileValues(ctx, app1, []string{"alice"}, []string{"Tag_Profile_IM_Nick", "Tag_Profile_IM_Level", "Tag_Profile_IM_Missing"})
	})
	eq(t, "ProfileValues(filtered tags)", filtered, map[string]map[string]store.Value{"alice": {
		"Tag_Profile_IM_Nick":  values["Tag_Profile_IM_Nick"],
		"Tag_Profile_IM_Level": store.IntValue(0),
	}})

	none := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]map[string]store.Value, error) {
		return tx.ProfileValues(ctx, app1, []string{"alice"}, []string{"Tag_Profile_IM_Missing"})
	})
	eq(t, "ProfileValues(only unknown tags)", none, map[string]map[string]store.Value{})
	noUsers := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]map[string]store.Value, error) {
		return tx.ProfileValues(ctx, app1, nil, nil)
	})
	eq(t, "ProfileValues(no users)", noUsers, map[string]map[string]store.Value{})
}

func testProfileUpdate(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return createAccounts(ctx, tx, app1, "alice", "bob", "carol") },
			func() error {
				return tx.SetProfileValues(ctx, app1, "alice", map[string]store.Value{
					"Nick": store.StringValue("Alice"), "Age": store.IntValue(30), "Sign": store.StringValue("hi"), "Kind": store.IntValue(1),
				})
			},
			func() error {
				return tx.SetProfileValues(ctx, app1, "bob", map[string]store.Value{"Nick": store.StringValue("Bob"), "Age": store.IntValue(40)})
			},
		)
	})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.SetProfileValues(ctx, app1, "alice", map[string]store.Value{
			"Nick":    store.StringValue("Alicia"), // overwrite
			"Age":     {},                          // zero value deletes
			"Sign":    store.StringValue(""),       // empty string is the zero value too
			"Kind":    store.StringValue("one"),    // kind changes from int to string
			"Missing": {},                          // deleting an absent tag is fine
			"Level":   store.IntValue(7),           // new tag
		})
	})
	got := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]map[string]store.Value, error) {
		return tx.ProfileValues(ctx, app1, []string{"alice", "bob", "carol", "nobody"}, nil)
	})
	eq(t, "ProfileValues after update", got, map[string]map[string]store.Value{
		"alice": {"Nick": store.StringValue("Alicia"), "Kind": store.StringValue("one"), "Level": store.IntValue(7)},
		"bob":   {"Nick": store.StringValue("Bob"), "Age": store.IntValue(40)},
	})
	tagged := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]map[string]store.Value, error) {
		return tx.ProfileValues(ctx, app1, []string{"alice", "bob", "carol"}, []string{"Age"})
	})
	eq(t, "ProfileValues(Age) after update", tagged, map[string]map[string]store.Value{
		"bob": {"Age": store.IntValue(40)},
	})
}

func testProfileManyUsers(t *testing.T, s store.Store) {
	users := ids("u", 450) // more than one 200-user chunk
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		for i, u := range users {
			v := map[string]store.Value{"N": store.IntValue(int64(i)), "S": store.StringValue(u)}
			if err := tx.SetProfileValues(ctx, app1, u, v); err != nil {
				return err
			}
		}
		return nil
	})
	want := map[string]map[string]store.Value{}
	for i, u := range users {
		want[u] = map[string]store.Value{"N": store.IntValue(int64(i))}
	}
	got := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]map[string]store.Value, error) {
		return tx.ProfileValues(ctx, app1, append(users, "nobody"), []string{"N"})
	})
	eq(t, "ProfileValues(450 users, tag N)", got, want)
	everything := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]map[string]store.Value, error) {
		return tx.ProfileValues(ctx, app1, users, nil)
	})
	if len(everything) != 450 || len(everything[users[449]]) != 2 || everything[users[449]]["S"] != store.StringValue(users[449]) {
		t.Errorf("ProfileValues(450 users, all tags): %d users, last = %+v", len(everything), everything[users[449]])
	}
}

// --- friends ---------------------------------------------------------------

func testFriendPutGet(t *testing.T, s store.Store) {
	f := store.Friend{
		App: app1, Owner: "alice", Peer: "bob",
		Remark:     "Bobby",
		Groups:     []string{"zeta", "alpha", "mid"},
		AddSource:  "AddSource_Type_Android",
		AddWording: "hi, it's me",
		AddTime:    1700000000,
		RemarkTime: 1700000100,
		Custom: map[string]store.Value{
			"Tag_SNS_Custom_Str":    store.StringValue("x"),
			"Tag_SNS_Custom_Int":    store.IntValue(7),
			"Tag_SNS_Custom_Zero":   store.IntValue(0),
			"Tag_SNS_Custom_NumStr": store.StringValue("8"),
		},
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return createAccounts(ctx, tx, app1, "alice", "bob") },
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "zeta", 1) },
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "alpha", 2) },
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "mid", 3) },
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "beta", 4) },
			func() error { return tx.PutFriend(ctx, f) },
		)
	})
	type lookup struct {
		F     store.Friend
		Found bool
	}
	find := func(owner, peer string) lookup {
		t.Helper()
		return get(t, s, func(ctx context.Context, tx store.Tx) (l lookup, err error) {
			l.F, l.Found, err = tx.Friend(ctx, app1, owner, peer)
			return
		})
	}
	want := f
	want.Groups = []string{"alpha", "mid", "zeta"}
	eq(t, "Friend(alice, bob)", find("alice", "bob"), lookup{want, true})
	got := find("alice", "bob")
	for tag, v := range got.F.Custom {
		if v.IsInt != f.Custom[tag].IsInt {
			t.Errorf("custom %s: IsInt = %v, want %v", tag, v.IsInt, f.Custom[tag].IsInt)
		}
	}
	eq(t, "Friend(bob, alice) (one direction only)", find("bob", "alice"), lookup{})
	eq(t, "Friend(alice, nobody)", find("alice", "nobody"), lookup{})

	// Put replaces every field, and Groups replaces membership.
	f2 := store.Friend{App: app1, Owner: "alice", Peer: "bob", Remark: "B", Groups: []string{"beta"}, AddSource: "AddSource_Type_Web",
		AddTime: 1700000000, RemarkTime: 1700000200, Custom: map[string]store.Value{"Tag_SNS_Custom_Int": store.IntValue(8)}}
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutFriend(ctx, f2) })
	eq(t, "Friend after second Put", find("alice", "bob"), lookup{f2, true})
	lists := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.FriendList, error) {
		return tx.FriendLists(ctx, app1, "alice")
	})
	eq(t, "FriendLists after second Put", lists, []store.FriendList{
		{Name: "zeta", CreatedAt: 1}, {Name: "alpha", CreatedAt: 2}, {Name: "mid", CreatedAt: 3},
		{Name: "beta", CreatedAt: 4, Members: []string{"bob"}},
	})

	// No groups and no custom fields.
	f3 := store.Friend{App: app1, Owner: "alice", Peer: "bob", AddTime: 5}
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutFriend(ctx, f3) })
	eq(t, "Friend after third Put", find("alice", "bob"), lookup{f3, true})
	count := get(t, s, func(ctx context.Context, tx store.Tx) (int, error) { return tx.CountFriends(ctx, app1, "alice") })
	eq(t, "CountFriends after three Puts of one peer", count, 1)

	// Puts of several rows in one write (held and sent together where the
	// engine holds writes for the next statement): each row as put, each
	// one's memberships cleared, the seq bumps that carry them applied.
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutFriend(ctx, f2) })
	f4 := store.Friend{App: app1, Owner: "alice", Peer: "bob", Remark: "again", AddSource: "AddSource_Type_Mac", AddWording: "w",
		AddTime: 6, RemarkTime: 7, Custom: map[string]store.Value{"Tag_SNS_Custom_Str": store.StringValue("y")}}
	back := store.Friend{App: app1, Owner: "bob", Peer: "alice", AddSource: "AddSource_Type_Mac", AddTime: 6}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return tx.PutFriend(ctx, f4) },
			func() error { return tx.PutFriend(ctx, back) },
			func() error { return tx.AdvanceSeq(ctx, app1, "alice", store.SeqFriend) },
			func() error { return tx.AdvanceSeq(ctx, app1, "bob", store.SeqFriend) },
		)
	})
	eq(t, "Friend(alice, bob) put with another row", find("alice", "bob"), lookup{f4, true})
	eq(t, "Friend(bob, alice) put with another row", find("bob", "alice"), lookup{back, true})
	lists = get(t, s, func(ctx context.Context, tx store.Tx) ([]store.FriendList, error) {
		return tx.FriendLists(ctx, app1, "alice")
	})
	eq(t, "alice's list beta after a put without lists", lists[3], store.FriendList{Name: "beta", CreatedAt: 4})
	for _, u := range []string{"alice", "bob"} {
		seqs := get(t, s, func(ctx context.Context, tx store.Tx) (store.Seqs, error) { return tx.Seqs(ctx, app1, u) })
		eq(t, u+"'s seqs after the bump that went with the puts", seqs, store.Seqs{Friend: 1})
	}
}

// testFriendCounts follows the friend count (the friend limit's input)
// through every kind of write of a user's friends, each time against the
// friends actually listed: new rows count, rewritten ones do not, deletes
// of rows there and not there, an account deleted on either side of
// friendships, and counts asked inside the write that changed them.
func testFriendCounts(t *testing.T, s store.Store) {
	users := []string{"alice", "bob", "carol", "dave"}
	// counts are the users' friend counts, each checked against the
	// friends listed.
	counts := func(what string) []int {
		t.Helper()
		type pair struct{ Counted, Listed int }
		got := get(t, s, func(ctx context.Context, tx store.Tx) ([]pair, error) {
			var out []pair
			for _, u := range users {
				n, err := tx.CountFriends(ctx, app1, u)
				if err != nil {
					return nil, err
				}
				list, err := tx.ListFriends(ctx, app1, u, 0, 100)
				if err != nil {
					return nil, err
				}
				out = append(out, pair{n, len(list)})
			}
			return out, nil
		})
		var out []int
		for i, u := range users {
			if got[i].Counted != got[i].Listed {
				t.Errorf("%s: %s counted %d friends, lists %d", what, u, got[i].Counted, got[i].Listed)
			}
			out = append(out, got[i].Counted)
		}
		return out
	}
	friend := func(owner, peer string, groups ...string) store.Friend {
		return store.Friend{App: app1, Owner: owner, Peer: peer, AddTime: 1, Groups: groups}
	}
	var inside []int
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return createAccounts(ctx, tx, app1, users...) },
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "team", 1) },
			// Several rows of one owner and of both sides in one write, one
			// with a list (the engine's other statement), one twice.
			func() error {
				return putFriends(ctx, tx, friend("alice", "bob"), friend("alice", "carol", "team"), friend("alice", "dave"),
					friend("bob", "alice"), friend("carol", "alice"))
			},
			func() error { return tx.PutFriend(ctx, friend("alice", "bob")) },
			func() error { return tx.AdvanceSeq(ctx, app1, "alice", store.SeqFriend) },
			func() error {
				for _, u := range []string{"alice", "bob"} {
					n, err := tx.CountFriends(ctx, app1, u)
					if err != nil {
						return err
					}
					inside = append(inside, n)
				}
				return nil
			},
		)
	})
	eq(t, "alice's and bob's counts inside the write that added them", inside, []int{3, 1})
	eq(t, "counts after the first puts", counts("after the first puts"), []int{3, 1, 1, 0})

	// Rewriting a friend (a remark, lists) counts nothing.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return putFriends(ctx, tx, friend("alice", "carol"), friend("alice", "dave", "team"))
	})
	eq(t, "counts after rewrites", counts("after rewrites"), []int{3, 1, 1, 0})

	// A delete counts the row it removed, and one of a row not there
	// nothing; a delete and a put in one write both count.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { _, err := tx.DeleteFriend(ctx, app1, "alice", "dave"); return err },
			func() error { _, err := tx.DeleteFriend(ctx, app1, "alice", "dave"); return err },
			func() error { _, err := tx.DeleteFriend(ctx, app1, "dave", "alice"); return err },
			func() error { return tx.PutFriend(ctx, friend("dave", "bob")) },
		)
	})
	eq(t, "counts after deletes", counts("after deletes"), []int{2, 1, 1, 1})

	// bob's account goes: alice and dave lose a friend, bob's count goes
	// with him and does not come back with a new account of that name.
	write(t, s, func(ctx context.Context, tx store.Tx) error { _, err := tx.DeleteAccount(ctx, app1, "bob"); return err })
	write(t, s, func(ctx context.Context, tx store.Tx) error { return createAccounts(ctx, tx, app1, "bob") })
	eq(t, "counts after bob's account was deleted", counts("after an account's deletion"), []int{1, 0, 1, 0})
}

func testListFriends(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "g1", 1) },
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "g2", 2) },
			func() error {
				return putFriends(ctx, tx,
					store.Friend{App: app1, Owner: "alice", Peer: "p3", AddTime: 100},
					store.Friend{App: app1, Owner: "alice", Peer: "p1", AddTime: 200, Groups: []string{"g2", "g1"}},
					store.Friend{App: app1, Owner: "alice", Peer: "p2", AddTime: 100, Remark: "two", Groups: []string{"g1"}},
					store.Friend{App: app1, Owner: "alice", Peer: "p0", AddTime: 300, Custom: map[string]store.Value{"Tag_SNS_Custom_X": store.IntValue(1)}},
					store.Friend{App: app1, Owner: "bob", Peer: "p9", AddTime: 1},
					store.Friend{App: app1, Owner: "p1", Peer: "alice", AddTime: 1},
				)
			},
		)
	})
	p2 := store.Friend{App: app1, Owner: "alice", Peer: "p2", AddTime: 100, Remark: "two", Groups: []string{"g1"}}
	p3 := store.Friend{App: app1, Owner: "alice", Peer: "p3", AddTime: 100}
	p1 := store.Friend{App: app1, Owner: "alice", Peer: "p1", AddTime: 200, Groups: []string{"g1", "g2"}}
	p0 := store.Friend{App: app1, Owner: "alice", Peer: "p0", AddTime: 300, Custom: map[string]store.Value{"Tag_SNS_Custom_X": store.IntValue(1)}}
	page := func(offset, limit int) []store.Friend {
		t.Helper()
		return get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Friend, error) {
			return tx.ListFriends(ctx, app1, "alice", offset, limit)
		})
	}
	eq(t, "ListFriends(0, 100)", page(0, 100), []store.Friend{p2, p3, p1, p0})
	eq(t, "ListFriends(0, 2)", page(0, 2), []store.Friend{p2, p3})
	eq(t, "ListFriends(2, 2)", page(2, 2), []store.Friend{p1, p0})
	eq(t, "ListFriends(1, 2)", page(1, 2), []store.Friend{p3, p1})
	eq(t, "ListFriends(3, 5)", page(3, 5), []store.Friend{p0})
	eq(t, "ListFriends(4, 2)", page(4, 2), nil)
	eq(t, "ListFriends(nobody)", get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Friend, error) {
		return tx.ListFriends(ctx, app1, "nobody", 0, 10)
	}), nil)

	counts := get(t, s, func(ctx context.Context, tx store.Tx) ([]int, error) {
		var out []int
		for _, u := range []string{"alice", "bob", "p1", "nobody"} {
			n, err := tx.CountFriends(ctx, app1, u)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, nil
	})
	eq(t, "CountFriends alice, bob, p1, nobody", counts, []int{4, 1, 1, 0})
}

// testListFriendsManyGroups lists more friends at once than fit in one small
// IN list, each with its own membership.
func testListFriendsManyGroups(t *testing.T, s store.Store) {
	peers := ids("peer", 40)
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, g := range []string{"even", "odd", "third"} {
			if err := tx.CreateFriendList(ctx, app1, "alice", g, 1); err != nil {
				return err
			}
		}
		for i, p := range peers {
			f := store.Friend{App: app1, Owner: "alice", Peer: p, AddTime: int64(1000 - i)} // reverse add order
			if i%2 == 0 {
				f.Groups = append(f.Groups, "even")
			} else {
				f.Groups = append(f.Groups, "odd")
			}
			if i%3 == 0 {
				f.Groups = append(f.Groups, "third")
			}
			if err := tx.PutFriend(ctx, f); err != nil {
				return err
			}
		}
		return nil
	})
	var want []store.Friend
	for i := len(peers) - 1; i >= 0; i-- {
		f := store.Friend{App: app1, Owner: "alice", Peer: peers[i], AddTime: int64(1000 - i)}
		if i%2 == 0 {
			f.Groups = append(f.Groups, "even")
		} else {
			f.Groups = append(f.Groups, "odd")
		}
		if i%3 == 0 {
			f.Groups = append(f.Groups, "third")
		}
		want = append(want, f)
	}
	got := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Friend, error) {
		return tx.ListFriends(ctx, app1, "alice", 0, 100)
	})
	eq(t, "ListFriends(40 friends)", got, want)
	got = get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Friend, error) {
		return tx.ListFriends(ctx, app1, "alice", 5, 20)
	})
	eq(t, "ListFriends(offset 5, 20 of 40 friends)", got, want[5:25])
}

func testFriendsAmong(t *testing.T, s store.Store) {
	many := ids("fan", 1100)
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := putFriends(ctx, tx,
			store.Friend{App: app1, Owner: "alice", Peer: "bob"},
			store.Friend{App: app1, Owner: "carol", Peer: "alice"},
			store.Friend{App: app1, Owner: "alice", Peer: "dave"},
			store.Friend{App: app1, Owner: "dave", Peer: "alice"},
			store.Friend{App: app1, Owner: "bob", Peer: "carol"},
		); err != nil {
			return err
		}
		// alice has every other fan as a friend; every third fan has alice.
		for i, p := range many {
			if i%2 == 0 {
				if err := tx.PutFriend(ctx, store.Friend{App: app1, Owner: "alice", Peer: p}); err != nil {
					return err
				}
			}
			if i%3 == 0 {
				if err := tx.PutFriend(ctx, store.Friend{App: app1, Owner: p, Peer: "alice"}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	people := []string{"alice", "bob", "carol", "dave", "eve"}
	type among struct{ FriendsOfAlice, HaveAlice, BobsFriends, HaveBob map[string]bool }
	got := get(t, s, func(ctx context.Context, tx store.Tx) (a among, err error) {
		err = all(
			func() (err error) { a.FriendsOfAlice, err = tx.FriendsAmong(ctx, app1, "alice", people); return },
			func() (err error) { a.HaveAlice, err = tx.FriendOfAmong(ctx, app1, "alice", people); return },
			func() (err error) { a.BobsFriends, err = tx.FriendsAmong(ctx, app1, "bob", people); return },
			func() (err error) { a.HaveBob, err = tx.FriendOfAmong(ctx, app1, "bob", people); return },
		)
		return
	})
	eq(t, "Among", got, among{
		FriendsOfAlice: set("bob", "dave"),
		HaveAlice:      set("carol", "dave"),
		BobsFriends:    set("carol"),
		HaveBob:        set("alice"),
	})

	var wantFriends, wantFans []string
	for i, p := range many {
		if i%2 == 0 {
			wantFriends = append(wantFriends, p)
		}
		if i%3 == 0 {
			wantFans = append(wantFans, p)
		}
	}
	query := append(append([]string{}, many...), "bob", "carol", "nobody")
	bigFriends := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]bool, error) {
		return tx.FriendsAmong(ctx, app1, "alice", query)
	})
	eq(t, "FriendsAmong(1103 peers)", bigFriends, set(append(wantFriends, "bob")...))
	bigFans := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]bool, error) {
		return tx.FriendOfAmong(ctx, app1, "alice", query)
	})
	eq(t, "FriendOfAmong(1103 peers)", bigFans, set(append(wantFans, "carol")...))
	empty := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]bool, error) {
		return tx.FriendsAmong(ctx, app1, "alice", nil)
	})
	eq(t, "FriendsAmong(no peers)", empty, map[string]bool{})
	count := get(t, s, func(ctx context.Context, tx store.Tx) (int, error) { return tx.CountFriends(ctx, app1, "alice") })
	eq(t, "CountFriends(alice)", count, 2+550)
}

func testDeleteFriend(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "work", 1) },
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "home", 2) },
			func() error { return tx.CreateFriendList(ctx, app1, "bob", "work", 1) },
			func() error {
				return putFriends(ctx, tx,
					store.Friend{App: app1, Owner: "alice", Peer: "bob", Groups: []string{"work", "home"}},
					store.Friend{App: app1, Owner: "alice", Peer: "carol", Groups: []string{"work"}},
					store.Friend{App: app1, Owner: "bob", Peer: "alice", Groups: []string{"work"}},
				)
			},
		)
	})
	var first, second, unknown bool
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		first, err = tx.DeleteFriend(ctx, app1, "alice", "bob")
		return
	})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() (err error) { second, err = tx.DeleteFriend(ctx, app1, "alice", "bob"); return },
			func() (err error) { unknown, err = tx.DeleteFriend(ctx, app1, "alice", "nobody"); return },
		)
	})
	eq(t, "DeleteFriend", []bool{first, second, unknown}, []bool{true, false, false})

	type state struct {
		AliceLists, BobLists []store.FriendList
		BobHasAlice          bool
		AliceFriends         map[string]bool
	}
	got := get(t, s, func(ctx context.Context, tx store.Tx) (st state, err error) {
		err = all(
			func() (err error) { st.AliceLists, err = tx.FriendLists(ctx, app1, "alice"); return },
			func() (err error) { st.BobLists, err = tx.FriendLists(ctx, app1, "bob"); return },
			func() (err error) { _, st.BobHasAlice, err = tx.Friend(ctx, app1, "bob", "alice"); return },
			func() (err error) {
				st.AliceFriends, err = tx.FriendsAmong(ctx, app1, "alice", []string{"bob", "carol"})
				return
			},
		)
		return
	})
	eq(t, "after DeleteFriend(alice, bob)", got, state{
		AliceLists:   []store.FriendList{{Name: "work", CreatedAt: 1, Members: []string{"carol"}}, {Name: "home", CreatedAt: 2}},
		BobLists:     []store.FriendList{{Name: "work", CreatedAt: 1, Members: []string{"alice"}}},
		BobHasAlice:  true,
		AliceFriends: set("carol"),
	})

	// Adding bob back without groups must not resurrect the old membership.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.PutFriend(ctx, store.Friend{App: app1, Owner: "alice", Peer: "bob", AddTime: 9})
	})
	f := get(t, s, func(ctx context.Context, tx store.Tx) (store.Friend, error) {
		f, _, err := tx.Friend(ctx, app1, "alice", "bob")
		return f, err
	})
	eq(t, "re-added friend", f, store.Friend{App: app1, Owner: "alice", Peer: "bob", AddTime: 9})
}

// --- friend requests -------------------------------------------------------

func testFriendRequestPut(t *testing.T, s store.Store) {
	r := store.FriendRequest{App: app1, From: "alice", To: "bob", AddSource: "AddSource_Type_iOS", AddWording: "let's be friends",
		Remark: "Bobby", GroupName: "work", AddType: "Add_Type_Both", CreatedAt: 1700000000}
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutFriendRequest(ctx, r) })
	type lookup struct {
		R     store.FriendRequest
		Found bool
	}
	find := func(from, to string) lookup {
		t.Helper()
		return get(t, s, func(ctx context.Context, tx store.Tx) (l lookup, err error) {
			l.R, l.Found, err = tx.FriendRequest(ctx, app1, from, to)
			return
		})
	}
	eq(t, "FriendRequest(alice, bob)", find("alice", "bob"), lookup{r, true})
	eq(t, "FriendRequest(bob, alice)", find("bob", "alice"), lookup{})

	// A second request for the same pair replaces the first, read flag included.
	r2 := store.FriendRequest{App: app1, From: "alice", To: "bob", AddSource: "AddSource_Type_Web", AddWording: "again",
		AddType: "Add_Type_Single", CreatedAt: 1700000500, Read: true}
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutFriendRequest(ctx, r2) })
	eq(t, "FriendRequest after replace", find("alice", "bob"), lookup{r2, true})
	r3 := r2
	r3.Read = false
	r3.CreatedAt++
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutFriendRequest(ctx, r3) })
	eq(t, "FriendRequest after replace with unread", find("alice", "bob"), lookup{r3, true})
	n := get(t, s, func(ctx context.Context, tx store.Tx) (int, error) { return tx.CountSentRequests(ctx, app1, "alice") })
	eq(t, "CountSentRequests after replace", n, 1)
}

func testFriendRequestList(t *testing.T, s store.Store) {
	req := func(from, to string, at int64) store.FriendRequest {
		return store.FriendRequest{App: app1, From: from, To: to, AddWording: from + "->" + to, AddType: "Add_Type_Both", CreatedAt: at}
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return putRequests(ctx, tx,
			req("alice", "bob", 100), req("carol", "bob", 300), req("dave", "bob", 200),
			req("bob", "eve", 250), req("bob", "frank", 50), req("bob", "gina", 400),
			req("alice", "eve", 10),
		)
	})
	type lists struct {
		BobIn, BobOut, AliceIn, AliceOut []store.FriendRequest
		BobInNewest2                     []store.FriendRequest
		SentBob, SentAlice, SentEve      int
	}
	got := get(t, s, func(ctx context.Context, tx store.Tx) (l lists, err error) {
		err = all(
			func() (err error) { l.BobIn, err = tx.ListFriendRequests(ctx, app1, "bob", true, 0); return },
			func() (err error) { l.BobOut, err = tx.ListFriendRequests(ctx, app1, "bob", false, 0); return },
			func() (err error) { l.AliceIn, err = tx.ListFriendRequests(ctx, app1, "alice", true, 0); return },
			func() (err error) { l.AliceOut, err = tx.ListFriendRequests(ctx, app1, "alice", false, 0); return },
			func() (err error) { l.BobInNewest2, err = tx.ListFriendRequests(ctx, app1, "bob", true, 2); return },
			func() (err error) { l.SentBob, err = tx.CountSentRequests(ctx, app1, "bob"); return },
			func() (err error) { l.SentAlice, err = tx.CountSentRequests(ctx, app1, "alice"); return },
			func() (err error) { l.SentEve, err = tx.CountSentRequests(ctx, app1, "eve"); return },
		)
		return
	})
	eq(t, "request lists", got, lists{
		BobIn:        []store.FriendRequest{req("carol", "bob", 300), req("dave", "bob", 200), req("alice", "bob", 100)},
		BobOut:       []store.FriendRequest{req("bob", "gina", 400), req("bob", "eve", 250), req("bob", "frank", 50)},
		AliceOut:     []store.FriendRequest{req("alice", "bob", 100), req("alice", "eve", 10)},
		BobInNewest2: []store.FriendRequest{req("carol", "bob", 300), req("dave", "bob", 200)},
		SentBob:      3,
		SentAlice:    2,
	})
}

func testFriendRequestMarkRead(t *testing.T, s store.Store) {
	req := func(from, to string, at int64) store.FriendRequest {
		return store.FriendRequest{App: app1, From: from, To: to, CreatedAt: at}
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return putRequests(ctx, tx, req("alice", "bob", 1), req("carol", "bob", 2), req("bob", "dave", 3), req("alice", "eve", 4))
	})
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.MarkFriendRequestsRead(ctx, app1, "bob") })
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.MarkFriendRequestsRead(ctx, app2, "eve") })
	read := func(r store.FriendRequest) store.FriendRequest { r.Read = true; return r }
	got := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.FriendRequest, error) {
		var out []store.FriendRequest
		for _, p := range [][2]string{{"alice", "bob"}, {"carol", "bob"}, {"bob", "dave"}, {"alice", "eve"}} {
			r, _, err := tx.FriendRequest(ctx, app1, p[0], p[1])
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	})
	eq(t, "requests after MarkFriendRequestsRead(bob)", got, []store.FriendRequest{
		read(req("alice", "bob", 1)), read(req("carol", "bob", 2)), req("bob", "dave", 3), req("alice", "eve", 4),
	})
	// Marking again is harmless.
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.MarkFriendRequestsRead(ctx, app1, "bob") })
	in := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.FriendRequest, error) {
		return tx.ListFriendRequests(ctx, app1, "bob", true, 0)
	})
	eq(t, "incoming after second mark", in, []store.FriendRequest{read(req("carol", "bob", 2)), read(req("alice", "bob", 1))})
}

func testFriendRequestDelete(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return putRequests(ctx, tx,
			store.FriendRequest{App: app1, From: "alice", To: "bob", CreatedAt: 1},
			store.FriendRequest{App: app1, From: "bob", To: "alice", CreatedAt: 2},
		)
	})
	var first, second, reversed bool
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		first, err = tx.DeleteFriendRequest(ctx, app1, "alice", "bob")
		return
	})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() (err error) { second, err = tx.DeleteFriendRequest(ctx, app1, "alice", "bob"); return },
			func() (err error) { reversed, err = tx.DeleteFriendRequest(ctx, app1, "carol", "alice"); return },
		)
	})
	eq(t, "DeleteFriendRequest", []bool{first, second, reversed}, []bool{true, false, false})
	type state struct {
		AliceBob, BobAlice bool
		SentAlice, SentBob int
	}
	got := get(t, s, func(ctx context.Context, tx store.Tx) (st state, err error) {
		err = all(
			func() (err error) { _, st.AliceBob, err = tx.FriendRequest(ctx, app1, "alice", "bob"); return },
			func() (err error) { _, st.BobAlice, err = tx.FriendRequest(ctx, app1, "bob", "alice"); return },
			func() (err error) { st.SentAlice, err = tx.CountSentRequests(ctx, app1, "alice"); return },
			func() (err error) { st.SentBob, err = tx.CountSentRequests(ctx, app1, "bob"); return },
		)
		return
	})
	eq(t, "after DeleteFriendRequest(alice, bob)", got, state{BobAlice: true, SentBob: 1})
}

// --- blocklist -------------------------------------------------------------

func testBlockedAmong(t *testing.T, s store.Store) {
	many := ids("spam", 700)
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := addBlocks(ctx, tx,
			store.Block{App: app1, Owner: "alice", Peer: "bob", AddedAt: 1},
			store.Block{App: app1, Owner: "alice", Peer: "carol", AddedAt: 1},
			store.Block{App: app1, Owner: "dave", Peer: "alice", AddedAt: 1},
			store.Block{App: app1, Owner: "carol", Peer: "alice", AddedAt: 1},
		); err != nil {
			return err
		}
		for i, p := range many {
			if i%2 == 1 {
				if err := tx.AddBlock(ctx, store.Block{App: app1, Owner: "alice", Peer: p, AddedAt: 2}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	people := []string{"alice", "bob", "carol", "dave", "eve"}
	type among struct{ AliceBlocked, BlockedAlice, BobBlocked, BlockedBob map[string]bool }
	got := get(t, s, func(ctx context.Context, tx store.Tx) (a among, err error) {
		err = all(
			func() (err error) { a.AliceBlocked, err = tx.BlockedAmong(ctx, app1, "alice", people); return },
			func() (err error) { a.BlockedAlice, err = tx.BlockedByAmong(ctx, app1, "alice", people); return },
			func() (err error) { a.BobBlocked, err = tx.BlockedAmong(ctx, app1, "bob", people); return },
			func() (err error) { a.BlockedBob, err = tx.BlockedByAmong(ctx, app1, "bob", people); return },
		)
		return
	})
	eq(t, "blocked among", got, among{
		AliceBlocked: set("bob", "carol"),
		BlockedAlice: set("dave", "carol"),
		BlockedBob:   set("alice"),
	})
	var want []string
	for i, p := range many {
		if i%2 == 1 {
			want = append(want, p)
		}
	}
	big := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]bool, error) {
		return tx.BlockedAmong(ctx, app1, "alice", append(append([]string{}, many...), "bob"))
	})
	eq(t, "BlockedAmong(701 peers)", big, set(append(want, "bob")...))
}

func testBlocklist(t *testing.T, s store.Store) {
	b := func(peer string, at int64) store.Block {
		return store.Block{App: app1, Owner: "alice", Peer: peer, AddedAt: at}
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return addBlocks(ctx, tx, b("dave", 10), b("bob", 10), b("carol", 5), b("eve", 20),
			store.Block{App: app1, Owner: "bob", Peer: "alice", AddedAt: 1})
	})
	// Adding an existing entry again changes nothing, not even its time.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return addBlocks(ctx, tx, b("carol", 99), b("carol", 100))
	})
	page := func(offset, limit int) []store.Block {
		t.Helper()
		return get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Block, error) {
			return tx.ListBlocked(ctx, app1, "alice", offset, limit)
		})
	}
	eq(t, "ListBlocked(0, 10)", page(0, 10), []store.Block{b("carol", 5), b("bob", 10), b("dave", 10), b("eve", 20)})
	eq(t, "ListBlocked(1, 2)", page(1, 2), []store.Block{b("bob", 10), b("dave", 10)})
	eq(t, "ListBlocked(3, 2)", page(3, 2), []store.Block{b("eve", 20)})
	eq(t, "ListBlocked(4, 2)", page(4, 2), nil)
	counts := get(t, s, func(ctx context.Context, tx store.Tx) ([]int, error) {
		var out []int
		for _, u := range []string{"alice", "bob", "carol"} {
			n, err := tx.CountBlocked(ctx, app1, u)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, nil
	})
	eq(t, "CountBlocked alice, bob, carol", counts, []int{4, 1, 0})

	var first, second, wrongWay bool
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		first, err = tx.DeleteBlock(ctx, app1, "alice", "bob")
		return
	})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() (err error) { second, err = tx.DeleteBlock(ctx, app1, "alice", "bob"); return },
			func() (err error) { wrongWay, err = tx.DeleteBlock(ctx, app1, "carol", "alice"); return },
		)
	})
	eq(t, "DeleteBlock", []bool{first, second, wrongWay}, []bool{true, false, false})
	eq(t, "ListBlocked after delete", page(0, 10), []store.Block{b("carol", 5), b("dave", 10), b("eve", 20)})
	bobs := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.Block, error) {
		return tx.ListBlocked(ctx, app1, "bob", 0, 10)
	})
	eq(t, "bob's blocklist untouched", bobs, []store.Block{{App: app1, Owner: "bob", Peer: "alice", AddedAt: 1}})
}

// --- friend lists ----------------------------------------------------------

func testFriendListCreate(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "b", 100) },
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "a", 200) },
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "c", 150) },
			func() error { return tx.CreateFriendList(ctx, app1, "bob", "a", 1) },
		)
	})
	// Creating an existing list again changes nothing.
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.CreateFriendList(ctx, app1, "alice", "b", 999) })
	lists := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.FriendList, error) {
		return tx.FriendLists(ctx, app1, "alice")
	})
	eq(t, "FriendLists(alice)", lists, []store.FriendList{{Name: "b", CreatedAt: 100}, {Name: "c", CreatedAt: 150}, {Name: "a", CreatedAt: 200}})
	none := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.FriendList, error) {
		return tx.FriendLists(ctx, app1, "carol")
	})
	eq(t, "FriendLists(carol)", none, nil)
}

func testFriendListMembers(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "work", 1) },
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "home", 2) },
			func() error { return tx.AddToFriendList(ctx, app1, "alice", "work", []string{"zed", "bob"}) },
		)
	})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return tx.AddToFriendList(ctx, app1, "alice", "work", []string{"bob", "carol"}) }, // bob again
			func() error { return tx.AddToFriendList(ctx, app1, "alice", "home", []string{"bob"}) },
			func() error { return tx.AddToFriendList(ctx, app1, "alice", "home", nil) },
		)
	})
	lists := func() []store.FriendList {
		t.Helper()
		return get(t, s, func(ctx context.Context, tx store.Tx) ([]store.FriendList, error) {
			return tx.FriendLists(ctx, app1, "alice")
		})
	}
	eq(t, "lists after adds", lists(), []store.FriendList{
		{Name: "work", CreatedAt: 1, Members: []string{"bob", "carol", "zed"}},
		{Name: "home", CreatedAt: 2, Members: []string{"bob"}},
	})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.RemoveFromFriendList(ctx, app1, "alice", "work", []string{"bob", "nobody"})
	})
	eq(t, "lists after remove", lists(), []store.FriendList{
		{Name: "work", CreatedAt: 1, Members: []string{"carol", "zed"}},
		{Name: "home", CreatedAt: 2, Members: []string{"bob"}},
	})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.RemoveFromFriendList(ctx, app1, "alice", "home", []string{"bob"})
	})
	eq(t, "lists after emptying home", lists(), []store.FriendList{
		{Name: "work", CreatedAt: 1, Members: []string{"carol", "zed"}},
		{Name: "home", CreatedAt: 2},
	})
}

func testFriendListRename(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "old", 1) },
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "other", 2) },
			func() error { return tx.CreateFriendList(ctx, app1, "bob", "old", 1) },
			func() error {
				return putFriends(ctx, tx,
					store.Friend{App: app1, Owner: "alice", Peer: "carol", Groups: []string{"old", "other"}},
					store.Friend{App: app1, Owner: "alice", Peer: "dave", Groups: []string{"old"}},
					store.Friend{App: app1, Owner: "bob", Peer: "carol", Groups: []string{"old"}},
				)
			},
		)
	})
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.RenameFriendList(ctx, app1, "alice", "old", "new")
	})
	type state struct {
		Alice, Bob []store.FriendList
		Carol      store.Friend
	}
	got := get(t, s, func(ctx context.Context, tx store.Tx) (st state, err error) {
		err = all(
			func() (err error) { st.Alice, err = tx.FriendLists(ctx, app1, "alice"); return },
			func() (err error) { st.Bob, err = tx.FriendLists(ctx, app1, "bob"); return },
			func() (err error) { st.Carol, _, err = tx.Friend(ctx, app1, "alice", "carol"); return },
		)
		return
	})
	eq(t, "after rename", got, state{
		Alice: []store.FriendList{
			{Name: "new", CreatedAt: 1, Members: []string{"carol", "dave"}},
			{Name: "other", CreatedAt: 2, Members: []string{"carol"}},
		},
		Bob:   []store.FriendList{{Name: "old", CreatedAt: 1, Members: []string{"carol"}}},
		Carol: store.Friend{App: app1, Owner: "alice", Peer: "carol", Groups: []string{"new", "other"}},
	})
}

func testFriendListDelete(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "gone", 1) },
			func() error { return tx.CreateFriendList(ctx, app1, "alice", "kept", 2) },
			func() error {
				return putFriends(ctx, tx,
					store.Friend{App: app1, Owner: "alice", Peer: "bob", AddTime: 1, Groups: []string{"gone", "kept"}},
					store.Friend{App: app1, Owner: "alice", Peer: "carol", AddTime: 2, Groups: []string{"gone"}},
				)
			},
		)
	})
	var first, second bool
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		first, err = tx.DeleteFriendList(ctx, app1, "alice", "gone")
		return
	})
	write(t, s, func(ctx context.Context, tx store.Tx) (err error) {
		second, err = tx.DeleteFriendList(ctx, app1, "alice", "gone")
		return
	})
	eq(t, "DeleteFriendList", []bool{first, second}, []bool{true, false})
	type state struct {
		Lists   []store.FriendList
		Friends []store.Friend
	}
	got := get(t, s, func(ctx context.Context, tx store.Tx) (st state, err error) {
		err = all(
			func() (err error) { st.Lists, err = tx.FriendLists(ctx, app1, "alice"); return },
			func() (err error) { st.Friends, err = tx.ListFriends(ctx, app1, "alice", 0, 10); return },
		)
		return
	})
	eq(t, "after DeleteFriendList", got, state{
		Lists: []store.FriendList{{Name: "kept", CreatedAt: 2, Members: []string{"bob"}}},
		Friends: []store.Friend{
			{App: app1, Owner: "alice", Peer: "bob", AddTime: 1, Groups: []string{"kept"}},
			{App: app1, Owner: "alice", Peer: "carol", AddTime: 2},
		},
	})
	// A new list of the same name starts empty.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.CreateFriendList(ctx, app1, "alice", "gone", 3)
	})
	lists := get(t, s, func(ctx context.Context, tx store.Tx) ([]store.FriendList, error) {
		return tx.FriendLists(ctx, app1, "alice")
	})
	eq(t, "re-created list", lists, []store.FriendList{{Name: "kept", CreatedAt: 2, Members: []string{"bob"}}, {Name: "gone", CreatedAt: 3}})
}

// --- tenancy ---------------------------------------------------------------

// snapshot is everything one app can see about alice and bob.
type snapshot struct {
	Exists    map[string]bool
	Seqs      store.Seqs
	Profiles  map[string]map[string]store.Value
	Friend    store.Friend
	FriendOK  bool
	Friends   []store.Friend
	FriendsOf map[string]bool
	Requests  []store.FriendRequest
	Incoming  []store.FriendRequest
	Blocked   []store.Block
	BlockedBy map[string]bool
	Lists     []store.FriendList
	Counts    [3]int
}

func takeSnapshot(t *testing.T, s store.Store, app store.AppID) snapshot {
	t.Helper()
	users := []string{"alice", "bob"}
	return get(t, s, func(ctx context.Context, tx store.Tx) (sn snapshot, err error) {
		err = all(
			func() (err error) { sn.Exists, err = tx.ExistingAccounts(ctx, app, users); return },
			func() (err error) { sn.Seqs, err = tx.Seqs(ctx, app, "alice"); return },
			func() (err error) { sn.Profiles, err = tx.ProfileValues(ctx, app, users, nil); return },
			func() (err error) { sn.Friend, sn.FriendOK, err = tx.Friend(ctx, app, "alice", "bob"); return },
			func() (err error) { sn.Friends, err = tx.ListFriends(ctx, app, "alice", 0, 10); return },
			func() (err error) { sn.FriendsOf, err = tx.FriendOfAmong(ctx, app, "alice", users); return },
			func() (err error) { sn.Requests, err = tx.ListFriendRequests(ctx, app, "alice", false, 0); return },
			func() (err error) { sn.Incoming, err = tx.ListFriendRequests(ctx, app, "bob", true, 0); return },
			func() (err error) { sn.Blocked, err = tx.ListBlocked(ctx, app, "alice", 0, 10); return },
			func() (err error) { sn.BlockedBy, err = tx.BlockedByAmong(ctx, app, "bob", users); return },
			func() (err error) { sn.Lists, err = tx.FriendLists(ctx, app, "alice"); return },
			func() (err error) { sn.Counts[0], err = tx.CountFriends(ctx, app, "alice"); return },
			func() (err error) { sn.Counts[1], err = tx.CountSentRequests(ctx, app, "alice"); return },
			func() (err error) { sn.Counts[2], err = tx.CountBlocked(ctx, app, "alice"); return },
		)
		return
	})
}

func populate(ctx context.Context, tx store.Tx, app store.AppID, tag string, at int64) error {
	return all(
		func() error { return createAccounts(ctx, tx, app, "alice", "bob") },
		func() error { _, err := tx.BumpSeq(ctx, app, "alice", store.SeqBlock); return err },
		func() error {
			return tx.SetProfileValues(ctx, app, "alice", map[string]store.Value{"Nick": store.StringValue(tag), "N": store.IntValue(at)})
		},
		func() error { return tx.CreateFriendList(ctx, app, "alice", "list-"+tag, at) },
		func() error {
			return tx.PutFriend(ctx, store.Friend{App: app, Owner: "alice", Peer: "bob", Remark: tag, AddTime: at, Groups: []string{"list-" + tag}})
		},
		func() error {
			return tx.PutFriendRequest(ctx, store.FriendRequest{App: app, From: "alice", To: "bob", AddWording: tag, CreatedAt: at})
		},
		func() error { return tx.AddBlock(ctx, store.Block{App: app, Owner: "alice", Peer: "bob", AddedAt: at}) },
	)
}

func testTenancy(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error { return populate(ctx, tx, app1, "one", 100) })
	one := takeSnapshot(t, s, app1)
	wantOne := snapshot{
		Exists:    set("alice", "bob"),
		Seqs:      store.Seqs{Block: 1},
		Profiles:  map[string]map[string]store.Value{"alice": {"Nick": store.StringValue("one"), "N": store.IntValue(100)}},
		Friend:    store.Friend{App: app1, Owner: "alice", Peer: "bob", Remark: "one", AddTime: 100, Groups: []string{"list-one"}},
		FriendOK:  true,
		Friends:   []store.Friend{{App: app1, Owner: "alice", Peer: "bob", Remark: "one", AddTime: 100, Groups: []string{"list-one"}}},
		FriendsOf: map[string]bool{},
		Requests:  []store.FriendRequest{{App: app1, From: "alice", To: "bob", AddWording: "one", CreatedAt: 100}},
		Incoming:  []store.FriendRequest{{App: app1, From: "alice", To: "bob", AddWording: "one", CreatedAt: 100}},
		Blocked:   []store.Block{{App: app1, Owner: "alice", Peer: "bob", AddedAt: 100}},
		BlockedBy: set("alice"),
		Lists:     []store.FriendList{{Name: "list-one", CreatedAt: 100, Members: []string{"bob"}}},
		Counts:    [3]int{1, 1, 1},
	}
	eq(t, "app1 snapshot", one, wantOne)
	eq(t, "app2 snapshot before any app2 write", takeSnapshot(t, s, app2), snapshot{})

	// Same user IDs in app2, written in the same transaction as an app1
	// change that must stay in app1.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return populate(ctx, tx, app2, "two", 200) },
			func() error { _, err := tx.BumpSeq(ctx, app2, "alice", store.SeqBlock); return err },
			func() error { return tx.MarkFriendRequestsRead(ctx, app2, "bob") },
		)
	})
	eq(t, "app1 snapshot after app2 writes", takeSnapshot(t, s, app1), wantOne)
	two := takeSnapshot(t, s, app2)
	eq(t, "app2 seqs", two.Seqs, store.Seqs{Block: 2})
	eq(t, "app2 friend", two.Friend, store.Friend{App: app2, Owner: "alice", Peer: "bob", Remark: "two", AddTime: 200, Groups: []string{"list-two"}})
	eq(t, "app2 lists", two.Lists, []store.FriendList{{Name: "list-two", CreatedAt: 200, Members: []string{"bob"}}})
	eq(t, "app2 incoming", two.Incoming, []store.FriendRequest{{App: app2, From: "alice", To: "bob", AddWording: "two", CreatedAt: 200, Read: true}})

	// Deleting, renaming and removing in app2 leaves app1 alone.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return tx.RenameFriendList(ctx, app2, "alice", "list-one", "renamed") },
			func() error { _, err := tx.DeleteFriendList(ctx, app2, "alice", "list-one"); return err },
			func() error { return tx.RemoveFromFriendList(ctx, app2, "alice", "list-one", []string{"bob"}) },
			func() error { _, err := tx.DeleteFriend(ctx, app2, "alice", "bob"); return err },
			func() error { _, err := tx.DeleteBlock(ctx, app2, "alice", "bob"); return err },
			func() error { _, err := tx.DeleteFriendRequest(ctx, app2, "alice", "bob"); return err },
			func() error { _, err := tx.DeleteAccount(ctx, app2, "alice"); return err },
			func() error { _, err := tx.DeleteAccount(ctx, app2, "bob"); return err },
		)
	})
	eq(t, "app1 snapshot after app2 deletes", takeSnapshot(t, s, app1), wantOne)
	eq(t, "app2 snapshot after app2 deletes", takeSnapshot(t, s, app2), snapshot{})
}

// --- transactions ----------------------------------------------------------

var errBoom = errors.New("boom")

// writeEverything writes to every table for user u.
func writeEverything(ctx context.Context, tx store.Tx, u string) error {
	return all(
		func() error { return createAccounts(ctx, tx, app1, u) },
		func() error { _, err := tx.BumpSeq(ctx, app1, u, store.SeqFriend); return err },
		func() error {
			return tx.SetProfileValues(ctx, app1, u, map[string]store.Value{"Nick": store.StringValue(u)})
		},
		func() error { return tx.CreateFriendList(ctx, app1, u, "l", 1) },
		func() error {
			return tx.PutFriend(ctx, store.Friend{App: app1, Owner: u, Peer: "peer", Groups: []string{"l"}})
		},
		func() error {
			return tx.PutFriendRequest(ctx, store.FriendRequest{App: app1, From: u, To: "peer", CreatedAt: 1})
		},
		func() error { return tx.AddBlock(ctx, store.Block{App: app1, Owner: u, Peer: "peer2", AddedAt: 1}) },
	)
}

// traces counts the rows visible for user u across tables.
func traces(t *testing.T, s store.Store, u string) int {
	t.Helper()
	return get(t, s, func(ctx context.Context, tx store.Tx) (n int, err error) {
		add := func(k int, err error) error { n += k; return err }
		err = all(
			func() error {
				ok, err := tx.AccountExists(ctx, app1, u)
				if ok {
					n++
				}
				return err
			},
			func() error {
				p, err := tx.ProfileValues(ctx, app1, []string{u}, nil)
				return add(len(p), err)
			},
			func() error { return add(tx.CountFriends(ctx, app1, u)) },
			func() error { return add(tx.CountSentRequests(ctx, app1, u)) },
			func() error { return add(tx.CountBlocked(ctx, app1, u)) },
			func() error {
				l, err := tx.FriendLists(ctx, app1, u)
				return add(len(l), err)
			},
		)
		return
	})
}

func testWriteErrorRollsBack(t *testing.T, s store.Store) {
	ctx := t.Context()
	err := s.Write(ctx, func(tx store.Tx) error {
		if err := writeEverything(ctx, tx, "ghost"); err != nil {
			return err
		}
		return fmt.Errorf("wrapped: %w", errBoom)
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Write returned %v, want the error of fn", err)
	}
	eq(t, "rows left by failed Write", traces(t, s, "ghost"), 0)

	// An update of existing data is undone too.
	write(t, s, func(ctx context.Context, tx store.Tx) error { return writeEverything(ctx, tx, "alice") })
	eq(t, "rows of alice", traces(t, s, "alice"), 6)
	err = s.Write(ctx, func(tx store.Tx) error {
		if _, err := tx.DeleteAccount(ctx, app1, "alice"); err != nil {
			return err
		}
		if _, err := tx.BumpSeq(ctx, app1, "alice", store.SeqBlock); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Write returned %v, want errBoom", err)
	}
	eq(t, "rows of alice after failed delete", traces(t, s, "alice"), 6)
	seqs := get(t, s, func(ctx context.Context, tx store.Tx) (store.Seqs, error) { return tx.Seqs(ctx, app1, "alice") })
	eq(t, "seqs of alice after failed delete", seqs, store.Seqs{Friend: 1})
}

func testWritePanic(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i := 0; i < 3; i++ {
		err := s.Write(ctx, func(tx store.Tx) error {
			if err := writeEverything(ctx, tx, "ghost"); err != nil {
				return err
			}
			panic("bug in a request")
		})
		if err == nil {
			t.Fatalf("Write whose fn panics returned nil")
		}
	}
	eq(t, "rows left by panicking Write", traces(t, s, "ghost"), 0)
	// The store still works.
	write(t, s, func(ctx context.Context, tx store.Tx) error { return writeEverything(ctx, tx, "alice") })
	eq(t, "rows of alice written after the panics", traces(t, s, "alice"), 6)
	// A panic inside Read is an error too.
	if err := s.Read(ctx, func(store.Tx) error { panic("bug in a read") }); err == nil {
		t.Errorf("Read whose fn panics returned nil")
	}
}

func testWriteCancelled(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for i := 0; i < 10; i++ {
		err := s.Write(ctx, func(tx store.Tx) error { return writeEverything(ctx, tx, "ghost") })
		if err == nil {
			t.Fatalf("Write with a cancelled context returned nil")
		}
	}
	eq(t, "rows left by cancelled Writes", traces(t, s, "ghost"), 0)
	write(t, s, func(ctx context.Context, tx store.Tx) error { return writeEverything(ctx, tx, "alice") })
	eq(t, "rows of alice", traces(t, s, "alice"), 6)
}

func testReadCannotWrite(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return all(
			func() error { return writeEverything(ctx, tx, "alice") },
			func() error { return createAccounts(ctx, tx, app1, "peer", "peer2") },
		)
	})
	before := takeSnapshot(t, s, app1)
	seqsBefore := get(t, s, func(ctx context.Context, tx store.Tx) (store.Seqs, error) { return tx.Seqs(ctx, app1, "alice") })

	ctx := t.Context()
	writes := []struct {
		name string
		fn   func(tx store.Tx) error
	}{
		{"CreateAccount", func(tx store.Tx) error { _, err := tx.CreateAccount(ctx, app1, "ghost", 1); return err }},
		{"DeleteAccount", func(tx store.Tx) error { _, err := tx.DeleteAccount(ctx, app1, "alice"); return err }},
		{"BumpSeq", func(tx store.Tx) error { _, err := tx.BumpSeq(ctx, app1, "alice", store.SeqFriend); return err }},
		{"SetProfileValues", func(tx store.Tx) error {
			return tx.SetProfileValues(ctx, app1, "alice", map[string]store.Value{"Nick": store.StringValue("x")})
		}},
		{"SetProfileValues(delete)", func(tx store.Tx) error {
			return tx.SetProfileValues(ctx, app1, "alice", map[string]store.Value{"Nick": {}})
		}},
		{"PutFriend", func(tx store.Tx) error {
			return tx.PutFriend(ctx, store.Friend{App: app1, Owner: "alice", Peer: "bob"})
		}},
		{"DeleteFriend", func(tx store.Tx) error { _, err := tx.DeleteFriend(ctx, app1, "alice", "peer"); return err }},
		{"PutFriendRequest", func(tx store.Tx) error {
			return tx.PutFriendRequest(ctx, store.FriendRequest{App: app1, From: "alice", To: "bob", CreatedAt: 1})
		}},
		{"DeleteFriendRequest", func(tx store.Tx) error { _, err := tx.DeleteFriendRequest(ctx, app1, "alice", "peer"); return err }},
		{"MarkFriendRequestsRead", func(tx store.Tx) error { return tx.MarkFriendRequestsRead(ctx, app1, "peer") }},
		{"AddBlock", func(tx store.Tx) error {
			return tx.AddBlock(ctx, store.Block{App: app1, Owner: "alice", Peer: "bob", AddedAt: 1})
		}},
		{"DeleteBlock", func(tx store.Tx) error { _, err := tx.DeleteBlock(ctx, app1, "alice", "peer2"); return err }},
		{"CreateFriendList", func(tx store.Tx) error { return tx.CreateFriendList(ctx, app1, "alice", "new", 1) }},
		{"DeleteFriendList", func(tx store.Tx) error { _, err := tx.DeleteFriendList(ctx, app1, "alice", "l"); return err }},
		{"RenameFriendList", func(tx store.Tx) error { return tx.RenameFriendList(ctx, app1, "alice", "l", "m") }},
		{"AddToFriendList", func(tx store.Tx) error { return tx.AddToFriendList(ctx, app1, "alice", "l", []string{"bob"}) }},
		{"RemoveFromFriendList", func(tx store.Tx) error { return tx.RemoveFromFriendList(ctx, app1, "alice", "l", []string{"peer"}) }},
	}
	for _, w := range writes {
		var called bool
		err := s.Read(ctx, func(tx store.Tx) error {
			called = true
			return w.fn(tx)
		})
		if !called {
			t.Errorf("Read did not call fn")
		}
		if err == nil {
			t.Errorf("%s inside Read succeeded, want an error", w.name)
		}
	}
	eq(t, "data after writes attempted in Read", takeSnapshot(t, s, app1), before)
	seqsAfter := get(t, s, func(ctx context.Context, tx store.Tx) (store.Seqs, error) { return tx.Seqs(ctx, app1, "alice") })
	eq(t, "seqs after writes attempted in Read", seqsAfter, seqsBefore)
	ghost := get(t, s, func(ctx context.Context, tx store.Tx) (bool, error) { return tx.AccountExists(ctx, app1, "ghost") })
	eq(t, "account created in Read exists", ghost, false)

	// Read returns the error of fn.
	if err := s.Read(ctx, func(store.Tx) error { return errBoom }); !errors.Is(err, errBoom) {
		t.Errorf("Read returned %v, want errBoom", err)
	}
}

// testNoLostUpdate has many writers increment one counter of one user with a
// read-modify-write; every increment must survive.
func testNoLostUpdate(t *testing.T, s store.Store) {
	const goroutines, perGoroutine = 64, 20
	write(t, s, func(ctx context.Context, tx store.Tx) error { return createAccounts(ctx, tx, app1, "hot", "other") })
	ctx := t.Context()
	var (
		mu      sync.Mutex
		seqSeen []uint64
		wg      sync.WaitGroup
		failed  atomic.Int64
		start   = make(chan struct{})
	)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < perGoroutine; i++ {
				var seq uint64
				err := s.Write(ctx, func(tx store.Tx) error {
					// "other" is locked too, in varying order, so that engines
					// with row locks also see multi-user lock sets.
					users := []string{"hot", "other"}
					if i%2 == 1 {
						users = []string{"other", "hot"}
					}
					if err := tx.LockAccounts(ctx, app1, users...); err != nil {
						return err
					}
					p, err := tx.ProfileValues(ctx, app1, []string{"hot"}, []string{"Counter"})
					if err != nil {
						return err
					}
					n := p["hot"]["Counter"].Int
					if err := tx.SetProfileValues(ctx, app1, "hot", map[string]store.Value{"Counter": store.IntValue(n + 1)}); err != nil {
						return err
					}
					seq, err = tx.BumpSeq(ctx, app1, "hot", store.SeqFriend)
					return err
				})
				if err != nil {
					failed.Add(1)
					continue
				}
				mu.Lock()
				seqSeen = append(seqSeen, seq)
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d concurrent Writes failed", n)
	}
	counter := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]map[string]store.Value, error) {
		return tx.ProfileValues(ctx, app1, []string{"hot"}, nil)
	})
	eq(t, "counter after concurrent increments", counter, map[string]map[string]store.Value{"hot": {"Counter": store.IntValue(goroutines * perGoroutine)}})
	seqs := get(t, s, func(ctx context.Context, tx store.Tx) (store.Seqs, error) { return tx.Seqs(ctx, app1, "hot") })
	eq(t, "friend seq after concurrent bumps", seqs, store.Seqs{Friend: goroutines * perGoroutine})
	// Every committed Write saw a distinct seq: 1..1280.
	sort.Slice(seqSeen, func(i, j int) bool { return seqSeen[i] < seqSeen[j] })
	for i, v := range seqSeen {
		if v != uint64(i+1) {
			t.Fatalf("BumpSeq results sorted: position %d is %d, want %d (duplicates or gaps)", i, v, i+1)
		}
	}
}

// testConcurrentPartialFailure issues many concurrent Writes of which every
// third fails (by error or panic) after writing; exactly the others must be
// committed, including their updates of a shared counter.
func testConcurrentPartialFailure(t *testing.T, s store.Store) {
	const n = 300
	write(t, s, func(ctx context.Context, tx store.Tx) error { return createAccounts(ctx, tx, app1, "shared") })
	ctx := t.Context()
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			u := fmt.Sprintf("w%03d", i)
			errs[i] = s.Write(ctx, func(tx store.Tx) error {
				if err := tx.LockAccounts(ctx, app1, "shared"); err != nil {
					return err
				}
				if err := writeEverything(ctx, tx, u); err != nil {
					return err
				}
				p, err := tx.ProfileValues(ctx, app1, []string{"shared"}, []string{"Counter"})
				if err != nil {
					return err
				}
				next := p["shared"]["Counter"].Int + 1
				if err := tx.SetProfileValues(ctx, app1, "shared", map[string]store.Value{"Counter": store.IntValue(next)}); err != nil {
					return err
				}
				if _, err := tx.BumpSeq(ctx, app1, "shared", store.SeqBlock); err != nil {
					return err
				}
				switch i % 6 {
				case 2:
					return fmt.Errorf("request %d: %w", i, errBoom)
				case 5:
					panic(fmt.Sprintf("request %d panics", i))
				}
				return nil
			})
		}()
	}
	close(start)
	wg.Wait()

	var wantOK []string
	for i, err := range errs {
		failing := i%3 == 2
		switch {
		case failing && err == nil:
			t.Errorf("Write %d should have failed but returned nil", i)
		case failing && i%6 == 2 && !errors.Is(err, errBoom):
			t.Errorf("Write %d returned %v, want errBoom", i, err)
		case !failing && err != nil:
			t.Errorf("Write %d failed: %v", i, err)
		}
		if !failing {
			wantOK = append(wantOK, fmt.Sprintf("w%03d", i))
		}
	}
	users := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf("w%03d", i)
	}
	existing := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]bool, error) {
		return tx.ExistingAccounts(ctx, app1, users)
	})
	eq(t, "accounts of committed Writes", existing, set(wantOK...))
	for i, u := range users {
		want := 0
		if i%3 != 2 {
			want = 6
		}
		if got := traces(t, s, u); got != want {
			t.Errorf("rows of %s (Write %d): %d, want %d", u, i, got, want)
		}
	}
	counter := get(t, s, func(ctx context.Context, tx store.Tx) (map[string]map[string]store.Value, error) {
		return tx.ProfileValues(ctx, app1, []string{"shared"}, nil)
	})
	eq(t, "shared counter", counter, map[string]map[string]store.Value{"shared": {"Counter": store.IntValue(int64(len(wantOK)))}})
	seqs := get(t, s, func(ctx context.Context, tx store.Tx) (store.Seqs, error) { return tx.Seqs(ctx, app1, "shared") })
	eq(t, "shared block seq", seqs, store.Seqs{Block: uint64(len(wantOK))})
}

func testAfterClose(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error { return createAccounts(ctx, tx, app1, "alice") })
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// Several attempts: a write racing the shutdown must not be lost in a
	// queue nobody reads any more.
	for i := 0; i < 50; i++ {
		done := make(chan error, 2)
		go func() {
			done <- s.Write(context.Background(), func(tx store.Tx) error {
				_, err := tx.CreateAccount(context.Background(), app1, "late", 1)
				return err
			})
		}()
		go func() {
			done <- s.Read(context.Background(), func(tx store.Tx) error {
				_, err := tx.AccountExists(context.Background(), app1, "alice")
				return err
			})
		}()
		for j := 0; j < 2; j++ {
			select {
			case err := <-done:
				if err == nil {
					t.Fatalf("attempt %d: Write or Read after Close returned nil", i)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("attempt %d: Write or Read after Close still blocked after 10s", i)
			}
		}
	}
}
