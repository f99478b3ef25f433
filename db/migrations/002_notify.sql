-- 002_notify: tell the daemons' directory loaders (gateway/directory.c)
-- when anything a call decision reads has changed. One notification per
-- statement, on channel tandem_directory, with the table's name as the
-- payload; PostgreSQL delivers it only when the transaction commits, and
-- folds identical ones of one transaction into one.

CREATE FUNCTION tandem_directory_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('tandem_directory', TG_TABLE_NAME);
	RETURN NULL;
END
$$;

CREATE TRIGGER tandem_directory_notify
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON routes
	FOR EACH STATEMENT EXECUTE FUNCTION tandem_directory_notify();
CREATE TRIGGER tandem_directory_notify
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON dids
	FOR EACH STATEMENT EXECUTE FUNCTION tandem_directory_notify();
CREATE TRIGGER tandem_directory_notify
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON trunks
	FOR EACH STATEMENT EXECUTE FUNCTION tandem_directory_notify();
CREATE TRIGGER tandem_directory_notify
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON trunk_members
	FOR EACH STATEMENT EXECUTE FUNCTION tandem_directory_notify();
CREATE TRIGGER tandem_directory_notify
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON customers
	FOR EACH STATEMENT EXECUTE FUNCTION tandem_directory_notify();
CREATE TRIGGER tandem_directory_notify
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON customer_addresses
	FOR EACH STATEMENT EXECUTE FUNCTION tandem_directory_notify();
CREATE TRIGGER tandem_directory_notify
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cause_maps
	FOR EACH STATEMENT EXECUTE FUNCTION tandem_directory_notify();
