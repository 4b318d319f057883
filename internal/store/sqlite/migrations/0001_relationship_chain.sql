CREATE TABLE accounts (
	app_id BIGINT NOT NULL,
	user_id TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	friend_seq BIGINT NOT NULL DEFAULT 0,
	friend_custom_seq BIGINT NOT NULL DEFAULT 0,
	block_seq BIGINT NOT NULL DEFAULT 0,
	friend_list_seq BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (app_id, user_id)
) WITHOUT ROWID;

CREATE TABLE profile_values (
	app_id BIGINT NOT NULL,
	user_id TEXT NOT NULL,
	tag TEXT NOT NULL,
	value TEXT NOT NULL,
	PRIMARY KEY (app_id, user_id, tag)
) WITHOUT ROWID;

CREATE TABLE friends (
	app_id BIGINT NOT NULL,
	owner_id TEXT NOT NULL,
	peer_id TEXT NOT NULL,
	remark TEXT NOT NULL DEFAULT '',
	add_source TEXT NOT NULL DEFAULT '',
	add_wording TEXT NOT NULL DEFAULT '',
	add_time BIGINT NOT NULL DEFAULT 0,
	remark_time BIGINT NOT NULL DEFAULT 0,
	custom TEXT NOT NULL DEFAULT '{}',
	PRIMARY KEY (app_id, owner_id, peer_id)
) WITHOUT ROWID;
CREATE INDEX friends_by_peer ON friends (app_id, peer_id, owner_id);

CREATE TABLE friend_requests (
	app_id BIGINT NOT NULL,
	from_id TEXT NOT NULL,
	to_id TEXT NOT NULL,
	add_source TEXT NOT NULL DEFAULT '',
	add_wording TEXT NOT NULL DEFAULT '',
	remark TEXT NOT NULL DEFAULT '',
	group_name TEXT NOT NULL DEFAULT '',
	add_type TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	is_read INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (app_id, from_id, to_id)
) WITHOUT ROWID;
CREATE INDEX friend_requests_by_to ON friend_requests (app_id, to_id, from_id);

CREATE TABLE blocklist (
	app_id BIGINT NOT NULL,
	owner_id TEXT NOT NULL,
	peer_id TEXT NOT NULL,
	added_at BIGINT NOT NULL,
	PRIMARY KEY (app_id, owner_id, peer_id)
) WITHOUT ROWID;
CREATE INDEX blocklist_by_peer ON blocklist (app_id, peer_id, owner_id);

CREATE TABLE friend_lists (
	app_id BIGINT NOT NULL,
	owner_id TEXT NOT NULL,
	name TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (app_id, owner_id, name)
) WITHOUT ROWID;

CREATE TABLE friend_list_members (
	app_id BIGINT NOT NULL,
	owner_id TEXT NOT NULL,
	name TEXT NOT NULL,
	peer_id TEXT NOT NULL,
	PRIMARY KEY (app_id, owner_id, name, peer_id)
) WITHOUT ROWID;
CREATE INDEX friend_list_members_by_peer ON friend_list_members (app_id, owner_id, peer_id);
