-- SQLite's query planner, with no statistics, reads "app_id = ? AND
-- user_id = ?" on group_members as a range of the primary key
-- (app_id, group_id, user_id) on app_id alone: every member row of the app,
-- instead of the user's few rows through group_members_by_user. A user's
-- conversation list and total unread then cost as much as every group's
-- size together (bench: 500 groups of 1,000 members, 20x slower than of 10).
-- These are the statistics ANALYZE would gather on a large deployment
-- (sqlite_stat1's documented format: rows, then rows per distinct prefix of
-- the index's columns); a later ANALYZE or PRAGMA optimize replaces them
-- with measured ones. PostgreSQL gathers its own (autovacuum).
ANALYZE sqlite_schema;
DELETE FROM sqlite_stat1 WHERE tbl = 'group_members';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
	('group_members', 'group_members', '1000000 1000000 100 1'),
	('group_members', 'group_members_by_user', '1000000 1000000 20 1'),
	('group_members', 'group_members_by_version', '1000000 1000000 20 2'),
	('group_members', 'group_members_by_join', '1000000 1000000 100 2 1'),
	('group_members', 'group_members_by_role', '10000 10000 3 2'),
	('group_members', 'group_members_muted', '1000 1000 2 1');
ANALYZE sqlite_schema;
