package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sort"

	"github.com/parleyim/parley/internal/store"
)

// A view is in its owner's list while it has no conversation row yet (a pin
// or draft before the first message) or its last message is newer than the
// deletion (hidden_seq).
const entryQuery = `SELECT uc.conv_key, uc.peer, c.last_seq, c.last_time, uc.read_seq, uc.cleared_seq, uc.hidden_seq,
	uc.pinned_at, uc.draft, uc.draft_time
	FROM user_conversations uc LEFT JOIN conversations c ON c.app_id = uc.app_id AND c.conv_key = uc.conv_key
	WHERE uc.app_id = ? AND uc.owner = ? AND (c.last_seq IS NULL OR c.last_seq > uc.hidden_seq)`

// perKeyUnread is how many keys are looked up one by one for their unread
// count before counting the whole list is cheaper.
const perKeyUnread = 8

func (t *txn) ConversationEntries(ctx context.Context, app store.AppID, owner string, keys []string) ([]store.ConversationEntry, error) {
	var out []store.ConversationEntry
	scan := func(q string, args ...any) error {
		rows, err := t.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e := store.ConversationEntry{Conversation: store.Conversation{App: app, Owner: owner}}
			var lastSeq, lastTime sql.NullInt64
			if err := rows.Scan(&e.ConvKey, &e.Peer, &lastSeq, &lastTime, &e.ReadSeq, &e.ClearedSeq, &e.HiddenSeq,
				&e.PinnedAt, &e.Draft, &e.DraftTime); err != nil {
				return err
			}
			e.LastSeq, e.LastTime = uint64(lastSeq.Int64), lastTime.Int64
			out = append(out, e)
		}
		return rows.Err()
	}
	if keys == nil {
		if err := scan(entryQuery, int64(app), owner); err != nil {
			return nil, err
		}
	}
	for len(keys) > 0 {
		part := keys[:min(len(keys), 200)]
		keys = keys[len(part):]
		args := append([]any{int64(app), owner}, convArgs(part)...)
		if err := scan(entryQuery+` AND uc.conv_key IN `+inList(len(part)), args...); err != nil {
			return nil, err
		}
	}
	// Unread is counted by the message store's own query, so that the list
	// and the message views never disagree on what counts.
	var withMessages int
	for _, e := range out {
		if e.LastSeq > e.ClearedSeq {
			withMessages++
		}
	}
	if withMessages == 0 {
		return out, nil
	}
	unread := map[string]int{}
	if withMessages > perKeyUnread {
		convs, err := t.Conversations(ctx, app, owner)
		if err != nil {
			return nil, err
		}
		for _, c := range convs {
			unread[c.ConvKey] = c.Unread
		}
	} else {
		for _, e := range out {
			if e.LastSeq <= e.ClearedSeq {
				continue
			}
			c, ok, err := t.Conversation(ctx, app, owner, e.ConvKey)
			if err != nil {
				return nil, err
			}
			if ok {
				unread[c.ConvKey] = c.Unread
			}
		}
	}
	for i := range out {
		out[i].Unread = unread[out[i].ConvKey]
	}
	return out, nil
}

func (t *txn) ShowConversation(ctx context.Context, app store.AppID, owner, convKey, peer string) error {
	_, err := t.exec(ctx, `INSERT INTO user_conversations (app_id, owner, conv_key, peer) VALUES (?, ?, ?, ?)
		ON CONFLICT (app_id, owner, conv_key) DO UPDATE SET hidden_seq = 0`, int64(app), owner, convKey, peer)
	return err
}

func (t *txn) SetConversationPin(ctx context.Context, app store.AppID, owner, convKey string, pinnedAt int64) error {
	_, err := t.exec(ctx, `UPDATE user_conversations SET pinned_at = ? WHERE app_id = ? AND owner = ? AND conv_key = ?`,
		pinnedAt, int64(app), owner, convKey)
	return err
}

func (t *txn) SetConversationDraft(ctx context.Context, app store.AppID, owner, convKey, text string, at int64) error {
	if text == "" {
		at = 0
	}
	_, err := t.exec(ctx, `UPDATE user_conversations SET draft = ?, draft_time = ? WHERE app_id = ? AND owner = ? AND conv_key = ?`,
		text, at, int64(app), owner, convKey)
	return err
}

func (t *txn) DeleteConversation(ctx context.Context, app store.AppID, owner, convKey string, clearHistory bool) (bool, error) {
	if t.readOnly {
		return false, errReadOnly
	}
	var lastSeq sql.NullInt64
	var hidden int64
	err := t.queryRow(ctx, `SELECT c.last_seq, uc.hidden_seq FROM user_conversations uc
		LEFT JOIN conversations c ON c.app_id = uc.app_id AND c.conv_key = uc.conv_key
		WHERE uc.app_id = ? AND uc.owner = ? AND uc.conv_key = ?`, int64(app), owner, convKey).Scan(&lastSeq, &hidden)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !lastSeq.Valid {
		// Never had a message: nothing for a later message to bring back.
		_, err := t.exec(ctx, `DELETE FROM user_conversations WHERE app_id = ? AND owner = ? AND conv_key = ?`, int64(app), owner, convKey)
		return true, err
	}
	last := lastSeq.Int64
	_, err = t.exec(ctx, `UPDATE user_conversations SET hidden_seq = ?, pinned_at = 0, draft = '', draft_time = 0,
		read_seq = CASE WHEN read_seq < ? THEN ? ELSE read_seq END,
		cleared_seq = CASE WHEN ? = 1 AND cleared_seq < ? THEN ? ELSE cleared_seq END
		WHERE app_id = ? AND owner = ? AND conv_key = ?`,
		last, last, last, convFlag(clearHistory), last, last, int64(app), owner, convKey)
	return last > hidden, err
}

// --- group/mark data -------------------------------------------------------

func (t *txn) ConversationMarks(ctx context.Context, app store.AppID, owner string, convIDs []string) ([]store.ConversationMark, error) {
	if convIDs != nil && len(convIDs) == 0 {
		return nil, nil
	}
	var out []store.ConversationMark
	index := map[string]int{}
	each := func(fn func(filter string, args []any) error) error {
		base := []any{int64(app), owner}
		if convIDs == nil {
			return fn("", base)
		}
		for rest := convIDs; len(rest) > 0; {
			part := rest[:min(len(rest), 200)]
			rest = rest[len(part):]
			if err := fn(` AND conv_id IN `+inList(len(part)), append(append([]any(nil), base...), convArgs(part)...)); err != nil {
				return err
			}
		}
		return nil
	}
	err := each(func(filter string, args []any) error {
		rows, err := t.query(ctx, `SELECT conv_id, marks, custom_mark, updated_at FROM conversation_marks
			WHERE app_id = ? AND owner = ?`+filter, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m := store.ConversationMark{App: app, Owner: owner}
			var marks int64
			if err := rows.Scan(&m.ConvID, &marks, &m.CustomMark, &m.UpdatedAt); err != nil {
				return err
			}
			m.Marks = uint64(marks)
			if _, dup := index[m.ConvID]; !dup {
				index[m.ConvID] = len(out)
				out = append(out, m)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	err = each(func(filter string, args []any) error {
		rows, err := t.query(ctx, `SELECT conv_id, group_id FROM conversation_group_members
			WHERE app_id = ? AND owner = ?`+filter+` ORDER BY group_id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var group int64
			if err := rows.Scan(&id, &group); err != nil {
				return err
			}
			if i, ok := index[id]; ok {
				out[i].Groups = append(out[i].Groups, group)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	sortMarks(out)
	return out, nil
}

// sortMarks orders by conversation ID: rows arrive per chunk of IDs.
func sortMarks(ms []store.ConversationMark) {
	sort.Slice(ms, func(i, j int) bool { return ms[i].ConvID < ms[j].ConvID })
}

func convArgs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func convFlag(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (t *txn) CountConversationMarks(ctx context.Context, app store.AppID, owner string) (int, error) {
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM conversation_marks WHERE app_id = ? AND owner = ?`, int64(app), owner).Scan(&n)
	return n, err
}

func (t *txn) PutConversationMark(ctx context.Context, m store.ConversationMark) error {
	if _, err := t.exec(ctx, `INSERT INTO conversation_marks (app_id, owner, conv_id, marks, custom_mark, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (app_id, owner, conv_id) DO UPDATE SET marks = excluded.marks, custom_mark = excluded.custom_mark,
		updated_at = excluded.updated_at`, int64(m.App), m.Owner, m.ConvID, int64(m.Marks), m.CustomMark, m.UpdatedAt); err != nil {
		return err
	}
	return t.pruneMarks(ctx, m.App, m.Owner, []string{m.ConvID})
}

// pruneMarks removes the data of convIDs that holds no mark and no group.
func (t *txn) pruneMarks(ctx context.Context, app store.AppID, owner string, convIDs []string) error {
	for len(convIDs) > 0 {
		part := convIDs[:min(len(convIDs), 200)]
		convIDs = convIDs[len(part):]
		args := append([]any{int64(app), owner}, convArgs(part)...)
		if _, err := t.exec(ctx, `DELETE FROM conversation_marks WHERE app_id = ? AND owner = ? AND conv_id IN `+inList(len(part))+`
			AND marks = 0 AND custom_mark = '' AND NOT EXISTS (SELECT 1 FROM conversation_group_members g
				WHERE g.app_id = conversation_marks.app_id AND g.owner = conversation_marks.owner AND g.conv_id = conversation_marks.conv_id)`,
			args...); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) touchMarks(ctx context.Context, app store.AppID, owner string, convIDs []string, now int64) error {
	for len(convIDs) > 0 {
		part := convIDs[:min(len(convIDs), 200)]
		convIDs = convIDs[len(part):]
		args := append([]any{now, int64(app), owner}, convArgs(part)...)
		if _, err := t.exec(ctx, `UPDATE conversation_marks SET updated_at = ? WHERE app_id = ? AND owner = ? AND conv_id IN `+inList(len(part)),
			args...); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) ConversationGroups(ctx context.Context, app store.AppID, owner string) ([]store.ConversationGroup, error) {
	rows, err := t.query(ctx, `SELECT group_id, name, created_at FROM conversation_groups WHERE app_id = ? AND owner = ? ORDER BY group_id`,
		int64(app), owner)
	if err != nil {
		return nil, err
	}
	var out []store.ConversationGroup
	index := map[int64]int{}
	for rows.Next() {
		var g store.ConversationGroup
		if err := rows.Scan(&g.ID, &g.Name, &g.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		index[g.ID] = len(out)
		out = append(out, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	rows, err = t.query(ctx, `SELECT group_id, conv_id FROM conversation_group_members WHERE app_id = ? AND owner = ? ORDER BY group_id, conv_id`,
		int64(app), owner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var conv string
		if err := rows.Scan(&id, &conv); err != nil {
			return nil, err
		}
		if i, ok := index[id]; ok {
			out[i].Members = append(out[i].Members, conv)
		}
	}
	return out, rows.Err()
}

func (t *txn) CreateConversationGroup(ctx context.Context, app store.AppID, owner, name string, now int64) (int64, error) {
	if t.readOnly {
		return 0, errReadOnly
	}
	var id int64
	if err := t.queryRow(ctx, `SELECT COALESCE(MAX(group_id), 0) + 1 FROM conversation_groups WHERE app_id = ? AND owner = ?`,
		int64(app), owner).Scan(&id); err != nil {
		return 0, err
	}
	_, err := t.exec(ctx, `INSERT INTO conversation_groups (app_id, owner, group_id, name, created_at) VALUES (?, ?, ?, ?, ?)`,
		int64(app), owner, id, name, now)
	return id, err
}

func (t *txn) groupMembers(ctx context.Context, app store.AppID, owner string, id int64) ([]string, error) {
	rows, err := t.query(ctx, `SELECT conv_id FROM conversation_group_members WHERE app_id = ? AND owner = ? AND group_id = ?`,
		int64(app), owner, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (t *txn) DeleteConversationGroup(ctx context.Context, app store.AppID, owner string, id int64, now int64) error {
	if t.readOnly {
		return errReadOnly
	}
	members, err := t.groupMembers(ctx, app, owner, id)
	if err != nil {
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM conversation_group_members WHERE app_id = ? AND owner = ? AND group_id = ?`, int64(app), owner, id); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM conversation_groups WHERE app_id = ? AND owner = ? AND group_id = ?`, int64(app), owner, id); err != nil {
		return err
	}
	if err := t.touchMarks(ctx, app, owner, members, now); err != nil {
		return err
	}
	return t.pruneMarks(ctx, app, owner, members)
}

func (t *txn) RenameConversationGroup(ctx context.Context, app store.AppID, owner string, id int64, name string) error {
	_, err := t.exec(ctx, `UPDATE conversation_groups SET name = ? WHERE app_id = ? AND owner = ? AND group_id = ?`, name, int64(app), owner, id)
	return err
}

func (t *txn) AddToConversationGroup(ctx context.Context, app store.AppID, owner string, id int64, convIDs []string, now int64) error {
	for _, c := range convIDs {
		if _, err := t.exec(ctx, `INSERT INTO conversation_marks (app_id, owner, conv_id, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (app_id, owner, conv_id) DO UPDATE SET updated_at = excluded.updated_at`, int64(app), owner, c, now); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO conversation_group_members (app_id, owner, group_id, conv_id) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, int64(app), owner, id, c); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) RemoveFromConversationGroup(ctx context.Context, app store.AppID, owner string, id int64, convIDs []string, now int64) error {
	for _, c := range convIDs {
		if _, err := t.exec(ctx, `DELETE FROM conversation_group_members WHERE app_id = ? AND owner = ? AND group_id = ? AND conv_id = ?`,
			int64(app), owner, id, c); err != nil {
			return err
		}
	}
	if err := t.touchMarks(ctx, app, owner, convIDs, now); err != nil {
		return err
	}
	return t.pruneMarks(ctx, app, owner, convIDs)
}
