package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/parleyim/parley/internal/store"
)

// Members' settings in topics (group_topic_member_settings, migration
// 0023): one row per member and topic, only while a mute or a receive
// option other than the default is set; a write that returns a row to
// the default deletes it, so the table holds what members chose, not the
// community's members times its topics.

// setTopicMemberColumn upserts col (mute_until or msg_flag) of user's row
// in topicID to v, then drops the row if it is back to the defaults.
func (t *txn) setTopicMemberColumn(ctx context.Context, app store.AppID, communityID, topicID, user, col string, v int64) error {
	if t.readOnly {
		return errReadOnly
	}
	if _, err := t.exec(ctx, `INSERT INTO group_topic_member_settings (app_id, topic_id, user_id, community_id, `+col+`)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (app_id, topic_id, user_id) DO UPDATE SET `+col+` = excluded.`+col,
		int64(app), topicID, user, communityID, v); err != nil {
		return err
	}
	_, err := t.exec(ctx, `DELETE FROM group_topic_member_settings WHERE app_id = ? AND topic_id = ? AND user_id = ?
		AND mute_until = 0 AND msg_flag = 0`, int64(app), topicID, user)
	return err
}

func (t *txn) SetTopicMute(ctx context.Context, app store.AppID, communityID, topicID, user string, muteUntil int64) error {
	return t.setTopicMemberColumn(ctx, app, communityID, topicID, user, "mute_until", max(muteUntil, 0))
}

func (t *txn) SetTopicRecvOpt(ctx context.Context, app store.AppID, communityID, topicID, user string, opt int) error {
	return t.setTopicMemberColumn(ctx, app, communityID, topicID, user, "msg_flag", int64(opt))
}

func (t *txn) TopicMemberSetting(ctx context.Context, app store.AppID, topicID, user string) (store.TopicMemberSetting, error) {
	s := store.TopicMemberSetting{User: user}
	err := t.queryRow(ctx, `SELECT mute_until, msg_flag FROM group_topic_member_settings WHERE app_id = ? AND topic_id = ? AND user_id = ?`,
		int64(app), topicID, user).Scan(&s.MuteUntil, &s.RecvOpt)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	return s, err
}

func (t *txn) TopicMemberSettings(ctx context.Context, app store.AppID, user, communityID string) (map[string]store.TopicMemberSetting, error) {
	rows, err := t.query(ctx, `SELECT topic_id, mute_until, msg_flag FROM group_topic_member_settings
		WHERE app_id = ? AND user_id = ? AND community_id = ?`, int64(app), user, communityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]store.TopicMemberSetting{}
	for rows.Next() {
		var topic string
		s := store.TopicMemberSetting{User: user}
		if err := rows.Scan(&topic, &s.MuteUntil, &s.RecvOpt); err != nil {
			return nil, err
		}
		out[topic] = s
	}
	return out, rows.Err()
}

func (t *txn) MutedTopicMembers(ctx context.Context, app store.AppID, topicID string, now int64, limit int) ([]store.TopicMemberSetting, error) {
	rows, err := t.query(ctx, `SELECT user_id, mute_until, msg_flag FROM group_topic_member_settings
		WHERE app_id = ? AND topic_id = ? AND mute_until > ? ORDER BY user_id LIMIT ?`, int64(app), topicID, now, max(limit, 0))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.TopicMemberSetting
	for rows.Next() {
		var s store.TopicMemberSetting
		if err := rows.Scan(&s.User, &s.MuteUntil, &s.RecvOpt); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (t *txn) TopicRecvOpts(ctx context.Context, app store.AppID, user string) (map[string]int, error) {
	return t.stringInts(ctx, `SELECT topic_id, msg_flag FROM group_topic_member_settings WHERE app_id = ? AND user_id = ? AND msg_flag <> 0`,
		int64(app), user)
}

func (t *txn) TopicNotReceiving(ctx context.Context, app store.AppID, topicID string, limit int) ([]string, error) {
	rows, err := t.query(ctx, `SELECT user_id FROM group_topic_member_settings WHERE app_id = ? AND topic_id = ? AND msg_flag = ?
		ORDER BY user_id LIMIT ?`, int64(app), topicID, store.RecvOptNotReceive, max(limit, 0))
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

// dropTopicMemberSettings deletes the settings of one topic (topicID set)
// or of every topic of communityID (topicID ""): the topic's or the
// community's deletion.
func (t *txn) dropTopicMemberSettings(ctx context.Context, app store.AppID, communityID, topicID string) error {
	if topicID != "" {
		_, err := t.exec(ctx, `DELETE FROM group_topic_member_settings WHERE app_id = ? AND topic_id = ?`, int64(app), topicID)
		return err
	}
	_, err := t.exec(ctx, `DELETE FROM group_topic_member_settings WHERE app_id = ? AND topic_id IN
		(SELECT group_id FROM groups WHERE app_id = ? AND community_id = ? AND community_id <> '')`, int64(app), int64(app), communityID)
	return err
}

// leaveTopicMemberSettings deletes user's settings in the topics of
// community, whom they left: a member who comes back starts unmuted and
// receiving in every topic.
func (t *txn) leaveTopicMemberSettings(ctx context.Context, app store.AppID, community, user string) error {
	_, err := t.exec(ctx, `DELETE FROM group_topic_member_settings WHERE app_id = ? AND user_id = ? AND community_id = ?`,
		int64(app), user, community)
	return err
}
