-- Group message features: @mentions, targeted messages and read receipts.
--
-- @all costs one column, not a row per member: at_all_seq is the seq of
-- the group's last message that mentioned everyone; a member's
-- conversation carries it while their read cursor is below it.
ALTER TABLE groups ADD COLUMN at_all_seq BIGINT NOT NULL DEFAULT 0;

-- A listed mention: one row per mentioned user of a message (at_all: the
-- message also mentioned everyone, at-all-at-me). Rows at or below the
-- user's read cursor no longer count and are removed when they read past
-- them.
CREATE TABLE group_at_mentions (
	app_id BIGINT NOT NULL,
	user_id TEXT NOT NULL,
	group_id TEXT NOT NULL,
	seq BIGINT NOT NULL,
	at_all INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (app_id, user_id, group_id, seq)
) WITHOUT ROWID;

-- The receivers of a targeted message (group_messages.flags & 8): only
-- they and the sender see it, in pushes and in history.
CREATE TABLE group_message_targets (
	app_id BIGINT NOT NULL,
	group_id TEXT NOT NULL,
	seq BIGINT NOT NULL,
	user_id TEXT NOT NULL,
	PRIMARY KEY (app_id, group_id, seq, user_id)
) WITHOUT ROWID;

-- Who sent a read receipt for a group message sent with one requested
-- (group_messages.flags & 4); the read count is the rows of a seq.
CREATE TABLE group_message_receipts (
	app_id BIGINT NOT NULL,
	group_id TEXT NOT NULL,
	seq BIGINT NOT NULL,
	reader TEXT NOT NULL,
	read_at BIGINT NOT NULL,
	PRIMARY KEY (app_id, group_id, seq, reader)
) WITHOUT ROWID;
