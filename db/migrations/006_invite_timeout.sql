-- 006_invite_timeout: a trunk member's INVITE timeout now runs until the
-- member's first response (100 Trying included: RFC 3261 8.2.6.1 has a
-- UAS or proxy send it within 200 ms), not until its first 18x, so it can
-- be short by default: a dead member costs the caller 1 s, a live carrier
-- that takes 8 s to ring is never abandoned for it. Trunks still at the
-- old default (32000) take the new one.
ALTER TABLE trunks ALTER COLUMN invite_timeout_ms SET DEFAULT 1000;
UPDATE trunks SET invite_timeout_ms = 1000 WHERE invite_timeout_ms = 32000;
