package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sort"

	"github.com/parleyim/parley/internal/store"
)

// Group-shaped storage: groups (one row per group: its last seq and the
// running count of messages excluded from unread), group_members (a view
// per member: join seq, read cursor and the counters that make unread
// arithmetic) and group_messages (each message once). Nothing here writes
// a row per member per message.

func (t *txn) CreateGroup(ctx context.Context, g store.Group) (bool, error) {
	if t.readOnly {
		return false, errReadOnly
	}
	n, err := t.execAffected(ctx, `INSERT INTO groups (app_id, group_id, group_type, created_at, name, introduction, notification,
			face_url, owner, max_members, join_option, mute_all, support_topic, info_time, custom, no_unread)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, int64(g.App), g.ID, g.Type, g.CreatedAt, g.Name, g.Introduction, g.Notification,
		g.FaceURL, g.Owner, g.MaxMembers, g.JoinOption, boolInt(g.MuteAll), boolInt(g.SupportTopic), g.InfoTime, encodeCustom(g.Custom),
		boolInt(g.NoUnread))
	return n == 1, err
}

// groupColumns are the columns scanGroup reads, in its order.
const groupColumns = `group_type, last_seq, last_time, created_at, name, introduction, notification, face_url, owner,
	max_members, join_option, mute_all, support_topic, info_time, member_count, custom, no_unread`

func scanGroup(g *store.Group, row interface{ Scan(...any) error }) error {
	var muteAll, topic, noUnread int
	var custom string
	err := row.Scan(&g.Type, &g.LastSeq, &g.LastTime, &g.CreatedAt, &g.Name, &g.Introduction, &g.Notification,
		&g.FaceURL, &g.Owner, &g.MaxMembers, &g.JoinOption, &muteAll, &topic, &g.InfoTime, &g.MemberCount, &custom, &noUnread)
	if err != nil {
		return err
	}
	g.MuteAll, g.SupportTopic, g.NoUnread = muteAll != 0, topic != 0, noUnread != 0
	g.Custom, err = decodeCustom(custom)
	return err
}

func (t *txn) Group(ctx context.Context, app store.AppID, groupID string) (store.Group, bool, error) {
	g := store.Group{App: app, ID: groupID}
	err := scanGroup(&g, t.queryRow(ctx, `SELECT `+groupColumns+` FROM groups WHERE app_id = ? AND group_id = ?`,
		int64(app), groupID))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Group{}, false, nil
	}
	return g, err == nil, err
}

func (t *txn) JoinGroup(ctx context.Context, app store.AppID, groupID, user string, now int64) (bool, error) {
	if t.readOnly {
		return false, errReadOnly
	}
	// The view starts read up to the join and hidden up to it: the group
	// enters the member's list with its next message.
	n, err := t.execAffected(ctx, `INSERT INTO group_members (app_id, group_id, user_id, join_seq, read_seq, hidden_seq,
			excluded_at_read, excluded_at_join, joined_at)
		SELECT app_id, group_id, ?, last_seq, last_seq, last_seq, unread_excluded, unread_excluded, ? FROM groups
		WHERE app_id = ? AND group_id = ?
		ON CONFLICT DO NOTHING`, user, now, int64(app), groupID)
	if err != nil || n == 0 {
		return false, err
	}
	if _, err := t.exec(ctx, `UPDATE groups SET member_count = member_count + 1 WHERE app_id = ? AND group_id = ?`,
		int64(app), groupID); err != nil {
		return false, err
	}
	return true, t.touchGroupView(ctx, app, groupID, user)
}

func (t *txn) LeaveGroup(ctx context.Context, app store.AppID, groupID, user string) (bool, error) {
	if t.readOnly {
		return false, errReadOnly
	}
	n, err := t.execAffected(ctx, `DELETE FROM group_members WHERE app_id = ? AND group_id = ? AND user_id = ?`, int64(app), groupID, user)
	if err != nil || n == 0 {
		return false, err
	}
	if err := t.leaveTopics(ctx, app, groupID, user); err != nil {
		return false, err
	}
	_, err = t.exec(ctx, `UPDATE groups SET member_count = member_count - 1 WHERE app_id = ? AND group_id = ?`, int64(app), groupID)
	return err == nil, err
}

func (t *txn) MemberGroups(ctx context.Context, app store.AppID, user string) ([]string, error) {
	rows, err := t.query(ctx, `SELECT group_id FROM group_members WHERE app_id = ? AND user_id = ? ORDER BY group_id`, int64(app), user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// appendGroupMessage takes the group's next seq (the UPDATE locks the
// group row until the transaction ends, so seqs are strictly ascending
// with no gaps in commit order), bumps the sender's own-message counter
// if they are a member, and stores the message once.
func (t *txn) appendGroupMessage(ctx context.Context, m store.Message) (store.Message, bool, error) {
	app := int64(m.App)
	group, _ := groupOf(m.ConvKey)
	m.Receiver = ""
	excluded := boolInt(m.Flags&store.MessageExcludedFromUnread != 0)
	var excludedUpto int64
	err := t.queryRow(ctx, `UPDATE groups SET last_seq = last_seq + 1, unread_excluded = unread_excluded + ?
		WHERE app_id = ? AND group_id = ? RETURNING last_seq, unread_excluded`,
		excluded, app, group).Scan(&m.Seq, &excludedUpto)
	if errors.Is(err, sql.ErrNoRows) {
		return m, false, store.ErrNoGroup
	}
	if err != nil {
		return m, false, err
	}
	// A message excluded from unread is subtracted for everyone through
	// unread_excluded; counting it as the sender's own too would subtract
	// it twice.
	ownStep := 1 - excluded
	var senderCount int64
	var member bool
	if isTopic(group) {
		// A topic's own-message counters are on the sender's topic cursor.
		if senderCount, member, err = t.bumpTopicOwn(ctx, m.App, group, m.Sender, ownStep); err != nil {
			return m, false, err
		}
	} else {
		sentAt := m.SentAt / 1000
		err = t.queryRow(ctx, `UPDATE group_members SET own_sent = own_sent + ?,
				last_send_at = CASE WHEN last_send_at < ? THEN ? ELSE last_send_at END
			WHERE app_id = ? AND group_id = ? AND user_id = ? RETURNING own_sent`, ownStep, sentAt, sentAt, app, group, m.Sender).Scan(&senderCount)
		member = err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return m, false, err
		}
	}
	n, err := t.execAffected(ctx, `INSERT INTO group_messages (app_id, group_id, seq, sender, random, client_key, sent_at, flags, status,
			version, body, expires_at, sender_count, excluded_upto) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (app_id, group_id, sender, client_key) DO NOTHING`,
		app, group, m.Seq, m.Sender, int64(m.Random), m.ClientKey, m.SentAt, m.Flags, m.Status, m.Version, string(m.Body), m.ExpiresAt,
		senderCount, excludedUpto)
	if err != nil {
		return m, false, err
	}
	if n == 1 {
		// The last time moves only for a message that is stored (a retry
		// leaves it), and never back (imported messages keep old times).
		if m.Flags&store.MessageExcludedFromLast == 0 {
			_, err = t.exec(ctx, `UPDATE groups SET last_time = ? WHERE app_id = ? AND group_id = ? AND last_time < ?`,
				m.SentAt, app, group, m.SentAt)
		}
		return m, false, err
	}
	// A retry: give back the seq and the counters (the group row is this
	// transaction's until it ends) and answer with the first attempt.
	if _, err := t.exec(ctx, `UPDATE groups SET last_seq = last_seq - 1, unread_excluded = unread_excluded - ? WHERE app_id = ? AND group_id = ?`,
		excluded, app, group); err != nil {
		return m, false, err
	}
	if member {
		table, col := "group_members", "group_id"
		if isTopic(group) {
			table, col = "group_topic_cursors", "topic_id"
		}
		if _, err := t.exec(ctx, `UPDATE `+table+` SET own_sent = own_sent - ? WHERE app_id = ? AND `+col+` = ? AND user_id = ?`,
			ownStep, app, group, m.Sender); err != nil {
			return m, false, err
		}
	}
	prev, err := scanMessage(m.App, t.queryRow(ctx, `SELECT `+groupMessageColumns+` FROM group_messages
		WHERE app_id = ? AND group_id = ? AND sender = ? AND client_key = ?`, app, group, m.Sender, m.ClientKey))
	return prev, err == nil, err
}

// groupUnreadExpr is a member's unread count from the two rows alone: the
// messages after the read cursor, less the member's own and those excluded
// from unread, never below zero; none in a group whose type counts none.
const groupUnreadExpr = `(CASE WHEN g.no_unread <> 0 THEN 0 WHEN (g.last_seq - gm.read_seq) - (gm.own_sent - gm.own_at_read) - (g.unread_excluded - gm.excluded_at_read) > 0
	THEN (g.last_seq - gm.read_seq) - (gm.own_sent - gm.own_at_read) - (g.unread_excluded - gm.excluded_at_read) ELSE 0 END)`

const groupViewQuery = `SELECT gm.group_id, g.last_seq, g.last_time, gm.read_seq, gm.cleared_seq, gm.hidden_seq, gm.pinned_at,
	gm.join_seq, gm.version, ` + groupUnreadExpr + `
	FROM group_members gm CROSS JOIN groups g
	WHERE gm.app_id = ? AND gm.user_id = ? AND g.app_id = gm.app_id AND g.group_id = gm.group_id`

// groupViews reads owner's group views that filter (conditions on gm and
// g) selects.
func (t *txn) groupViews(ctx context.Context, app store.AppID, owner, filter string, args ...any) ([]store.Conversation, error) {
	rows, err := t.query(ctx, groupViewQuery+filter, append([]any{int64(app), owner}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Conversation
	for rows.Next() {
		c := store.Conversation{App: app, Owner: owner}
		var group string
		var hidden int64
		if err := rows.Scan(&group, &c.LastSeq, &c.LastTime, &c.ReadSeq, &c.ClearedSeq, &hidden, &c.PinnedAt, &c.JoinSeq,
			&c.Version, &c.Unread); err != nil {
			return nil, err
		}
		c.ConvKey, c.HiddenSeq = groupKeyPrefix+group, uint64(max(hidden, 0))
		out = append(out, c)
	}
	return out, rows.Err()
}

// setGroupRead moves owner's read cursor in group forward to seq (at most
// the last seq) and records the member's two counters as of the cursor, so
// that unread stays arithmetic. At the last seq they are the current
// counters; before it, the member's own count is the sender_count of their
// latest message at or before seq (one descending step of
// group_messages_by_sender) and the excluded count the excluded_upto of
// the latest message at or before seq (one step of the primary key).
// Only messages after the join count: a member who left and came back
// starts their counters again. A message pruned away leaves the counter
// where the nearest earlier one puts it. It reports whether the cursor
// moved.
func (t *txn) setGroupRead(ctx context.Context, app store.AppID, group, owner string, seq uint64) (bool, error) {
	if t.readOnly {
		return false, errReadOnly
	}
	var readSeq, joinSeq, ownSent, ownAtRead, excludedAtRead, excludedAtJoin, lastSeq, excludedNow int64
	err := t.queryRow(ctx, `SELECT gm.read_seq, gm.join_seq, gm.own_sent, gm.own_at_read, gm.excluded_at_read, gm.excluded_at_join,
		g.last_seq, g.unread_excluded
		FROM group_members gm JOIN groups g ON g.app_id = gm.app_id AND g.group_id = gm.group_id
		WHERE gm.app_id = ? AND gm.group_id = ? AND gm.user_id = ?`, int64(app), group, owner).Scan(
		&readSeq, &joinSeq, &ownSent, &ownAtRead, &excludedAtRead, &excludedAtJoin, &lastSeq, &excludedNow)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	to := min(seqBound(seq, 0), lastSeq)
	if to <= readSeq {
		return false, nil
	}
	own, excl := ownSent, excludedNow
	if to < lastSeq {
		own, excl = ownAtRead, max(excludedAtRead, excludedAtJoin)
		var n int64
		err := t.queryRow(ctx, `SELECT sender_count FROM group_messages WHERE app_id = ? AND group_id = ? AND sender = ?
			AND seq > ? AND seq <= ? ORDER BY seq DESC LIMIT 1`, int64(app), group, owner, joinSeq, to).Scan(&n)
		switch {
		case err == nil:
			own = max(own, n)
		case !errors.Is(err, sql.ErrNoRows):
			return false, err
		}
		err = t.queryRow(ctx, `SELECT excluded_upto FROM group_messages WHERE app_id = ? AND group_id = ?
			AND seq > ? AND seq <= ? ORDER BY seq DESC LIMIT 1`, int64(app), group, joinSeq, to).Scan(&n)
		switch {
		case err == nil:
			// Never above the group's counter: SetGroupUnread's offset
			// ends with a read.
			excl = min(max(excl, n), excludedNow)
		case !errors.Is(err, sql.ErrNoRows):
			return false, err
		}
	}
	v, err := t.bumpClock(ctx, app, owner)
	if err != nil {
		return false, err
	}
	_, err = t.exec(ctx, `UPDATE group_members SET read_seq = ?, own_at_read = ?, excluded_at_read = ?, version = ?
		WHERE app_id = ? AND group_id = ? AND user_id = ?`, to, own, excl, v, int64(app), group, owner)
	return true, err
}

// clearGroup moves owner's cleared cursor forward to seq; what is cleared
// is read.
func (t *txn) clearGroup(ctx context.Context, app store.AppID, group, owner string, seq uint64) error {
	if t.readOnly {
		return errReadOnly
	}
	n, err := t.execAffected(ctx, `UPDATE group_members SET cleared_seq = ? WHERE app_id = ? AND group_id = ? AND user_id = ? AND cleared_seq < ?`,
		seqBound(seq, 0), int64(app), group, owner, seqBound(seq, 0))
	if err != nil || n == 0 {
		return err
	}
	if _, err := t.setGroupRead(ctx, app, group, owner, seq); err != nil {
		return err
	}
	return t.touchGroupView(ctx, app, group, owner)
}

// bumpClock takes owner's next conversation version. The upsert locks the
// owner's clock row until the transaction ends, so for one owner version
// order is commit order: a sync that saw version v has seen every change
// numbered up to v.
func (t *txn) bumpClock(ctx context.Context, app store.AppID, owner string) (int64, error) {
	var v int64
	err := t.queryRow(ctx, `INSERT INTO conversation_clocks (app_id, owner, version) VALUES (?, ?, 1)
		ON CONFLICT (app_id, owner) DO UPDATE SET version = conversation_clocks.version + 1 RETURNING version`,
		int64(app), owner).Scan(&v)
	return v, err
}

// touchViews gives the one-to-one views of convKey owned by owners a new
// version each, bumping the clocks in a fixed order (two writers touching
// the same pair cannot deadlock on them).
func (t *txn) touchViews(ctx context.Context, app store.AppID, convKey string, owners ...string) error {
	owners = append([]string(nil), owners...)
	sort.Strings(owners)
	for i, o := range owners {
		if i > 0 && owners[i-1] == o {
			continue
		}
		v, err := t.bumpClock(ctx, app, o)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE user_conversations SET version = ? WHERE app_id = ? AND owner = ? AND conv_key = ?`,
			v, int64(app), o, convKey); err != nil {
			return err
		}
	}
	return nil
}

// touchGroupView gives owner's view of group a new version.
func (t *txn) touchGroupView(ctx context.Context, app store.AppID, group, owner string) error {
	v, err := t.bumpClock(ctx, app, owner)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `UPDATE group_members SET version = ? WHERE app_id = ? AND group_id = ? AND user_id = ?`,
		v, int64(app), group, owner)
	return err
}
