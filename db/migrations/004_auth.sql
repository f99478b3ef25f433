-- 004_auth: the daemons authenticate customers by digest from
-- customer_credentials (loaded into their directory), so a change there
-- must reach them like any other directory change.

CREATE TRIGGER tandem_directory_notify
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON customer_credentials
	FOR EACH STATEMENT EXECUTE FUNCTION tandem_directory_notify();
