/*
 * num: strict decimal parsing.  Each table row is one input with its range
 * and the expected value or error string; num_parse_n is also fed text
 * with no terminating NUL (heap buffers of exactly `len` bytes, so the
 * sanitizer build catches any read past the end).
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "num.h"

/* The whole long long range. */
#define LO LLONG_MIN
#define HI LLONG_MAX

struct num_case {
	const char *text;
	long long min, max;
	const char *err; /* NULL: must parse to `want` */
	long long want;
};

static void
check_case(const struct num_case *c)
{
	const char *errstr = "unset";
	long long out = -12345;
	int rc = num_parse(c->text, c->min, c->max, &out, &errstr);

	if (c->err == NULL) {
		if (rc != 0 || errstr != NULL || out != c->want)
			fail_msg("\"%s\": rc %d errstr %s out %lld, want %lld",
				 c->text, rc, errstr ? errstr : "NULL", out,
				 c->want);
		return;
	}
	if (rc != -1 || errstr == NULL || strcmp(errstr, c->err) != 0)
		fail_msg("\"%s\" in [%lld, %lld]: rc %d errstr %s, want %s",
			 c->text, c->min, c->max, rc, errstr ? errstr : "NULL",
			 c->err);
}

static void
check_table(const struct num_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check_case(&cases[i]);
}

#define CHECK_TABLE(t) check_table((t), sizeof(t) / sizeof((t)[0]))

static void
test_plain_values(void **state)
{
	static const struct num_case cases[] = {
		{"0", 0, 10, NULL, 0},
		{"-0", -10, 10, NULL, 0},
		{"42", 0, 100, NULL, 42},
		{"-42", -100, 100, NULL, -42},
		{"10", 0, 100, NULL, 10},
		{"100", 0, 100, NULL, 100},
		{"65535", 0, 65535, NULL, 65535},
	};

	(void)state;
	CHECK_TABLE(cases);
}

static void
test_range_bounds_inclusive(void **state)
{
	static const struct num_case cases[] = {
		{"7", 7, 9, NULL, 7},
		{"9", 7, 9, NULL, 9},
		{"6", 7, 9, "too small", 0},
		{"10", 7, 9, "too large", 0},
		{"-5", -5, 5, NULL, -5},
		{"-6", -5, 5, "too small", 0},
		{"5", -5, 5, NULL, 5},
		{"6", -5, 5, "too large", 0},
		{"0", 1, 65535, "too small", 0},
		{"-1", 0, 65535, "too small", 0},
		{"65536", 0, 65535, "too large", 0},
		{"-0", 1, 10, "too small", 0},
		{"3", 3, 3, NULL, 3},
	};

	(void)state;
	CHECK_TABLE(cases);
}

static void
test_llong_limits(void **state)
{
	static const struct num_case cases[] = {
		{"9223372036854775807", LO, HI, NULL, LLONG_MAX},
		{"-9223372036854775808", LO, HI, NULL, LLONG_MIN},
		{"9223372036854775806", LO, HI, NULL, LLONG_MAX - 1},
		{"-9223372036854775807", LO, HI, NULL, LLONG_MIN + 1},
		{"9223372036854775807", 0, LLONG_MAX - 1, "too large", 0},
		{"-9223372036854775808", LLONG_MIN + 1, 0, "too small", 0},
	};

	(void)state;
	CHECK_TABLE(cases);
}

static void
test_overflow_reported(void **state)
{
	static const struct num_case cases[] = {
		/* one past each limit */
		{"9223372036854775808", LO, HI, "too large", 0},
		{"-9223372036854775809", LO, HI, "too small", 0},
		/* one digit more */
		{"92233720368547758070", LO, HI, "too large", 0},
		{"-92233720368547758080", LO, HI, "too small", 0},
		/* 2^64 and 2^64-1 must not wrap to small values */
		{"18446744073709551616", LO, HI, "too large", 0},
		{"18446744073709551615", LO, HI, "too large", 0},
		{"-18446744073709551616", LO, HI, "too small", 0},
		{"99999999999999999999999999999999", 0, 10, "too large", 0},
	};

	(void)state;
	CHECK_TABLE(cases);
}

static void
test_malformed_invalid(void **state)
{
	static const struct num_case cases[] = {
		{"", 0, 100, "invalid", 0},
		{"-", 0, 100, "invalid", 0},
		{"--1", -100, 100, "invalid", 0},
		{"+1", 0, 100, "invalid", 0},
		{" 1", 0, 100, "invalid", 0},
		{"1 ", 0, 100, "invalid", 0},
		{"\t1", 0, 100, "invalid", 0},
		{"1\n", 0, 100, "invalid", 0},
		{"0x10", 0, 100, "invalid", 0},
		{"010", 0, 100, "invalid", 0},
		{"00", 0, 100, "invalid", 0},
		{"-01", -100, 100, "invalid", 0},
		{"-00", -100, 100, "invalid", 0},
		{"1e3", 0, 10000, "invalid", 0},
		{"3600s", 0, 10000, "invalid", 0},
		{"1.5", 0, 100, "invalid", 0},
		{"1-", -100, 100, "invalid", 0},
		{"1,000", 0, 10000, "invalid", 0},
		{"abc", 0, 100, "invalid", 0},
		{"\xd9\xa1", 0, 100, "invalid", 0}, /* Arabic-Indic one */
	};

	(void)state;
	CHECK_TABLE(cases);
}

/*
 * Text that is not a number at all is "invalid", even when its leading
 * digits alone would overflow (as strtonum(3) reports it).
 */
static void
test_overflowing_garbage_invalid(void **state)
{
	static const struct num_case cases[] = {
		{"99999999999999999999x", 0, 100, "invalid", 0},
		{"-99999999999999999999x", -100, 100, "invalid", 0},
		{"184467440737095516160 ", 0, 100, "invalid", 0},
	};

	(void)state;
	CHECK_TABLE(cases);
}

/* A heap copy of s[0..len) with no NUL after it. */
static char *
unterminated(const char *s, size_t len)
{
	char *p = malloc(len > 0 ? len : 1);

	assert_non_null(p);
	memcpy(p, s, len);
	return p;
}

struct num_n_case {
	const char *text;
	size_t len;
	const char *err;
	long long want;
};

static void
test_parse_n_unterminated(void **state)
{
	static const struct num_n_case cases[] = {
		{"123x", 3, NULL, 123},
		{"12345", 2, NULL, 12},
		{"0123", 1, NULL, 0},
		{"-5", 2, NULL, -5},
		{"-5", 1, "invalid", 0},
		{"7", 0, "invalid", 0},
		{"1\0"
		 "2",
		 2, "invalid", 0},
		{"1\0"
		 "2",
		 3, "invalid", 0},
		{"9223372036854775807", 19, NULL, LLONG_MAX},
		{"92233720368547758079", 19, NULL, LLONG_MAX},
		{"92233720368547758079", 20, "too large", 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct num_n_case *c = &cases[i];
		char *buf = unterminated(c->text, c->len);
		const char *errstr = "unset";
		long long out = -1;
		int rc = num_parse_n(buf, c->len, LLONG_MIN, LLONG_MAX, &out,
				     &errstr);

		free(buf);
		if (c->err == NULL &&
		    (rc != 0 || errstr != NULL || out != c->want))
			fail_msg("case %zu: rc %d out %lld", i, rc, out);
		if (c->err != NULL &&
		    (rc != -1 || errstr == NULL || strcmp(errstr, c->err) != 0))
			fail_msg("case %zu: rc %d errstr %s, want %s", i, rc,
				 errstr ? errstr : "NULL", c->err);
	}
}

/* Every prefix of a longer number parses to that prefix's value. */
static void
test_parse_n_every_prefix(void **state)
{
	static const char digits[] = "1234567890123456789";
	long long want = 0;
	size_t len;

	(void)state;
	for (len = 1; len < sizeof(digits); len++) {
		char *buf = unterminated(digits, len);
		const char *errstr;
		long long out = -1;
		int rc = num_parse_n(buf, len, 0, LLONG_MAX, &out, &errstr);

		free(buf);
		want = want * 10 + (digits[len - 1] - '0');
		assert_int_equal(rc, 0);
		assert_true(out == want);
	}
}

/* 0-9, a-f and A-F have their value; every other byte is -1. */
static void
test_hexval_every_byte(void **state)
{
	static const unsigned char edges[] = {'/', ':', '@', 'G',  '`',
					      'g', ' ', 0,   0x80, 0xff};
	unsigned c, hex = 0;
	size_t i;

	(void)state;
	assert_int_equal(num_hexval('0'), 0);
	assert_int_equal(num_hexval('9'), 9);
	assert_int_equal(num_hexval('a'), 10);
	assert_int_equal(num_hexval('F'), 15);
	assert_int_equal(num_hexval('c'), num_hexval('C'));
	for (i = 0; i < sizeof(edges); i++)
		assert_int_equal(num_hexval(edges[i]), -1);
	for (c = 0; c < 256; c++) {
		int v = num_hexval((unsigned char)c);

		assert_true(v >= -1 && v < 16);
		hex += v >= 0;
	}
	assert_int_equal(hex, 22);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_values),
		cmocka_unit_test(test_range_bounds_inclusive),
		cmocka_unit_test(test_llong_limits),
		cmocka_unit_test(test_overflow_reported),
		cmocka_unit_test(test_malformed_invalid),
		cmocka_unit_test(test_overflowing_garbage_invalid),
		cmocka_unit_test(test_parse_n_unterminated),
		cmocka_unit_test(test_parse_n_every_prefix),
		cmocka_unit_test(test_hexval_every_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
