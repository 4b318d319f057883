-- im_open_login_svc/kick voids every UserSig issued to the user before it
-- ("all previous UserSig values for that user will expire"): a client login
-- whose ticket was issued (TLS.time, unix seconds) before this is refused.
ALTER TABLE accounts ADD COLUMN sigs_valid_from BIGINT NOT NULL DEFAULT 0;
