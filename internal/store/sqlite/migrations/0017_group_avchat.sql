-- AVChatRoom state that is not a member row (internal/store/group_avchat.go).
-- group_bans: who may not rejoin a room until when (unix seconds): a kick
-- with a duration (REST ban_group_member, the owner's client kick), lifted
-- by unban_group_member or by time; an expired row is ignored and replaced.
CREATE TABLE group_bans (
	app_id BIGINT NOT NULL,
	group_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	banned_until BIGINT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (app_id, group_id, user_id)
);
-- group_member_marks: the owner's marks on a member (uint32 values >= 1000,
-- a JSON array). joined_at is the member row's join time when marked: a
-- member who left and came back has a newer one, so marks of an earlier
-- stay are ignored (Tencent clears them on leave) without the leave paths
-- having to write here.
CREATE TABLE group_member_marks (
	app_id BIGINT NOT NULL,
	group_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	joined_at BIGINT NOT NULL,
	marks TEXT NOT NULL,
	PRIMARY KEY (app_id, group_id, user_id)
);
-- group_recent_messages: a room's last messages for new members ("Message
-- History for New Members"), a ring of at most 20 slots per room rewritten
-- in place: n is the message's number in the room (from group_recent_heads),
-- slot is n modulo the ring's size, so a room never holds more rows however
-- much is said in it.
CREATE TABLE group_recent_heads (
	app_id BIGINT NOT NULL,
	group_id TEXT NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (app_id, group_id)
);
CREATE TABLE group_recent_messages (
	app_id BIGINT NOT NULL,
	group_id TEXT NOT NULL,
	slot INTEGER NOT NULL,
	n BIGINT NOT NULL,
	sent_at BIGINT NOT NULL,
	body TEXT NOT NULL,
	PRIMARY KEY (app_id, group_id, slot)
);
-- send_broadcast_msg walks an app's rooms by type.
CREATE INDEX IF NOT EXISTS groups_by_type ON groups (app_id, group_type, group_id);
