/*
 * test/floor.c: the floor a hook is measured against (make bench). The
 * least a recorder can do per event: open the same database with the same
 * pragmas, insert one row in one BEGIN IMMEDIATE transaction, exit. It
 * reads its payload from stdin like a hook but does not parse it.
 *
 *   floor DB < payload.json
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

int
main(int argc, char **argv)
{
	char buf[65536];
	sqlite3 *db;
	sqlite3_stmt *st;
	size_t n = 0;
	ssize_t r;

	if (argc != 2)
		return 1;
	while ((r = read(0, buf, sizeof buf)) > 0)
		n += (size_t)r;
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		return 1;
	sqlite3_busy_timeout(db, 1000);
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	    "CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY, n INTEGER)",
	    NULL, NULL, NULL);
	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO floor (n) VALUES (?)", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return 1;
	sqlite3_close(db);
	return 0;
}
