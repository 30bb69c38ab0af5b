/*
 * num: strict number parsing, after OpenBSD's strtonum(3).
 */
#ifndef LABGATE_NUM_H
#define LABGATE_NUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses all of `s` as a decimal integer in [min, max]: optional '-',
 * digits, nothing else (no spaces, '+', hex, octal, exponents or
 * suffixes; no leading zeros but "0" itself).  Returns 0, or -1 with
 * *errstr set to "invalid", "too small" or "too large".
 */
int num_parse(const char *s, long long min, long long max, long long *out,
	      const char **errstr);

/* num_parse over s[0..len), for text that is not NUL-terminated. */
int num_parse_n(const char *s, size_t len, long long min, long long max,
		long long *out, const char **errstr);

/* The value of a hexadecimal digit (either case), or -1. */
int num_hexval(unsigned char c);

#endif
