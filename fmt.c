/*
 * fmt.c: numbers, money and times as people read and write them: 1,234,567;
 * $1,234.57; ISO times as JSON strings; the day of a day number; and the
 * dates and ages that --since and --until take. It prints nothing and
 * knows no command: the callers say where the text goes.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clankers.h"

/*
 * Reads a time for --since/--until, in UTC: YYYY-MM-DD or YYYYMMDD (a
 * whole day: --until takes its end), YYYY-MM-DDTHH:MM[:SS][Z], or an age:
 * N followed by m (minutes), h, d or w, counted back from now. Returns 0
 * and ms since the epoch, or -1.
 */
int
fmt_when(const char *s, int until, int64_t now, int64_t *out)
{
	int y, mo, d, hh = 0, mi = 0, ss = 0, n = 0;
	char unit;
	long long age;

	if (sscanf(s, "%lld%c%n", &age, &unit, &n) == 2 && s[n] == '\0' && age >= 0 &&
	    strchr("mhdw", unit) && isdigit((unsigned char)s[0])) {
		static const int64_t mult[] = { 60000, 3600000, 86400000, 604800000 };

		if (age > 100000)
			return -1;
		*out = now - age * mult[strchr("mhdw", unit) - "mhdw"];
		return 0;
	}
	if (strlen(s) == 8 && strspn(s, "0123456789") == 8) {
		if (sscanf(s, "%4d%2d%2d", &y, &mo, &d) != 3)
			return -1;
	} else if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && (s[n] == '\0' ||
	    s[n] == 'T' || s[n] == ' ')) {
		if (s[n] != '\0') {
			const char *rest;
			int m = 0;

			if (sscanf(s + n + 1, "%2d:%2d%n", &hh, &mi, &m) != 2 || m != 5)
				return -1;
			rest = s + n + 1 + m;
			if (*rest == ':') {
				if (sscanf(rest + 1, "%2d%n", &ss, &m) != 1 || m != 2)
					return -1;
				rest += 3;
			}
			if (strcmp(rest, "") != 0 && strcmp(rest, "Z") != 0)
				return -1;
			if (hh > 23 || mi > 59 || ss > 60)
				return -1;
			n = -1;  /* not a whole day */
		}
	} else {
		return -1;
	}
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || hh < 0 || mi < 0 ||
	    ss < 0 || d > (mo == 2 ? 28 + (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) :
	    mo == 4 || mo == 6 || mo == 9 || mo == 11 ? 30 : 31))
		return -1;
	*out = ((days_from_civil(y, mo, d) * 24 + hh) * 60 + mi) * 60000LL + ss * 1000LL;
	if (until && n >= 0)
		*out += 86400000LL;  /* --until 2026-12-01 takes in all of that day */
	return 0;
}

/* 1234567 -> "1,234,567" */
void
fmt_thousands(int64_t v, char out[32])
{
	char tmp[32];
	int len, i, j = 0, lead;

	len = snprintf(tmp, sizeof tmp, "%lld", (long long)(v < 0 ? -v : v));
	if (v < 0)
		out[j++] = '-';
	lead = len % 3 ? len % 3 : 3;
	for (i = 0; i < len; i++) {
		if (i >= lead && (i - lead) % 3 == 0)
			out[j++] = ',';
		out[j++] = tmp[i];
	}
	out[j] = '\0';
}

/* 0.004 -> "<$0.01", 1234.5 -> "$1,234.50" */
void
fmt_dollars(double v, char out[40])
{
	char n[32];

	if (v > 0 && v < 0.005) {
		snprintf(out, 40, "<$0.01");
		return;
	}
	fmt_thousands((int64_t)floor(v), n);
	snprintf(out, 40, "$%s.%02d", n, (int)llround((v - floor(v)) * 100) % 100);
	if (llround((v - floor(v)) * 100) == 100)  /* 0.999 rounds up a dollar */
		fmt_dollars(ceil(v), out);
}

/* ms as an ISO time string (owned), null for an open end (INT64_MIN or MAX). */
cJSON *
fmt_json_time(int64_t ms)
{
	char iso[32];

	if (ms == INT64_MIN || ms == INT64_MAX)
		return cJSON_CreateNull();
	iso_time(ms, iso);
	return cJSON_CreateString(iso);
}

/* Days since the epoch -> "YYYY-MM-DD" (the inverse of days_from_civil). */
void
fmt_day(int64_t z, char out[32])
{
	int64_t era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	snprintf(out, 32, "%04d-%02d-%02d", (int)(y + (m <= 2)), (int)m, (int)d);
}

/*
 * Reads --since and --until (either NULL when not given) into *since and
 * *until, left as they are for an option not given. Returns NULL, or what
 * is wrong (owned), for the caller to say after its command's name.
 */
char *
fmt_period(const char *since_arg, const char *until_arg, int64_t now,
    int64_t *since, int64_t *until)
{
	static const char forms[] = "(YYYY-MM-DD, YYYY-MM-DDTHH:MM, or an age: 30m, 12h, 7d, 2w)";

	if (since_arg && fmt_when(since_arg, 0, now, since) < 0)
		return xasprintf("--since '%s' is not a date %s", since_arg, forms);
	if (until_arg && fmt_when(until_arg, 1, now, until) < 0)
		return xasprintf("--until '%s' is not a date %s", until_arg, forms);
	if (*since >= *until)
		return xstrdup("the period is empty: --since is not before --until");
	return NULL;
}
