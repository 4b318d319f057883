package sqlstore

import (
	"context"
	"database/sql"

	"github.com/parleyim/parley/internal/store"
)

// The sessions table: the cluster session directory (store.Sessions). Node
// and connection IDs are unsigned 64-bit numbers kept in BIGINT columns as
// their two's-complement bit pattern.

const sessionColumns = `s.app_id, s.user_id, s.node_id, s.conn_id, s.platform, s.instance, s.login_at, s.login_seq`

// liveJoin keeps only the sessions of nodes alive at the bound time.
const liveJoin = ` FROM sessions s JOIN nodes n ON n.node_id = s.node_id AND n.alive_until > ? `

func (t *txn) PutSession(ctx context.Context, s store.SessionRow) (store.SessionRow, error) {
	if t.readOnly {
		return s, errReadOnly
	}
	var seq int64
	// The seq is computed in the statement: under the account lock a
	// login holds (or SQLite's single writer) no other login of the user
	// runs between the MAX and the insert.
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
	rows, err := t.query(ctx, `SELECT `+sessionColumns+liveJoin+`WHERE s.app_id = ? AND s.user_id = ?
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
		rows, err := t.query(ctx, `SELECT `+sessionColumns+liveJoin+`WHERE s.app_id = ? AND s.user_id IN `+inList(len(part))+`
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

func (t *txn) DeleteUserSessions(ctx context.Context, app store.AppID, user string) ([]store.SessionRow, error) {
	if t.readOnly {
		return nil, errReadOnly
	}
	// SQLite's RETURNING names no table alias: the bare column names.
	rows, err := t.query(ctx, `DELETE FROM sessions WHERE app_id = ? AND user_id = ?
		RETURNING app_id, user_id, node_id, conn_id, platform, instance, login_at, login_seq`, int64(app), user)
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
		if err := rows.Scan(&app, &s.User, &node, &conn, &s.Platform, &s.Instance, &s.LoginAt, &seq); err != nil {
			return nil, err
		}
		s.App, s.Node, s.Conn, s.Seq = store.AppID(app), uint64(node), uint64(conn), uint64(seq)
		out = append(out, s)
	}
	return out, rows.Err()
}
