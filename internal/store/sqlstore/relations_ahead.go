package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/parleyim/parley/internal/store"
)

// readAhead holds RelationSets that ReadRelationsAhead read for several
// owners in one statement, each answered once by the RelationsAndProfiles
// call that asks for it (same owner, peers and tags). The answers are of
// the statement's time, as the calls' own reads would have been: they are
// forgotten at the transaction's first write after them (wrote), since a
// write of this transaction may change what they say, and between the
// requests of a batch, with known.
type readAhead map[string]store.RelationSet

func readAheadKey(owner string, peers, tags []string) string {
	var b strings.Builder
	b.WriteString(owner)
	for _, p := range peers {
		b.WriteByte(0)
		b.WriteString(p)
	}
	b.WriteByte(1)
	for _, tag := range tags {
		b.WriteByte(0)
		b.WriteString(tag)
	}
	return b.String()
}

// wrote is told of a statement this transaction sends: anything but a
// SELECT may write, and the answers read ahead are then forgotten.
func (t *txn) wrote(q string) {
	if t.ahead == nil {
		return
	}
	trimmed := strings.TrimSpace(q)
	if len(trimmed) < 7 || !strings.EqualFold(trimmed[:7], "SELECT ") {
		t.ahead = nil
	}
}

// ReadRelationsAhead reads, on an engine where each statement is a round
// trip (PostgreSQL), what RelationsAndProfiles will be asked next for each
// of qs, in one statement for all of them. Only owners this transaction
// holds locked are read ahead (as RelationsAndProfiles folds its reads
// only under an add's locks); others are read when asked.
func (t *txn) ReadRelationsAhead(ctx context.Context, app store.AppID, qs []store.RelationQuery, tags []string) error {
	if !t.db.dialect.ArrayParams || !t.db.dialect.RoundTrips || t.readOnly || t.tx == nil || len(qs) < 2 {
		return nil
	}
	var owners, pairOwners, pairPeers, reqOwners, reqPeers, everyone []string
	lockedSet := map[string]bool{}
	var locked []string
	var ahead []store.RelationQuery
	var aheadLocked [][]string // each read-ahead owner's locked users
	seenOwner := map[string]bool{}
	for _, q := range qs {
		lk := t.lockedExisting(app, q.Owner, q.Peers)
		if !t.knownAllLocked(app, []string{q.Owner}) || len(lk) == 0 || seenOwner[q.Owner] {
			continue // read when asked
		}
		seenOwner[q.Owner] = true
		ahead, aheadLocked = append(ahead, q), append(aheadLocked, lk)
		owners = append(owners, q.Owner)
		everyone = append(everyone, q.Owner)
		for _, p := range q.Peers {
			pairOwners, pairPeers = append(pairOwners, q.Owner), append(pairPeers, p)
			everyone = append(everyone, p)
		}
		for _, u := range lk {
			if !lockedSet[u] {
				lockedSet[u] = true
				locked = append(locked, u)
			}
			if u != q.Owner {
				reqOwners, reqPeers = append(reqOwners, q.Owner), append(reqPeers, u)
			}
		}
	}
	if len(ahead) < 2 {
		return nil
	}
	if tags == nil {
		tags = []string{}
	}
	rows, err := t.query(ctx, relationsAheadQuery, int64(app), owners, pairOwners, pairPeers, locked, reqOwners, reqPeers, tags, everyone)
	if err != nil {
		return err
	}
	defer rows.Close()
	byOwner := make(map[string]*foldedOwner, len(ahead))
	sets := make([]store.RelationSet, len(ahead))
	for i, q := range ahead {
		sets[i] = store.RelationSet{Friends: map[string]bool{}, FriendOf: map[string]bool{}, Blocked: map[string]bool{},
			BlockedBy: map[string]bool{}, RecvOpt: map[string]int{}, Profiles: map[string]map[string]store.Value{}}
		byOwner[q.Owner] = newFoldedOwner(&sets[i])
	}
	profiles := map[string]map[string]store.Value{}
	counts := map[string]int{}
	for rows.Next() {
		var kind, n int
		var owner, id string
		var tag, value sql.NullString
		if err := rows.Scan(&kind, &owner, &id, &n, &tag, &value); err != nil {
			return err
		}
		switch kind {
		case profileKind:
			if err := putProfileValue(profiles, id, tag.String, value.String); err != nil {
				return err
			}
		case friendCountKind:
			counts[id] = n
		default:
			// Every other row is an owner's.
			if f := byOwner[owner]; f != nil {
				f.file(kind, id)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for id, n := range counts {
		t.known.friendCount[id] = n
	}
	if t.ahead == nil {
		t.ahead = readAhead{}
	}
	for i, q := range ahead {
		f := byOwner[q.Owner]
		for _, u := range append([]string{q.Owner}, q.Peers...) {
			if v, ok := profiles[u]; ok {
				f.rs.Profiles[u] = v
			}
		}
		t.knowRequests(q.Owner, aheadLocked[i], f)
		t.ahead[readAheadKey(q.Owner, q.Peers, tags)] = sets[i]
	}
	return nil
}

// takeAhead returns the RelationSet read ahead for this call, if any, and
// forgets it.
func (t *txn) takeAhead(owner string, peers, tags []string) (store.RelationSet, bool) {
	if t.ahead == nil {
		return store.RelationSet{}, false
	}
	if tags == nil {
		tags = []string{}
	}
	k := readAheadKey(owner, peers, tags)
	rs, ok := t.ahead[k]
	delete(t.ahead, k)
	return rs, ok
}

// relationsAheadQuery is relationsFolded's statement for many owners: each
// row names the owner it answers (profile values and friend counts are
// per user, for whoever asked).
var relationsAheadQuery = `WITH p AS (SELECT * FROM unnest(CAST($3 AS TEXT[]), CAST($4 AS TEXT[])) AS p(owner, peer)),
		r AS (SELECT * FROM unnest(CAST($6 AS TEXT[]), CAST($7 AS TEXT[])) AS r(owner, peer))
	SELECT 0, p.owner, f.peer_id, 0, CAST(NULL AS TEXT), CAST(NULL AS TEXT) FROM p JOIN friends f ON f.app_id = $1 AND f.owner_id = p.owner AND f.peer_id = p.peer
	UNION ALL SELECT 1, p.owner, f.owner_id, 0, NULL, NULL FROM p JOIN friends f ON f.app_id = $1 AND f.owner_id = p.peer AND f.peer_id = p.owner
	UNION ALL SELECT 2, p.owner, b.peer_id, 0, NULL, NULL FROM p JOIN blocklist b ON b.app_id = $1 AND b.owner_id = p.owner AND b.peer_id = p.peer
	UNION ALL SELECT 3, p.owner, b.owner_id, 0, NULL, NULL FROM p JOIN blocklist b ON b.app_id = $1 AND b.owner_id = p.peer AND b.peer_id = p.owner
	UNION ALL SELECT ` + strconv.Itoa(recvOptKind) + ` + o.opt, p.owner, o.peer, 0, NULL, NULL
		FROM p JOIN c2c_recv_opts o ON o.app_id = $1 AND o.owner = p.owner AND o.peer = p.peer
	UNION ALL SELECT ` + strconv.Itoa(relationParts) + `, a.user_id, a.user_id, 0, NULL, NULL FROM accounts a WHERE a.app_id = $1 AND a.user_id = ANY($2)
	UNION ALL SELECT ` + strconv.Itoa(friendCountKind) + `, '', u.id, (SELECT COUNT(*) FROM friends AS f WHERE f.app_id = $1 AND f.owner_id = u.id), NULL, NULL
		FROM unnest(CAST($5 AS TEXT[])) AS u(id)
	UNION ALL SELECT ` + strconv.Itoa(requestToKind) + `, r.owner, q.to_id, 0, NULL, NULL
		FROM r JOIN friend_requests q ON q.app_id = $1 AND q.from_id = r.owner AND q.to_id = r.peer
	UNION ALL SELECT ` + strconv.Itoa(requestFromKind) + `, r.owner, q.from_id, 0, NULL, NULL
		FROM r JOIN friend_requests q ON q.app_id = $1 AND q.to_id = r.owner AND q.from_id = r.peer
	UNION ALL SELECT ` + strconv.Itoa(profileKind) + `, '', v.user_id, 0, v.tag, v.value FROM profile_values v
		WHERE v.app_id = $1 AND v.user_id = ANY($9) AND v.tag = ANY($8)`
