-- SQLite's query planner, with no statistics, takes a range of a WITHOUT
-- ROWID table's primary key on its first column (app_id) over a secondary
-- index that names more of the query's columns, whenever that index does not
-- cover the query. "app_id = ? AND user_id = ?" on group_members then reads
-- every member row of the app instead of the user's few (a user's
-- conversation list and total unread cost as much as all their groups'
-- sizes together: 500 groups of 1,000 members were 20 to 40 times slower
-- than of 10), and incoming friend requests, who blocked whom, a sender's
-- group messages and the like read the whole app's rows likewise.
-- These are the statistics ANALYZE would gather on a large deployment
-- (sqlite_stat1's documented format: the index's rows, then the rows per
-- distinct value of each prefix of its columns; idx = tbl is a WITHOUT ROWID
-- table's primary key). A later ANALYZE or PRAGMA optimize replaces them with
-- measured ones. PostgreSQL gathers its own (autovacuum).
ANALYZE sqlite_schema;
DELETE FROM sqlite_stat1;
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
	('friends', 'friends', '10000000 10000000 100 1'),
	('friends', 'friends_by_peer', '10000000 10000000 100 1'),
	('friend_requests', 'friend_requests', '1000000 1000000 10 1'),
	('friend_requests', 'friend_requests_by_to', '1000000 1000000 10 1'),
	('blocklist', 'blocklist', '1000000 1000000 10 1'),
	('blocklist', 'blocklist_by_peer', '1000000 1000000 10 1'),
	('friend_list_members', 'friend_list_members', '1000000 1000000 100 20 1'),
	('friend_list_members', 'friend_list_members_by_peer', '1000000 1000000 100 1'),
	('user_events', 'user_events', '10000000 10000000 100 1'),
	('user_events', 'user_events_by_time', '10000000 10'),
	('messages', 'messages', '10000000 10000000 100 1'),
	('messages', 'messages_by_client_key', '10000000 10000000 100 50 1'),
	('messages', 'messages_by_expiry', '10000000 10'),
	('user_conversations', 'user_conversations', '1000000 1000000 100 1'),
	('user_conversations', 'user_conversations_by_version', '1000000 1000000 100 1'),
	('conversation_group_members', 'conversation_group_members', '100000 100000 100 10 1'),
	('conversation_group_members', 'conversation_group_members_by_conv', '100000 100000 100 1'),
	('deleted_messages', 'deleted_messages', '1000000 1000000 100 10 1'),
	('deleted_messages', 'deleted_messages_by_expiry', '1000000 10'),
	('message_receipts', 'message_receipts', '1000000 1000000 10 1'),
	('message_receipts', 'message_receipts_by_expiry', '1000000 10'),
	('group_members', 'group_members', '1000000 1000000 100 1'),
	('group_members', 'group_members_by_user', '1000000 1000000 20 1'),
	('group_members', 'group_members_by_version', '1000000 1000000 20 2'),
	('group_members', 'group_members_by_join', '1000000 1000000 100 2 1'),
	('group_members', 'group_members_by_role', '10000 10000 3 2'),
	('group_members', 'group_members_muted', '1000 1000 2 1'),
	('group_messages', 'group_messages', '10000000 10000000 10000 1'),
	('group_messages', 'group_messages_by_client_key', '10000000 10000000 10000 100 1'),
	('group_messages', 'group_messages_by_sender', '10000000 10000000 10000 100 1'),
	('group_messages', 'group_messages_by_time', '10000000 10000000 10000 1 1'),
	('group_messages', 'group_messages_by_expiry', '10000000 10'),
	('group_applications', 'group_applications', '10000 10000 10 1'),
	('group_applications', 'group_applications_by_time', '10000 10000 10 1');
ANALYZE sqlite_schema;
