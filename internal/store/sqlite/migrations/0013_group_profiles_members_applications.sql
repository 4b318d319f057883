-- Groups as the group service manages them: the profile on the group row,
-- roles, name cards and mutes on the member row, and pending join
-- applications.
--
-- member_count is kept by every join and leave in the same transaction, so
-- a join checks the member cap and get_group_info reads the count without
-- counting rows. custom and group_members.custom hold the app-defined data
-- (AppDefinedData / AppMemberDefinedData) as a JSON object of declared keys.
ALTER TABLE groups ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE groups ADD COLUMN introduction TEXT NOT NULL DEFAULT '';
ALTER TABLE groups ADD COLUMN notification TEXT NOT NULL DEFAULT '';
ALTER TABLE groups ADD COLUMN face_url TEXT NOT NULL DEFAULT '';
ALTER TABLE groups ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE groups ADD COLUMN max_members BIGINT NOT NULL DEFAULT 0;
ALTER TABLE groups ADD COLUMN join_option TEXT NOT NULL DEFAULT '';
ALTER TABLE groups ADD COLUMN mute_all INTEGER NOT NULL DEFAULT 0;
ALTER TABLE groups ADD COLUMN support_topic INTEGER NOT NULL DEFAULT 0;
ALTER TABLE groups ADD COLUMN info_time BIGINT NOT NULL DEFAULT 0;
ALTER TABLE groups ADD COLUMN member_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE groups ADD COLUMN custom TEXT NOT NULL DEFAULT '';
UPDATE groups SET member_count = (SELECT COUNT(*) FROM group_members gm
	WHERE gm.app_id = groups.app_id AND gm.group_id = groups.group_id);

-- role is V2TIM's value: 400 owner, 300 admin, 200 member. mute_until is
-- unix seconds (0: not muted).
ALTER TABLE group_members ADD COLUMN role INTEGER NOT NULL DEFAULT 200;
ALTER TABLE group_members ADD COLUMN name_card TEXT NOT NULL DEFAULT '';
ALTER TABLE group_members ADD COLUMN mute_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE group_members ADD COLUMN custom TEXT NOT NULL DEFAULT '';
-- A group's members in join order (member lists page by it), its owner and
-- admins (who hears a join application), and its muted members.
CREATE INDEX group_members_by_join ON group_members (app_id, group_id, joined_at, user_id);
CREATE INDEX group_members_by_role ON group_members (app_id, group_id, role) WHERE role > 200;
CREATE INDEX group_members_muted ON group_members (app_id, group_id, mute_until) WHERE mute_until > 0;

-- A pending request to join a group that needs approval. Handling it
-- deletes the row, in the handler's transaction: of two admins handling
-- the same application, the second finds nothing (once handled, no other
-- admin can).
CREATE TABLE group_applications (
	app_id BIGINT NOT NULL,
	group_id TEXT NOT NULL,
	applicant TEXT NOT NULL,
	message TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	PRIMARY KEY (app_id, group_id, applicant)
) WITHOUT ROWID;
CREATE INDEX group_applications_by_time ON group_applications (app_id, group_id, created_at);
