/*
 * test/fuzz/fuzz.h: what the libFuzzer targets share: a scratch folder
 * (in /dev/shm when there is one: the targets write a file per input) and
 * a database in it, made again every FUZZ_DB_ROUNDS inputs so that it
 * stays small and each run stays fast. Included by each fuzz-*.c only.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clankers.h"

#define FUZZ_DB_ROUNDS 2000

static char fuzz_dir[64];
static struct db fuzz_db;
static int fuzz_rounds = -1;

static void
fuzz_unlink_db(void)
{
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };
	char path[128];
	size_t i;

	for (i = 0; i < NELEM(ext); i++) {
		snprintf(path, sizeof path, "%s/db%s", fuzz_dir, ext[i]);
		unlink(path);
	}
}

static void
fuzz_cleanup(void)
{
	if (fuzz_rounds >= 0)
		db_close(&fuzz_db);
	fuzz_unlink_db();
	rmdir(fuzz_dir);
}

/* The database for this input, made again after FUZZ_DB_ROUNDS inputs. */
static struct db *
fuzz_database(void)
{
	char path[128];

	if (fuzz_dir[0] == '\0') {
		snprintf(fuzz_dir, sizeof fuzz_dir, "%s/clankers-fuzz-XXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (mkdtemp(fuzz_dir) == NULL) {
			perror(fuzz_dir);
			abort();
		}
		atexit(fuzz_cleanup);
	}
	if (fuzz_rounds >= 0 && fuzz_rounds < FUZZ_DB_ROUNDS) {
		fuzz_rounds++;
		return &fuzz_db;
	}
	if (fuzz_rounds >= 0)
		db_close(&fuzz_db);
	fuzz_unlink_db();
	snprintf(path, sizeof path, "%s/db", fuzz_dir);
	memset(&fuzz_db, 0, sizeof fuzz_db);
	if (db_open(&fuzz_db, path, 1000) != SQLITE_OK) {
		fprintf(stderr, "fuzz: cannot open %s: %s\n", path,
		    fuzz_db.err ? fuzz_db.err : "?");
		abort();
	}
	fuzz_rounds = 0;
	return &fuzz_db;
}

/*
 * One hook event of agent name, as `clankers hook NAME` takes it (the
 * event named by the payload): parsed, identified, received and stored,
 * without what runs after (reading a transcript the payload names).
 */
static void
fuzz_hook(const char *name, const uint8_t *data, size_t size)
{
	const struct agent *a = agent_find(name);
	struct db *db = fuzz_database();
	char *text = xmalloc(size + 1);
	const char *err;
	struct receipt r;
	struct event ev;
	cJSON *payload, *rec;

	memcpy(text, data, size);
	text[size] = '\0';
	if ((payload = payload_parse(text, size, &err)) == NULL) {
		free(text);
		return;
	}
	receipt_init(&r, a, a->event_of(payload) ? a->event_of(payload) : "");
	rec = log_new(LOG_INFO, "hook", "");
	if (r.event[0] != '\0' && event_identify(&ev, &r, payload, rec) == NULL) {
		if (a->receive)
			a->receive(&r, payload);
		event_store(&ev, db, fuzz_dir);
	}
	log_write(rec);
	receipt_release(&r);
	cJSON_Delete(payload);
	free(text);
}

#endif
