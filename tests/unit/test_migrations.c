/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the migration list and its loader (no database needed). */
#include "config.h"

#include "db/migrate.h"
#include "tests/tap.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_builtin(void)
{
	char err[256] = "";

	ok(db_migrations_builtin_count >= 1, "at least one built-in migration");
	is_int(db_migrations_validate(db_migrations_builtin, db_migrations_builtin_count, err, sizeof(err)), 0,
	       "built-in migrations are numbered 1..N (%s)", err);
	is_str(db_migrations_builtin[0].name, "001_core", "first migration is 001_core");
	ok(strstr(db_migrations_builtin[0].sql, "CREATE TABLE cdr") != NULL, "001 creates the cdr table");
	ok(db_migrations_builtin_count >= 2 && strcmp(db_migrations_builtin[1].name, "002_notify") == 0 &&
	       strstr(db_migrations_builtin[1].sql, "pg_notify('tandem_directory', TG_TABLE_NAME)") != NULL,
	   "002_notify notifies tandem_directory with the table's name");
}

static void test_validate(void)
{
	const struct db_migration gap[] = {{1, "001_a", ""}, {3, "003_c", ""}};
	const struct db_migration badname[] = {{1, "01_a", ""}};
	char err[256];

	is_int(db_migrations_validate(gap, 2, err, sizeof(err)), -EINVAL, "a gap is refused");
	is_str(err, "003_c: expected version 002 (versions run 1, 2, 3... without gaps)", "gap message");
	is_int(db_migrations_validate(badname, 1, err, sizeof(err)), -EINVAL, "a badly padded name is refused");
}

static void test_checksum(void)
{
	ok(db_migration_checksum("CREATE TABLE a();") != db_migration_checksum("CREATE TABLE b();"),
	   "different text, different checksum");
	ok(db_migration_checksum("x") == db_migration_checksum("x"), "checksum is stable");
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_from_dir(void)
{
	char dir[] = "/tmp/tandem-mig-XXXXXX", err[512] = "";
	struct db_migration *m = NULL;
	size_t n = 0;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	write_file(dir, "002_second.sql", "SELECT 2;");
	write_file(dir, "001_first.sql", "SELECT 1;");
	write_file(dir, "README", "not a migration");
	is_int(db_migrations_from_dir(dir, &m, &n, err, sizeof(err)), 0, "folder loads (%s)", err);
	is_int(n, 2, "two migrations");
	if (n == 2) {
		is_str(m[0].name, "001_first", "sorted by version");
		is_str(m[1].sql, "SELECT 2;", "text read");
	}
	db_migrations_free(m, n);
	write_file(dir, "004_fourth.sql", "SELECT 4;");
	is_int(db_migrations_from_dir(dir, &m, &n, err, sizeof(err)), -EINVAL, "a gap in the folder is refused");
	write_file(dir, "bad.sql", "");
	is_int(db_migrations_from_dir(dir, &m, &n, err, sizeof(err)), -EINVAL, "a misnamed file is refused");
	ok(strstr(err, "bad.sql: a migration is named NNN_name.sql") != NULL, "message names the file: %s", err);
	{
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			ok(0, "cleanup");
	}
}

int main(void)
{
	test_builtin();
	test_validate();
	test_checksum();
	test_from_dir();
	return tap_done();
}
