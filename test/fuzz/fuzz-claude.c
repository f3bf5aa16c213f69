/*
 * test/fuzz/fuzz-claude.c: libFuzzer target for Claude Code's hook
 * mapper (claude.c): one input is one payload, stored as `clankers hook`
 * stores it. Seeds: test/fixtures/claude/hooks and e2e payloads.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_hook("claude", data, size);
	return 0;
}
