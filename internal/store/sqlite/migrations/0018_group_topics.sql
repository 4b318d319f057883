-- Topics of communities (isSupportTopic). A topic is a row of groups (its
-- own seq, last time and unread-excluded count, so the one group message
-- path stores and numbers its messages in group_messages) whose
-- community_id names the community it belongs to; its ID is
-- <communityID>@TOPIC#_<x>. custom_string is the topic's CustomString.
ALTER TABLE groups ADD COLUMN community_id TEXT NOT NULL DEFAULT '';
ALTER TABLE groups ADD COLUMN custom_string TEXT NOT NULL DEFAULT '';
-- A community's topics, covering what a member's topic views read (seq,
-- last time, excluded count), so a view or the conversation list reaches a
-- member's topics from their member rows without a range of the app's
-- groups; partial, so an ordinary group's message updates no entry here.
-- Queries name community_id <> '' for it to apply.
CREATE INDEX groups_topics ON groups (app_id, community_id, group_id, last_seq, last_time, unread_excluded)
	WHERE community_id <> '';

-- A member's read cursor in a topic, written only once the member reads
-- or sends there: every member of the community reads all its topics, and
-- a joiner gets no row per topic. Without a row the cursor is derived: read
-- up to the last topic message sent before the member joined the
-- community. The counters make unread the same arithmetic as a group's:
--   last_seq - read_seq - (own_sent - own_at_read) - (unread_excluded - excluded_at_read)
CREATE TABLE group_topic_cursors (
	app_id BIGINT NOT NULL,
	topic_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	read_seq BIGINT NOT NULL,
	own_sent BIGINT NOT NULL DEFAULT 0,
	own_at_read BIGINT NOT NULL DEFAULT 0,
	excluded_at_read BIGINT NOT NULL DEFAULT 0,
	version BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (app_id, topic_id, user_id)
) WITHOUT ROWID;
