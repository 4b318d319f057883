package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/parleyim/parley/internal/store"
)

// The rest of the group REST API's storage and group receive options
// (migration 0020: group_members.msg_flag and last_send_at).

func (t *txn) AppGroups(ctx context.Context, app store.AppID, groupType string, offset, limit int) ([]string, int, error) {
	where, args := ` WHERE app_id = ?`, []any{int64(app)}
	if groupType != "" {
		where, args = where+` AND group_type = ?`, append(args, groupType)
	}
	var total int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM groups`+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := t.query(ctx, `SELECT group_id FROM groups`+where+` ORDER BY group_id LIMIT ? OFFSET ?`,
		append(args, max(limit, 0), max(offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, 0, err
		}
		ids = append(ids, id)
	}
	return ids, total, rows.Err()
}

func (t *txn) SetGroupMemberMsgFlag(ctx context.Context, app store.AppID, groupID, user string, flag int) (bool, error) {
	if t.readOnly {
		return false, errReadOnly
	}
	n, err := t.execAffected(ctx, `UPDATE group_members SET msg_flag = ? WHERE app_id = ? AND group_id = ? AND user_id = ?`,
		flag, int64(app), groupID, user)
	return n == 1, err
}

func (t *txn) GroupMsgFlags(ctx context.Context, app store.AppID, user string) (map[string]int, error) {
	return t.stringInts(ctx, `SELECT group_id, msg_flag FROM group_members WHERE app_id = ? AND user_id = ? AND msg_flag <> 0`, int64(app), user)
}

func (t *txn) GroupNotReceiving(ctx context.Context, app store.AppID, groupID string, limit int) ([]string, error) {
	rows, err := t.query(ctx, `SELECT user_id FROM group_members WHERE app_id = ? AND group_id = ? AND msg_flag = ? ORDER BY user_id LIMIT ?`,
		int64(app), groupID, store.RecvOptNotReceive, max(limit, 0))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetGroupUnread keeps unread arithmetic (groupUnreadExpr): the cursor
// moves to the last seq with the member's own counter as of it, and the
// excluded counter as of the cursor is set unread above the group's, so
// the expression yields unread now and unread plus each later message.
// Reading to the end clears the offset (setGroupRead takes the group's
// counter then, and never one above it).
func (t *txn) SetGroupUnread(ctx context.Context, app store.AppID, groupID, user string, unread uint64) (bool, error) {
	if t.readOnly {
		return false, errReadOnly
	}
	var lastSeq, excluded int64
	err := t.queryRow(ctx, `SELECT last_seq, unread_excluded FROM groups WHERE app_id = ? AND group_id = ?`, int64(app), groupID).
		Scan(&lastSeq, &excluded)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	v, err := t.bumpClock(ctx, app, user)
	if err != nil {
		return false, err
	}
	n, err := t.execAffected(ctx, `UPDATE group_members SET read_seq = ?, own_at_read = own_sent, excluded_at_read = ?, version = ?
		WHERE app_id = ? AND group_id = ? AND user_id = ?`, lastSeq, excluded+int64(seqBound(unread, 0)), v, int64(app), groupID, user)
	return n == 1, err
}

func (t *txn) BackdateGroupJoin(ctx context.Context, app store.AppID, groupID, user string, joinedAtMs int64) (bool, error) {
	if t.readOnly {
		return false, errReadOnly
	}
	// One descending step of group_messages_by_time.
	var seq int64
	err := t.queryRow(ctx, `SELECT seq FROM group_messages WHERE app_id = ? AND group_id = ? AND sent_at < ?
		ORDER BY sent_at DESC, seq DESC LIMIT 1`, int64(app), groupID, joinedAtMs).Scan(&seq)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	n, err := t.execAffected(ctx, `UPDATE group_members SET join_seq = CASE WHEN join_seq > ? THEN ? ELSE join_seq END
		WHERE app_id = ? AND group_id = ? AND user_id = ?`, seq, seq, int64(app), groupID, user)
	return n == 1, err
}

func (t *txn) GroupMessagesBySender(ctx context.Context, app store.AppID, groupID, sender string, afterSeq uint64, limit int) ([]store.Message, error) {
	return t.scanMessages(ctx, app, `SELECT `+groupMessageColumns+` FROM group_messages
		WHERE app_id = ? AND group_id = ? AND sender = ? AND seq > ? ORDER BY seq LIMIT ?`,
		int64(app), groupID, sender, seqBound(afterSeq, 0), max(limit, 0))
}
