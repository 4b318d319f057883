-- Group attributes (V2TIM's initGroupAttributes / setGroupAttributes, REST
-- *_group_attr) and group counters (setGroupCounters / increaseGroupCounter,
-- REST *_group_counter): small key-value maps per group, one row per key.
-- The group service bounds them (≤ 16 attribute keys, ≤ 20 counters) and
-- writes them under the group row's lock; dismissing a group deletes them
-- with it.
CREATE TABLE group_attributes (
	app_id BIGINT NOT NULL,
	group_id TEXT NOT NULL,
	attr_key TEXT NOT NULL,
	attr_value TEXT NOT NULL,
	PRIMARY KEY (app_id, group_id, attr_key)
);

CREATE TABLE group_counters (
	app_id BIGINT NOT NULL,
	group_id TEXT NOT NULL,
	counter_key TEXT NOT NULL,
	counter_value BIGINT NOT NULL,
	PRIMARY KEY (app_id, group_id, counter_key)
);
