-- The expiry index of each message table, ordered as messages arrive.
-- expires_at is in seconds, and entries with the same expires_at were ordered
-- by the table's primary key (conversation, then seq): the messages of one
-- second, over many conversations, spread over a range of leaf pages that
-- grew all second, and each commit of the single writer wrote a page of that
-- range for nearly every message it carried (under the messaging benchmark,
-- 1.7 of the 4.3 WAL pages a message cost). Ordered by (expires_at, sent_at)
-- a commit's messages are the index's newest entries and share its last leaf
-- or two. Pruning (expires_at < now) reads the same index as before. The
-- one-time rebuild takes a while on a large table; it runs once, at upgrade.
DROP INDEX messages_by_expiry;
CREATE INDEX messages_by_expiry ON messages (expires_at, sent_at);
DROP INDEX group_messages_by_expiry;
CREATE INDEX group_messages_by_expiry ON group_messages (expires_at, sent_at);
-- The planner's statistics for the rebuilt indexes, as 0021 set them.
DELETE FROM sqlite_stat1 WHERE idx IN ('messages_by_expiry', 'group_messages_by_expiry');
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
	('messages', 'messages_by_expiry', '10000000 10 1'),
	('group_messages', 'group_messages_by_expiry', '10000000 10 1');
ANALYZE sqlite_schema;
