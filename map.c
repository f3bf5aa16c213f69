/*
 * map.c: the general containers, for the commands that count things in
 * memory (report, and whatever reads a stream of ids): a map of strings to
 * the caller's indexes (also a set of strings), a map of 16-byte ids that
 * remembers the order they came in, and a series of int64 that sorts fast
 * for percentiles. They store indexes and numbers, never the caller's
 * records, and grow by doubling: no allocation per entry. Nothing here is
 * shared between threads; a thread may look up a map that no one changes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clankers.h"

/* --- a string map: key -> index into the caller's array ------------------- */

#define ARENA_BLOCK (64 * 1024)

/* A copy of k[0..n) in the map's arena: 100,000 keys are not 100,000 mallocs. */
static char *
strmap_copy(struct strmap *m, const char *k, size_t n)
{
	char *p;

	if (n + 1 > m->left) {
		size_t size = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;
		char *b = xmalloc(sizeof(char *) + size);

		memcpy(b, &m->arena, sizeof(char *));
		m->arena = b;
		m->free_at = b + sizeof(char *);
		m->left = size;
	}
	p = m->free_at;
	memcpy(p, k, n);
	p[n] = '\0';
	m->free_at += n + 1;
	m->left -= n + 1;
	return p;
}

static size_t
strmap_slot(const struct strmap *m, const char *k, size_t n, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	while (m->keys[i] && (m->hashes[i] != h || strncmp(m->keys[i], k, n) != 0 ||
	    m->keys[i][n] != '\0'))
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* The value of k[0..n), or -1 when k is not there. */
int
strmap_get(const struct strmap *m, const char *k, size_t n)
{
	size_t i;

	if (m->cap == 0)
		return -1;
	i = strmap_slot(m, k, n, fnv1a(FNV_SEED, k, n));
	return m->keys[i] ? m->vals[i] : -1;
}

/*
 * Sets k[0..n) (copied into the map) to v unless k is there. Returns 1 when
 * it added k, 0 when k was there (its value kept): a map used as a set of
 * strings needs no lookup first.
 */
int
strmap_put(struct strmap *m, const char *k, size_t n, int v)
{
	uint64_t h = fnv1a(FNV_SEED, k, n);
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct strmap g = *m;

		g.cap = m->cap ? 2 * m->cap : 64;
		g.n = 0;
		g.keys = xmalloc(g.cap * sizeof *g.keys);
		g.vals = xmalloc(g.cap * sizeof *g.vals);
		g.hashes = xmalloc(g.cap * sizeof *g.hashes);
		memset(g.keys, 0, g.cap * sizeof *g.keys);
		for (i = 0; i < m->cap; i++)
			if (m->keys[i]) {
				size_t j = (size_t)m->hashes[i] & (g.cap - 1);

				while (g.keys[j])  /* the keys are distinct: the first free slot */
					j = (j + 1) & (g.cap - 1);
				g.keys[j] = m->keys[i];
				g.vals[j] = m->vals[i];
				g.hashes[j] = m->hashes[i];
				g.n++;
			}
		free(m->keys);
		free(m->vals);
		free(m->hashes);
		*m = g;
	}
	i = strmap_slot(m, k, n, h);
	if (m->keys[i])
		return 0;
	m->keys[i] = strmap_copy(m, k, n);
	m->vals[i] = v;
	m->hashes[i] = h;
	m->n++;
	return 1;
}

void
strmap_release(struct strmap *m)
{
	while (m->arena) {
		char *b = m->arena;

		memcpy(&m->arena, b, sizeof(char *));
		free(b);
	}
	free(m->keys);
	free(m->vals);
	free(m->hashes);
	memset(m, 0, sizeof *m);
}

/* --- a map of 16-byte ids to the order they were added in ----------------- */

static size_t
idmap_slot(const struct idmap *m, const unsigned char id[16])
{
	uint64_t h;
	size_t i;

	memcpy(&h, id, 8);
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	i = (size_t)(h ^ h >> 32) & (m->nslots - 1);
	while (m->slots[i] && memcmp(m->ids[m->slots[i] - 1], id, 16) != 0)
		i = (i + 1) & (m->nslots - 1);
	return i;
}

/* The index of id (the order it was added in), or -1 when it is not there. */
int
idmap_get(const struct idmap *m, const unsigned char id[16])
{
	size_t i;

	if (m->nslots == 0)
		return -1;
	i = idmap_slot(m, id);
	return m->slots[i] ? (int)m->slots[i] - 1 : -1;
}

/*
 * Adds id unless it is there. Returns 1 when it added it (its index is
 * m->n - 1), 0 when it was there.
 */
int
idmap_add(struct idmap *m, const unsigned char id[16])
{
	size_t i;

	if (2 * (m->n + 1) > m->nslots) {
		size_t k;

		free(m->slots);
		m->nslots = m->nslots ? 2 * m->nslots : 1024;
		m->slots = xmalloc(m->nslots * sizeof *m->slots);
		memset(m->slots, 0, m->nslots * sizeof *m->slots);
		for (k = 0; k < m->n; k++)
			m->slots[idmap_slot(m, m->ids[k])] = (uint32_t)k + 1;
	}
	i = idmap_slot(m, id);
	if (m->slots[i])
		return 0;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 1024;
		m->ids = xrealloc(m->ids, m->cap * sizeof *m->ids);
	}
	memcpy(m->ids[m->n], id, 16);
	m->slots[i] = (uint32_t)++m->n;
	return 1;
}

/* Frees what m holds and empties it. */
void
idmap_release(struct idmap *m)
{
	free(m->ids);
	free(m->slots);
	memset(m, 0, sizeof *m);
}

/* --- a series of int64, for percentiles ----------------------------------- */

/* Appends v to s. */
void
series_add(struct series *s, int64_t v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = v;
}

/*
 * Sorts s: an LSD radix sort, a byte a pass, skipping the passes where
 * every value has the same byte (durations fit in two or three bytes), so
 * a million values take a few milliseconds rather than qsort's hundred.
 */
void
series_sort(struct series *s)
{
	uint64_t *a = (uint64_t *)s->v, *tmp, *src, *dst;
	size_t i, count[256], n = s->n;
	uint64_t flip = 1ULL << 63, x;
	int pass;

	if (n < 2)
		return;
	tmp = xmalloc(n * sizeof *tmp);
	for (i = 0; i < n; i++)  /* signed order as unsigned: flip the sign bit */
		a[i] ^= flip;
	src = a, dst = tmp;
	for (pass = 0; pass < 8; pass++) {
		size_t sum = 0, c;
		int shift = pass * 8;

		memset(count, 0, sizeof count);
		for (i = 0; i < n; i++)
			count[(src[i] >> shift) & 0xff]++;
		if (count[(src[0] >> shift) & 0xff] == n)
			continue;  /* the same byte everywhere: nothing to move */
		for (i = 0; i < 256; i++)
			c = count[i], count[i] = sum, sum += c;
		for (i = 0; i < n; i++) {
			x = src[i];
			dst[count[(x >> shift) & 0xff]++] = x;
		}
		tmp = src, src = dst, dst = tmp;
	}
	for (i = 0; i < n; i++)
		a[i] = src[i] ^ flip;
	free(src == a ? dst : src);
}

/*
 * Nearest rank, of s sorted and not empty: the smallest value with at
 * least p% of the values at or below it.
 */
int64_t
series_pct(const struct series *s, int p)
{
	size_t rank = (size_t)((s->n * (size_t)p + 99) / 100);

	return s->v[rank ? rank - 1 : 0];
}
