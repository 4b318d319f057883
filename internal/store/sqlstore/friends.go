package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"strconv"

	"github.com/parleyim/parley/internal/store"
)

const friendColumns = `peer_id, remark, add_source, add_wording, add_time, remark_time, custom`

func scanFriend(app store.AppID, owner string, sc interface{ Scan(...any) error }) (store.Friend, error) {
	f := store.Friend{App: app, Owner: owner}
	var custom string
	if err := sc.Scan(&f.Peer, &f.Remark, &f.AddSource, &f.AddWording, &f.AddTime, &f.RemarkTime, &custom); err != nil {
		return f, err
	}
	if custom != "" && custom != "{}" {
		if err := json.Unmarshal([]byte(custom), &f.Custom); err != nil {
			return f, err
		}
	}
	return f, nil
}

func (t *txn) Friend(ctx context.Context, app store.AppID, owner, peer string) (store.Friend, bool, error) {
	row := t.queryRow(ctx, `SELECT `+friendColumns+` FROM friends WHERE app_id = ? AND owner_id = ? AND peer_id = ?`, int64(app), owner, peer)
	f, err := scanFriend(app, owner, row)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Friend{}, false, nil
	}
	if err != nil {
		return store.Friend{}, false, err
	}
	groups, err := t.groupsOf(ctx, app, owner, []string{peer})
	f.Groups = groups[peer]
	return f, true, err
}

func (t *txn) FriendsAmong(ctx context.Context, app store.AppID, owner string, peers []string) (map[string]bool, error) {
	return t.chunked(peers, func(chunk []string) (map[string]bool, error) {
		cond, args := t.among("peer_id", chunk)
		return t.stringSet(ctx, `SELECT peer_id FROM friends WHERE app_id = ? AND owner_id = ? AND `+cond, append([]any{int64(app), owner}, args...)...)
	})
}

func (t *txn) FriendOfAmong(ctx context.Context, app store.AppID, owner string, peers []string) (map[string]bool, error) {
	return t.chunked(peers, func(chunk []string) (map[string]bool, error) {
		cond, args := t.among("owner_id", chunk)
		return t.stringSet(ctx, `SELECT owner_id FROM friends WHERE app_id = ? AND peer_id = ? AND `+cond, append([]any{int64(app), owner}, args...)...)
	})
}

func (t *txn) ListFriends(ctx context.Context, app store.AppID, owner string, offset, limit int) ([]store.Friend, error) {
	rows, err := t.query(ctx, `SELECT `+friendColumns+` FROM friends WHERE app_id = ? AND owner_id = ?
		ORDER BY add_time, peer_id LIMIT ? OFFSET ?`, int64(app), owner, limit, offset)
	if err != nil {
		return nil, err
	}
	var out []store.Friend
	for rows.Next() {
		f, err := scanFriend(app, owner, rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	peers := make([]string, len(out))
	for i, f := range out {
		peers[i] = f.Peer
	}
	groups, err := t.groupsOf(ctx, app, owner, peers)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Groups = groups[out[i].Peer]
	}
	return out, nil
}

// groupsOf returns, per peer, the names of owner's friend lists it is in.
func (t *txn) groupsOf(ctx context.Context, app store.AppID, owner string, peers []string) (map[string][]string, error) {
	out := map[string][]string{}
	q := `SELECT peer_id, name FROM friend_list_members WHERE app_id = ? AND owner_id = ?`
	args := []any{int64(app), owner}
	if len(peers) <= maxPreparedArgs {
		q += ` AND peer_id IN ` + inList(len(peers))
		args = appArgs(app, owner, peers)
	}
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var peer, name string
		if err := rows.Scan(&peer, &name); err != nil {
			return nil, err
		}
		out[peer] = append(out[peer], name)
	}
	for _, names := range out {
		sort.Strings(names)
	}
	return out, rows.Err()
}

func (t *txn) CountFriends(ctx context.Context, app store.AppID, owner string) (int, error) {
	if n, ok := t.knownFriendCount(app, owner); ok {
		return n, nil
	}
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM friends WHERE app_id = ? AND owner_id = ?`, int64(app), owner).Scan(&n)
	return n, err
}

func (t *txn) PutFriend(ctx context.Context, f store.Friend) error {
	custom := "{}"
	if len(f.Custom) > 0 {
		b, err := json.Marshal(f.Custom)
		if err != nil {
			return err
		}
		custom = string(b)
	}
	const upsert = `INSERT INTO friends (app_id, owner_id, peer_id, remark, add_source, add_wording, add_time, remark_time, custom)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (app_id, owner_id, peer_id) DO UPDATE SET remark = excluded.remark, add_source = excluded.add_source,
			add_wording = excluded.add_wording, add_time = excluded.add_time, remark_time = excluded.remark_time, custom = excluded.custom`
	row := []any{int64(f.App), f.Owner, f.Peer, f.Remark, f.AddSource, f.AddWording, f.AddTime, f.RemarkTime, custom}
	t.forgetFriendCount(f.App, f.Owner)
	t.relationsChanged()
	if t.db.dialect.RoundTrips {
		// The list memberships are replaced: cleared in the same statement
		// (a data-modifying CTE) rather than a round trip of its own. With
		// no list to join the whole write rides on the transaction's next
		// statement (the friend seq bump that follows an add).
		// Both sides of a friendship (an import's items) are held together
		// and go in one statement.
		if len(f.Groups) == 0 && t.deferWrite(ctx, deferredWrite{
			kind: friendPuts,
			row:  row,
			key:  "friends\x00" + strconv.FormatInt(int64(f.App), 10) + "\x00" + f.Owner + "\x00" + f.Peer,
		}) {
			return nil
		}
		if _, err := t.exec(ctx, `WITH cleared AS (DELETE FROM friend_list_members WHERE app_id = ? AND owner_id = ? AND peer_id = ?) `+upsert,
			append([]any{int64(f.App), f.Owner, f.Peer}, row...)...); err != nil {
			return err
		}
	} else {
		if _, err := t.exec(ctx, upsert, row...); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM friend_list_members WHERE app_id = ? AND owner_id = ? AND peer_id = ?`, int64(f.App), f.Owner, f.Peer); err != nil {
			return err
		}
	}
	for _, g := range f.Groups {
		if _, err := t.exec(ctx, `INSERT INTO friend_list_members (app_id, owner_id, name, peer_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			int64(f.App), f.Owner, g, f.Peer); err != nil {
			return err
		}
	}
	return nil
}

// friendPuts are held friend upserts with no list to join, each row
// PutFriend's (app, owner, peer, remark, add source, add wording, add time,
// remark time, custom): one DELETE of their list memberships and one
// upsert, over arrays. The held writes' keys are distinct, so no row is
// changed twice.
var friendPuts = &rowWrites{tables: []string{"friends", "friend_list_members"}, ctes: func(rows [][]any) (string, []any) {
	apps, addTimes, remarkTimes := make([]int64, len(rows)), make([]int64, len(rows)), make([]int64, len(rows))
	var text [6][]string // owner, peer, remark, add source, add wording, custom
	for i := range text {
		text[i] = make([]string, len(rows))
	}
	for r, row := range rows {
		apps[r], addTimes[r], remarkTimes[r] = row[0].(int64), row[6].(int64), row[7].(int64)
		for i, c := range [6]int{1, 2, 3, 4, 5, 8} {
			text[i][r] = row[c].(string)
		}
	}
	return `friend_rows AS (SELECT * FROM unnest(CAST(? AS BIGINT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]),
			CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS BIGINT[]), CAST(? AS BIGINT[]), CAST(? AS TEXT[]))
			AS r(app_id, owner_id, peer_id, remark, add_source, add_wording, add_time, remark_time, custom)),
		friend_cleared AS (DELETE FROM friend_list_members m USING friend_rows r
			WHERE m.app_id = r.app_id AND m.owner_id = r.owner_id AND m.peer_id = r.peer_id),
		friend_put AS (INSERT INTO friends (app_id, owner_id, peer_id, remark, add_source, add_wording, add_time, remark_time, custom)
			SELECT * FROM friend_rows
			ON CONFLICT (app_id, owner_id, peer_id) DO UPDATE SET remark = excluded.remark, add_source = excluded.add_source,
				add_wording = excluded.add_wording, add_time = excluded.add_time, remark_time = excluded.remark_time, custom = excluded.custom)`,
		[]any{apps, text[0], text[1], text[2], text[3], text[4], addTimes, remarkTimes, text[5]}
}}

func (t *txn) DeleteFriend(ctx context.Context, app store.AppID, owner, peer string) (bool, error) {
	t.forgetFriendCount(app, owner)
	n, err := t.execAffected(ctx, `DELETE FROM friends WHERE app_id = ? AND owner_id = ? AND peer_id = ?`, int64(app), owner, peer)
	if err != nil || n == 0 {
		return false, err
	}
	t.relationsChanged()
	_, err = t.exec(ctx, `DELETE FROM friend_list_members WHERE app_id = ? AND owner_id = ? AND peer_id = ?`, int64(app), owner, peer)
	return true, err
}
