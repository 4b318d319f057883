-- A community member's own settings in one of its topics: a mute in that
-- topic only (mute_until, unix seconds; the community's member mute still
-- applies everywhere) and the member's receive option for the topic
-- (msg_flag, store.RecvOpt*: 0 receive, 1 not receive, 2 receive without
-- offline push; the community's own not-receive wins over it). A row
-- exists only while one of the two is set, so a community's members cost
-- nothing here until someone is muted or changes an option. Rows go with
-- their topic, with the community, and with the member's leaving it.
CREATE TABLE group_topic_member_settings (
	app_id BIGINT NOT NULL,
	topic_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	community_id TEXT NOT NULL,
	mute_until BIGINT NOT NULL DEFAULT 0,
	msg_flag INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (app_id, topic_id, user_id)
);
-- A member's settings across a community's topics: the conversation list's
-- receive options and the rows a leaving member takes along.
CREATE INDEX group_topic_member_settings_by_user ON group_topic_member_settings (app_id, user_id, community_id);
