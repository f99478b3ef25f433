-- 003_trunk_state: what each node sees of its trunks' members, now and
-- over time (the trunk manager writes both; operators and billing read
-- them). A member's row per node, since health is seen from where the
-- pings leave.

CREATE TABLE trunk_state (
	member_id    bigint NOT NULL REFERENCES trunk_members (id) ON DELETE CASCADE,
	node         tandem_name NOT NULL,
	health       text NOT NULL DEFAULT 'unknown' CHECK (health IN ('unknown', 'up', 'down')),
	registration text NOT NULL DEFAULT 'none' CHECK (registration IN
		('none', 'registering', 'registered', 'failed', 'rejected')),
	reason       text CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 256),
	calls        integer NOT NULL DEFAULT 0 CHECK (calls BETWEEN 0 AND 100000),
	retry_after  timestamptz,
	since        timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (member_id, node)
);

-- Every change of the above, appended, never updated: the history an
-- operator reads after an outage ("down since 03:12, 408 to OPTIONS").
CREATE TABLE trunk_events (
	id          bigserial PRIMARY KEY,
	trunk_id    bigint NOT NULL REFERENCES trunks (id) ON DELETE CASCADE,
	member_id   bigint REFERENCES trunk_members (id) ON DELETE SET NULL,
	node        tandem_name NOT NULL,
	at          timestamptz NOT NULL DEFAULT now(),
	what        text NOT NULL CHECK (what IN
		('up', 'down', 'registered', 'unregistered', 'rejected', 'limited', 'unlimited')),
	detail      text CHECK (detail IS NULL OR length(detail) <= 256)
);
CREATE INDEX trunk_events_trunk_at ON trunk_events (trunk_id, at);
