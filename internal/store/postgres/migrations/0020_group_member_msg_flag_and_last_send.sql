-- A member's receive option for the group (V2TIM setGroupReceiveMessageOpt,
-- REST MsgFlag), store.RecvOpt*'s values: 0 receive and notify (the
-- default), 1 do not receive, 2 receive without offline push; and the time
-- (unix seconds) of the member's latest message in the group, kept by the
-- same UPDATE that counts the member's own messages, so a send writes no
-- more rows than before.
ALTER TABLE group_members ADD COLUMN msg_flag INTEGER NOT NULL DEFAULT 0;
ALTER TABLE group_members ADD COLUMN last_send_at BIGINT NOT NULL DEFAULT 0;
-- The members of a group who do not receive its messages: what a group
-- send leaves out of its push, one probe of a range that is usually empty.
CREATE INDEX group_members_not_receiving ON group_members (app_id, group_id, user_id) WHERE msg_flag = 1;
-- get_appid_group_list: an app's groups by ID, or those of one type.
CREATE INDEX groups_by_type ON groups (app_id, group_type, group_id);
