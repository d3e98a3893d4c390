-- Codes cannot be guessed: each started hand-over counts the confirmations refused for their
-- code (closedloop_handover::otp::WrongCodes). Five lock it; each one is also a code_rejected
-- ledger entry, which the count must agree with.
ALTER TABLE handover_requests ADD COLUMN wrong_codes BIGINT NOT NULL DEFAULT 0;
