/*
 * test/fuzz/fuzz-transcript.c: libFuzzer target for the transcript
 * reader (transcript.c): one input is one transcript file, read whole as
 * `clankers session-end` reads it, the session named by the file.
 * Seeds: the .jsonl transcripts of test/fixtures.
 */
#include "fuzz.h"

#include <fcntl.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned long n;
	struct db *db = fuzz_database();
	struct tstats st;
	char path[128], *err = NULL;
	int fd;

	/* A new name each time: the reader keeps each file's offset. */
	snprintf(path, sizeof path, "%s/t%lu.jsonl", fuzz_dir, n++);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    write(fd, data, size) != (ssize_t)size || close(fd) != 0) {
		perror(path);
		abort();
	}
	transcript_update(db, path, NULL, 1, 0, &st, &err);
	free(err);
	unlink(path);
	return 0;
}
