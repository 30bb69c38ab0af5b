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

/* tchar (RFC 9110 5.6.2): the characters of a token. */
bool http_is_tchar(unsigned char c);
/* field-vchar: VCHAR or obs-text (RFC 9110 5.5). */
bool http_is_field_vchar(unsigned char c);
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
