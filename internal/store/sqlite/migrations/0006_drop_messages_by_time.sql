-- Every index on messages costs the single writer a page per conversation
-- per commit. Paging a conversation by time (admin roaming, MsgKey lookup by
-- random and time) walks the conversation's own rows through the primary
-- key instead: they are the conversation's messages within retention.
DROP INDEX messages_by_time;
