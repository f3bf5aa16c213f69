/*
 * util.c: allocation that exits on failure, a growable byte buffer, clocks,
 * UTF-8 and JSON text repair, hashing, random ids and paths. Nothing here
 * knows about agents or the database.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clankers.h"

static void
oom(void)
{
	/* Exit 1, never 2: in hook mode an exit 2 would block the agent. */
	fputs("clankers: out of memory\n", stderr);
	exit(EXIT_FAIL);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return p;
}

void
error(const char *fmt, ...)
{
	va_list ap;

	flockfile(stderr);  /* one line, whole, when threads (report's) both have one */
	fputs("clankers: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

void
buf_grow(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	if (need < b->len)
		oom();
	b->cap = b->cap ? b->cap : 256;
	while (b->cap < need)
		b->cap *= 2;
	b->data = xrealloc(b->data, b->cap);
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int
buf_read_fd(struct buf *b, int fd)
{
	return buf_read_max(b, fd, SIZE_MAX);
}

/*
 * buf_read_fd, but fails with EFBIG once more than max bytes were read, so
 * that a file that never ends (/dev/zero, one that grows while read) costs
 * max, not all memory.
 */
int
buf_read_max(struct buf *b, int fd, size_t max)
{
	for (;;) {
		ssize_t n;

		if (b->len > max) {
			errno = EFBIG;
			return -1;
		}
		buf_grow(b, b->len < 65536 ? 65536 : b->len);
		n = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	b->data[b->len] = '\0';
	return 0;
}

int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
iso_time(int64_t ms, char out[32])
{
	int64_t sec = ms / 1000, frac = ms % 1000;
	char tmp[96];
	struct tm tm;
	time_t t;

	if (frac < 0)  /* before 1970: floor, not truncation toward zero */
		sec--, frac += 1000;
	t = (time_t)sec;
	gmtime_r(&t, &tm);
	snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)frac);
	memcpy(out, tmp, 24);
	out[24] = '\0';
}

void
utc_date(int64_t ms, char out[11])
{
	char tmp[32];

	iso_time(ms, tmp);
	memcpy(out, tmp, 10);
	out[10] = '\0';
}

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when the
 * bytes there are not one: overlong forms, surrogates and code points past
 * U+10FFFF are invalid, as RFC 3629 says.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/*
 * Returns NULL when s[0..n) is valid UTF-8 without NUL bytes (the common
 * case, so nothing is copied). Otherwise returns an owned, NUL-terminated
 * copy in which each invalid byte is U+FFFD and each NUL byte is U+FFFD
 * (a NUL would end the text early in C and in SQLite), length in *outlen.
 */
char *
utf8_clean(const char *s, size_t n, size_t *outlen)
{
	const unsigned char *u = (const unsigned char *)s;
	struct buf b = {0};
	size_t i = 0, start = 0, len;

	while (i < n) {
		/* Eight printable ASCII bytes at a time: most text is. */
		while (i + 8 <= n) {
			uint64_t w;

			memcpy(&w, u + i, 8);
			if ((w & 0x8080808080808080ULL) ||
			    ((w - 0x2020202020202020ULL) & ~w & 0x8080808080808080ULL))
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if (u[i] >= 0x20 && u[i] < 0x80) {
			i++;
			continue;
		}
		len = u[i] ? utf8_seq(u + i, n - i) : 0;
		if (len) {
			i += len;
			continue;
		}
		buf_add(&b, s + start, i - start);
		buf_add(&b, "\xef\xbf\xbd", 3);
		start = ++i;
	}
	if (b.data == NULL)
		return NULL;
	buf_add(&b, s + start, n - start);
	*outlen = b.len;
	return b.data;
}

static int
hex4(const char *p, unsigned *v)
{
	unsigned x = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i];

		x <<= 4;
		if (c >= '0' && c <= '9')
			x |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			x |= (unsigned)(c - 'A' + 10);
		else
			return 0;
	}
	*v = x;
	return 1;
}

/*
 * Claude Code cuts long strings at a UTF-16 boundary, so a payload can hold
 * a lone surrogate escape such as "\ud83d", which cJSON rejects, losing the
 * whole event. And "\u0000" would decode to a NUL that ends the string early
 * in C and in SQLite, silently cutting what follows. Rewrite each in place as
 * "\ufffd" (the same six bytes), as raw invalid bytes are. Escapes are walked
 * from the start so that "\\ud83d" (an escaped backslash, then text) is left
 * alone.
 */
void
json_fix_escapes(char *s, size_t n)
{
	size_t i = 0;
	unsigned v, w;

	while (i < n) {
		char *bs = memchr(s + i, '\\', n - i);

		if (bs == NULL)
			break;
		i = (size_t)(bs - s);
		if (i + 1 >= n)
			break;
		if (s[i + 1] != 'u' || i + 6 > n || !hex4(s + i + 2, &v)) {
			i += 2;
			continue;
		}
		if (v >= 0xd800 && v <= 0xdbff && i + 12 <= n &&
		    s[i + 6] == '\\' && s[i + 7] == 'u' && hex4(s + i + 8, &w) &&
		    w >= 0xdc00 && w <= 0xdfff) {
			i += 12;  /* a proper pair */
			continue;
		}
		if ((v >= 0xd800 && v <= 0xdfff) || v == 0)
			memcpy(s + i + 2, "fffd", 4);
		i += 6;
	}
}

/* Largest length <= max that does not split a UTF-8 sequence of s[0..n). */
size_t
utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

uint64_t
fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *u = p;

	while (n--) {
		h ^= *u++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void
random_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t i, got = 0;
	int fd;

	if (nbytes > sizeof raw)
		nbytes = sizeof raw;
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, raw, nbytes);

		got = n > 0 ? (size_t)n : 0;
		close(fd);
	}
	if (got < nbytes) {
		/* No /dev/urandom: mix what differs between processes. */
		uint64_t h = fnv1a(FNV_SEED, &(int64_t){mono_us()}, 8);

		h = fnv1a(h, &(pid_t){getpid()}, sizeof(pid_t));
		for (i = got; i < nbytes; i++) {
			h = fnv1a(h, &i, sizeof i);
			raw[i] = (unsigned char)(h >> 24);
		}
	}
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * nbytes] = '\0';
}

/* Creates path and its missing parents with mode; 0 or -1 with errno. */
int
mkdir_p(const char *path, mode_t mode)
{
	char *p, *s;
	int rc = 0;

	if (*path == '\0') {
		errno = ENOENT;
		return -1;
	}
	p = xstrdup(path);

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	if (rc == 0) {
		struct stat st;

		if (stat(path, &st) < 0)
			return -1;
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			return -1;
		}
	}
	return rc;
}

char *
path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n > 0 && dir[n - 1] == '/')
		return xasprintf("%s%s", dir, name);
	return xasprintf("%s/%s", dir, name);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * s quoted for sh, 'it'\''s'; with always 0, only when it needs quotes
 * (the result is then s itself for a plain path). Owned.
 */
char *
sh_quote(const char *s, int always)
{
	struct buf b = {0};

	if (!always && *s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789/._-+,:@%=") == strlen(s))
		return xstrdup(s);
	buf_add(&b, "'", 1);
	for (; *s; s++) {
		if (*s == '\'')
			buf_add(&b, "'\\''", 4);
		else
			buf_add(&b, s, 1);
	}
	buf_add(&b, "'", 1);
	return b.data;
}

/* 1 when s[0..n) is a UUID, as Claude Code names its sessions and their
 * transcript files. */
int
is_uuid(const char *s, size_t n)
{
	size_t i;

	if (n != 36)
		return 0;
	for (i = 0; i < n; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' :
		    !isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * Whether argv[*i] is one of the n options of names that take a value,
 * written "--name VALUE" or "--name=VALUE". Returns its index, with *val
 * set and *i moved past a separate value; n when it is none of them; -1
 * when its value is missing, which is said after cmd.
 */
int
opt_value(const char *cmd, const char *const *names, size_t n, int argc,
    char **argv, int *i, const char **val)
{
	const char *a = argv[*i];
	size_t k;

	for (k = 0; k < n; k++) {
		size_t len = strlen(names[k]);

		if (strncmp(a, names[k], len) == 0 && a[len] == '=') {
			*val = a + len + 1;
			return (int)k;
		}
		if (strcmp(a, names[k]) == 0) {
			if (*i + 1 == argc) {
				error("%s: %s needs a value", cmd, a);
				return -1;
			}
			*val = argv[++*i];
			return (int)k;
		}
	}
	return (int)n;
}

/* A folder given on the command line as it is stored: no trailing slash
 * (but "/" itself). Owned. */
char *
folder_arg(const char *val)
{
	size_t n = strlen(val);

	while (n > 1 && val[n - 1] == '/')
		n--;
	return xstrndup(val, n);
}

/* 1 when s is one of the n strings of list. */
int
str_in(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

/*
 * Opens path (flags: O_RDONLY, or O_WRONLY and friends) without blocking,
 * and only if it is a regular file: a FIFO, a device or a symlink to one
 * would hang the caller or never end. Returns the descriptor (O_NONBLOCK
 * cleared), or -1 with errno set (EINVAL: not a regular file).
 */
int
open_regular(const char *path, int flags, mode_t mode)
{
	struct stat st;
	int fd, fl;

	if ((fd = open(path, flags | O_NONBLOCK | O_CLOEXEC, mode)) < 0) {
		if (errno == ENXIO)  /* a FIFO opened to write with no reader */
			errno = EINVAL;
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = errno;

		if (fstat(fd, &st) == 0)  /* it was the type, not fstat */
			e = EINVAL;
		close(fd);
		errno = e;
		return -1;
	}
	if ((fl = fcntl(fd, F_GETFL)) >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

/*
 * A reader of lines from a descriptor, each at most max bytes: memory stays
 * bounded by max whatever the file holds (a log line of 200 MB is skipped,
 * not read into memory). r must be zeroed; r->fd is borrowed.
 */
void
lines_init(struct lines *r, int fd, size_t max)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->max = max;
}

/*
 * The next line, its newline left out, in *line and *n (borrowed: valid
 * until the next call). Returns 1 for a line; -1 for a line longer than
 * max, skipped to its end (nothing of it is returned); 0 at the end of the
 * file, or after a read error (r->err is its errno). A last line without
 * a newline is a line.
 */
int
lines_next(struct lines *r, const char **line, size_t *n)
{
	char *nl;
	ssize_t got;

	for (;;) {
		if (r->scan < r->end &&
		    (nl = memchr(r->buf + r->scan, '\n', r->end - r->scan)) != NULL) {
			size_t at = (size_t)(nl - r->buf);
			int skipped = r->skipping;

			*line = r->buf + r->start;
			*n = at - r->start;
			r->start = r->scan = at + 1;
			r->skipping = 0;
			return skipped ? -1 : 1;
		}
		r->scan = r->end;
		if (r->eof) {
			int skipped = r->skipping;

			if (r->start == r->end && !skipped)
				return 0;
			*line = r->buf + r->start;
			*n = r->end - r->start;
			r->start = r->scan = r->end;
			r->skipping = 0;
			return skipped ? -1 : 1;
		}
		if (r->end - r->start > r->max) {
			/* past max with no newline: drop what is held, read on to it */
			r->skipping = 1;
			r->start = r->scan = r->end = 0;
		}
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->scan -= r->start;
			r->start = 0;
		}
		if (r->cap - r->end < 65536 / 2) {
			size_t want = r->cap ? r->cap * 2 : 65536;

			if (want > r->max + 65536)
				want = r->max + 65536;
			if (want > r->cap) {
				r->buf = xrealloc(r->buf, want);
				r->cap = want;
			}
		}
		got = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			r->err = errno;
		if (got <= 0)
			r->eof = 1;
		else
			r->end += (size_t)got;
	}
}

void
lines_release(struct lines *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = r->start = r->scan = r->end = 0;
}
