-- 009_registrations: registrations shared by the nodes (gateway/reg_store.c): what a node
-- needs to reach a binding another node (or it, before a restart) took:
-- the target calls go to (the source address behind a NAT), the transport,
-- the REGISTER's Call-ID, and when it was made (the newest wins).
ALTER TABLE registrations
	ADD COLUMN target text CHECK (target IS NULL OR length(target) BETWEEN 1 AND 1024),
	ADD COLUMN transport text NOT NULL DEFAULT 'udp' CHECK (transport IN ('udp', 'tcp', 'tls')),
	ADD COLUMN call_id text CHECK (call_id IS NULL OR length(call_id) <= 256),
	ADD COLUMN nat boolean NOT NULL DEFAULT false,
	ADD COLUMN registered_at timestamptz(3) NOT NULL DEFAULT now();
