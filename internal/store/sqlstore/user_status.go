package sqlstore

import (
	"context"

	"github.com/parleyim/parley/internal/store"
)

// The user_status table (store.UserStatuses).

func (t *txn) SetCustomStatus(ctx context.Context, app store.AppID, user, custom string, now int64) error {
	_, err := t.exec(ctx, `INSERT INTO user_status (app_id, user_id, offline, custom_status, updated_at) VALUES (?, ?, 0, ?, ?)
		ON CONFLICT (app_id, user_id) DO UPDATE SET custom_status = excluded.custom_status, updated_at = excluded.updated_at`,
		int64(app), user, custom, now)
	return err
}

func (t *txn) EndUserStatus(ctx context.Context, app store.AppID, user string, offline bool, now int64) error {
	off := 0
	if offline {
		off = 1
	}
	_, err := t.exec(ctx, `INSERT INTO user_status (app_id, user_id, offline, custom_status, updated_at) VALUES (?, ?, ?, '', ?)
		ON CONFLICT (app_id, user_id) DO UPDATE SET offline = excluded.offline, custom_status = '', updated_at = excluded.updated_at`,
		int64(app), user, off, now)
	return err
}

func (t *txn) UserStatuses(ctx context.Context, app store.AppID, users []string) (map[string]store.UserStatusRow, error) {
	out := map[string]store.UserStatusRow{}
	const chunk = 500
	for len(users) > 0 {
		part := users[:min(chunk, len(users))]
		users = users[len(part):]
		args := make([]any, 0, len(part)+1)
		args = append(args, int64(app))
		for _, u := range part {
			args = append(args, u)
		}
		rows, err := t.query(ctx, `SELECT user_id, offline, custom_status FROM user_status WHERE app_id = ? AND user_id IN `+inList(len(part)), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var r store.UserStatusRow
			var off int64
			if err := rows.Scan(&r.User, &off, &r.Custom); err != nil {
				rows.Close()
				return nil, err
			}
			r.Offline = off != 0
			out[r.User] = r
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
