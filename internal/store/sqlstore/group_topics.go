package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/parleyim/parley/internal/store"
)

// Topics of communities: a topic is a groups row whose community_id names
// its community (so appendGroupMessage numbers its messages and
// group_messages stores them, like any group's), and group_topic_cursors
// holds a member's read cursor and own-message counters in a topic, written
// only once the member reads or sends there. Without a cursor row a
// member's cursor is derived from their community membership: read up to
// the last topic message sent before they joined. Nothing here writes a row
// per member per topic at a join, or per member per message.

// topicSeparator marks a topic ID (<communityID>@TOPIC#_<x>, package
// convid, whose rule forbids it in ordinary group IDs): the engine routes a
// group conversation key to the topic tables on it.
const topicSeparator = "@TOPIC#_"

func isTopic(groupID string) bool { return strings.Contains(groupID, topicSeparator) }

const topicColumns = `group_id, community_id, name, face_url, introduction, notification, custom_string, mute_all,
	created_at, info_time, last_seq, last_time`

func (t *txn) CreateTopic(ctx context.Context, tp store.Topic) (bool, error) {
	if t.readOnly {
		return false, errReadOnly
	}
	n, err := t.execAffected(ctx, `INSERT INTO groups (app_id, group_id, group_type, created_at, name, introduction, notification,
			face_url, mute_all, info_time, community_id, custom_string)
		VALUES (?, ?, 'Community', ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, int64(tp.App), tp.ID, tp.CreatedAt, tp.Name, tp.Introduction, tp.Notification,
		tp.FaceURL, boolInt(tp.MuteAll), tp.InfoTime, tp.CommunityID, tp.CustomString)
	return n == 1, err
}

func (t *txn) Topics(ctx context.Context, app store.AppID, communityID string, ids []string) ([]store.Topic, error) {
	q := `SELECT ` + topicColumns + ` FROM groups WHERE app_id = ? AND community_id = ? AND community_id <> ''`
	args := []any{int64(app), communityID}
	if ids != nil {
		if len(ids) == 0 {
			return nil, nil
		}
		q += ` AND group_id IN ` + inList(len(ids))
		for _, id := range ids {
			args = append(args, id)
		}
	}
	rows, err := t.query(ctx, q+` ORDER BY group_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Topic
	for rows.Next() {
		tp := store.Topic{App: app}
		var muteAll int
		if err := rows.Scan(&tp.ID, &tp.CommunityID, &tp.Name, &tp.FaceURL, &tp.Introduction, &tp.Notification, &tp.CustomString,
			&muteAll, &tp.CreatedAt, &tp.InfoTime, &tp.LastSeq, &tp.LastTime); err != nil {
			return nil, err
		}
		tp.MuteAll = muteAll != 0
		out = append(out, tp)
	}
	return out, rows.Err()
}

func (t *txn) CountTopics(ctx context.Context, app store.AppID, communityID string) (int, error) {
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM groups WHERE app_id = ? AND community_id = ? AND community_id <> ''`, int64(app), communityID).Scan(&n)
	return n, err
}

func (t *txn) UpdateTopic(ctx context.Context, app store.AppID, communityID, topicID string, u store.TopicUpdate) (bool, error) {
	if t.readOnly {
		return false, errReadOnly
	}
	set := []string{"info_time = ?"}
	args := []any{u.InfoTime}
	for _, f := range []struct {
		col string
		v   *string
	}{{"name", u.Name}, {"face_url", u.FaceURL}, {"introduction", u.Introduction}, {"notification", u.Notification},
		{"custom_string", u.CustomString}} {
		if f.v != nil {
			set = append(set, f.col+" = ?")
			args = append(args, *f.v)
		}
	}
	if u.MuteAll != nil {
		set = append(set, "mute_all = ?")
		args = append(args, boolInt(*u.MuteAll))
	}
	args = append(args, int64(app), topicID, communityID)
	n, err := t.execAffected(ctx, `UPDATE groups SET `+strings.Join(set, ", ")+` WHERE app_id = ? AND group_id = ? AND community_id = ?`, args...)
	return n == 1, err
}

func (t *txn) DeleteTopic(ctx context.Context, app store.AppID, communityID, topicID string) (bool, error) {
	if t.readOnly {
		return false, errReadOnly
	}
	n, err := t.execAffected(ctx, `DELETE FROM groups WHERE app_id = ? AND group_id = ? AND community_id = ?`, int64(app), topicID, communityID)
	if err != nil || n == 0 {
		return false, err
	}
	if _, err := t.exec(ctx, `DELETE FROM group_messages WHERE app_id = ? AND group_id = ?`, int64(app), topicID); err != nil {
		return false, err
	}
	if _, err := t.exec(ctx, `DELETE FROM group_topic_cursors WHERE app_id = ? AND topic_id = ?`, int64(app), topicID); err != nil {
		return false, err
	}
	err = t.dropTopicMemberSettings(ctx, app, communityID, topicID)
	return err == nil, err
}

func (t *txn) DeleteCommunityTopics(ctx context.Context, app store.AppID, communityID string) error {
	if t.readOnly {
		return errReadOnly
	}
	if communityID == "" {
		return nil
	}
	for _, q := range []string{
		`DELETE FROM group_messages WHERE app_id = ? AND group_id IN (SELECT group_id FROM groups WHERE app_id = ? AND community_id = ? AND community_id <> '')`,
		`DELETE FROM group_topic_cursors WHERE app_id = ? AND topic_id IN (SELECT group_id FROM groups WHERE app_id = ? AND community_id = ? AND community_id <> '')`,
	} {
		if _, err := t.exec(ctx, q, int64(app), int64(app), communityID); err != nil {
			return err
		}
	}
	if err := t.dropTopicMemberSettings(ctx, app, communityID, ""); err != nil {
		return err
	}
	_, err := t.exec(ctx, `DELETE FROM groups WHERE app_id = ? AND community_id = ? AND community_id <> ''`, int64(app), communityID)
	return err
}

// topicView is one row of topicViewQuery before its derived cursor is
// filled in.
type topicView struct {
	c                store.Conversation
	unreadExcluded   int64
	joinedAt         int64
	hasCursor        bool
	ownSent, ownRead int64
	excludedAtRead   int64
}

// topicFromMembers reaches the owner's topics from their member rows: the
// CROSS JOIN keeps that order on SQLite (the owner's few member rows
// first, then each community's topics through groups_topics), and
// community_id <> ” lets the partial index apply; PostgreSQL plans it as
// the inner join it is.
const topicFromMembers = ` FROM group_members gm CROSS JOIN groups t
	LEFT JOIN group_topic_cursors tc ON tc.app_id = t.app_id AND tc.topic_id = t.group_id AND tc.user_id = gm.user_id
	WHERE gm.app_id = ? AND gm.user_id = ? AND t.app_id = gm.app_id AND t.community_id = gm.group_id AND t.community_id <> ''`

// topicViewQuery is the owner's topics of the communities they are a
// member of, with their cursor row when they have one.
const topicViewQuery = `SELECT t.group_id, t.last_seq, t.last_time, t.unread_excluded, gm.joined_at,
	tc.read_seq, tc.own_sent, tc.own_at_read, tc.excluded_at_read, tc.version` + topicFromMembers

func (t *txn) TopicViews(ctx context.Context, app store.AppID, owner, communityID string, ids []string) ([]store.Conversation, error) {
	filter := ` AND gm.group_id = ?`
	args := []any{communityID}
	if ids != nil {
		if len(ids) == 0 {
			return nil, nil
		}
		filter += ` AND t.group_id IN ` + inList(len(ids))
		for _, id := range ids {
			args = append(args, id)
		}
	}
	views, err := t.topicViews(ctx, app, owner, filter+` ORDER BY t.group_id`, args...)
	if err != nil {
		return nil, err
	}
	out := make([]store.Conversation, len(views))
	for i, v := range views {
		out[i] = v.c
	}
	return out, nil
}

// topicViews reads owner's topic views that filter selects, deriving the
// cursor of those without a row: one index step of group_messages_by_time
// each, so a view costs the same whatever the topic's length.
func (t *txn) topicViews(ctx context.Context, app store.AppID, owner, filter string, args ...any) ([]topicView, error) {
	rows, err := t.query(ctx, topicViewQuery+filter, append([]any{int64(app), owner}, args...)...)
	if err != nil {
		return nil, err
	}
	var out []topicView
	for rows.Next() {
		v := topicView{c: store.Conversation{App: app, Owner: owner}}
		var topic string
		var readSeq, ownSent, ownRead, exclRead, version sql.NullInt64
		if err := rows.Scan(&topic, &v.c.LastSeq, &v.c.LastTime, &v.unreadExcluded, &v.joinedAt,
			&readSeq, &ownSent, &ownRead, &exclRead, &version); err != nil {
			rows.Close()
			return nil, err
		}
		v.c.ConvKey = groupKeyPrefix + topic
		if readSeq.Valid {
			v.hasCursor = true
			v.c.ReadSeq, v.c.Version = uint64(readSeq.Int64), uint64(version.Int64)
			v.ownSent, v.ownRead, v.excludedAtRead = ownSent.Int64, ownRead.Int64, exclRead.Int64
		}
		out = append(out, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		v := &out[i]
		if !v.hasCursor {
			topic, _ := groupOf(v.c.ConvKey)
			seq, excl, err := t.topicFloor(ctx, app, topic, v.joinedAt)
			if err != nil {
				return nil, err
			}
			v.c.ReadSeq, v.excludedAtRead = uint64(seq), excl
		}
		unread := int64(v.c.LastSeq) - int64(v.c.ReadSeq) - (v.ownSent - v.ownRead) - (v.unreadExcluded - v.excludedAtRead)
		v.c.Unread = int(max(unread, 0))
	}
	return out, nil
}

// topicFloor is the derived read cursor of a member who joined the
// community at joinedAt (unix s): the seq of the topic's last message sent
// before that second, and the topic's excluded count after it.
func (t *txn) topicFloor(ctx context.Context, app store.AppID, topic string, joinedAt int64) (int64, int64, error) {
	var seq, excl int64
	err := t.queryRow(ctx, `SELECT seq, excluded_upto FROM group_messages WHERE app_id = ? AND group_id = ? AND sent_at < ?
		ORDER BY sent_at DESC, seq DESC LIMIT 1`, int64(app), topic, joinedAt*1000).Scan(&seq, &excl)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return seq, excl, err
}

// topicView is owner's view of one topic; false when owner is not a member
// of its community (or there is no such topic).
func (t *txn) topicView(ctx context.Context, app store.AppID, owner, topic string) (topicView, bool, error) {
	views, err := t.topicViews(ctx, app, owner, ` AND t.group_id = ?`, topic)
	if err != nil || len(views) == 0 {
		return topicView{}, false, err
	}
	return views[0], true, nil
}

// ensureTopicCursor writes owner's cursor row in topic from the derived
// one when there is none yet; false when owner is not a member of the
// community.
func (t *txn) ensureTopicCursor(ctx context.Context, app store.AppID, owner, topic string) (topicView, bool, error) {
	v, ok, err := t.topicView(ctx, app, owner, topic)
	if err != nil || !ok || v.hasCursor {
		return v, ok, err
	}
	_, err = t.exec(ctx, `INSERT INTO group_topic_cursors (app_id, topic_id, user_id, read_seq, excluded_at_read)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, int64(app), topic, owner, int64(v.c.ReadSeq), v.excludedAtRead)
	v.hasCursor = true
	return v, err == nil, err
}

// bumpTopicOwn adds step to sender's own-message count in topic (creating
// their cursor) and returns it: the sender_count of their new message.
// member is false for a sender who is not a member of the community (the
// app's admin), whose messages are nobody's own.
func (t *txn) bumpTopicOwn(ctx context.Context, app store.AppID, topic, sender string, step int) (int64, bool, error) {
	_, ok, err := t.ensureTopicCursor(ctx, app, sender, topic)
	if err != nil || !ok {
		return 0, false, err
	}
	var n int64
	err = t.queryRow(ctx, `UPDATE group_topic_cursors SET own_sent = own_sent + ? WHERE app_id = ? AND topic_id = ? AND user_id = ?
		RETURNING own_sent`, step, int64(app), topic, sender).Scan(&n)
	return n, err == nil, err
}

// setTopicRead is setGroupRead for a topic cursor: forward only, at most
// the last seq, the two counters as of the new cursor from one index step
// each.
func (t *txn) setTopicRead(ctx context.Context, app store.AppID, topic, owner string, seq uint64) error {
	if t.readOnly {
		return errReadOnly
	}
	v, ok, err := t.ensureTopicCursor(ctx, app, owner, topic)
	if err != nil || !ok {
		return err
	}
	last := int64(v.c.LastSeq)
	to := min(seqBound(seq, 0), last)
	if to <= int64(v.c.ReadSeq) {
		return nil
	}
	own, excl := v.ownSent, v.unreadExcluded
	if to < last {
		own, excl = v.ownRead, v.excludedAtRead
		var n int64
		err := t.queryRow(ctx, `SELECT sender_count FROM group_messages WHERE app_id = ? AND group_id = ? AND sender = ?
			AND seq <= ? ORDER BY seq DESC LIMIT 1`, int64(app), topic, owner, to).Scan(&n)
		switch {
		case err == nil:
			own = max(own, n)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		err = t.queryRow(ctx, `SELECT excluded_upto FROM group_messages WHERE app_id = ? AND group_id = ?
			AND seq <= ? ORDER BY seq DESC LIMIT 1`, int64(app), topic, to).Scan(&n)
		switch {
		case err == nil:
			excl = max(excl, n)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
	}
	version, err := t.bumpClock(ctx, app, owner)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `UPDATE group_topic_cursors SET read_seq = ?, own_at_read = ?, excluded_at_read = ?, version = ?
		WHERE app_id = ? AND topic_id = ? AND user_id = ?`, to, own, excl, version, int64(app), topic, owner)
	return err
}

// allTopicViews is owner's topic conversations with a message, for the
// conversation list.
func (t *txn) allTopicViews(ctx context.Context, app store.AppID, owner string) ([]store.Conversation, error) {
	views, err := t.topicViews(ctx, app, owner, ` AND t.last_seq > 0`)
	if err != nil {
		return nil, err
	}
	out := make([]store.Conversation, len(views))
	for i, v := range views {
		out[i] = v.c
	}
	return out, nil
}

// The topic branch of the conversation list (listSource): each topic of
// each community the owner is a member of, in the list once it has a
// message (hidden_seq 0; no pin or draft of its own). Its read cursor and
// unread are the cursor row's, or derived as topicViews derives them (the
// floor subqueries: one index step of group_messages_by_time, only for a
// topic the owner has no cursor in).
const (
	topicFloorFrom = ` FROM group_messages fm WHERE fm.app_id = t.app_id AND fm.group_id = t.group_id
		AND fm.sent_at < gm.joined_at * 1000 ORDER BY fm.sent_at DESC, fm.seq DESC LIMIT 1)`
	topicReadExpr     = `COALESCE(tc.read_seq, (SELECT fm.seq` + topicFloorFrom + `, 0)`
	topicExclReadExpr = `COALESCE(tc.excluded_at_read, (SELECT fm.excluded_upto` + topicFloorFrom + `, 0)`
	topicUnreadCalc   = `(t.last_seq - ` + topicReadExpr + `) - (COALESCE(tc.own_sent, 0) - COALESCE(tc.own_at_read, 0))
		- (t.unread_excluded - ` + topicExclReadExpr + `)`
	topicListBranch = `
	UNION ALL
	SELECT 'group:' || t.group_id, '', 'group_' || t.group_id, t.last_seq, t.last_time, ` + topicReadExpr + `,
		0, 0, 0, '', 0, COALESCE(tc.version, 0), (CASE WHEN ` + topicUnreadCalc + ` > 0 THEN ` + topicUnreadCalc + ` ELSE 0 END)` +
		topicFromMembers
)

// leaveTopics deletes user's cursors in the topics of community, whom they
// left: a member who comes back starts read up to their new join, like a
// member who never opened a topic.
func (t *txn) leaveTopics(ctx context.Context, app store.AppID, community, user string) error {
	if err := t.leaveTopicMemberSettings(ctx, app, community, user); err != nil {
		return err
	}
	_, err := t.exec(ctx, `DELETE FROM group_topic_cursors WHERE app_id = ? AND user_id = ? AND topic_id IN
		(SELECT group_id FROM groups WHERE app_id = ? AND community_id = ? AND community_id <> '')`, int64(app), user, int64(app), community)
	return err
}
