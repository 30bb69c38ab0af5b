#include "num.h"

#include <limits.h>
#include <string.h>

int
num_parse_n(const char *s, size_t len, long long min, long long max,
	    long long *out, const char **errstr)
{
	unsigned long long limit, value = 0;
	size_t i = 0;
	int negative = 0;

	*errstr = "invalid";
	if (len > 0 && s[0] == '-') {
		negative = 1;
		i = 1;
	}
	if (i == len)
		return -1;
	/* "0" is fine, "010" is not: YAML 1.1 would read it as octal. */
	if (s[i] == '0' && len - i > 1)
		return -1;
	/* Text that is not a number is "invalid", however long it is. */
	for (size_t j = i; j < len; j++) {
		if (s[j] < '0' || s[j] > '9')
			return -1;
	}
	limit = negative ? (unsigned long long)LLONG_MAX + 1
			 : (unsigned long long)LLONG_MAX;
	for (; i < len; i++) {
		unsigned digit;

		digit = (unsigned)(s[i] - '0');
		if (value > (limit - digit) / 10) {
			*errstr = negative ? "too small" : "too large";
			return -1;
		}
		value = value * 10 + digit;
	}
	if (negative)
		*out = value == (unsigned long long)LLONG_MAX + 1
			       ? LLONG_MIN
			       : -(long long)value;
	else
		*out = (long long)value;
	if (*out < min) {
		*errstr = "too small";
		return -1;
	}
	if (*out > max) {
		*errstr = "too large";
		return -1;
	}
	*errstr = NULL;
	return 0;
}

int
num_parse(const char *s, long long min, long long max, long long *out,
	  const char **errstr)
{
	return num_parse_n(s, strlen(s), min, max, out, errstr);
}

int
num_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
