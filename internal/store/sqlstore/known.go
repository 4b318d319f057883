package sqlstore

import "github.com/parleyim/parley/internal/store"

// known is what a write transaction on a row-locking engine (PostgreSQL)
// has already been told about the accounts it holds locked, so that a later
// call of the same transaction asks the server nothing: which of them
// exist, how many friends each has, and which friend requests between them
// are absent. LockAccounts and Relations fill it (the latter folding the
// counts and the request lookups into its one statement); the writes of
// this transaction keep it true (CreateAccount, DeleteAccount, PutFriend,
// DeleteFriend, PutFriendRequest).
//
// Why the answers stay true until the transaction ends: the account rows
// are locked FOR UPDATE, and every writer of a user's friends and friend
// requests locks that user's account first (the relation service does), so
// no other transaction changes them meanwhile. One app per transaction: a
// lock in another app starts over.
type known struct {
	app store.AppID
	// locked: the users LockAccounts locked, and whether each has an account.
	locked map[string]bool
	// friendCount: a locked user's number of friends.
	friendCount map[string]int
	// noRequest: pairs (from, to) of locked users with no friend request
	// from → to.
	noRequest map[[2]string]bool
}

// knownLocked records the accounts LockAccounts locked in app.
func (t *txn) knownLocked(app store.AppID, users []string, existing map[string]bool) {
	if t.known == nil || t.known.app != app {
		t.known = &known{app: app, locked: map[string]bool{}, friendCount: map[string]int{}, noRequest: map[[2]string]bool{}}
	}
	for _, u := range users {
		t.known.locked[u] = existing[u]
	}
}

// knownAllLocked reports whether this transaction holds the locks of all
// of users in app already.
func (t *txn) knownAllLocked(app store.AppID, users []string) bool {
	k := t.known
	if k == nil || k.app != app {
		return false
	}
	for _, u := range users {
		if _, ok := k.locked[u]; !ok {
			return false
		}
	}
	return true
}

// knownExisting answers ExistingAccounts from the locks when every user is
// locked.
func (t *txn) knownExisting(app store.AppID, users []string) (map[string]bool, bool) {
	k := t.known
	if k == nil || k.app != app {
		return nil, false
	}
	out := map[string]bool{}
	for _, u := range users {
		exists, ok := k.locked[u]
		if !ok {
			return nil, false
		}
		if exists {
			out[u] = true
		}
	}
	return out, true
}

// lockedExisting is the users among owner and peers that this transaction
// locked and that have an account: those whose counts and requests
// Relations may fold in.
func (t *txn) lockedExisting(app store.AppID, owner string, peers []string) []string {
	k := t.known
	if k == nil || k.app != app {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, u := range append([]string{owner}, peers...) {
		if k.locked[u] && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

func (t *txn) knownFriendCount(app store.AppID, owner string) (int, bool) {
	if t.known == nil || t.known.app != app {
		return 0, false
	}
	n, ok := t.known.friendCount[owner]
	return n, ok
}

// forgetFriendCount is told of a write to owner's friends (every owner's
// with "").
func (t *txn) forgetFriendCount(app store.AppID, owner string) {
	if t.known == nil || t.known.app != app {
		return
	}
	if owner == "" {
		clear(t.known.friendCount)
		return
	}
	delete(t.known.friendCount, owner)
}

func (t *txn) knownNoRequest(app store.AppID, from, to string) bool {
	return t.known != nil && t.known.app == app && t.known.noRequest[[2]string{from, to}]
}

// forgetNoRequest is told of a request from → to being stored.
func (t *txn) forgetNoRequest(app store.AppID, from, to string) {
	if t.known != nil && t.known.app == app {
		delete(t.known.noRequest, [2]string{from, to})
	}
}

// knownAccount is told of an account created or deleted by this
// transaction.
func (t *txn) knownAccount(app store.AppID, user string, exists bool) {
	if t.known == nil || t.known.app != app {
		return
	}
	if _, ok := t.known.locked[user]; ok {
		t.known.locked[user] = exists
	}
	if !exists {
		// Its friend rows went, and with them one from each peer's count.
		clear(t.known.friendCount)
	}
}
