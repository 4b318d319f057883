package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/parleyim/parley/internal/store"
)

// The group service's side of groups and group_members (migration 0013):
// the profile, roles, name cards and mutes. groups.go has the rows as the
// message core uses them.

// encodeCustom stores app-defined data as a JSON object (” for none).
func encodeCustom(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	b, _ := json.Marshal(m) // a map of strings always encodes
	return string(b)
}

func decodeCustom(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	var m map[string]string
	return m, json.Unmarshal([]byte(s), &m)
}

func (t *txn) LockGroup(ctx context.Context, app store.AppID, groupID string) (bool, error) {
	if t.readOnly {
		return false, errReadOnly
	}
	q := `SELECT 1 FROM groups WHERE app_id = ? AND group_id = ?`
	if t.db.dialect.LockRows {
		q += ` FOR UPDATE`
	}
	var one int
	err := t.queryRow(ctx, q, int64(app), groupID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (t *txn) UpdateGroup(ctx context.Context, g store.Group) (bool, error) {
	if t.readOnly {
		return false, errReadOnly
	}
	n, err := t.execAffected(ctx, `UPDATE groups SET name = ?, introduction = ?, notification = ?, face_url = ?, owner = ?,
		max_members = ?, join_option = ?, mute_all = ?, info_time = ?, custom = ? WHERE app_id = ? AND group_id = ?`,
		g.Name, g.Introduction, g.Notification, g.FaceURL, g.Owner, g.MaxMembers, g.JoinOption, boolInt(g.MuteAll), g.InfoTime,
		encodeCustom(g.Custom), int64(g.App), g.ID)
	return n == 1, err
}

func (t *txn) DeleteGroup(ctx context.Context, app store.AppID, groupID string) (bool, error) {
	if t.readOnly {
		return false, errReadOnly
	}
	for _, table := range []string{"group_members", "group_messages", "group_applications", "group_attributes", "group_counters",
		"group_at_mentions", "group_message_targets", "group_message_receipts"} {
		if _, err := t.exec(ctx, `DELETE FROM `+table+` WHERE app_id = ? AND group_id = ?`, int64(app), groupID); err != nil {
			return false, err
		}
	}
	n, err := t.execAffected(ctx, `DELETE FROM groups WHERE app_id = ? AND group_id = ?`, int64(app), groupID)
	return n == 1, err
}

// memberColumns are the columns scanMember reads, in its order, of
// group_members aliased gm.
const memberColumns = `gm.user_id, gm.role, gm.name_card, gm.mute_until, gm.joined_at, gm.join_seq, gm.read_seq, gm.custom, gm.msg_flag, gm.last_send_at`

func scanMember(m *store.GroupMember, row interface{ Scan(...any) error }) error {
	var custom string
	if err := row.Scan(&m.User, &m.Role, &m.NameCard, &m.MuteUntil, &m.JoinedAt, &m.JoinSeq, &m.ReadSeq, &custom, &m.MsgFlag, &m.LastSendAt); err != nil {
		return err
	}
	var err error
	m.Custom, err = decodeCustom(custom)
	return err
}

func (t *txn) JoinedGroups(ctx context.Context, app store.AppID, user string) ([]store.JoinedGroup, error) {
	rows, err := t.query(ctx, `SELECT `+memberColumns+`, gm.group_id, `+prefixed("g.", groupColumns)+`
		FROM group_members gm CROSS JOIN groups g
		WHERE gm.app_id = ? AND gm.user_id = ? AND g.app_id = gm.app_id AND g.group_id = gm.group_id ORDER BY gm.group_id`, int64(app), user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.JoinedGroup
	for rows.Next() {
		j := store.JoinedGroup{Group: store.Group{App: app}, Member: store.GroupMember{App: app}}
		var custom string
		var muteAll, topic, noUnread int
		var groupCustom string
		g := &j.Group
		if err := rows.Scan(&j.Member.User, &j.Member.Role, &j.Member.NameCard, &j.Member.MuteUntil, &j.Member.JoinedAt,
			&j.Member.JoinSeq, &j.Member.ReadSeq, &custom, &j.Member.MsgFlag, &j.Member.LastSendAt, &g.ID, &g.Type, &g.LastSeq, &g.LastTime, &g.CreatedAt, &g.Name, &g.Introduction,
			&g.Notification, &g.FaceURL, &g.Owner, &g.MaxMembers, &g.JoinOption, &muteAll, &topic, &g.InfoTime,
			&g.MemberCount, &groupCustom, &noUnread); err != nil {
			return nil, err
		}
		g.MuteAll, g.SupportTopic, g.NoUnread = muteAll != 0, topic != 0, noUnread != 0
		if j.Member.Custom, err = decodeCustom(custom); err != nil {
			return nil, err
		}
		if g.Custom, err = decodeCustom(groupCustom); err != nil {
			return nil, err
		}
		j.Member.GroupID = g.ID
		out = append(out, j)
	}
	return out, rows.Err()
}

// prefixed qualifies each column of a comma-separated list with p.
func prefixed(p, columns string) string {
	out := []byte{}
	start := true
	for i := 0; i < len(columns); i++ {
		c := columns[i]
		if start && c != ' ' && c != '\t' && c != '\n' {
			out = append(out, p...)
			start = false
		}
		out = append(out, c)
		if c == ',' {
			start = true
		}
	}
	return string(out)
}

func (t *txn) GroupMember(ctx context.Context, app store.AppID, groupID, user string) (store.GroupMember, bool, error) {
	m := store.GroupMember{App: app, GroupID: groupID}
	err := scanMember(&m, t.queryRow(ctx, `SELECT `+memberColumns+` FROM group_members gm
		WHERE gm.app_id = ? AND gm.group_id = ? AND gm.user_id = ?`, int64(app), groupID, user))
	if errors.Is(err, sql.ErrNoRows) {
		return store.GroupMember{}, false, nil
	}
	return m, err == nil, err
}

func (t *txn) members(ctx context.Context, app store.AppID, groupID, q string, args ...any) ([]store.GroupMember, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.GroupMember
	for rows.Next() {
		m := store.GroupMember{App: app, GroupID: groupID}
		if err := scanMember(&m, rows); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (t *txn) GroupMembersAmong(ctx context.Context, app store.AppID, groupID string, users []string) ([]store.GroupMember, error) {
	if len(users) == 0 {
		return nil, nil
	}
	cond, args := t.among("gm.user_id", users)
	return t.members(ctx, app, groupID, `SELECT `+memberColumns+` FROM group_members gm WHERE gm.app_id = ? AND gm.group_id = ? AND `+cond,
		append([]any{int64(app), groupID}, args...)...)
}

func (t *txn) ListGroupMembers(ctx context.Context, app store.AppID, groupID string, q store.MemberQuery) ([]store.GroupMember, error) {
	query := `SELECT ` + memberColumns + ` FROM group_members gm WHERE gm.app_id = ? AND gm.group_id = ?`
	args := []any{int64(app), groupID}
	if len(q.Roles) > 0 {
		query += ` AND gm.role IN ` + inList(len(q.Roles))
		for _, r := range q.Roles {
			args = append(args, r)
		}
	}
	query += ` ORDER BY gm.joined_at, gm.user_id LIMIT ? OFFSET ?`
	return t.members(ctx, app, groupID, query, append(args, max(q.Limit, 0), max(q.Offset, 0))...)
}

func (t *txn) SetGroupMember(ctx context.Context, m store.GroupMember) (bool, error) {
	if t.readOnly {
		return false, errReadOnly
	}
	n, err := t.execAffected(ctx, `UPDATE group_members SET role = ?, name_card = ?, mute_until = ?, custom = ?
		WHERE app_id = ? AND group_id = ? AND user_id = ?`, m.Role, m.NameCard, m.MuteUntil, encodeCustom(m.Custom),
		int64(m.App), m.GroupID, m.User)
	return n == 1, err
}

func (t *txn) MutedGroupMembers(ctx context.Context, app store.AppID, groupID string, now int64) ([]store.GroupMember, error) {
	return t.members(ctx, app, groupID, `SELECT `+memberColumns+` FROM group_members gm
		WHERE gm.app_id = ? AND gm.group_id = ? AND gm.mute_until > ? ORDER BY gm.user_id`, int64(app), groupID, now)
}

func (t *txn) PutGroupApplication(ctx context.Context, a store.GroupApplication) error {
	if t.readOnly {
		return errReadOnly
	}
	_, err := t.exec(ctx, `INSERT INTO group_applications (app_id, group_id, applicant, message, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (app_id, group_id, applicant) DO UPDATE SET message = excluded.message, created_at = excluded.created_at`,
		int64(a.App), a.GroupID, a.Applicant, a.Message, a.CreatedAt)
	return err
}

func (t *txn) GroupApplicationsFor(ctx context.Context, app store.AppID, handler string, limit int) ([]store.GroupApplication, error) {
	rows, err := t.query(ctx, `SELECT a.group_id, a.applicant, a.message, a.created_at FROM group_applications a
		JOIN group_members gm ON gm.app_id = a.app_id AND gm.group_id = a.group_id
		WHERE gm.app_id = ? AND gm.user_id = ? AND gm.role > ?
		ORDER BY a.created_at, a.group_id, a.applicant LIMIT ?`, int64(app), handler, store.RoleMember, max(limit, 0))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.GroupApplication
	for rows.Next() {
		a := store.GroupApplication{App: app}
		if err := rows.Scan(&a.GroupID, &a.Applicant, &a.Message, &a.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// TakeGroupApplication deletes the row and reads it back in one statement:
// of two handlers racing, the second's DELETE finds no row (PostgreSQL's
// waits for the first's commit and then matches nothing).
func (t *txn) TakeGroupApplication(ctx context.Context, app store.AppID, groupID, applicant string) (store.GroupApplication, bool, error) {
	if t.readOnly {
		return store.GroupApplication{}, false, errReadOnly
	}
	a := store.GroupApplication{App: app, GroupID: groupID, Applicant: applicant}
	err := t.queryRow(ctx, `DELETE FROM group_applications WHERE app_id = ? AND group_id = ? AND applicant = ?
		RETURNING message, created_at`, int64(app), groupID, applicant).Scan(&a.Message, &a.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return store.GroupApplication{}, false, nil
	}
	return a, err == nil, err
}
