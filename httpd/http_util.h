/*
 * http_util: character classes and list helpers shared by the HTTP
 * parser and the responder (RFC 9110 5.6).
 */
#ifndef LABGATE_HTTP_UTIL_H
#define LABGATE_HTTP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http_parse.h"

/* Bits of http_char_class[c]. */
#define HTTP_CC_TCHAR 0x01 /* tchar (RFC 9110 5.6.2): a token's */
#define HTTP_CC_VCHAR 0x02 /* field-vchar: VCHAR or obs-text (5.5) */
#define HTTP_CC_PATH  0x04 /* VCHAR but '#' and '?': a path's plain byte */
#define HTTP_CC_WS    0x08 /* SP or HTAB */

extern const uint8_t http_char_class[256];

static inline bool
http_is_tchar(unsigned char c)
{
	return (http_char_class[c] & HTTP_CC_TCHAR) != 0;
}

static inline bool
http_is_field_vchar(unsigned char c)
{
	return (http_char_class[c] & HTTP_CC_VCHAR) != 0;
}
/* Whether s[0..len) equals the lowercase token `lc`, ignoring case. */
bool http_token_eq(const char *s, size_t len, const char *lc);

/*
 * Walks a comma-separated list (RFC 9110 5.6.1) in s[0..len) from *pos:
 * sets *item to the next element with its blanks trimmed (offsets are
 * relative to s; empty elements are returned with len 0) and returns
 * true, or false at the end.
 */
bool http_list_next(const char *s, size_t len, size_t *pos,
		    struct http_span *item);

#define HTTP_DATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" */

/* Writes the IMF-fixdate for t and a NUL into buf[HTTP_DATE_LEN + 1]. */
void http_date_format(time_t t, char *buf);
/*
 * Parses an HTTP-date (IMF-fixdate, RFC 850 or asctime, RFC 9110 5.6.7).
 * Returns 0 with *out set, or -1.
 */
int http_date_parse(const char *s, size_t len, time_t *out);

#endif
