-- 001_core: the tables every node shares. Constraints refuse bad data in
-- the database itself, whoever writes it.

-- E.164 numbers: '+', a non-zero country code digit, 15 digits at most
-- (ITU-T E.164 section 6).
CREATE DOMAIN e164 AS text
	CHECK (VALUE ~ '^\+[1-9][0-9]{1,14}$');

-- Prefixes of E.164 numbers for routing: '+' and up to 15 digits ('+'
-- alone is the default route).
CREATE DOMAIN e164_prefix AS text
	CHECK (VALUE ~ '^\+[0-9]{0,15}$');

-- Names operators type: customers, trunks, spans, nodes.
CREATE DOMAIN tandem_name AS text
	CHECK (VALUE ~ '^[a-z0-9][a-z0-9_.-]{0,62}$');

CREATE TABLE customers (
	id          bigserial PRIMARY KEY,
	name        tandem_name NOT NULL UNIQUE,
	enabled     boolean NOT NULL DEFAULT true,
	max_calls   integer NOT NULL DEFAULT 10 CHECK (max_calls BETWEEN 0 AND 100000),
	max_cps     numeric(8,2) NOT NULL DEFAULT 5 CHECK (max_cps >= 0 AND max_cps <= 10000),
	max_duration_s integer NOT NULL DEFAULT 14400 CHECK (max_duration_s BETWEEN 1 AND 604800),
	created_at  timestamptz NOT NULL DEFAULT now()
);

-- Digest credentials (RFC 3261 22.4): HA1 = MD5(username:realm:password),
-- never the password itself.
CREATE TABLE customer_credentials (
	customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	username    text NOT NULL CHECK (username ~ '^[A-Za-z0-9_.!~*''()&=+$,;?/-]{1,64}$'),
	realm       text NOT NULL CHECK (length(realm) BETWEEN 1 AND 253),
	ha1         text NOT NULL CHECK (ha1 ~ '^[0-9a-f]{32}$'),
	PRIMARY KEY (username, realm)
);

-- Source addresses a customer's PBX is recognised by (IP authentication).
CREATE TABLE customer_addresses (
	customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	address     cidr NOT NULL,
	PRIMARY KEY (address)
);

-- Registered contacts, with expiry, so any node can reach a customer.
CREATE TABLE registrations (
	customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	aor         text NOT NULL CHECK (length(aor) BETWEEN 1 AND 512),
	contact     text NOT NULL CHECK (length(contact) BETWEEN 1 AND 1024),
	source      text NOT NULL CHECK (length(source) BETWEEN 1 AND 128),
	node        tandem_name NOT NULL,
	expires_at  timestamptz NOT NULL,
	PRIMARY KEY (aor, contact)
);
CREATE INDEX registrations_expiry ON registrations (expires_at);

-- Trunks: SIP trunks to carriers, and PRI trunks (groups of spans).
CREATE TABLE trunks (
	id          bigserial PRIMARY KEY,
	name        tandem_name NOT NULL UNIQUE,
	kind        text NOT NULL CHECK (kind IN ('sip', 'pri')),
	enabled     boolean NOT NULL DEFAULT true,
	max_calls   integer CHECK (max_calls IS NULL OR max_calls BETWEEN 0 AND 100000),
	max_cps     numeric(8,2) CHECK (max_cps IS NULL OR (max_cps >= 0 AND max_cps <= 10000)),
	created_at  timestamptz NOT NULL DEFAULT now()
);

-- The gateways of a SIP trunk (RFC 3263 resolves domains).
CREATE TABLE trunk_members (
	id          bigserial PRIMARY KEY,
	trunk_id    bigint NOT NULL REFERENCES trunks (id) ON DELETE CASCADE,
	host        text NOT NULL CHECK (host ~ '^[A-Za-z0-9.:\[\]-]{1,253}$'),
	port        integer CHECK (port IS NULL OR port BETWEEN 1 AND 65535),
	transport   text NOT NULL DEFAULT 'udp' CHECK (transport IN ('udp', 'tcp', 'tls')),
	priority    integer NOT NULL DEFAULT 10 CHECK (priority BETWEEN 0 AND 65535),
	weight      integer NOT NULL DEFAULT 100 CHECK (weight BETWEEN 0 AND 65535),
	UNIQUE (trunk_id, host, port, transport)
);

-- PRI spans, E1 or T1, on a DAHDI card or a virtual span.
CREATE TABLE spans (
	id          bigserial PRIMARY KEY,
	name        tandem_name NOT NULL UNIQUE,
	node        tandem_name NOT NULL,
	trunk_id    bigint REFERENCES trunks (id) ON DELETE SET NULL,
	backend     text NOT NULL CHECK (backend IN ('dahdi', 'virtual')),
	framing     text NOT NULL CHECK (framing IN ('e1', 't1')),
	law         text NOT NULL CHECK (law IN ('alaw', 'ulaw')),
	switchtype  text NOT NULL CHECK (switchtype IN
		('ni2', 'dms100', '5ess', '4ess', 'euroisdn_e1', 'euroisdn_t1', 'qsig')),
	side        text NOT NULL CHECK (side IN ('cpe', 'network'))
);

-- Outbound routes: longest prefix wins, optionally per customer.
CREATE TABLE routes (
	id          bigserial PRIMARY KEY,
	prefix      e164_prefix NOT NULL,
	customer_id bigint REFERENCES customers (id) ON DELETE CASCADE,
	trunk_id    bigint NOT NULL REFERENCES trunks (id) ON DELETE RESTRICT,
	priority    integer NOT NULL DEFAULT 10 CHECK (priority BETWEEN 0 AND 65535),
	weight      integer NOT NULL DEFAULT 100 CHECK (weight BETWEEN 0 AND 65535)
);
CREATE UNIQUE INDEX routes_unique ON routes (prefix, coalesce(customer_id, 0), trunk_id);

-- DIDs: inbound numbers and where their calls go.
CREATE TABLE dids (
	number      e164 PRIMARY KEY,
	customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
	target      text CHECK (target IS NULL OR target ~ '^sips?:'),
	fallback    text CHECK (fallback IS NULL OR fallback ~ '^sips?:')
);

-- Cause maps: per-trunk overrides of the RFC 3398 defaults.
CREATE TABLE cause_maps (
	trunk_id    bigint NOT NULL REFERENCES trunks (id) ON DELETE CASCADE,
	direction   text NOT NULL CHECK (direction IN ('q850_to_sip', 'sip_to_q850')),
	q850_cause  integer NOT NULL CHECK (q850_cause BETWEEN 1 AND 127),
	sip_status  integer NOT NULL CHECK (sip_status BETWEEN 400 AND 699),
	PRIMARY KEY (trunk_id, direction, q850_cause, sip_status)
);

-- Call detail records: one row per call leg, written once, never updated.
-- id is the billing system's pull cursor.
CREATE TABLE cdr (
	id           bigserial PRIMARY KEY,
	call_uuid    uuid NOT NULL,
	leg          integer NOT NULL CHECK (leg >= 1),
	node         tandem_name NOT NULL,
	direction    text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
	customer     text,
	ingress      text,
	egress       text,
	span         text,
	channel      integer CHECK (channel IS NULL OR channel BETWEEN 1 AND 31),
	caller       text,
	callee       text,
	dialed       text,
	start_time   timestamptz(3) NOT NULL,
	answer_time  timestamptz(3),
	end_time     timestamptz(3) NOT NULL,
	duration_ms  bigint NOT NULL CHECK (duration_ms >= 0),
	billable_ms  bigint NOT NULL CHECK (billable_ms >= 0),
	disposition  text NOT NULL CHECK (disposition IN
		('answered', 'busy', 'no_answer', 'failed', 'cancelled', 'rejected')),
	sip_status   integer CHECK (sip_status IS NULL OR sip_status BETWEEN 100 AND 699),
	q850_cause   integer CHECK (q850_cause IS NULL OR q850_cause BETWEEN 0 AND 127),
	hangup_side  text CHECK (hangup_side IS NULL OR hangup_side IN ('caller', 'callee', 'gateway')),
	codec        text,
	sip_call_id  text,
	route        text,
	UNIQUE (call_uuid, leg),
	CHECK (end_time >= start_time),
	CHECK (answer_time IS NULL OR (answer_time >= start_time AND answer_time <= end_time)),
	CHECK (billable_ms <= duration_ms),
	CHECK ((disposition = 'answered') = (answer_time IS NOT NULL))
);
CREATE INDEX cdr_start_time ON cdr (start_time);

-- Nodes: each tandemd records itself when it connects.
CREATE TABLE nodes (
	name        tandem_name PRIMARY KEY,
	version     text NOT NULL,
	started_at  timestamptz NOT NULL,
	seen_at     timestamptz NOT NULL DEFAULT now()
);
