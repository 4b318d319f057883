-- The durable outbox: events that webhooks and offline push consume, written
-- in the transaction of the change they announce and deleted once delivered.
-- id orders the entries of a partition (AUTOINCREMENT: an id is never
-- reused, so a late acknowledgement cannot delete a newer entry). A row may
-- be claimed when leased_until (a dispatcher holds it) and next_attempt_at
-- (a retry is pending) are both past, in unix milliseconds; attempts counts
-- the claims so far.
CREATE TABLE outbox (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	app_id BIGINT NOT NULL,
	part INTEGER NOT NULL,
	kind TEXT NOT NULL,
	payload BLOB NOT NULL,
	created_at BIGINT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at BIGINT NOT NULL DEFAULT 0,
	leased_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX outbox_by_part ON outbox (part, id);
