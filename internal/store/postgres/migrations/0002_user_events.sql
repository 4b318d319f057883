ALTER TABLE accounts ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0;

CREATE TABLE user_events (
	app_id BIGINT NOT NULL,
	user_id TEXT NOT NULL,
	seq BIGINT NOT NULL,
	kind TEXT NOT NULL,
	peers TEXT NOT NULL DEFAULT '[]',
	created_at BIGINT NOT NULL,
	PRIMARY KEY (app_id, user_id, seq)
);
CREATE INDEX user_events_by_time ON user_events (created_at);
