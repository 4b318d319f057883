-- Messages gone from one user's view only: deleted by that user (a cloud
-- delete, at most 30 at a time), or sent with SyncOtherMachine 2, which keeps
-- a message out of its sender's history. The peer still sees them.
-- expires_at is the message's, so both are pruned together.
CREATE TABLE deleted_messages (
	app_id BIGINT NOT NULL,
	owner TEXT NOT NULL,
	conv_key TEXT NOT NULL,
	seq BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	PRIMARY KEY (app_id, owner, conv_key, seq)
);
CREATE INDEX deleted_messages_by_expiry ON deleted_messages (expires_at);

-- admin_getroammsg pages a conversation by time (imported messages keep
-- their own, older times), and a MsgKey is resolved by its random and time.
CREATE INDEX messages_by_time ON messages (app_id, conv_key, sent_at, seq);
