/*
 * price.c: what one API response cost, in USD. The price table is
 * prices.tsv (USD per million tokens), embedded at build time; a user file
 * in the same format adds rows or replaces them by model. A model name
 * resolves to the row with the same name, else to the one named by the name
 * without a provider prefix (us.anthropic., bedrock/, ...), else to the
 * longest row name it starts with (after a provider prefix) followed only
 * by a version: claude-sonnet-4-5-20250929 and claude-sonnet-4-5@20250929
 * are claude-sonnet-4-5, claude-opus-4-9 is unknown. Case is ignored. An
 * unknown model has no price, never $0. Nothing here reads transcripts or writes the database: callers bring
 * the token counts, or call clankers_cost() from SQL.
 *
 * In clankers.h:
 *
 *	struct price_usage {
 *		int64_t input, output, cache_write, cache_write_1h, cache_read;
 *		int fast;
 *	};
 *	int price_load(const char *user_file);
 *	int price_cost(const char *model, const struct price_usage *u, double *usd);
 *	const char *price_match(const char *model);
 *	void price_free(void);
 *	void price_register(sqlite3 *h);
 *	int price_skipped(const char **first);
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clankers.h"

/* prices.tsv as bytes (a string literal that long is not portable C). */
static const unsigned char embedded[] = {
#include "prices.inc"
};

#define PRICE_FILE_MAX (16u << 20)  /* bytes: a price table is a few KiB */

enum { P_IN, P_OUT, P_CW5M, P_CW1H, P_CR, NPRICE };
#define NFIELDS (2 + 2 * NPRICE + 1)  /* model, prices, threshold, above, fast */

struct price_row {
	char *model;            /* owned; lowercase */
	double base[NPRICE];    /* USD per million tokens */
	int64_t threshold;      /* input tokens above which `above` applies; 0: no tier */
	double above[NPRICE];
	double fast;            /* multiplier for a response with speed "fast" */
};

static struct {
	struct price_row *rows; /* owned */
	size_t n, cap;
	int loaded;
	char *last;             /* owned; the name of the last lookup */
	const struct price_row *last_row;  /* what it resolved to; NULL: unknown */
	int skipped;            /* lines the last load skipped */
	char *first_skip;       /* owned; "FILE:LINE: why" of the first of them */
} pt;

/* Stripped for as long as one leads the name: bedrock/us.anthropic.claude-... */
static const char *const prefixes[] = {
	"anthropic/", "anthropic.", "us.anthropic.", "eu.anthropic.",
	"apac.anthropic.", "au.anthropic.", "jp.anthropic.", "global.anthropic.",
	"bedrock/", "vertex_ai/", "openrouter/",
};

static int
parse_price(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return *s != '\0' && *end == '\0' && errno == 0 && isfinite(*out) &&
	    *out >= 0 ? 0 : -1;
}

/* Fills r from one line (split in place); NULL, or why the line is bad. */
static const char *
parse_row(char *line, struct price_row *r)
{
	char *f[NFIELDS], *p, *end;
	int n = 0, i, tiered;

	f[n++] = line;
	for (p = line; (p = strchr(p, '\t')) != NULL; ) {
		*p++ = '\0';
		if (n == NFIELDS)
			return "want 13 tab-separated fields";
		f[n++] = p;
	}
	if (n != NFIELDS)
		return "want 13 tab-separated fields";
	if (*f[0] == '\0')
		return "empty model name";
	for (i = 0; i < NPRICE; i++)
		if (parse_price(f[1 + i], &r->base[i]) < 0)
			return "a price is not a number >= 0";
	tiered = strcmp(f[1 + NPRICE], "-") != 0;
	r->threshold = 0;
	if (tiered) {
		errno = 0;
		r->threshold = strtoll(f[1 + NPRICE], &end, 10);
		if (*end != '\0' || errno != 0 || r->threshold <= 0)
			return "threshold is neither a token count nor -";
	}
	for (i = 0; i < NPRICE; i++) {
		const char *s = f[2 + NPRICE + i];

		if (!tiered && strcmp(s, "-") != 0)
			return "a price above the threshold without a threshold";
		if (tiered && parse_price(s, &r->above[i]) < 0)
			return "a price above the threshold is not a number >= 0";
		if (!tiered)
			r->above[i] = r->base[i];
	}
	if (parse_price(f[NFIELDS - 1], &r->fast) < 0)
		return "fast is not a number >= 0";
	r->model = f[0];
	return NULL;
}

/* Adds r, or replaces the row of the same model; takes a copy of r->model. */
static void
put_row(const struct price_row *r)
{
	struct price_row *dst = NULL;
	char *model = xstrdup(r->model);
	size_t i;

	for (i = 0; model[i]; i++)
		model[i] = (char)tolower((unsigned char)model[i]);
	for (i = 0; i < pt.n && dst == NULL; i++)
		if (strcmp(pt.rows[i].model, model) == 0)
			dst = &pt.rows[i];
	if (dst)
		free(dst->model);
	else {
		if (pt.n == pt.cap) {
			pt.cap = pt.cap ? 2 * pt.cap : 64;
			pt.rows = xrealloc(pt.rows, pt.cap * sizeof *pt.rows);
		}
		dst = &pt.rows[pt.n++];
	}
	*dst = *r;
	dst->model = model;
}

/* Reads rows from text; a bad line is logged and skipped, never fatal. */
static void
load_text(const char *text, size_t len, const char *origin)
{
	const char *p = text, *end = text + len;
	int lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = xstrndup(p, n);
		struct price_row r;
		const char *why;

		lineno++;
		p += n + 1;
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (line[0] != '#' && line[strspn(line, " \t")] != '\0') {
			if ((why = parse_row(line, &r)) != NULL) {
				log_msg(LOG_WARN, "price", "%s:%d: %s; line skipped",
				    origin, lineno, why);
				if (pt.skipped++ == 0)
					pt.first_skip = xasprintf("%s:%d: %s", origin,
					    lineno, why);
			} else {
				put_row(&r);
			}
		}
		free(line);
	}
}

/*
 * Loads the embedded table, then user_file over it when user_file is not
 * NULL and exists. Returns 0, or -1 with errno set when user_file exists
 * but cannot be read: EINVAL when it is not a regular file, EFBIG past
 * PRICE_FILE_MAX (the embedded table is loaded all the same). Bad
 * lines are skipped with a warning in the log. A second call starts over.
 */
int
price_load(const char *user_file)
{
	struct buf b = { 0 };
	int fd, rc = 0, e;

	price_free();
	pt.loaded = 1;
	load_text((const char *)embedded, sizeof embedded, "prices.tsv (built in)");
	if (user_file == NULL)
		return 0;
	/* A FIFO would hang every command that prices, /dev/zero eat memory. */
	if ((fd = open_regular(user_file, O_RDONLY, 0)) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	if (buf_read_max(&b, fd, PRICE_FILE_MAX) < 0)
		rc = -1;
	else
		load_text(b.data, b.len, user_file);
	e = errno;
	close(fd);
	buf_release(&b);
	errno = e;
	return rc;
}

void
price_free(void)
{
	size_t i;

	for (i = 0; i < pt.n; i++)
		free(pt.rows[i].model);
	free(pt.rows);
	free(pt.last);
	free(pt.first_skip);
	memset(&pt, 0, sizeof pt);
}

/*
 * The number of lines the last price_load skipped (each also logged), and
 * through first, when not NULL, "FILE:LINE: why" of the first of them
 * (borrowed until the next load or price_free; NULL when none). For doctor,
 * which writes no log.
 */
int
price_skipped(const char **first)
{
	if (first)
		*first = pt.first_skip;
	return pt.skipped;
}

static const struct price_row *
find_exact(const char *name)
{
	size_t i;

	for (i = 0; i < pt.n; i++)
		if (strcmp(pt.rows[i].model, name) == 0)
			return &pt.rows[i];
	return NULL;
}

/* "-v1", "-v1:0": a Bedrock version at the end of a name. */
static int
bedrock_version(const char *s)
{
	if (s[0] != '-' || s[1] != 'v' || !isdigit((unsigned char)s[2]))
		return 0;
	for (s += 2; isdigit((unsigned char)*s); s++)
		;
	if (*s == ':' && isdigit((unsigned char)s[1]))
		for (s++; isdigit((unsigned char)*s); s++)
			;
	return *s == '\0';
}

/*
 * What may follow a row name in a model name that is that model: nothing,
 * a release date (-20250929, @20250929), "-latest", a Bedrock version. A
 * name that goes on otherwise (claude-opus-4-9 after claude-opus-4) is
 * another model: unknown, not priced as its older sibling.
 */
static int
version_suffix(const char *s)
{
	int i;

	if (*s == '\0' || strcmp(s, "-latest") == 0 || bedrock_version(s))
		return 1;
	if (*s != '-' && *s != '@')
		return 0;
	for (i = 1; i <= 8; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	s += 9;
	return *s == '\0' || bedrock_version(s);
}

/*
 * The longest row name inside name that starts it or follows a provider
 * prefix ("us.anthropic.", "vertex_ai/") and is followed by a version.
 */
static const struct price_row *
find_inside(const char *name)
{
	const struct price_row *best = NULL;
	size_t i, n, bestn = 0;
	const char *at;

	for (i = 0; i < pt.n; i++) {
		n = strlen(pt.rows[i].model);
		if (n <= bestn)
			continue;
		for (at = strstr(name, pt.rows[i].model); at;
		    at = strstr(at + 1, pt.rows[i].model))
			if ((at == name || at[-1] == '.' || at[-1] == '/') &&
			    version_suffix(at + n)) {
				best = &pt.rows[i];
				bestn = n;
				break;
			}
	}
	return best;
}

static const struct price_row *
lookup(const char *model)
{
	const struct price_row *r;
	char *name, *p;
	size_t i;
	int stripped;

	if (!pt.loaded)
		price_load(NULL);
	/* Reports ask for one model many times in a row. */
	if (pt.last && strcmp(pt.last, model) == 0)
		return pt.last_row;
	name = xstrdup(model);
	for (p = name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	p = name;
	if ((r = find_exact(p)) == NULL) {
		do {
			stripped = 0;
			for (i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
				if (strncmp(p, prefixes[i], strlen(prefixes[i])) == 0) {
					p += strlen(prefixes[i]);
					stripped = 1;
				}
		} while (stripped);
		r = p != name ? find_exact(p) : NULL;
		/* In the whole name: a user's us.anthropic.claude-x row beats claude-x. */
		if (r == NULL)
			r = find_inside(name);
	}
	free(name);
	free(pt.last);
	pt.last = xstrdup(model);
	pt.last_row = r;
	return r;
}

/* The row name model resolves to (the table's: valid until the next load), or NULL. */
const char *
price_match(const char *model)
{
	const struct price_row *r = model ? lookup(model) : NULL;

	return r ? r->model : NULL;
}

/*
 * The cost of one response in *usd: returns 1, or 0 when the model (or
 * model NULL) has no price, leaving *usd alone. Loads the embedded table
 * if nothing is loaded.
 */
int
price_cost(const char *model, const struct price_usage *u, double *usd)
{
	const struct price_row *r;
	const double *p;
	int64_t cw1h, total;
	double sum;

	if (model == NULL || (r = lookup(model)) == NULL)
		return 0;
	cw1h = u->cache_write_1h < 0 ? 0 : u->cache_write_1h;
	if (cw1h > u->cache_write)
		cw1h = u->cache_write;
	/*
	 * Anthropic bills the whole request at the long-context prices once its
	 * input (fresh, cache writes and cache reads together) passes the
	 * threshold. ccusage instead splits each token kind's own count at
	 * 200k, the part above at the higher price, the rest at the base one.
	 */
	total = u->input + u->cache_write + u->cache_read;
	p = r->threshold > 0 && total > r->threshold ? r->above : r->base;
	sum = (double)u->input * p[P_IN] + (double)u->output * p[P_OUT] +
	    (double)(u->cache_write - cw1h) * p[P_CW5M] + (double)cw1h * p[P_CW1H] +
	    (double)u->cache_read * p[P_CR];
	*usd = sum / 1e6 * (u->fast ? r->fast : 1);
	return 1;
}

/* clankers_cost(model, input, output, cache_write, cache_write_1h, cache_read, speed) */
static void
sql_cost(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const char *model = (const char *)sqlite3_value_text(argv[0]);
	const char *speed = (const char *)sqlite3_value_text(argv[6]);
	struct price_usage u;
	double usd;

	(void)argc;
	/* A NULL count is 0 (sqlite3_value_int64 of NULL). */
	u.input = sqlite3_value_int64(argv[1]);
	u.output = sqlite3_value_int64(argv[2]);
	u.cache_write = sqlite3_value_int64(argv[3]);
	u.cache_write_1h = sqlite3_value_int64(argv[4]);
	u.cache_read = sqlite3_value_int64(argv[5]);
	u.fast = speed && strcmp(speed, "fast") == 0;
	if (price_cost(model, &u, &usd))
		sqlite3_result_double(cx, usd);
	else
		sqlite3_result_null(cx);
}

/* Registers clankers_cost on h, loading the embedded table if nothing is loaded. */
void
price_register(sqlite3 *h)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;

#ifdef SQLITE_INNOCUOUS
	/* No side effects: usable in views and triggers under trusted_schema=OFF. */
	flags |= SQLITE_INNOCUOUS;
#endif
	if (!pt.loaded)
		price_load(NULL);
	if (sqlite3_create_function(h, "clankers_cost", 7, flags, NULL, sql_cost,
	    NULL, NULL) != SQLITE_OK)
		log_msg(LOG_WARN, "price", "cannot register clankers_cost: %s",
		    sqlite3_errmsg(h));
}
