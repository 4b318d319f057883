package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/parleyim/parley/internal/store"
)

// The AVChatRoom tables of migration 0017: group_bans, group_member_marks
// and the ring of recent messages (group_recent_heads, group_recent_messages).

func (t *txn) PutGroupBans(ctx context.Context, bans []store.GroupBan) error {
	if t.readOnly {
		return errReadOnly
	}
	for _, b := range bans {
		if _, err := t.exec(ctx, `INSERT INTO group_bans (app_id, group_id, user_id, banned_until, description) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (app_id, group_id, user_id) DO UPDATE SET banned_until = excluded.banned_until, description = excluded.description`,
			int64(b.App), b.GroupID, b.User, b.Until, b.Description); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) DeleteGroupBans(ctx context.Context, app store.AppID, groupID string, users []string) (int64, error) {
	if t.readOnly {
		return 0, errReadOnly
	}
	if len(users) == 0 {
		return 0, nil
	}
	in, args := t.among("user_id", users)
	return t.execAffected(ctx, `DELETE FROM group_bans WHERE app_id = ? AND group_id = ? AND `+in,
		append([]any{int64(app), groupID}, args...)...)
}

func (t *txn) ActiveGroupBan(ctx context.Context, app store.AppID, groupID, user string, now int64) (store.GroupBan, bool, error) {
	b := store.GroupBan{App: app, GroupID: groupID, User: user}
	err := t.queryRow(ctx, `SELECT banned_until, description FROM group_bans
		WHERE app_id = ? AND group_id = ? AND user_id = ? AND banned_until > ?`, int64(app), groupID, user, now).Scan(&b.Until, &b.Description)
	if errors.Is(err, sql.ErrNoRows) {
		return store.GroupBan{}, false, nil
	}
	return b, err == nil, err
}

func (t *txn) ActiveGroupBans(ctx context.Context, app store.AppID, groupID string, now int64, offset, limit int) ([]store.GroupBan, error) {
	rows, err := t.query(ctx, `SELECT user_id, banned_until, description FROM group_bans
		WHERE app_id = ? AND group_id = ? AND banned_until > ? ORDER BY user_id LIMIT ? OFFSET ?`,
		int64(app), groupID, now, max(limit, 0), max(offset, 0))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.GroupBan
	for rows.Next() {
		b := store.GroupBan{App: app, GroupID: groupID}
		if err := rows.Scan(&b.User, &b.Until, &b.Description); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func (t *txn) PutMemberMarks(ctx context.Context, app store.AppID, groupID string, marks []store.MemberMarks) error {
	if t.readOnly {
		return errReadOnly
	}
	for _, m := range marks {
		if len(m.Marks) == 0 {
			if _, err := t.exec(ctx, `DELETE FROM group_member_marks WHERE app_id = ? AND group_id = ? AND user_id = ?`,
				int64(app), groupID, m.User); err != nil {
				return err
			}
			continue
		}
		b, _ := json.Marshal(m.Marks) // a list of numbers always encodes
		if _, err := t.exec(ctx, `INSERT INTO group_member_marks (app_id, group_id, user_id, joined_at, marks) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (app_id, group_id, user_id) DO UPDATE SET joined_at = excluded.joined_at, marks = excluded.marks`,
			int64(app), groupID, m.User, m.JoinedAt, string(b)); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) MemberMarksOf(ctx context.Context, app store.AppID, groupID string, users []string) ([]store.MemberMarks, error) {
	q := `SELECT user_id, joined_at, marks FROM group_member_marks WHERE app_id = ? AND group_id = ?`
	args := []any{int64(app), groupID}
	if users != nil {
		if len(users) == 0 {
			return nil, nil
		}
		in, more := t.among("user_id", users)
		q += ` AND ` + in
		args = append(args, more...)
	}
	rows, err := t.query(ctx, q+` ORDER BY user_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.MemberMarks
	for rows.Next() {
		var m store.MemberMarks
		var marks string
		if err := rows.Scan(&m.User, &m.JoinedAt, &marks); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(marks), &m.Marks); err != nil {
			return nil, fmt.Errorf("marks of %s in %s: %w", m.User, groupID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// recentEntry is a ring slot's body: the message's columns.
type recentEntry struct {
	Sender    string `json:"s"`
	Random    uint32 `json:"r"`
	ClientKey string `json:"k,omitempty"`
	SentAt    int64  `json:"t"`
	Flags     int    `json:"f,omitempty"`
	Body      string `json:"b"`
}

func (t *txn) AppendRecentMessage(ctx context.Context, app store.AppID, groupID string, m store.Message, keep int) error {
	if t.readOnly {
		return errReadOnly
	}
	if keep < 1 {
		return fmt.Errorf("sqlstore: a ring of %d slots", keep)
	}
	var n int64
	if err := t.queryRow(ctx, `INSERT INTO group_recent_heads (app_id, group_id, n) VALUES (?, ?, 1)
		ON CONFLICT (app_id, group_id) DO UPDATE SET n = group_recent_heads.n + 1 RETURNING n`,
		int64(app), groupID).Scan(&n); err != nil {
		return err
	}
	body, _ := json.Marshal(recentEntry{Sender: m.Sender, Random: m.Random, ClientKey: m.ClientKey, SentAt: m.SentAt,
		Flags: m.Flags, Body: string(m.Body)}) // strings and numbers always encode
	_, err := t.exec(ctx, `INSERT INTO group_recent_messages (app_id, group_id, slot, n, sent_at, body) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (app_id, group_id, slot) DO UPDATE SET n = excluded.n, sent_at = excluded.sent_at, body = excluded.body`,
		int64(app), groupID, n%int64(keep), n, m.SentAt, string(body))
	return err
}

func (t *txn) RecentMessages(ctx context.Context, app store.AppID, groupID string, since int64) ([]store.Message, error) {
	rows, err := t.query(ctx, `SELECT body FROM group_recent_messages WHERE app_id = ? AND group_id = ? AND sent_at >= ? ORDER BY n`,
		int64(app), groupID, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Message
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var e recentEntry
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			return nil, fmt.Errorf("recent message of %s: %w", groupID, err)
		}
		out = append(out, store.Message{App: app, ConvKey: groupKeyPrefix + groupID, Sender: e.Sender, Random: e.Random,
			ClientKey: e.ClientKey, SentAt: e.SentAt, Flags: e.Flags, Body: []byte(e.Body)})
	}
	return out, rows.Err()
}

func (t *txn) GroupsOfType(ctx context.Context, app store.AppID, groupType, after string, limit int) ([]string, error) {
	rows, err := t.query(ctx, `SELECT group_id FROM groups WHERE app_id = ? AND group_type = ? AND group_id > ? ORDER BY group_id LIMIT ?`,
		int64(app), groupType, after, max(limit, 0))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func (t *txn) OnlineGroupMemberCount(ctx context.Context, app store.AppID, groupID string, now int64) (int, error) {
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM group_members gm WHERE gm.app_id = ? AND gm.group_id = ? AND EXISTS (
		SELECT 1`+liveJoin+`WHERE s.app_id = gm.app_id AND s.user_id = gm.user_id`+notKicked+`)`,
		int64(app), groupID, now).Scan(&n)
	return n, err
}
