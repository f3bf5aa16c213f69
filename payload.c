/*
 * payload.c: reading what an agent sent. payload_parse turns the bytes of
 * one event into a cJSON object, repairing what would make a parser drop
 * the whole event (escapes that cut a string); the field getters read one
 * field each and never reject an event for one odd field: a field of the
 * wrong type reads as absent and is named once in the invocation's log
 * record. Every agent's mapper reads its payloads through these; nothing
 * here knows which agent sent what.
 */
#include <stdlib.h>
#include <string.h>

#include "clankers.h"

#define CJSON_STR_(x) #x
#define CJSON_STR(x) CJSON_STR_(x)

static int
blank(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

#ifndef CJSON_NESTING_LIMIT
#define CJSON_NESTING_LIMIT 1000
#endif

/* Whether the JSON text nests deeper than the parser goes: said as such,
 * not as malformed JSON. */
static int
too_deep(const char *s, size_t n)
{
	size_t i, depth = 0;
	int str = 0;

	for (i = 0; i < n; i++) {
		if (str) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				str = 0;
		} else if (s[i] == '"') {
			str = 1;
		} else if (s[i] == '{' || s[i] == '[') {
			if (++depth > CJSON_NESTING_LIMIT)
				return 1;
		} else if ((s[i] == '}' || s[i] == ']') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

/*
 * Parses a payload. data must be NUL-terminated; it is written: escapes
 * that would lose the event or cut a string are rewritten in place. Returns
 * an owned object, or NULL with *err set to a static message; *err is also
 * set (a warning) when text follows the object.
 */
cJSON *
payload_parse(char *data, size_t n, const char **err)
{
	const char *end = NULL;
	cJSON *root;
	size_t i;

	*err = NULL;
	for (i = 0; i < n && blank(data[i]); i++)
		;
	if (i == n) {
		*err = "empty payload";
		return NULL;
	}
	json_fix_escapes(data, n);
	root = cJSON_ParseWithLengthOpts(data, n, &end, 0);
	if (root == NULL) {
		*err = too_deep(data, n) ? "JSON nested deeper than "
		    CJSON_STR(CJSON_NESTING_LIMIT) " levels" : "malformed JSON";
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		*err = "payload is not a JSON object";
		return NULL;
	}
	/* Text after the object: keep the event, tell the caller (a warning). */
	for (i = (size_t)(end - data); i < n && blank(data[i]); i++)
		;
	if (i < n)
		*err = "text after the JSON object ignored";
	return root;
}

/* Notes a field of the wrong type once in the log record. */
static void
bad_field(struct payload *p, const char *name)
{
	cJSON *list;
	const cJSON *it;

	p->warned = 1;
	if (p->log == NULL)
		return;
	if ((list = cJSON_GetObjectItemCaseSensitive(p->log, "bad_fields")) == NULL)
		list = cJSON_AddArrayToObject(p->log, "bad_fields");
	cJSON_ArrayForEach(it, list)
		if (strcmp(it->valuestring, name) == 0)
			return;
	cJSON_AddItemToArray(list, cJSON_CreateString(name));
}

/*
 * The string field name of obj, borrowed; NULL when absent, null, or of
 * another type (noted for the log). An obj that is NULL (an object the
 * payload lacks) has no fields: chains of getters need no checks between.
 */
const char *
payload_str(struct payload *p, const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (v == NULL || cJSON_IsNull(v))
		return NULL;
	if (!cJSON_IsString(v)) {
		bad_field(p, name);
		return NULL;
	}
	return v->valuestring;
}

/* An integral number field into *out; 1 when there is one. */
int
payload_num(struct payload *p, const cJSON *obj, const char *name, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	/* valuedouble, not valueint: valueint is clamped to int. */
	if (!cJSON_IsNumber(v) || v->valuedouble < -9e15 || v->valuedouble > 9e15) {
		bad_field(p, name);
		return 0;
	}
	*out = (int64_t)v->valuedouble;
	return 1;
}

/* A number field that may have a fraction (a cost) into *out; 1 when there is one. */
int
payload_real(struct payload *p, const cJSON *obj, const char *name, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v)) {
		bad_field(p, name);
		return 0;
	}
	*out = v->valuedouble;
	return 1;
}

/* A boolean field into *out; 1 when there is one (wrong types noted). */
int
payload_bool(struct payload *p, const cJSON *obj, const char *name, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v)) {
		bad_field(p, name);
		return 0;
	}
	*out = cJSON_IsTrue(v);
	return 1;
}

/* An object field, borrowed; NULL when absent or not an object (noted). */
const cJSON *
payload_obj(struct payload *p, const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (v == NULL || cJSON_IsNull(v))
		return NULL;
	if (!cJSON_IsObject(v)) {
		bad_field(p, name);
		return NULL;
	}
	return v;
}

/* A JSON value as text, owned: strings as they are, the rest compact JSON. */
char *
payload_text(const cJSON *v)
{
	if (v == NULL || cJSON_IsNull(v))
		return NULL;
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	return cJSON_PrintUnformatted(v);
}
