package sqlstore

import (
	"context"

	"github.com/parleyim/parley/internal/store"
)

func (t *txn) FriendLists(ctx context.Context, app store.AppID, owner string) ([]store.FriendList, error) {
	rows, err := t.query(ctx, `SELECT name, created_at FROM friend_lists WHERE app_id = ? AND owner_id = ? ORDER BY created_at, name`,
		int64(app), owner)
	if err != nil {
		return nil, err
	}
	var out []store.FriendList
	index := map[string]int{}
	for rows.Next() {
		var l store.FriendList
		if err := rows.Scan(&l.Name, &l.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		index[l.Name] = len(out)
		out = append(out, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = t.query(ctx, `SELECT name, peer_id FROM friend_list_members WHERE app_id = ? AND owner_id = ? ORDER BY name, peer_id`,
		int64(app), owner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name, peer string
		if err := rows.Scan(&name, &peer); err != nil {
			return nil, err
		}
		if i, ok := index[name]; ok {
			out[i].Members = append(out[i].Members, peer)
		}
	}
	return out, rows.Err()
}

func (t *txn) CreateFriendList(ctx context.Context, app store.AppID, owner, name string, now int64) error {
	_, err := t.exec(ctx, `INSERT INTO friend_lists (app_id, owner_id, name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		int64(app), owner, name, now)
	return err
}

func (t *txn) DeleteFriendList(ctx context.Context, app store.AppID, owner, name string) (bool, error) {
	n, err := t.execAffected(ctx, `DELETE FROM friend_lists WHERE app_id = ? AND owner_id = ? AND name = ?`, int64(app), owner, name)
	if err != nil || n == 0 {
		return false, err
	}
	_, err = t.exec(ctx, `DELETE FROM friend_list_members WHERE app_id = ? AND owner_id = ? AND name = ?`, int64(app), owner, name)
	return true, err
}

func (t *txn) RenameFriendList(ctx context.Context, app store.AppID, owner, oldName, newName string) error {
	if _, err := t.exec(ctx, `UPDATE friend_lists SET name = ? WHERE app_id = ? AND owner_id = ? AND name = ?`, newName, int64(app), owner, oldName); err != nil {
		return err
	}
	_, err := t.exec(ctx, `UPDATE friend_list_members SET name = ? WHERE app_id = ? AND owner_id = ? AND name = ?`, newName, int64(app), owner, oldName)
	return err
}

func (t *txn) AddToFriendList(ctx context.Context, app store.AppID, owner, name string, peers []string) error {
	for _, p := range peers {
		if _, err := t.exec(ctx, `INSERT INTO friend_list_members (app_id, owner_id, name, peer_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			int64(app), owner, name, p); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) RemoveFromFriendList(ctx context.Context, app store.AppID, owner, name string, peers []string) error {
	for _, p := range peers {
		if _, err := t.exec(ctx, `DELETE FROM friend_list_members WHERE app_id = ? AND owner_id = ? AND name = ? AND peer_id = ?`,
			int64(app), owner, name, p); err != nil {
			return err
		}
	}
	return nil
}
