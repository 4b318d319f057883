-- Receive options per peer (V2TIM setC2CReceiveMessageOpt): what owner does
-- with messages from peer. 1 not_receive, 2 receive_not_notify; receive (0)
-- is the default and has no row, so a user without options costs the send
-- path one empty primary-key probe.
CREATE TABLE c2c_recv_opts (
	app_id BIGINT NOT NULL,
	owner TEXT NOT NULL,
	peer TEXT NOT NULL,
	opt INTEGER NOT NULL,
	PRIMARY KEY (app_id, owner, peer)
) WITHOUT ROWID;

-- Per-message read receipts of one-to-one messages sent with
-- needReadReceipt: one row per message its receiver acknowledged.
-- expires_at is the message's, so both are pruned together.
CREATE TABLE message_receipts (
	app_id BIGINT NOT NULL,
	conv_key TEXT NOT NULL,
	seq BIGINT NOT NULL,
	read_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	PRIMARY KEY (app_id, conv_key, seq)
) WITHOUT ROWID;
CREATE INDEX message_receipts_by_expiry ON message_receipts (expires_at);
