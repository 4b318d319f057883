-- Group-shaped message storage (one message core for every kind of
-- conversation) and the per-user conversation version.
--
-- A group's messages are stored once per group, with the group's own seq
-- (strictly ascending, no gaps, taken from groups.last_seq in the writing
-- transaction): a new message writes the group row and one message row,
-- never a row per member.
CREATE TABLE groups (
	app_id BIGINT NOT NULL,
	group_id TEXT NOT NULL,
	group_type TEXT NOT NULL,
	last_seq BIGINT NOT NULL DEFAULT 0,
	last_time BIGINT NOT NULL DEFAULT 0,
	-- How many of the group's messages so far are excluded from every
	-- member's unread count (sent with MessageExcludedFromUnread).
	unread_excluded BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (app_id, group_id)
);

-- A member's view of the group conversation. Unread is arithmetic on this
-- row and the group row, whatever the group's size or the number of unread
-- messages:
--   last_seq - read_seq - (own_sent - own_at_read) - (unread_excluded - excluded_at_read)
-- read_seq starts at join_seq and never goes below it.
CREATE TABLE group_members (
	app_id BIGINT NOT NULL,
	group_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	join_seq BIGINT NOT NULL,
	read_seq BIGINT NOT NULL,
	cleared_seq BIGINT NOT NULL DEFAULT 0,
	hidden_seq BIGINT NOT NULL DEFAULT 0,
	-- Messages this member sent in the group since joining, and how many
	-- of them have seq <= read_seq.
	own_sent BIGINT NOT NULL DEFAULT 0,
	own_at_read BIGINT NOT NULL DEFAULT 0,
	-- groups.unread_excluded as of read_seq, and as of join_seq.
	excluded_at_read BIGINT NOT NULL DEFAULT 0,
	excluded_at_join BIGINT NOT NULL DEFAULT 0,
	pinned_at BIGINT NOT NULL DEFAULT 0,
	draft TEXT NOT NULL DEFAULT '',
	draft_time BIGINT NOT NULL DEFAULT 0,
	version BIGINT NOT NULL DEFAULT 0,
	joined_at BIGINT NOT NULL,
	PRIMARY KEY (app_id, group_id, user_id)
);
-- A user's group conversations, and those changed since a version.
CREATE INDEX group_members_by_user ON group_members (app_id, user_id, group_id);
CREATE INDEX group_members_by_version ON group_members (app_id, user_id, version);

-- sender_count is how many messages the sender had sent as a member up to
-- and including this one (0 when the sender is not a member), and
-- excluded_upto the group's unread_excluded after it: moving a read cursor
-- to any seq reads the member's two counters at that seq from one row each.
CREATE TABLE group_messages (
	app_id BIGINT NOT NULL,
	group_id TEXT NOT NULL,
	seq BIGINT NOT NULL,
	sender TEXT NOT NULL,
	random BIGINT NOT NULL,
	client_key TEXT NOT NULL,
	sent_at BIGINT NOT NULL,
	flags INTEGER NOT NULL DEFAULT 0,
	status INTEGER NOT NULL DEFAULT 0,
	version INTEGER NOT NULL DEFAULT 0,
	body TEXT NOT NULL,
	expires_at BIGINT NOT NULL,
	sender_count BIGINT NOT NULL DEFAULT 0,
	excluded_upto BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (app_id, group_id, seq)
);
-- A retried send finds its first attempt here.
CREATE UNIQUE INDEX group_messages_by_client_key ON group_messages (app_id, group_id, sender, client_key);
CREATE INDEX group_messages_by_sender ON group_messages (app_id, group_id, sender, seq);
CREATE INDEX group_messages_by_time ON group_messages (app_id, group_id, sent_at, seq);
CREATE INDEX group_messages_by_expiry ON group_messages (expires_at);

-- The per-user conversation version: bumped (under the row's lock, so
-- version order is commit order per user) whenever the user's view of a
-- conversation changes; the view records the version of its last change,
-- and conversation.sync returns the views changed after a version.
CREATE TABLE conversation_clocks (
	app_id BIGINT NOT NULL,
	owner TEXT NOT NULL,
	version BIGINT NOT NULL,
	PRIMARY KEY (app_id, owner)
);
ALTER TABLE user_conversations ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
CREATE INDEX user_conversations_by_version ON user_conversations (app_id, owner, version);
