/*
 * test/fuzz/fuzz-opencode.c: libFuzzer target for OpenCode's event
 * mapper (opencode.c): one input is one event, stored as `clankers hook
 * opencode` stores it. Seeds: each line of the .jsonl files
 * of test/fixtures/opencode.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_hook("opencode", data, size);
	return 0;
}
