-- 010_dtmf: how DTMF digits reach a SIP peer and come from it, per
-- customer and per SIP trunk (docs/media.md, "DTMF"): 'rfc4733'
-- (telephone-event in RTP, the default), 'info' (SIP INFO with
-- application/dtmf-relay; no telephone-event offered) or 'inband' (tones
-- in the audio only: no telephone-event, no detection). The directory
-- triggers of 002_notify already cover these tables.
ALTER TABLE customers
	ADD COLUMN dtmf_mode text NOT NULL DEFAULT 'rfc4733'
		CONSTRAINT customers_dtmf_mode CHECK (dtmf_mode IN ('rfc4733', 'info', 'inband'));
ALTER TABLE trunks
	ADD COLUMN dtmf_mode text NOT NULL DEFAULT 'rfc4733'
		CONSTRAINT trunks_dtmf_mode CHECK (dtmf_mode IN ('rfc4733', 'info', 'inband')),
	-- a PRI trunk's digits are its B-channel's tones
	ADD CONSTRAINT trunks_dtmf_needs_sip CHECK (kind = 'sip' OR dtmf_mode = 'rfc4733');
