/*
 * jscan.c: a scanner over raw JSON text, for the transcript reader.
 *
 * Most of a Claude Code transcript is bytes the reader does not need:
 * progress lines, tool results copied into toolUseResult, file snapshots.
 * Building a cJSON tree of every line would pay for all of them. This
 * scanner finds the members it is asked for and steps over the rest with
 * memchr, so a skipped string costs what finding its closing quote costs.
 *
 * A span is a value as it appears in the text. Nothing is copied until a
 * string is asked for (jscan_str). Nested values are checked only for
 * balanced brackets and closed strings; that is enough to reject a cut or
 * glued line, and lenient about what the reader ignores anyway.
 */
#include <stdlib.h>
#include <string.h>

#include "clankers.h"

#define MAX_DEPTH 1024

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* p is at an opening quote; returns the byte after the closing one. */
static const char *
skip_string(const char *p, const char *end)
{
	const char *q;
	int i;

	/* Most strings are short: look at them before calling memchr. */
	for (p++, i = 0; i < 24 && p < end; i++, p++) {
		if (*p == '"')
			return p + 1;
		if (*p == '\\' && ++p == end)
			return NULL;
	}
	for (; p < end; p = q + 1) {
		const char *b;

		if ((q = memchr(p, '"', (size_t)(end - p))) == NULL)
			return NULL;
		/* An odd number of backslashes before it escapes it. */
		for (b = q; b > p && b[-1] == '\\'; b--)
			;
		if ((q - b) % 2 == 0)
			return q + 1;
	}
	return NULL;
}

/* Structural bytes, the only ones a container skip has to look at. */
static const unsigned char special[256] = {
	['"'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1,
};

static const char *
skip_container(const char *p, const char *end)
{
	char stack[MAX_DEPTH];
	int depth = 0;

	while (p < end) {
		const unsigned char c = (unsigned char)*p;

		if (!special[c]) {
			p++;
			continue;
		}
		if (c == '"') {
			if ((p = skip_string(p, end)) == NULL)
				return NULL;
			continue;
		}
		if (c == '{' || c == '[') {
			if (depth == MAX_DEPTH)
				return NULL;
			stack[depth++] = c == '{' ? '}' : ']';
		} else if (depth == 0 || stack[--depth] != (char)c) {
			return NULL;
		}
		p++;
		if (depth == 0)
			return p;
	}
	return NULL;
}

const char *
jscan_value(const char *p, const char *end)
{
	const char *start;

	p = skip_ws(p, end);
	if (p >= end)
		return NULL;
	if (*p == '"')
		return skip_string(p, end);
	if (*p == '{' || *p == '[')
		return skip_container(p, end);
	if (*p == '}' || *p == ']' || *p == ',' || *p == ':')
		return NULL;
	for (start = p; p < end; p++)
		if (*p == ',' || *p == '}' || *p == ']' || *p == ' ' || *p == '\n' ||
		    *p == '\r' || *p == '\t' || *p == '"' || *p == ':')
			break;
	return p > start ? p : NULL;
}

int
jscan_object(struct jspan obj, const char *const *keys, int nkeys,
    struct jspan *vals, int (*stop)(int key, struct jspan val))
{
	const char *p = obj.p, *end;
	int i;

	for (i = 0; i < nkeys; i++)
		vals[i] = (struct jspan){ NULL, 0 };
	if (p == NULL)
		return -1;
	end = obj.p + obj.n;  /* only now: NULL + 0 is undefined (UBSan) */
	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return -1;
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return skip_ws(p + 1, end) == end ? 0 : -1;
	for (;;) {
		const char *k, *kend, *v, *vend;
		size_t klen;

		if (p >= end || *p != '"' || (kend = skip_string(p, end)) == NULL)
			return -1;
		k = p + 1;
		klen = (size_t)(kend - 1 - k);
		p = skip_ws(kend, end);
		if (p >= end || *p != ':')
			return -1;
		v = skip_ws(p + 1, end);
		if ((vend = jscan_value(v, end)) == NULL)
			return -1;
		for (i = 0; i < nkeys; i++) {
			/*
			 * A key holding a NUL byte matches strncmp up to it: the
			 * memchr keeps keys[i][klen] inside the key (fuzz-transcript).
			 */
			if (keys[i][0] == k[0] && vals[i].p == NULL &&
			    strncmp(keys[i], k, klen) == 0 && memchr(k, '\0', klen) == NULL &&
			    keys[i][klen] == '\0') {
				vals[i] = (struct jspan){ v, (size_t)(vend - v) };
				if (stop && stop(i, vals[i]))
					return 1;
				break;
			}
		}
		p = skip_ws(vend, end);
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		if (p < end && *p == '}')
			return skip_ws(p + 1, end) == end ? 0 : -1;
		return -1;
	}
}

int
jscan_get(struct jspan obj, const char *key, struct jspan *val)
{
	const char *keys[1] = { key };

	if (jscan_object(obj, keys, 1, val, NULL) < 0)
		val->p = NULL;
	return val->p != NULL;
}

int
jscan_next(struct jspan arr, const char **it, struct jspan *elem)
{
	const char *p = *it, *end, *vend;

	if (arr.p == NULL || arr.n == 0)
		return 0;
	end = arr.p + arr.n;
	if (p == NULL) {
		p = skip_ws(arr.p, end);
		if (p >= end || *p != '[')
			return 0;
		p = skip_ws(p + 1, end);
		if (p < end && *p == ']')
			return 0;
	} else {
		p = skip_ws(p, end);
		if (p >= end || *p != ',')
			return 0;
		p = skip_ws(p + 1, end);
	}
	if ((vend = jscan_value(p, end)) == NULL)
		return 0;
	*elem = (struct jspan){ p, (size_t)(vend - p) };
	*it = vend;
	return 1;
}

int
jscan_streq(struct jspan v, const char *s)
{
	size_t n = strlen(s);

	return v.p && v.n == n + 2 && v.p[0] == '"' && memcmp(v.p + 1, s, n) == 0;
}

int
jscan_true(struct jspan v)
{
	return v.p && v.n == 4 && memcmp(v.p, "true", 4) == 0;
}

int
jscan_int(struct jspan v, int64_t *out)
{
	char tmp[40], *e;
	double d;

	if (v.p == NULL || v.n == 0 || v.n >= sizeof tmp ||
	    !(v.p[0] == '-' || (v.p[0] >= '0' && v.p[0] <= '9')))
		return 0;
	memcpy(tmp, v.p, v.n);
	tmp[v.n] = '\0';
	*out = strtoll(tmp, &e, 10);
	if (*e == '\0')
		return 1;
	/* 12.0 or 1e3: a whole number written another way */
	d = strtod(tmp, &e);
	if (*e != '\0' || d != d || d < -9e18 || d > 9e18 || d != (double)(int64_t)d)
		return 0;
	*out = (int64_t)d;
	return 1;
}

static int
hexval(const char *p, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		char c = p[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

static void
put_utf8(struct buf *b, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_add(b, u, n);
}

/*
 * Appends the decoded string. A lone surrogate and \u0000 become U+FFFD,
 * as in json_fix_escapes: SQLite text must not hold either. Raw bytes are
 * copied as they are; the caller cleans invalid UTF-8.
 */
int
jscan_str(struct jspan v, struct buf *out)
{
	const char *p, *end, *bs;

	if (v.p == NULL || v.n < 2 || v.p[0] != '"' || v.p[v.n - 1] != '"')
		return -1;
	p = v.p + 1;
	end = v.p + v.n - 1;
	buf_grow(out, (size_t)(end - p) + 1);
	while (p < end) {
		unsigned cp, lo;

		if ((bs = memchr(p, '\\', (size_t)(end - p))) == NULL) {
			buf_add(out, p, (size_t)(end - p));
			break;
		}
		buf_add(out, p, (size_t)(bs - p));
		if (bs + 1 >= end)
			return -1;
		p = bs + 2;
		switch (bs[1]) {
		case 'n': buf_add(out, "\n", 1); break;
		case 't': buf_add(out, "\t", 1); break;
		case 'r': buf_add(out, "\r", 1); break;
		case 'b': buf_add(out, "\b", 1); break;
		case 'f': buf_add(out, "\f", 1); break;
		case 'u':
			if (end - p < 4 || hexval(p, &cp) < 0)
				return -1;
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' &&
			    p[1] == 'u' && hexval(p + 2, &lo) == 0 && lo >= 0xdc00 &&
			    lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			} else if (cp == 0 || (cp >= 0xd800 && cp < 0xe000)) {
				cp = 0xfffd;
			}
			put_utf8(out, cp);
			break;
		default:  /* \" \\ \/ and, leniently, any other */
			buf_add(out, bs + 1, 1);
			break;
		}
	}
	buf_add(out, "", 0);
	return 0;
}

static int
digits(const char *p, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	return v;
}

/* "2026-02-12T16:02:25.227Z" (a JSON string span) to ms; -1 if not one. */
int64_t
jscan_time(struct jspan v)
{
	const char *p;
	int y, mo, d, h, mi, s, ms = 0;

	/* p is set only now: v.p + 1 of an absent span is undefined (UBSan). */
	if (v.p == NULL || v.n < 22 || v.p[0] != '"')
		return -1;
	p = v.p + 1;
	y = digits(p, 4), mo = digits(p + 5, 2), d = digits(p + 8, 2);
	h = digits(p + 11, 2), mi = digits(p + 14, 2), s = digits(p + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || s < 0 || s > 60 || p[4] != '-' || p[10] != 'T')
		return -1;
	if (p[19] == '.') {
		int i;

		for (i = 0, p += 20; i < 3 && *p >= '0' && *p <= '9'; i++, p++)
			ms = ms * 10 + (*p - '0');
		for (; i < 3; i++)
			ms *= 10;
	}
	return (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1000 + ms;
}
