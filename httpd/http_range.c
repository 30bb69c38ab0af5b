/* http_range: ranges and validators (see http_range.h). */
#include "http_range.h"

#include <string.h>

#include "http_util.h"

/* Digits in s[*i..len) into *out; -1 if none or too many. */
static int
http_range_num(const char *s, size_t len, size_t *i, uint64_t *out)
{
	uint64_t v = 0;
	size_t start = *i;

	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		if (*i - start >= 18)
			return -1;
		v = v * 10 + (uint64_t)(s[*i] - '0');
		(*i)++;
	}
	if (*i == start)
		return -1;
	*out = v;
	return 0;
}

/*
 * One range-spec s[0..len) against size.  Returns 1 satisfiable (sets
 * first/last), 0 unsatisfiable, -1 malformed.
 */
static int
http_range_spec(const char *s, size_t len, uint64_t size, uint64_t *first,
		uint64_t *last)
{
	size_t i = 0;
	uint64_t a, b;

	if (len > 0 && s[0] == '-') { /* suffix-range */
		i = 1;
		if (http_range_num(s, len, &i, &b) == -1 || i != len)
			return -1;
		if (b == 0 || size == 0)
			return 0;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return 1;
	}
	if (http_range_num(s, len, &i, &a) == -1 || i >= len || s[i] != '-')
		return -1;
	i++;
	if (i == len) {
		b = UINT64_MAX;
	} else if (http_range_num(s, len, &i, &b) == -1 || i != len || b < a) {
		return -1;
	}
	if (a >= size)
		return 0;
	*first = a;
	*last = b >= size ? size - 1 : b;
	return 1;
}

/* Sorts r[0..n) by first and merges overlapping or adjacent ranges. */
static unsigned
http_range_coalesce(struct http_byte_range *r, unsigned n)
{
	struct http_byte_range t;
	unsigned i, j, out = 0;

	for (i = 1; i < n; i++) { /* insertion sort: n is small */
		t = r[i];
		for (j = i; j > 0 && r[j - 1].first > t.first; j--)
			r[j] = r[j - 1];
		r[j] = t;
	}
	for (i = 1; i < n; i++) {
		if (r[i].first <= r[out].last + 1) {
			if (r[i].last > r[out].last)
				r[out].last = r[i].last;
		} else {
			r[++out] = r[i];
		}
	}
	return n == 0 ? 0 : out + 1;
}

enum http_range_result
http_range_parse(const char *v, size_t len, uint64_t size,
		 struct http_range_set *set)
{
	struct http_byte_range all[HTTP_RANGE_MAX_PARTS];
	size_t pos = 6;
	struct http_span item;
	unsigned parts = 0, good = 0;
	int rc;

	set->n = 0;
	if (len < 6 || !http_token_eq(v, 6, "bytes="))
		return HTTP_RANGE_NONE;
	while (http_list_next(v, len, &pos, &item)) {
		if (item.len == 0)
			continue;
		if (++parts > HTTP_RANGE_MAX_PARTS)
			return HTTP_RANGE_NONE;
		rc = http_range_spec(v + item.off, item.len, size,
				     &all[good].first, &all[good].last);
		if (rc == -1)
			return HTTP_RANGE_NONE;
		good += rc == 1;
	}
	if (parts == 0)
		return HTTP_RANGE_NONE;
	if (good == 0)
		return HTTP_RANGE_UNSATISFIABLE;
	good = http_range_coalesce(all, good);
	if (good > HTTP_RANGE_MAX_MULTI)
		return HTTP_RANGE_NONE;
	memcpy(set->r, all, good * sizeof(all[0]));
	set->n = good;
	return good == 1 ? HTTP_RANGE_ONE : HTTP_RANGE_MANY;
}

/* An entity-tag without its W/ prefix. */
static void
http_etag_opaque(const char *s, size_t len, const char **o, size_t *olen,
		 bool *weak)
{
	*weak = len >= 2 && s[0] == 'W' && s[1] == '/';
	if (*weak) {
		s += 2;
		len -= 2;
	}
	*o = s;
	*olen = len;
}

bool
http_etag_match_weak(const char *v, size_t len, const char *etag)
{
	size_t pos = 0, olen, elen;
	struct http_span item;
	const char *o, *e;
	bool weak;

	http_etag_opaque(etag, strlen(etag), &e, &elen, &weak);
	while (http_list_next(v, len, &pos, &item)) {
		if (item.len == 1 && v[item.off] == '*')
			return true;
		http_etag_opaque(v + item.off, item.len, &o, &olen, &weak);
		if (olen == elen && memcmp(o, e, elen) == 0)
			return true;
	}
	return false;
}

bool
http_etag_match_strong(const char *v, size_t len, const char *etag)
{
	size_t pos = 0, elen = strlen(etag);
	struct http_span item;

	while (http_list_next(v, len, &pos, &item)) {
		if (item.len == 1 && v[item.off] == '*')
			return true; /* any current file, whatever its tag */
		/* A weak tag of ours never matches strongly. */
		if (item.len == elen && memcmp(v + item.off, etag, elen) == 0 &&
		    etag[0] == '"')
			return true;
	}
	return false;
}

bool
http_if_range_holds(const char *v, size_t len, const char *etag, time_t mtime)
{
	time_t t;

	if (len > 0 && v[0] == '"')
		return strlen(etag) == len && memcmp(v, etag, len) == 0 &&
		       etag[0] == '"';
	if (len >= 2 && v[0] == 'W' && v[1] == '/')
		return false; /* weak tags never match here */
	return http_date_parse(v, len, &t) == 0 && t == mtime;
}

bool
http_not_modified_since(const char *v, size_t len, time_t mtime)
{
	time_t t;

	return http_date_parse(v, len, &t) == 0 && mtime <= t;
}

bool
http_modified_since(const char *v, size_t len, time_t mtime)
{
	time_t t;

	return http_date_parse(v, len, &t) == 0 && mtime > t;
}
