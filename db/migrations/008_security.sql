-- 008_security: "TLS/SRTP required" per customer and per trunk
-- (docs/security.md). A customer with it set is served only over SIP over
-- TLS with SRTP media: an INVITE over UDP or TCP gets 403, an offer
-- without SRTP 488. A trunk with it set is reached only over TLS (members
-- with transport 'tls'; others are skipped) and offered SRTP.
ALTER TABLE customers
	ADD COLUMN require_secure boolean NOT NULL DEFAULT false;
ALTER TABLE trunks
	ADD COLUMN require_secure boolean NOT NULL DEFAULT false,
	-- a PRI trunk has no SIP signalling or RTP to secure
	ADD CONSTRAINT trunks_secure_needs_sip CHECK (kind = 'sip' OR NOT require_secure);
