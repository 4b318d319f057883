package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/parleyim/parley/internal/store"
)

const requestColumns = `from_id, to_id, add_source, add_wording, remark, group_name, add_type, created_at, is_read`

func scanRequest(app store.AppID, sc interface{ Scan(...any) error }) (store.FriendRequest, error) {
	r := store.FriendRequest{App: app}
	var read int
	err := sc.Scan(&r.From, &r.To, &r.AddSource, &r.AddWording, &r.Remark, &r.GroupName, &r.AddType, &r.CreatedAt, &read)
	r.Read = read != 0
	return r, err
}

func (t *txn) PutFriendRequest(ctx context.Context, r store.FriendRequest) error {
	read := 0
	if r.Read {
		read = 1
	}
	t.forgetNoRequest(r.App, r.From, r.To)
	_, err := t.exec(ctx, `INSERT INTO friend_requests (app_id, `+requestColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (app_id, from_id, to_id) DO UPDATE SET add_source = excluded.add_source, add_wording = excluded.add_wording,
			remark = excluded.remark, group_name = excluded.group_name, add_type = excluded.add_type,
			created_at = excluded.created_at, is_read = excluded.is_read`,
		int64(r.App), r.From, r.To, r.AddSource, r.AddWording, r.Remark, r.GroupName, r.AddType, r.CreatedAt, read)
	return err
}

func (t *txn) FriendRequest(ctx context.Context, app store.AppID, from, to string) (store.FriendRequest, bool, error) {
	r, err := scanRequest(app, t.queryRow(ctx, `SELECT `+requestColumns+` FROM friend_requests WHERE app_id = ? AND from_id = ? AND to_id = ?`,
		int64(app), from, to))
	if errors.Is(err, sql.ErrNoRows) {
		return store.FriendRequest{}, false, nil
	}
	return r, err == nil, err
}

func (t *txn) DeleteFriendRequest(ctx context.Context, app store.AppID, from, to string) (bool, error) {
	if t.knownNoRequest(app, from, to) {
		return false, nil
	}
	n, err := t.execAffected(ctx, `DELETE FROM friend_requests WHERE app_id = ? AND from_id = ? AND to_id = ?`, int64(app), from, to)
	return n > 0, err
}

func (t *txn) CountSentRequests(ctx context.Context, app store.AppID, from string) (int, error) {
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM friend_requests WHERE app_id = ? AND from_id = ?`, int64(app), from).Scan(&n)
	return n, err
}

func (t *txn) ListFriendRequests(ctx context.Context, app store.AppID, user string, incoming bool, limit int) ([]store.FriendRequest, error) {
	col := "from_id"
	if incoming {
		col = "to_id"
	}
	if limit <= 0 {
		limit = 1 << 31 // all (LIMIT -1 is SQLite's only)
	}
	rows, err := t.query(ctx, `SELECT `+requestColumns+` FROM friend_requests WHERE app_id = ? AND `+col+` = ?
		ORDER BY created_at DESC, from_id, to_id LIMIT ?`, int64(app), user, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.FriendRequest
	for rows.Next() {
		r, err := scanRequest(app, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (t *txn) MarkFriendRequestsRead(ctx context.Context, app store.AppID, user string) error {
	_, err := t.exec(ctx, `UPDATE friend_requests SET is_read = 1 WHERE app_id = ? AND to_id = ? AND is_read = 0`, int64(app), user)
	return err
}
