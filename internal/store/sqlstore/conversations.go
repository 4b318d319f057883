package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"

	"github.com/parleyim/parley/internal/store"
)

// The group views join from the owner's member rows (CROSS JOIN: SQLite
// keeps that order; its planner, with no statistics for groups, would
// otherwise read every group of the app first).
//
// listSource is every view of one owner as one relation l (arguments: app,
// owner, three times, listArgs): one-to-one views joined with their conversation's
// shared row (none before the first message), group memberships
// joined with their group's row, and the topics of the owner's communities
// (topicListBranch), so that a group's order and last message
// come from the group row and a group message writes nothing per member.
// conv_id is the conversation as the owner names it, the list order's
// last key. A group view's unread is computed here; a one-to-one view's is
// counted afterwards (fillUnread), for the rows returned only.
const listSource = `(SELECT uc.conv_key, uc.peer, 'c2c_' || uc.peer AS conv_id, c.last_seq, c.last_time, uc.read_seq,
		uc.cleared_seq, uc.hidden_seq, uc.pinned_at, uc.draft, uc.draft_time, uc.version, CAST(NULL AS BIGINT) AS unread
	FROM user_conversations uc LEFT JOIN conversations c ON c.app_id = uc.app_id AND c.conv_key = uc.conv_key
	WHERE uc.app_id = ? AND uc.owner = ?
	UNION ALL
	SELECT 'group:' || gm.group_id, '', 'group_' || gm.group_id, g.last_seq, g.last_time, gm.read_seq,
		gm.cleared_seq, gm.hidden_seq, gm.pinned_at, gm.draft, gm.draft_time, gm.version, ` + groupUnreadExpr + `
	FROM group_members gm CROSS JOIN groups g
	WHERE gm.app_id = ? AND gm.user_id = ? AND g.app_id = gm.app_id AND g.group_id = gm.group_id` + topicListBranch + `) l`

// inListCond: a view is in its owner's list while it has no conversation
// row yet (a pin or draft before the first message) or its last message is
// newer than the deletion (hidden_seq; -1 on a group view shown before any
// message since).
const inListCond = `(l.last_seq IS NULL OR l.last_seq > l.hidden_seq)`

const entryColumns = `SELECT l.conv_key, l.peer, l.last_seq, l.last_time, l.read_seq, l.cleared_seq, l.hidden_seq,
	l.pinned_at, l.draft, l.draft_time, l.version, l.unread FROM ` + listSource

const entryQuery = entryColumns + ` WHERE ` + inListCond

func listArgs(app store.AppID, owner string) []any {
	return []any{int64(app), owner, int64(app), owner, int64(app), owner}
}

// perKeyUnread is how many keys are looked up one by one for their unread
// count before counting the whole list is cheaper.
const perKeyUnread = 8

func (t *txn) scanEntries(ctx context.Context, app store.AppID, owner string, out *[]store.ConversationEntry, q string, args ...any) error {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e := store.ConversationEntry{Conversation: store.Conversation{App: app, Owner: owner}}
		var lastSeq, lastTime, unread sql.NullInt64
		var hidden int64
		if err := rows.Scan(&e.ConvKey, &e.Peer, &lastSeq, &lastTime, &e.ReadSeq, &e.ClearedSeq, &hidden,
			&e.PinnedAt, &e.Draft, &e.DraftTime, &e.Version, &unread); err != nil {
			return err
		}
		e.LastSeq, e.LastTime, e.Unread = uint64(lastSeq.Int64), lastTime.Int64, int(unread.Int64)
		e.HiddenSeq = uint64(max(hidden, 0))
		e.InList = !lastSeq.Valid || lastSeq.Int64 > hidden
		*out = append(*out, e)
	}
	return rows.Err()
}

func (t *txn) ConversationEntries(ctx context.Context, app store.AppID, owner string, keys []string) ([]store.ConversationEntry, error) {
	var out []store.ConversationEntry
	all := keys == nil
	if all {
		if err := t.scanEntries(ctx, app, owner, &out, entryQuery, listArgs(app, owner)...); err != nil {
			return nil, err
		}
	}
	for len(keys) > 0 {
		part := keys[:min(len(keys), 200)]
		keys = keys[len(part):]
		args := append(listArgs(app, owner), convArgs(part)...)
		if err := t.scanEntries(ctx, app, owner, &out, entryQuery+` AND l.conv_key IN `+inList(len(part)), args...); err != nil {
			return nil, err
		}
	}
	return out, t.fillUnread(ctx, app, owner, out, all)
}

// fillUnread sets the unread count of entries (all: they are the whole
// list). Unread is counted by the message store's own query, so that the
// list and the message views never disagree on what counts; only the
// entries given are counted unless they are the whole list anyway.
func (t *txn) fillUnread(ctx context.Context, app store.AppID, owner string, out []store.ConversationEntry, all bool) error {
	var counted []string
	for _, e := range out {
		// A group view's unread came with it (arithmetic on its rows).
		if _, group := groupOf(e.ConvKey); !group && e.LastSeq > e.ClearedSeq {
			counted = append(counted, e.ConvKey)
		}
	}
	if len(counted) == 0 {
		return nil
	}
	unread := map[string]int{}
	switch {
	case all && len(counted) > perKeyUnread:
		convs, err := t.Conversations(ctx, app, owner)
		if err != nil {
			return err
		}
		for _, c := range convs {
			unread[c.ConvKey] = c.Unread
		}
	case len(counted) > perKeyUnread:
		for len(counted) > 0 {
			part := counted[:min(len(counted), 200)]
			counted = counted[len(part):]
			args := append([]any{int64(app), owner}, convArgs(part)...)
			rows, err := t.query(ctx, conversationQuery+` AND uc.conv_key IN `+inList(len(part)), args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				c, err := scanConversation(app, owner, rows)
				if err != nil {
					rows.Close()
					return err
				}
				unread[c.ConvKey] = c.Unread
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
	default:
		for _, key := range counted {
			c, ok, err := t.Conversation(ctx, app, owner, key)
			if err != nil {
				return err
			}
			if ok {
				unread[c.ConvKey] = c.Unread
			}
		}
	}
	for i := range out {
		if _, group := groupOf(out[i].ConvKey); !group {
			out[i].Unread = unread[out[i].ConvKey]
		}
	}
	return nil
}

// pinnedExpr and timeExpr are the list order's first two keys; the third
// is l.conv_id. The keyset condition repeats them (SQL cannot name a select
// alias in WHERE).
const (
	pinnedExpr = `(CASE WHEN l.pinned_at > 0 THEN 1 ELSE 0 END)`
	timeExpr   = `COALESCE(l.last_time, 0)`
)

// ConversationPage builds one statement: the list's membership rule
// (entryQuery), q's filters as extra conditions, the keyset as a
// comparison on (pinned, last time, conversation ID), the order and
// LIMIT. Marks and group membership are matched by the owner's
// conversation ID. The only OFFSET is get_list's, and it skips only
// conversations of the cursor's second (BeforeTime bounds the rest).
func (t *txn) ConversationPage(ctx context.Context, app store.AppID, owner string, q store.ConversationPageQuery) ([]store.ConversationEntry, error) {
	var b strings.Builder
	args := listArgs(app, owner)
	b.WriteString(entryQuery)
	if !q.IncludeEmpty {
		b.WriteString(` AND COALESCE(l.last_seq, 0) > l.cleared_seq`)
	}
	switch q.Pins {
	case store.PinsOnly:
		b.WriteString(` AND l.pinned_at > 0`)
	case store.PinsExcluded:
		b.WriteString(` AND l.pinned_at = 0`)
	}
	if q.MarkType != 0 {
		b.WriteString(` AND ((SELECT m.marks FROM conversation_marks m WHERE m.app_id = ? AND m.owner = ?
			AND m.conv_id = l.conv_id) & ?) = ?`)
		args = append(args, int64(app), owner, int64(q.MarkType), int64(q.MarkType))
	}
	if q.GroupID != 0 {
		b.WriteString(` AND EXISTS (SELECT 1 FROM conversation_group_members g WHERE g.app_id = ? AND g.owner = ?
			AND g.group_id = ? AND g.conv_id = l.conv_id)`)
		args = append(args, int64(app), owner, q.GroupID)
	}
	if q.BeforeTime > 0 {
		b.WriteString(` AND ` + timeExpr + ` < ?`)
		args = append(args, q.BeforeTime)
	}
	if p := q.After; p != nil {
		keyset := `(` + timeExpr + ` < ? OR (` + timeExpr + ` = ? AND l.conv_id > ?))`
		targs := []any{p.LastTime, p.LastTime, p.ConvID}
		if q.PinnedFirst {
			pinned := boolInt(p.Pinned)
			b.WriteString(` AND (` + pinnedExpr + ` < ? OR (` + pinnedExpr + ` = ? AND ` + keyset + `))`)
			args = append(append(args, pinned, pinned), targs...)
		} else {
			b.WriteString(` AND ` + keyset)
			args = append(args, targs...)
		}
	}
	b.WriteString(` ORDER BY `)
	if q.PinnedFirst {
		b.WriteString(pinnedExpr + ` DESC, `)
	}
	b.WriteString(timeExpr + ` DESC, l.conv_id`)
	if q.Limit > 0 {
		b.WriteString(` LIMIT ?`)
		args = append(args, q.Limit)
	} else if q.Offset > 0 {
		b.WriteString(` LIMIT ?`)
		args = append(args, maxSQLInt)
	}
	if q.Offset > 0 {
		b.WriteString(` OFFSET ?`)
		args = append(args, q.Offset)
	}
	var out []store.ConversationEntry
	if err := t.scanEntries(ctx, app, owner, &out, b.String(), args...); err != nil {
		return nil, err
	}
	return out, t.fillUnread(ctx, app, owner, out, false)
}

func (t *txn) ConversationUnreadTotal(ctx context.Context, app store.AppID, owner string) (int, error) {
	var c2c, groups sql.NullInt64
	err := t.queryRow(ctx, `SELECT CAST(SUM(unread) AS BIGINT) FROM (`+conversationQuery+` AND c.last_seq > uc.hidden_seq) AS list`,
		int64(app), owner).Scan(&c2c)
	if err != nil {
		return 0, err
	}
	// O(groups joined): each member row carries its counters.
	err = t.queryRow(ctx, `SELECT CAST(SUM(`+groupUnreadExpr+`) AS BIGINT) FROM group_members gm CROSS JOIN groups g
		WHERE gm.app_id = ? AND gm.user_id = ? AND g.app_id = gm.app_id AND g.group_id = gm.group_id AND g.last_seq > gm.hidden_seq`, int64(app), owner).Scan(&groups)
	if err != nil {
		return 0, err
	}
	topics, err := t.allTopicViews(ctx, app, owner)
	total := int(c2c.Int64 + groups.Int64)
	for _, v := range topics {
		total += v.Unread
	}
	return total, err
}

func (t *txn) ShowConversation(ctx context.Context, app store.AppID, owner, convKey, peer string) error {
	if g, ok := groupOf(convKey); ok {
		n, err := t.execAffected(ctx, `UPDATE group_members SET hidden_seq = -1 WHERE app_id = ? AND group_id = ? AND user_id = ?`,
			int64(app), g, owner)
		if err != nil || n == 0 {
			return err
		}
		return t.touchGroupView(ctx, app, g, owner)
	}
	if _, err := t.exec(ctx, `INSERT INTO user_conversations (app_id, owner, conv_key, peer) VALUES (?, ?, ?, ?)
		ON CONFLICT (app_id, owner, conv_key) DO UPDATE SET hidden_seq = 0`, int64(app), owner, convKey, peer); err != nil {
		return err
	}
	return t.touchViews(ctx, app, convKey, owner)
}

// setView updates columns of owner's view of convKey, whichever kind, and
// gives it a new version if it exists.
func (t *txn) setView(ctx context.Context, app store.AppID, owner, convKey, set string, args ...any) error {
	if t.readOnly {
		return errReadOnly
	}
	if g, ok := groupOf(convKey); ok {
		n, err := t.execAffected(ctx, `UPDATE group_members SET `+set+` WHERE app_id = ? AND group_id = ? AND user_id = ?`,
			append(args, int64(app), g, owner)...)
		if err != nil || n == 0 {
			return err
		}
		return t.touchGroupView(ctx, app, g, owner)
	}
	n, err := t.execAffected(ctx, `UPDATE user_conversations SET `+set+` WHERE app_id = ? AND owner = ? AND conv_key = ?`,
		append(args, int64(app), owner, convKey)...)
	if err != nil || n == 0 {
		return err
	}
	return t.touchViews(ctx, app, convKey, owner)
}

func (t *txn) SetConversationPin(ctx context.Context, app store.AppID, owner, convKey string, pinnedAt int64) error {
	return t.setView(ctx, app, owner, convKey, `pinned_at = ?`, pinnedAt)
}

func (t *txn) SetConversationDraft(ctx context.Context, app store.AppID, owner, convKey, text string, at int64) error {
	if text == "" {
		at = 0
	}
	return t.setView(ctx, app, owner, convKey, `draft = ?, draft_time = ?`, text, at)
}

func (t *txn) DeleteConversation(ctx context.Context, app store.AppID, owner, convKey string, clearHistory bool) (bool, error) {
	if t.readOnly {
		return false, errReadOnly
	}
	if g, ok := groupOf(convKey); ok {
		return t.deleteGroupConversation(ctx, app, g, owner, clearHistory)
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
		// The row goes, so sync has no view to report; the deletion is on
		// the owner's change log (conversation.deleted).
		_, err := t.exec(ctx, `DELETE FROM user_conversations WHERE app_id = ? AND owner = ? AND conv_key = ?`, int64(app), owner, convKey)
		return true, err
	}
	last := lastSeq.Int64
	_, err = t.exec(ctx, `UPDATE user_conversations SET hidden_seq = ?, pinned_at = 0, draft = '', draft_time = 0,
		read_seq = CASE WHEN read_seq < ? THEN ? ELSE read_seq END,
		cleared_seq = CASE WHEN ? = 1 AND cleared_seq < ? THEN ? ELSE cleared_seq END
		WHERE app_id = ? AND owner = ? AND conv_key = ?`,
		last, last, last, convFlag(clearHistory), last, last, int64(app), owner, convKey)
	if err != nil {
		return false, err
	}
	return last > hidden, t.touchViews(ctx, app, convKey, owner)
}

// deleteGroupConversation is DeleteConversation for a membership: the view
// stays (the membership is group management's), hidden, read and
// optionally cleared up to the group's last seq.
func (t *txn) deleteGroupConversation(ctx context.Context, app store.AppID, group, owner string, clearHistory bool) (bool, error) {
	var last, hidden int64
	err := t.queryRow(ctx, `SELECT g.last_seq, gm.hidden_seq FROM group_members gm
		JOIN groups g ON g.app_id = gm.app_id AND g.group_id = gm.group_id
		WHERE gm.app_id = ? AND gm.group_id = ? AND gm.user_id = ?`, int64(app), group, owner).Scan(&last, &hidden)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if _, err := t.exec(ctx, `UPDATE group_members SET hidden_seq = ?, pinned_at = 0, draft = '', draft_time = 0,
		cleared_seq = CASE WHEN ? = 1 AND cleared_seq < ? THEN ? ELSE cleared_seq END
		WHERE app_id = ? AND group_id = ? AND user_id = ?`,
		last, convFlag(clearHistory), last, last, int64(app), group, owner); err != nil {
		return false, err
	}
	if _, err := t.setGroupRead(ctx, app, group, owner, uint64(last)); err != nil {
		return false, err
	}
	return last > hidden, t.touchGroupView(ctx, app, group, owner)
}

func (t *txn) ConversationVersion(ctx context.Context, app store.AppID, owner string) (uint64, error) {
	var v int64
	err := t.queryRow(ctx, `SELECT version FROM conversation_clocks WHERE app_id = ? AND owner = ?`, int64(app), owner).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return uint64(v), err
}

// ConversationsChangedAfter reads both kinds of view by version: each arm
// of listSource has an index on (owner, version).
func (t *txn) ConversationsChangedAfter(ctx context.Context, app store.AppID, owner string, after uint64, limit int) ([]store.ConversationEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	var out []store.ConversationEntry
	if err := t.scanEntries(ctx, app, owner, &out, entryColumns+` WHERE l.version > ? ORDER BY l.version LIMIT ?`,
		append(listArgs(app, owner), seqBound(after, 0), limit)...); err != nil {
		return nil, err
	}
	return out, t.fillUnread(ctx, app, owner, out, false)
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
