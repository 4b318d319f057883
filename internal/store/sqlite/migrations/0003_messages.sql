-- One row per stored message. seq is the conversation's, assigned from
-- conversations.last_seq in the same transaction: strictly ascending, no gaps.
CREATE TABLE messages (
	app_id BIGINT NOT NULL,
	conv_key TEXT NOT NULL,
	seq BIGINT NOT NULL,
	sender TEXT NOT NULL,
	receiver TEXT NOT NULL,
	random BIGINT NOT NULL,
	client_key TEXT NOT NULL,
	sent_at BIGINT NOT NULL,
	flags INTEGER NOT NULL DEFAULT 0,
	status INTEGER NOT NULL DEFAULT 0,
	version INTEGER NOT NULL DEFAULT 0,
	body TEXT NOT NULL,
	expires_at BIGINT NOT NULL,
	PRIMARY KEY (app_id, conv_key, seq)
) WITHOUT ROWID;
-- A retried send finds its first attempt here.
CREATE UNIQUE INDEX messages_by_client_key ON messages (app_id, conv_key, sender, client_key);
CREATE INDEX messages_by_expiry ON messages (expires_at);

-- The shared state of a conversation: its last seq and last message time.
CREATE TABLE conversations (
	app_id BIGINT NOT NULL,
	conv_key TEXT NOT NULL,
	last_seq BIGINT NOT NULL,
	last_time BIGINT NOT NULL,
	PRIMARY KEY (app_id, conv_key)
) WITHOUT ROWID;

-- Each participant's view: read cursor (unread is counted from it), and the
-- seq up to which they deleted or cleared the conversation.
CREATE TABLE user_conversations (
	app_id BIGINT NOT NULL,
	owner TEXT NOT NULL,
	conv_key TEXT NOT NULL,
	peer TEXT NOT NULL,
	read_seq BIGINT NOT NULL DEFAULT 0,
	cleared_seq BIGINT NOT NULL DEFAULT 0,
	hidden_seq BIGINT NOT NULL DEFAULT 0,
	pinned_at BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (app_id, owner, conv_key)
) WITHOUT ROWID;
