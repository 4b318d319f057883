package sqlstore

import (
	"context"

	"github.com/parleyim/parley/internal/store"
)

func (t *txn) BlockedAmong(ctx context.Context, app store.AppID, owner string, peers []string) (map[string]bool, error) {
	return t.chunked(peers, func(chunk []string) (map[string]bool, error) {
		cond, args := t.among("peer_id", chunk)
		return t.stringSet(ctx, `SELECT peer_id FROM blocklist WHERE app_id = ? AND owner_id = ? AND `+cond, append([]any{int64(app), owner}, args...)...)
	})
}

func (t *txn) BlockedByAmong(ctx context.Context, app store.AppID, owner string, peers []string) (map[string]bool, error) {
	return t.chunked(peers, func(chunk []string) (map[string]bool, error) {
		cond, args := t.among("owner_id", chunk)
		return t.stringSet(ctx, `SELECT owner_id FROM blocklist WHERE app_id = ? AND peer_id = ? AND `+cond, append([]any{int64(app), owner}, args...)...)
	})
}

func (t *txn) AddBlock(ctx context.Context, b store.Block) error {
	n, err := t.execAffected(ctx, `INSERT INTO blocklist (app_id, owner_id, peer_id, added_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		int64(b.App), b.Owner, b.Peer, b.AddedAt)
	if n > 0 {
		t.relationsChanged()
	}
	return err
}

func (t *txn) DeleteBlock(ctx context.Context, app store.AppID, owner, peer string) (bool, error) {
	n, err := t.execAffected(ctx, `DELETE FROM blocklist WHERE app_id = ? AND owner_id = ? AND peer_id = ?`, int64(app), owner, peer)
	if n > 0 {
		t.relationsChanged()
	}
	return n > 0, err
}

func (t *txn) CountBlocked(ctx context.Context, app store.AppID, owner string) (int, error) {
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM blocklist WHERE app_id = ? AND owner_id = ?`, int64(app), owner).Scan(&n)
	return n, err
}

func (t *txn) ListBlocked(ctx context.Context, app store.AppID, owner string, offset, limit int) ([]store.Block, error) {
	rows, err := t.query(ctx, `SELECT peer_id, added_at FROM blocklist WHERE app_id = ? AND owner_id = ?
		ORDER BY added_at, peer_id LIMIT ? OFFSET ?`, int64(app), owner, limit, offset)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Block
	for rows.Next() {
		b := store.Block{App: app, Owner: owner}
		if err := rows.Scan(&b.Peer, &b.AddedAt); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
