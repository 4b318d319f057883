package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/parleyim/parley/internal/store"
)

func (t *txn) AppendUserEvents(ctx context.Context, events []store.UserEvent) ([]store.UserEvent, error) {
	if t.readOnly {
		return nil, errReadOnly
	}
	out := make([]store.UserEvent, 0, len(events))
	for _, e := range events {
		err := t.queryRow(ctx, `UPDATE accounts SET event_seq = event_seq + 1 WHERE app_id = ? AND user_id = ? RETURNING event_seq`,
			int64(e.App), e.User).Scan(&e.Seq)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		peers := "[]"
		if len(e.Peers) > 0 {
			b, err := json.Marshal(e.Peers)
			if err != nil {
				return nil, err
			}
			peers = string(b)
		}
		if _, err := t.exec(ctx, `INSERT INTO user_events (app_id, user_id, seq, kind, peers, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			int64(e.App), e.User, e.Seq, e.Kind, peers, e.Time); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (t *txn) UserEventsAfter(ctx context.Context, app store.AppID, user string, after uint64, limit int) ([]store.UserEvent, error) {
	// Seqs are stored as signed 64-bit integers: nothing lies after a
	// position past the largest one (and the drivers refuse such a value).
	if after >= uint64(maxSQLInt) || limit <= 0 {
		return nil, nil
	}
	rows, err := t.query(ctx, `SELECT seq, kind, peers, created_at FROM user_events WHERE app_id = ? AND user_id = ? AND seq > ?
		ORDER BY seq LIMIT ?`, int64(app), user, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.UserEvent
	for rows.Next() {
		e := store.UserEvent{App: app, User: user}
		var peers string
		if err := rows.Scan(&e.Seq, &e.Kind, &peers, &e.Time); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(peers), &e.Peers); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (t *txn) UserEventSeq(ctx context.Context, app store.AppID, user string) (uint64, error) {
	var seq uint64
	err := t.queryRow(ctx, `SELECT event_seq FROM accounts WHERE app_id = ? AND user_id = ?`, int64(app), user).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, err
}

func (t *txn) PruneUserEvents(ctx context.Context, before int64) (int64, error) {
	return t.execAffected(ctx, `DELETE FROM user_events WHERE created_at < ?`, before)
}

func (t *txn) ListFriendOf(ctx context.Context, app store.AppID, user string, limit int) ([]string, error) {
	rows, err := t.query(ctx, `SELECT owner_id FROM friends WHERE app_id = ? AND peer_id = ? ORDER BY owner_id LIMIT ?`, int64(app), user, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
