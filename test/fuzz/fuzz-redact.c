/*
 * test/fuzz/fuzz-redact.c: libFuzzer target for redact() (redact.c).
 * Beyond memory errors it checks the contract: the length returned is
 * the text's, nothing found means NULL, redacting is stable (the
 * result redacted again changes nothing), and JSON text stays JSON (a
 * tool's input is stored as JSON and read back as JSON). Seeds: test/fuzz/seeds/redact.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0, n2 = 0;
	char *r = redact((const char *)data, size, &n), *r2;
	cJSON *in, *out;

	if (r == NULL)
		return 0;
	if (r[n] != '\0')
		abort();  /* not NUL-terminated at its length */
	if ((r2 = redact(r, n, &n2)) != NULL) {
		fprintf(stderr, "redact: not stable:\n%.*s\n%.*s\n", (int)n, r, (int)n2, r2);
		abort();
	}
	if ((in = cJSON_ParseWithLength((const char *)data, size)) != NULL) {
		if ((out = cJSON_ParseWithLength(r, n)) == NULL) {
			fprintf(stderr, "redact: JSON no more:\n%.*s\n", (int)n, r);
			abort();
		}
		cJSON_Delete(out);
		cJSON_Delete(in);
	}
	free(r);
	return 0;
}
