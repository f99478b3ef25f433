-- 011_fax: T.38 fax per customer and per trunk (docs/calls.md, "Fax").
-- With t38 set (the default), a fax heard on a PRI <-> SIP call is
-- offered to the SIP leg as T.38 in a re-INVITE; with it cleared, the
-- call goes G.711 fax passthrough at once (a peer known to mishandle
-- T.38 re-INVITEs).
ALTER TABLE customers
	ADD COLUMN t38 boolean NOT NULL DEFAULT true;
ALTER TABLE trunks
	ADD COLUMN t38 boolean NOT NULL DEFAULT true;
