/*
 * redact.c: secrets out of text before it is stored or logged. redact()
 * finds API keys and tokens of the common providers, private key blocks,
 * JWTs, passwords in URLs, `password=`-style assignments and
 * Authorization headers, and replaces each with its kind and, for a
 * secret of 12 characters or more, its last 4: `[REDACTED:aws-key:…MPLE]`
 * (a shorter one keeps only its kind: 4 characters of an 8-character
 * password are half of it). What it does not do: ids, counts and paths
 * are never given to it (store.c passes only what agents wrote: prose,
 * tool input and output, errors), and it does not guess at unmarked
 * high-entropy strings.
 *
 * One pass over the bytes, no regular expressions: a byte that can start
 * a secret (s r p A g x e - [ = :) is looked at more closely, every other
 * byte costs one table lookup, and the rest of a word once no token
 * started at its first letter. Prefixed tokens must start a word (the byte
 * before is not a letter or digit). An assignment is found from its `=`
 * or `:`, looking back at most 48 bytes for the key's name (the value,
 * not the name, is redacted). The pattern list is in README.md, Secrets.
 *
 * Redacting is stable: a marker is skipped, so text redacted twice is
 * redacted once (a row stored again from the transcript stays the same).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "clankers.h"

#define TAIL 4
#define TAIL_MIN 12      /* a secret this long or longer keeps its last 4 */
#define KEY_MAX 48       /* the longest key name looked back at */
#define VALUE_MAX 4096   /* an assigned value is redacted at most this far */
#define USERINFO_MAX 256 /* user:password@ of a URL */

enum charset {
	SET_ALNUM,  /* A-Z a-z 0-9 */
	SET_WORD,   /* and _ */
	SET_TOKEN,  /* and _ - */
	SET_UPPER   /* A-Z 0-9 */
};

/* Letters and digits: a table, read once per byte of a word skipped. */
static const unsigned char alnum[256] = {
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
	['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
	['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['A'] = 1, ['B'] = 1,
	['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
	['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
	['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1,
	['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1,
	['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
};

static int
is_alnum(int c)
{
	return alnum[c & 0xff];
}

static int
in_set(int c, enum charset set)
{
	switch (set) {
	case SET_ALNUM:
		return is_alnum(c);
	case SET_WORD:
		return is_alnum(c) || c == '_';
	case SET_TOKEN:
		return is_alnum(c) || c == '_' || c == '-';
	case SET_UPPER:
		return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
	}
	return 0;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* A prefixed token: prefix, then min..max bytes of set (max 0: no limit). */
struct prefix {
	const char *p;
	unsigned char plen, min, max, digit;  /* digit: the body must hold one */
	enum charset set;
	const char *kind;
};

/*
 * The longer prefix first where one starts another (sk-ant- before sk-). Lengths are the shortest real ones seen, a little less.
 */
static const struct prefix prefixes[] = {
	{ "sk-ant-", 7, 20, 0, 0, SET_TOKEN, "anthropic-key" },
	{ "sk-proj-", 8, 20, 0, 0, SET_TOKEN, "openai-key" },
	{ "sk-svcacct-", 11, 20, 0, 0, SET_TOKEN, "openai-key" },
	{ "sk-admin-", 9, 20, 0, 0, SET_TOKEN, "openai-key" },
	{ "sk-", 3, 20, 0, 1, SET_TOKEN, "openai-key" },
	{ "sk_live_", 8, 10, 0, 0, SET_ALNUM, "stripe-key" },
	{ "sk_test_", 8, 10, 0, 0, SET_ALNUM, "stripe-key" },
	{ "rk_live_", 8, 10, 0, 0, SET_ALNUM, "stripe-key" },
	{ "rk_test_", 8, 10, 0, 0, SET_ALNUM, "stripe-key" },
	{ "pk_live_", 8, 10, 0, 0, SET_ALNUM, "stripe-key" },
	{ "pk_test_", 8, 10, 0, 0, SET_ALNUM, "stripe-key" },
	{ "AKIA", 4, 16, 16, 0, SET_UPPER, "aws-key" },
	{ "ASIA", 4, 16, 16, 0, SET_UPPER, "aws-key" },
	{ "AIza", 4, 30, 0, 0, SET_TOKEN, "google-key" },
	{ "ghp_", 4, 30, 0, 0, SET_ALNUM, "github-token" },
	{ "gho_", 4, 30, 0, 0, SET_ALNUM, "github-token" },
	{ "ghu_", 4, 30, 0, 0, SET_ALNUM, "github-token" },
	{ "ghs_", 4, 30, 0, 0, SET_ALNUM, "github-token" },
	{ "ghr_", 4, 30, 0, 0, SET_ALNUM, "github-token" },
	{ "github_pat_", 11, 30, 0, 0, SET_WORD, "github-token" },
	{ "glpat-", 6, 20, 0, 0, SET_TOKEN, "gitlab-token" },
	{ "xoxa-", 5, 10, 0, 0, SET_TOKEN, "slack-token" },
	{ "xoxb-", 5, 10, 0, 0, SET_TOKEN, "slack-token" },
	{ "xoxp-", 5, 10, 0, 0, SET_TOKEN, "slack-token" },
	{ "xoxr-", 5, 10, 0, 0, SET_TOKEN, "slack-token" },
	{ "xoxs-", 5, 10, 0, 0, SET_TOKEN, "slack-token" },
};

/*
 * Assignment keys, compared with the name lowercased and its _ - . left
 * out, by how it ends: AWS_SECRET_ACCESS_KEY, "client_secret", X-Api-Key.
 * The longer ending first where one ends another.
 */
static const struct {
	const char *end;
	const char *kind;
} keys[] = {
	{ "secretaccesskey", "aws-secret" },
	{ "awssecretkey", "aws-secret" },
	{ "authorization", "auth-header" },
	{ "password", "password" },
	{ "passwd", "password" },
	{ "passphrase", "password" },
	{ "secretkey", "secret" },
	{ "secret", "secret" },
	{ "privatekey", "private-key" },
	{ "token", "token" },
	{ "apikey", "api-key" },
};

/* One secret found: [start, end) is replaced; the tail is read from tail_end back. */
struct match {
	size_t start, end;
	size_t tail_end;  /* the secret's last byte + 1 */
	size_t size;      /* the secret's length, for TAIL_MIN */
	const char *kind;
};

struct out {
	const char *in;
	struct buf b;
	size_t done;  /* input bytes copied or replaced so far */
	int any;
};

static int
tail_byte_ok(unsigned char c)
{
	/* Printable ASCII only, and nothing that needs escaping in JSON. */
	return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
}

static void
emit(struct out *o, const struct match *m)
{
	static const char ellipsis[] = "\xe2\x80\xa6";  /* … */
	size_t i;
	int tail = m->size >= TAIL_MIN && m->tail_end >= TAIL;

	for (i = 0; tail && i < TAIL; i++)
		if (!tail_byte_ok((unsigned char)o->in[m->tail_end - TAIL + i]))
			tail = 0;
	buf_add(&o->b, o->in + o->done, m->start - o->done);
	buf_add(&o->b, "[REDACTED:", 10);
	buf_add(&o->b, m->kind, strlen(m->kind));
	if (tail) {
		buf_add(&o->b, ":", 1);
		buf_add(&o->b, ellipsis, 3);
		buf_add(&o->b, o->in + m->tail_end - TAIL, TAIL);
	}
	buf_add(&o->b, "]", 1);
	o->done = m->end;
	o->any = 1;
}

/*
 * Whether a word starts at i: after a byte that is no letter or digit, or
 * after a JSON escape of a line break or tab (tool input and output are
 * stored as JSON text: a token at the start of a line follows "\n").
 */
static int
word_start(const char *in, size_t i)
{
	if (i == 0 || !is_alnum((unsigned char)in[i - 1]))
		return 1;
	return i >= 2 && in[i - 2] == '\\' && strchr("ntrbf", in[i - 1]) != NULL;
}

/* A prefixed token at i (which starts a word): 1 and *m, or 0. */
static int
token_at(const char *in, size_t len, size_t i, struct match *m)
{
	size_t k, j;
	int c1;

	if (len - i < 4)
		return 0;
	/* Most words fail at their second letter: sk rk pk AK AS AI gh gi gl xo. */
	c1 = in[i + 1];
	switch (in[i]) {
	case 's': case 'r': case 'p':
		if (c1 != 'k')
			return 0;
		break;
	case 'A':
		if (c1 != 'K' && c1 != 'S' && c1 != 'I')
			return 0;
		break;
	case 'g':
		if (c1 != 'h' && c1 != 'l' && c1 != 'i')
			return 0;
		break;
	case 'x':
		if (c1 != 'o')
			return 0;
		break;
	default:
		return 0;
	}
	for (k = 0; k < NELEM(prefixes); k++) {
		const struct prefix *p = &prefixes[k];
		int digit = 0;

		if (p->p[0] != in[i] || len - i < (size_t)p->plen + p->min ||
		    memcmp(in + i, p->p, p->plen) != 0)
			continue;
		for (j = i + p->plen; j < len && in_set((unsigned char)in[j], p->set); j++)
			if (in[j] >= '0' && in[j] <= '9')
				digit = 1;
		if (j - i - p->plen < p->min || (p->max && j - i - p->plen > p->max) ||
		    (p->digit && !digit))
			continue;
		m->start = i;
		m->end = m->tail_end = j;
		m->size = j - i;
		m->kind = p->kind;
		return 1;
	}
	return 0;
}

/* Bytes of base64url from j; the count. */
static size_t
b64url_run(const char *in, size_t len, size_t j)
{
	size_t k = j;

	while (k < len && in_set((unsigned char)in[k], SET_TOKEN))
		k++;
	return k - j;
}

/* A JWT at i: eyJ<header>.eyJ<payload>.<signature>. */
static int
jwt_at(const char *in, size_t len, size_t i, struct match *m)
{
	size_t j = i, n;

	if (len - i < 10 || memcmp(in + i, "eyJ", 3) != 0)
		return 0;
	if ((n = b64url_run(in, len, j)) < 10 || j + n >= len || in[j + n] != '.')
		return 0;
	j += n + 1;
	if (len - j < 3 || memcmp(in + j, "eyJ", 3) != 0)
		return 0;
	if ((n = b64url_run(in, len, j)) < 10)
		return 0;
	j += n;
	if (j < len && in[j] == '.')
		j += 1 + b64url_run(in, len, j + 1);
	m->start = i;
	m->end = m->tail_end = j;
	m->size = j - i;
	m->kind = "jwt";
	return 1;
}

/*
 * After "-----" at *j: a label of capitals, digits and spaces and then
 * "-----". Returns 1 and moves *j past it; the label is [*lab, *labn).
 */
static int
armor_label(const char *in, size_t len, size_t *j, size_t *lab, size_t *labn)
{
	size_t k = *j;

	while (k < len && k - *j < 64 &&
	    ((in[k] >= 'A' && in[k] <= 'Z') || (in[k] >= '0' && in[k] <= '9') || in[k] == ' '))
		k++;
	if (len - k < 5 || memcmp(in + k, "-----", 5) != 0)
		return 0;
	*lab = *j;
	*labn = k - *j;
	*j = k + 5;
	return 1;
}

static int
b64_byte(int c)
{
	return is_alnum(c) || c == '+' || c == '/' || c == '=';
}

/*
 * A private key block at i: -----BEGIN ... PRIVATE KEY----- to its
 * -----END ...-----, or, cut short, to the end of the text or of the
 * JSON string it is in (a block cut short is still a key). Its last 4 are those of the key's
 * base64, which JSON text may show with \n escapes between lines.
 */
static int
private_key_at(const char *in, size_t len, size_t i, struct match *m)
{
	size_t j = i + 11, lab, labn, end, t, got;
	const char *e, *q;

	if (len - i < 11 + 16 || memcmp(in + i, "-----BEGIN ", 11) != 0)
		return 0;
	if (!armor_label(in, len, &j, &lab, &labn) ||
	    memmem(in + lab, labn, "PRIVATE KEY", 11) == NULL)
		return 0;
	e = memmem(in + j, len - j, "-----END ", 9);
	q = memchr(in + j, '"', len - j);
	if (e == NULL || (q && q < e)) {
		/*
		 * Cut short: the base64 lines after the header (raw line ends
		 * or \n, \r as JSON shows them), and only when there are
		 * enough of them to be a key: a header alone (code that looks
		 * for one, prose naming one) is no secret, and what follows it
		 * is kept.
		 */
		size_t b64 = 0;

		for (end = j; end < len; ) {
			int c = (unsigned char)in[end];

			if (b64_byte(c)) {
				b64++;
				end++;
			} else if (c == '\n' || c == '\r') {
				end++;
			} else if (c == '\\' && end + 1 < len && (in[end + 1] == 'n' || in[end + 1] == 'r')) {
				end += 2;
			} else {
				break;
			}
		}
		if (b64 < 16)
			return 0;
		t = end;
	} else {
		size_t k = (size_t)(e - in) + 9;

		t = (size_t)(e - in);
		end = armor_label(in, len, &k, &lab, &labn) ? k : (size_t)(e - in) + 9;
	}
	/* The tail: back over line ends (raw or as \n, \r) to base64. */
	for (got = 0; t > j && got == 0; ) {
		int c = (unsigned char)in[t - 1];

		if ((c == 'n' || c == 'r') && t - 1 > j && in[t - 2] == '\\')
			t -= 2;
		else if (!b64_byte(c))
			t--;
		else
			got = 1;
	}
	m->start = i;
	m->end = end;
	m->tail_end = t;
	/* Four base64 bytes before t, else no tail. */
	m->size = t - j >= TAIL_MIN && t >= TAIL && b64_byte((unsigned char)in[t - 1]) &&
	    b64_byte((unsigned char)in[t - 2]) && b64_byte((unsigned char)in[t - 3]) &&
	    b64_byte((unsigned char)in[t - 4]) ? TAIL_MIN : 0;
	m->kind = "private-key";
	return 1;
}

/* A value that only stands for one: $VAR, <token>, {{x}}, ***, true. */
static int
placeholder(const char *v, size_t n)
{
	static const char *const words[] = { "true", "false", "null", "none" };
	size_t i, k;

	if (n == 0 || strchr("$<{%*[", v[0]) != NULL)
		return 1;
	for (i = 0; i < NELEM(words); i++) {
		if (strlen(words[i]) != n)
			continue;
		for (k = 0; k < n && lower((unsigned char)v[k]) == words[i][k]; k++)
			;
		if (k == n)
			return 1;
	}
	return 0;
}

/*
 * Whether the unquoted value v (n bytes, then the byte next) of a
 * secret's name is code, not a secret: a call or an index (getpass(),
 * os.environ["X"]), a dotted name (self.password, config.token), a type or
 * a word of the language (password: str, token: string, = await ...), or
 * after a colon a short word of letters alone (prose, a field's type). A
 * dotted value with a digit may be a password: it is not passed over.
 */
static int
code_value(const char *v, size_t n, int next, int op)
{
	static const char *const words[] = { "str", "string", "int", "bool",
	    "boolean", "number", "any", "unknown", "void", "undefined", "optional",
	    "await", "new", "self", "this", "dict", "bytes", "object", "char",
	    "secretstr", "function", "lambda", "nil", "os", "env", "process",
	    "getenv", "input", "getpass", "required", "field", "string?" };
	size_t i, k, letters = 0, dots = 0, digits = 0;

	if (next == '(' || next == '[' || next == '.')
		return 1;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)v[i];

		if (c == '.' && i > 0 && i + 1 < n && isalpha((unsigned char)v[i + 1]))
			dots++;
		else if (isalpha(c) || c == '_')
			letters++;
		else if (isdigit(c) && i > 0)
			digits++;
		else if (c != '?')
			return 0;
	}
	if (dots > 0 && digits == 0)
		return 1;
	for (k = 0; k < NELEM(words); k++) {
		if (strlen(words[k]) != n)
			continue;
		for (i = 0; i < n && lower((unsigned char)v[i]) == words[k][i]; i++)
			;
		if (i == n)
			return 1;
	}
	return op == ':' && letters == n && n < 8;
}

/*
 * The URL at i (its "://"): user:password@ has its password redacted.
 * Returns 1 and *m, or 0.
 */
static int
url_at(const char *in, size_t len, size_t i, struct match *m)
{
	size_t j = i + 3, colon = 0, at = 0;

	/* To the authority's end: the password runs to its last @ (a
	 * password may hold an @ of its own). */
	for (; j < len && j - i - 3 < USERINFO_MAX; j++) {
		int c = (unsigned char)in[j];

		if (c <= ' ' || strchr("/?#\"'<>\\`", c) != NULL)
			break;
		if (c == '@')
			at = j;
		else if (c == ':' && colon == 0 && at == 0)
			colon = j;
	}
	if (at == 0 || colon == 0 || colon > at)
		return 0;
	j = at;
	if (placeholder(in + colon + 1, j - colon - 1))
		return 0;
	m->start = colon + 1;
	m->end = m->tail_end = j;
	m->size = j - colon - 1;
	m->kind = "url-password";
	return 1;
}

/*
 * The key's kind when the name ending before i is one; else NULL. *quoted
 * is set when the name is quoted ("password": a JSON member, whose value
 * is redacted only when it is a string: a number stays JSON).
 */
static const char *
key_before(const char *in, size_t i, int *quoted)
{
	char name[KEY_MAX + 1];
	size_t j = i, n = 0, k, w;

	/* Back over what may stand between a name and its = or :. */
	*quoted = 0;
	for (k = 0; j > 0 && k < 4 && strchr(" \t\"'\\", in[j - 1]) != NULL; k++)
		if (in[--j] == '"')
			*quoted = 1;
	/* Every name ends in d, e, n, t or y: most JSON members stop here. */
	if (j == 0 || strchr("dentyDENTY", in[j - 1]) == NULL || in[j - 1] == '\0')
		return NULL;
	for (w = 0; j > 0 && w < KEY_MAX; j--, w++) {
		int c = (unsigned char)in[j - 1];

		if (is_alnum(c))
			name[KEY_MAX - 1 - n++] = (char)lower(c);
		else if (c != '_' && c != '-' && c != '.')
			break;
	}
	/*
	 * A longer name is judged by its last KEY_MAX bytes: refusing it would
	 * make redacting unstable (a name that runs on from a redacted token
	 * is shorter the second time).
	 */
	if (n == 0)
		return NULL;
	for (k = 0; k < NELEM(keys); k++) {
		size_t e = strlen(keys[k].end);

		if (e <= n && memcmp(name + KEY_MAX - e, keys[k].end, e) == 0)
			return keys[k].kind;
	}
	return NULL;
}

static int
unquoted_end(int c)
{
	return c <= ' ' || strchr("\"'\\`,;&|<>(){}[]", c) != NULL;
}

/*
 * An assignment at i (its = or :): the value after a secret's name is
 * redacted; a value that is itself a known token keeps the token's kind.
 */
static int
assignment_at(const char *in, size_t len, size_t i, struct match *m)
{
	const char *kind;
	size_t j = i + 1, start;
	int quote = 0, quoted;

	if (in[i] == '=' && ((j < len && in[j] == '=') ||
	    (i > 0 && strchr("!<>=", in[i - 1]) != NULL)))
		return 0;  /* a comparison */
	if ((kind = key_before(in, i, &quoted)) == NULL)
		return 0;
	while (j < len && j - i < 8 && (in[j] == ' ' || in[j] == '\t'))
		j++;
	while (j < len && j - i < 12 && in[j] == '\\')
		j++;
	if (j < len && (in[j] == '"' || in[j] == '\''))
		quote = in[j++];
	if (quoted && !quote)
		return 0;
	if (strcmp(kind, "auth-header") == 0) {
		static const char *const schemes[] = { "bearer ", "basic ", "token ", "bot " };
		size_t s, k;

		for (s = 0; s < NELEM(schemes); s++) {
			size_t n = strlen(schemes[s]);

			for (k = 0; k < n && j + k < len && lower((unsigned char)in[j + k]) == schemes[s][k]; k++)
				;
			if (k == n) {
				j += n;
				while (j < len && in[j] == ' ')
					j++;
				break;
			}
		}
	}
	if (j < len && word_start(in, j) && (token_at(in, len, j, m) || jwt_at(in, len, j, m)))
		return 1;
	start = j;
	while (j < len && j - start < VALUE_MAX) {
		int c = (unsigned char)in[j];

		/* A " ends even a '-quoted value: it may close the JSON string it is in. */
		if (quote ? (c == quote || c == '"' || c == '\\' || c == '\n' || c == '\r') :
		    unquoted_end(c))
			break;
		j++;
	}
	if (placeholder(in + start, j - start) ||
	    (!quote && code_value(in + start, j - start, j < len ? in[j] : '\0', in[i])))
		return 0;
	m->start = start;
	m->end = m->tail_end = j;
	m->size = j - start;
	m->kind = kind;
	return 1;
}

/*
 * Returns text with each secret in the len bytes of in replaced (owned,
 * NUL-terminated, its length in *outlen), or NULL when there is none: the
 * common case allocates nothing. in need not be NUL-terminated.
 */
char *
redact(const char *in, size_t len, size_t *outlen)
{
	/* 1: may start a token at a word's start; 2: may start anything else. */
	static const unsigned char trigger[256] = {
		['s'] = 1, ['r'] = 1, ['p'] = 1, ['A'] = 1, ['g'] = 1, ['x'] = 1,
		['e'] = 1, ['-'] = 2, ['['] = 2, [':'] = 2, ['='] = 2,
	};
	struct out o = { in, {0}, 0, 0 };
	struct match m, pend;
	size_t i = 0;
	int pending = 0;

	while (i < len) {
		size_t lim = pending && pend.start < len ? pend.start : len;
		int found = 0, t;

		/* The common case: bytes that start nothing. */
		while (i < lim && trigger[(unsigned char)in[i]] == 0)
			i++;
		if (pending && i >= pend.start) {
			/* A URL's password, once its user name was looked at. */
			if (i == pend.start) {
				emit(&o, &pend);
				i = pend.end;
			}
			pending = 0;
			continue;
		}
		if (i >= len)
			break;
		t = trigger[(unsigned char)in[i]];
		/*
		 * Right after a secret a word starts, as it does after the
		 * marker's ] when the text is redacted again (stability).
		 * Inside a word no token starts: skip the rest of it.
		 */
		if (t == 1 && i != o.done && !word_start(in, i)) {
			while (i < lim && is_alnum((unsigned char)in[i]))
				i++;
			continue;
		}
		switch (in[i]) {
		case 'e':
			found = jwt_at(in, len, i, &m);
			break;
		case '-':
			found = i + 1 < len && in[i + 1] == '-' && private_key_at(in, len, i, &m);
			break;
		case '[':
			if (len - i > 10 && memcmp(in + i, "[REDACTED:", 10) == 0) {
				const char *close = memchr(in + i, ']', len - i < 64 ? len - i : 64);

				if (close) {
					i = (size_t)(close - in) + 1;
					continue;
				}
			}
			break;
		case ':':
			if (len - i > 3 && in[i + 1] == '/' && in[i + 2] == '/') {
				/*
				 * The password waits while the user name is looked
				 * at like any text (https://ghp_...:x-oauth-basic@).
				 */
				if (!pending && url_at(in, len, i, &pend))
					pending = 1;
				i += 3;
				continue;
			}
			/* FALLTHROUGH */
		case '=':
			found = assignment_at(in, len, i, &m);
			break;
		default:
			found = token_at(in, len, i, &m);
			break;
		}
		if (!found) {
			i++;
			continue;
		}
		if (pending && m.end > pend.start)
			pending = 0;  /* what was found covers the password */
		emit(&o, &m);
		i = m.end > i ? m.end : i + 1;
	}
	if (!o.any)
		return NULL;
	buf_add(&o.b, in + o.done, len - o.done);
	*outlen = o.b.len;
	return o.b.data;
}

/* 0 when CLANKERS_REDACT is 0, off, no or false: stored and logged as said. */
int
redact_enabled(void)
{
	static int on = -1;

	if (on < 0) {
		const char *s = getenv("CLANKERS_REDACT");
		static const char *const off[] = { "0", "off", "no", "false" };

		on = !(s && str_in(s, off, NELEM(off)));
	}
	return on;
}
