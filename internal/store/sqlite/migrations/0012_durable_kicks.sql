-- Durable kicks across nodes. A login that pushes out, or a REST kick of, a
-- session on another node no longer deletes its row: it marks it kicked,
-- with the reason the client is told and when (unix milliseconds), in the
-- deciding transaction. A marked row never counts as online. The owning
-- node carries the kick out when the kick envelope reaches it, and
-- otherwise on its next liveness renewal or broker reconnect, reading its
-- marked rows (sessions_kicked), and then deletes them; so a lost envelope
-- delays a kick, it does not lose it. '' is a live session.
ALTER TABLE sessions ADD COLUMN kicked_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN kicked_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX sessions_kicked ON sessions (node_id, kicked_at) WHERE kicked_reason <> '';
