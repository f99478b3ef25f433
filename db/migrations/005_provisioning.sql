-- 005_provisioning: what tandemctl customer and trunk set beyond 001:
-- a customer's destination and caller-number rules, and each trunk's
-- signalling, registration, health, failover, number and limit settings
-- (the trunk manager and call routing read them). Ranges are checked here
-- so whoever writes SQL directly is held to them too.

-- Destinations a customer may or may not call: the longest matching
-- prefix decides (a 'deny' of +4490 inside an 'allow' of +44); with no
-- rows at all, every destination is allowed.
CREATE TABLE customer_destinations (
	customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	prefix      e164_prefix NOT NULL,
	action      text NOT NULL CHECK (action IN ('allow', 'deny')),
	PRIMARY KEY (customer_id, prefix)
);

-- Caller numbers a customer may present (prefixes: a full number is the
-- longest prefix of itself); with no rows, the gateway does not check.
CREATE TABLE customer_callers (
	customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	prefix      e164_prefix NOT NULL,
	PRIMARY KEY (customer_id, prefix)
);

CREATE TRIGGER tandem_directory_notify
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON customer_destinations
	FOR EACH STATEMENT EXECUTE FUNCTION tandem_directory_notify();
CREATE TRIGGER tandem_directory_notify
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON customer_callers
	FOR EACH STATEMENT EXECUTE FUNCTION tandem_directory_notify();
CREATE TRIGGER tandem_directory_notify
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON spans
	FOR EACH STATEMENT EXECUTE FUNCTION tandem_directory_notify();

ALTER TABLE trunks
	-- ISUP carried in SIP bodies: none, SIP-T (RFC 3372) or SIP-I (Q.1912.5).
	ADD COLUMN sipt text NOT NULL DEFAULT 'none' CHECK (sipt IN ('none', 'sip-t', 'sip-i')),
	-- Outbound registration to the carrier (RFC 3261 10); the secret is
	-- needed in clear to answer its challenges, unlike a customer's HA1.
	ADD COLUMN register boolean NOT NULL DEFAULT false,
	ADD COLUMN auth_user text CHECK (auth_user IS NULL OR auth_user ~ '^[A-Za-z0-9_.!~*''()&=+$,;?/-]{1,64}$'),
	ADD COLUMN auth_password text CHECK (auth_password IS NULL OR length(auth_password) BETWEEN 1 AND 128),
	ADD COLUMN register_expires integer NOT NULL DEFAULT 3600 CHECK (register_expires BETWEEN 60 AND 86400),
	-- OPTIONS pings: every ping_interval_s (0 = none); a member is up after
	-- ping_up answers in a row, down after ping_down failures in a row.
	ADD COLUMN ping_interval_s integer NOT NULL DEFAULT 30 CHECK (ping_interval_s BETWEEN 0 AND 3600),
	ADD COLUMN ping_up integer NOT NULL DEFAULT 2 CHECK (ping_up BETWEEN 1 AND 100),
	ADD COLUMN ping_down integer NOT NULL DEFAULT 3 CHECK (ping_down BETWEEN 1 AND 100),
	-- How long an INVITE may go unanswered before the next member (Timer B
	-- is 32 s; carriers' failover wants less).
	ADD COLUMN invite_timeout_ms integer NOT NULL DEFAULT 32000
		CHECK (invite_timeout_ms BETWEEN 500 AND 300000),
	-- Final responses that send the call to the next member or route.
	ADD COLUMN failover_codes integer[] NOT NULL DEFAULT '{408,500,502,503,504}'
		CHECK (cardinality(failover_codes) <= 32 AND array_position(failover_codes, NULL) IS NULL
		       AND 400 <= ALL (failover_codes) AND 699 >= ALL (failover_codes)),
	-- Number format toward the trunk: E.164 numbers of the trunk's own
	-- country go out as national_prefix + national number, others as
	-- international_prefix + number; then strip_digits leading digits are
	-- removed and add_prefix put in front.
	ADD COLUMN national_prefix text CHECK (national_prefix IS NULL OR national_prefix ~ '^[0-9]{1,4}$'),
	ADD COLUMN international_prefix text
		CHECK (international_prefix IS NULL OR international_prefix ~ '^[0-9]{1,4}$'),
	ADD COLUMN strip_digits integer NOT NULL DEFAULT 0 CHECK (strip_digits BETWEEN 0 AND 15),
	ADD COLUMN add_prefix text CHECK (add_prefix IS NULL OR add_prefix ~ '^\+?[0-9*#]{1,16}$'),
	-- What a call gets when the trunk's max_calls/max_cps refuse it.
	ADD COLUMN limit_status integer NOT NULL DEFAULT 503 CHECK (limit_status BETWEEN 400 AND 699),
	ADD COLUMN limit_cause integer NOT NULL DEFAULT 34 CHECK (limit_cause BETWEEN 1 AND 127),
	ADD CONSTRAINT trunks_auth_pair CHECK ((auth_user IS NULL) = (auth_password IS NULL)),
	ADD CONSTRAINT trunks_register_needs_sip CHECK (kind = 'sip' OR NOT register),
	ADD CONSTRAINT trunks_sipt_needs_sip CHECK (kind = 'sip' OR sipt = 'none');

-- One mapping per trunk, direction and source value: a Q.850 cause maps to
-- one SIP status, a SIP status to one cause.
CREATE UNIQUE INDEX cause_maps_q850_to_sip ON cause_maps (trunk_id, q850_cause) WHERE direction = 'q850_to_sip';
CREATE UNIQUE INDEX cause_maps_sip_to_q850 ON cause_maps (trunk_id, sip_status) WHERE direction = 'sip_to_q850';
