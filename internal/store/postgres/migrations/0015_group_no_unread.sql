-- Whether a group's members count unread messages is its type's rule (the
-- group rule matrix, internal/group/rules: Meeting and AVChatRoom count
-- none), fixed when the group is created and kept on the row, so the
-- conversation list's unread arithmetic reads it with the group. Groups
-- created before this migration take it from their type here.
ALTER TABLE groups ADD COLUMN no_unread INTEGER NOT NULL DEFAULT 0;
UPDATE groups SET no_unread = 1 WHERE group_type IN ('ChatRoom', 'AVChatRoom');
