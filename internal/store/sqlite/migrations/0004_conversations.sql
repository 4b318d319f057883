-- The conversation list as each user sees it, beyond 0003's read cursor,
-- deletion and pin: a draft per conversation, and the marks and conversation
-- groups that Tencent keeps apart from the recent-contact list ("group/mark
-- data": a conversation may be marked or grouped whether or not it is in
-- the list, up to 1000 per user).
ALTER TABLE user_conversations ADD COLUMN draft TEXT NOT NULL DEFAULT '';
ALTER TABLE user_conversations ADD COLUMN draft_time BIGINT NOT NULL DEFAULT 0;

-- conv_id is the conversation as its owner names it: c2c_<peer> or
-- group_<groupID>. marks holds the 64 standard mark bits (bit n-1 is the
-- REST API's mark n), as a signed 64-bit number.
CREATE TABLE conversation_marks (
	app_id BIGINT NOT NULL,
	owner TEXT NOT NULL,
	conv_id TEXT NOT NULL,
	marks BIGINT NOT NULL DEFAULT 0,
	custom_mark TEXT NOT NULL DEFAULT '',
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (app_id, owner, conv_id)
) WITHOUT ROWID;

-- A user's conversation groups; group_id is per owner, from 1.
CREATE TABLE conversation_groups (
	app_id BIGINT NOT NULL,
	owner TEXT NOT NULL,
	group_id BIGINT NOT NULL,
	name TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (app_id, owner, group_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX conversation_groups_by_name ON conversation_groups (app_id, owner, name);

-- Every member also has a conversation_marks row (its group/mark data).
CREATE TABLE conversation_group_members (
	app_id BIGINT NOT NULL,
	owner TEXT NOT NULL,
	group_id BIGINT NOT NULL,
	conv_id TEXT NOT NULL,
	PRIMARY KEY (app_id, owner, group_id, conv_id)
) WITHOUT ROWID;
CREATE INDEX conversation_group_members_by_conv ON conversation_group_members (app_id, owner, conv_id);
