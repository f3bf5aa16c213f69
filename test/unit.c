/*
 * test/unit.c: unit tests for the pure pieces of clankers (text repair,
 * clocks, hashing, paths, titles, project detection, payload parsing).
 *
 * A tiny harness in the spirit of redis src/testhelp.h: test_cond() checks
 * a condition and prints a TAP line, "ok N - title" or "not ok N - title"
 * (with "# " diagnostics after a failure); test_report() prints the plan,
 * then "N passed, M failed" on its own line, and main returns 1 when any
 * test failed. Build and run: make test/unit && ./test/unit
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clankers.h"

/* ---- harness ---- */

static int tests_run, tests_failed;

static void
test_vline(int ok, const char *fmt, va_list ap)
{
	tests_run++;
	if (!ok)
		tests_failed++;
	printf("%s %d - ", ok ? "ok" : "not ok", tests_run);
	vprintf(fmt, ap);
	putchar('\n');
}

static int
test_result(int ok, const char *expr, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	test_vline(ok, fmt, ap);
	va_end(ap);
	if (!ok)
		printf("#   failed: %s at %s:%d\n", expr, file, line);
	return ok;
}

/* Bytes as a C string literal, for diagnostics. */
static void
print_bytes(const char *label, const char *s, size_t n)
{
	size_t i;

	printf("#   %s: ", label);
	if (s == NULL) {
		printf("NULL\n");
		return;
	}
	putchar('"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			putchar(c);
		else
			printf("\\x%02x", c);
	}
	printf("\" (%zu bytes)\n", n);
}

static int
test_mem(const char *got, size_t gotn, const char *want, size_t wantn,
    const char *file, int line, const char *fmt, ...)
{
	int ok;
	va_list ap;

	if (got == NULL || want == NULL)
		ok = got == want;
	else
		ok = gotn == wantn && memcmp(got, want, wantn) == 0;
	va_start(ap, fmt);
	test_vline(ok, fmt, ap);
	va_end(ap);
	if (!ok) {
		printf("#   at %s:%d\n", file, line);
		print_bytes("got ", got, got ? gotn : 0);
		print_bytes("want", want, want ? wantn : 0);
	}
	return ok;
}

static int
test_str(const char *got, const char *want, const char *file, int line,
    const char *fmt, ...)
{
	int ok;
	va_list ap;

	ok = (got == NULL || want == NULL) ? got == want : strcmp(got, want) == 0;
	va_start(ap, fmt);
	test_vline(ok, fmt, ap);
	va_end(ap);
	if (!ok) {
		printf("#   at %s:%d\n", file, line);
		print_bytes("got ", got, got ? strlen(got) : 0);
		print_bytes("want", want, want ? strlen(want) : 0);
	}
	return ok;
}

#define test_cond(c, ...) \
	test_result(!!(c), #c, __FILE__, __LINE__, __VA_ARGS__)
#define test_streq(got, want, ...) \
	test_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define test_memeq(got, gotn, want, wantn, ...) \
	test_mem((got), (gotn), (want), (wantn), __FILE__, __LINE__, __VA_ARGS__)

static int
test_report(void)
{
	printf("1..%d\n", tests_run);
	printf("%d passed, %d failed\n", tests_run - tests_failed, tests_failed);
	return tests_failed ? 1 : 0;
}

/* A heap copy of exactly n bytes (no NUL after them), so that ASan and
 * valgrind see any read past n. */
static char *
exact_copy(const char *s, size_t n)
{
	char *p = xmalloc(n);

	memcpy(p, s, n);
	return p;
}

#define FFFD "\xef\xbf\xbd"
#define SL(s) (s), (sizeof(s) - 1)  /* a literal and its length */

/* ---- utf8_clean ---- */

static void
clean_valid(const char *s, size_t n, const char *title)
{
	char *in = exact_copy(s, n), *out;
	size_t outlen = 12345;

	out = utf8_clean(in, n, &outlen);
	test_cond(out == NULL, "utf8_clean: %s is valid (NULL)", title);
	free(out);
	free(in);
}

static void
clean_fix(const char *s, size_t n, const char *want, size_t wantn,
    const char *title)
{
	char *in = exact_copy(s, n), *out;
	size_t outlen = 12345;

	out = utf8_clean(in, n, &outlen);
	test_memeq(out, out ? outlen : 0, want, wantn, "utf8_clean: %s", title);
	if (out)
		test_cond(out[outlen] == '\0' && utf8_clean(out, outlen,
		    &(size_t){0}) == NULL,
		    "utf8_clean: %s: output NUL-terminated and valid", title);
	free(out);
	free(in);
}

static void
test_utf8_clean(void)
{
	clean_valid(SL(""), "empty");
	clean_valid(SL("hello, world"), "ASCII");
	clean_valid(SL("tab\tnewline\ncr\r"), "ASCII controls other than NUL");
	clean_valid(SL("h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e"),
	    "2-, 3- and 4-byte sequences");
	clean_valid(SL("\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf"
	    "\xf0\x90\x80\x80"), "smallest and largest non-overlong forms");
	clean_valid(SL("\xed\x9f\xbf\xee\x80\x80"), "U+D7FF and U+E000");
	clean_valid(SL("\xf4\x8f\xbf\xbf"), "U+10FFFF");

	clean_fix(SL("a\x80z"), SL("a" FFFD "z"), "lone continuation byte");
	clean_fix(SL("\xff"), SL(FFFD), "0xFF");
	clean_fix(SL("\xfe\xff"), SL(FFFD FFFD), "0xFE 0xFF");
	clean_fix(SL("x\xf8\x88\x80\x80\x80y"), SL("x" FFFD FFFD FFFD FFFD FFFD "y"),
	    "5-byte form: each byte replaced");
	clean_fix(SL("\xc0\x80"), SL(FFFD FFFD), "overlong C0 80");
	clean_fix(SL("\xc1\xbf"), SL(FFFD FFFD), "overlong C1 BF");
	clean_fix(SL("\xe0\x80\x80"), SL(FFFD FFFD FFFD), "overlong E0 80 80");
	clean_fix(SL("\xe0\x9f\xbf"), SL(FFFD FFFD FFFD), "overlong E0 9F BF");
	clean_fix(SL("\xf0\x8f\xbf\xbf"), SL(FFFD FFFD FFFD FFFD),
	    "overlong F0 8F BF BF");
	clean_fix(SL("\xed\xa0\x80"), SL(FFFD FFFD FFFD), "surrogate ED A0 80");
	clean_fix(SL("\xed\xbf\xbf"), SL(FFFD FFFD FFFD), "surrogate ED BF BF");
	clean_fix(SL("\xed\xa0\xbd\xed\xb8\x80"), SL(FFFD FFFD FFFD FFFD FFFD FFFD),
	    "CESU-8 surrogate pair");
	clean_fix(SL("\xf4\x90\x80\x80"), SL(FFFD FFFD FFFD FFFD),
	    "past U+10FFFF: F4 90 80 80");
	clean_fix(SL("\xf5\x80\x80\x80"), SL(FFFD FFFD FFFD FFFD),
	    "past U+10FFFF: F5 80 80 80");
	clean_fix(SL("ab\xc3"), SL("ab" FFFD), "truncated 2-byte at the end");
	clean_fix(SL("ab\xe2\x82"), SL("ab" FFFD FFFD), "truncated 3-byte at the end");
	clean_fix(SL("ab\xf0\x9f\x98"), SL("ab" FFFD FFFD FFFD),
	    "truncated 4-byte at the end");
	clean_fix(SL("\xe2\x28\xa1"), SL(FFFD "(" FFFD),
	    "bad continuation: the ASCII byte kept");
	clean_fix(SL("\xe2\x82\xac\xe2\x82"), SL("\xe2\x82\xac" FFFD FFFD),
	    "valid then truncated");
	clean_fix(SL("a\0b"), SL("a" FFFD "b"), "NUL byte");
	clean_fix(SL("\0\0"), SL(FFFD FFFD), "only NUL bytes");
	clean_fix(SL("\xc3\xa9\x80\xc3\xa9"), SL("\xc3\xa9" FFFD "\xc3\xa9"),
	    "valid text kept around an invalid byte");
}

/* ---- json_fix_escapes ---- */

static void
fix(const char *s, size_t n, const char *want, const char *title)
{
	char *buf = exact_copy(s, n);

	json_fix_escapes(buf, n);
	/* Same length: the repair is six bytes for six bytes. */
	test_memeq(buf, n, want, strlen(want), "json_fix_escapes: %s", title);
	free(buf);
}

static void
test_json_fix_escapes(void)
{
	static const char doc[] = "{\"a\":\"x\\ud83d\",\"b\":\"\\udc00y\","
	    "\"c\":\"\\ud83d\\ude00\",\"d\":\"\\uD83D\\uDE00\",\"e\":\"\\\\ud83d\","
	    "\"f\":\"m\\uDBFFn\"}";
	char *buf;
	cJSON *root;

	fix(SL("\\ud83d"), "\\ufffd", "lone high surrogate ending the buffer");
	fix(SL("{\"p\":\"abc\\ud83d\"}"), "{\"p\":\"abc\\ufffd\"}",
	    "lone high surrogate ending a string");
	fix(SL("\"a\\ud83db\""), "\"a\\ufffdb\"", "lone high surrogate in the middle");
	fix(SL("\"\\ud83d\\u0041\""), "\"\\ufffd\\u0041\"",
	    "high surrogate followed by a non-surrogate escape");
	fix(SL("\"\\ud83d\\ud83d\\ude00\""), "\"\\ufffd\\ud83d\\ude00\"",
	    "high, then a proper pair");
	fix(SL("\"\\ude00x\""), "\"\\ufffdx\"", "lone low surrogate");
	fix(SL("\"a\\u0000b\""), "\"a\\ufffdb\"",
	    "an escaped NUL, which would cut the string, becomes U+FFFD");
	fix(SL("\"\\u0001\\u00e9\""), "\"\\u0001\\u00e9\"",
	    "other escapes below U+0100 left alone");
	fix(SL("\"\\ud83d\\ude00\\ude00\""), "\"\\ud83d\\ude00\\ufffd\"",
	    "a proper pair, then a lone low");
	fix(SL("\"\\ud83d\\ude00\""), "\"\\ud83d\\ude00\"", "a proper pair left alone");
	fix(SL("\"\\uD83D\\uDE00\""), "\"\\uD83D\\uDE00\"",
	    "an uppercase proper pair left alone");
	fix(SL("\"\\uD83D\""), "\"\\ufffd\"", "uppercase lone high surrogate");
	fix(SL("\"\\uDc00\""), "\"\\ufffd\"", "mixed-case lone low surrogate");
	fix(SL("\"\\\\ud83d\""), "\"\\\\ud83d\"",
	    "escaped backslash before ud83d left alone");
	fix(SL("\"\\\\\\ud83d\""), "\"\\\\\\ufffd\"",
	    "escaped backslash, then a real lone escape");
	fix(SL("\"\\\\\\\\ud83d\""), "\"\\\\\\\\ud83d\"",
	    "two escaped backslashes before ud83d left alone");
	fix(SL("\"\\u00e9\\n\\\"\""), "\"\\u00e9\\n\\\"\"", "other escapes left alone");
	fix(SL("\"\\uzzzz\""), "\"\\uzzzz\"", "non-hex \\u escape left alone");
	fix(SL("\"ab\\ud8"), "\"ab\\ud8", "truncated escape at the end");
	fix(SL("\"ab\\u"), "\"ab\\u", "bare \\u at the end");
	fix(SL("ab\\"), "ab\\", "lone backslash at the end");
	fix(SL("\"\\ud83d\\ude0"), "\"\\ufffd\\ude0",
	    "high surrogate with a truncated low after it");
	fix(SL("\"\\ud83d\\"), "\"\\ufffd\\", "high surrogate, then a backslash at the end");
	fix(SL(""), "", "empty buffer");

	/* The buffer ends in the middle of a pair: n cuts the text short. */
	buf = exact_copy(SL("\"\\ud83d\\ude00\""));
	json_fix_escapes(buf, 9);
	test_memeq(buf, 14, "\"\\ufffd\\ude00\"", 14,
	    "json_fix_escapes: nothing past n is read or written");
	free(buf);

	/* cJSON rejects the unrepaired text and accepts the repaired one. */
	buf = exact_copy(doc, sizeof doc - 1);
	root = cJSON_ParseWithLength(buf, sizeof doc - 1);
	test_cond(root == NULL, "cJSON rejects lone surrogate escapes (why the fix exists)");
	cJSON_Delete(root);
	json_fix_escapes(buf, sizeof doc - 1);
	root = cJSON_ParseWithLength(buf, sizeof doc - 1);
	test_cond(root != NULL, "json_fix_escapes: the result parses with cJSON");
	if (root) {
		test_streq(cJSON_GetStringValue(cJSON_GetObjectItem(root, "a")),
		    "x" FFFD, "json_fix_escapes: lone high decodes to U+FFFD");
		test_streq(cJSON_GetStringValue(cJSON_GetObjectItem(root, "b")),
		    FFFD "y", "json_fix_escapes: lone low decodes to U+FFFD");
		test_streq(cJSON_GetStringValue(cJSON_GetObjectItem(root, "c")),
		    "\xf0\x9f\x98\x80", "json_fix_escapes: pair decodes to U+1F600");
		test_streq(cJSON_GetStringValue(cJSON_GetObjectItem(root, "d")),
		    "\xf0\x9f\x98\x80", "json_fix_escapes: uppercase pair decodes");
		test_streq(cJSON_GetStringValue(cJSON_GetObjectItem(root, "e")),
		    "\\ud83d", "json_fix_escapes: escaped backslash text kept");
		test_streq(cJSON_GetStringValue(cJSON_GetObjectItem(root, "f")),
		    "m" FFFD "n", "json_fix_escapes: uppercase lone high decodes");
	}
	cJSON_Delete(root);
	free(buf);
}

/* ---- utf8_cut ---- */

static void
test_utf8_cut(void)
{
	static const char s[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z";  /* a é € 😀 z */
	const size_t n = sizeof s - 1;
	size_t max, cut;
	int bad = 0;

	test_cond(utf8_cut(s, n, n) == n, "utf8_cut: n == max returns n");
	test_cond(utf8_cut(s, n, n + 10) == n, "utf8_cut: n < max returns n");
	test_cond(utf8_cut("", 0, 0) == 0, "utf8_cut: empty");
	test_cond(utf8_cut(s, n, 0) == 0, "utf8_cut: max 0 gives 0");
	test_cond(utf8_cut(s, n, 1) == 1, "utf8_cut: after ASCII");
	test_cond(utf8_cut(s, n, 2) == 1, "utf8_cut: inside a 2-byte sequence");
	test_cond(utf8_cut(s, n, 3) == 3, "utf8_cut: after a 2-byte sequence");
	test_cond(utf8_cut(s, n, 4) == 3 && utf8_cut(s, n, 5) == 3,
	    "utf8_cut: inside a 3-byte sequence");
	test_cond(utf8_cut(s, n, 7) == 6 && utf8_cut(s, n, 8) == 6 &&
	    utf8_cut(s, n, 9) == 6, "utf8_cut: inside a 4-byte sequence");
	test_cond(utf8_cut(s, n, 10) == 10, "utf8_cut: after a 4-byte sequence");
	for (max = 0; max <= n; max++) {
		cut = utf8_cut(s, n, max);
		if (cut > max || cut + 3 < max ||
		    (cut < n && ((unsigned char)s[cut] & 0xc0) == 0x80))
			bad++;
	}
	test_cond(bad == 0, "utf8_cut: no max splits a sequence or cuts too much");
}

/* ---- iso_time / utc_date ---- */

static void
test_time(void)
{
	char iso[32], day[11];

	iso_time(0, iso);
	test_streq(iso, "1970-01-01T00:00:00.000Z", "iso_time: epoch");
	utc_date(0, day);
	test_streq(day, "1970-01-01", "utc_date: epoch");
	iso_time(1795538935738LL, iso);
	test_streq(iso, "2026-11-24T16:48:55.738Z", "iso_time: 1795538935738");
	utc_date(1795538935738LL, day);
	test_streq(day, "2026-11-24", "utc_date: 1795538935738");
	iso_time(1709251199999LL, iso);
	test_streq(iso, "2024-02-29T23:59:59.999Z", "iso_time: last ms of a leap day");
	utc_date(1709251199999LL, day);
	test_streq(day, "2024-02-29", "utc_date: leap day");
	iso_time(1709251200000LL, iso);
	test_streq(iso, "2024-03-01T00:00:00.000Z", "iso_time: the day after a leap day");
	iso_time(951782400005LL, iso);
	test_streq(iso, "2000-02-29T00:00:00.005Z", "iso_time: 2000-02-29 (400-year leap)");
	utc_date(951782400005LL, day);
	test_streq(day, "2000-02-29", "utc_date: 2000-02-29");
	test_cond(strlen(iso) == 24, "iso_time: 24 characters");
}

/* ---- fnv1a ---- */

static void
test_fnv1a(void)
{
	test_cond(fnv1a(FNV_SEED, "", 0) == 0xcbf29ce484222325ULL,
	    "fnv1a: \"\" is cbf29ce484222325");
	test_cond(fnv1a(FNV_SEED, "a", 1) == 0xaf63dc4c8601ec8cULL,
	    "fnv1a: \"a\" is af63dc4c8601ec8c");
	test_cond(fnv1a(FNV_SEED, "foobar", 6) == 0x85944171f73967e8ULL,
	    "fnv1a: \"foobar\" is 85944171f73967e8");
	test_cond(fnv1a(fnv1a(FNV_SEED, "foo", 3), "bar", 3) == 0x85944171f73967e8ULL,
	    "fnv1a: chained \"foo\" + \"bar\" equals \"foobar\"");
}

/* ---- random_hex ---- */

static int
all_hex(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static void
test_random_hex(void)
{
	char a[33], b[33], z[4];

	memset(a, 'X', sizeof a);
	memset(b, 'X', sizeof b);
	random_hex(a, 16);
	random_hex(b, 16);
	test_cond(a[32] == '\0' && strlen(a) == 32, "random_hex: 16 bytes give 32 digits");
	test_cond(all_hex(a) && all_hex(b), "random_hex: lowercase hex only");
	test_cond(strcmp(a, b) != 0, "random_hex: two calls differ");
	memset(z, 'X', sizeof z);
	random_hex(z, 0);
	test_cond(z[0] == '\0' && z[1] == 'X', "random_hex: 0 bytes give \"\"");
}

/* ---- temporary tree ---- */

static char tmpbase[64];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char *path = path_join(dir, name);
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	free(path);
}

static char *
tmp_dir(const char *rel)
{
	char *path = path_join(tmpbase, rel);

	if (mkdir_p(path, 0700) < 0) {
		perror(path);
		exit(1);
	}
	return path;
}

/* ---- mkdir_p ---- */

static int
is_dir_mode(const char *path, mode_t mode)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 07777) == mode;
}

static void
test_mkdir_p(void)
{
	char *a = path_join(tmpbase, "mk/a");
	char *ab = path_join(tmpbase, "mk/a/b");
	char *abc = path_join(tmpbase, "mk/a/b/c");
	char *slash = path_join(tmpbase, "mk/t/u/");
	char *file = path_join(tmpbase, "mk/file");
	char *under = path_join(tmpbase, "mk/file/sub/deeper");
	mode_t old = umask(0);  /* so the modes are exactly what was asked */
	int rc, err;

	rc = mkdir_p(abc, 0700);
	test_cond(rc == 0, "mkdir_p: nested creation");
	test_cond(is_dir_mode(a, 0700) && is_dir_mode(ab, 0700) &&
	    is_dir_mode(abc, 0700), "mkdir_p: every level has mode 0700");
	test_cond(mkdir_p(abc, 0700) == 0, "mkdir_p: an existing path succeeds");
	test_cond(mkdir_p(slash, 0700) == 0 && is_dir_mode(slash, 0700),
	    "mkdir_p: a trailing slash");
	umask(old);

	write_file(tmpbase, "mk/file", "x");
	errno = 0;
	rc = mkdir_p(under, 0700);
	err = errno;
	test_cond(rc == -1 && err == ENOTDIR,
	    "mkdir_p: a file in the path fails with ENOTDIR");
	errno = 0;
	rc = mkdir_p(file, 0700);
	err = errno;
	test_cond(rc == -1 && err == ENOTDIR,
	    "mkdir_p: an existing file as the last component fails with ENOTDIR");
	free(a), free(ab), free(abc), free(slash), free(file), free(under);
}

/* ---- store_prompt_title ---- */

static char *
repeat(const char *unit, size_t times)
{
	size_t u = strlen(unit), i;
	char *s = xmalloc(u * times + 1);

	for (i = 0; i < times; i++)
		memcpy(s + i * u, unit, u);
	s[u * times] = '\0';
	return s;
}

static void
title_is(const char *prompt, const char *want, const char *what)
{
	char out[512];
	size_t n;

	memset(out, 'X', sizeof out);
	n = store_prompt_title(prompt, out, sizeof out);
	test_streq(n ? out : NULL, want, "store_prompt_title: %s", what);
	if (want)
		test_cond(n == strlen(want), "store_prompt_title: %s: length returned", what);
}

static void
test_store_prompt_title(void)
{
	char out[512], small[403], *p, *want;
	size_t n;

	title_is("hello", "hello", "plain");
	title_is("  hello   world\n\n\tagain  ", "hello world again",
	    "whitespace runs collapse, trailing blanks dropped");
	title_is(" \t\r\nfix the bug", "fix the bug", "leading blanks skipped");
	title_is("a\r\nb", "a b", "CRLF becomes one space");
	title_is("/compact", NULL, "slash command gives 0");
	title_is("  \n/help me", NULL, "slash command after blanks gives 0");
	title_is("", NULL, "empty prompt gives 0");
	title_is(" \t\r\n ", NULL, "blank prompt gives 0");
	title_is("fix a/b", "fix a/b", "a slash later is fine");

	n = store_prompt_title("hello", small, sizeof small);
	test_cond(n == 0, "store_prompt_title: out smaller than 404 gives 0");

	p = repeat("a", 100);
	title_is(p, p, "exactly 100 characters are not cut");
	free(p);

	p = repeat("a", 150);
	want = repeat("a", 100);
	n = strlen(want);
	want = xrealloc(want, n + 4);
	memcpy(want + n, "\xe2\x80\xa6", 4);
	title_is(p, want, "150 ASCII characters: 100 and an ellipsis");
	free(p);
	free(want);

	p = repeat("\xc3\xa9", 150);  /* 150 é */
	memset(out, 'X', sizeof out);
	n = store_prompt_title(p, out, sizeof out);
	want = repeat("\xc3\xa9", 100);
	test_cond(n == 203 && out[203] == '\0',
	    "store_prompt_title: 150 'é' give 203 bytes (100 'é' and an ellipsis)");
	test_cond(memcmp(out, want, 200) == 0 &&
	    memcmp(out + 200, "\xe2\x80\xa6", 3) == 0,
	    "store_prompt_title: the ellipsis follows the 100th 'é'");
	test_cond(utf8_clean(out, n, &(size_t){0}) == NULL,
	    "store_prompt_title: a cut title is valid UTF-8");
	free(p);
	free(want);

	p = repeat("\xf0\x9f\x98\x80", 150);  /* 4-byte characters: the worst case */
	memset(out, 'X', sizeof out);
	n = store_prompt_title(p, out, 404);
	test_cond(n == 403 && out[403] == '\0' && memcmp(out + 400, "\xe2\x80\xa6", 3) == 0
	    && out[404] == 'X', "store_prompt_title: 150 emoji fit in 404 bytes");
	free(p);

	/* A collapsed blank counts as one character toward the 100. */
	p = repeat("b", 98);
	want = xasprintf("%s \t\n \xc3\xa9", p);
	memset(out, 'X', sizeof out);
	n = store_prompt_title(want, out, sizeof out);
	free(want);
	want = xasprintf("%s \xc3\xa9", p);
	test_streq(n ? out : NULL, want,
	    "store_prompt_title: 98, a blank run and one more make 100: not cut");
	free(want);
	free(p);
	p = repeat("b", 99);
	want = xasprintf("%s   \xc3\xa9", p);
	memset(out, 'X', sizeof out);
	n = store_prompt_title(want, out, sizeof out);
	free(want);
	want = xasprintf("%s\xe2\x80\xa6", p);
	test_streq(n ? out : NULL, want,
	    "store_prompt_title: 99, a blank run and one more: cut, no blank before the ellipsis");
	free(want);
	free(p);
}

/* ---- project_find ---- */

static void
project_is(const char *cwd, const char *root, const char *name,
    const char *branch, const char *what)
{
	struct project p;

	project_find(cwd, &p);
	test_streq(p.root, root, "project_find: %s: root", what);
	test_streq(p.name, name, "project_find: %s: name", what);
	test_streq(p.branch, branch, "project_find: %s: branch", what);
	project_release(&p);
	test_cond(p.root == NULL && p.name == NULL && p.branch == NULL,
	    "project_find: %s: released", what);
}

static void
test_project_find(void)
{
	char *plain, *repo, *deep, *det, *mainrepo, *wtgit, *wt, *wtsub, *line;
	char *super, *sub, *subx, *rel;

	plain = tmp_dir("plain/folder");
	project_is(plain, NULL, "folder", NULL, "plain folder");
	free(plain);

	repo = tmp_dir("repo");
	free(tmp_dir("repo/.git"));
	write_file(repo, ".git/HEAD", "ref: refs/heads/main\n");
	deep = tmp_dir("repo/src/deep");
	project_is(deep, repo, "repo", "main", "nested subfolder of a repo");
	project_is(repo, repo, "repo", "main", "repo root itself");

	det = tmp_dir("detached");
	free(tmp_dir("detached/.git"));
	write_file(det, ".git/HEAD", "0123456789abcdef0123456789abcdef01234567\n");
	project_is(det, det, "detached", "0123456789ab", "detached HEAD");

	/* A linked worktree: .git is a file naming <main>/.git/worktrees/wt. */
	mainrepo = tmp_dir("mainrepo");
	wtgit = tmp_dir("mainrepo/.git/worktrees/wt");
	write_file(mainrepo, ".git/HEAD", "ref: refs/heads/main\n");
	write_file(wtgit, "HEAD", "ref: refs/heads/feature/x\n");
	wt = tmp_dir("wt-checkout");
	line = xasprintf("gitdir: %s\n", wtgit);
	write_file(wt, ".git", line);
	free(line);
	wtsub = tmp_dir("wt-checkout/sub");
	project_is(wtsub, wt, "mainrepo", "feature/x", "linked worktree");

	/* A submodule: .git is a file with a relative gitdir. */
	super = tmp_dir("super");
	free(tmp_dir("super/.git/modules/lib"));
	write_file(super, ".git/HEAD", "ref: refs/heads/main\n");
	write_file(super, ".git/modules/lib/HEAD", "ref: refs/heads/dev\n");
	sub = tmp_dir("super/lib");
	write_file(sub, ".git", "gitdir: ../.git/modules/lib\n");
	subx = tmp_dir("super/lib/x");
	project_is(subx, sub, "lib", "dev", "relative gitdir (submodule)");
	project_is(super, super, "super", "main", "superproject of a submodule");

	/* A .git file that is not a gitdir pointer is skipped. */
	rel = tmp_dir("repo/junk");
	write_file(rel, ".git", "not a pointer\n");
	project_is(rel, repo, "repo", "main", ".git file without gitdir: is skipped");

	project_is("relative/path", NULL, NULL, NULL, "relative cwd");

	free(repo), free(deep), free(det), free(mainrepo), free(wtgit);
	free(wt), free(wtsub), free(super), free(sub), free(subx), free(rel);
}

/* ---- payload_parse ---- */

static void
parse_fails(const char *text, const char *want_err, const char *what)
{
	size_t n = strlen(text);
	char *buf = xstrndup(text, n);
	const char *err = NULL;
	cJSON *root = payload_parse(buf, n, &err);

	test_cond(root == NULL, "payload_parse: %s gives NULL", what);
	test_streq(err, want_err, "payload_parse: %s: message", what);
	cJSON_Delete(root);
	free(buf);
}

static void
test_payload_parse(void)
{
	char buf[] = "{\"session_id\":\"s1\",\"prompt\":\"cut \\ud83d\"}";
	const char *err = NULL;
	cJSON *root;

	parse_fails("", "empty payload", "empty");
	parse_fails(" \n\t\r ", "empty payload", "whitespace");
	parse_fails("[1,2]", "payload is not a JSON object", "an array");
	parse_fails("\"text\"", "payload is not a JSON object", "a string");
	parse_fails("{\"a\":", "malformed JSON", "truncated JSON");
	parse_fails("{a:1}", "malformed JSON", "unquoted key");
	parse_fails("not json", "malformed JSON", "plain text");

	root = payload_parse(buf, strlen(buf), &err);
	test_cond(root != NULL && err == NULL,
	    "payload_parse: a payload with a lone surrogate parses");
	test_streq(cJSON_GetStringValue(cJSON_GetObjectItem(root, "prompt")),
	    "cut " FFFD, "payload_parse: the lone surrogate becomes U+FFFD");
	test_streq(cJSON_GetStringValue(cJSON_GetObjectItem(root, "session_id")),
	    "s1", "payload_parse: other fields intact");
	cJSON_Delete(root);
}


/* ---- jscan ---- */

static struct jspan
span_of(const char *s)
{
	return (struct jspan){ s, strlen(s) };
}

/* The end jscan_value finds in an exact heap copy, as an offset; -1: NULL. */
static long
value_end(const char *s)
{
	size_t n = strlen(s);
	char *in = exact_copy(s, n);
	const char *e = jscan_value(in, in + n);
	long off = e ? (long)(e - in) : -1;

	free(in);
	return off;
}

static void
test_jscan_value(void)
{
	test_cond(value_end("\"abc\"") == 5, "jscan_value: a string");
	test_cond(value_end("\"a\\\"b\"") == 6, "jscan_value: an escaped quote stays inside");
	test_cond(value_end("\"a\\\\\"x") == 5, "jscan_value: an escaped backslash ends before the quote");
	test_cond(value_end("\"open") == -1, "jscan_value: an unclosed string is malformed");
	test_cond(value_end("{\"a\":[1,{\"b\":\"}\"}]}tail") == 19,
	    "jscan_value: nested containers, a bracket inside a string ignored");
	test_cond(value_end("{\"a\":[1}") == -1, "jscan_value: mismatched brackets are malformed");
	test_cond(value_end("[[[") == -1, "jscan_value: an unclosed array is malformed");
	test_cond(value_end("12345,") == 5, "jscan_value: a number ends at the comma");
	test_cond(value_end("true}") == 4, "jscan_value: a literal ends at the brace");
	test_cond(value_end("") == -1 && value_end("  ") == -1, "jscan_value: nothing is malformed");
	test_cond(value_end(",1") == -1, "jscan_value: a comma is no value");
}

static void
test_jscan_object(void)
{
	static const char *const keys[] = { "type", "message", "n", "missing" };
	struct jspan v[4];
	const char *line = "{\"type\":\"assistant\",\"message\":{\"id\":\"m1\",\"content\":"
	    "[{\"type\":\"text\",\"text\":\"hi\"}]},\"n\":42,\"type\":\"second\"}";
	char *in = exact_copy(line, strlen(line));
	struct jspan obj = { in, strlen(line) }, id, arr, el;
	const char *it = NULL;
	int64_t n = 0;
	int count = 0;

	test_cond(jscan_object(obj, keys, 4, v, NULL) == 0, "jscan_object: a line scans");
	test_cond(jscan_streq(v[0], "assistant"), "jscan_object: the first of a repeated key wins");
	test_cond(jscan_int(v[2], &n) && n == 42, "jscan_object: a number member");
	test_cond(v[3].p == NULL, "jscan_object: a missing member is NULL");
	test_cond(jscan_get(v[1], "id", &id) && jscan_streq(id, "m1"), "jscan_get: a nested member");
	test_cond(jscan_get(v[1], "content", &arr), "jscan_get: an array member");
	while (jscan_next(arr, &it, &el))
		count++;
	test_cond(count == 1, "jscan_next: one element");
	free(in);

	test_cond(jscan_object(span_of("{}"), keys, 4, v, NULL) == 0, "jscan_object: an empty object");
	test_cond(jscan_object(span_of(" {\"a\":1} \r"), keys, 4, v, NULL) == 0,
	    "jscan_object: whitespace and CR around it");
	test_cond(jscan_object(span_of("{\"a\":1}{\"b\":2}"), keys, 4, v, NULL) < 0,
	    "jscan_object: two objects glued on one line are malformed");
	test_cond(jscan_object(span_of("{\"a\":1,\"type\":\"assis"), keys, 4, v, NULL) < 0,
	    "jscan_object: a cut line is malformed");
	test_cond(jscan_object(span_of("[1,2]"), keys, 4, v, NULL) < 0,
	    "jscan_object: an array is not an object");
	test_cond(jscan_object(span_of("{\"a\" 1}"), keys, 4, v, NULL) < 0,
	    "jscan_object: a missing colon is malformed");
	test_cond(jscan_object(span_of("{\"a\":1,}"), keys, 4, v, NULL) < 0,
	    "jscan_object: a trailing comma is malformed");
	test_cond(jscan_object((struct jspan){ NULL, 0 }, keys, 4, v, NULL) < 0,
	    "jscan_object: an absent span is no object");
	{
		/* Found by fuzz-transcript: a key "n" and NUL bytes matched "n". */
		static const char nul_key[] = "{\"n\0\0\0\0\0\0\0\0\0\":7}";
		char *in2 = exact_copy(nul_key, sizeof nul_key - 1);
		const char *one[1];  /* on the heap: ASan sees a read past it */
		char *key = xstrdup("n");

		one[0] = key;
		test_cond(jscan_object((struct jspan){ in2, sizeof nul_key - 1 }, one, 1, v,
		    NULL) == 0 && v[0].p == NULL,
		    "jscan_object: a key with NUL bytes is not the key before them");
		free(key);
		free(in2);
	}
}

static int
stop_at_type(int key, struct jspan v)
{
	return key == 0 && jscan_streq(v, "skip");
}

static void
test_jscan_stop(void)
{
	static const char *const keys[] = { "type", "data" };
	struct jspan v[2];

	test_cond(jscan_object(span_of("{\"type\":\"skip\",\"data\":[[[}"), keys, 2, v,
	    stop_at_type) == 1, "jscan_object: stops at a type it is told to skip");
	test_cond(jscan_object(span_of("{\"type\":\"keep\",\"data\":[1]}"), keys, 2, v,
	    stop_at_type) == 0 && v[1].n == 3, "jscan_object: goes on for another type");
}

static void
str_is(const char *json, const char *want, const char *title)
{
	struct buf b = {0};
	char *in = exact_copy(json, strlen(json));
	int rc = jscan_str((struct jspan){ in, strlen(json) }, &b);

	if (rc < 0)
		test_cond(want == NULL, "jscan_str: %s", title);
	else if (want == NULL)
		test_cond(0, "jscan_str: %s (decoded, should fail)", title);
	else
		test_memeq(b.data, b.len, want, strlen(want), "jscan_str: %s", title);
	buf_release(&b);
	free(in);
}

static void
test_jscan_str(void)
{
	str_is("\"plain\"", "plain", "plain text");
	str_is("\"\"", "", "empty");
	str_is("\"a\\nb\\t\\\"c\\\\d\\/e\"", "a\nb\t\"c\\d/e", "simple escapes");
	str_is("\"\\u00e9\\u4e2d\"", "\xc3\xa9\xe4\xb8\xad", "BMP escapes");
	str_is("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", "a surrogate pair");
	str_is("\"cut \\ud83d\"", "cut " FFFD, "a lone high surrogate is U+FFFD");
	str_is("\"\\ude00x\"", FFFD "x", "a lone low surrogate is U+FFFD");
	str_is("\"a\\u0000b\"", "a" FFFD "b", "\\u0000 is U+FFFD");
	str_is("\"caf\xc3\xa9\"", "caf\xc3\xa9", "raw UTF-8 is copied");
	str_is("\"\\u12\"", NULL, "a short \\u escape fails");
	str_is("\"\\uzzzz\"", NULL, "a bad \\u escape fails");
	str_is("42", NULL, "a number is no string");
}

static void
test_jscan_int(void)
{
	int64_t v = -1;

	test_cond(jscan_int(span_of("15005"), &v) && v == 15005, "jscan_int: an integer");
	test_cond(jscan_int(span_of("-3"), &v) && v == -3, "jscan_int: a negative");
	test_cond(jscan_int(span_of("12.0"), &v) && v == 12, "jscan_int: 12.0 is 12");
	test_cond(jscan_int(span_of("1e3"), &v) && v == 1000, "jscan_int: 1e3 is 1000");
	test_cond(!jscan_int(span_of("1.5"), &v), "jscan_int: 1.5 is no count");
	test_cond(!jscan_int(span_of("\"7\""), &v), "jscan_int: a string is no count");
	test_cond(!jscan_int(span_of("null"), &v), "jscan_int: null is no count");
	test_cond(!jscan_int((struct jspan){ NULL, 0 }, &v), "jscan_int: absent");
	test_cond(jscan_true(span_of("true")) && !jscan_true(span_of("false")) &&
	    !jscan_true(span_of("\"true\"")), "jscan_true: only the literal true");
	/* Found by fuzz-transcript: a line with no timestamp (UBSan: offset on NULL). */
	test_cond(jscan_time((struct jspan){ NULL, 0 }) == -1, "jscan_time: absent");
	test_cond(jscan_time(span_of("\"2026-02-12T16:02:25.227Z\"")) == 1770912145227LL,
	    "jscan_time: a timestamp");
}

/* ---- price ---- */

/*
 * price_cost(model, usage) is 1 with want (USD, to 1e-12 relative), the
 * figures worked out by hand from prices.tsv (USD per million tokens).
 */
static void
cost_is(const char *model, int64_t in, int64_t out, int64_t cw, int64_t cw1h,
    int64_t cr, int fast, double want, const char *title)
{
	struct price_usage u;
	double usd = -1, d;
	int rc, ok;

	u.input = in, u.output = out, u.cache_write = cw, u.cache_write_1h = cw1h;
	u.cache_read = cr, u.fast = fast;
	rc = price_cost(model, &u, &usd);
	d = usd - want;
	if (d < 0)
		d = -d;
	ok = rc == 1 && d <= 1e-12 * (want < 1 ? 1 : want);
	test_cond(ok, "price_cost: %s", title);
	if (!ok)
		printf("#   got %d, $%.12f; want 1, $%.12f\n", rc, usd, want);
}

/* No price: price_cost returns 0 and leaves *usd alone. */
static void
cost_none(const char *model, const char *title)
{
	struct price_usage u = { 1000, 1000, 1000, 0, 1000, 0 };
	double usd = -1;

	test_cond(price_cost(model, &u, &usd) == 0 && usd == -1,
	    "price_cost: %s: no price (0, usd untouched)", title);
}

/* The log file of today in dir, as a string (caller frees). */
static char *
read_log(const char *dir)
{
	char date[11], name[40], *path;
	struct buf b = { 0 };
	int fd;

	utc_date(now_ms(), date);
	snprintf(name, sizeof name, "clankers-%s.jsonl", date);
	path = path_join(dir, name);
	if ((fd = open(path, O_RDONLY)) >= 0) {
		buf_read_fd(&b, fd);
		close(fd);
	}
	free(path);
	buf_add(&b, "", 0);
	return b.data;
}

static int
count_str(const char *s, const char *needle)
{
	int n = 0;

	while (s && (s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static void
test_price(void)
{
	char *dir = tmp_dir("prices"), *logdir = tmp_dir("prices/log"), *user, *log, *want;
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	/* Bad rows: fields are tab-separated, 13 of them. */
	static const struct { int line; const char *why; } bad[] = {
		{ 4, "want 13 tab-separated fields" },
		{ 9, "a price is not a number >= 0" },
		{ 10, "a price is not a number >= 0" },
		{ 11, "threshold is neither a token count nor -" },
		{ 12, "a price above the threshold without a threshold" },
		{ 13, "a price above the threshold is not a number >= 0" },
		{ 14, "fast is not a number >= 0" },
		{ 15, "empty model name" },
		{ 16, "want 13 tab-separated fields" },
	};
	size_t i;

	price_load(NULL);

	/* Matching a model name to its row. */
	test_streq(price_match("claude-opus-4-6"), "claude-opus-4-6", "price_match: exact");
	test_streq(price_match("claude-opus-4-6-20260101"), "claude-opus-4-6",
	    "price_match: a date suffix");
	test_streq(price_match("claude-sonnet-4-5-20250929"), "claude-sonnet-4-5",
	    "price_match: claude-sonnet-4-5-20250929");
	test_streq(price_match("claude-opus-4-1-20250805"), "claude-opus-4-1",
	    "price_match: the longest name inside (claude-opus-4-1, not claude-opus-4)");
	test_streq(price_match("claude-3-5-sonnet-20241022"), "claude-3-5-sonnet",
	    "price_match: an old dated name");
	test_streq(price_match("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), "claude-sonnet-4-5",
	    "price_match: a Bedrock region prefix and version suffix");
	test_streq(price_match("anthropic/claude-haiku-4-5"), "claude-haiku-4-5",
	    "price_match: a provider/ prefix");
	test_streq(price_match("bedrock/global.anthropic.claude-opus-4-6-v1"), "claude-opus-4-6",
	    "price_match: two prefixes");
	test_streq(price_match("claude-sonnet-4-5@20250929"), "claude-sonnet-4-5",
	    "price_match: a Vertex @date suffix");
	test_streq(price_match("vertex_ai/claude-opus-4-6@20260101"), "claude-opus-4-6",
	    "price_match: a vertex_ai/ prefix and @date");
	test_streq(price_match("claude-opus-4-6-latest"), "claude-opus-4-6",
	    "price_match: -latest");
	test_streq(price_match("openrouter/anthropic/claude-sonnet-4.5"), "claude-sonnet-4.5",
	    "price_match: openrouter/anthropic/ prefixes");
	test_streq(price_match("Claude-Opus-4-6"), "claude-opus-4-6", "price_match: case ignored");
	test_streq(price_match("CLAUDE-HAIKU-4-5-20251001"), "claude-haiku-4-5",
	    "price_match: case ignored, dated");
	test_streq(price_match("<synthetic>"), "<synthetic>", "price_match: <synthetic> has a row");
	test_streq(price_match("gpt-5-codex"), NULL, "price_match: gpt-5-codex is unknown");
	test_streq(price_match("gpt-5-codex"), NULL, "price_match: unknown again (the cached lookup)");
	test_streq(price_match("claude-unknown-9"), NULL, "price_match: an unknown claude name");
	test_streq(price_match("claude-opus-4-9"), NULL,
	    "price_match: a newer model is unknown, not priced as claude-opus-4");
	test_streq(price_match("claude-opus-4-6-2026"), NULL,
	    "price_match: a suffix that is no date is another model");
	test_streq(price_match("xclaude-opus-4-6"), NULL,
	    "price_match: a name glued to a letter does not match");
	test_streq(price_match(""), NULL, "price_match: empty name");
	test_streq(price_match(NULL), NULL, "price_match: NULL");

	/* Costs, in millionths of a dollar. Opus 4.6: 5 in, 25 out, 6.25 5m
	 * write, 10 1h write, 0.5 read, fast x6. */
	/* 3x5 + 350x25 + 2000x6.25 + 10000x0.5 = 15 + 8750 + 12500 + 5000 */
	cost_is("claude-opus-4-6", 3, 350, 2000, 0, 10000, 0, 26265e-6, "opus-4-6");
	cost_is("claude-opus-4-6-20260101", 3, 350, 2000, 0, 10000, 0, 26265e-6,
	    "opus-4-6 by a dated name");
	/* 5x5 + 50x25 + 1000x6.25 + 500x10 = 25 + 1250 + 6250 + 5000 */
	cost_is("claude-opus-4-6", 5, 50, 1500, 500, 0, 0, 12525e-6,
	    "1h cache writes at the 1h price, the rest at the 5m one");
	/* 1000x10 */
	cost_is("claude-opus-4-6", 0, 0, 1000, 1000, 0, 0, 10000e-6, "all writes 1h");
	/* the 1h part is at most the total: 100x10 */
	cost_is("claude-opus-4-6", 0, 0, 100, 500, 0, 0, 1000e-6,
	    "a 1h part above the total counts as the total");
	/* (100x5 + 1000x25) x 6 = 25500 x 6 */
	cost_is("claude-opus-4-6", 100, 1000, 0, 0, 0, 1, 153000e-6, "fast: Opus 4.6 x6");
	/* Opus 4.8: 5 / 25, fast x2: 25500 x 2 */
	cost_is("claude-opus-4-8", 100, 1000, 0, 0, 0, 1, 51000e-6, "fast: Opus 4.8 x2");
	/* Sonnet 4.5 (3 / 15, fast x1): 100x3 + 1000x15 */
	cost_is("claude-sonnet-4-5", 100, 1000, 0, 0, 0, 1, 15300e-6,
	    "fast on a model without a fast price: x1");
	/* Sonnet 4.5: 3 15 3.75 6 0.3; above 200000 input tokens in the
	 * request, 6 22.5 7.5 12 0.6 on all of it. 1000 + 50000 + 160000 =
	 * 211000: 1000x6 + 2000x22.5 + 50000x7.5 + 160000x0.6
	 * = 6000 + 45000 + 375000 + 96000 */
	cost_is("claude-sonnet-4-5-20250929", 1000, 2000, 50000, 0, 160000, 0, 522000e-6,
	    "Sonnet 4.5 above 200k: the whole request at the higher prices");
	/* 200000 exactly is not above: 100x15 + 200000x0.3 = 1500 + 60000 */
	cost_is("claude-sonnet-4-5", 0, 100, 0, 0, 200000, 0, 61500e-6,
	    "Sonnet 4.5 at 200k exactly: base prices");
	/* 200001: 1x6 + 200000x0.6 = 6 + 120000 */
	cost_is("claude-sonnet-4-5", 1, 0, 0, 0, 200000, 0, 120006e-6,
	    "Sonnet 4.5 at 200001: the higher prices");
	/* 250000 written, 50000 of them 1h: 200000x7.5 + 50000x12 */
	cost_is("us.anthropic.claude-sonnet-4-5-20250929-v1:0", 0, 0, 250000, 50000, 0, 0,
	    2100000e-6, "Sonnet 4.5 above 200k: 5m and 1h writes at their higher prices");
	/* Output does not count: input 200000 in all;
	 * 100000x3 + 500000x15 + 100000x0.3 = 300000 + 7500000 + 30000 */
	cost_is("claude-sonnet-4-5", 100000, 500000, 0, 0, 100000, 0, 7830000e-6,
	    "output tokens do not count toward the 200k threshold");
	/* Sonnet 4.6 has no tier: 300000x3 */
	cost_is("claude-sonnet-4-6", 300000, 0, 0, 0, 0, 0, 900000e-6,
	    "Sonnet 4.6: no long-context tier");
	/* Haiku 4.5: 1 5 1.25 2 0.1: 20x1 + 200x5 + 3000x1.25 = 20 + 1000 + 3750 */
	cost_is("claude-haiku-4-5-20251001", 20, 200, 3000, 0, 0, 0, 4770e-6, "Haiku 4.5, dated");
	cost_is("<synthetic>", 1000, 1000, 1000, 500, 1000, 1, 0, "<synthetic> costs 0");
	cost_is("claude-opus-4-6", 0, 0, 0, 0, 0, 0, 0, "no tokens, $0");
	cost_none("gpt-5-codex", "gpt-5-codex");
	cost_none(NULL, "model NULL");

	/* A user file over the built-in table. */
	user = path_join(dir, "user.tsv");
	write_file(dir, "user.tsv",
	    "# my prices\n"                                                      /* 1 */
	    "\n"                                                                 /* 2 */
	    "gpt-5-codex\t1.25\t10\t1.25\t2.5\t0.125\t-\t-\t-\t-\t-\t-\t1\n"     /* 3 */
	    "claude-opus-4-6\t10\t50\n"                                          /* 4 */
	    "CLAUDE-OPUS-4-6\t10\t50\t12.5\t20\t1\t-\t-\t-\t-\t-\t-\t3\n"        /* 5 */
	    "us.anthropic.claude-haiku-4-5\t2\t10\t2.5\t4\t0.2\t-\t-\t-\t-\t-\t-\t1\n" /* 6 */
	    "my-tiered\t1\t2\t3\t4\t5\t100\t10\t20\t30\t40\t50\t1\n"             /* 7 */
	    "crlf-model\t1\t1\t1\t1\t1\t-\t-\t-\t-\t-\t-\t1\r\n"                 /* 8 */
	    "bad-price\tx\t1\t1\t1\t1\t-\t-\t-\t-\t-\t-\t1\n"                    /* 9 */
	    "negative\t-1\t1\t1\t1\t1\t-\t-\t-\t-\t-\t-\t1\n"                    /* 10 */
	    "bad-threshold\t1\t1\t1\t1\t1\t0\t1\t1\t1\t1\t1\t1\n"                /* 11 */
	    "bad-above\t1\t1\t1\t1\t1\t-\t2\t-\t-\t-\t-\t1\n"                    /* 12 */
	    "bad-above-price\t1\t1\t1\t1\t1\t10\tx\t1\t1\t1\t1\t1\n"             /* 13 */
	    "bad-fast\t1\t1\t1\t1\t1\t-\t-\t-\t-\t-\t-\tfast\n"                  /* 14 */
	    "\t1\t1\t1\t1\t1\t-\t-\t-\t-\t-\t-\t1\n"                             /* 15 */
	    "too-many\t1\t1\t1\t1\t1\t-\t-\t-\t-\t-\t-\t1\t1\n"                  /* 16 */
	    " \t \n"                                                             /* 17 */
	    "no-newline\t1\t1\t1\t1\t1\t-\t-\t-\t-\t-\t-\t1");                   /* 18 */
	log_open(logdir);
	test_cond(price_load(user) == 0, "price_load: a user file loads (0)");
	/* 1000x1.25 + 500x10 + 4000x0.125 = 1250 + 5000 + 500 */
	cost_is("gpt-5-codex", 1000, 500, 0, 0, 4000, 0, 6750e-6, "user file: a new model");
	/* Replaced by line 5 (its name lowercased), after the bad line 4:
	 * (10x10 + 20x50) x 3 */
	cost_is("claude-opus-4-6", 10, 20, 0, 0, 0, 1, 3300e-6,
	    "user file: a row replaces the built-in one of that name");
	cost_is("claude-opus-4-6-20260101", 10, 20, 0, 0, 0, 0, 1100e-6,
	    "user file: the replaced row is matched by a dated name too");
	test_streq(price_match("us.anthropic.claude-haiku-4-5-20251001-v1:0"),
	    "us.anthropic.claude-haiku-4-5", "user file: a prefixed row beats the bare name");
	test_streq(price_match("claude-haiku-4-5-20251001"), "claude-haiku-4-5",
	    "user file: built-in rows stay");
	cost_is("claude-sonnet-4-5", 1000, 2000, 50000, 0, 160000, 0, 522000e-6,
	    "user file: built-in prices of other models unchanged");
	/* threshold 100: 50 + 51 = 101 above: 50x10 + 51x50 = 500 + 2550 */
	cost_is("my-tiered", 50, 0, 0, 0, 51, 0, 3050e-6, "user file: its own tier, above");
	/* 100 not above: 50x1 + 50x5 */
	cost_is("my-tiered", 50, 0, 0, 0, 50, 0, 300e-6, "user file: its own tier, below");
	test_streq(price_match("crlf-model"), "crlf-model", "user file: a CRLF line is read");
	test_streq(price_match("no-newline"), "no-newline", "user file: a last line without newline");
	test_cond(price_match("bad-price") == NULL && price_match("negative") == NULL &&
	    price_match("bad-threshold") == NULL && price_match("bad-above") == NULL &&
	    price_match("bad-above-price") == NULL && price_match("bad-fast") == NULL &&
	    price_match("too-many") == NULL, "user file: bad rows are skipped");
	log = read_log(logdir);
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		want = xasprintf("%s:%d: %s; line skipped", user, bad[i].line, bad[i].why);
		test_cond(count_str(log, want) == 1, "user file: line %d logged: %s",
		    bad[i].line, bad[i].why);
		free(want);
	}
	test_cond(count_str(log, "\"level\":\"warn\",\"component\":\"price\"") ==
	    (int)(sizeof bad / sizeof *bad),
	    "user file: one warn line per bad line, none for comments and blank lines");
	free(log);
	log_close();

	/* A second load starts over; a missing file is no error. */
	free(user);
	user = path_join(dir, "missing.tsv");
	test_cond(price_load(user) == 0 && price_match("gpt-5-codex") == NULL,
	    "price_load: a missing file is 0, the built-in table only");
	cost_is("claude-opus-4-6", 3, 350, 2000, 0, 10000, 0, 26265e-6,
	    "price_load again: the built-in Opus 4.6 price is back");
	errno = 0;
	test_cond(price_load(dir) == -1 && errno != 0, "price_load: a folder is -1 with errno");
	test_streq(price_match("claude-opus-4-6-20260101"), "claude-opus-4-6",
	    "price_load: the built-in table is loaded after an unreadable file");

	/* clankers_cost() in SQL. */
	if (sqlite3_open(":memory:", &h) == SQLITE_OK) {
		price_register(h);
		sqlite3_prepare_v2(h, "SELECT"
		    " clankers_cost('claude-opus-4-6', 3, 350, 2000, 0, 10000, NULL),"
		    " clankers_cost('claude-opus-4-6', 100, 1000, 0, 0, 0, 'fast'),"
		    " clankers_cost('claude-opus-4-6', 100, 1000, 0, 0, 0, 'standard'),"
		    " clankers_cost('gpt-5-codex', 1, 1, 1, 1, 1, NULL),"
		    " clankers_cost(NULL, 1, 1, 1, 1, 1, NULL),"
		    " clankers_cost('claude-opus-4-6', NULL, 1000, NULL, NULL, NULL, NULL),"
		    " clankers_cost('<synthetic>', 5, 5, 5, 5, 5, NULL)", -1, &st, NULL);
	}
	test_cond(st != NULL && sqlite3_step(st) == SQLITE_ROW,
	    "clankers_cost: registered and callable");
	if (st != NULL) {
		double d0 = sqlite3_column_double(st, 0) - 26265e-6;
		double d1 = sqlite3_column_double(st, 1) - 153000e-6;
		double d2 = sqlite3_column_double(st, 2) - 25500e-6;
		double d5 = sqlite3_column_double(st, 5) - 25000e-6;

		test_cond(d0 < 1e-12 && d0 > -1e-12, "clankers_cost: the cost of a response");
		test_cond(d1 < 1e-12 && d1 > -1e-12 && d2 < 1e-12 && d2 > -1e-12,
		    "clankers_cost: speed 'fast' multiplies, 'standard' does not");
		test_cond(sqlite3_column_type(st, 3) == SQLITE_NULL &&
		    sqlite3_column_type(st, 4) == SQLITE_NULL,
		    "clankers_cost: unknown or NULL model: NULL");
		test_cond(d5 < 1e-12 && d5 > -1e-12, "clankers_cost: NULL counts are 0");
		test_cond(sqlite3_column_type(st, 6) == SQLITE_FLOAT &&
		    sqlite3_column_double(st, 6) == 0, "clankers_cost: <synthetic> is 0.0, not NULL");
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	price_free();
	free(user);
	free(dir);
	free(logdir);
}

/* ---- redact ---- */

#define ELL "\xe2\x80\xa6"  /* the ellipsis before a secret's last 4 */

/* redact() of in, as a NUL-terminated string (in itself when nothing changed). */
static char *
redacted(const char *in)
{
	size_t n = 0;
	char *r = redact(in, strlen(in), &n);

	if (r == NULL)
		return xstrdup(in);
	if (strlen(r) != n)
		printf("#   length %zu is not the text's %zu\n", n, strlen(r));
	return r;
}

static void
test_redact_case(const char *in, const char *want, const char *title)
{
	char *got = redacted(in), *again = redacted(got);

	test_streq(got, want, "redact: %s", title);
	test_streq(again, got, "redact: %s, stable when redacted again", title);
	free(again);
	free(got);
}

static void
test_redact(void)
{
	static const struct {
		const char *in, *want, *title;
	} cases[] = {
		{ "key sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AAbbWXYZ done",
		  "key [REDACTED:anthropic-key:" ELL "WXYZ] done", "Anthropic key" },
		{ "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx12_-9876",
		  "[REDACTED:openai-key:" ELL "9876]", "OpenAI project key" },
		{ "OPENAI=sk-AbCdEfGhIjKlMnOpQrSt1234UvWxYz", "OPENAI=[REDACTED:openai-key:" ELL "WxYz]",
		  "OpenAI legacy key after a name that is no secret's" },
		{ "use disk-usage-reporting-for-everything-here", "use disk-usage-reporting-for-everything-here",
		  "a long hyphenated word with sk- inside is no key" },
		{ "task-management-system-for-everyone-around", "task-management-system-for-everyone-around",
		  "sk- with no digit and not at a word start is no key" },
		{ "id AKIAIOSFODNN7EXAMPLE,", "id [REDACTED:aws-key:" ELL "MPLE],", "AWS access key id" },
		{ "ASIAY34FZKBOKMUTVV7A", "[REDACTED:aws-key:" ELL "VV7A]", "AWS temporary key id" },
		{ "AKIAIOSFODNN7EXAMPLEX", "AKIAIOSFODNN7EXAMPLEX", "AKIA with 17 characters is no key id" },
		{ "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
		  "aws_secret_access_key = [REDACTED:aws-secret:" ELL "EKEY]\n", "AWS secret key in context" },
		{ "{\"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"}",
		  "{\"SecretAccessKey\": \"[REDACTED:aws-secret:" ELL "EKEY]\"}", "AWS secret key in JSON" },
		{ "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "[REDACTED:github-token:" ELL "8B4a]", "GitHub token" },
		{ "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
		  "[REDACTED:github-token:" ELL "wxyz]", "GitHub fine-grained token" },
		{ "glpat-xXyYzZ0123456789abcdEF", "[REDACTED:gitlab-token:" ELL "cdEF]", "GitLab token" },
		{ "xoxb-123456789012-1234567890123-AbCdEfGhIjKl", "[REDACTED:slack-token:" ELL "IjKl]",
		  "Slack token" },
		{ "AIzaSyA-1234567890abcdefghijklmnopqrstu", "[REDACTED:google-key:" ELL "rstu]", "Google key" },
		{ "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "[REDACTED:stripe-key:" ELL "p7dc]", "Stripe key" },
		{ "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3\nxfn/ygWyF8PbnGy0AHB7Ab9z\n"
		  "-----END RSA PRIVATE KEY-----\nb",
		  "a\n[REDACTED:private-key:" ELL "Ab9z]\nb", "private key block" },
		{ "\"-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAA\\nQyNTUxOQAAACD9\\n-----END OPENSSH PRIVATE KEY-----\\n\"",
		  "\"[REDACTED:private-key:" ELL "ACD9]\\n\"", "private key block as JSON text" },
		{ "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEF",
		  "[REDACTED:private-key:" ELL "AQEF]", "private key block cut short" },
		{ "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEF\n-----END PUBLIC KEY-----",
		  "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEF\n-----END PUBLIC KEY-----", "a public key stays" },
		{ "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U x",
		  "Bearer [REDACTED:jwt:" ELL "sR8U] x", "JWT" },
		{ "postgres://admin:s3cr3t-passw0rd@db.example.com:5432/x",
		  "postgres://admin:[REDACTED:url-password:" ELL "w0rd]@db.example.com:5432/x",
		  "password in a URL" },
		{ "https://user:pw@h/", "https://user:[REDACTED:url-password]@h/", "a short password keeps no tail" },
		{ "https://example.com:8080/a@b", "https://example.com:8080/a@b", "a port is no password" },
		{ "mysql -u root --password=hunter2 db", "mysql -u root --password=[REDACTED:password] db",
		  "password= assignment" },
		{ "{\"password\":\"correct horse battery staple\"}",
		  "{\"password\":\"[REDACTED:password:" ELL "aple]\"}", "password in JSON" },
		{ "{\\\"client_secret\\\":\\\"abcdefgh12345678\\\"}",
		  "{\\\"client_secret\\\":\\\"[REDACTED:secret:" ELL "5678]\\\"}",
		  "secret in JSON inside JSON" },
		{ "export GITHUB_TOKEN=gho_16C7e42F292c6912E7710c838347Ae178B4a;",
		  "export GITHUB_TOKEN=[REDACTED:github-token:" ELL "8B4a];",
		  "a token's own kind wins over its name's" },
		{ "curl -d 'api_key=0123456789abcdef0123&x=1'",
		  "curl -d 'api_key=[REDACTED:api-key:" ELL "0123]&x=1'", "api_key= in a query" },
		{ "curl -H 'Authorization: Bearer abc.def-ghi_jkl~mno' u",
		  "curl -H 'Authorization: Bearer [REDACTED:auth-header:" ELL "~mno]' u", "Authorization Bearer" },
		{ "Authorization: Basic dXNlcjpwYXNzd29yZA==",
		  "Authorization: Basic [REDACTED:auth-header:" ELL "ZA==]", "Authorization Basic" },
		{ "password=$DB_PASSWORD token: <your token> secret=\"\" api_key=None",
		  "password=$DB_PASSWORD token: <your token> secret=\"\" api_key=None", "placeholders stay" },
		{ "if token == other: pass", "if token == other: pass", "a comparison is no assignment" },
		{ "{\"input_tokens\":12,\"max_tokens\":4096,\"token_type\":\"x\"}",
		  "{\"input_tokens\":12,\"max_tokens\":4096,\"token_type\":\"x\"}", "token counts stay" },
		{ "{\"token\":123456,\"secret\":true,\"password\":[1]}",
		  "{\"token\":123456,\"secret\":true,\"password\":[1]}",
		  "a JSON member's number stays (JSON stays JSON)" },
		{ "{\"k\":\"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEF\",\"n\":1}",
		  "{\"k\":\"[REDACTED:private-key:" ELL "AQEF]\",\"n\":1}",
		  "a private key cut short ends with its JSON string" },
		{ "{\"cmd\":\"x token='abc\",\"n\":1}", "{\"cmd\":\"x token='[REDACTED:token]\",\"n\":1}",
		  "a '-quoted value ends at the JSON string's quote (fuzz-redact)" },
		{ "AKIAIOSFODNN7EXAMPLErk_test_4FZKBOrXUtPxRfiCYEX",
		  "[REDACTED:aws-key:" ELL "MPLE][REDACTED:stripe-key:" ELL "CYEX]",
		  "a word starts right after a secret (fuzz-redact: stability)" },
		{ "x=gho_16C7e42F292c6912E7710c838347Ae178B4aient_secret:\"abcdefgh12345678\"",
		  "x=[REDACTED:github-token:" ELL "ient]_secret:\"[REDACTED:secret:" ELL "5678]\"",
		  "a name that runs on from a token (fuzz-redact: stability)" },
		{ "git clone https://ghp_16C7e42F292c6912E7710c838347Ae178B4a:x-oauth-basic@github.com/o/r",
		  "git clone https://[REDACTED:github-token:" ELL "8B4a]:[REDACTED:url-password:" ELL "asic]@github.com/o/r",
		  "a token as a URL's user name, and its password" },
		{ "p://\xbcsk_test_VS5JJcds3nadmin:s3cr3t-passw0rd@db",
		  "p://\xbc[REDACTED:stripe-key:" ELL "dmin]:[REDACTED:url-password:" ELL "w0rd]@db",
		  "a URL's user name is looked at before its password (fuzz-redact: stability)" },
		{ "{\"content\":\"a\\nghp_16C7e42F292c6912E7710c838347Ae178B4a\\n\\tAKIAIOSFODNN7EXAMPLE\"}",
		  "{\"content\":\"a\\n[REDACTED:github-token:" ELL "8B4a]\\n\\t[REDACTED:aws-key:" ELL "MPLE]\"}",
		  "a token at the start of a line of JSON text (after \\n, \\t)" },
		{ "password = getpass()", "password = getpass()", "a call is code, not a password" },
		{ "password=os.environ[\"DB_PASSWORD\"]", "password=os.environ[\"DB_PASSWORD\"]",
		  "an index into the environment is code" },
		{ "self.password = self.password", "self.password = self.password", "a dotted name is code" },
		{ "def login(user: str, password: str, token: Optional[str] = None)",
		  "def login(user: str, password: str, token: Optional[str] = None)", "types are code" },
		{ "interface C { token: string; password: string }",
		  "interface C { token: string; password: string }", "TypeScript types are code" },
		{ "const token = await getToken();", "const token = await getToken();", "await is code" },
		{ "DB_PASSWORD=hunter2x", "DB_PASSWORD=[REDACTED:password]", "a short password is still one" },
		{ "password: my.pass.1234", "password: [REDACTED:password:" ELL "1234]",
		  "a dotted value with a digit is still a password" },
		{ "const H = '-----BEGIN PRIVATE KEY-----';\nexport function isPem(s) { return s; }",
		  "const H = '-----BEGIN PRIVATE KEY-----';\nexport function isPem(s) { return s; }",
		  "a private key's header alone is no key: what follows is kept" },
		{ "postgres://user:p@ssw0rd@db.example.com:5432/app",
		  "postgres://user:[REDACTED:url-password]@db.example.com:5432/app",
		  "a URL password that holds an @ is redacted whole" },
		{ "", "", "empty text" },
	};
	size_t i, n;
	char *r;

	for (i = 0; i < NELEM(cases); i++)
		test_redact_case(cases[i].in, cases[i].want, cases[i].title);
	test_cond(redact("plain text, nothing hidden: a=b", 31, &n) == NULL,
	    "redact: nothing found allocates nothing");
	/* Bytes past len are not read: a key cut by len is too short to match. */
	r = redact("sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz", 20, &n);
	test_cond(r == NULL, "redact: stops at len");
	free(r);
	/* A NUL inside the text is text like any other byte. */
	r = redact("a\0b AKIAIOSFODNN7EXAMPLE", 24, &n);
	test_cond(r && n == 4 + 26 && memcmp(r, "a\0b [REDACTED:aws-key:", 22) == 0,
	    "redact: a NUL byte before a secret");
	free(r);
}

int
main(void)
{
	char *base;

	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(tmpbase, sizeof tmpbase, "/tmp/clankers-unit-XXXXXX");
	if ((base = mkdtemp(tmpbase)) == NULL) {
		perror("mkdtemp");
		return 1;
	}

	test_utf8_clean();
	test_json_fix_escapes();
	test_utf8_cut();
	test_time();
	test_fnv1a();
	test_random_hex();
	test_mkdir_p();
	test_store_prompt_title();
	test_project_find();
	test_payload_parse();
	test_jscan_value();
	test_jscan_object();
	test_jscan_stop();
	test_jscan_str();
	test_jscan_int();
	test_price();
	test_redact();

	if (nftw(tmpbase, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		perror(tmpbase);
	return test_report();
}
