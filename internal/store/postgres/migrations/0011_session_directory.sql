-- The cluster session directory: which client instances are logged in on
-- which node, so the multi-instance login policy, kicks and online status
-- answer for every node sharing this database. A node renews its row in
-- nodes (alive_until, unix milliseconds) periodically; sessions of a node
-- whose alive_until has passed are ignored by every query and deleted by
-- whichever node prunes first. login_seq orders one user's logins (one more
-- than the user's highest at insert, under the user's account lock), so
-- "the oldest instance" does not depend on the nodes' clocks.
CREATE TABLE nodes (
	node_id BIGINT PRIMARY KEY,
	alive_until BIGINT NOT NULL
);
CREATE TABLE sessions (
	node_id BIGINT NOT NULL,
	conn_id BIGINT NOT NULL,
	app_id BIGINT NOT NULL,
	user_id TEXT NOT NULL,
	platform TEXT NOT NULL,
	instance TEXT NOT NULL,
	login_at BIGINT NOT NULL,
	login_seq BIGINT NOT NULL,
	PRIMARY KEY (node_id, conn_id)
);
CREATE INDEX sessions_by_user ON sessions (app_id, user_id, login_seq);
