package sqlstore

import "context"

// The nodes table: the nodes of the cluster session directory and how long
// each is known to be alive (store.Sessions).

func (t *txn) RenewNode(ctx context.Context, node uint64, aliveUntil int64) (bool, error) {
	n, err := t.execAffected(ctx, `UPDATE nodes SET alive_until = ? WHERE node_id = ?`, aliveUntil, int64(node))
	if err != nil || n > 0 {
		return n > 0, err
	}
	_, err = t.exec(ctx, `INSERT INTO nodes (node_id, alive_until) VALUES (?, ?)
		ON CONFLICT (node_id) DO UPDATE SET alive_until = excluded.alive_until`, int64(node), aliveUntil)
	return false, err
}

func (t *txn) DeleteNode(ctx context.Context, node uint64) error {
	if _, err := t.exec(ctx, `DELETE FROM sessions WHERE node_id = ?`, int64(node)); err != nil {
		return err
	}
	_, err := t.exec(ctx, `DELETE FROM nodes WHERE node_id = ?`, int64(node))
	return err
}

func (t *txn) PruneNodes(ctx context.Context, now, kickedBefore int64) (int64, error) {
	// Sessions without a live node row go too: those of nodes already
	// deleted, whose rows a racing login may have written after the
	// node's own cleanup. Recently marked ones stay (store.Sessions).
	n, err := t.execAffected(ctx, `DELETE FROM sessions WHERE node_id NOT IN (SELECT node_id FROM nodes WHERE alive_until > ?)
		AND (kicked_reason = '' OR kicked_at < ?)`, now, kickedBefore)
	if err != nil {
		return 0, err
	}
	_, err = t.exec(ctx, `DELETE FROM nodes WHERE alive_until <= ?`, now)
	return n, err
}
