package sqlstore

import (
	"context"
	"database/sql"

	"github.com/parleyim/parley/internal/store"
)

// The sessions table: the cluster session directory (store.Sessions). Node
// and connection IDs are unsigned 64-bit numbers kept in BIGINT columns as
// their two's-complement bit pattern. kicked_reason is '' for a live
// session, else the reason of a kick its node has still to carry out
// (migration 0012).

const sessionColumns = `s.app_id, s.user_id, s.node_id, s.conn_id, s.platform, s.instance, s.login_at, s.login_seq, s.kicked_reason, s.kicked_at`

// returningSessions is sessionColumns for RETURNING, where SQLite names no
// table alias: the bare column names.
const returningSessions = ` RETURNING app_id, user_id, node_id, conn_id, platform, instance, login_at, login_seq, kicked_reason, kicked_at`

// liveJoin keeps only the sessions of nodes alive at the bound time that
// are not marked kicked: a marked session is gone for everyone but its
// node, which has still to end it.
const liveJoin = ` FROM sessions s JOIN nodes n ON n.node_id = s.node_id AND n.alive_until > ? `
const notKicked = ` AND s.kicked_reason = '' `

func (t *txn) PutSession(ctx context.Context, s store.SessionRow) (store.SessionRow, error) {
	if t.readOnly {
		return s, errReadOnly
	}
	var seq int64
	// The seq is computed in the statement: under the account lock a
	// login holds (or SQLite's single writer) no other login of the user
	// runs between the MAX and the insert. A replaced row keeps its kick
	// mark: a node re-announcing its sessions does not revive one that was
	// kicked meanwhile.
	err := t.queryRow(ctx, `INSERT INTO sessions (node_id, conn_id, app_id, user_id, platform, instance, login_at, login_seq)
		SELECT ?, ?, ?, ?, ?, ?, ?, COALESCE(MAX(login_seq), 0) + 1 FROM sessions WHERE app_id = ? AND user_id = ?
		ON CONFLICT (node_id, conn_id) DO UPDATE SET app_id = excluded.app_id, user_id = excluded.user_id,
			platform = excluded.platform, instance = excluded.instance, login_at = excluded.login_at, login_seq = excluded.login_seq
		RETURNING login_seq`,
		int64(s.Node), int64(s.Conn), int64(s.App), s.User, s.Platform, s.Instance, s.LoginAt, int64(s.App), s.User).Scan(&seq)
	if err != nil {
		return s, statementError("INSERT INTO sessions", err)
	}
	s.Seq = uint64(seq)
	return s, nil
}

func (t *txn) LiveSessions(ctx context.Context, app store.AppID, user string, now int64) ([]store.SessionRow, error) {
	rows, err := t.query(ctx, `SELECT `+sessionColumns+liveJoin+`WHERE s.app_id = ? AND s.user_id = ?`+notKicked+`
		ORDER BY s.login_seq, s.node_id, s.conn_id`, now, int64(app), user)
	if err != nil {
		return nil, err
	}
	return scanSessions(rows)
}

func (t *txn) OnlineSessions(ctx context.Context, app store.AppID, users []string, now int64) (map[string][]store.SessionRow, error) {
	out := map[string][]store.SessionRow{}
	const chunk = 500
	for len(users) > 0 {
		part := users[:min(chunk, len(users))]
		users = users[len(part):]
		args := make([]any, 0, len(part)+2)
		args = append(args, now, int64(app))
		for _, u := range part {
			args = append(args, u)
		}
		rows, err := t.query(ctx, `SELECT `+sessionColumns+liveJoin+`WHERE s.app_id = ? AND s.user_id IN `+inList(len(part))+notKicked+`
			ORDER BY s.user_id, s.login_seq, s.node_id, s.conn_id`, args...)
		if err != nil {
			return nil, err
		}
		found, err := scanSessions(rows)
		if err != nil {
			return nil, err
		}
		for _, s := range found {
			out[s.User] = append(out[s.User], s)
		}
	}
	return out, nil
}

func (t *txn) DeleteSessions(ctx context.Context, keys []store.SessionKey) (int64, error) {
	var n int64
	for _, k := range keys {
		d, err := t.execAffected(ctx, `DELETE FROM sessions WHERE node_id = ? AND conn_id = ?`, int64(k.Node), int64(k.Conn))
		if err != nil {
			return n, err
		}
		n += d
	}
	return n, nil
}

func (t *txn) MarkSessionsKicked(ctx context.Context, keys []store.SessionKey, reason string, at int64) (int64, error) {
	var n int64
	for _, k := range keys {
		// Only a live row: the first decision's reason is the one the
		// client is told, whichever kick its node carries out first.
		d, err := t.execAffected(ctx, `UPDATE sessions SET kicked_reason = ?, kicked_at = ?
			WHERE node_id = ? AND conn_id = ? AND kicked_reason = ''`, reason, at, int64(k.Node), int64(k.Conn))
		if err != nil {
			return n, err
		}
		n += d
	}
	return n, nil
}

func (t *txn) KickUserSessions(ctx context.Context, app store.AppID, user string, node uint64, reason string, at int64) ([]store.SessionRow, error) {
	if t.readOnly {
		return nil, errReadOnly
	}
	rows, err := t.query(ctx, `DELETE FROM sessions WHERE app_id = ? AND user_id = ? AND node_id = ?`+returningSessions,
		int64(app), user, int64(node))
	if err != nil {
		return nil, err
	}
	own, err := scanSessions(rows)
	if err != nil {
		return nil, err
	}
	for i := range own {
		own[i].KickedReason, own[i].KickedAt = reason, at
	}
	rows, err = t.query(ctx, `UPDATE sessions SET kicked_reason = ?, kicked_at = ?
		WHERE app_id = ? AND user_id = ? AND node_id <> ? AND kicked_reason = ''`+returningSessions,
		reason, at, int64(app), user, int64(node))
	if err != nil {
		return nil, err
	}
	marked, err := scanSessions(rows)
	if err != nil {
		return nil, err
	}
	return append(own, marked...), nil
}

func (t *txn) KickedSessions(ctx context.Context, node uint64, limit int) ([]store.SessionRow, error) {
	// The literal predicate matches the partial index sessions_kicked.
	rows, err := t.query(ctx, `SELECT `+sessionColumns+` FROM sessions s WHERE s.node_id = ? AND s.kicked_reason <> ''
		ORDER BY s.kicked_at, s.conn_id LIMIT ?`, int64(node), limit)
	if err != nil {
		return nil, err
	}
	return scanSessions(rows)
}

func scanSessions(rows *sql.Rows) ([]store.SessionRow, error) {
	defer rows.Close()
	var out []store.SessionRow
	for rows.Next() {
		var s store.SessionRow
		var app, node, conn, seq int64
		if err := rows.Scan(&app, &s.User, &node, &conn, &s.Platform, &s.Instance, &s.LoginAt, &seq, &s.KickedReason, &s.KickedAt); err != nil {
			return nil, err
		}
		s.App, s.Node, s.Conn, s.Seq = store.AppID(app), uint64(node), uint64(conn), uint64(seq)
		out = append(out, s)
	}
	return out, rows.Err()
}
