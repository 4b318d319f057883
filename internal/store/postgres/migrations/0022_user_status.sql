-- User status (setSelfStatus / getUserStatus): what a user without a live
-- session is, and the custom status. Online is not stored: it is having a
-- session in the session directory. offline is 1 when the user's last
-- session ended without a logout (OFFLINE), 0 after a logout or before any
-- login (UNLOGINED); custom_status is cleared when the last session ends.
CREATE TABLE user_status (
	app_id BIGINT NOT NULL,
	user_id TEXT NOT NULL,
	offline SMALLINT NOT NULL DEFAULT 0,
	custom_status TEXT NOT NULL DEFAULT '',
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (app_id, user_id)
);
