package sqlstore

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/parleyim/parley/internal/store"
)

// relationParts are the UNION ALL arms of Relations that take the peers'
// IN list; the first column says which set a row belongs to: 0-3 the sets,
// relationParts the owner's account, recvOptKind+opt a receive option.
const (
	relationParts = 5
	recvOptKind   = relationParts + 1
)

func (t *txn) Relations(ctx context.Context, app store.AppID, owner string, peers []string) (store.RelationSet, error) {
	return t.relations(ctx, app, owner, peers, nil)
}

func (t *txn) RelationsAndProfiles(ctx context.Context, app store.AppID, owner string, peers, tags []string) (store.RelationSet, error) {
	if rs, ok := t.takeAhead(owner, peers, tags); ok {
		return rs, nil
	}
	rs, err := t.relations(ctx, app, owner, peers, tags)
	if err != nil || rs.Profiles != nil {
		return rs, err
	}
	rs.Profiles, err = t.ProfileValues(ctx, app, append([]string{owner}, peers...), tags)
	return rs, err
}

// relations is Relations, and with tags (not nil) where it folds the
// reads into one statement also the profile values RelationsAndProfiles
// asks for (rs.Profiles then set; else nil).
func (t *txn) relations(ctx context.Context, app store.AppID, owner string, peers, tags []string) (store.RelationSet, error) {
	rs := store.RelationSet{Friends: map[string]bool{}, FriendOf: map[string]bool{}, Blocked: map[string]bool{}, BlockedBy: map[string]bool{},
		RecvOpt: map[string]int{}}
	sets := [relationParts - 1]map[string]bool{rs.Friends, rs.FriendOf, rs.Blocked, rs.BlockedBy}
	if t.db.dialect.ArrayParams && t.db.dialect.RoundTrips {
		if locked := t.lockedExisting(app, owner, peers); len(locked) > 0 {
			return rs, t.relationsFolded(ctx, app, owner, peers, locked, tags, &rs)
		}
	}
	first := true
	chunkSize := 200
	if t.db.dialect.ArrayParams {
		// One array parameter per arm: the whole set in one statement.
		chunkSize = max(len(peers), 1)
	}
	for len(peers) > 0 || first {
		n := min(len(peers), chunkSize)
		chunk := peers[:n]
		peers = peers[n:]
		var arms [relationParts]string
		args := make([]any, 0, relationParts*(len(chunk)+2)+2)
		for i, col := range [relationParts]string{"peer_id", "owner_id", "peer_id", "owner_id", "peer"} {
			cond, in := t.among(col, chunk)
			arms[i] = cond
			args = append(append(args, int64(app), owner), in...)
		}
		q := `SELECT 0, peer_id FROM friends WHERE app_id = ? AND owner_id = ? AND ` + arms[0] + `
			UNION ALL SELECT 1, owner_id FROM friends WHERE app_id = ? AND peer_id = ? AND ` + arms[1] + `
			UNION ALL SELECT 2, peer_id FROM blocklist WHERE app_id = ? AND owner_id = ? AND ` + arms[2] + `
			UNION ALL SELECT 3, owner_id FROM blocklist WHERE app_id = ? AND peer_id = ? AND ` + arms[3] + `
			UNION ALL SELECT ` + strconv.Itoa(recvOptKind) + ` + opt, peer FROM c2c_recv_opts WHERE app_id = ? AND owner = ? AND ` + arms[4]
		if first {
			q += ` UNION ALL SELECT ` + strconv.Itoa(relationParts) + `, user_id FROM accounts WHERE app_id = ? AND user_id = ?`
			args = append(args, int64(app), owner)
		}
		if err := t.scanRelations(ctx, q, args, sets, &rs); err != nil {
			return rs, err
		}
		first = false
	}
	return rs, nil
}

// Kinds of the rows only relationsFolded reads (negative: clear of the
// receive options' kinds).
const (
	friendCountKind = -1 // a locked user's number of friends
	requestToKind   = -2 // a request owner → peer exists
	requestFromKind = -3 // a request peer → owner exists
	profileKind     = -4 // a profile value of owner or a peer
)

// relationsFolded is Relations for a transaction that has locked some of
// owner and peers (locked: those with an account), on an engine with array
// parameters where each statement is a round trip. The same statement also
// reads what the callers of Relations ask next under those locks: each
// locked user's friend count (the cap checks of an add) and the friend
// requests between owner and the locked peers (the requests a new
// friendship clears). known keeps them for CountFriends and
// DeleteFriendRequest, which then cost no round trip. With tags (not nil)
// the same statement reads those profile values of owner and peers too
// (rs.Profiles): a profile is not covered by the account locks, so they
// are an answer of this statement's time, as a read of their own would be.
func (t *txn) relationsFolded(ctx context.Context, app store.AppID, owner string, peers, locked, tags []string, rs *store.RelationSet) error {
	if peers == nil {
		peers = []string{}
	}
	// The tag and value columns: a profile row's only.
	q := `SELECT 0, peer_id, 0, CAST(NULL AS TEXT), CAST(NULL AS TEXT) FROM friends WHERE app_id = $1 AND owner_id = $2 AND peer_id = ANY($3)
		UNION ALL SELECT 1, owner_id, 0, NULL, NULL FROM friends WHERE app_id = $1 AND peer_id = $2 AND owner_id = ANY($3)
		UNION ALL SELECT 2, peer_id, 0, NULL, NULL FROM blocklist WHERE app_id = $1 AND owner_id = $2 AND peer_id = ANY($3)
		UNION ALL SELECT 3, owner_id, 0, NULL, NULL FROM blocklist WHERE app_id = $1 AND peer_id = $2 AND owner_id = ANY($3)
		UNION ALL SELECT ` + strconv.Itoa(recvOptKind) + ` + opt, peer, 0, NULL, NULL FROM c2c_recv_opts WHERE app_id = $1 AND owner = $2 AND peer = ANY($3)
		UNION ALL SELECT ` + strconv.Itoa(relationParts) + `, user_id, 0, NULL, NULL FROM accounts WHERE app_id = $1 AND user_id = $2
		UNION ALL SELECT ` + strconv.Itoa(friendCountKind) + `, u.id, (SELECT COUNT(*) FROM friends AS f WHERE f.app_id = $1 AND f.owner_id = u.id), NULL, NULL
			FROM unnest(CAST($4 AS TEXT[])) AS u(id)
		UNION ALL SELECT ` + strconv.Itoa(requestToKind) + `, to_id, 0, NULL, NULL FROM friend_requests WHERE app_id = $1 AND from_id = $2 AND to_id = ANY($4)
		UNION ALL SELECT ` + strconv.Itoa(requestFromKind) + `, from_id, 0, NULL, NULL FROM friend_requests WHERE app_id = $1 AND to_id = $2 AND from_id = ANY($4)`
	args := []any{int64(app), owner, peers, locked}
	if tags != nil {
		q += `
		UNION ALL SELECT ` + strconv.Itoa(profileKind) + `, user_id, 0, tag, value FROM profile_values
			WHERE app_id = $1 AND (user_id = $2 OR user_id = ANY($3)) AND tag = ANY($5)`
		args = append(args, tags)
		rs.Profiles = map[string]map[string]store.Value{}
	}
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	f := newFoldedOwner(rs)
	counts := map[string]int{}
	for rows.Next() {
		var kind, n int
		var id string
		var tag, value sql.NullString
		if err := rows.Scan(&kind, &id, &n, &tag, &value); err != nil {
			return err
		}
		switch kind {
		case profileKind:
			if err := putProfileValue(rs.Profiles, id, tag.String, value.String); err != nil {
				return err
			}
		case friendCountKind:
			counts[id] = n
		default:
			f.file(kind, id)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for id, n := range counts {
		t.known.friendCount[id] = n
	}
	t.knowRequests(owner, locked, f)
	return nil
}

// foldedOwner is what a folded relation read (relationsFolded,
// ReadRelationsAhead) found for one owner: its RelationSet, and the friend
// requests between it and its locked peers.
type foldedOwner struct {
	rs                     *store.RelationSet
	requestTo, requestFrom map[string]bool
}

func newFoldedOwner(rs *store.RelationSet) *foldedOwner {
	return &foldedOwner{rs: rs, requestTo: map[string]bool{}, requestFrom: map[string]bool{}}
}

// file puts a row of one of the owner's kinds into f (profile values and
// friend counts are per user, the caller's to file).
func (f *foldedOwner) file(kind int, id string) {
	switch {
	case kind == requestToKind:
		f.requestTo[id] = true
	case kind == requestFromKind:
		f.requestFrom[id] = true
	case kind == relationParts:
		f.rs.OwnerExists = true
	case kind >= recvOptKind:
		f.rs.RecvOpt[id] = kind - recvOptKind
	case kind == 0:
		f.rs.Friends[id] = true
	case kind == 1:
		f.rs.FriendOf[id] = true
	case kind == 2:
		f.rs.Blocked[id] = true
	case kind == 3:
		f.rs.BlockedBy[id] = true
	}
}

// knowRequests records in known the friend requests found absent between
// owner and its locked peers: only those pairs were looked up, and only
// with both sides locked does an absence stay true.
func (t *txn) knowRequests(owner string, locked []string, f *foldedOwner) {
	k := t.known
	if !k.locked[owner] {
		return
	}
	for _, p := range locked {
		if p == owner {
			continue
		}
		if !f.requestTo[p] {
			k.noRequest[[2]string{owner, p}] = true
		}
		if !f.requestFrom[p] {
			k.noRequest[[2]string{p, owner}] = true
		}
	}
}

func (t *txn) scanRelations(ctx context.Context, q string, args []any, sets [relationParts - 1]map[string]bool, rs *store.RelationSet) error {
	// 5×(n+2)+2 arguments: past the statement cache's bound for large
	// batches, which then run unprepared.
	rows, err := t.queryN(ctx, q, relationParts, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var kind int
		var id string
		if err := rows.Scan(&kind, &id); err != nil {
			return err
		}
		switch {
		case kind == relationParts:
			rs.OwnerExists = true
		case kind >= recvOptKind:
			rs.RecvOpt[id] = kind - recvOptKind
		default:
			sets[kind][id] = true
		}
	}
	return rows.Err()
}

// sendCheckQuery reads a send's rules from the receiver's account row,
// joined to a single row so that an absent receiver still answers whether
// the sender exists (a NULL user_id: no receiver). Scalar subqueries keep it
// one row and one statement; each is a primary-key probe. CASE makes each
// EXISTS an integer on both engines (PostgreSQL's is a boolean).
const sendCheckQuery = `SELECT
	CASE WHEN a.user_id IS NULL THEN 0 ELSE 1 END,
	CASE WHEN EXISTS (SELECT 1 FROM accounts s WHERE s.app_id = ? AND s.user_id = ?) THEN 1 ELSE 0 END,
	CASE WHEN EXISTS (SELECT 1 FROM blocklist WHERE app_id = a.app_id AND owner_id = a.user_id AND peer_id = ?) THEN 1 ELSE 0 END,
	COALESCE((SELECT opt FROM c2c_recv_opts WHERE app_id = a.app_id AND owner = a.user_id AND peer = ?), 0)`

// sendCheckFrom is the single row the receiver's account is joined to.
const sendCheckFrom = ` FROM (SELECT 1 AS one) single LEFT JOIN accounts a ON a.app_id = ? AND a.user_id = ?`

func (t *txn) SendCheck(ctx context.Context, app store.AppID, receiver, sender string, friends bool) (store.SendCheck, error) {
	// A write transaction that has changed nothing SendCheck reads sees
	// what is committed, which is what the cache holds (its engine has one
	// writer); one that has, reads its own view.
	if t.db.sendChecks == nil || !t.readOnly && t.changesSendChecks {
		return t.readSendCheck(ctx, app, receiver, sender, friends)
	}
	k := sendCheckKey{app, receiver, sender, friends}
	c, gen, ok := t.db.sendChecks.get(k)
	if ok {
		return c, nil
	}
	c, err := t.readSendCheck(ctx, app, receiver, sender, friends)
	if err == nil {
		t.db.sendChecks.put(k, gen, c)
	}
	return c, err
}

func (t *txn) readSendCheck(ctx context.Context, app store.AppID, receiver, sender string, friends bool) (store.SendCheck, error) {
	c := store.SendCheck{RecvOpt: store.RecvOptReceive}
	var receiverExists, senderExists, blocked, hasSender, hasReceiver int
	var err error
	if friends {
		err = t.queryRow(ctx, sendCheckQuery+`,
			CASE WHEN EXISTS (SELECT 1 FROM friends WHERE app_id = a.app_id AND owner_id = a.user_id AND peer_id = ?) THEN 1 ELSE 0 END,
			CASE WHEN EXISTS (SELECT 1 FROM friends WHERE app_id = a.app_id AND owner_id = ? AND peer_id = a.user_id) THEN 1 ELSE 0 END`+sendCheckFrom,
			int64(app), sender, sender, sender, sender, sender, int64(app), receiver).Scan(&receiverExists, &senderExists, &blocked, &c.RecvOpt, &hasSender, &hasReceiver)
	} else {
		err = t.queryRow(ctx, sendCheckQuery+sendCheckFrom,
			int64(app), sender, sender, sender, int64(app), receiver).Scan(&receiverExists, &senderExists, &blocked, &c.RecvOpt)
	}
	if err != nil {
		return store.SendCheck{}, err
	}
	c.SenderExists = senderExists != 0
	if receiverExists == 0 {
		return store.SendCheck{SenderExists: c.SenderExists, RecvOpt: store.RecvOptReceive}, nil
	}
	c.ReceiverExists = true
	c.Blocked, c.ReceiverHasSender, c.SenderHasReceiver = blocked != 0, hasSender != 0, hasReceiver != 0
	return c, nil
}
