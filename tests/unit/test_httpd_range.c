/*
 * httpd ranges, validators, MIME table and access-log escaping: pure
 * functions, table-driven.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "accesslog.h"
#include "http_mime.h"
#include "http_range.h"
#include "http_util.h"

struct range_case {
	const char *v;
	uint64_t size;
	enum http_range_result want;
	uint64_t first, last; /* of the first range */
	unsigned n;           /* ranges, when several */
};

static void
test_ranges(void **state)
{
	static const struct range_case cases[] = {
		{"bytes=0-9", 100, HTTP_RANGE_ONE, 0, 9, 1},
		{"bytes=90-200", 100, HTTP_RANGE_ONE, 90, 99, 1},
		{"bytes=500-", 1000, HTTP_RANGE_ONE, 500, 999, 1},
		{"bytes=-500", 1000, HTTP_RANGE_ONE, 500, 999, 1},
		{"bytes=-5000", 1000, HTTP_RANGE_ONE, 0, 999, 1},
		{"BYTES=1-1", 10, HTTP_RANGE_ONE, 1, 1, 1},
		{"bytes= 1-2 ", 10, HTTP_RANGE_ONE, 1, 2, 1},
		{"bytes=100-", 100, HTTP_RANGE_UNSATISFIABLE, 0, 0, 0},
		{"bytes=-0", 100, HTTP_RANGE_UNSATISFIABLE, 0, 0, 0},
		{"bytes=0-0", 0, HTTP_RANGE_UNSATISFIABLE, 0, 0, 0},
		{"bytes=200-300,400-", 100, HTTP_RANGE_UNSATISFIABLE, 0, 0, 0},
		{"bytes=0-1,5-6", 100, HTTP_RANGE_MANY, 0, 1, 2},
		{"bytes=0-1,500-600", 100, HTTP_RANGE_ONE, 0, 1, 1},
		/* coalesced: overlapping or adjacent, in any order */
		{"bytes=0-5,3-10", 100, HTTP_RANGE_ONE, 0, 10, 1},
		{"bytes=0-5,6-10", 100, HTTP_RANGE_ONE, 0, 10, 1},
		{"bytes=20-30,0-5,4-9", 100, HTTP_RANGE_MANY, 0, 9, 2},
		{"bytes=50-,-10,0-0", 100, HTTP_RANGE_MANY, 0, 0, 2},
		{"bytes=0-0,0-0,0-0", 100, HTTP_RANGE_ONE, 0, 0, 1},
		/* HTTP_RANGE_MAX_MULTI parts, then one more: the whole file */
		{"bytes=0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14", 100,
		 HTTP_RANGE_MANY, 0, 0, 8},
		{"bytes=0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16", 100,
		 HTTP_RANGE_NONE, 0, 0, 0},
		{"bytes=5-1", 100, HTTP_RANGE_NONE, 0, 0, 0},
		{"bytes=0-1,5-1", 100, HTTP_RANGE_NONE, 0, 0, 0},
		{"bytes=a-b", 100, HTTP_RANGE_NONE, 0, 0, 0},
		{"bytes=", 100, HTTP_RANGE_NONE, 0, 0, 0},
		{"bytes=1", 100, HTTP_RANGE_NONE, 0, 0, 0},
		{"bytes=--1", 100, HTTP_RANGE_NONE, 0, 0, 0},
		{"bytes=1-2-3", 100, HTTP_RANGE_NONE, 0, 0, 0},
		{"items=0-1", 100, HTTP_RANGE_NONE, 0, 0, 0},
		{"bytes=99999999999999999999-", 100, HTTP_RANGE_NONE, 0, 0, 0},
	};
	struct http_range_set set;
	enum http_range_result r;
	size_t i;
	unsigned k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = http_range_parse(cases[i].v, strlen(cases[i].v),
				     cases[i].size, &set);
		if (r != cases[i].want || set.n != cases[i].n)
			fail_msg("\"%s\" size %llu: %d with %u, want %d",
				 cases[i].v, (unsigned long long)cases[i].size,
				 r, set.n, cases[i].want);
		if (set.n > 0 && (set.r[0].first != cases[i].first ||
				  set.r[0].last != cases[i].last))
			fail_msg("\"%s\": %llu-%llu", cases[i].v,
				 (unsigned long long)set.r[0].first,
				 (unsigned long long)set.r[0].last);
		for (k = 1; k < set.n; k++) {
			if (set.r[k].first <= set.r[k - 1].last + 1)
				fail_msg("\"%s\": not ascending and apart",
					 cases[i].v);
		}
	}
	/* the parts themselves */
	assert_int_equal(http_range_parse("bytes=20-30,0-5,4-9", 19, 100, &set),
			 HTTP_RANGE_MANY);
	assert_true(set.r[1].first == 20 && set.r[1].last == 30);
	assert_int_equal(http_range_parse("bytes=50-,-10,0-0", 17, 100, &set),
			 HTTP_RANGE_MANY);
	assert_true(set.r[1].first == 50 && set.r[1].last == 99);
}

static void
test_validators(void **state)
{
	const char *etag = "\"5f-1a\"";
	char date[HTTP_DATE_LEN + 1];
	time_t mtime = 784111777;

	(void)state;
	assert_true(http_etag_match_weak("\"5f-1a\"", 7, etag));
	assert_true(http_etag_match_weak("\"x\", W/\"5f-1a\"", 14, etag));
	assert_true(http_etag_match_weak("*", 1, etag));
	assert_false(http_etag_match_weak("\"5f-1b\"", 7, etag));
	assert_false(http_etag_match_weak("", 0, etag));
	/* If-Range: strong comparison or the exact date */
	assert_true(http_if_range_holds("\"5f-1a\"", 7, etag, mtime));
	assert_false(http_if_range_holds("W/\"5f-1a\"", 9, etag, mtime));
	assert_false(http_if_range_holds("\"old\"", 5, etag, mtime));
	http_date_format(mtime, date);
	assert_true(http_if_range_holds(date, HTTP_DATE_LEN, etag, mtime));
	assert_false(http_if_range_holds(date, HTTP_DATE_LEN, etag, mtime + 1));
	/* If-Modified-Since */
	assert_true(http_not_modified_since(date, HTTP_DATE_LEN, mtime));
	assert_true(http_not_modified_since(date, HTTP_DATE_LEN, mtime - 5));
	assert_false(http_not_modified_since(date, HTTP_DATE_LEN, mtime + 1));
	assert_false(http_not_modified_since("garbage", 7, mtime));
	/* If-Match: strong comparison only, "*" for any file */
	assert_true(http_etag_match_strong("\"5f-1a\"", 7, etag));
	assert_true(http_etag_match_strong("\"x\", \"5f-1a\"", 12, etag));
	assert_true(http_etag_match_strong("*", 1, etag));
	assert_false(http_etag_match_strong("W/\"5f-1a\"", 9, etag));
	assert_false(http_etag_match_strong("\"5f-1b\"", 7, etag));
	assert_false(http_etag_match_strong("\"5f-1a\"", 7, "W/\"5f-1a\""));
	assert_true(http_etag_match_strong("*", 1, "W/\"5f-1a\""));
	assert_false(http_etag_match_strong("", 0, etag));
	/* If-Unmodified-Since: 412 only when the file is newer */
	assert_false(http_modified_since(date, HTTP_DATE_LEN, mtime));
	assert_false(http_modified_since(date, HTTP_DATE_LEN, mtime - 5));
	assert_true(http_modified_since(date, HTTP_DATE_LEN, mtime + 1));
	assert_false(http_modified_since("garbage", 7, mtime + 1));
}

static void
test_mime(void **state)
{
	static const struct http_mime_override over[] = {
		{"html", "text/x-test"},
		{"foo", "application/x-foo"},
	};

	(void)state;
	assert_string_equal(http_mime_type("/a/index.html", NULL, 0),
			    "text/html; charset=utf-8");
	assert_string_equal(http_mime_type("/A.CSS", NULL, 0),
			    "text/css; charset=utf-8");
	assert_string_equal(http_mime_type("v.mp4", NULL, 0), "video/mp4");
	assert_string_equal(http_mime_type("x.png", NULL, 0), "image/png");
	assert_string_equal(http_mime_type("x.woff2", NULL, 0), "font/woff2");
	assert_string_equal(http_mime_type("x.unknown", NULL, 0),
			    HTTP_MIME_DEFAULT);
	assert_string_equal(http_mime_type("/dir.d/noext", NULL, 0),
			    HTTP_MIME_DEFAULT);
	assert_string_equal(http_mime_type("x.", NULL, 0), HTTP_MIME_DEFAULT);
	assert_string_equal(http_mime_type("a.html", over, 2), "text/x-test");
	assert_string_equal(http_mime_type("a.FOO", over, 2),
			    "application/x-foo");
	assert_string_equal(http_mime_type("a.js", over, 2),
			    "text/javascript; charset=utf-8");
}

static void
test_log_escape(void **state)
{
	char out[32];

	(void)state;
	alog_escape("GET /a\"b\\c\x01\xff HTTP/1.1", 23, out, sizeof(out));
	assert_string_equal(out, "GET /a\\x22b\\x5cc\\x01\\xff HTTP/1");
	alog_escape("abc", 3, out, 3);
	assert_string_equal(out, "ab");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_validators),
		cmocka_unit_test(test_mime),
		cmocka_unit_test(test_log_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
